/*
 * api.c: tokengate-api, the FastCGI responder for token management.
 *
 * Each request is routed on its canonical path, then its caller is
 * established, then the route runs.  The caller is either a bearer token,
 * checked in-process by tg_verify() exactly as the authorizer checks it,
 * or, only with trust_remote_user = yes, the REMOTE_USER that the web
 * server's own authentication set.
 *
 * For a token the API call itself is the request that is decided on: its
 * method, its path, the client address and the environment, so the
 * token's CIDRs and environment limits apply, and the route's permission
 * (token:read, token:create, token:revoke or audit:read) is what it must
 * hold, through TOKENGATE_REQUIRE-style permission mode.  Permission mode
 * does not look at API rules, so when the token has API rules they must
 * also allow the call: a token whose rules only reach /data cannot manage
 * tokens, whatever its permissions.  token:admin widens the routes from
 * the caller's own tokens to everyone's.
 *
 * Threads share only the read-only configuration and key; each owns a
 * database connection and an HMAC context.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>
#include <openssl/crypto.h>

#include "api.h"
#include "brake.h"
#include "fcgi_common.h"
#include "names.h"
#include "path.h"
#include "token.h"
#include "usage.h"

struct tg_config api_cfg;

enum route {
	R_NONE, R_TOKENS, R_TOKEN, R_ROTATE, R_PROFILES, R_ME, R_AUDIT,
	R_HEALTH
};

/*
 * What each route and method needs.  perm NULL means no caller at all
 * (health).  A method absent from the table gets 405 with the route's
 * Allow list.
 */
/*
 * action names the routes that change tokens: their refused attempts are
 * audited, and a secret in its rotation grace may not use them.
 */
static const struct {
	enum route	 route;
	const char	*method;
	const char	*perm;
	const char	*action;
	void		(*fn)(struct api_req *);
} handlers[] = {
	{ R_TOKENS,	"GET",	  "token:read",	  NULL,	api_tokens_list },
	{ R_TOKENS,	"POST",	  "token:create", "token.create",
	    api_tokens_create },
	{ R_TOKEN,	"GET",	  "token:read",	  NULL,	api_tokens_get },
	{ R_TOKEN,	"PATCH",  "token:create", "token.update",
	    api_tokens_update },
	{ R_TOKEN,	"DELETE", "token:revoke", "token.revoke",
	    api_tokens_revoke },
	{ R_ROTATE,	"POST",	  "token:create", "token.rotate",
	    api_tokens_rotate },
	{ R_PROFILES,	"GET",	  "token:read",	  NULL,	api_info_profiles },
	{ R_ME,		"GET",	  "token:read",	  NULL,	api_info_me },
	{ R_AUDIT,	"GET",	  "audit:read",	  NULL,	api_info_audit },
	{ R_HEALTH,	"GET",	  NULL,		  NULL,	api_info_health },
};

static const char *const allow[] = {
	[R_NONE] = "",
	[R_TOKENS] = "GET, HEAD, POST",
	[R_TOKEN] = "GET, HEAD, PATCH, DELETE",
	[R_ROTATE] = "POST",
	[R_PROFILES] = "GET, HEAD",
	[R_ME] = "GET, HEAD",
	[R_AUDIT] = "GET, HEAD",
	[R_HEALTH] = "GET, HEAD",
};

int
api_has(const struct api_req *q, const char *perm)
{
	return q->caller.perms != NULL && tg_perm_covers(q->caller.perms, perm);
}

/* Maps the canonical path to a route; fills q->id for token routes. */
static enum route
route_of(struct api_req *q)
{
	size_t bl = strlen(api_cfg.api_base), n;
	const char *rel;

	if (strncmp(q->path, api_cfg.api_base, bl) != 0 || q->path[bl] != '/')
		return R_NONE;
	rel = q->path + bl;
	if (strcmp(rel, "/tokens") == 0)
		return R_TOKENS;
	if (strcmp(rel, "/profiles") == 0)
		return R_PROFILES;
	if (strcmp(rel, "/me") == 0)
		return R_ME;
	if (strcmp(rel, "/audit") == 0)
		return R_AUDIT;
	if (strcmp(rel, "/health") == 0)
		return R_HEALTH;
	if (strncmp(rel, "/tokens/", 8) != 0)
		return R_NONE;
	rel += 8;
	/* An id of the wrong shape cannot exist: 404 without a lookup. */
	n = strcspn(rel, "/");
	if (n != TG_TOKEN_ID_LEN || !tg_token_id_valid(rel, n))
		return R_NONE;
	memcpy(q->id, rel, n);
	q->id[n] = '\0';
	if (rel[n] == '\0')
		return R_TOKEN;
	if (strcmp(rel + n, "/rotate") == 0)
		return R_ROTATE;
	return R_NONE;
}

