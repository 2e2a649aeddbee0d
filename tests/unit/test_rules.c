/*
 * test_rules.c: API and resource rules, from seed 000's examples to the
 * parser's error messages and the matcher's worst case.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "rules.h"
#include "tg_test.h"

#define HOSTILE_FILE	"tests/hostile-paths.txt"

#define API	TG_RULES_API
#define RES	TG_RULES_RESOURCE

/*
 * One request against one rule list.  For API rules, subject is the path
 * and method the method; for resource rules, subject is an attribute
 * string for tg_rules_parse_attrs() and method is unused.
 */
struct match_row {
	enum tg_rules_kind	 kind;
	const char		*rules;
	const char		*method;
	const char		*subject;
	long			 index;		/* -1: no rule matched */
	int			 allow;
};

static const struct match_row match_rows[] = {
	/* Seed 000: allow only one API. */
	{ API, "GET /api/v1/func/overview", "GET", "/api/v1/func/overview",
	    0, 1 },
	{ API, "GET /api/v1/func/overview", "HEAD", "/api/v1/func/overview",
	    0, 1 },
	{ API, "GET /api/v1/func/overview", "POST", "/api/v1/func/overview",
	    -1, 0 },
	/* An allow also matches its path with a trailing slash added. */
	{ API, "GET /api/v1/func/overview", "GET", "/api/v1/func/overview/",
	    0, 1 },
	{ API, "GET /api/v1/func/overview", "GET",
	    "/api/v1/func/overview/x", -1, 0 },
	{ API, "GET /api/v1/func/overview", "GET", "/api/v1/func/overviewx",
	    -1, 0 },
	{ API, "GET /api/v1/func/overview/", "GET", "/api/v1/func/overview",
	    -1, 0 },
	{ API, "GET /api/v1/func/overview", "GET", "/api/v1/func", -1, 0 },
	{ API, "GET /api/v1/func/overview", "GET", "/API/v1/func/overview",
	    -1, 0 },
	{ API, "GET /api/v1/func/overview", "get", "/api/v1/func/overview",
	    -1, 0 },
	/* Seed 000: deny one API, allow all others. */
	{ API, "!GET /api/v1/func/overview\n*", "GET",
	    "/api/v1/func/overview", 0, 0 },
	{ API, "!GET /api/v1/func/overview\n*", "HEAD",
	    "/api/v1/func/overview", 0, 0 },
	{ API, "!GET /api/v1/func/overview\n*", "POST",
	    "/api/v1/func/overview", 1, 1 },
	{ API, "!GET /api/v1/func/overview\n*\n", "GET", "/api/v1/other",
	    1, 1 },
	/*
	 * Finding 5 of issue 10: the deny covers its path with a trailing
	 * slash and every path below it (PATH_INFO, prefix routers), but no
	 * other path that merely starts with the same bytes.
	 */
	{ API, "!GET /api/v1/func/overview\n*", "GET",
	    "/api/v1/func/overview/", 0, 0 },
	{ API, "!GET /api/v1/func/overview\n*", "HEAD",
	    "/api/v1/func/overview/", 0, 0 },
	{ API, "!GET /api/v1/func/overview\n*", "GET",
	    "/api/v1/func/overview/x/y", 0, 0 },
	{ API, "!GET /api/v1/func/overview\n*", "GET",
	    "/api/v1/func/overviewX", 1, 1 },
	{ API, "!GET /api/v1/func/overview\n*", "GET",
	    "/api/v1/func/overview.json", 1, 1 },
	{ API, "!GET /api/v1/func/overview\n*", "GET", "/api/v1/func", 1, 1 },
	{ API, "!GET /api/v1/func/overview\n*", "GET", "/api/v1/func/", 1, 1 },
	{ API, "!GET /api/v1/func/overview\n*", "POST",
	    "/api/v1/func/overview/x", 1, 1 },
	{ API, "!GET /a/\n*", "GET", "/a", 0, 0 },
	{ API, "!GET /a/\n*", "GET", "/a/", 0, 0 },
	{ API, "!GET /a/\n*", "GET", "/a/b", 0, 0 },
	{ API, "!GET /a/\n*", "GET", "/ab", 1, 1 },
	{ API, "!GET /\n*", "GET", "/", 0, 0 },
	{ API, "!GET /\n*", "GET", "/x/y", 0, 0 },
	/* A deny glob covers what it matches, and below; "*" may be empty,
	 * so "/a/" + "*" names "/a/" and so "/a". */
	{ API, "!GET /a/*\n*", "GET", "/a/x", 0, 0 },
	{ API, "!GET /a/*\n*", "GET", "/a/x/", 0, 0 },
	{ API, "!GET /a/*\n*", "GET", "/a/x/y", 0, 0 },
	{ API, "!GET /a/*\n*", "GET", "/a/", 0, 0 },
	{ API, "!GET /a/*\n*", "GET", "/a", 0, 0 },
	{ API, "!GET /a/*\n*", "GET", "/ab", 1, 1 },
	{ API, "!GET /a/*x\n*", "GET", "/a/x/y", 0, 0 },
	{ API, "!GET /a/*x\n*", "GET", "/a/yx/", 0, 0 },
	{ API, "!GET /a/*x\n*", "GET", "/a/xy/x", 1, 1 },
	{ API, "!GET /a/*x\n*", "GET", "/a/", 1, 1 },
	{ API, "!GET /a/*x\n*", "GET", "/a", 1, 1 },
	{ API, "!GET /*.json\n*", "GET", "/a.json/x", 0, 0 },
	{ API, "!GET /*.json\n*", "GET", "/a.jsonx", 1, 1 },
	{ API, "!GET /*.json\n*", "GET", "/d/a.json", 1, 1 },
	{ API, "!GET /*.json\n*", "GET", "/a.json", 0, 0 },
	{ API, "!GET /report\n*", "GET", "/report.json", 1, 1 },
	{ API, "!GET /a/**\n*", "GET", "/a", 0, 0 },
	{ API, "!GET /a/**\n*", "GET", "/a/b/c/", 0, 0 },
	{ API, "!GET /a/**\n*", "GET", "/ab", 1, 1 },
	{ API, "!GET /**/x\n*", "GET", "/a/b/x/y", 0, 0 },
	{ API, "!GET /**/x\n*", "GET", "/a/b/xy", 1, 1 },
	{ API, "!* /a\n*", "DELETE", "/a/b", 0, 0 },
	{ API, "!HEAD /a\n*", "HEAD", "/a/b", 0, 0 },
	{ API, "!HEAD /a\n*", "GET", "/a/b", 1, 1 },
	{ API, "!GET /caf\xc3\xa9\n*", "GET", "/caf\xc3\xa9/x", 0, 0 },
	{ API, "!GET /caf\n*", "GET", "/caf\xc3\xa9", 1, 1 },
	/* "*" alone, "!*", and the empty list. */
	{ API, "*", "DELETE", "/anything/at/all", 0, 1 },
	{ API, "!*", "GET", "/", 0, 0 },
	{ API, "", "GET", "/", -1, 0 },
	{ API, "* /x", "PURGE", "/x", 0, 1 },
	/* A HEAD rule matches HEAD only. */
	{ API, "HEAD /x", "HEAD", "/x", 0, 1 },
	{ API, "HEAD /x", "GET", "/x", -1, 0 },
	{ API, "POST /x\nGET /x", "GET", "/x", 1, 1 },
	{ API, "POST /x\nGET /x", "HEAD", "/x", 1, 1 },
	/* "*" stays inside one segment and may be empty. */
	{ API, "GET /api/*", "GET", "/api/x", 0, 1 },
	{ API, "GET /api/*", "GET", "/api/", 0, 1 },
	{ API, "GET /api/*", "GET", "/api/x/y", -1, 0 },
	{ API, "GET /api/*", "GET", "/api", -1, 0 },
	{ API, "GET /api/*", "GET", "/api/x/", 0, 1 },
	{ API, "GET /api/*", "GET", "/api/x/y/", -1, 0 },
	{ API, "GET /a*b", "GET", "/ab", 0, 1 },
	{ API, "GET /a*b", "GET", "/axxb", 0, 1 },
	{ API, "GET /a*b", "GET", "/a/b", -1, 0 },
	{ API, "GET /a*b", "GET", "/abc", -1, 0 },
	{ API, "GET /*.json", "GET", "/a.json", 0, 1 },
	{ API, "GET /*.json", "GET", "/d/a.json", -1, 0 },
	{ API, "GET /api/*/items/*", "GET", "/api/7/items/9", 0, 1 },
	{ API, "GET /api/*/items/*", "GET", "/api/7/8/items/9", -1, 0 },
	{ API, "GET /*/*", "GET", "/a/b", 0, 1 },
	{ API, "GET /*/*", "GET", "/a", -1, 0 },
	/* "**" crosses segments. */
	{ API, "GET /api/**", "GET", "/api/x/y/z", 0, 1 },
	{ API, "GET /api/**", "GET", "/api/", 0, 1 },
	{ API, "GET /api/**", "GET", "/api", -1, 0 },
	{ API, "GET /*.json", "GET", "/a.json/", 0, 1 },
	{ API, "GET /*.json", "GET", "/a.json/x", -1, 0 },
	{ API, "GET /api/**", "GET", "/apix/y", -1, 0 },
	{ API, "GET /**/x", "GET", "/a/b/x", 0, 1 },
	{ API, "GET /**/x", "GET", "/x", -1, 0 },
	{ API, "GET /**.json", "GET", "/d/e/a.json", 0, 1 },
	{ API, "GET /**", "GET", "/", 0, 1 },
	{ API, "GET /a/**/b/*/c", "GET", "/a/1/2/b/3/c", 0, 1 },
	{ API, "GET /a/**/b/*/c", "GET", "/a/1/2/b/3/4/c", -1, 0 },
	{ API, "GET /a/**/b/*/c", "GET", "/a/b/b/3/c", 0, 1 },
	{ API, "GET /a/**b*", "GET", "/a/x/by", 0, 1 },
	{ API, "GET /a/**b*", "GET", "/a/x/b/y", -1, 0 },
	{ API, "GET /a/**b*", "GET", "/a/x/b/y/z", -1, 0 },
	{ API, "GET /a/**b*", "GET", "/a/x/b/y/bz", 0, 1 },
	{ API, "GET /*a*a*a*a*b", "GET", "/aaaaaaaaaaaaaaaaaaaa", -1, 0 },
	/* First match decides. */
	{ API, "!GET /admin/**\nGET /**", "GET", "/admin/x", 0, 0 },
	{ API, "!GET /admin/**\nGET /**", "GET", "/public", 1, 1 },
	{ API, "GET /**\n!GET /admin/**", "GET", "/admin/x", 0, 1 },
	/* Exact paths, UTF-8, and the root. */
	{ API, "GET /", "GET", "/", 0, 1 },
	{ API, "GET /", "GET", "/x", -1, 0 },
	{ API, "GET /caf\xc3\xa9", "GET", "/caf\xc3\xa9", 0, 1 },
	{ API, "GET /caf*", "GET", "/caf\xc3\xa9", 0, 1 },

	/* Seed 000: allow only functions with category=math. */
	{ RES, "category:math", NULL, "category:math", 0, 1 },
	{ RES, "category:math", NULL, "category:system", -1, 0 },
	{ RES, "category:math", NULL, "", -1, 0 },
	{ RES, "category:math", NULL, "Category:math", -1, 0 },
	{ RES, "category:math", NULL, "category:mathematics", -1, 0 },
	{ RES, "category:math", NULL, "category:Math", -1, 0 },
	/* Seed 000: either attribute allows. */
	{ RES, "category:math\nscriptSet:opencode", NULL, "category:math",
	    0, 1 },
	{ RES, "category:math\nscriptSet:opencode", NULL,
	    "scriptSet:opencode", 1, 1 },
	{ RES, "category:math\nscriptSet:opencode", NULL, "category:system",
	    -1, 0 },
	{ RES, "category:math\nscriptSet:opencode", NULL,
	    "category:system scriptSet:opencode", 1, 1 },
	/* Seed 000: deny category=system, allow all others. */
	{ RES, "!category:system\n*", NULL, "category:system", 0, 0 },
	{ RES, "!category:system\n*", NULL, "category:math", 1, 1 },
	{ RES, "!category:system\n*", NULL, "", 1, 1 },
	{ RES, "!category:system\n*", NULL,
	    "scriptSet:x category:system", 0, 0 },
	/* Values are whole: no path semantics for resource rules. */
	{ RES, "!category:system\n*", NULL, "category:system/x", 1, 1 },
	{ RES, "!category:system\n*", NULL, "category:system/", 1, 1 },
	{ RES, "category:math", NULL, "category:math/", -1, 0 },
	/* "*" in a value matches any run, '/' included. */
	{ RES, "name:get_*", NULL, "name:get_user", 0, 1 },
	{ RES, "name:get_*", NULL, "name:get_", 0, 1 },
	{ RES, "name:get_*", NULL, "name:set_user", -1, 0 },
	{ RES, "path:/a/*", NULL, "path:/a/b/c", 0, 1 },
	{ RES, "v:a**b", NULL, "v:ab", 0, 1 },
	{ RES, "v:*x*", NULL, "v:abxcd", 0, 1 },
	{ RES, "v:*x*", NULL, "v:abcd", -1, 0 },
	{ RES, "category:*", NULL, "category:anything", 0, 1 },
	{ RES, "category:*", NULL, "other:anything", -1, 0 },
	{ RES, "*", NULL, "", 0, 1 },
	{ RES, "!*", NULL, "a:b", 0, 0 },
	{ RES, "", NULL, "a:b", -1, 0 },
};

