/*
 * test_perm.c: permission parsing, coverage, intersection (seed 002) and
 * the subset check used to refuse minting stronger tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perm.h"
#include "tg_test.h"

struct parse_row {
	const char	*text;
	const char	*want;		/* joined with ' ', or NULL: error */
	const char	*err;
};

static const struct parse_row parse_rows[] = {
	{ "", "", NULL },
	{ " \n\t\r\n", "", NULL },
	{ "*", "*", NULL },
	{ "b:x a:y", "a:y b:x", NULL },
	{ "a:b a:b\na:b", "a:b", NULL },
	{ "a:* a:b", "a:* a:b", NULL },
	{ "a:b\nc:d\r\n", "a:b c:d", NULL },
	{ "workflow:read * run:*", "* run:* workflow:read", NULL },
	{ "A-b_c.d:X.y-z_1", "A-b_c.d:X.y-z_1", NULL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:b",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:b",
	    NULL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:b",
	    NULL, "permission 1 \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaa...\": must be resource:action, resource:* or *" },
	{ "a:b,c:d", NULL, "permission 1 \"a:b,c:d\": must be "
	    "resource:action, resource:* or *" },
	{ "a:b x", NULL, "permission 2 \"x\": must be resource:action, "
	    "resource:* or *" },
	{ "a:", NULL, "permission 1 \"a:\": must be resource:action, "
	    "resource:* or *" },
	{ ":b", NULL, "permission 1 \":b\": must be resource:action, "
	    "resource:* or *" },
	{ "a:b:c", NULL, "permission 1 \"a:b:c\": must be resource:action, "
	    "resource:* or *" },
	{ "*:read", NULL, "permission 1 \"*:read\": must be resource:action, "
	    "resource:* or *" },
	{ "a:**", NULL, "permission 1 \"a:**\": must be resource:action, "
	    "resource:* or *" },
	{ "**", NULL, "permission 1 \"**\": must be resource:action, "
	    "resource:* or *" },
	{ "a:b*", NULL, "permission 1 \"a:b*\": must be resource:action, "
	    "resource:* or *" },
	{ "caf\xc3\xa9:read", NULL, "permission 1 \"caf\\xc3\\xa9:read\": "
	    "must be resource:action, resource:* or *" },
	{ "a:\"b\"", NULL, "permission 1 \"a:\\\"b\\\"\": must be "
	    "resource:action, resource:* or *" },
};

struct meet_row {
	const char	*a, *b;
	const char	*want;		/* a intersected with b, joined */
};

static const struct meet_row meet_rows[] = {
	/* Seed 002: token [A,B,C], user now [B,C,D]: effective [B,C]. */
	{ "a:x b:x c:x", "b:x c:x d:x", "b:x c:x" },
	{ "workflow:*", "workflow:read run:read", "workflow:read" },
	{ "*", "x:y z:*", "x:y z:*" },
	{ "*", "*", "*" },
	{ "a:*", "a:*", "a:*" },
	{ "a:* a:b", "a:*", "a:*" },
	{ "a:* a:b", "a:b", "a:b" },
	{ "a:b", "a:c", "" },
	{ "a:*", "b:*", "" },
	{ "", "*", "" },
	{ "", "", "" },
	{ "a:* b:c", "a:x a:y b:*", "a:x a:y b:c" },
	{ "* a:b", "a:c", "a:c" },
	{ "* a:b", "a:*", "a:*" },
	{ "workflow:read workflow:create run:read", "workflow:* run:*",
	    "run:read workflow:create workflow:read" },
	{ "A:b", "a:b", "" },
	{ "work:*", "workflow:read", "" },
	{ "workflow:read", "workflow:read", "workflow:read" },
	{ "workflow:read run:read task:read approval:read project:read "
	    "connector:read audit:read report:read", "workflow:* run:read",
	    "run:read workflow:read" },
};

struct covers_row {
	const char	*set, *perm;
	int		 want;
};

