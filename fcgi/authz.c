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
#include <openssl/crypto.h>

#include "auditq.h"
#include "brake.h"
#include "cache.h"
#include "config.h"
#include "feed.h"
#include "fcgi_common.h"
#include "hmac.h"
#include "loglimit.h"
#include "names.h"
#include "params.h"
#include "policy.h"
#include "store.h"
#include "text.h"
#include "usage.h"
#include "verify.h"

static struct tg_config cfg;

/* Nginx auth_request sends a RESPONDER; Apache and lighttpd, AUTHORIZER. */
static int
is_authorizer(FCGX_Request *r)
{
	return r->role == FCGI_AUTHORIZER ||
	    FCGX_GetParam("FCGI_APACHE_ROLE", r->envp) != NULL;
}

/*
 * The reply is assembled with FCGX_PutStr, a copy into libfcgi's buffer:
 * FCGX_FPrintF runs a printf engine per line, which measurably cost more
 * than the rest of a cached decision (tests/bench/profile.sh).
 */
static void
put(FCGX_Request *r, const char *s)
{
	FCGX_PutStr(s, (int)strlen(s), r->out);
}

static void
put_var(FCGX_Request *r, int authz, const char *var, const char *hdr,
    const char *value)
{
	/* Values are validated when stored; this is the second lock. */
	if (!tg_names_header_safe(value))
		value = "";
	if (authz) {
		put(r, "Variable-");
		put(r, var);
	} else if (hdr != NULL)
		put(r, hdr);
	else
		return;
	put(r, ": ");
	put(r, value);
	put(r, "\r\n");
}

static void
reply(FCGX_Request *r, const struct tg_decision *d,
    const struct tg_grant *g)
{
	int authz = is_authorizer(r);

	/*
	 * With a reason phrase: mod_fcgid shows a bare "Status: 401" to the
	 * client as "401 Unknown Reason".
	 */
	switch (d->status) {
	case 200: put(r, "Status: 200 OK\r\n"); break;
	case 401: put(r, "Status: 401 Unauthorized\r\n"); break;
	case 403: put(r, "Status: 403 Forbidden\r\n"); break;
	case 429: put(r, "Status: 429 Too Many Requests\r\n"); break;
	default: put(r, "Status: 503 Service Unavailable\r\n"); break;
	}
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
		put(r, "\r\n");
		return;
	}
	if (d->status == 401)
		put(r, "WWW-Authenticate: Bearer realm=\"tokengate\", "
		    "error=\"invalid_token\"\r\n");
	else if (d->status == 403 && d->reason == TG_INSUFFICIENT_PERMISSIONS)
		FCGX_FPrintF(r->out, "WWW-Authenticate: Bearer realm="
		    "\"tokengate\", error=\"insufficient_scope\", "
		    "scope=\"%s\"\r\n", d->detail);
	else if (d->status == 403)
		put(r, "WWW-Authenticate: Bearer realm=\"tokengate\", "
		    "error=\"insufficient_scope\"\r\n");
	else
		FCGX_FPrintF(r->out, "Retry-After: %u\r\n",
		    d->retry_after > 0 ? d->retry_after : 1);
	put(r, "Cache-Control: no-store\r\n");
	if (!authz) {
		/* auth_request ignores bodies; keep the subrequest empty. */
		put(r, "Content-Length: 0\r\n\r\n");
		return;
	}
	/* The codes are fixed identifiers: no escaping needed. */
	put(r, "Content-Type: application/json\r\n\r\n{\"error\":\"");
	put(r, d->status == 401 ? "invalid_token" : d->status == 403 ?
	    "insufficient_scope" : d->status == 429 ? "rate_limited" :
	    "temporarily_unavailable");
	put(r, "\",\"reason\":\"");
	put(r, tg_policy_reason_str(d->reason));
	put(r, "\",\"status\":");
	put(r, d->status == 401 ? "401" : d->status == 403 ? "403" :
	    d->status == 429 ? "429" : "503");
	put(r, "}\n");
}

