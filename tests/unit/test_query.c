/* Unit tests for lib/query: query strings, page sizes and cursors. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "query.h"
#include "tg_test.h"

static void
test_query(void)
{
	struct tg_query_param p[4] = {
		{ "user", 0, "" }, { "limit", 0, "" }, { "all", 0, "" },
		{ "cursor", 0, "" },
	};
	static const struct {
		const char	*q;
		int		 ok;
		const char	*field;
	} rows[] = {
		{ "", 1, NULL },
		{ "user=alice&limit=10", 1, NULL },
		{ "all", 1, NULL },
		{ "all=1&", 1, NULL },
		{ "&&user=a%40b&&", 1, NULL },
		{ "bogus=1", 0, "bogus" },
		{ "user=a&user=b", 0, "user" },
		{ "user=%4", 0, "user" },
		{ "user=%zz", 0, "user" },
		{ "user=a%0Ab", 0, "user" },
		{ "user=a%00b", 0, "user" },
		{ "us%65r=x", 1, NULL },
		{ "%", 0, "" },
	};
	struct tg_apireq_error e;
	char big[400];
	size_t i;
	int rc;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&e, 0, sizeof e);
		rc = tg_query_parse(rows[i].q, strlen(rows[i].q), p, 4, &e);
		if (rows[i].ok)
			TG_CHECK(rc == 0, "query row %zu (%s): %s", i, rows[i].q,
			    e.message);
		else
			TG_CHECK(rc == -1 && e.status == 400 &&
			    strcmp(e.code, "invalid_parameter") == 0 &&
			    strcmp(e.field, rows[i].field) == 0,
			    "query row %zu (%s): %d %s", i, rows[i].q, rc,
			    e.field);
	}
	TG_CHECK(tg_query_parse("user=a%40b+c&all", 16, p, 4, &e) == 0,
	    "decode");
	TG_CHECK(p[0].set && strcmp(p[0].value, "a@b c") == 0, "user: %s",
	    p[0].value);
	TG_CHECK(p[2].set && p[2].value[0] == '\0' && !p[1].set, "flags");
	memset(big, 'x', sizeof big);
	memcpy(big, "user=", 5);
	TG_CHECK(tg_query_parse(big, sizeof big, p, 4, &e) == -1 &&
	    strstr(e.message, "too long") != NULL, "long value");
	TG_CHECK(tg_query_parse("limit=1&user", 5, p, 4, &e) == 0 &&
	    p[1].set && !p[0].set, "len is honoured");
}

static void
test_scalars(void)
{
	char cur[TG_QUERY_CURSOR_LEN];
	char id[13];
	unsigned long long v;
	int64_t t;

	TG_CHECK(tg_query_uint("0", 0, 10, &v) == 0 && v == 0, "0");
	TG_CHECK(tg_query_uint("10", 1, 10, &v) == 0 && v == 10, "10");
	TG_CHECK(tg_query_uint("11", 1, 10, &v) == -1, "above");
	TG_CHECK(tg_query_uint("0", 1, 10, &v) == -1, "below");
	TG_CHECK(tg_query_uint("01", 0, 10, &v) == -1, "leading zero");
	TG_CHECK(tg_query_uint("-1", 0, 10, &v) == -1, "sign");
	TG_CHECK(tg_query_uint(" 1", 0, 10, &v) == -1, "blank");
	TG_CHECK(tg_query_uint("1x", 0, 10, &v) == -1, "junk");
	TG_CHECK(tg_query_uint("", 0, 10, &v) == -1, "empty");
	TG_CHECK(tg_query_uint("99999999999999999999999", 0, ~0ULL, &v) == -1,
	    "overflow");
	TG_CHECK(tg_query_cursor_format(1767323045, "3fKq9ZbL0aXw", cur,
	    sizeof cur) == 0, "cursor format");
	TG_CHECK_STR(cur, "1767323045.3fKq9ZbL0aXw", "cursor text");
	TG_CHECK(tg_query_cursor_parse(cur, &t, id) == 0 && t == 1767323045 &&
	    strcmp(id, "3fKq9ZbL0aXw") == 0, "cursor round trip");
	TG_CHECK(tg_query_cursor_format(1, "short", cur, sizeof cur) == -1,
	    "bad id");
	TG_CHECK(tg_query_cursor_parse("1767323045", &t, id) == -1, "no dot");
	TG_CHECK(tg_query_cursor_parse(".3fKq9ZbL0aXw", &t, id) == -1,
	    "no time");
	TG_CHECK(tg_query_cursor_parse("1.3fKq9ZbL0aX", &t, id) == -1,
	    "short id");
	TG_CHECK(tg_query_cursor_parse("1.3fKq9ZbL0aXw'", &t, id) == -1,
	    "junk id");
	TG_CHECK(tg_query_cursor_parse("-1.3fKq9ZbL0aXw", &t, id) == -1,
	    "negative");
}

static void
test_limit(void)
{
	struct tg_query_param p = { "limit", 0, "" };
	struct tg_apireq_error e;
	unsigned limit = 0;

	TG_CHECK(tg_query_limit(&p, 50, 500, &limit, &e) == 0 && limit == 50,
	    "unset: the default (%u)", limit);
	p.set = 1;
	snprintf(p.value, sizeof p.value, "500");
	TG_CHECK(tg_query_limit(&p, 50, 500, &limit, &e) == 0 && limit == 500,
	    "the maximum (%u)", limit);
	snprintf(p.value, sizeof p.value, "1");
	TG_CHECK(tg_query_limit(&p, 50, 500, &limit, &e) == 0 && limit == 1,
	    "one (%u)", limit);
	snprintf(p.value, sizeof p.value, "501");
	memset(&e, 0, sizeof e);
	TG_CHECK(tg_query_limit(&p, 50, 500, &limit, &e) == -1 &&
	    e.status == 400 && strcmp(e.code, "invalid_parameter") == 0 &&
	    strcmp(e.field, "limit") == 0 &&
	    strcmp(e.message, "limit must be from 1 to 500") == 0,
	    "above the maximum: %s", e.message);
	snprintf(p.value, sizeof p.value, "0");
	TG_CHECK(tg_query_limit(&p, 50, 500, &limit, &e) == -1, "zero");
	p.value[0] = '\0';
	TG_CHECK(tg_query_limit(&p, 50, 500, &limit, &e) == -1, "empty");
}

int
main(void)
{
	test_query();
	test_scalars();
	test_limit();
	return tg_test_done("query");
}
