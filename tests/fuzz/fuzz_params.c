/*
 * libFuzzer target: FastCGI params to a decision.  The input is split at
 * NUL bytes into "NAME=value" params, as libfcgi would deliver them, then
 * mapped to a request and decided against a fixed grant: the whole pure
 * path an attacker's bytes take through the authorizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tg_grant *g;
static unsigned char H[TG_HMAC_LEN];

static void
setup(void)
{
	struct tg_record r;
	char err[128];

	memset(&r, 0, sizeof r);
	memcpy(r.id, "AbCdEfGhIjKl", 13);
	memcpy(r.user, "fuzz", 5);
	memset(r.hash, 1, sizeof r.hash);
	memset(H, 1, sizeof H);
	r.user_enabled = 1;
	r.expires_at = 1LL << 40;
	r.permissions = strdup("a:*\nb:read");
	r.role_permissions = strdup("*");
	r.api_rules = strdup("!GET /admin/**\nGET /api/*/x\n*");
	r.resource_rules = strdup("!category:system\ncategory:m*");
	r.cidrs = strdup("10.0.0.0/8\n::1");
	r.environments = strdup("");
	r.name = strdup("n");
	g = tg_grant_build(&r, err, sizeof err);
	tg_record_free(&r);
	if (g == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_request req;
	struct tg_decision d;
	const char *auth;
	char *buf, *envp[65];
	size_t i, n = 0, start = 0;

	if (g == NULL)
		setup();
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; i <= size && n < 64; i++) {
		if (buf[i] == '\0') {
			envp[n++] = buf + start;
			start = i + 1;
		}
	}
	envp[n] = NULL;
	tg_params_request(envp, "production", &req, &auth);
	tg_policy_decide(g, H, &req, 1000, &d);
	if (d.status != 200 && d.status != 401 && d.status != 403 &&
	    d.status != 503)
		abort();
	/* Allowed means a canonical path was decided on. */
	if (d.status == 200 && d.path[0] != '/')
		abort();
	free(buf);
	return 0;
}