static const struct covers_row covers_rows[] = {
	{ "workflow:read", "workflow:read", 1 },
	{ "workflow:*", "workflow:read", 1 },
	{ "*", "workflow:read", 1 },
	{ "run:read", "workflow:read", 0 },
	{ "workflow:read", "workflow:*", 0 },
	{ "workflow:*", "workflow:*", 1 },
	{ "*", "workflow:*", 1 },
	{ "workflow:*", "*", 0 },
	{ "a:* b:* c:*", "*", 0 },
	{ "*", "*", 1 },
	{ "", "a:b", 0 },
	{ "*", "bad", 0 },
	{ "*", "", 0 },
	{ "*", "a:b ", 0 },
	{ "workflow:read", "Workflow:read", 0 },
	{ "work:*", "workflow:read", 0 },
	{ "workflow:*", "workflowx:read", 0 },
	{ "workflow:re", "workflow:read", 0 },
};

struct subset_row {
	const char	*a, *b;
	int		 want;
	const char	*missing;
};

static const struct subset_row subset_rows[] = {
	{ "workflow:read run:read", "workflow:*", 0, "run:read" },
	{ "workflow:*", "workflow:read workflow:create", 0, "workflow:*" },
	{ "a:b", "*", 1, "" },
	{ "*", "a:*", 0, "*" },
	{ "", "", 1, "" },
	{ "a:b", "", 0, "a:b" },
	{ "a:b a:c b:*", "a:* b:*", 1, "" },
	{ "a:b a:c b:*", "a:b b:x", 0, "a:c b:*" },
};

/* Parses text into s, failing the test (and leaving s empty) if it does
 * not parse. */
static void
must_parse(const char *text, struct tg_perm_set *s, const char *ctx)
{
	char err[256];

	TG_CHECK(tg_perm_parse(text, strlen(text), s, err, sizeof err) == 0,
	    "%s: %s", ctx, err);
}

static void
check_joined(const struct tg_perm_set *s, const char *want, const char *ctx)
{
	char buf[4096];

	TG_CHECK(tg_perm_join(s, ' ', buf, sizeof buf) == 0, "%s: join",
	    ctx);
	TG_CHECK_STR(buf, want, ctx);
}

static void
run_parse_rows(void)
{
	struct tg_perm_set s = { NULL, 0 };
	char err[512], ctx[64];
	size_t i;

	for (i = 0; i < sizeof parse_rows / sizeof parse_rows[0]; i++) {
		const struct parse_row *p = &parse_rows[i];
		int rc;

		snprintf(ctx, sizeof ctx, "parse row %zu", i);
		rc = tg_perm_parse(p->text, strlen(p->text), &s, err,
		    sizeof err);
		if (p->want != NULL) {
			TG_CHECK(rc == 0, "%s: %s", ctx, err);
			check_joined(&s, p->want, ctx);
		} else {
			TG_CHECK_INT(rc, -1, ctx);
			TG_CHECK(s.n == 0 && s.items == NULL, "%s: not empty",
			    ctx);
			TG_CHECK_STR(err, p->err, ctx);
		}
		tg_perm_set_free(&s);
	}
}

static void
run_meet_rows(void)
{
	struct tg_perm_set a, b, ab, ba;
	char ctx[64];
	size_t i;

	for (i = 0; i < sizeof meet_rows / sizeof meet_rows[0]; i++) {
		const struct meet_row *m = &meet_rows[i];

		snprintf(ctx, sizeof ctx, "meet row %zu", i);
		must_parse(m->a, &a, ctx);
		must_parse(m->b, &b, ctx);
		TG_CHECK_INT(tg_perm_intersect(&a, &b, &ab), 0, ctx);
		TG_CHECK_INT(tg_perm_intersect(&b, &a, &ba), 0, ctx);
		check_joined(&ab, m->want, ctx);
		check_joined(&ba, m->want, ctx);
		/* The result never grants more than either side. */
		TG_CHECK_INT(tg_perm_subset(&ab, &a, NULL), 1, ctx);
		TG_CHECK_INT(tg_perm_subset(&ab, &b, NULL), 1, ctx);
		tg_perm_set_free(&a);
		tg_perm_set_free(&b);
		tg_perm_set_free(&ab);
		tg_perm_set_free(&ba);
	}
	TG_CHECK_INT(tg_perm_intersect(NULL, NULL, &ab), 0, "NULL sets");
	TG_CHECK_INT(ab.n, 0, "NULL sets");
}