static struct tg_loglimit deny_limit;

/* Says how many denial lines log_denials_per_second left out. */
static void
log_dropped(uint64_t dropped, int64_t since)
{
	char when[32];

	if (dropped == 0)
		return;
	if (tg_text_time_format(since, when) != 0)
		snprintf(when, sizeof when, "%lld", (long long)since);
	tg_fcgi_log("%llu denial lines not logged since %s "
	    "(log_denials_per_second = %u)", (unsigned long long)dropped,
	    when, cfg.log_denials_per_second);
}

static void
log_decision(const struct tg_request *req, const struct tg_decision *d)
{
	const char *q;
	size_t n;
	uint64_t dropped;
	int64_t since;

	if (d->status == 200 || (!cfg.log_denials && d->status != 503))
		return;
	/* A flood of bad tokens must not become a flood of log lines. */
	if (!tg_loglimit_take(&deny_limit, (int64_t)time(NULL), &dropped,
	    &since))
		return;
	log_dropped(dropped, since);
	/*
	 * The canonical path never has a query; a raw URI is cut at '?' so
	 * that a token passed as a query parameter never reaches the log.
	 */
	if (d->path[0] != '\0') {
		tg_fcgi_log_denial(d, req->method, d->path, 200,
		    req->remote_addr);
	} else {
		q = req->uri != NULL ? strchr(req->uri, '?') : NULL;
		n = q != NULL ? (size_t)(q - req->uri) : 200;
		tg_fcgi_log_denial(d, req->method, req->uri, n,
		    req->remote_addr);
	}
}

static struct tg_auditq *auditq;

/* Queues the decision for the audit log when audit_decisions says so. */
static void
audit_decision(const struct tg_request *req, const struct tg_decision *d,
    const struct tg_grant *g)
{
	struct tg_store_decision rec;
	struct timespec ts;

	if (auditq == NULL || (cfg.audit_decisions == TG_AUDIT_DENIED &&
	    d->status == 200))
		return;
	memset(&rec, 0, sizeof rec);
	clock_gettime(CLOCK_REALTIME, &ts);
	rec.at_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	rec.status = d->status;
	memcpy(rec.token_id, d->token_id, sizeof rec.token_id);
	if (g != NULL)
		snprintf(rec.user, sizeof rec.user, "%s", tg_grant_user(g));
	snprintf(rec.reason, sizeof rec.reason, "%s",
	    tg_policy_reason_str(d->reason));
	/* Only what was validated or escaped goes in: never the query. */
	tg_fcgi_escape(req->remote_addr, 45, rec.addr, sizeof rec.addr);
	tg_fcgi_escape(req->method, 15, rec.method, sizeof rec.method);
	tg_fcgi_escape(d->path[0] ? d->path : "(bad path)", 160, rec.path,
	    sizeof rec.path);
	(void)tg_auditq_push(auditq, &rec);
}

static void
handle(struct tg_fcgi_worker *w, FCGX_Request *r)
{
	struct tg_request req;
	struct tg_decision d;
	struct tg_grant *g = NULL;
	const char *auth;

	tg_params_request(r->envp, cfg.environment, &req, &auth);
	tg_verify(&w->verifier, auth, &req, (int64_t)time(NULL), &d, &g);
	reply(r, &d, g);
	log_decision(&req, &d);
	audit_decision(&req, &d, g);
	tg_grant_free(g);
}

/*
 * Connect before the first request so it does not pay for it; in each
 * thread, so a stalled database delays start-up by one connect timeout,
 * not one per thread.
 */
static void
connect_early(struct tg_fcgi_worker *w)
{
	if (tg_store_connect(w->store) != TG_STORE_OK && w->index == 0)
		tg_fcgi_log("%s (will retry per request)",
		    tg_store_error(w->store));
}

static const struct tg_fcgi_serve serve = {
	connect_early, handle, tg_fcgi_end_request, NULL
};

