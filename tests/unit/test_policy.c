/*
 * Unit tests for lib/policy: the decision table, seed examples included,
 * without a database, and the sharing of compiled scopes between grants.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tg_test.h"

#define NOW	1800000000LL

static unsigned char H[TG_HMAC_LEN], OLD[TG_HMAC_LEN], WRONG[TG_HMAC_LEN];

/* A record with sane defaults: valid, enabled, allows everything. */
static void
rec_init(struct tg_record *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->id, "AbCdEfGhIjKl", 13);
	memcpy(r->user, "alice", 6);
	memcpy(r->hash, H, sizeof H);
	r->user_enabled = 1;
	r->created_at = NOW - 100;
	r->expires_at = NOW + 100;
	r->name = strdup("t");
	r->permissions = strdup("*");
	r->role_permissions = strdup("*");
	r->api_rules = strdup("*");
	r->resource_rules = strdup("");
	r->cidrs = strdup("");
	r->environments = strdup("");
}

static void
set(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
}

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
test_effective_and_corrupt(void)
{
	struct tg_record r;
	struct tg_grant *g;
	char err[256];

	rec_init(&r);
	set(&r.permissions, "a:x\nb:x\nc:x");
	set(&r.role_permissions, "b:x\nc:x\nd:x");
	g = tg_grant_build(&r, err, sizeof err);
	TG_CHECK(g != NULL, "build");
	if (g != NULL)
		TG_CHECK_STR(tg_grant_effective(g), "b:x c:x",
		    "seed 002 effective set");
	tg_grant_free(g);
	set(&r.api_rules, "GET nopath");
	g = tg_grant_build(&r, err, sizeof err);
	TG_CHECK(g == NULL, "corrupt stored rule refuses to build");
	set(&r.api_rules, "*");
	set(&r.cidrs, "10.0.0.1/8");
	g = tg_grant_build(&r, err, sizeof err);
	TG_CHECK(g == NULL, "corrupt stored CIDR refuses to build");
	tg_record_free(&r);
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

static struct tg_grant *
build(struct tg_record *r)
{
	char err[256];
	struct tg_grant *g = tg_grant_build(r, err, sizeof err);

	TG_CHECK(g != NULL, "build: %s", err);
	return g;
}

/* One change to an input a scope depends on. */
struct mutation {
	const char	*name;
	size_t		 field;		/* offsetof a text in tg_record, or 0 */
	const char	*text;
	int		 what;		/* 1 user_id, 2 user, 3 user_enabled */
};

#define TEXT(f)	offsetof(struct tg_record, f)

static const struct mutation mutations[] = {
	{ "user_id", 0, NULL, 1 },
	{ "user name", 0, NULL, 2 },
	{ "user_enabled", 0, NULL, 3 },
	{ "permissions", TEXT(permissions), "a:x", 0 },
	{ "role_permissions", TEXT(role_permissions), "a:*", 0 },
	{ "api_rules", TEXT(api_rules), "GET /**", 0 },
	{ "api_rules, one byte", TEXT(api_rules), "*\n", 0 },
	{ "resource_rules", TEXT(resource_rules), "k:v", 0 },
	{ "cidrs", TEXT(cidrs), "10.0.0.0/8", 0 },
	{ "environments", TEXT(environments), "prod", 0 },
};

static void
apply(struct tg_record *r, const struct mutation *m)
{
	switch (m->what) {
	case 1:
		r->user_id++;
		return;
	case 2:
		memcpy(r->user, "alicf", 6);
		return;
	case 3:
		r->user_enabled = 0;
		return;
	}
	set((char **)(void *)((char *)r + m->field), m->text);
}

static void
test_scope_sharing(void)
{
	struct tg_record r;
	struct tg_grant *a, *b, *c;
	struct tg_decision d;
	struct tg_request req = { "GET", "/", "127.0.0.1", NULL, NULL, NULL };
	size_t i, base = tg_grant_scope_count();

	/* Different tokens, same owner and texts: one scope. */
	rec_init(&r);
	a = build(&r);
	memcpy(r.id, "ZZZZZZZZZZZZ", 13);
	memcpy(r.hash, OLD, sizeof OLD);
	r.revoked_at = NOW - 1;
	r.expires_at = NOW + 5;
	r.has_prev = 1;
	r.prev_until = NOW + 5;
	b = build(&r);
	tg_record_free(&r);
	if (a == NULL || b == NULL)
		goto out;
	TG_CHECK(tg_grant_scope(a) == tg_grant_scope(b), "identical inputs "
	    "share a scope");
	TG_CHECK(tg_grant_effective(a) == tg_grant_effective(b),
	    "the effective text is the shared one");
	TG_CHECK_INT(tg_grant_scope_count(), base + 1, "one scope");
	/* What is per token stays per token. */
	TG_CHECK_STR(tg_grant_id(a), "AbCdEfGhIjKl", "id a");
	TG_CHECK_STR(tg_grant_id(b), "ZZZZZZZZZZZZ", "id b");
	tg_policy_decide(a, H, &req, NOW, &d);
	TG_CHECK(d.reason == TG_ALLOWED, "a allowed: %s",
	    tg_policy_reason_str(d.reason));
	tg_policy_decide(b, OLD, &req, NOW, &d);
	TG_CHECK(d.reason == TG_REVOKED, "b revoked: %s",
	    tg_policy_reason_str(d.reason));
	tg_policy_decide(b, H, &req, NOW, &d);
	TG_CHECK(d.reason == TG_NOT_FOUND, "a's hash does not open b");
	/* NULL texts and empty ones were always the same thing. */
	rec_init(&r);
	free(r.resource_rules);
	r.resource_rules = NULL;
	c = build(&r);
	tg_record_free(&r);
	TG_CHECK(c != NULL && tg_grant_scope(c) == tg_grant_scope(a),
	    "NULL text shares with \"\"");
	tg_grant_free(c);

	/* Any one input changed: a scope of its own. */
	for (i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
		const struct mutation *m = &mutations[i];

		rec_init(&r);
		apply(&r, m);
		c = build(&r);
		tg_record_free(&r);
		if (c == NULL)
			continue;
		TG_CHECK(tg_grant_scope(c) != tg_grant_scope(a),
		    "%s: changed input shares a scope", m->name);
		TG_CHECK_INT(tg_grant_scope_count(), base + 2, m->name);
		tg_grant_free(c);
		TG_CHECK_INT(tg_grant_scope_count(), base + 1, m->name);
	}
	/*
	 * The same bytes moved from one text to the next: "*" and "" against
	 * "" and "*" would be one string if the key were a plain
	 * concatenation.
	 */
	rec_init(&r);
	set(&r.api_rules, "");
	set(&r.resource_rules, "*");
	c = build(&r);
	tg_record_free(&r);
	TG_CHECK(c != NULL && tg_grant_scope(c) != tg_grant_scope(a),
	    "a byte moved between texts shares a scope");
	tg_grant_free(c);
	/* A change in the owner's state shows in what the grant says. */
	rec_init(&r);
	set(&r.role_permissions, "b:x");
	set(&r.permissions, "a:x b:x");
	c = build(&r);
	tg_record_free(&r);
	if (c != NULL)
		TG_CHECK_STR(tg_grant_effective(c), "b:x", "own role, own set");
	tg_grant_free(c);
	/* A record that does not compile leaves nothing behind. */
	rec_init(&r);
	set(&r.api_rules, "GET nopath");
	c = tg_grant_build(&r, (char[64]){ 0 }, 64);
	tg_record_free(&r);
	TG_CHECK(c == NULL, "bad rules refuse to build");
	TG_CHECK_INT(tg_grant_scope_count(), base + 1,
	    "no scope from a failure");
out:
	tg_grant_free(a);
	TG_CHECK_INT(tg_grant_scope_count(), base + 1, "b still holds it");
	tg_grant_free(b);
	TG_CHECK_INT(tg_grant_scope_count(), base, "freeing all empties it");
}

/* A record whose scope has every part: both rule kinds, CIDRs,
 * environments and a non-empty effective set. */
static void
rec_full(struct tg_record *r, const char *api, const char *resource)
{
	rec_init(r);
	r->user_id = 42;
	set(&r->permissions, "a:x b:*");
	set(&r->role_permissions, "a:* b:y c:z");
	set(&r->api_rules, api);
	set(&r->resource_rules, resource);
	set(&r->cidrs, "10.0.0.0/8\n::1/128");
	set(&r->environments, "prod\nstage");
}

/*
 * The parts of a scope, which live in one block at computed offsets, each
 * answer as they should, and rule texts, which the scope keeps only in
 * compiled form, still decide sharing byte for byte.
 */
static void
test_scope_parts(void)
{
	static const struct {
		const char	*method, *uri, *addr, *require, *resource, *env;
		enum tg_reason	 want;
		long		 rule;
		const char	*detail;
	} parts[] = {
		{ "GET", "/b/x", "10.1.2.3", NULL, NULL, "prod", TG_ALLOWED, 1,
		    "GET /b/*" },
		{ "HEAD", "/a", "::1", NULL, NULL, "stage", TG_ALLOWED, 0,
		    "GET /a" },
		{ "GET", "/b/x/y", "10.1.2.3", NULL, NULL, "prod",
		    TG_NO_RULE_MATCHED, -1, "no API rule matched" },
		{ "GET", "/a", "11.0.0.1", NULL, NULL, "prod", TG_IP_DENIED,
		    -1, "" },
		{ "GET", "/a", "10.0.0.1", NULL, NULL, "dev", TG_ENV_DENIED,
		    -1, NULL },
		{ "GET", "/", "10.0.0.1", "a:x b:y", NULL, "prod", TG_ALLOWED,
		    -1, "" },
		{ "GET", "/", "10.0.0.1", "c:z", NULL, "prod",
		    TG_INSUFFICIENT_PERMISSIONS, -1, "c:z" },
		{ "GET", "/", "10.0.0.1", NULL, "k:v", "prod", TG_ALLOWED, 0,
		    "k:v" },
		{ "GET", "/", "10.0.0.1", NULL, "k:w1", "prod", TG_RULE_DENIED,
		    1, "!k:w*" },
	};
	static const char *const api = "GET /a\nGET /b/*";
	static const char *const res = "k:v\n!k:w*";
	static const struct {
		const char	*api, *resource;
	} other[] = {
		{ "GET /a\nGET /b/*\n", "k:v\n!k:w*" },
		{ "GET /a\nGET /b/*", "k:v\n!k:w*\n" },
		{ "GET /a\nGET /b/*\nGET /c", "k:v\n!k:w*" },
		{ "GET /a\nGET /b/", "k:v\n!k:w*" },
		{ "GET /a", "k:v\n!k:w*" },
		{ "GET /a\nGET /b/*", "k:v" },
		{ "GET /a\nGET /b/*", "" },
		{ "", "k:v\n!k:w*" },
	};
	const struct tg_perm_set *eff;
	struct tg_record r;
	struct tg_grant *a, *b, *c, *e;
	struct tg_decision d;
	struct tg_request req;
	char ctx[96];
	size_t i, base = tg_grant_scope_count();

	rec_full(&r, api, res);
	a = build(&r);
	memcpy(r.id, "ZZZZZZZZZZZZ", 13);
	memcpy(r.hash, OLD, sizeof OLD);
	b = build(&r);
	tg_record_free(&r);
	if (a == NULL || b == NULL)
		goto out;
	TG_CHECK(tg_grant_scope(a) == tg_grant_scope(b), "full: shared");
	TG_CHECK_STR(tg_grant_user(a), "alice", "full: user");
	TG_CHECK_INT(tg_grant_user_id(a), 42, "full: user id");
	TG_CHECK_STR(tg_grant_effective(a), "a:x b:y", "full: effective");
	eff = tg_grant_effective_set(a);
	TG_CHECK(eff != NULL && eff->n == 2, "full: effective set");
	if (eff != NULL && eff->n == 2) {
		TG_CHECK_STR(eff->items[0], "a:x", "full: item 0");
		TG_CHECK_STR(eff->items[1], "b:y", "full: item 1");
		TG_CHECK(tg_perm_covers(eff, "b:y") &&
		    !tg_perm_covers(eff, "b:z"), "full: covers");
	}
	TG_CHECK_STR(tg_grant_rule_text(a, 1, 1), "GET /b/*", "API text");
	TG_CHECK_STR(tg_grant_rule_text(a, 2, 1), "!k:w*", "resource text");
	TG_CHECK_STR(tg_grant_rule_text(a, 1, 2), "", "API out of range");
	TG_CHECK_STR(tg_grant_rule_text(a, 2, -1), "", "negative index");
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		snprintf(ctx, sizeof ctx, "full row %zu", i);
		req.method = parts[i].method;
		req.uri = parts[i].uri;
		req.remote_addr = parts[i].addr;
		req.require = parts[i].require;
		req.resource = parts[i].resource;
		req.env = parts[i].env;
		tg_policy_decide(b, H, &req, NOW, &d);
		TG_CHECK(d.reason == TG_NOT_FOUND, "%s: b's secret", ctx);
		tg_policy_decide(a, H, &req, NOW, &d);
		TG_CHECK(d.reason == parts[i].want, "%s: got %s", ctx,
		    tg_policy_reason_str(d.reason));
		TG_CHECK_INT(d.rule, parts[i].rule, ctx);
		if (parts[i].detail != NULL)
			TG_CHECK_STR(d.detail, parts[i].detail, ctx);
	}
	/* Rule texts differing in one byte, a newline included: not shared. */
	for (i = 0; i < sizeof other / sizeof other[0]; i++) {
		snprintf(ctx, sizeof ctx, "rule texts %zu", i);
		rec_full(&r, other[i].api, other[i].resource);
		c = build(&r);
		e = build(&r);
		tg_record_free(&r);
		TG_CHECK(c != NULL && tg_grant_scope(c) != tg_grant_scope(a),
		    "%s: shares with the base", ctx);
		TG_CHECK(c != NULL && e != NULL &&
		    tg_grant_scope(c) == tg_grant_scope(e),
		    "%s: equal texts do not share", ctx);
		TG_CHECK_INT(tg_grant_scope_count(), base + 2, ctx);
		tg_grant_free(c);
		tg_grant_free(e);
	}
	/* An empty effective set takes no room and is still a set. */
	rec_full(&r, api, res);
	set(&r.role_permissions, "q:q");
	c = build(&r);
	tg_record_free(&r);
	if (c != NULL) {
		eff = tg_grant_effective_set(c);
		TG_CHECK(eff != NULL && eff->n == 0, "empty effective set");
		TG_CHECK(!tg_perm_covers(eff, "a:x"), "empty covers nothing");
		TG_CHECK_STR(tg_grant_effective(c), "", "empty effective");
		TG_CHECK_STR(tg_grant_rule_text(c, 2, 0), "k:v",
		    "empty: rules");
	}
	tg_grant_free(c);
out:
	tg_grant_free(a);
	tg_grant_free(b);
	TG_CHECK_INT(tg_grant_scope_count(), base, "full: all gone");
}