/* A rule list that must not compile, and the exact message. */
struct error_row {
	enum tg_rules_kind	 kind;
	const char		*rules;
	const char		*err;
};

static const struct error_row error_rows[] = {
	{ API, "GET api", "rule 1 \"GET api\": path must start with '/'" },
	{ API, "*\nGET api", "rule 2 \"GET api\": path must start with '/'" },
	{ API, "get /x", "rule 1 \"get /x\": method must be * or 1 to 32 "
	    "letters A-Z" },
	{ API, "GET", "rule 1 \"GET\": expected METHOD PATH, or * alone" },
	{ API, "**", "rule 1 \"**\": expected METHOD PATH, or * alone" },
	{ API, "GET ", "rule 1 \"GET \": path is missing" },
	{ API, "* ", "rule 1 \"* \": path is missing" },
	{ API, "GET  /x", "rule 1 \"GET  /x\": exactly one space must "
	    "separate method and path" },
	{ API, " GET /x", "rule 1 \" GET /x\": method must be * or 1 to 32 "
	    "letters A-Z" },
	{ API, "!", "rule 1 \"!\": '!' must be followed by a rule" },
	{ API, "!!GET /x", "rule 1 \"!!GET /x\": method must be * or 1 to 32 "
	    "letters A-Z" },
	{ API, "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG /x", "rule 1 "
	    "\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG /x\": method must be * or 1 "
	    "to 32 letters A-Z" },
	{ API, "GET /a//b", "rule 1 \"GET /a//b\": path contains '//'" },
	{ API, "GET //", "rule 1 \"GET //\": path contains '//'" },
	{ API, "GET /a/./b", "rule 1 \"GET /a/./b\": path contains a '.' or "
	    "'..' segment" },
	{ API, "GET /a/../b", "rule 1 \"GET /a/../b\": path contains a '.' "
	    "or '..' segment" },
	{ API, "GET /a/..", "rule 1 \"GET /a/..\": path contains a '.' or "
	    "'..' segment" },
	{ API, "GET /.", "rule 1 \"GET /.\": path contains a '.' or '..' "
	    "segment" },
	{ API, "GET /a/***", "rule 1 \"GET /a/***\": '***' is not allowed: "
	    "use '*' or '**'" },
	{ API, "GET /a%2e", "rule 1 \"GET /a%2e\": path contains '%': write "
	    "the decoded path" },
	{ API, "GET /a?x", "rule 1 \"GET /a?x\": path contains '?': rules "
	    "match the path without the query" },
	{ API, "GET /a#x", "rule 1 \"GET /a#x\": path contains '#'" },
	{ API, "GET /a\\b", "rule 1 \"GET /a\\\\b\": path contains a "
	    "backslash" },
	{ API, "GET /a;b", "rule 1 \"GET /a;b\": path contains ';'" },
	{ API, "GET /a b", "rule 1 \"GET /a b\": path contains a space or "
	    "control character" },
	{ API, "GET /a\tb", "rule 1 \"GET /a\\x09b\": path contains a space "
	    "or control character" },
	{ API, "GET /a\r\n", "rule 1 \"GET /a\\x0d\": path contains a space "
	    "or control character" },
	{ API, "GET /\xc0\xaf", "rule 1 \"GET /\\xc0\\xaf\": path is not "
	    "valid UTF-8" },
	{ API, "GET \"x", "rule 1 \"GET \\\"x\": path must start with '/'" },
	{ API, "a\n\nb", "rule 1 \"a\": expected METHOD PATH, or * alone" },
	{ API, "*\n\n*", "rule 2 \"\": rule is empty" },
	{ API, "\n", "rule 1 \"\": rule is empty" },
	{ API, "*\n*\n\n", "rule 3 \"\": rule is empty" },
	{ RES, "category", "rule 1 \"category\": expected key:value, or * "
	    "alone" },
	{ RES, ":math", "rule 1 \":math\": key must be 1 to 64 of A-Z a-z 0-9 "
	    "_ . -" },
	{ RES, "cat egory:math", "rule 1 \"cat egory:math\": key must be 1 to "
	    "64 of A-Z a-z 0-9 _ . -" },
	{ RES, "*:math", "rule 1 \"*:math\": key must be 1 to 64 of A-Z a-z "
	    "0-9 _ . -" },
	{ RES, "category:", "rule 1 \"category:\": value must be 1 to 256 "
	    "printable ASCII characters without spaces" },
	{ RES, "category:ma th", "rule 1 \"category:ma th\": value must be 1 "
	    "to 256 printable ASCII characters without spaces" },
	{ RES, "category:math\x7f", "rule 1 \"category:math\\x7f\": value "
	    "must be 1 to 256 printable ASCII characters without spaces" },
	{ RES, "*\ncategory:caf\xc3\xa9", "rule 2 \"category:caf\\xc3\\xa9\": "
	    "value must be 1 to 256 printable ASCII characters without "
	    "spaces" },
	{ RES, "GET /x", "rule 1 \"GET /x\": expected key:value, or * "
	    "alone" },
};