/*
 * The feed poller: one thread with its own connection follows the change
 * feed and drops what changed from this process's cache, every
 * feed_poll_ms.  It sleeps on a condition variable so that shutdown does
 * not wait for a poll interval.
 */
static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bg_cond = PTHREAD_COND_INITIALIZER;
static int bg_stop;

static int
bg_sleep(unsigned ms)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&bg_lock);
	if (!bg_stop)
		pthread_cond_timedwait(&bg_cond, &bg_lock, &ts);
	stop = bg_stop;
	pthread_mutex_unlock(&bg_lock);
	return stop;
}

struct background {
	struct tg_store		*store;
	struct tg_feed		*feed;
	struct tg_usage		*usage;
	struct tg_cache		*cache;
	struct tg_store_route	*route;		/* NULL: no read endpoint */
};

/*
 * The poller's store steers the read route (store.h).  When it moved, the
 * cache is emptied: what the rules of the route already guarantee (no
 * lookup reads older data than the feed has applied), made obvious.
 */
static void
route_check(struct background *b, unsigned *gen)
{
	enum tg_store_source src;
	unsigned g;

	if (b->route == NULL)
		return;
	src = tg_store_route_state(b->route, &g);
	if (g == *gen)
		return;
	*gen = g;
	tg_cache_invalidate_all(b->cache);
	tg_fcgi_log("reads now go to the %s, cache emptied: %s",
	    tg_store_route_source_str(src), tg_store_route_why(b->store));
}

static void *
poll_feed(void *arg)
{
	struct background *b = arg;
	struct tg_feed_stats fs;
	uint64_t applied, seen, rep_applied = 0, rep_seen = 0, flushes = 0;
	int64_t now, last_report = 0;
	char process[96], host[64];
	static char gaps[6000], rep_gaps[6000];
	unsigned route_gen = 0;
	int failing = 0;

	/* Writers wait for this row before they answer (feed_progress). */
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(process, sizeof process, "%s:%ld", host, (long)getpid());
	do {
		now = tg_verify_now_ms();
		if (tg_feed_poll(b->feed, b->store, now) == TG_STORE_OK) {
			tg_feed_stats(b->feed, &fs);
			if (fs.pruned_flushes != flushes) {
				flushes = fs.pruned_flushes;
				tg_fcgi_log("change feed rows not yet read were "
				    "pruned (tokengate prune, feed_keep_seconds), "
				    "cache emptied");
			}
			/*
			 * What writers wait for: every row applied up to
			 * applied, and up to seen but the open gaps, so that a
			 * hole that is still open does not hide the rows
			 * applied after it.
			 */
			tg_feed_progress(b->feed, &applied, &seen, gaps,
			    sizeof gaps);
			if ((applied != rep_applied || seen != rep_seen ||
			    strcmp(gaps, rep_gaps) != 0 || now - last_report >=
			    500) && tg_store_feed_report(b->store, process,
			    applied, seen, gaps) == TG_STORE_OK) {
				rep_applied = applied;
				rep_seen = seen;
				memcpy(rep_gaps, gaps, sizeof rep_gaps);
				last_report = now;
			}
			if (failing)
				tg_fcgi_log("change feed readable again, "
				    "cache resumed");
			failing = 0;
		} else {
			/*
			 * Without a stale window the cache stops at the first
			 * failed poll: cached answers are only as good as the
			 * feed behind them.  With one, it serves until
			 * stale_if_error seconds after the last good poll.
			 */
			if (cfg.stale_if_error == 0)
				tg_feed_suspend(b->feed);
			/* Log a failure once, not five times a second. */
			if (!failing)
				tg_fcgi_log("change feed unreadable, cache "
				    "suspended: %s", tg_store_error(b->store));
			failing = 1;
		}
		route_check(b, &route_gen);
	} while (!bg_sleep(cfg.feed_poll_ms));
	/* Writers stop waiting for this process at once, and the table
	 * does not keep a row per process that ever lived. */
	if (tg_store_feed_forget(b->store, process) != TG_STORE_OK)
		tg_fcgi_log("cannot remove this process's feed_progress row: "
		    "%s", tg_store_error(b->store));
	tg_store_thread_end();
	return NULL;
}