#define THREADS		8
#define ROUNDS		20000
#define VARIANTS	5
#define HELD		16

static const struct tg_grant *shared[VARIANTS];
static unsigned nheld;		/* grants each worker keeps, 1..HELD */

static void
variant(struct tg_record *r, unsigned v)
{
	char text[32];

	rec_init(r);
	snprintf(r->id, sizeof r->id, "id%010u", v);
	snprintf(text, sizeof text, "v%u:x", v);
	set(&r->permissions, text);
	snprintf(text, sizeof text, "GET /v%u/**", v);
	set(&r->api_rules, text);
	r->user_id = v;
}

/* Builds, checks and frees grants of VARIANTS scopes from many threads. */
static void *
worker(void *arg)
{
	const struct tg_grant *held[HELD] = { NULL };
	unsigned held_v[HELD] = { 0 };
	unsigned long seed = (unsigned long)(uintptr_t)arg * 2654435761UL + 1;
	unsigned i, j, bad = 0;

	for (i = 0; i < ROUNDS; i++) {
		struct tg_record r;
		struct tg_grant *g;
		char want[32];
		unsigned v, slot;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		v = (unsigned)(seed >> 33) % VARIANTS;
		slot = (unsigned)(seed >> 40) % nheld;
		variant(&r, v);
		g = tg_grant_build(&r, (char[64]){ 0 }, 64);
		tg_record_free(&r);
		snprintf(want, sizeof want, "v%u:x", v);
		if (g == NULL || strcmp(tg_grant_effective(g), want) != 0 ||
		    tg_grant_user_id(g) != v || (shared[v] != NULL &&
		    tg_grant_scope(g) != tg_grant_scope(shared[v]))) {
			bad++;
			tg_grant_free(g);
			continue;
		}
		/* While a grant of v is alive, v's scope cannot be rebuilt. */
		for (j = 0; j < HELD; j++)
			if (held[j] != NULL && held_v[j] == v &&
			    tg_grant_scope(held[j]) != tg_grant_scope(g))
				bad++;
		tg_grant_free(held[slot]);
		held[slot] = g;
		held_v[slot] = v;
	}
	for (i = 0; i < HELD; i++)
		tg_grant_free(held[i]);
	return (void *)(uintptr_t)bad;
}

