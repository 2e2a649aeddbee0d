/*
 * Unit tests for lib/policy: the decision table, seed examples included,
 * without a database.  Compiling records (lib/grant) is test_grant.c's.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tg_test.h"
#include "tg_record_fixture.h"

struct row {
	const char	*name;
	const char	*api_rules;
	const char	*resource_rules;
	const char	*grants;
	const char	*roles;
	const char	*cidrs;
	const char	*envs;
	const char	*method;
	const char	*uri;
	const char	*require;
	const char	*resource;
	const char	*addr;
	const char	*env;
	enum tg_reason	 want;
	long		 rule;		/* expected deciding rule, or -2: any */
};

static const struct row rows[] = {
	/* Seed 000, API Access, example 1. */
	{ "seed api allow one", "GET /api/v1/func/overview", "", "*", "*", "",
	  "", "GET", "/api/v1/func/overview", NULL, NULL, "10.0.0.1", NULL,
	  TG_ALLOWED, 0 },
	{ "seed api allow one: other path", "GET /api/v1/func/overview", "",
	  "*", "*", "", "", "GET", "/api/v1/func/list", NULL, NULL, "10.0.0.1",
	  NULL, TG_NO_RULE_MATCHED, -1 },
	{ "seed api allow one: other method", "GET /api/v1/func/overview", "",
	  "*", "*", "", "", "POST", "/api/v1/func/overview", NULL, NULL,
	  "10.0.0.1", NULL, TG_NO_RULE_MATCHED, -1 },
	/* Seed 000, API Access, example 2. */
	{ "seed api deny one", "!GET /api/v1/func/overview\n*", "", "*", "*",
	  "", "", "GET", "/api/v1/func/overview", NULL, NULL, "10.0.0.1", NULL,
	  TG_RULE_DENIED, 0 },
	{ "seed api deny one: others allowed", "!GET /api/v1/func/overview\n*",
	  "", "*", "*", "", "", "GET", "/api/v1/func/other", NULL, NULL,
	  "10.0.0.1", NULL, TG_ALLOWED, 1 },
	{ "seed api deny one: query ignored", "!GET /api/v1/func/overview\n*",
	  "", "*", "*", "", "", "GET", "/api/v1/func/overview?x=1", NULL, NULL,
	  "10.0.0.1", NULL, TG_RULE_DENIED, 0 },
	{ "seed api deny one: dot trick", "!GET /api/v1/func/overview\n*",
	  "", "*", "*", "", "", "GET", "/api/v1/x/../func/overview", NULL,
	  NULL, "10.0.0.1", NULL, TG_RULE_DENIED, 0 },
	{ "seed api deny one: encoded", "!GET /api/v1/func/overview\n*",
	  "", "*", "*", "", "", "GET", "/api/v1/func/%6fverview", NULL,
	  NULL, "10.0.0.1", NULL, TG_RULE_DENIED, 0 },
	{ "seed api deny one: HEAD is GET", "!GET /api/v1/func/overview\n*",
	  "", "*", "*", "", "", "HEAD", "/api/v1/func/overview", NULL,
	  NULL, "10.0.0.1", NULL, TG_RULE_DENIED, 0 },
	{ "bad path is 403", "*", "", "*", "*", "", "", "GET", "/a%2fb", NULL,
	  NULL, "10.0.0.1", NULL, TG_BAD_PATH, -1 },
	{ "no api rules: API access off", "", "", "*", "*", "", "", "GET", "/",
	  NULL, NULL, "10.0.0.1", NULL, TG_NO_RULE_MATCHED, -1 },
	/* Seed 000, MCP Access. */
	{ "seed resource math", "", "category:math", "*", "*", "", "", "POST",
	  "/mcp", NULL, "category:math", "10.0.0.1", NULL, TG_ALLOWED, 0 },
	{ "seed resource math: other", "", "category:math", "*", "*", "", "",
	  "POST", "/mcp", NULL, "category:system", "10.0.0.1", NULL,
	  TG_NO_RULE_MATCHED, -1 },
	{ "seed resource math+opencode: script set",
	  "", "category:math\nscriptSet:opencode", "*", "*", "", "", "POST",
	  "/mcp", NULL, "category:text scriptSet:opencode", "10.0.0.1", NULL,
	  TG_ALLOWED, 1 },
	{ "seed resource not system", "", "!category:system\n*", "*", "*", "",
	  "", "POST", "/mcp", NULL, "category:system", "10.0.0.1", NULL,
	  TG_RULE_DENIED, 0 },
	{ "seed resource not system: other", "", "!category:system\n*", "*",
	  "*", "", "", "POST", "/mcp", NULL, "category:math", "10.0.0.1", NULL,
	  TG_ALLOWED, 1 },
	{ "no resource rules: resource access off", "*", "", "*", "*", "", "",
	  "POST", "/mcp", NULL, "category:math", "10.0.0.1", NULL,
	  TG_NO_RULE_MATCHED, -1 },
	/* Seed 002: effective = grants ∩ current role permissions. */
	{ "seed perms: B allowed", "", "", "a:x\nb:x\nc:x", "b:x\nc:x\nd:x",
	  "", "", "GET", "/", "b:x", NULL, "10.0.0.1", NULL, TG_ALLOWED, -1 },
	{ "seed perms: A lost with the role", "", "", "a:x\nb:x\nc:x",
	  "b:x\nc:x\nd:x", "", "", "GET", "/", "a:x", NULL, "10.0.0.1", NULL,
	  TG_INSUFFICIENT_PERMISSIONS, -1 },
	{ "seed perms: D never granted", "", "", "a:x\nb:x\nc:x",
	  "b:x\nc:x\nd:x", "", "", "GET", "/", "d:x", NULL, "10.0.0.1", NULL,
	  TG_INSUFFICIENT_PERMISSIONS, -1 },
	{ "perms: all required", "", "", "workflow:*", "workflow:read\n"
	  "run:read", "", "", "GET", "/", "workflow:read run:read", NULL,
	  "10.0.0.1", NULL, TG_INSUFFICIENT_PERMISSIONS, -1 },
	{ "perms: wildcard meet", "", "", "workflow:*", "workflow:read\n"
	  "run:read", "", "", "GET", "/", "workflow:read", NULL, "10.0.0.1",
	  NULL, TG_ALLOWED, -1 },
	{ "both modes: resource denies", "", "!category:system\n*", "*", "*",
	  "", "", "GET", "/", "a:b", "category:system", "10.0.0.1", NULL,
	  TG_RULE_DENIED, 0 },
	{ "both modes: both allow", "", "!category:system\n*", "*", "*", "",
	  "", "GET", "/", "a:b", "category:math", "10.0.0.1", NULL, TG_ALLOWED,
	  1 },
	/* CIDR and environment limits. */
	{ "cidr v4 in", "*", "", "*", "*", "10.0.0.0/8", "", "GET", "/",
	  NULL, NULL, "10.1.2.3", NULL, TG_ALLOWED, -2 },
	{ "cidr v4 out", "*", "", "*", "*", "10.0.0.0/8", "", "GET", "/",
	  NULL, NULL, "192.168.1.1", NULL, TG_IP_DENIED, -1 },
	{ "cidr v6 in", "*", "", "*", "*", "10.0.0.0/8\n2001:db8::/32", "",
	  "GET", "/", NULL, NULL, "2001:db8::5", NULL, TG_ALLOWED, -2 },
	{ "cidr no address", "*", "", "*", "*", "10.0.0.0/8", "", "GET", "/",
	  NULL, NULL, NULL, NULL, TG_IP_DENIED, -1 },
	{ "env listed", "*", "", "*", "*", "", "development\ntest", "GET", "/",
	  NULL, NULL, "10.0.0.1", "test", TG_ALLOWED, -2 },
	{ "env production refused", "*", "", "*", "*", "", "development\n"
	  "test", "GET", "/", NULL, NULL, "10.0.0.1", "production",
	  TG_ENV_DENIED, -1 },
	{ "env unset refused", "*", "", "*", "*", "", "development", "GET",
	  "/", NULL, NULL, "10.0.0.1", NULL, TG_ENV_DENIED, -1 },
	{ "no env limit", "*", "", "*", "*", "", "", "GET", "/", NULL, NULL,
	  "10.0.0.1", "production", TG_ALLOWED, -2 },
};

