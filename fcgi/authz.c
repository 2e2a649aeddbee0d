/*
 * authz.c: tokengate-authz, the FastCGI authorizer.
 *
 * Thin by design: params in, tg_verify, a reply out.  Each thread owns an
 * FCGX_Request, a database connection with its prepared statements, and
 * an HMAC context; threads share only the immutable config and key.  The
 * request body is never read (the authorizer role has none).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "config.h"
#include "fcgi_common.h"
#include "hmac.h"
#include "names.h"
#include "params.h"
#include "policy.h"
#include "store.h"
#include "verify.h"

struct worker {
	pthread_t		 thread;
	int			 listen_fd;
	struct tg_store		*store;
	struct tg_hmac		*hmac;
	struct tg_verifier	 verifier;
};

static struct tg_config cfg;

/* Nginx auth_request sends a RESPONDER; Apache and lighttpd, AUTHORIZER. */
static int
is_authorizer(FCGX_Request *r)
{
	return r->role == FCGI_AUTHORIZER ||
	    FCGX_GetParam("FCGI_APACHE_ROLE", r->envp) != NULL;
}

static void
put_var(FCGX_Request *r, int authz, const char *var, const char *hdr,
    const char *value)
{
	/* Values are validated when stored; this is the second lock. */
	if (!tg_names_header_safe(value))
		value = "";
	if (authz)
		FCGX_FPrintF(r->out, "Variable-%s: %s\r\n", var, value);
	else if (hdr != NULL)
		FCGX_FPrintF(r->out, "%s: %s\r\n", hdr, value);
}

static void
reply(FCGX_Request *r, const struct tg_decision *d,
    const struct tg_grant *g)
{
	int authz = is_authorizer(r);
	const char *code = tg_policy_reason_str(d->reason);

	/*
	 * With a reason phrase: mod_fcgid shows a bare "Status: 401" to the
	 * client as "401 Unknown Reason".
	 */
	FCGX_FPrintF(r->out, "Status: %d %s\r\n", d->status,
	    d->status == 200 ? "OK" : d->status == 401 ? "Unauthorized" :
	    d->status == 403 ? "Forbidden" : "Service Unavailable");
	if (d->status == 200) {
		put_var(r, authz, "REMOTE_USER", NULL, tg_grant_user(g));
		put_var(r, authz, "TOKENGATE_USER", "X-Tokengate-User",
		    tg_grant_user(g));
		put_var(r, authz, "TOKENGATE_TOKEN_ID", "X-Tokengate-Token-Id",
		    tg_grant_id(g));
		put_var(r, authz, "TOKENGATE_PERMISSIONS",
		    "X-Tokengate-Permissions", tg_grant_effective(g));
		put_var(r, authz, "TOKENGATE_VIA", "X-Tokengate-Via",
		    "api_token");
		FCGX_PutS("\r\n", r->out);
		return;
	}
	if (d->status == 401)
		FCGX_PutS("WWW-Authenticate: Bearer realm=\"tokengate\", "
		    "error=\"invalid_token\"\r\n", r->out);
	else if (d->status == 403 && d->reason == TG_INSUFFICIENT_PERMISSIONS)
		FCGX_FPrintF(r->out, "WWW-Authenticate: Bearer realm="
		    "\"tokengate\", error=\"insufficient_scope\", "
		    "scope=\"%s\"\r\n", d->detail);
	else if (d->status == 403)
		FCGX_PutS("WWW-Authenticate: Bearer realm=\"tokengate\", "
		    "error=\"insufficient_scope\"\r\n", r->out);
	else
		FCGX_PutS("Retry-After: 1\r\n", r->out);
	FCGX_PutS("Cache-Control: no-store\r\n", r->out);
	if (!authz) {
		/* auth_request ignores bodies; keep the subrequest empty. */
		FCGX_PutS("Content-Length: 0\r\n\r\n", r->out);
		return;
	}
	/* The codes are fixed identifiers: no escaping needed. */
	FCGX_FPrintF(r->out, "Content-Type: application/json\r\n\r\n"
	    "{\"error\":\"%s\",\"reason\":\"%s\",\"status\":%d}\n",
	    d->status == 401 ? "invalid_token" : d->status == 403 ?
	    "insufficient_scope" : "temporarily_unavailable", code, d->status);
}

