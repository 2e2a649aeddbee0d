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

static void
test_tokens(void)
{
	static const struct {
		const char	*q;
		int		 admin, rc;
		const char	*field;		/* of a refusal */
		const char	*user, *state;	/* of the filter */
	} r[] = {
		{ "", 0, 0, NULL, "alice", NULL },
		{ "user=alice", 0, 0, NULL, "alice", NULL },
		{ "user=bob", 0, 1, NULL, NULL, NULL },
		{ "user=bob", 1, 0, NULL, "bob", NULL },
		{ "all", 0, 1, NULL, NULL, NULL },
		{ "all=true", 1, 0, NULL, NULL, NULL },
		{ "all=1&state=revoked", 1, 0, NULL, NULL, "revoked" },
		{ "all=yes", 1, -1, "all", NULL, NULL },
		{ "all&user=bob", 1, -1, "all", NULL, NULL },
		{ "user=-x", 1, -1, "user", NULL, NULL },
		{ "state=gone", 0, -1, "state", NULL, NULL },
		/* token:admin is decided before state, limit and cursor. */
		{ "user=bob&state=gone", 0, 1, NULL, NULL, NULL },
		{ "limit=0", 0, -1, "limit", NULL, NULL },
		{ "limit=0&cursor=x", 0, -1, "limit", NULL, NULL },
		{ "cursor=x", 0, -1, "cursor", NULL, NULL },
		{ "cursor=1767323045.3fKq9ZbL0aXw", 0, 0, NULL, "alice", NULL },
		{ "bogus=1", 0, -1, "bogus", NULL, NULL },
	};
	struct tg_config cfg;
	struct tg_store_token_filter f;
	struct tg_query_list l;
	struct tg_apireq_error e;
	const char *q;
	char ctx[96];
	size_t i;
	int rc;

	tg_config_defaults(&cfg);
	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(ctx, sizeof ctx, "tokens row %zu (%s)", i, r[i].q);
		memset(&e, 0, sizeof e);
		rc = tg_query_tokens(r[i].q, strlen(r[i].q), "alice",
		    r[i].admin, &cfg, 1000, &l, &f, &e);
		TG_CHECK_INT(rc, r[i].rc, ctx);
		if (rc < 0) {
			TG_CHECK(e.status == 400 && strcmp(e.code,
			    "invalid_parameter") == 0 && strcmp(e.field,
			    r[i].field) == 0, "%s: %s %s", ctx, e.code,
			    e.field);
			continue;
		}
		if (rc > 0)
			continue;
		if (r[i].user == NULL)
			TG_CHECK(f.user == NULL, "%s: every user", ctx);
		else
			TG_CHECK_STR(f.user, r[i].user, ctx);
		if (r[i].state == NULL)
			TG_CHECK(f.state == NULL, "%s: any state", ctx);
		else
			TG_CHECK_STR(f.state, r[i].state, ctx);
		TG_CHECK(f.now == 1000 && l.limit == cfg.page_limit_default &&
		    f.limit == l.limit + 1, "%s: page", ctx);
	}
	q = "cursor=1767323045.3fKq9ZbL0aXw&limit=7";
	rc = tg_query_tokens(q, strlen(q), "alice", 0, &cfg, 1000, &l, &f,
	    &e);
	TG_CHECK(rc == 0 && f.after_created == 1767323045 &&
	    f.after_id != NULL && strcmp(f.after_id, "3fKq9ZbL0aXw") == 0 &&
	    l.limit == 7 && f.limit == 8, "cursor and limit");
	tg_config_wipe(&cfg);
}

static void
test_audit(void)
{
	static const struct {
		const char	*q;
		const char	*field;		/* NULL: accepted */
	} r[] = {
		{ "", NULL },
		{ "user=alice&token=3fKq9ZbL0aXw&action=token.create", NULL },
		{ "since=2026-01-02T03:04:05Z&until=2026-01-03T03:04:05Z",
		    NULL },
		{ "cursor=42&limit=3", NULL },
		{ "user=a b", "user" },
		{ "token=short", "token" },
		{ "action=Token.Create", "action" },
		{ "since=yesterday", "since" },
		{ "until=2026-01-02", "until" },
		{ "limit=100000", "limit" },
		{ "cursor=0", "cursor" },
		{ "cursor=-1", "cursor" },
		{ "state=active", "state" },
	};
	struct tg_config cfg;
	struct tg_store_audit_filter f;
	struct tg_query_list l;
	struct tg_apireq_error e;
	const char *q;
	char ctx[96];
	size_t i;
	int rc;

	tg_config_defaults(&cfg);
	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(ctx, sizeof ctx, "audit row %zu (%s)", i, r[i].q);
		memset(&e, 0, sizeof e);
		rc = tg_query_audit(r[i].q, strlen(r[i].q), &cfg, &l, &f, &e);
		if (r[i].field == NULL)
			TG_CHECK(rc == 0, "%s: %s", ctx, e.message);
		else
			TG_CHECK(rc == -1 && e.status == 400 &&
			    strcmp(e.field, r[i].field) == 0, "%s: %d %s", ctx,
			    rc, e.field);
	}
	q = "user=alice&token=3fKq9ZbL0aXw&action=token.create"
	    "&since=2026-01-02T03:04:05Z&until=2026-01-03T03:04:05Z&"
	    "cursor=42&limit=3";
	rc = tg_query_audit(q, strlen(q), &cfg, &l, &f, &e);
	TG_CHECK(rc == 0 && strcmp(f.user, "alice") == 0 &&
	    strcmp(f.token, "3fKq9ZbL0aXw") == 0 &&
	    strcmp(f.action, "token.create") == 0 && f.since == 1767323045 &&
	    f.until == 1767323045 + 86400 && f.before_id == 42 &&
	    l.limit == 3 && f.limit == 4, "every filter: %s", e.message);
	TG_CHECK(tg_query_audit("since=x", 7, &cfg, &l, &f, &e) == -1 &&
	    strcmp(e.message, "since must be a time such as "
	    "2026-01-02T03:04:05Z") == 0, "since message: %s", e.message);
	tg_config_wipe(&cfg);
}

int
main(void)
{
	test_query();
	test_scalars();
	test_limit();
	test_tokens();
	test_audit();
	return tg_test_done("query");
}