static void
test_rows(void)
{
	struct tg_request req;
	struct tg_decision d;
	struct tg_record r;
	struct tg_grant *g;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *w = &rows[i];

		rec_init(&r);
		set(&r.api_rules, w->api_rules);
		set(&r.resource_rules, w->resource_rules);
		set(&r.permissions, w->grants);
		set(&r.role_permissions, w->roles);
		set(&r.cidrs, w->cidrs);
		set(&r.environments, w->envs);
		g = tg_grant_build(&r, err, sizeof err);
		tg_record_free(&r);
		TG_CHECK(g != NULL, "%s: build: %s", w->name, err);
		if (g == NULL)
			continue;
		memset(&req, 0, sizeof req);
		req.method = w->method;
		req.uri = w->uri;
		req.require = w->require;
		req.resource = w->resource;
		req.remote_addr = w->addr;
		req.env = w->env;
		tg_policy_decide(g, H, &req, NOW, &d);
		TG_CHECK(d.reason == w->want, "%s: got %s (%s), want %s",
		    w->name, tg_policy_reason_str(d.reason), d.detail,
		    tg_policy_reason_str(w->want));
		TG_CHECK(d.status == tg_policy_status(w->want), "%s: status",
		    w->name);
		if (w->rule != -2)
			TG_CHECK(d.rule == w->rule, "%s: rule %ld, want %ld",
			    w->name, d.rule, w->rule);
		tg_grant_free(g);
	}
}

