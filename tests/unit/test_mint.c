/* Unit tests for lib/mint: a token never mints a stronger token. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mint.h"
#include "perm.h"
#include "tg_test.h"

static void
test_shrink_mint(void)
{
	struct tg_perm_set caller = { NULL, 0 }, miss = { NULL, 0 };
	struct tg_mint_caller c;
	struct tg_mint_token m;
	struct tg_apireq_error e;
	struct tg_apireq_token t;
	char err[128];

	TG_CHECK(tg_mint_shrink("a:*\nb:c", "a:x\nb:c", NULL, &e) == 0,
	    "narrowing a wildcard");
	TG_CHECK(tg_mint_shrink("a:x", "a:*", NULL, &e) == 1 &&
	    e.status == 403 && strstr(e.message, "a:*") != NULL, "widening");
	TG_CHECK(tg_mint_shrink("a:x", "", NULL, &e) == 0, "to nothing");
	TG_CHECK(tg_mint_shrink("a:x", "a:x\nz:z", NULL, &e) == 1 &&
	    strcmp(e.field, "permissions") == 0, "adding one");
	TG_CHECK(tg_mint_shrink("a:x\nb:*", "a:x\nz:z\nb:c\ny:*", &miss,
	    &e) == 1 && miss.n == 2 && strcmp(miss.items[0], "y:*") == 0 &&
	    strcmp(miss.items[1], "z:z") == 0, "missing ones listed (%zu)",
	    miss.n);
	TG_CHECK(tg_mint_shrink("a:x", "a:x", &miss, &e) == 0 &&
	    miss.n == 0, "missing emptied when all are covered");
	TG_CHECK(tg_mint_shrink("a:x", "bad", &miss, &e) == -1,
	    "a list that does not parse");

	TG_CHECK(tg_perm_parse("token:* audit:read run:read", 27, &caller, err,
	    sizeof err) == 0, "caller set");
	memset(&c, 0, sizeof c);
	memset(&m, 0, sizeof m);
	c.perms = &caller;
	c.expires_at = 1000;
	m.expires_at = 2000;
	m.permissions = "token:read\naudit:read";
	TG_CHECK(tg_mint_check(&c, &m, &miss, &e) == 0 && miss.n == 0,
	    "a session may grant what it holds, expiry unlimited");
	m.permissions = "token:read\nadmin:x\n*";
	TG_CHECK(tg_mint_check(&c, &m, &miss, &e) == 1 &&
	    e.status == 403 && strcmp(e.code, "cannot_grant") == 0 &&
	    miss.n == 2, "escalation refused (%zu missing)", miss.n);
	TG_CHECK(strstr(e.message, "admin:x") != NULL && strstr(e.message,
	    "*") != NULL, "message lists them: %s", e.message);
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1, "missing NULL");

	/* A calling token's limits. */
	c.is_token = 1;
	m.permissions = "token:read";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1 &&
	    strcmp(e.field, "expiresInDays") == 0, "outliving the caller");
	m.expires_at = 1000;
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 0, "same expiry");
	c.cidrs = "10.0.0.0/8\n2001:db8::/32";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1 &&
	    strcmp(e.field, "allowedCidrs") == 0, "dropping CIDRs");
	m.cidrs = "10.1.0.0/16\n2001:db8:1::/48\n10.0.0.0/8";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 0, "narrower CIDRs: "
	    "%s", e.message);
	m.cidrs = "10.1.0.0/16\n11.0.0.0/8";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1 &&
	    strcmp(e.field, "allowedCidrs[1]") == 0, "outside CIDR");
	m.cidrs = "0.0.0.0/0";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1, "wider CIDR");
	m.cidrs = "::ffff:10.2.0.0/112";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 0, "mapped form: %s",
	    e.message);
	c.environments = "dev\nstaging";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1 &&
	    strcmp(e.field, "environments") == 0, "dropping environments");
	m.environments = "staging";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 0, "one of them");
	m.environments = "staging\nprod";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1 &&
	    strcmp(e.field, "environments[1]") == 0, "another environment");
	m.environments = "dev";
	c.api_rules = "POST /api/auth/tokens\nGET /x/**";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1 &&
	    strcmp(e.field, "apiRules") == 0, "dropping API rules");
	m.api_rules = "POST /api/auth/tokens\nGET /x/**";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 0, "same API rules");
	m.api_rules = "!GET /x/secret\n!POST /**\nPOST /api/auth/tokens\nGET /x/**";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 0,
	    "deny rules in front only narrow");
	m.api_rules = "GET /y\nPOST /api/auth/tokens\nGET /x/**";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1,
	    "an allow rule in front widens: refused");
	m.api_rules = "!GET /y\nGET /x/**";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1,
	    "not the caller's list as a suffix: refused");
	m.api_rules = "!GET /yPOST /api/auth/tokens\nGET /x/**";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1,
	    "suffix must start at a line");
	c.api_rules = "*";
	m.api_rules = "GET /anything/**";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 0,
	    "a caller allowing everything may mint any rules");
	c.api_rules = "POST /api/auth/tokens\nGET /x/**";
	m.api_rules = "POST /api/auth/tokens\nGET /x/**";
	c.resource_rules = "env:dev";
	m.resource_rules = "*";
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 1 &&
	    strcmp(e.field, "resourceRules") == 0, "other resource rules");
	c.is_token = 0;
	TG_CHECK(tg_mint_check(&c, &m, NULL, &e) == 0, "sessions have "
	    "no such limits");

	/* Inheritance fills what the request left out, only for tokens. */
	memset(&t, 0, sizeof t);
	t.environments = strdup("dev");
	TG_CHECK(tg_mint_inherit(&t, &c) == 0 && t.cidrs == NULL,
	    "session: nothing inherited");
	c.is_token = 1;
	TG_CHECK(tg_mint_inherit(&t, &c) == 0, "inherit");
	TG_CHECK_STR(t.cidrs, "10.0.0.0/8\n2001:db8::/32", "CIDRs inherited");
	TG_CHECK_STR(t.environments, "dev", "given list kept");
	TG_CHECK_STR(t.api_rules, c.api_rules, "API rules inherited");
	TG_CHECK_STR(t.resource_rules, "env:dev", "resource rules inherited");
	tg_apireq_token_free(&t);
	tg_perm_set_free(&caller);
	tg_perm_set_free(&miss);
}

