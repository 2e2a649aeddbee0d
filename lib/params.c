/*
 * params.c: one pass over the FastCGI environment.
 */
#include "params.h"

#include <string.h>

struct want {
	const char	*name;
	size_t		 len;
	int		 slot;
};

enum { P_AUTH, P_METHOD, P_URI, P_ADDR, P_REQUIRE, P_RESOURCE, P_ENV, P_N };

#define W(s, i)	{ s, sizeof(s) - 1, i }
static const struct want wants[] = {
	W("HTTP_AUTHORIZATION", P_AUTH),
	W("REQUEST_METHOD", P_METHOD),
	W("REQUEST_URI", P_URI),
	W("REMOTE_ADDR", P_ADDR),
	W("TOKENGATE_REQUIRE", P_REQUIRE),
	W("TOKENGATE_RESOURCE", P_RESOURCE),
	W("TOKENGATE_ENV", P_ENV),
};
#undef W

void
tg_params_request(char *const *envp, const char *default_env,
    struct tg_request *req, const char **authorization)
{
	const char *v[P_N] = { NULL };
	size_t i, k;

	for (i = 0; envp != NULL && envp[i] != NULL; i++) {
		const char *e = envp[i];

		for (k = 0; k < sizeof wants / sizeof wants[0]; k++) {
			const struct want *w = &wants[k];

			/* The first byte rejects nearly every other param
			 * (a request has dozens) before strncmp is called. */
			if (e[0] == w->name[0] && v[w->slot] == NULL &&
			    strncmp(e, w->name, w->len) == 0 &&
			    e[w->len] == '=') {
				v[w->slot] = e + w->len + 1;
				break;
			}
		}
	}
	memset(req, 0, sizeof *req);
	req->method = v[P_METHOD];
	req->uri = v[P_URI];
	req->remote_addr = v[P_ADDR];
	req->require = v[P_REQUIRE];
	req->resource = v[P_RESOURCE];
	req->env = v[P_ENV] != NULL && v[P_ENV][0] != '\0' ? v[P_ENV] :
	    (default_env != NULL && default_env[0] != '\0' ? default_env :
	    NULL);
	*authorization = v[P_AUTH];
}