static void
log_denial(const struct api_req *q, const struct tg_decision *d)
{
	if (api_cfg.log_denials || d->status == 503)
		tg_fcgi_log_denial(d, q->method, q->path, 200, q->remote_addr);
}

/*
 * A 403 on a route that changes tokens is a refused attempt by a caller
 * whose credential was good (a matched secret, a known session user): it
 * is audited like the refusals inside the routes.  401s are not, so that
 * anonymous clients cannot fill the audit log.
 */
static void
audit_decision(struct api_req *q, const struct tg_decision *d)
{
	char detail[sizeof d->detail + 40];

	if (q->action == NULL || d->status != 403 ||
	    (q->caller.user[0] == '\0' && q->caller.token_id[0] == '\0'))
		return;
	snprintf(detail, sizeof detail, "%s%s%s",
	    tg_policy_reason_str(d->reason), d->detail[0] ? ": " : "",
	    d->detail);
	api_audit_refused(q, q->action, q->id[0] ? q->id : NULL, NULL,
	    "denied", detail);
}

/* Refuses the caller with reason, in the authorizer's format. */
static int
refuse(struct api_req *q, enum tg_reason reason, const char *detail,
    int bearer)
{
	struct tg_decision d;

	tg_policy_refuse(reason, &d);
	snprintf(d.detail, sizeof d.detail, "%s", detail != NULL ? detail :
	    "");
	snprintf(d.token_id, sizeof d.token_id, "%s", q->caller.token_id);
	audit_decision(q, &d);
	api_reply_decision(q, &d, bearer);
	log_denial(q, &d);
	return -1;
}

int
api_refuse(struct api_req *q, enum tg_reason reason, const char *detail)
{
	return refuse(q, reason, detail, strcmp(q->caller.via, "session") != 0);
}

static int
auth_token(struct api_req *q, const char *authorization, const char *perm)
{
	struct tg_request req;
	struct tg_decision d;
	struct tg_grant *g = NULL;
	const char *env;

	memset(&req, 0, sizeof req);
	req.method = q->method;
	req.uri = q->uri;
	req.remote_addr = q->remote_addr;
	req.require = perm;
	env = FCGX_GetParam("TOKENGATE_ENV", q->r->envp);
	req.env = env != NULL && env[0] != '\0' ? env : api_cfg.environment;
	if (tg_verify(&q->w->verifier, authorization, &req, q->now, &d,
	    &g) != 200) {
		/* Only a 403 says the secret matched: then the id is known. */
		if (d.status == 403)
			snprintf(q->caller.token_id, sizeof q->caller.token_id,
			    "%s", d.token_id);
		q->caller.secret = d.used_prev_secret ? "previous" : "current";
		audit_decision(q, &d);
		api_reply_decision(q, &d, 1);
		log_denial(q, &d);
		return -1;
	}
	q->caller.via = "api_token";
	q->caller.secret = d.used_prev_secret ? "previous" : "current";
	q->caller.grant = g;
	q->caller.perms = tg_grant_effective_set(g);
	snprintf(q->caller.user, sizeof q->caller.user, "%s",
	    tg_grant_user(g));
	snprintf(q->caller.token_id, sizeof q->caller.token_id, "%s",
	    tg_grant_id(g));
	/* Permission mode skipped the token's API rules: they must allow
	 * this call as well. */
	if (tg_policy_api_rules(g, q->method, q->path, &d) != 0)
		return refuse(q, d.reason, d.detail, 1);
	return 0;
}

