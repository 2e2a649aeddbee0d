/*
 * api.c: tokengate-api, the FastCGI responder for token management.
 *
 * This first version serves the health route; the token routes build on
 * the same accept loop and the same tg_verify path as the authorizer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json.h>

#include "config.h"
#include "fcgi_common.h"
#include "path.h"
#include "store.h"

struct worker {
	pthread_t	 thread;
	int		 listen_fd;
	struct tg_store	*store;
};

static struct tg_config cfg;

static void
send_json(FCGX_Request *r, int status, struct json_object *o)
{
	const char *body = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN);

	FCGX_FPrintF(r->out, "Status: %d\r\nContent-Type: application/json\r\n"
	    "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n%s",
	    status, strlen(body), body);
}

static void
send_error(FCGX_Request *r, int status, const char *code, const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(msg));
	send_json(r, status, o);
	json_object_put(o);
}

static void
route_health(struct worker *w, FCGX_Request *r)
{
	struct json_object *o = json_object_new_object();
	int up = tg_store_connect(w->store) == TG_STORE_OK;

	json_object_object_add(o, "status",
	    json_object_new_string(up ? "ok" : "degraded"));
	json_object_object_add(o, "database",
	    json_object_new_string(up ? "up" : "down"));
	send_json(r, up ? 200 : 503, o);
	json_object_put(o);
}

static void
handle(struct worker *w, FCGX_Request *r)
{
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", r->envp);
	char path[4096], want[TG_CONFIG_STR + 16];
	const char *why = NULL;

	if (uri == NULL || tg_path_canonicalize(uri, strlen(uri), path,
	    sizeof path, &why) != 0) {
		send_error(r, 400, "bad_path", why != NULL ? why :
		    "no request URI");
		return;
	}
	snprintf(want, sizeof want, "%s/health", cfg.api_base);
	if (strcmp(path, want) == 0) {
		if (method == NULL || (strcmp(method, "GET") != 0 &&
		    strcmp(method, "HEAD") != 0)) {
			FCGX_PutS("Status: 405\r\nAllow: GET, HEAD\r\n"
			    "Content-Type: application/json\r\n\r\n"
			    "{\"error\":\"method_not_allowed\",\"message\":"
			    "\"use GET\"}", r->out);
			return;
		}
		route_health(w, r);
		return;
	}
	send_error(r, 404, "not_found", "no such route");
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	FCGX_Request r;

	if (FCGX_InitRequest(&r, w->listen_fd, 0) != 0)
		return NULL;
	while (!tg_fcgi_stopping()) {
		if (FCGX_Accept_r(&r) < 0) {
			if (tg_fcgi_stopping())
				break;
			continue;
		}
		handle(w, &r);
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 0);
	tg_store_thread_end();
	return NULL;
}

int
main(int argc, char **argv)
{
	struct worker w[64];
	struct tg_fcgi_start st;
	int i, rc;

	if ((rc = tg_fcgi_start(argc, argv, "tokengate-api", 2, &cfg,
	    &st)) != 0)
		return rc;
	memset(w, 0, sizeof w);
	for (i = 0; i < st.threads; i++) {
		w[i].listen_fd = st.listen_fd;
		w[i].store = tg_store_new(&cfg);
		if (w[i].store == NULL ||
		    pthread_create(&w[i].thread, NULL, run, &w[i]) != 0) {
			tg_fcgi_log("cannot start worker %d", i);
			return 1;
		}
	}
	for (i = 0; i < st.threads; i++) {
		pthread_join(w[i].thread, NULL);
		tg_store_free(w[i].store);
	}
	tg_config_wipe(&cfg);
	tg_fcgi_finish(&st);
	return 0;
}