/* Writes queued last-used notes; returns how many were written. */
static size_t
flush_usage(struct background *b)
{
	struct tg_usage_rec recs[256];
	struct tg_store_use use[256];
	size_t n, i, total = 0;

	while ((n = tg_usage_take(b->usage, recs, 256)) > 0) {
		for (i = 0; i < n; i++) {
			use[i].id = recs[i].id;
			use[i].addr = recs[i].addr[0] ? recs[i].addr : NULL;
			use[i].at = recs[i].at;
		}
		if (tg_store_token_touch(b->store, use, n) != TG_STORE_OK) {
			/* Best effort by design: last-used is informative. */
			tg_fcgi_log("last-used write of %zu tokens failed: %s",
			    n, tg_store_error(b->store));
			break;
		}
		total += n;
	}
	return total;
}

/*
 * Ends the rotation graces whose new secret was used (usage.h), and drops
 * this process's cached copy at once; the feed row of the write tells
 * every other process.
 */
static void
flush_secrets(struct background *b)
{
	struct tg_usage_secret sec[TG_USAGE_SECRETS];
	size_t n, i;

	n = tg_usage_take_secrets(b->usage, sec, TG_USAGE_SECRETS);
	for (i = 0; i < n; i++) {
		/* A failure only lets the old secret live out its grace. */
		if (tg_store_token_clear_prev(b->store, sec[i].id,
		    sec[i].hash) != TG_STORE_OK)
			tg_fcgi_log("ending the rotation grace of %s failed: "
			    "%s", sec[i].id, tg_store_error(b->store));
		if (b->cache != NULL)
			tg_cache_invalidate_token(b->cache, sec[i].id);
	}
	OPENSSL_cleanse(sec, sizeof sec);
}

/* Writes queued decisions to the audit log. */
static void
flush_audit(struct background *b)
{
	static struct tg_store_decision recs[256];
	static uint64_t dropped_logged;
	uint64_t dropped;
	size_t n;

	if (auditq == NULL)
		return;
	while ((n = tg_auditq_take(auditq, recs, 256)) > 0) {
		if (tg_store_audit_decisions(b->store, recs, n) !=
		    TG_STORE_OK) {
			tg_fcgi_log("audit write of %zu decisions failed: %s",
			    n, tg_store_error(b->store));
			break;
		}
	}
	dropped = tg_auditq_dropped(auditq);
	if (dropped != dropped_logged) {
		tg_fcgi_log("audit queue full: %llu decisions not recorded",
		    (unsigned long long)(dropped - dropped_logged));
		dropped_logged = dropped;
	}
}

static void *
write_usage(void *arg)
{
	struct background *b = arg;

	while (!bg_sleep(1000)) {
		flush_secrets(b);
		flush_usage(b);
		flush_audit(b);
	}
	/* Shutting down: what was queued is written before we exit. */
	flush_secrets(b);
	flush_usage(b);
	flush_audit(b);
	tg_store_thread_end();
	return NULL;
}