static int
auth_session(struct api_req *q, const char *user, const char *perm)
{
	struct tg_store_user u;
	char err[256];
	int rc;

	q->caller.via = "session";
	if (!tg_names_user_valid(user))
		return refuse(q, TG_INSUFFICIENT_PERMISSIONS, "REMOTE_USER is "
		    "not a valid tokengate user name", 0);
	rc = tg_store_user_get(q->w->store, user, &u);
	if (rc == TG_STORE_NOT_FOUND)
		return refuse(q, TG_INSUFFICIENT_PERMISSIONS, "REMOTE_USER is "
		    "not a tokengate user", 0);
	if (rc != TG_STORE_OK) {
		api_reply_store(q, rc);
		return -1;
	}
	/* Known from here on: its refusals are audited as its own. */
	snprintf(q->caller.user, sizeof q->caller.user, "%s", user);
	if (!u.enabled) {
		tg_store_user_free(&u);
		return refuse(q, TG_USER_DISABLED, NULL, 0);
	}
	rc = tg_perm_parse(u.permissions, strlen(u.permissions),
	    &q->caller.session_perms, err, sizeof err);
	tg_store_user_free(&u);
	if (rc != 0)
		return refuse(q, TG_UNAVAILABLE, err, 0);
	q->caller.perms = &q->caller.session_perms;
	if (perm != NULL && !api_has(q, perm))
		return refuse(q, TG_INSUFFICIENT_PERMISSIONS, perm, 0);
	return 0;
}

/*
 * Establishes the caller and checks that it holds perm.  Returns 0, or
 * -1 after replying.
 */
static int
authenticate(struct api_req *q, const char *perm)
{
	const char *auth = FCGX_GetParam("HTTP_AUTHORIZATION", q->r->envp);
	const char *ru = FCGX_GetParam("REMOTE_USER", q->r->envp);
	const char *tok;
	size_t len;

	/*
	 * A bearer credential always wins: it must be valid even where a
	 * session could have been used, so a bad token is never masked.
	 */
	if (tg_token_from_authorization(auth, &tok, &len) ||
	    !api_cfg.trust_remote_user || ru == NULL || ru[0] == '\0')
		return auth_token(q, auth, perm);
	return auth_session(q, ru, perm);
}

/* Is ct "application/json", optionally with "; charset=utf-8"? */
static int
json_content_type(const char *ct)
{
	const char *p;
	size_t n;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	p = ct + 16;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 1;
	if (*p++ != ';')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "charset=", 8) != 0)
		return 0;
	p += 8;
	if (*p == '"')
		p++;
	if (strncasecmp(p, "utf-8", 5) != 0)
		return 0;
	p += 5;
	if (*p == '"')
		p++;
	n = strspn(p, " \t");
	return p[n] == '\0';
}

/* Fills e for api_read_body's refusals; returns -1. */
static int
body_error(struct tg_apireq_error *e, int status, const char *code,
    const char *message)
{
	memset(e, 0, sizeof *e);
	e->status = status;
	snprintf(e->code, sizeof e->code, "%s", code);
	snprintf(e->message, sizeof e->message, "%s", message);
	return -1;
}

