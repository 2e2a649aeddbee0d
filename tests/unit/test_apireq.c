/* Unit tests for lib/apireq: what the token API accepts. */
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "apireq.h"
#include "config.h"
#include "perm.h"
#include "tg_test.h"

struct row {
	const char	*body;
	const char	*code;		/* NULL: must be accepted */
	const char	*field;		/* expected field when refused */
};

static void
run_create(const struct tg_config *cfg, const struct row *rows, size_t n)
{
	struct tg_apireq_token t;
	struct tg_apireq_error e;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof e);
		rc = tg_apireq_parse_create(rows[i].body, strlen(rows[i].body),
		    cfg, &t, &e);
		if (rows[i].code == NULL) {
			TG_CHECK(rc == 0, "create row %zu (%s): %s %s: %s", i,
			    rows[i].body, e.code, e.field, e.message);
		} else {
			TG_CHECK(rc == -1 && strcmp(e.code, rows[i].code) == 0 &&
			    strcmp(e.field, rows[i].field) == 0 &&
			    e.status == 400 && e.message[0] != '\0',
			    "create row %zu (%s): got %d %s \"%s\" (%s), want "
			    "%s \"%s\"", i, rows[i].body, rc, e.code, e.field,
			    e.message, rows[i].code, rows[i].field);
		}
		tg_apireq_token_free(&t);
	}
}

static void
run_update(const struct row *rows, size_t n)
{
	struct tg_apireq_token t;
	struct tg_apireq_error e;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof e);
		rc = tg_apireq_parse_update(rows[i].body, strlen(rows[i].body),
		    &t, &e);
		if (rows[i].code == NULL)
			TG_CHECK(rc == 0, "update row %zu (%s): %s %s: %s", i,
			    rows[i].body, e.code, e.field, e.message);
		else
			TG_CHECK(rc == -1 && strcmp(e.code, rows[i].code) == 0 &&
			    strcmp(e.field, rows[i].field) == 0,
			    "update row %zu (%s): got %d %s \"%s\" (%s)", i,
			    rows[i].body, rc, e.code, e.field, e.message);
		tg_apireq_token_free(&t);
	}
}

/* A string literal and its length, for the (text, len) functions. */
#define S(x)	(x), strlen(x)

#define NAME	"\"name\":\"ci\""
#define EXP	"\"expiresInDays\":30"

