/*
 * Known-answer tests for the verifier's steps, without a database.
 *
 * A fixed key (the bytes 0x00 to 0x1f) and fixed tokens whose check
 * digits and HMAC-SHA256 were computed outside tokengate (Python's zlib
 * and hmac, and `openssl dgst -sha256 -mac HMAC`), so the expected bytes
 * do not come from the code under test.  The table then runs tg_verify()
 * itself: the token's compiled grant (and, for an unknown id, a negative
 * entry) sits in a cache whose feed is fresh, so tg_verify never reaches
 * for the store, and every step runs as in the authorizer: the header,
 * the shape and checksum, the keyed hash, the lookup, the decision.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "config.h"
#include "feed.h"
#include "hmac.h"
#include "policy.h"
#include "token.h"
#include "verify.h"
#include "tg_test.h"

#define NOW	1800000000LL

/* The current secret of AbCdEfGhIjKl, its previous one, and an unknown id. */
#define GOOD	"tg_AbCdEfGhIjKl0123456789abcdefghijABCDEFGHIJKL3ObFkF"
#define OLD	"tg_AbCdEfGhIjKlLKJIHGFEDCBAjihgfedcba98765432102vlqEK"
#define UNKNOWN	"tg_ZyXwVuTsRqPo0123456789abcdefghijABCDEFGHIJKL0USHMV"

static const struct {
	const char	*token;
	const char	*hmac;	/* hex of HMAC-SHA256(key, token) */
} kat[] = {
	{ GOOD, "c5f85afd9448a98d2391a11f4fbaf45e"
	    "0445af0b97cdcd10a54edb79009bb987" },
	{ OLD, "6dae2d9b9b894835dd994160bfad2125"
	    "4ef44ef14796623893a42bebf7cbfba2" },
	{ UNKNOWN, "acc075b1e6ecffc7754666ad27f532fe"
	    "8062e0b742709bb3576e0f49637b6701" },
};

static void
unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

/* Step 1 and 2: the header and the token's shape, without any hash. */
static void
test_parse(void)
{
	static const struct {
		const char		*header;
		int			 bearer;
		enum tg_token_status	 st;
		const char		*id;
	} r[] = {
		{ "Bearer " GOOD, 1, TG_TOKEN_OK, "AbCdEfGhIjKl" },
		{ "bearer   " GOOD "  ", 1, TG_TOKEN_OK, "AbCdEfGhIjKl" },
		{ "Bearer " OLD, 1, TG_TOKEN_OK, "AbCdEfGhIjKl" },
		{ "Bearer " UNKNOWN, 1, TG_TOKEN_OK, "ZyXwVuTsRqPo" },
		/* The last check digit changed. */
		{ "Bearer tg_AbCdEfGhIjKl0123456789abcdefghijABCDEFGHIJKL3ObFkG",
		    1, TG_TOKEN_BAD_CHECKSUM, NULL },
		{ "Bearer xx_AbCdEfGhIjKl0123456789abcdefghijABCDEFGHIJKL3ObFkF",
		    1, TG_TOKEN_MALFORMED, NULL },
		{ "Bearer tg_AbCdEfGhIjKl", 1, TG_TOKEN_MALFORMED, NULL },
		{ "Basic dXNlcjpwYXNz", 0, TG_TOKEN_MALFORMED, NULL },
		{ "", 0, TG_TOKEN_MALFORMED, NULL },
	};
	struct tg_token tok;
	const char *raw;
	char ctx[64];
	size_t i, len;
	int bearer;

	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(ctx, sizeof ctx, "parse row %zu", i);
		bearer = tg_token_from_authorization(r[i].header, &raw, &len);
		TG_CHECK_INT(bearer, r[i].bearer, ctx);
		if (!bearer)
			continue;
		TG_CHECK_INT(tg_token_parse(raw, len, "tg", &tok), r[i].st,
		    ctx);
		if (r[i].id != NULL)
			TG_CHECK_STR(tok.id, r[i].id, ctx);
		tg_token_wipe(&tok);
	}
}