static enum tg_reason
decide_rec(struct tg_record *r, const unsigned char *presented, int64_t now,
    struct tg_decision *d)
{
	struct tg_request req = { "GET", "/", "127.0.0.1", NULL, NULL, NULL };
	struct tg_grant *g;
	char err[256];

	g = tg_grant_build(r, err, sizeof err);
	tg_record_free(r);
	if (g == NULL)
		return TG_REASON_COUNT;
	tg_policy_decide(g, presented, &req, now, d);
	tg_grant_free(g);
	return d->reason;
}

static void
test_token_state(void)
{
	struct tg_decision d;
	struct tg_record r;

	rec_init(&r);
	TG_CHECK(decide_rec(&r, WRONG, NOW, &d) == TG_NOT_FOUND, "wrong secret");
	rec_init(&r);
	r.revoked_at = NOW - 1;
	TG_CHECK(decide_rec(&r, H, NOW, &d) == TG_REVOKED, "revoked");
	rec_init(&r);
	r.revoked_at = NOW - 1;
	TG_CHECK(decide_rec(&r, WRONG, NOW, &d) == TG_NOT_FOUND,
	    "revoked + wrong secret reveals nothing");
	rec_init(&r);
	TG_CHECK(decide_rec(&r, H, NOW + 100, &d) == TG_EXPIRED,
	    "expired at expires_at");
	rec_init(&r);
	TG_CHECK(decide_rec(&r, H, NOW + 99, &d) == TG_ALLOWED,
	    "valid just before expiry");
	rec_init(&r);
	r.user_enabled = 0;
	TG_CHECK(decide_rec(&r, H, NOW, &d) == TG_USER_DISABLED, "disabled");
	TG_CHECK(d.status == 401, "disabled is 401");
	/* Rotation grace: the old secret works until prev_until. */
	rec_init(&r);
	r.has_prev = 1;
	memcpy(r.prev_hash, OLD, sizeof OLD);
	r.prev_until = NOW + 10;
	TG_CHECK(decide_rec(&r, OLD, NOW, &d) == TG_ALLOWED &&
	    !d.used_new_secret, "old secret inside grace");
	TG_CHECK(d.used_prev_secret, "the old secret is flagged as such");
	rec_init(&r);
	r.has_prev = 1;
	memcpy(r.prev_hash, OLD, sizeof OLD);
	r.prev_until = NOW + 10;
	TG_CHECK(decide_rec(&r, OLD, NOW + 10, &d) == TG_NOT_FOUND,
	    "old secret after grace");
	rec_init(&r);
	r.has_prev = 1;
	memcpy(r.prev_hash, OLD, sizeof OLD);
	r.prev_until = NOW + 10;
	TG_CHECK(decide_rec(&r, H, NOW, &d) == TG_ALLOWED &&
	    d.used_new_secret, "new secret flags the end of the grace");
	TG_CHECK(!d.used_prev_secret, "the new secret is not the old one");
	rec_init(&r);
	TG_CHECK(decide_rec(&r, OLD, NOW, &d) == TG_NOT_FOUND,
	    "old secret without rotation");
}