int
main(int argc, char **argv)
{
	struct tg_fcgi_worker w[64];
	struct background poller = { 0 }, writer = { 0 };
	pthread_t poll_th, write_th;
	struct tg_fcgi_start st;
	struct tg_hmac_key *key;
	struct tg_cache *cache = NULL;
	struct tg_feed *feed = NULL;
	struct tg_store_route *route = NULL;
	struct tg_usage *usage;
	struct tg_brake *brake = NULL;
	char err[512];
	int i, rc;

	if ((rc = tg_fcgi_start(argc, argv, "tokengate-authz", 4, &cfg,
	    &st)) != 0)
		return rc;
	tg_loglimit_init(&deny_limit, cfg.log_denials_per_second);
	key = tg_hmac_key_load(cfg.key_file, err, sizeof err);
	if (key == NULL) {
		tg_fcgi_log("%s", err);
		return 1;
	}
	/*
	 * With a read endpoint, lookups and the feed read the replica while
	 * it is healthy and caught up; every write goes to the primary.
	 */
	if (tg_store_route_has_read_endpoint(&cfg)) {
		if ((route = tg_store_route_new()) == NULL) {
			tg_fcgi_log("out of memory");
			return 1;
		}
		tg_fcgi_log("reads go to %s, writes to %s",
		    cfg.db_read_socket[0] ? cfg.db_read_socket :
		    cfg.db_read_host, cfg.db_socket[0] ? cfg.db_socket :
		    cfg.db_host);
	}
	if (cfg.cache) {
		cache = tg_cache_new(cfg.cache_size, cfg.cache_negative_size,
		    (int64_t)cfg.cache_max_age * 1000);
		feed = cache != NULL ? tg_feed_new(cache) : NULL;
		poller.store = tg_store_route_new_reader(&cfg, route, 1);
		if (feed == NULL || poller.store == NULL) {
			tg_fcgi_log("out of memory for the cache");
			return 1;
		}
		poller.feed = feed;
		poller.cache = cache;
		poller.route = route;
	}
	if (cfg.brake_failures > 0 && (brake = tg_brake_new(cfg.brake_clients,
	    cfg.brake_failures, cfg.brake_window)) == NULL) {
		tg_fcgi_log("out of memory for the brake");
		return 1;
	}
	if (cfg.audit_decisions != TG_AUDIT_OFF &&
	    (auditq = tg_auditq_new(65536)) == NULL) {
		tg_fcgi_log("out of memory for the audit queue");
		return 1;
	}
	usage = tg_usage_new(cfg.cache_size < 65536 ? cfg.cache_size : 65536,
	    cfg.last_used_interval);
	writer.store = tg_store_new(&cfg);
	writer.usage = usage;
	writer.cache = cache;
	if (usage == NULL || writer.store == NULL) {
		tg_fcgi_log("out of memory");
		return 1;
	}
	for (i = 0; i < st.threads; i++) {
		if (tg_fcgi_worker_init(&w[i], i, &cfg,
		    tg_store_route_new_reader(&cfg, route, 0), key) != 0)
			return 1;
		w[i].verifier.cache = cache;
		w[i].verifier.feed = feed;
		/*
		 * The cache serves only while the feed was read within a
		 * second (plus the configured stale window): revocation is
		 * honoured within a second even when polls start failing.
		 */
		w[i].verifier.fresh_ms = 1000 + (int64_t)cfg.stale_if_error *
		    1000;
		w[i].verifier.usage = usage;
		w[i].verifier.brake = brake;
	}
	if (cfg.cache && pthread_create(&poll_th, NULL, poll_feed,
	    &poller) != 0) {
		tg_fcgi_log("cannot start the feed poller");
		return 1;
	}
	if (pthread_create(&write_th, NULL, write_usage, &writer) != 0) {
		tg_fcgi_log("cannot start the last-used writer");
		return 1;
	}
	if (tg_fcgi_workers_run(w, st.threads, &serve) != 0)
		return 1;
	{
		int64_t since;
		uint64_t dropped = tg_loglimit_drain(&deny_limit, &since);

		log_dropped(dropped, since);
	}
	pthread_mutex_lock(&bg_lock);
	bg_stop = 1;
	pthread_cond_broadcast(&bg_cond);
	pthread_mutex_unlock(&bg_lock);
	if (cfg.cache)
		pthread_join(poll_th, NULL);
	pthread_join(write_th, NULL);
	tg_fcgi_workers_free(w, st.threads);
	tg_store_free(poller.store);
	tg_store_free(writer.store);
	tg_store_route_free(route);
	tg_feed_free(feed);
	tg_cache_free(cache);
	tg_usage_free(usage);
	tg_brake_free(brake);
	tg_auditq_free(auditq);
	tg_hmac_key_free(key);
	tg_config_wipe(&cfg);
	tg_loglimit_destroy(&deny_limit);
	return tg_fcgi_finish(&st);
}