static void
test_create(void)
{
	static const struct row rows[] = {
		{ "{" NAME "," EXP ",\"permissions\":[\"token:read\"]}", NULL,
		    NULL },
		{ "{" NAME "," EXP ",\"profile\":\"read-only-analyst\"}", NULL,
		    NULL },
		{ "{" NAME "," EXP ",\"apiRules\":[\"GET /x/**\"]}", NULL, NULL },
		{ "{" NAME "," EXP ",\"resourceRules\":[\"!env:prod\",\"*\"]}",
		    NULL, NULL },
		{ "{" NAME ",\"expiresInDays\":1,\"permissions\":[\"*\"],"
		    "\"allowedCidrs\":[\"10.0.0.0/8\",\"2001:db8::/32\"],"
		    "\"environments\":[\"staging\",\"dev\"],\"apiRules\":[],"
		    "\"resourceRules\":[]}", NULL, NULL },
		{ " {\n\t" NAME " , " EXP ", \"permissions\" : [ \"a:b\" ] }\r\n",
		    NULL, NULL },
		/* Syntax, duplicates and the body's type. */
		{ "", "invalid_json", "" },
		{ "{", "invalid_json", "" },
		{ "[]", "invalid_json", "" },
		{ "\"x\"", "invalid_json", "" },
		{ "null", "invalid_json", "" },
		{ "{'name':'x'}", "invalid_json", "" },
		{ "{" NAME "," EXP ",\"permissions\":[\"a:b\"],\"permissions\":"
		    "[\"*\"]}", "invalid_json", "permissions" },
		{ "{" NAME "," EXP ",\"n\\u0061me\":\"x\",\"permissions\":[\"*\"]}",
		    "invalid_json", "name" },
		{ "{" NAME "," EXP ",\"permissions\":[[\"a:b\"]]}", "invalid_field",
		    "permissions[0]" },
		{ "{" NAME "," EXP ",\"permissions\":[[[[\"a:b\"]]]]}",
		    "invalid_json", "" },
		/* Unknown members. */
		{ "{" NAME "," EXP ",\"permissions\":[\"*\"],\"user\":\"root\"}",
		    "unknown_field", "user" },
		{ "{" NAME "," EXP ",\"permissions\":[\"*\"],\"graceSeconds\":1}",
		    "unknown_field", "graceSeconds" },
		{ "{" NAME "," EXP ",\"Permissions\":[\"*\"]}", "unknown_field",
		    "Permissions" },
		/* name. */
		{ "{" EXP ",\"permissions\":[\"*\"]}", "missing_field", "name" },
		{ "{\"name\":\"\"," EXP ",\"permissions\":[\"*\"]}",
		    "invalid_field", "name" },
		{ "{\"name\":1," EXP ",\"permissions\":[\"*\"]}", "invalid_field",
		    "name" },
		{ "{\"name\":null," EXP ",\"permissions\":[\"*\"]}",
		    "invalid_field", "name" },
		{ "{\"name\":\"a\\nb\"," EXP ",\"permissions\":[\"*\"]}",
		    "invalid_field", "name" },
		{ "{\"name\":\"a\\u0000b\"," EXP ",\"permissions\":[\"*\"]}",
		    "invalid_field", "name" },
		{ "{\"name\":\"a\\u0085b\"," EXP ",\"permissions\":[\"*\"]}",
		    "invalid_field", "name" },
		{ "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaa\"," EXP ",\"permissions\":[\"*\"]}",
		    "invalid_field", "name" },
		/* expiresInDays. */
		{ "{" NAME ",\"permissions\":[\"*\"]}", "missing_field",
		    "expiresInDays" },
		{ "{" NAME ",\"expiresInDays\":0,\"permissions\":[\"*\"]}",
		    "invalid_field", "expiresInDays" },
		{ "{" NAME ",\"expiresInDays\":-1,\"permissions\":[\"*\"]}",
		    "invalid_field", "expiresInDays" },
		{ "{" NAME ",\"expiresInDays\":91,\"permissions\":[\"*\"]}",
		    "invalid_field", "expiresInDays" },
		{ "{" NAME ",\"expiresInDays\":90,\"permissions\":[\"*\"]}", NULL,
		    NULL },
		{ "{" NAME ",\"expiresInDays\":30.0,\"permissions\":[\"*\"]}",
		    "invalid_field", "expiresInDays" },
		{ "{" NAME ",\"expiresInDays\":3e1,\"permissions\":[\"*\"]}",
		    "invalid_field", "expiresInDays" },
		{ "{" NAME ",\"expiresInDays\":\"30\",\"permissions\":[\"*\"]}",
		    "invalid_field", "expiresInDays" },
		{ "{" NAME ",\"expiresInDays\":99999999999999999999999,"
		    "\"permissions\":[\"*\"]}", "invalid_field", "expiresInDays" },
		{ "{" NAME ",\"expiresInDays\":true,\"permissions\":[\"*\"]}",
		    "invalid_field", "expiresInDays" },
		/* permissions and profile. */
		{ "{" NAME "," EXP "}", "missing_field", "permissions" },
		{ "{" NAME "," EXP ",\"permissions\":[]}", "missing_field",
		    "permissions" },
		{ "{" NAME "," EXP ",\"permissions\":\"*\"}", "invalid_field",
		    "permissions" },
		{ "{" NAME "," EXP ",\"permissions\":[\"a:b\",\"nope\"]}",
		    "invalid_field", "permissions[1]" },
		{ "{" NAME "," EXP ",\"permissions\":[\"a:b\",7]}",
		    "invalid_field", "permissions[1]" },
		{ "{" NAME "," EXP ",\"permissions\":[\"a:b c:d\"]}",
		    "invalid_field", "permissions[0]" },
		{ "{" NAME "," EXP ",\"profile\":\"nope\"}", "invalid_field",
		    "profile" },
		{ "{" NAME "," EXP ",\"profile\":\"ci\",\"permissions\":[\"a:b\"]}",
		    "invalid_field", "profile" },
		/* Rules. */
		{ "{" NAME "," EXP ",\"apiRules\":[\"GET api\"]}",
		    "invalid_field", "apiRules[0]" },
		{ "{" NAME "," EXP ",\"apiRules\":[\"GET /a\\nPOST /b\"]}",
		    "invalid_field", "apiRules[0]" },
		{ "{" NAME "," EXP ",\"apiRules\":[\"GET /a/../b\"]}",
		    "invalid_field", "apiRules[0]" },
		{ "{" NAME "," EXP ",\"apiRules\":[\"\"]}", "invalid_field",
		    "apiRules[0]" },
		{ "{" NAME "," EXP ",\"resourceRules\":[\"nocolon\"]}",
		    "invalid_field", "resourceRules[0]" },
		/* CIDRs and environments. */
		{ "{" NAME "," EXP ",\"permissions\":[\"*\"],\"allowedCidrs\":"
		    "[\"10.0.0.1/8\"]}", "invalid_field", "allowedCidrs[0]" },
		{ "{" NAME "," EXP ",\"permissions\":[\"*\"],\"allowedCidrs\":"
		    "[\"10.0.0.0/8\",\"fe80::1%eth0\"]}", "invalid_field",
		    "allowedCidrs[1]" },
		{ "{" NAME "," EXP ",\"permissions\":[\"*\"],\"allowedCidrs\":"
		    "[\" 10.0.0.0/8\"]}", "invalid_field", "allowedCidrs[0]" },
		{ "{" NAME "," EXP ",\"permissions\":[\"*\"],\"environments\":"
		    "[\"Prod\"]}", "invalid_field", "environments[0]" },
		{ "{" NAME "," EXP ",\"permissions\":[\"*\"],\"environments\":"
		    "\"prod\"}", "invalid_field", "environments" },
	};
	struct tg_apireq_token t;
	struct tg_apireq_error e;
	struct tg_config cfg;
	char err[256], body[8192];
	size_t i, n;
	int rc;

	tg_config_defaults(&cfg);
	TG_CHECK(tg_config_parse(&cfg, "t", S("max_expiry_days = 90\n"
	    "profile.ci = token:read run:*\n"), err, sizeof err) == 0,
	    "config: %s", err);
	run_create(&cfg, rows, sizeof rows / sizeof rows[0]);

	/* What is stored: canonical CIDRs, profiles expanded, '\n' lists. */
	memset(&e, 0, sizeof e);
	rc = tg_apireq_parse_create(S("{\"name\":\"caf\xc3\xa9\",\"expiresInDays\":"
	    "7,\"profile\":\"ci\",\"allowedCidrs\":[\"10.1.0.0/16\",\"::ffff:"
	    "10.0.0.0/104\",\"192.0.2.1\",\"2001:DB8::/32\"],\"environments\":"
	    "[\"prod\",\"dev\"],\"apiRules\":[\"GET /a/**\",\"!*\"]}"), &cfg,
	    &t, &e);
	TG_CHECK(rc == 0, "full create: %s", e.message);
	if (rc == 0) {
		TG_CHECK_STR(t.name, "caf\xc3\xa9", "name");
		TG_CHECK_INT(t.expires_in_days, 7, "days");
		TG_CHECK_STR(t.profile, "ci", "profile");
		TG_CHECK_STR(t.permissions, "token:read\nrun:*", "from profile");
		TG_CHECK(t.cidrs != NULL && strncmp(t.cidrs, "10.1.0.0/16\n",
		    12) == 0 && strstr(t.cidrs, "192.0.2.1/32") != NULL &&
		    strstr(t.cidrs, "2001:db8::/32") != NULL, "canonical CIDRs: "
		    "%s", t.cidrs ? t.cidrs : "(null)");
		TG_CHECK_STR(t.environments, "prod\ndev", "environments");
		TG_CHECK_STR(t.api_rules, "GET /a/**\n!*", "api rules");
		TG_CHECK(t.resource_rules == NULL, "resource rules not given");
	}
	tg_apireq_token_free(&t);

	/* The list limits. */
	n = (size_t)snprintf(body, sizeof body, "{" NAME "," EXP
	    ",\"permissions\":[\"*\"],\"allowedCidrs\":[");
	for (i = 0; i < 65; i++)
		n += (size_t)snprintf(body + n, sizeof body - n, "%s\"10.0.%zu."
		    "0/24\"", i ? "," : "", i);
	n += (size_t)snprintf(body + n, sizeof body - n, "]}");
	rc = tg_apireq_parse_create(body, n, &cfg, &t, &e);
	TG_CHECK(rc == -1 && strcmp(e.field, "allowedCidrs") == 0,
	    "65 CIDRs: %s", e.message);
	tg_apireq_token_free(&t);
	/* max_expiry_days never goes above 365; 365 is accepted. */
	cfg.max_expiry_days = 365;
	rc = tg_apireq_parse_create(S("{\"name\":\"x\",\"expiresInDays\":365,"
	    "\"permissions\":[\"*\"]}"), &cfg, &t, &e);
	TG_CHECK(rc == 0, "365 days: %s", e.message);
	tg_apireq_token_free(&t);
	rc = tg_apireq_parse_create(S("{\"name\":\"x\",\"expiresInDays\":366,"
	    "\"permissions\":[\"*\"]}"), &cfg, &t, &e);
	TG_CHECK(rc == -1 && strcmp(e.field, "expiresInDays") == 0, "366");
	tg_apireq_token_free(&t);
}