static void
test_reasons(void)
{
	int i;

	for (i = 0; i < TG_REASON_COUNT; i++)
		TG_CHECK(strcmp(tg_policy_reason_str((enum tg_reason)i),
		    "UNKNOWN") != 0, "reason %d has a name", i);
	TG_CHECK_INT(tg_policy_status(TG_MISSING), 401, "MISSING");
	TG_CHECK_INT(tg_policy_status(TG_BAD_PATH), 403, "BAD_PATH");
	TG_CHECK_INT(tg_policy_status(TG_UNAVAILABLE), 503, "UNAVAILABLE");
}

/*
 * tg_policy_api_rules: what the responder asks of its own token callers,
 * which must agree with what tg_policy_decide answers for the same rules.
 */
static void
test_api_rules(void)
{
	static const struct {
		const char	*rules;
		const char	*method, *path;
		int		 status;
		enum tg_reason	 reason;
		const char	*detail;
	} ar[] = {
		{ "", "GET", "/api/auth/tokens", 0, TG_ALLOWED, "" },
		{ "*", "POST", "/api/auth/tokens", 0, TG_ALLOWED, "*" },
		{ "POST /api/auth/tokens", "POST", "/api/auth/tokens", 0,
		    TG_ALLOWED, "POST /api/auth/tokens" },
		{ "GET /data/**", "POST", "/api/auth/tokens", 403,
		    TG_NO_RULE_MATCHED, "no API rule matched" },
		{ "!POST /api/auth/**\n*", "POST", "/api/auth/tokens", 403,
		    TG_RULE_DENIED, "!POST /api/auth/**" },
		{ "!GET /api/auth\n*", "HEAD", "/api/auth/tokens/x", 403,
		    TG_RULE_DENIED, "!GET /api/auth" },
	};
	struct tg_request req = { NULL, NULL, "127.0.0.1", NULL, NULL, NULL };
	struct tg_decision d, full;
	struct tg_record r;
	struct tg_grant *g;
	char err[256], ctx[64];
	size_t i;

	for (i = 0; i < sizeof ar / sizeof ar[0]; i++) {
		snprintf(ctx, sizeof ctx, "api rules row %zu", i);
		rec_init(&r);
		set(&r.api_rules, ar[i].rules);
		g = tg_grant_build(&r, err, sizeof err);
		tg_record_free(&r);
		TG_CHECK(g != NULL, "%s: %s", ctx, err);
		if (g == NULL)
			continue;
		memset(&d, 0x55, sizeof d);
		TG_CHECK_INT(tg_policy_api_rules(g, ar[i].method,
		    ar[i].path, &d), ar[i].status, ctx);
		TG_CHECK_INT(d.reason, ar[i].reason, ctx);
		TG_CHECK_STR(d.detail, ar[i].detail, ctx);
		TG_CHECK(d.rule_kind == (ar[i].reason == TG_NO_RULE_MATCHED ||
		    ar[i].rules[0] == '\0' ? 0 : 1), "%s: rule kind %d", ctx,
		    d.rule_kind);
		/* The authorizer's answer for the same request and rules. */
		if (ar[i].rules[0] != '\0') {
			req.method = ar[i].method;
			req.uri = ar[i].path;
			tg_policy_decide(g, H, &req, NOW, &full);
			TG_CHECK_INT(full.reason, d.reason, ctx);
			TG_CHECK_STR(full.detail, d.detail, ctx);
		}
		tg_grant_free(g);
	}
}

int
main(void)
{
	fixture_keys();
	test_rows();
	test_token_state();
	test_reasons();
	test_api_rules();
	return tg_test_done("test_policy");
}