int
api_read_body(struct api_req *q, char **body, size_t *len,
    struct tg_apireq_error *e)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", q->r->envp);
	const char *ct = FCGX_GetParam("CONTENT_TYPE", q->r->envp);
	unsigned long long want = 0;
	size_t max = api_cfg.max_body_bytes, cap, got = 0;
	char *buf, big[96];
	int known = cl != NULL && cl[0] != '\0', n;

	*body = NULL;
	*len = 0;
	snprintf(big, sizeof big, "the body is larger than %zu bytes", max);
	if (known && tg_query_uint(cl, 0, ~0ULL, &want) != 0)
		return body_error(e, 400, "invalid_request",
		    "bad Content-Length");
	/* Refuse before reading a byte of what is too big. */
	if (known && want > max)
		return body_error(e, 413, "payload_too_large", big);
	if (known && want > 0 && !json_content_type(ct))
		return body_error(e, 415, "unsupported_media_type",
		    "the body must be application/json");
	/* Without a length, read at most one byte more than allowed. */
	cap = known ? (size_t)want : max + 1;
	buf = malloc(cap + 1);
	if (buf == NULL)
		return body_error(e, 500, "internal_error", "out of memory");
	while (got < cap) {
		n = FCGX_GetStr(buf + got, (int)(cap - got), q->r->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (known && got < want) {
		free(buf);
		return body_error(e, 400, "invalid_request",
		    "the body is shorter than its Content-Length");
	}
	if (!known && got > max) {
		free(buf);
		return body_error(e, 413, "payload_too_large", big);
	}
	if (!known && got > 0 && !json_content_type(ct)) {
		free(buf);
		return body_error(e, 415, "unsupported_media_type",
		    "the body must be application/json");
	}
	*body = buf;
	*len = got;
	return 0;
}

void
api_audit_fill(struct api_req *q, struct tg_audit *a, const char *action,
    const char *target_id, const char *target_user, const char *outcome,
    const char *detail)
{
	memset(a, 0, sizeof *a);
	a->actor = q->caller.user[0] ? q->caller.user : NULL;
	a->actor_token_id = q->caller.token_id[0] ? q->caller.token_id : NULL;
	a->via = q->caller.via;
	a->secret = q->caller.secret;
	a->action = action;
	a->target_token_id = target_id != NULL && target_id[0] ? target_id :
	    NULL;
	a->target_user = target_user != NULL && target_user[0] ? target_user :
	    NULL;
	a->outcome = outcome;
	/* The audit column holds an address; anything else is dropped. */
	a->remote_addr = q->remote_addr != NULL &&
	    strlen(q->remote_addr) <= 45 &&
	    strspn(q->remote_addr, "0123456789abcdefABCDEF:.") ==
	    strlen(q->remote_addr) ? q->remote_addr : NULL;
	a->detail = NULL;
	if (detail != NULL && detail[0] != '\0') {
		/*
		 * A detail may quote the client's input: printable UTF-8 only
		 * (utf8mb4 refuses the rest, and the record with it), cut
		 * between characters, and never a token's secret.
		 */
		tg_names_clean(detail, strlen(detail), sizeof q->audit_detail - 1,
		    q->audit_detail, sizeof q->audit_detail);
		tg_token_redact(q->audit_detail, api_cfg.token_prefix);
		a->detail = q->audit_detail;
	}
}

void
api_audit_refused(struct api_req *q, const char *action,
    const char *target_id, const char *target_user, const char *outcome,
    const char *detail)
{
	struct tg_audit a;
	char err[300];

	api_audit_fill(q, &a, action, target_id, target_user, outcome, detail);
	if (tg_store_audit(q->w->store, &a) == TG_STORE_OK)
		return;
	tg_fcgi_escape(tg_store_error(q->w->store), 256, err, sizeof err);
	tg_fcgi_log("cannot write the audit record of a refused %s: %s; "
	    "trying again without its detail", action, err);
	a.detail = "(the detail of this refusal could not be stored)";
	if (tg_store_audit(q->w->store, &a) == TG_STORE_OK)
		return;
	tg_fcgi_escape(tg_store_error(q->w->store), 256, err, sizeof err);
	tg_fcgi_log("cannot write the audit record of a refused %s: %s; "
	    "answering 503", action, err);
	q->audit_lost = 1;
}

int
api_caller_record(struct api_req *q, struct tg_record *rec)
{
	return tg_store_token_lookup(q->w->store, q->caller.token_id, rec);
}

/*
 * A secret in its rotation grace is the one that may have leaked: it keeps
 * the token's rights at the gate until the grace ends, but it may not
 * rotate (which would hand its holder a fresh secret and end the owner's),
 * change or mint tokens, or revoke any token but its own.  Returns 1
 * after refusing.
 */
static int
previous_secret_refused(struct api_req *q, enum route rt)
{
	if (q->caller.secret == NULL ||
	    strcmp(q->caller.secret, "previous") != 0)
		return 0;
	if (rt == R_TOKEN && strcmp(q->method, "DELETE") == 0 &&
	    strcmp(q->id, q->caller.token_id) == 0)
		return 0;
	api_audit_refused(q, q->action, q->id[0] ? q->id : NULL, NULL,
	    "denied", "the previous secret of a rotated token, in its grace");
	api_reply_error(q, 403, "previous_secret", NULL, "this request used "
	    "the token's previous secret, which works only until its "
	    "rotation grace ends and cannot create, change, rotate or revoke "
	    "tokens (it may revoke its own token); use the new secret");
	return 1;
}

static void
handle(struct tg_fcgi_worker *w, FCGX_Request *r)
{
	struct api_req *q;
	const char *why = NULL, *qm, *m;
	char warn[400], esc[400];
	enum route rt;
	size_t i;

	/* The request holds a TG_PATH_MAX buffer: keep it off the stack. */
	q = calloc(1, sizeof *q);
	if (q == NULL) {
		FCGX_PutS("Status: 500\r\n\r\n", r->out);
		return;
	}
	q->r = r;
	q->w = w;
	q->now = (int64_t)time(NULL);
	q->method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	q->uri = FCGX_GetParam("REQUEST_URI", r->envp);
	q->remote_addr = FCGX_GetParam("REMOTE_ADDR", r->envp);
	q->caller.via = "api_token";
	if (q->method == NULL)
		q->method = "";
	if (q->uri == NULL || tg_path_canonicalize(q->uri, strlen(q->uri),
	    q->path, sizeof q->path, &why) != 0) {
		api_reply_error(q, 400, "invalid_request", NULL, "%s",
		    why != NULL ? why : "no request URI");
		goto out;
	}
	qm = strchr(q->uri, '?');
	q->query = qm != NULL ? qm + 1 : "";
	q->query_len = strlen(q->query);
	rt = route_of(q);
	if (rt == R_NONE) {
		api_reply_error(q, 404, "not_found", NULL, "no such route");
		goto out;
	}
	q->head = strcmp(q->method, "HEAD") == 0;
	m = q->head ? "GET" : q->method;
	for (i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
		if (handlers[i].route == rt &&
		    strcmp(handlers[i].method, m) == 0)
			break;
	if (i == sizeof handlers / sizeof handlers[0]) {
		api_reply_method(q, allow[rt]);
		goto out;
	}
	q->action = handlers[i].action;
	if (handlers[i].perm != NULL &&
	    authenticate(q, handlers[i].perm) != 0)
		goto out;
	if (q->action != NULL && previous_secret_refused(q, rt))
		goto out;
	handlers[i].fn(q);
	/* A commit whose answer was lost, then found committed. */
	if (tg_store_take_warning(w->store, warn, sizeof warn)) {
		tg_fcgi_escape(warn, 300, esc, sizeof esc);
		tg_fcgi_log("warning: %s", esc);
	}
out:
	tg_grant_free(q->caller.grant);
	tg_perm_set_free(&q->caller.session_perms);
	free(q);
}

/*
 * Tokens used to call the API are "used" too.  The responder has no
 * writer thread: each worker writes what is queued after it answered,
 * which at most one write per token per last_used_interval keeps cheap.
 */
static struct tg_usage *usage;
static struct tg_brake *brake;

static void
flush_usage(struct tg_fcgi_worker *w)
{
	struct tg_usage_rec recs[32];
	struct tg_store_use use[32];
	size_t n, i;

	struct tg_usage_secret sec[TG_USAGE_SECRETS];
	size_t k;

	/* The end of a rotation grace first: it matters more (usage.h). */
	k = tg_usage_take_secrets(usage, sec, TG_USAGE_SECRETS);
	for (i = 0; i < k; i++)
		if (tg_store_token_clear_prev(w->store, sec[i].id,
		    sec[i].hash) != TG_STORE_OK)
			tg_fcgi_log("ending the rotation grace of %s failed: "
			    "%s", sec[i].id, tg_store_error(w->store));
	OPENSSL_cleanse(sec, sizeof sec);
	n = tg_usage_take(usage, recs, 32);
	for (i = 0; i < n; i++) {
		use[i].id = recs[i].id;
		use[i].addr = recs[i].addr[0] ? recs[i].addr : NULL;
		use[i].at = recs[i].at;
	}
	if (n > 0 && tg_store_token_touch(w->store, use, n) != TG_STORE_OK)
		tg_fcgi_log("last-used write failed: %s",
		    tg_store_error(w->store));
}

/* The usage is written after the reply is out: no caller waits for it. */
static const struct tg_fcgi_serve serve = {
	NULL, handle, FCGX_Finish_r, flush_usage
};

/*
 * Retention (README "Caching and revocation"): the change feed, the
 * progress rows of processes gone without a clean exit, and, with
 * audit_keep_days, old audit records, deleted by one thread with its own
 * connection, PRUNE_FIRST_S after start and every PRUNE_EVERY_S, in small
 * batches (each a short transaction) so that no table is locked for long.
 * Several API processes take turns through a named lock.
 */
#define PRUNE_FIRST_S	5
#define PRUNE_EVERY_S	300

static pthread_mutex_t prune_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t prune_cond = PTHREAD_COND_INITIALIZER;
static _Atomic int prune_stop;

static int
prune_sleep(unsigned seconds)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&prune_lock);
	if (!atomic_load(&prune_stop))
		pthread_cond_timedwait(&prune_cond, &prune_lock, &ts);
	stop = atomic_load(&prune_stop);
	pthread_mutex_unlock(&prune_lock);
	return stop;
}