struct attrs_row {
	const char	*s;
	size_t		 max;
	int		 want;
};

static const struct attrs_row attrs_rows[] = {
	{ NULL, 4, 0 },
	{ "", 4, 0 },
	{ "   ", 4, 0 },
	{ "category:math", 4, 1 },
	{ "category:math scriptSet:opencode", 4, 2 },
	{ "  a:b   c:d  ", 4, 2 },
	{ "a:b:c", 4, 1 },
	{ "a:*", 4, 1 },
	{ "a:b c:d", 1, -1 },
	{ "a:b", 0, -1 },
	{ "a", 4, -1 },
	{ "a:", 4, -1 },
	{ ":b", 4, -1 },
	{ "a:b\tc:d", 4, -1 },
	{ "a:b\nc:d", 4, -1 },
	{ "a b:c", 4, -1 },
	{ "k%:v", 4, -1 },
};

static void
run_match_rows(void)
{
	struct tg_attr attrs[8];
	char err[512], ctx[256];
	size_t i;

	for (i = 0; i < sizeof match_rows / sizeof match_rows[0]; i++) {
		const struct match_row *m = &match_rows[i];
		struct tg_rules *r;
		long got;
		int allow = -1, n;

		snprintf(ctx, sizeof ctx, "match row %zu (%s | %s)", i,
		    m->rules, m->subject);
		r = tg_rules_compile(m->kind, m->rules, strlen(m->rules), err,
		    sizeof err);
		TG_CHECK(r != NULL, "%s: %s", ctx, err);
		if (r == NULL)
			continue;
		if (m->kind == API) {
			got = tg_rules_match_api(r, m->method, m->subject,
			    &allow);
			/* The same list never matches resources. */
			TG_CHECK_INT(tg_rules_match_resource(r, NULL, 0, NULL),
			    -1, ctx);
		} else {
			n = tg_rules_parse_attrs(m->subject, attrs, 8);
			TG_CHECK(n >= 0, "%s: attrs do not parse", ctx);
			got = tg_rules_match_resource(r, attrs,
			    n > 0 ? (size_t)n : 0, &allow);
			TG_CHECK_INT(tg_rules_match_api(r, "GET", "/", NULL),
			    -1, ctx);
		}
		TG_CHECK_INT(got, m->index, ctx);
		TG_CHECK_INT(allow, m->allow, ctx);
		tg_rules_free(r);
	}
}