static void
test_update_rotate(void)
{
	static const struct row rows[] = {
		{ "{\"name\":\"new\"}", NULL, NULL },
		{ "{\"permissions\":[]}", NULL, NULL },
		{ "{\"apiRules\":[\"GET /x\"],\"allowedCidrs\":[],"
		    "\"environments\":[\"dev\"],\"resourceRules\":[\"*\"]}", NULL,
		    NULL },
		{ "{}", "missing_field", "" },
		{ "{\"expiresInDays\":3}", "unknown_field", "expiresInDays" },
		{ "{\"profile\":\"ci\"}", "unknown_field", "profile" },
		{ "{\"id\":\"abc\"}", "unknown_field", "id" },
		{ "{\"name\":\"a\",\"name\":\"b\"}", "invalid_json", "name" },
		{ "{\"name\":[]}", "invalid_field", "name" },
		{ "{\"apiRules\":[\"GET x\"]}", "invalid_field", "apiRules[0]" },
	};
	struct tg_apireq_error e;
	long g;

	run_update(rows, sizeof rows / sizeof rows[0]);
	TG_CHECK(tg_apireq_parse_rotate("", 0, 60, &g, &e) == 0 && g == 0,
	    "empty rotate body");
	TG_CHECK(tg_apireq_parse_rotate(" \r\n", 3, 60, &g, &e) == 0 && g == 0,
	    "blank rotate body");
	TG_CHECK(tg_apireq_parse_rotate("{}", 2, 60, &g, &e) == 0 && g == 0,
	    "{} rotate body");
	TG_CHECK(tg_apireq_parse_rotate("{\"graceSeconds\":60}", 19, 60, &g,
	    &e) == 0 && g == 60, "grace at the maximum");
	TG_CHECK(tg_apireq_parse_rotate("{\"graceSeconds\":61}", 19, 60, &g,
	    &e) == -1 && strcmp(e.field, "graceSeconds") == 0, "grace above");
	TG_CHECK(tg_apireq_parse_rotate("{\"graceSeconds\":-1}", 19, 60, &g,
	    &e) == -1 && strcmp(e.code, "invalid_field") == 0, "negative");
	TG_CHECK(tg_apireq_parse_rotate("{\"graceSeconds\":1}", 18, 0, &g,
	    &e) == -1, "max 0 allows only 0");
	TG_CHECK(tg_apireq_parse_rotate("{\"graceSeconds\":0}", 18, 0, &g,
	    &e) == 0 && g == 0, "0 with max 0");
	TG_CHECK(tg_apireq_parse_rotate("{\"grace\":1}", 11, 60, &g, &e) == -1 &&
	    strcmp(e.code, "unknown_field") == 0, "unknown rotate member");
	TG_CHECK(tg_apireq_parse_rotate("x", 1, 60, &g, &e) == -1 &&
	    strcmp(e.code, "invalid_json") == 0, "junk rotate body");
}

int
main(void)
{
	test_create();
	test_update_rotate();
	return tg_test_done("test_apireq");
}
