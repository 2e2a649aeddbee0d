/*
 * Unit tests for lib/grant: compiling records, and the sharing of
 * compiled scopes between grants (deciding with them is test_policy.c's).
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grant.h"
#include "policy.h"
#include "tg_test.h"
#include "tg_record_fixture.h"

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

/* What tg_policy_decide reads from a grant, one accessor at a time. */
static void
test_accessors(void)
{
	struct tg_record r;
	struct tg_grant *g;
	char err[256];

	rec_init(&r);
	r.has_prev = 1;
	memcpy(r.prev_hash, OLD, sizeof OLD);
	r.prev_until = NOW + 10;
	r.revoked_at = NOW - 1;
	r.user_enabled = 0;
	set(&r.cidrs, "10.0.0.0/8\n::ffff:192.168.0.0/112");
	set(&r.environments, "prod\nstage");
	set(&r.api_rules, "");
	set(&r.resource_rules, "env:prod");
	g = tg_grant_build(&r, err, sizeof err);
	tg_record_free(&r);
	TG_CHECK(g != NULL, "build: %s", err);
	if (g == NULL)
		return;
	TG_CHECK_INT(tg_grant_secret(g, H, NOW), TG_GRANT_CURRENT, "current");
	TG_CHECK_INT(tg_grant_secret(g, OLD, NOW + 9), TG_GRANT_PREVIOUS,
	    "previous, in its grace");
	TG_CHECK_INT(tg_grant_secret(g, OLD, NOW + 10), TG_GRANT_NO_SECRET,
	    "previous, grace over");
	TG_CHECK_INT(tg_grant_secret(g, WRONG, NOW), TG_GRANT_NO_SECRET,
	    "neither");
	TG_CHECK_INT(tg_grant_secret(g, H, NOW + 1000), TG_GRANT_CURRENT,
	    "the current secret has no grace");
	TG_CHECK_INT(tg_grant_in_grace(g), 1, "in grace");
	TG_CHECK_INT(tg_grant_revoked(g), 1, "revoked");
	TG_CHECK_INT(tg_grant_expires_at(g), NOW + 100, "expiry");
	TG_CHECK_INT(tg_grant_user_enabled(g), 0, "owner disabled");
	TG_CHECK_INT(tg_grant_ip_allowed(g, "10.9.8.7"), 1, "inside");
	TG_CHECK_INT(tg_grant_ip_allowed(g, "::ffff:10.9.8.7"), 1,
	    "inside, mapped");
	TG_CHECK_INT(tg_grant_ip_allowed(g, "192.168.3.4"), 1,
	    "inside the mapped network");
	TG_CHECK_INT(tg_grant_ip_allowed(g, "11.0.0.1"), 0, "outside");
	TG_CHECK_INT(tg_grant_ip_allowed(g, NULL), 0, "no address");
	TG_CHECK_STR(tg_grant_environments(g), "prod\nstage", "environments");
	TG_CHECK(tg_grant_api_rules(g) == NULL, "no API rules");
	TG_CHECK(tg_grant_resource_rules(g) != NULL &&
	    tg_rules_count(tg_grant_resource_rules(g)) == 1,
	    "resource rules");
	tg_grant_free(g);

	rec_init(&r);
	g = tg_grant_build(&r, err, sizeof err);
	tg_record_free(&r);
	TG_CHECK(g != NULL, "build: %s", err);
	if (g == NULL)
		return;
	TG_CHECK_INT(tg_grant_in_grace(g), 0, "no grace");
	TG_CHECK_INT(tg_grant_secret(g, OLD, NOW), TG_GRANT_NO_SECRET,
	    "no old secret");
	TG_CHECK_INT(tg_grant_revoked(g), 0, "not revoked");
	TG_CHECK_INT(tg_grant_user_enabled(g), 1, "owner enabled");
	TG_CHECK_INT(tg_grant_ip_allowed(g, NULL), 1, "no CIDRs: any");
	TG_CHECK_STR(tg_grant_environments(g), "", "no environments");
	TG_CHECK(tg_grant_api_rules(g) != NULL, "API rules");
	TG_CHECK(tg_grant_resource_rules(g) == NULL, "no resource rules");
	tg_grant_free(g);
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
	fixture_keys();
	test_effective_and_corrupt();
	test_accessors();
	test_scope_sharing();
	test_scope_parts();
	test_scope_threads();
	return tg_test_done("grant");
}
