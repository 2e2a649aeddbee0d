/* Unit tests for lib/record: a token row's state and effective grants. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "tg_test.h"

static void
test_state(void)
{
	static const struct {
		int64_t		 revoked, expires, now;
		const char	*state;
	} r[] = {
		{ 0, 2000, 1000, "active" },
		{ 0, 2000, 1999, "active" },
		{ 0, 2000, 2000, "expired" },	/* expiry is exclusive */
		{ 0, 2000, 3000, "expired" },
		{ 1500, 2000, 1000, "revoked" },
		{ 1500, 2000, 3000, "revoked" },	/* revoked wins */
	};
	struct tg_record rec;
	char ctx[64];
	size_t i;

	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		memset(&rec, 0, sizeof rec);
		rec.revoked_at = r[i].revoked;
		rec.expires_at = r[i].expires;
		snprintf(ctx, sizeof ctx, "state row %zu", i);
		TG_CHECK_STR(tg_record_state(&rec, r[i].now), r[i].state, ctx);
		TG_CHECK_INT(tg_record_active(&rec, r[i].now),
		    strcmp(r[i].state, "active") == 0, ctx);
	}
}

static void
test_effective(void)
{
	static const struct {
		const char	*grants, *roles, *want;	/* want NULL: fails */
	} r[] = {
		{ "token:read\ntoken:create", "token:*", "token:create\n"
		    "token:read" },
		{ "token:*", "token:read", "token:read" },
		{ "*", "a:b\nc:d", "a:b\nc:d" },
		{ "a:b", "c:d", "" },
		{ "", "*", "" },
		{ NULL, "*", "" },
		{ "a:b", NULL, "" },
		{ "not a permission", "*", NULL },
		{ "a:b", "bad bad", NULL },
	};
	struct tg_record rec;
	char ctx[64], *e;
	size_t i;

	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		memset(&rec, 0, sizeof rec);
		rec.permissions = (char *)(uintptr_t)r[i].grants;
		rec.role_permissions = (char *)(uintptr_t)r[i].roles;
		e = tg_record_effective(&rec);
		snprintf(ctx, sizeof ctx, "effective row %zu", i);
		if (r[i].want == NULL)
			TG_CHECK(e == NULL, "%s: got \"%s\"", ctx, e);
		else
			TG_CHECK_STR(e, r[i].want, ctx);
		free(e);
	}
}

static void
test_free(void)
{
	struct tg_record rec;

	memset(&rec, 0, sizeof rec);
	rec.name = strdup("n");
	rec.permissions = strdup("a:b");
	rec.cidrs = strdup("10.0.0.0/8");
	tg_record_free(&rec);
	TG_CHECK(rec.name == NULL && rec.permissions == NULL &&
	    rec.cidrs == NULL, "texts freed and cleared");
	tg_record_free(&rec);	/* twice is harmless */
	tg_record_free(NULL);
	TG_CHECK(1, "NULL is harmless");
}

int
main(void)
{
	test_state();
	test_effective();
	test_free();
	return tg_test_done("record");
}