/*
 * "Empty is not unrestricted": for every field of the minting rule, what
 * absent (NULL), empty ("") and "everything" mean on the caller's side,
 * and which children each may mint.  Permissions: empty = none.  CIDRs and
 * environments: empty = no limit (documented).  API and resource rules:
 * empty = that kind of access is off, so a child may hold none either.
 */
static void
test_mint_empty(void)
{
	static const struct {
		const char	*field;		/* which member differs */
		const char	*caller;	/* NULL: absent */
		const char	*child;
		int		 want;		/* 0 allowed, 1 refused */
	} rows[] = {
		{ "permissions", "", "", 0 },
		{ "permissions", "", "token:read", 1 },
		{ "permissions", "", "*", 1 },
		{ "permissions", "token:read", "token:*", 1 },
		{ "permissions", "*", "*", 0 },
		{ "permissions", "token:*", "token:read", 0 },
		{ "cidrs", NULL, "", 0 },
		{ "cidrs", NULL, "0.0.0.0/0\n::/0", 0 },
		{ "cidrs", "", "10.0.0.0/8", 0 },
		{ "cidrs", "10.0.0.0/8", "", 1 },
		{ "cidrs", "10.0.0.0/8", "0.0.0.0/0", 1 },
		{ "cidrs", "0.0.0.0/0", "", 1 },	/* "" also means IPv6 */
		{ "cidrs", "0.0.0.0/0\n::/0", "10.0.0.0/8", 0 },
		{ "environments", NULL, "", 0 },
		{ "environments", "", "prod", 0 },
		{ "environments", "dev", "", 1 },
		{ "environments", "dev", "dev\nprod", 1 },
		{ "api", NULL, NULL, 0 },
		{ "api", NULL, "", 0 },
		{ "api", NULL, "*", 1 },
		{ "api", "", "*", 1 },
		{ "api", "", "GET /x", 1 },
		{ "api", "", "!GET /x", 0 },
		{ "api", "", "!GET /x\n!*", 0 },
		{ "api", "", "!GET /x\nGET /y", 1 },
		{ "api", "*", "", 0 },
		{ "api", "*", "*", 0 },
		{ "api", "*", "GET /**", 0 },
		{ "api", "GET /x", "", 1 },
		{ "api", "GET /x", "*", 1 },
		{ "res", NULL, "*", 1 },
		{ "res", "", "category:math", 1 },
		{ "res", "", "!category:system", 0 },
		{ "res", "", "", 0 },
		{ "res", "*", "category:math", 0 },
		{ "res", "category:math", "*", 1 },
	};
	struct tg_perm_set caller = { NULL, 0 };
	struct tg_mint_caller c;
	struct tg_mint_token m;
	struct tg_apireq_error e;
	char err[128];
	size_t i;
	int r;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&c, 0, sizeof c);
		memset(&m, 0, sizeof m);
		memset(&e, 0, sizeof e);
		c.is_token = 1;
		c.expires_at = m.expires_at = 1000;
		tg_perm_set_free(&caller);
		if (strcmp(rows[i].field, "permissions") == 0) {
			TG_CHECK(tg_perm_parse(rows[i].caller,
			    strlen(rows[i].caller), &caller, err,
			    sizeof err) == 0, "row %zu: caller set", i);
			m.permissions = rows[i].child;
		} else {
			TG_CHECK(tg_perm_parse("*", 1, &caller, err,
			    sizeof err) == 0, "row %zu: caller set", i);
			m.permissions = "";
		}
		c.perms = &caller;
		if (strcmp(rows[i].field, "cidrs") == 0) {
			c.cidrs = rows[i].caller;
			m.cidrs = rows[i].child;
		} else if (strcmp(rows[i].field, "environments") == 0) {
			c.environments = rows[i].caller;
			m.environments = rows[i].child;
		} else if (strcmp(rows[i].field, "api") == 0) {
			c.api_rules = rows[i].caller;
			m.api_rules = rows[i].child;
		} else if (strcmp(rows[i].field, "res") == 0) {
			c.resource_rules = rows[i].caller;
			m.resource_rules = rows[i].child;
		}
		r = tg_mint_check(&c, &m, NULL, &e);
		TG_CHECK(r == rows[i].want, "row %zu: %s caller \"%s\" child "
		    "\"%s\": got %d, want %d (%s)", i, rows[i].field,
		    rows[i].caller ? rows[i].caller : "(absent)",
		    rows[i].child ? rows[i].child : "(absent)", r,
		    rows[i].want, e.message);
	}
	tg_perm_set_free(&caller);
}