static void
run_error_rows(void)
{
	char err[512], ctx[256];
	size_t i;

	for (i = 0; i < sizeof error_rows / sizeof error_rows[0]; i++) {
		const struct error_row *e = &error_rows[i];
		struct tg_rules *r;

		snprintf(ctx, sizeof ctx, "error row %zu", i);
		r = tg_rules_compile(e->kind, e->rules, strlen(e->rules), err,
		    sizeof err);
		TG_CHECK(r == NULL, "%s: compiled", ctx);
		tg_rules_free(r);
		TG_CHECK_STR(err, e->err, ctx);
	}
}

static void
run_check_one(void)
{
	static const struct {
		enum tg_rules_kind	 kind;
		const char		*rule;
		const char		*err;	/* NULL: valid */
	} c[] = {
		{ API, "GET /x", NULL },
		{ API, "!*", NULL },
		{ API, "* /**", NULL },
		{ API, "DELETE /api/v1/tokens/*", NULL },
		{ API, "GET /x\nGET /y", "rule \"GET /x\\x0aGET /y\": rule "
		    "contains a newline" },
		{ API, "GET api", "rule \"GET api\": path must start with '/'" },
		{ API, "", "rule \"\": rule is empty" },
		{ RES, "category:math", NULL },
		{ RES, "!scriptSet:open*", NULL },
		{ RES, "category", "rule \"category\": expected key:value, or * "
		    "alone" },
	};
	char err[512], ctx[64];
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		int rc = tg_rules_check_one(c[i].kind, c[i].rule,
		    strlen(c[i].rule), err, sizeof err);

		snprintf(ctx, sizeof ctx, "check_one row %zu", i);
		TG_CHECK_INT(rc, c[i].err == NULL ? 0 : -1, ctx);
		if (c[i].err != NULL)
			TG_CHECK_STR(err, c[i].err, ctx);
	}
}

static void
run_attrs_rows(void)
{
	struct tg_attr attrs[4];
	char ctx[64];
	size_t i;

	for (i = 0; i < sizeof attrs_rows / sizeof attrs_rows[0]; i++) {
		snprintf(ctx, sizeof ctx, "attrs row %zu", i);
		TG_CHECK_INT(tg_rules_parse_attrs(attrs_rows[i].s, attrs,
		    attrs_rows[i].max), attrs_rows[i].want, ctx);
	}
	TG_CHECK_INT(tg_rules_parse_attrs("a:b:c x:y", attrs, 4), 2, "split");
	TG_CHECK(attrs[0].keylen == 1 && attrs[0].valuelen == 3 &&
	    memcmp(attrs[0].value, "b:c", 3) == 0, "first attr");
	TG_CHECK(attrs[1].keylen == 1 && attrs[1].valuelen == 1 &&
	    memcmp(attrs[1].key, "x", 1) == 0, "second attr");
}

/* Limits, accessors, NULL arguments, and a pattern built to backtrack. */
static void
run_limits(void)
{
	static char text[TG_RULES_MAX * 8 + TG_RULES_MAX_LEN + 64];
	static char path[8192];
	char err[512];
	struct tg_rules *r;
	size_t i, n;
	int allow;

	n = 0;
	for (i = 0; i < TG_RULES_MAX; i++) {
		memcpy(text + n, "GET /x\n", 7);
		n += 7;
	}
	r = tg_rules_compile(API, text, n, err, sizeof err);
	TG_CHECK(r != NULL, "256 rules: %s", err);
	TG_CHECK_INT(tg_rules_count(r), TG_RULES_MAX, "256 rules");
	TG_CHECK_STR(tg_rules_text(r, 255), "GET /x", "rule text");
	TG_CHECK(tg_rules_text(r, 256) == NULL, "text out of range");
	tg_rules_free(r);
	memcpy(text + n, "GET /x", 6);
	r = tg_rules_compile(API, text, n + 6, err, sizeof err);
	TG_CHECK(r == NULL, "257 rules compiled");
	TG_CHECK_STR(err, "too many rules: 257 (at most 256)", "257 rules");

	/* A rule of exactly TG_RULES_MAX_LEN bytes, and one more. */
	memcpy(text, "GET /", 5);
	memset(text + 5, 'a', TG_RULES_MAX_LEN - 5);
	r = tg_rules_compile(API, text, TG_RULES_MAX_LEN, err, sizeof err);
	TG_CHECK(r != NULL, "longest rule: %s", err);
	tg_rules_free(r);
	text[TG_RULES_MAX_LEN] = 'a';
	r = tg_rules_compile(API, text, TG_RULES_MAX_LEN + 1, err,
	    sizeof err);
	TG_CHECK(r == NULL, "rule too long compiled");
	TG_CHECK(strstr(err, "rule is longer than 1024 bytes") != NULL,
	    "too long: %s", err);

	/* The empty list, NULL text, NULL arguments. */
	r = tg_rules_compile(API, NULL, 0, err, sizeof err);
	TG_CHECK(r != NULL && tg_rules_count(r) == 0, "NULL text");
	TG_CHECK_INT(tg_rules_match_api(r, "GET", "/", &allow), -1, "empty");
	tg_rules_free(r);
	tg_rules_free(NULL);
	TG_CHECK_INT(tg_rules_count(NULL), 0, "count NULL");
	TG_CHECK(tg_rules_text(NULL, 0) == NULL, "text NULL");
	TG_CHECK_INT(tg_rules_match_api(NULL, "GET", "/", &allow), -1,
	    "match NULL");
	r = tg_rules_compile(API, "*", 1, NULL, 0);
	TG_CHECK_INT(tg_rules_match_api(r, NULL, "/", &allow), -1,
	    "NULL method");
	TG_CHECK_INT(tg_rules_match_api(r, "GET", NULL, &allow), -1,
	    "NULL path");
	TG_CHECK_INT(tg_rules_match_api(r, "GET", "/", NULL), 0, "NULL allow");
	tg_rules_free(r);

	/*
	 * The longest pattern of "**" segments against the longest path that
	 * almost matches: a recursive glob would never finish.
	 */
	n = 0;
	memcpy(text, "GET ", 4);
	n = 4;
	while (n + 4 <= TG_RULES_MAX_LEN - 3) {
		memcpy(text + n, "/**", 3);
		n += 3;
	}
	memcpy(text + n, "/x", 2);
	n += 2;
	r = tg_rules_compile(API, text, n, err, sizeof err);
	TG_CHECK(r != NULL, "pathological rule: %s", err);
	for (i = 0; i + 2 < sizeof path; i += 2)
		memcpy(path + i, "/a", 2);
	path[sizeof path - 1] = '\0';
	TG_CHECK_INT(tg_rules_match_api(r, "GET", path, &allow), -1,
	    "pathological no match");
	path[sizeof path - 3] = 'x';
	TG_CHECK_INT(tg_rules_match_api(r, "GET", path, &allow), 0,
	    "pathological match");
	tg_rules_free(r);
}