static void *
prune_loop(void *arg)
{
	struct tg_store *s = arg;
	struct tg_store_prune p;
	unsigned wait = PRUNE_FIRST_S;
	char err[300];
	int failing = 0;

	while (!prune_sleep(wait)) {
		wait = PRUNE_EVERY_S;
		tg_store_prune_init(&p, &api_cfg, 500, 20);
		p.stop = &prune_stop;
		if (tg_store_prune(s, &p) != TG_STORE_OK) {
			/* Once, not every five minutes of an outage. */
			if (!failing) {
				tg_fcgi_escape(tg_store_error(s), 256, err,
				    sizeof err);
				tg_fcgi_log("pruning failed (will retry): %s",
				    err);
			}
			failing = 1;
			continue;
		}
		failing = 0;
		if (p.feed_rows + p.progress_rows + p.audit_rows > 0)
			tg_fcgi_log("pruned %llu change-feed rows, %llu "
			    "feed-progress rows, %llu audit records",
			    (unsigned long long)p.feed_rows,
			    (unsigned long long)p.progress_rows,
			    (unsigned long long)p.audit_rows);
	}
	tg_store_thread_end();
	return NULL;
}

int
main(int argc, char **argv)
{
	struct tg_fcgi_worker w[64];
	struct tg_fcgi_start st;
	struct tg_hmac_key *key;
	struct tg_store *prune_store;
	pthread_t prune_th;
	char err[512];
	int i, rc;

	if ((rc = tg_fcgi_start(argc, argv, "tokengate-api", 2, &api_cfg,
	    &st)) != 0)
		return rc;
	key = tg_hmac_key_load(api_cfg.key_file, err, sizeof err);
	if (key == NULL) {
		tg_fcgi_log("%s", err);
		return 1;
	}
	usage = tg_usage_new(4096, api_cfg.last_used_interval);
	if (api_cfg.brake_failures > 0)
		brake = tg_brake_new(api_cfg.brake_clients,
		    api_cfg.brake_failures, api_cfg.brake_window);
	if (usage == NULL || (api_cfg.brake_failures > 0 && brake == NULL)) {
		tg_fcgi_log("out of memory");
		return 1;
	}
	for (i = 0; i < st.threads; i++) {
		if (tg_fcgi_worker_init(&w[i], i, &api_cfg,
		    tg_store_new(&api_cfg), key) != 0)
			return 1;
		w[i].verifier.usage = usage;
		w[i].verifier.brake = brake;
	}
	if ((prune_store = tg_store_new(&api_cfg)) == NULL ||
	    pthread_create(&prune_th, NULL, prune_loop, prune_store) != 0) {
		tg_fcgi_log("cannot start the pruning thread");
		return 1;
	}
	if (tg_fcgi_workers_run(w, st.threads, &serve) != 0)
		return 1;
	pthread_mutex_lock(&prune_lock);
	atomic_store(&prune_stop, 1);
	pthread_cond_broadcast(&prune_cond);
	pthread_mutex_unlock(&prune_lock);
	pthread_join(prune_th, NULL);
	tg_store_free(prune_store);
	tg_fcgi_workers_free(w, st.threads);
	tg_usage_free(usage);
	tg_brake_free(brake);
	tg_hmac_key_free(key);
	tg_config_wipe(&api_cfg);
	return tg_fcgi_finish(&st);
}