/*
 * The route-level checks: what each route hands lib/mint, and the error
 * each failure gives (the responder answers e as it is).
 */
static void
test_wrappers(void)
{
	struct tg_perm_set perms = { NULL, 0 }, miss = { NULL, 0 };
	struct tg_mint_caller c;
	struct tg_apireq_token t;
	struct tg_apireq_error e;
	struct tg_new_token nt;
	struct tg_record crec, rec;
	char err[128];

	TG_CHECK(tg_perm_parse("token:*", 7, &perms, err, sizeof err) == 0,
	    "caller set");
	memset(&crec, 0, sizeof crec);
	crec.expires_at = 5000;
	crec.cidrs = "10.0.0.0/8";
	crec.environments = "";
	crec.api_rules = "*";
	crec.resource_rules = "";

	/* A session: permissions only. */
	tg_mint_caller_init(&c, &perms, NULL);
	TG_CHECK(c.perms == &perms && !c.is_token && c.cidrs == NULL,
	    "session caller");
	memset(&t, 0, sizeof t);
	t.name = strdup("n");
	t.permissions = strdup("token:read");
	t.expires_in_days = 2;
	TG_CHECK(tg_mint_create(&c, &t, "alice", 1000, &nt, &miss, &e) == 0,
	    "session creates within its permissions: %s", e.message);
	TG_CHECK_STR(nt.user, "alice", "owner");
	TG_CHECK_STR(nt.name, "n", "name");
	TG_CHECK_STR(nt.permissions, "token:read", "permissions");
	TG_CHECK_STR(nt.cidrs, "", "absent list stored empty");
	TG_CHECK(nt.id == NULL && nt.hash == NULL, "id and hash left to "
	    "tokenop");
	TG_CHECK(nt.created_at == 1000 && nt.expires_at == 1000 + 2 * 86400,
	    "times");
	tg_apireq_token_free(&t);

	/* A token: its limits are inherited, its expiry bounds the child. */
	tg_mint_caller_init(&c, &perms, &crec);
	TG_CHECK(c.is_token && c.expires_at == 5000 &&
	    strcmp(c.cidrs, "10.0.0.0/8") == 0 && strcmp(c.api_rules,
	    "*") == 0, "token caller");
	memset(&t, 0, sizeof t);
	t.name = strdup("n");
	t.permissions = strdup("token:read");
	t.expires_in_days = 1;
	memset(&e, 0, sizeof e);
	TG_CHECK(tg_mint_create(&c, &t, "alice", 1000, &nt, &miss, &e) == 1 &&
	    e.status == 403 && strcmp(e.field, "expiresInDays") == 0,
	    "outlives the calling token: %d %s", e.status, e.field);
	TG_CHECK_STR(t.cidrs, "10.0.0.0/8", "CIDRs inherited into t");
	TG_CHECK_STR(nt.cidrs, "10.0.0.0/8", "and stored");
	tg_apireq_token_free(&t);
	memset(&t, 0, sizeof t);
	t.name = strdup("n");
	t.permissions = strdup("audit:read");
	t.expires_in_days = 1;
	crec.expires_at = 1000 + 86400;
	tg_mint_caller_init(&c, &perms, &crec);
	TG_CHECK(tg_mint_create(&c, &t, "alice", 1000, &nt, &miss, &e) == 1 &&
	    strcmp(e.code, "cannot_grant") == 0 && miss.n == 1 &&
	    strcmp(miss.items[0], "audit:read") == 0, "escalation, missing "
	    "listed");
	tg_apireq_token_free(&t);
	memset(&t, 0, sizeof t);
	t.name = strdup("n");
	t.permissions = strdup("token:read");
	t.expires_in_days = 1;
	crec.cidrs = "not a cidr";
	tg_mint_caller_init(&c, &perms, &crec);
	memset(&e, 0, sizeof e);
	TG_CHECK(tg_mint_create(&c, &t, "alice", 1000, &nt, &miss, &e) == -1 &&
	    e.status == 500 && strcmp(e.code, "internal_error") == 0 &&
	    strcmp(e.message, "stored permissions do not parse") == 0,
	    "a stored list that does not parse: %d %s", e.status, e.message);
	crec.cidrs = "10.0.0.0/8";
	tg_mint_caller_init(&c, &perms, &crec);
	tg_apireq_token_free(&t);

	/* PATCH: only limits are compared, each given one or the stored. */
	memset(&t, 0, sizeof t);
	TG_CHECK(!tg_mint_update_limits(&t), "nothing given");
	t.name = strdup("x");
	t.permissions = strdup("token:read");
	TG_CHECK(!tg_mint_update_limits(&t), "name and permissions are no "
	    "limits");
	memset(&rec, 0, sizeof rec);
	rec.cidrs = "10.1.0.0/16";
	rec.environments = "";
	rec.api_rules = "GET /x";
	rec.resource_rules = "";
	tg_mint_caller_init(&c, &perms, &crec);
	TG_CHECK(tg_mint_update(&c, &rec, &t, &e) == 0, "stored limits "
	    "within the caller's: %s", e.message);
	t.cidrs = strdup("0.0.0.0/0");
	TG_CHECK(tg_mint_update_limits(&t), "CIDRs given");
	TG_CHECK(tg_mint_update(&c, &rec, &t, &e) == 1 &&
	    strcmp(e.field, "allowedCidrs[0]") == 0, "lifting the CIDR limit");
	free(t.cidrs);
	t.cidrs = strdup("bad");
	TG_CHECK(tg_mint_update(&c, &rec, &t, &e) == -1 && e.status == 500 &&
	    strcmp(e.message, "stored limits do not parse") == 0,
	    "a list that does not parse: %s", e.message);
	tg_apireq_token_free(&t);

	/* Rotation: the target's effective permissions and limits. */
	rec.permissions = "token:read\naudit:read";
	rec.role_permissions = "token:read";
	rec.expires_at = 1000;
	TG_CHECK(tg_mint_rotate(&c, &rec, &miss, &e) == 0, "effective "
	    "permissions only (audit:read is not the owner's): %s", e.message);
	rec.role_permissions = "token:read\naudit:read";
	TG_CHECK(tg_mint_rotate(&c, &rec, &miss, &e) == 1 && miss.n == 1 &&
	    strcmp(miss.items[0], "audit:read") == 0, "a stronger target");
	rec.role_permissions = "bad bad";
	TG_CHECK(tg_mint_rotate(&c, &rec, &miss, &e) == -1 && e.status == 500 &&
	    strcmp(e.message, "stored permissions do not parse") == 0,
	    "stored permissions that do not parse");
	rec.role_permissions = "token:read";
	rec.expires_at = crec.expires_at + 1;
	TG_CHECK(tg_mint_rotate(&c, &rec, &miss, &e) == 1 &&
	    strcmp(e.field, "expiresInDays") == 0, "a target that outlives "
	    "the caller");
	tg_perm_set_free(&perms);
	tg_perm_set_free(&miss);
}

int
main(void)
{
	test_shrink_mint();
	test_mint_empty();
	test_wrappers();
	return tg_test_done("mint");
}