/*
 * The obvious recursive matcher, exponential but fine on short strings:
 * the reference the compiled matcher is checked against.  api selects
 * API semantics ("*" stops at '/', "**" does not) over resource ones.
 */
static int
ref_match(const char *p, const char *s, int api)
{
	if (*p == '\0')
		return *s == '\0';
	if (*p == '*') {
		int dstar = !api || p[1] == '*';
		const char *rest = p + 1;

		while (*rest == '*')
			rest++;
		for (;;) {
			if (ref_match(rest, s, api))
				return 1;
			if (*s == '\0' || (!dstar && *s == '/'))
				return 0;
			s++;
		}
	}
	return *s == *p && ref_match(p + 1, s + 1, api);
}

#define SUBJECT_MAX	1500	/* longest random subject, NUL included */

/*
 * The path semantics of README "API rules", from whole matches only:
 * pm[i] says whether the pattern matches the first i bytes of s + "/"
 * (i from 0 to n + 1, n = strlen(s)).  An allow rule matches s, or s
 * ending in '/' when it matches s without that '/'.  A deny rule
 * matches when s is T or lies below T ("T/..."), for some T such that
 * the pattern matches T or T + "/".  Returns one of tg_rules_how's
 * values, the first that applies in that order.
 */
static int
ref_how(const unsigned char *pm, const char *s, size_t n, int deny)
{
	size_t k;

	if (pm[n])
		return TG_RULES_HOW_EXACT;
	if (n > 0 && s[n - 1] == '/' && pm[n - 1])
		return TG_RULES_HOW_SLASH;
	if (!deny)
		return TG_RULES_HOW_NONE;
	if (pm[n + 1])
		return TG_RULES_HOW_SLASH;
	for (k = 0; k <= n; k++)
		if ((k == n || s[k] == '/') && (pm[k] || pm[k + 1]))
			return TG_RULES_HOW_BELOW;
	return TG_RULES_HOW_NONE;
}

/* pm for ref_how() from ref_match(), one prefix at a time. */
static void
ref_prefixes(const char *p, const char *s, int api, unsigned char *pm)
{
	char buf[SUBJECT_MAX + 1];
	size_t n = strlen(s), i;

	memcpy(buf, s, n);
	buf[n] = '/';
	for (i = 0; i <= n + 1; i++) {
		char c = buf[i];

		buf[i] = '\0';
		pm[i] = (unsigned char)ref_match(p, buf, api);
		buf[i] = c;
	}
}

/* Does pattern p, as an API rule (deny or not), or a value, match s? */
static int
ref_rule(const char *p, const char *s, int api, int deny)
{
	unsigned char pm[SUBJECT_MAX + 2];

	if (!api)
		return ref_match(p, s, 0);
	ref_prefixes(p, s, api, pm);
	return ref_how(pm, s, strlen(s), deny) != TG_RULES_HOW_NONE;
}

static unsigned long
next_rand(unsigned long *seed)
{
	*seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
	return *seed >> 33;
}

/* Random patterns and subjects over a tiny alphabet, both kinds. */
static void
run_random(void)
{
	static const char pat_alpha[] = "ab/**";
	static const char sub_alpha[] = "ab/";
	unsigned long seed = 42;
	char rule[64], subject[32], ctx[160], err[256];
	unsigned iter, compiled = 0, matched = 0, bad = 0;

	for (iter = 0; iter < 100000 && bad == 0; iter++) {
		int api = (iter & 1) == 0, deny = api && (iter & 2) != 0;
		size_t n, k, plen, slen, pat;
		struct tg_rules *r;
		struct tg_attr at;
		unsigned char pm[32];
		long got;
		int want, how;

		n = (size_t)snprintf(rule, sizeof rule, "%s",
		    !api ? "k:" : deny ? "!GET /" : "GET /");
		pat = api ? n - 1 : n;
		plen = 1 + next_rand(&seed) % 10;
		for (k = 0; k < plen; k++)
			rule[n++] = pat_alpha[next_rand(&seed) % 5];
		rule[n] = '\0';
		slen = next_rand(&seed) % 14;
		k = 0;
		if (api)
			subject[k++] = '/';
		for (; k < slen; k++)
			subject[k] = sub_alpha[next_rand(&seed) % 3];
		subject[k] = '\0';
		r = tg_rules_compile(api ? API : RES, rule, n, err, sizeof err);
		if (r == NULL)
			continue;
		compiled++;
		want = ref_rule(rule + pat, subject, api, deny);
		if (api) {
			got = tg_rules_match_api(r, "GET", subject, NULL);
			ref_prefixes(rule + pat, subject, api, pm);
			how = ref_how(pm, subject, strlen(subject), deny);
			if ((int)tg_rules_how(r, 0, subject) != how) {
				bad++;
				snprintf(ctx, sizeof ctx, "random how: \"%s\" "
				    "vs \"%s\"", rule, subject);
				TG_CHECK_INT(tg_rules_how(r, 0, subject), how,
				    ctx);
			}
		} else {
			at.key = "k";
			at.keylen = 1;
			at.value = subject;
			at.valuelen = strlen(subject);
			got = tg_rules_match_resource(r, &at,
			    at.valuelen > 0 ? 1 : 0, NULL);
			if (at.valuelen == 0)
				want = 0;
		}
		matched += want;
		if ((got == 0) != want) {
			bad++;
			snprintf(ctx, sizeof ctx, "random: \"%s\" vs \"%s\"",
			    rule, subject);
			TG_CHECK_INT(got == 0, want, ctx);
		}
		tg_rules_free(r);
	}
	TG_CHECK(compiled > 20000 && matched > 1000,
	    "random: %u compiled, %u matched", compiled, matched);
	TG_CHECK_INT(bad, 0, "random disagreements");
}

/*
 * The index r reports for subject: through the API matcher ("GET"), or
 * through the resource matcher as the value of the one attribute "k"
 * (none when subject is empty).
 */
static long
rules_index(const struct tg_rules *r, int api, const char *subject)
{
	struct tg_attr at;

	if (api)
		return tg_rules_match_api(r, "GET", subject, NULL);
	at.key = "k";
	at.keylen = 1;
	at.value = subject;
	at.valuelen = strlen(subject);
	return tg_rules_match_resource(r, &at, at.valuelen > 0 ? 1 : 0, NULL);
}