static void
run_covers_rows(void)
{
	struct tg_perm_set s;
	char ctx[64];
	size_t i;

	for (i = 0; i < sizeof covers_rows / sizeof covers_rows[0]; i++) {
		snprintf(ctx, sizeof ctx, "covers row %zu", i);
		must_parse(covers_rows[i].set, &s, ctx);
		TG_CHECK_INT(tg_perm_covers(&s, covers_rows[i].perm),
		    covers_rows[i].want, ctx);
		tg_perm_set_free(&s);
	}
	TG_CHECK_INT(tg_perm_covers(NULL, "a:b"), 0, "covers NULL set");
	TG_CHECK_INT(tg_perm_covers(&s, NULL), 0, "covers NULL perm");
}

static void
run_subset_rows(void)
{
	struct tg_perm_set a, b, missing;
	char ctx[64];
	size_t i;

	for (i = 0; i < sizeof subset_rows / sizeof subset_rows[0]; i++) {
		const struct subset_row *r = &subset_rows[i];

		snprintf(ctx, sizeof ctx, "subset row %zu", i);
		must_parse(r->a, &a, ctx);
		must_parse(r->b, &b, ctx);
		TG_CHECK_INT(tg_perm_subset(&a, &b, &missing), r->want, ctx);
		check_joined(&missing, r->missing, ctx);
		TG_CHECK_INT(tg_perm_subset(&a, &b, NULL), r->want, ctx);
		tg_perm_set_free(&a);
		tg_perm_set_free(&b);
		tg_perm_set_free(&missing);
	}
}

static void
run_valid_and_join(void)
{
	static const struct {
		const char	*p;
		size_t		 len;
		int		 want;
	} v[] = {
		{ "a:b", 3, 1 }, { "a:*", 3, 1 }, { "*", 1, 1 },
		{ "a:b", 2, 0 }, { "a:bX", 3, 1 }, { "", 0, 0 },
		{ "a\0:b", 4, 0 }, { "a:b\0", 4, 0 }, { "*\0", 2, 0 },
	};
	struct tg_perm_set s;
	char buf[16], ctx[64];
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		snprintf(ctx, sizeof ctx, "valid row %zu", i);
		TG_CHECK_INT(tg_perm_valid(v[i].p, v[i].len), v[i].want, ctx);
	}
	TG_CHECK_INT(tg_perm_valid(NULL, 0), 0, "valid NULL");

	must_parse("c:d a:b", &s, "join");
	TG_CHECK_INT(tg_perm_join(&s, ' ', buf, 8), 0, "join fits");
	TG_CHECK_STR(buf, "a:b c:d", "join fits");
	TG_CHECK_INT(tg_perm_join(&s, '\n', buf, 8), 0, "join newline");
	TG_CHECK_STR(buf, "a:b\nc:d", "join newline");
	TG_CHECK_INT(tg_perm_join(&s, ' ', buf, 7), -1, "join short");
	TG_CHECK_STR(buf, "", "join short");
	TG_CHECK_INT(tg_perm_join(&s, ' ', buf, 0), -1, "join zero");
	TG_CHECK_INT(tg_perm_join(NULL, ' ', buf, 1), 0, "join NULL set");
	TG_CHECK_STR(buf, "", "join NULL set");
	tg_perm_set_free(&s);
	tg_perm_set_free(&s);
	tg_perm_set_free(NULL);
}