/* Step 3: the keyed hash, against bytes computed elsewhere. */
static void
test_hmac(struct tg_hmac *h)
{
	unsigned char got[TG_HMAC_LEN], want[TG_HMAC_LEN];
	char ctx[64];
	size_t i;

	for (i = 0; i < sizeof kat / sizeof kat[0]; i++) {
		snprintf(ctx, sizeof ctx, "hmac row %zu", i);
		unhex(kat[i].hmac, want, sizeof want);
		TG_CHECK(tg_hmac_compute(h, kat[i].token, strlen(kat[i].token),
		    got) == 0 && memcmp(got, want, sizeof got) == 0, "%s", ctx);
	}
}

/* Steps 4 and 5 through tg_verify: lookup (from the cache) and decision. */
static void
test_verify(const struct tg_config *cfg, struct tg_hmac *h)
{
	static const struct {
		const char	*header;
		const char	*method, *uri;
		int64_t		 at;
		enum tg_reason	 reason;
		int		 status;
		const char	*token_id;	/* d.token_id */
		int		 new_secret, prev_secret;
	} r[] = {
		{ "Bearer " GOOD, "GET", "/api/x", NOW, TG_ALLOWED, 200,
		    "AbCdEfGhIjKl", 1, 0 },
		{ "bearer   " GOOD "  ", "HEAD", "/api/x", NOW, TG_ALLOWED,
		    200, "AbCdEfGhIjKl", 1, 0 },
		{ "Bearer " OLD, "GET", "/api/x", NOW, TG_ALLOWED, 200,
		    "AbCdEfGhIjKl", 0, 1 },
		{ "Bearer " OLD, "GET", "/api/x", NOW + 10, TG_NOT_FOUND, 401,
		    "AbCdEfGhIjKl", 0, 0 },
		{ "Bearer " UNKNOWN, "GET", "/api/x", NOW, TG_NOT_FOUND, 401,
		    "ZyXwVuTsRqPo", 0, 0 },
		{ "Bearer " GOOD, "GET", "/admin", NOW, TG_NO_RULE_MATCHED, 403,
		    "AbCdEfGhIjKl", 1, 0 },
		{ "Bearer " GOOD, "GET", "/api/secret/x", NOW, TG_RULE_DENIED,
		    403, "AbCdEfGhIjKl", 1, 0 },
		{ "Bearer " GOOD, "GET", "/api/a%2fb", NOW, TG_BAD_PATH,
		    403, "AbCdEfGhIjKl", 1, 0 },
		/* Dot segments resolve before the rules are asked. */
		{ "Bearer " GOOD, "GET", "/api/%2e%2e/admin", NOW,
		    TG_NO_RULE_MATCHED, 403, "AbCdEfGhIjKl", 1, 0 },
		{ "Bearer " GOOD, "GET", "/api/x", NOW + 100, TG_EXPIRED, 401,
		    "AbCdEfGhIjKl", 1, 0 },
		{ "Bearer tg_AbCdEfGhIjKl0123456789abcdefghijABCDEFGHIJKL3ObFkG",
		    "GET", "/api/x", NOW, TG_MALFORMED, 401, "", 0, 0 },
		{ "Basic dXNlcjpwYXNz", "GET", "/api/x", NOW, TG_MISSING, 401,
		    "", 0, 0 },
		{ NULL, "GET", "/api/x", NOW, TG_MISSING, 401, "", 0, 0 },
	};
	struct tg_request req = { NULL, NULL, "10.1.2.3", NULL, NULL, NULL };
	struct tg_verifier v;
	struct tg_decision d;
	struct tg_record rec;
	struct tg_cache *cache;
	struct tg_feed *feed;
	struct tg_grant *g;
	char err[256], ctx[64];
	int64_t now_ms = tg_verify_now_ms();
	size_t i;
	int status;

	cache = tg_cache_new(16, 16, 600000);
	feed = cache != NULL ? tg_feed_new(cache) : NULL;
	TG_CHECK(feed != NULL, "cache and feed");
	if (feed == NULL)
		return;
	/* A feed that has just read the database: the cache may serve. */
	tg_feed_begin(feed, 0, now_ms);
	tg_feed_ok(feed, now_ms);
	memset(&rec, 0, sizeof rec);
	memcpy(rec.id, "AbCdEfGhIjKl", TG_TOKEN_ID_LEN + 1);
	unhex(kat[0].hmac, rec.hash, sizeof rec.hash);
	rec.has_prev = 1;
	unhex(kat[1].hmac, rec.prev_hash, sizeof rec.prev_hash);
	rec.prev_until = NOW + 10;
	rec.user_id = 7;
	memcpy(rec.user, "alice", 6);
	rec.user_enabled = 1;
	rec.created_at = NOW - 100;
	rec.expires_at = NOW + 100;
	rec.name = "ci";
	rec.permissions = "";
	rec.role_permissions = "";
	rec.api_rules = "!GET /api/secret\nGET /api/**";
	rec.resource_rules = "";
	rec.cidrs = "10.0.0.0/8";
	rec.environments = "";
	g = tg_grant_build(&rec, err, sizeof err);
	TG_CHECK(g != NULL, "build: %s", err);
	if (g == NULL)
		return;
	TG_CHECK(tg_cache_put(cache, rec.id, g, tg_cache_epoch(cache),
	    now_ms) == 1, "cached grant");
	TG_CHECK(tg_cache_put_negative(cache, "ZyXwVuTsRqPo",
	    tg_cache_epoch(cache), now_ms) == 1, "cached absence");
	/* No store at all: a lookup that reached it would crash the test. */
	tg_verify_init(&v, cfg, NULL, h);
	v.cache = cache;
	v.feed = feed;
	v.fresh_ms = 600000;
	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(ctx, sizeof ctx, "verify row %zu", i);
		req.method = r[i].method;
		req.uri = r[i].uri;
		g = NULL;
		status = tg_verify(&v, r[i].header, &req, r[i].at, &d, &g);
		TG_CHECK_INT(status, r[i].status, ctx);
		TG_CHECK_INT(d.status, r[i].status, ctx);
		TG_CHECK_STR(tg_policy_reason_str(d.reason),
		    tg_policy_reason_str(r[i].reason), ctx);
		TG_CHECK_STR(d.token_id, r[i].token_id, ctx);
		TG_CHECK_INT(d.used_new_secret, r[i].new_secret, ctx);
		TG_CHECK_INT(d.used_prev_secret, r[i].prev_secret, ctx);
		/* A grant only for an allowed request, and the token's. */
		if (status == 200)
			TG_CHECK(g != NULL && strcmp(tg_grant_id(g),
			    "AbCdEfGhIjKl") == 0, "%s: grant", ctx);
		else
			TG_CHECK(g == NULL, "%s: no grant", ctx);
		tg_grant_free(g);
	}
	/* The deciding rule is reported, as the explain output shows it. */
	req.method = "GET";
	req.uri = "/api/secret/x";
	tg_verify(&v, "Bearer " GOOD, &req, NOW, &d, NULL);
	TG_CHECK(d.rule == 0 && d.rule_kind == 1 &&
	    strcmp(d.detail, "!GET /api/secret") == 0, "deny rule reported");
	req.uri = "/api/x";
	req.remote_addr = "192.168.0.1";
	tg_verify(&v, "Bearer " GOOD, &req, NOW, &d, NULL);
	TG_CHECK_STR(tg_policy_reason_str(d.reason), "IP_DENIED",
	    "outside the token's CIDRs");
	tg_feed_free(feed);
	tg_cache_free(cache);
}

int
main(void)
{
	static char dir[] = "/tmp/tg_verify_XXXXXX";
	unsigned char key[32];
	char path[64], err[256];
	struct tg_hmac_key *k;
	struct tg_config cfg;
	struct tg_hmac *h;
	size_t i;
	int fd;

	for (i = 0; i < sizeof key; i++)
		key[i] = (unsigned char)i;
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/key", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	TG_CHECK(fd >= 0 && write(fd, key, sizeof key) == (ssize_t)sizeof key,
	    "key file");
	if (fd >= 0)
		close(fd);
	k = tg_hmac_key_load(path, err, sizeof err);
	unlink(path);
	rmdir(dir);
	TG_CHECK(k != NULL, "key: %s", err);
	if (k == NULL)
		return tg_test_done("verify");
	h = tg_hmac_new(k);
	tg_config_defaults(&cfg);
	test_parse();
	test_hmac(h);
	test_verify(&cfg, h);
	tg_config_wipe(&cfg);
	tg_hmac_free(h);
	tg_hmac_key_free(k);
	return tg_test_done("verify");
}