/*
 * Random lists of up to four rules, several with stars, over an alphabet
 * whose bytes lie below, inside and above each pattern's literal range:
 * every rule's byte table sits at its own offset in one allocation, so a
 * list is where a wrong offset or range would show.  The first rule the
 * reference matcher accepts must be the one reported.
 */
static void
run_random_lists(void)
{
	static const char pat_alpha[] = "az/-~b**";
	static const char sub_alpha[] = "az/-~b!{";
	unsigned long seed = 7;
	char text[256], pats[4][32], subject[32], ctx[320], err[256];
	int deny[4];
	unsigned iter, compiled = 0, matched = 0, bad = 0;

	for (iter = 0; iter < 50000 && bad == 0; iter++) {
		int api = (iter & 1) == 0;
		size_t nrules, i, k, n = 0, plen, slen;
		struct tg_rules *r;
		long got, want = -1;

		nrules = 1 + next_rand(&seed) % 4;
		for (i = 0; i < nrules; i++) {
			k = 0;
			if (api)
				pats[i][k++] = '/';
			plen = 1 + next_rand(&seed) % 8;
			while (plen-- > 0)
				pats[i][k++] = pat_alpha[next_rand(&seed) % 8];
			pats[i][k] = '\0';
			deny[i] = next_rand(&seed) % 3 == 0;
			n += (size_t)snprintf(text + n, sizeof text - n,
			    "%s%s%s%s", i > 0 ? "\n" : "", deny[i] ? "!" : "",
			    api ? "GET " : "k:", pats[i]);
		}
		slen = next_rand(&seed) % 12;
		k = 0;
		if (api)
			subject[k++] = '/';
		for (; k < slen; k++)
			subject[k] = sub_alpha[next_rand(&seed) % 8];
		subject[k] = '\0';
		r = tg_rules_compile(api ? API : RES, text, n, err, sizeof err);
		if (r == NULL)
			continue;
		compiled++;
		for (i = 0; i < nrules && want < 0; i++)
			if (ref_rule(pats[i], subject, api, deny[i]) &&
			    (api || subject[0] != '\0'))
				want = (long)i;
		got = rules_index(r, api, subject);
		matched += want >= 0;
		if (got != want) {
			bad++;
			snprintf(ctx, sizeof ctx,
			    "random list: \"%s\" vs \"%s\"", text, subject);
			TG_CHECK_INT(got, want, ctx);
		}
		tg_rules_free(r);
	}
	TG_CHECK(compiled > 10000 && matched > 1000,
	    "random lists: %u compiled, %u matched", compiled, matched);
	TG_CHECK_INT(bad, 0, "random list disagreements");
}

/*
 * The reference for long patterns, where ref_match() would take
 * exponential time: the textbook dynamic programme over (subject prefix,
 * pattern prefix), O(subject x pattern), with ref_match()'s semantics.
 * It runs over s + "/" and fills pm as ref_prefixes() does.
 */
static void
dp_prefixes(const char *p, const char *s, int api, unsigned char *pm)
{
	static int tk[TG_RULES_MAX_LEN + 1];
	static unsigned char prev[TG_RULES_MAX_LEN + 2];
	static unsigned char cur[TG_RULES_MAX_LEN + 2];
	size_t m = 0, i, j, run, n = strlen(s);

	while (*p != '\0') {
		if (*p != '*') {
			tk[m++] = (unsigned char)*p++;
			continue;
		}
		for (run = 0; *p == '*'; p++)
			run++;
		tk[m++] = (!api || run > 1) ? -1 : -2;	/* "**" : "*" */
	}
	prev[0] = 1;
	for (j = 1; j <= m; j++)
		prev[j] = prev[j - 1] && tk[j - 1] < 0;
	pm[0] = prev[m];
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '/';

		cur[0] = 0;
		for (j = 1; j <= m; j++) {
			int t = tk[j - 1];

			if (t < 0)
				cur[j] = cur[j - 1] || (prev[j] &&
				    (t == -1 || c != '/'));
			else
				cur[j] = prev[j - 1] && t == c;
		}
		memcpy(prev, cur, m + 1);
		pm[i + 1] = prev[m];
	}
}

/* ref_rule() with dp_prefixes(). */
static int
dp_rule(const char *p, const char *s, int api, int deny)
{
	static unsigned char pm[SUBJECT_MAX + 2];
	size_t n = strlen(s);

	dp_prefixes(p, s, api, pm);
	if (!api)
		return pm[n];
	return ref_how(pm, s, n, deny) != TG_RULES_HOW_NONE;
}

/* A random pattern of about len bytes that the parser accepts. */
static size_t
random_pattern(unsigned long *seed, int api, size_t len, char *out)
{
	static const char lits[] = "!$&'()+,-0123456789:=@AZ_az~bcyx";
	size_t n = 0;
	int prev_star = 0, prev_slash = 0;

	if (api) {
		out[n++] = '/';
		prev_slash = 1;
	}
	while (n < len) {
		unsigned long r = next_rand(seed) % 16;

		if (r < 3 && !prev_star) {
			n += (size_t)snprintf(out + n, 3, "%s",
			    api && r == 0 ? "*" : "**");
			prev_star = 1;
			prev_slash = 0;
		} else if (r < 5 && api && !prev_slash) {
			out[n++] = '/';
			prev_slash = 1;
			prev_star = 0;
		} else {
			out[n++] = lits[next_rand(seed) % (sizeof lits - 1)];
			prev_star = prev_slash = 0;
		}
	}
	out[n] = '\0';
	return n;
}

/* A subject made from pattern p: stars become short random runs, and
 * now and then a byte changes, so that some match and some do not. */
static void
random_subject(unsigned long *seed, const char *p, char *out, size_t max)
{
	static const char runs[] = "ab/9~\"^\xe9";
	size_t n = 0, k;

	while (*p != '\0' && n + 4 < max) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			for (k = next_rand(seed) % 4; k > 0; k--)
				out[n++] = runs[next_rand(seed) %
				    (sizeof runs - 1)];
			continue;
		}
		out[n++] = *p++;
	}
	if (n > 1 && next_rand(seed) % 4 == 0)
		out[1 + next_rand(seed) % (n - 1)] = runs[next_rand(seed) %
		    (sizeof runs - 1)];
	out[n] = '\0';
}

/*
 * Random lists of two to six long rules (up to 300 bytes, so masks span
 * several words), over literal bytes from '!' to '~', both kinds,
 * against subjects made from one of the rules: the first rule the
 * reference accepts must be the one reported, and tg_rules_text() must
 * give each rule back as written.
 */