static void
run_limits(void)
{
	static char text[TG_PERM_MAX * 12 + 16];
	struct tg_perm_set s;
	char err[256];
	size_t i, n = 0;

	for (i = 0; i < TG_PERM_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "r:a%zu\n", i);
	TG_CHECK_INT(tg_perm_parse(text, n, &s, err, sizeof err), 0,
	    "max permissions");
	TG_CHECK_INT(s.n, TG_PERM_MAX, "max permissions");
	tg_perm_set_free(&s);
	n += (size_t)snprintf(text + n, sizeof text - n, "r:b");
	TG_CHECK_INT(tg_perm_parse(text, n, &s, err, sizeof err), -1,
	    "too many permissions");
	TG_CHECK_STR(err, "too many permissions: 1025 (at most 1024)",
	    "too many permissions");
}

/*
 * A packed copy is the same set in one caller-owned block: same items in
 * the same order, same answers, nothing pointing back into the original.
 */
static void
run_pack(void)
{
	static const char *const texts[] = {
		"", "*", "a:b", "z:* a:b a:* c:d\nb:x", "r:a r:b r:c r:d r:e",
	};
	static const char *const probes[] = {
		"*", "a:b", "a:c", "a:*", "z:q", "b:x", "r:c", "q:q",
	};
	struct tg_perm_set s, copy, miss;
	union {
		char	*align;
		char	 bytes[512];
	} buf;
	char ctx[96], want[256], got[256];
	size_t i, j, size;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		snprintf(ctx, sizeof ctx, "pack \"%s\"", texts[i]);
		must_parse(texts[i], &s, ctx);
		size = tg_perm_pack_size(&s);
		TG_CHECK(size <= sizeof buf.bytes, "%s: size %zu", ctx, size);
		if (size > sizeof buf.bytes)
			continue;
		memset(buf.bytes, 0x55, sizeof buf.bytes);
		tg_perm_pack(&s, buf.bytes, &copy);
		TG_CHECK_INT(copy.n, s.n, ctx);
		for (j = 0; j < s.n && j < copy.n; j++) {
			TG_CHECK_STR(copy.items[j], s.items[j], ctx);
			TG_CHECK(copy.items[j] >= buf.bytes &&
			    copy.items[j] < buf.bytes + size, "%s: item %zu "
			    "outside the block", ctx, j);
		}
		for (j = 0; j < sizeof probes / sizeof probes[0]; j++)
			TG_CHECK_INT(tg_perm_covers(&copy, probes[j]),
			    tg_perm_covers(&s, probes[j]), ctx);
		TG_CHECK_INT(tg_perm_join(&s, ' ', want, sizeof want), 0, ctx);
		TG_CHECK_INT(tg_perm_join(&copy, ' ', got, sizeof got), 0,
		    ctx);
		TG_CHECK_STR(got, want, ctx);
		/* The copy outlives the original. */
		tg_perm_set_free(&s);
		must_parse("a:b r:*", &s, ctx);
		TG_CHECK_INT(tg_perm_subset(&copy, &copy, &miss), 1, ctx);
		tg_perm_set_free(&miss);
		TG_CHECK_INT(tg_perm_subset(&s, &copy, &miss) == 1,
		    tg_perm_covers(&copy, "a:b") &&
		    tg_perm_covers(&copy, "r:*"), ctx);
		tg_perm_set_free(&miss);
		tg_perm_set_free(&s);
	}
	TG_CHECK_INT(tg_perm_pack_size(NULL), 0, "pack size NULL");
	tg_perm_pack(NULL, buf.bytes, &copy);
	TG_CHECK(copy.items == NULL && copy.n == 0, "pack NULL");
	must_parse("a:b c:d", &s, "pack size");
	TG_CHECK_INT(tg_perm_pack_size(&s), 2 * sizeof(char *) + 8,
	    "pack size: two pointers, two strings");
	tg_perm_set_free(&s);
}

int
main(void)
{
	run_parse_rows();
	run_meet_rows();
	run_covers_rows();
	run_subset_rows();
	run_valid_and_join();
	run_limits();
	run_pack();
	return tg_test_done("perm");
}
