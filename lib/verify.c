/*
 * verify.c: the request path shared by every program.
 *
 * parse (no I/O) -> keyed hash -> cache or store -> compile -> decide.
 * The cache only ever holds what the store said, and only while the
 * change feed is followed; a miss takes the invalidation epoch before
 * reading so a fill that raced with a revoke is refused (cache.h).
 */
#include "verify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "brake.h"
#include "cache.h"
#include "feed.h"
#include "token.h"
#include "usage.h"

void
tg_verify_init(struct tg_verifier *v, const struct tg_config *cfg,
    struct tg_store *store, struct tg_hmac *hmac)
{
	memset(v, 0, sizeof *v);
	v->cfg = cfg;
	v->store = store;
	v->hmac = hmac;
}

int64_t
tg_verify_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
unavailable(struct tg_decision *d, const char *id, const char *why)
{
	tg_policy_refuse(TG_UNAVAILABLE, d);
	memcpy(d->token_id, id, TG_TOKEN_ID_LEN + 1);
	snprintf(d->detail, sizeof d->detail, "%s", why);
	return d->status;
}

/*
 * Finds the compiled grant for id: from the cache when it may be used,
 * else from the store (filling the cache).  Returns 1 with *g (one
 * reference, the caller's), 0 when the id does not exist, or fills d
 * with UNAVAILABLE and returns -1.
 */
static int
find_grant(struct tg_verifier *v, const char *id, struct tg_decision *d,
    const struct tg_grant **g)
{
	struct tg_record rec;
	struct tg_grant *built;
	uint64_t epoch = 0;
	int64_t now_ms = 0;
	int use_cache, rc;
	char err[256];

	*g = NULL;
	use_cache = v->cache != NULL && v->feed != NULL &&
	    tg_feed_fresh(v->feed, now_ms = tg_verify_now_ms(), v->fresh_ms);
	if (use_cache) {
		switch (tg_cache_get(v->cache, id, now_ms, g)) {
		case TG_CACHE_HIT:
			return 1;
		case TG_CACHE_NEGATIVE:
			return 0;
		case TG_CACHE_MISS:
			break;
		}
		epoch = tg_cache_epoch(v->cache);
	}
	rc = tg_store_token_lookup(v->store, id, &rec);
	if (rc == TG_STORE_NOT_FOUND) {
		if (use_cache)
			tg_cache_put_negative(v->cache, id, epoch, now_ms);
		return 0;
	}
	if (rc != TG_STORE_OK) {
		unavailable(d, id, tg_store_error(v->store));
		return -1;
	}
	built = tg_grant_build(&rec, err, sizeof err);
	tg_record_free(&rec);
	if (built == NULL) {
		/* Stored data we cannot read: refuse to guess. */
		char why[400];

		snprintf(why, sizeof why, "token %s: stored data is invalid: "
		    "%.300s", id, err);
		unavailable(d, id, why);
		return -1;
	}
	if (use_cache)
		tg_cache_put(v->cache, id, tg_grant_ref(built), epoch, now_ms);
	*g = built;
	return 1;
}

static int	verify_token(struct tg_verifier *, const char *, size_t,
		    const struct tg_request *, int64_t, struct tg_decision *,
		    struct tg_grant **);

int
tg_verify(struct tg_verifier *v, const char *authorization,
    const struct tg_request *req, int64_t now, struct tg_decision *d,
    struct tg_grant **grant)
{
	const char *raw;
	size_t len;
	int rc;

	if (grant != NULL)
		*grant = NULL;
	if (!tg_token_from_authorization(authorization, &raw, &len))
		return tg_policy_refuse(TG_MISSING, d);
	if (v->brake != NULL) {
		unsigned wait = tg_brake_check(v->brake, req->remote_addr, now);

		if (wait > 0) {
			tg_policy_refuse(TG_RATE_LIMITED, d);
			d->retry_after = wait;
			return d->status;
		}
	}
	rc = verify_token(v, raw, len, req, now, d, grant);
	/* Guessing looks like malformed tokens, unknown ids, wrong secrets. */
	if (v->brake != NULL && (d->reason == TG_MALFORMED ||
	    d->reason == TG_NOT_FOUND))
		tg_brake_fail(v->brake, req->remote_addr, now);
	return rc;
}

static int
verify_token(struct tg_verifier *v, const char *raw, size_t len,
    const struct tg_request *req, int64_t now, struct tg_decision *d,
    struct tg_grant **grant)
{
	unsigned char digest[TG_HMAC_LEN];
	char id[TG_TOKEN_ID_LEN + 1];
	const struct tg_grant *g;
	struct tg_token tok;
	int rc;

	/* Shape and checksum first: junk never costs a hash or a query. */
	if (len > TG_TOKEN_MAX_LEN || tg_token_parse(raw, len,
	    v->cfg->token_prefix, &tok) != TG_TOKEN_OK)
		return tg_policy_refuse(TG_MALFORMED, d);
	memcpy(id, tok.id, sizeof id);
	rc = tg_hmac_compute(v->hmac, tok.text, tok.len, digest);
	tg_token_wipe(&tok);
	if (rc != 0)
		return unavailable(d, id, "HMAC computation failed");
	rc = find_grant(v, id, d, &g);
	if (rc < 0)
		return d->status;
	if (rc == 0) {
		tg_policy_refuse(TG_NOT_FOUND, d);
		memcpy(d->token_id, id, sizeof id);
		return d->status;
	}
	tg_policy_decide(g, digest, req, now, d);
	memcpy(d->token_id, id, sizeof id);
	/*
	 * The current secret matched while an old one was still in its
	 * rotation grace: the new secret is in use, so the old one should
	 * end now rather than at the end of the grace.  That is a write, and
	 * a decision never writes: it is queued for the writer that also
	 * writes last-used (usage.h), and without one (`tokengate check`)
	 * nothing is written at all.
	 */
	if (d->used_new_secret && v->usage != NULL)
		tg_usage_note_secret(v->usage, id, digest);
	OPENSSL_cleanse(digest, sizeof digest);
	if (d->status == 200 && v->usage != NULL)
		tg_usage_note(v->usage, id, req->remote_addr, now);
	if (d->status == 200 && grant != NULL)
		*grant = tg_grant_ref(g);
	tg_grant_free(g);
	return d->status;
}