static void
run_random_long(void)
{
	static char text[6 * 320], pats[6][310], subject[1400];
	unsigned long seed = 99;
	char ctx[200], err[256];
	int deny[6];
	unsigned iter, compiled = 0, matched = 0, bad = 0;

	for (iter = 0; iter < 3000 && bad == 0; iter++) {
		int api = (iter & 1) == 0;
		size_t nrules, i, n = 0;
		struct tg_rules *r;
		long got, want = -1;

		nrules = 2 + next_rand(&seed) % 5;
		for (i = 0; i < nrules; i++) {
			random_pattern(&seed, api, 1 + next_rand(&seed) %
			    (api ? 300 : 250), pats[i]);
			deny[i] = next_rand(&seed) % 3 == 0;
			n += (size_t)snprintf(text + n, sizeof text - n,
			    "%s%s%s%s", i > 0 ? "\n" : "", deny[i] ? "!" : "",
			    api ? "GET " : "k:", pats[i]);
		}
		random_subject(&seed, pats[next_rand(&seed) % nrules], subject,
		    sizeof subject);
		r = tg_rules_compile(api ? API : RES, text, n, err, sizeof err);
		TG_CHECK(r != NULL, "long list compiles: %s", err);
		if (r == NULL) {
			bad++;
			continue;
		}
		compiled++;
		for (i = 0; i < nrules && want < 0; i++)
			if (dp_rule(pats[i], subject, api, deny[i]) &&
			    (api || subject[0] != '\0'))
				want = (long)i;
		got = rules_index(r, api, subject);
		matched += want >= 0;
		if (got != want) {
			bad++;
			snprintf(ctx, sizeof ctx, "random long list %u", iter);
			TG_CHECK_INT(got, want, ctx);
		}
		for (i = 0, n = 0; i < nrules; i++) {
			const char *t = tg_rules_text(r, i);
			size_t tl = t != NULL ? strlen(t) : 0;

			if (t == NULL || memcmp(t, text + n, tl) != 0 ||
			    (text[n + tl] != '\n' && text[n + tl] != '\0')) {
				bad++;
				TG_CHECK(0, "long list %u: text of rule %zu",
				    iter, i);
				break;
			}
			n += tl + 1;
		}
		TG_CHECK_INT(tg_rules_same_text(r, text, strlen(text)), 1,
		    "long list: same text");
		tg_rules_free(r);
	}
	TG_CHECK(compiled == 3000 && matched > 600 && matched < 2900,
	    "random long lists: %u compiled, %u matched", compiled, matched);
	TG_CHECK_INT(bad, 0, "random long list disagreements");
}

/*
 * A list copied elsewhere with tg_rules_copy() answers exactly as the
 * original, after the original is gone: nothing in it points into
 * itself.
 */
static void
run_copy(void)
{
	static const char *const lists[] = {
		"GET /api/**\n!DELETE /api/*/x\nPOST /t/*/y/**z\n*",
		"!GET /secret\nGET /~a-b/*\nHEAD /h\nGET /\xc3\xa9t\xc3\xa9/*",
		"k:v*\n!k:*x*\ncategory:math\nscriptSet:*code",
	};
	static const char *const subjects[] = {
		"/api/a", "/api/a/x", "/api/a/b/x", "/t/q/y/z", "/t/q/y/1/2z",
		"/secret", "/~a-b/", "/~a-b/c", "/h", "/\xc3\xa9t\xc3\xa9/x",
		"vx", "v", "axb", "math", "opencode", "/",
	};
	const char *methods[] = { "GET", "POST", "DELETE", "HEAD" };
	struct tg_rules *r, *c;
	struct tg_attr at[2];
	char err[256], ctx[128];
	uint64_t *buf;
	size_t i, j, k, size;
	long want[16][4];
	int api, n;

	for (i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		api = i < 2;
		r = tg_rules_compile(api ? API : RES, lists[i],
		    strlen(lists[i]), err, sizeof err);
		TG_CHECK(r != NULL, "copy list %zu: %s", i, err);
		if (r == NULL)
			continue;
		size = tg_rules_size(r);
		TG_CHECK(size > 0, "copy list %zu: size", i);
		for (j = 0; j < 16; j++)
			for (k = 0; k < 4; k++) {
				at[0].key = "k";
				at[0].keylen = 1;
				at[1].key = k % 2 ? "category" : "scriptSet";
				at[1].keylen = strlen(at[1].key);
				at[0].value = at[1].value = subjects[j];
				at[0].valuelen = at[1].valuelen =
				    strlen(subjects[j]);
				want[j][k] = api ? tg_rules_match_api(r,
				    methods[k], subjects[j], &n) :
				    tg_rules_match_resource(r, at + k % 2, 1,
				    &n);
			}
		buf = malloc(size + sizeof *buf);
		if (buf == NULL)
			continue;
		memset(buf, 0xA5, size + sizeof *buf);
		c = tg_rules_copy(r, buf + 1);
		TG_CHECK(c == (void *)(buf + 1), "copy list %zu: in dst", i);
		TG_CHECK_INT(tg_rules_size(c), size, "copy size");
		TG_CHECK_INT(tg_rules_count(c), tg_rules_count(r),
		    "copy count");
		TG_CHECK_INT(tg_rules_same_text(c, lists[i], strlen(lists[i])),
		    1, "copy same text");
		tg_rules_free(r);
		for (j = 0; j < 16; j++)
			for (k = 0; k < 4; k++) {
				at[0].key = "k";
				at[0].keylen = 1;
				at[1].key = k % 2 ? "category" : "scriptSet";
				at[1].keylen = strlen(at[1].key);
				at[0].value = at[1].value = subjects[j];
				at[0].valuelen = at[1].valuelen =
				    strlen(subjects[j]);
				snprintf(ctx, sizeof ctx,
				    "copy list %zu, %s %s", i, methods[k],
				    subjects[j]);
				TG_CHECK_INT(api ? tg_rules_match_api(c,
				    methods[k], subjects[j], &n) :
				    tg_rules_match_resource(c, at + k % 2, 1,
				    &n), want[j][k], ctx);
			}
		free(buf);
	}
	TG_CHECK_INT(tg_rules_size(NULL), 0, "size of NULL");
}