static void
log_decision(const struct tg_request *req, const struct tg_decision *d)
{
	char path[256], method[40], detail[300], addr[64];
	const char *q;
	size_t n;

	if (d->status == 200 || (!cfg.log_denials && d->status != 503))
		return;
	/*
	 * The canonical path never has a query; a raw URI is cut at '?' so
	 * that a token passed as a query parameter never reaches the log.
	 */
	if (d->path[0] != '\0') {
		tg_fcgi_escape(d->path, 200, path, sizeof path);
	} else {
		q = req->uri != NULL ? strchr(req->uri, '?') : NULL;
		n = q != NULL ? (size_t)(q - req->uri) : 200;
		tg_fcgi_escape(req->uri, n < 200 ? n : 200, path, sizeof path);
	}
	tg_fcgi_escape(req->method, 32, method, sizeof method);
	tg_fcgi_escape(d->detail, 256, detail, sizeof detail);
	tg_fcgi_escape(req->remote_addr, 46, addr, sizeof addr);
	tg_fcgi_log("deny status=%d reason=%s token=%s method=%s path=\"%s\" "
	    "addr=%s%s%s%s", d->status, tg_policy_reason_str(d->reason),
	    d->token_id[0] ? d->token_id : "-", method, path, addr,
	    detail[0] ? " detail=\"" : "", detail, detail[0] ? "\"" : "");
}

static void
handle(struct worker *w, FCGX_Request *r)
{
	struct tg_request req;
	struct tg_decision d;
	struct tg_grant *g = NULL;
	const char *auth;

	tg_params_request(r->envp, cfg.environment, &req, &auth);
	tg_verify(&w->verifier, auth, &req, (int64_t)time(NULL), &d, &g);
	reply(r, &d, g);
	log_decision(&req, &d);
	tg_grant_free(g);
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	FCGX_Request r;

	if (FCGX_InitRequest(&r, w->listen_fd, 0) != 0) {
		tg_fcgi_log("FCGX_InitRequest failed");
		return NULL;
	}
	while (!tg_fcgi_stopping()) {
		if (FCGX_Accept_r(&r) < 0) {
			if (tg_fcgi_stopping())
				break;
			/* EINTR or a connection reset before the request. */
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
	struct tg_hmac_key *key;
	char err[512];
	int i, rc;

	if ((rc = tg_fcgi_start(argc, argv, "tokengate-authz", 4, &cfg,
	    &st)) != 0)
		return rc;
	key = tg_hmac_key_load(cfg.key_file, err, sizeof err);
	if (key == NULL) {
		tg_fcgi_log("%s", err);
		return 1;
	}
	memset(w, 0, sizeof w);
	for (i = 0; i < st.threads; i++) {
		w[i].listen_fd = st.listen_fd;
		w[i].store = tg_store_new(&cfg);
		w[i].hmac = tg_hmac_new(key);
		if (w[i].store == NULL || w[i].hmac == NULL) {
			tg_fcgi_log("out of memory");
			return 1;
		}
		w[i].verifier.cfg = &cfg;
		w[i].verifier.store = w[i].store;
		w[i].verifier.hmac = w[i].hmac;
		/* Connect early so the first request does not pay for it. */
		if (tg_store_connect(w[i].store) != TG_STORE_OK && i == 0)
			tg_fcgi_log("%s (will retry per request)",
			    tg_store_error(w[i].store));
	}
	for (i = 0; i < st.threads; i++) {
		if (pthread_create(&w[i].thread, NULL, run, &w[i]) != 0) {
			tg_fcgi_log("pthread_create failed");
			return 1;
		}
	}
	for (i = 0; i < st.threads; i++)
		pthread_join(w[i].thread, NULL);
	for (i = 0; i < st.threads; i++) {
		tg_store_free(w[i].store);
		tg_hmac_free(w[i].hmac);
	}
	tg_hmac_key_free(key);
	tg_config_wipe(&cfg);
	tg_fcgi_finish(&st);
	return 0;
}