static void
run_threads(const char *what)
{
	pthread_t t[THREADS];
	size_t i;
	void *bad;

	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker,
		    (void *)(uintptr_t)(i + 1)) != 0)
			break;
	TG_CHECK(i == THREADS, "%s: only %zu threads", what, i);
	while (i-- > 0) {
		pthread_join(t[i], &bad);
		TG_CHECK((uintptr_t)bad == 0, "%s: thread %zu: %lu wrong "
		    "grants", what, i, (unsigned long)(uintptr_t)bad);
	}
}

static void
test_scope_threads(void)
{
	struct tg_record r;
	size_t i, base = tg_grant_scope_count();

	for (i = 0; i < VARIANTS; i++) {
		variant(&r, (unsigned)i);
		shared[i] = build(&r);
		tg_record_free(&r);
		if (shared[i] == NULL)
			return;
	}
	TG_CHECK_INT(tg_grant_scope_count(), base + VARIANTS, "variants");
	nheld = HELD;
	run_threads("held scopes");
	TG_CHECK_INT(tg_grant_scope_count(), base + VARIANTS,
	    "threads leave the held scopes");
	for (i = 0; i < VARIANTS; i++)
		tg_grant_free(shared[i]);
	TG_CHECK_INT(tg_grant_scope_count(), base, "all gone");

	/*
	 * The same from scratch: no scope exists when the threads start and
	 * scopes come and go, so several threads compile the same one at once
	 * and free the last grant of one while another looks it up.
	 */
	for (i = 0; i < VARIANTS; i++)
		shared[i] = NULL;
	nheld = 1;
	run_threads("from scratch");
	TG_CHECK_INT(tg_grant_scope_count(), base, "nothing left");
}

int
main(void)
{
	memset(H, 1, sizeof H);
	memset(OLD, 2, sizeof OLD);
	memset(WRONG, 3, sizeof WRONG);
	test_rows();
	test_token_state();
	test_effective_and_corrupt();
	test_reasons();
	test_scope_sharing();
	test_scope_parts();
	test_scope_threads();
	return tg_test_done("test_policy");
}