/* tg_rules_same_text(): the rules as written, one final '\n' or none. */
static void
run_same_text(void)
{
	static const struct {
		const char	*rules;		/* compiled; NULL: no list */
		const char	*text;
		int		 want;
	} rows[] = {
		{ "GET /a\nGET /b", "GET /a\nGET /b", 1 },
		{ "GET /a\nGET /b", "GET /a\nGET /b\n", 1 },
		{ "GET /a\nGET /b\n", "GET /a\nGET /b", 1 },
		{ "GET /a\nGET /b", "GET /a\nGET /b\n\n", 0 },
		{ "GET /a\nGET /b", "GET /a", 0 },
		{ "GET /a\nGET /b", "GET /a\n", 0 },
		{ "GET /a\nGET /b", "GET /a\nGET /bb", 0 },
		{ "GET /a\nGET /b", "GET /a\nGET /", 0 },
		{ "GET /a\nGET /b", "GET /a\nGET /b\nGET /c", 0 },
		{ "GET /a\nGET /b", "GET /aGET /b", 0 },
		{ "GET /a\nGET /b", "GET /b\nGET /a", 0 },
		{ "GET /a\nGET /b", "", 0 },
		{ "*", "*", 1 },
		{ "*", "!*", 0 },
		{ "", "", 1 },
		{ "", "\n", 0 },
		{ "", "*", 0 },
		{ NULL, "", 1 },
		{ NULL, "*", 0 },
	};
	struct tg_rules *r;
	char err[256], ctx[96];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		snprintf(ctx, sizeof ctx, "same text row %zu", i);
		r = NULL;
		if (rows[i].rules != NULL) {
			r = tg_rules_compile(API, rows[i].rules,
			    strlen(rows[i].rules), err, sizeof err);
			TG_CHECK(r != NULL, "%s: %s", ctx, err);
			if (r == NULL)
				continue;
		}
		TG_CHECK_INT(tg_rules_same_text(r, rows[i].text,
		    strlen(rows[i].text)), rows[i].want, ctx);
		tg_rules_free(r);
	}
	TG_CHECK_INT(tg_rules_same_text(NULL, NULL, 5), 1, "NULL text");
}

/*
 * tg_rules_how(): how the rule that decided matched, for the explain
 * output; method and order play no part.
 */
static void
run_how(void)
{
	static const struct {
		const char	*rule;
		const char	*path;
		int		 how;
	} rows[] = {
		{ "!GET /api/v1/func/overview", "/api/v1/func/overview",
		    TG_RULES_HOW_EXACT },
		{ "!GET /api/v1/func/overview", "/api/v1/func/overview/",
		    TG_RULES_HOW_SLASH },
		{ "!GET /api/v1/func/overview", "/api/v1/func/overview/x",
		    TG_RULES_HOW_BELOW },
		{ "!GET /api/v1/func/overview", "/api/v1/func/overviewx",
		    TG_RULES_HOW_NONE },
		{ "!GET /a/", "/a", TG_RULES_HOW_SLASH },
		{ "!GET /a/", "/a/", TG_RULES_HOW_EXACT },
		{ "!GET /a/", "/a/b/", TG_RULES_HOW_BELOW },
		{ "!GET /", "/a", TG_RULES_HOW_BELOW },
		{ "!GET /a/*", "/a", TG_RULES_HOW_SLASH },
		{ "!GET /a/*", "/a/b", TG_RULES_HOW_EXACT },
		{ "!GET /a/*", "/a/b/c", TG_RULES_HOW_BELOW },
		{ "!GET /**/", "/a/b", TG_RULES_HOW_SLASH },
		{ "GET /a", "/a", TG_RULES_HOW_EXACT },
		{ "GET /a", "/a/", TG_RULES_HOW_SLASH },
		{ "GET /a", "/a/b", TG_RULES_HOW_NONE },
		{ "GET /a/", "/a", TG_RULES_HOW_NONE },
		{ "GET /a/*", "/a/b/", TG_RULES_HOW_SLASH },
		{ "GET /a/*", "/a", TG_RULES_HOW_NONE },
		{ "*", "/a", TG_RULES_HOW_EXACT },
		{ "!*", "/a", TG_RULES_HOW_EXACT },
	};
	struct tg_rules *r;
	char err[256], ctx[128];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		snprintf(ctx, sizeof ctx, "how row %zu (%s | %s)", i,
		    rows[i].rule, rows[i].path);
		r = tg_rules_compile(API, rows[i].rule, strlen(rows[i].rule),
		    err, sizeof err);
		TG_CHECK(r != NULL, "%s: %s", ctx, err);
		if (r == NULL)
			continue;
		TG_CHECK_INT(tg_rules_how(r, 0, rows[i].path), rows[i].how,
		    ctx);
		TG_CHECK_INT(tg_rules_how(r, 1, rows[i].path),
		    TG_RULES_HOW_NONE, ctx);
		TG_CHECK_INT(tg_rules_how(r, 0, NULL), TG_RULES_HOW_NONE, ctx);
		tg_rules_free(r);
	}
	TG_CHECK_INT(tg_rules_how(NULL, 0, "/"), TG_RULES_HOW_NONE, "NULL");
	r = tg_rules_compile(RES, "k:v", 3, err, sizeof err);
	TG_CHECK_INT(tg_rules_how(r, 0, "v"), TG_RULES_HOW_NONE, "resource");
	tg_rules_free(r);
}

/*
 * The rule columns of tests/hostile-paths.txt (METHOD, RULE, VERDICT):
 * the raw URI is made canonical, as the authorizer does, and the one
 * rule must match it or not.  test_path checks the canonical column.
 */
static unsigned
run_hostile_file(const char *name)
{
	char line[4096], canon[TG_PATH_MAX], err[256], ctx[4300];
	char *col[5], *p;
	FILE *f;
	unsigned n = 0, lineno = 0, k;

	if ((f = fopen(name, "r")) == NULL) {
		TG_CHECK(f != NULL, "cannot open %s (run from the repository "
		    "root, or pass the file as argv[1])", name);
		return 0;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		struct tg_rules *r;
		const char *why;
		size_t len = strlen(line);
		long got;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		for (k = 0, p = line; k < 5 && p != NULL; k++) {
			col[k] = p;
			if ((p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
		}
		if (k < 3)
			continue;
		snprintf(ctx, sizeof ctx, "%s:%u: %s %s against \"%s\"", name,
		    lineno, k > 2 ? col[2] : "", col[0], k > 3 ? col[3] : "");
		TG_CHECK(k == 5 && p == NULL && (strcmp(col[4], "match") == 0 ||
		    strcmp(col[4], "nomatch") == 0), "%s: want 5 columns, "
		    "the last match or nomatch", ctx);
		if (k != 5)
			continue;
		TG_CHECK(tg_path_canonicalize(col[0], strlen(col[0]), canon,
		    sizeof canon, &why) == 0 && strcmp(canon, col[1]) == 0,
		    "%s: canonical path", ctx);
		r = tg_rules_compile(API, col[3], strlen(col[3]), err,
		    sizeof err);
		TG_CHECK(r != NULL, "%s: %s", ctx, err);
		if (r == NULL)
			continue;
		got = tg_rules_match_api(r, col[2], canon, NULL);
		TG_CHECK_INT(got, strcmp(col[4], "match") == 0 ? 0 : -1, ctx);
		tg_rules_free(r);
		n++;
	}
	fclose(f);
	return n;
}

int
main(int argc, char **argv)
{
	unsigned nfile;

	run_match_rows();
	run_error_rows();
	run_check_one();
	run_attrs_rows();
	run_limits();
	run_random();
	run_random_lists();
	run_random_long();
	run_copy();
	run_same_text();
	run_how();
	nfile = run_hostile_file(argc > 1 ? argv[1] : HOSTILE_FILE);
	TG_CHECK(nfile >= 40, "only %u rule rows in the hostile file", nfile);
	return tg_test_done("rules");
}
