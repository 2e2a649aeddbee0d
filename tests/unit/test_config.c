/* Unit tests for lib/config: the strict key = value parser. */
#include <string.h>

#include "config.h"
#include "tg_test.h"

static int
parse(struct tg_config *c, const char *text, char *err, size_t errsz)
{
	tg_config_defaults(c);
	err[0] = '\0';
	return tg_config_parse(c, "t.conf", text, strlen(text), err, errsz);
}

int
main(void)
{
	static const struct {
		const char *text;
		const char *err;	/* NULL: must parse */
	} rows[] = {
		{ "", NULL },
		{ "# only a comment\n\n   \n", NULL },
		{ "db_host = db.example\n", NULL },
		{ "db_port=3307", NULL },
		{ "db_password = a#b c \n", NULL },
		{ "  token_prefix   =   floh  \r\n", NULL },
		{ "log_denials = no\n", NULL },
		{ "bogus = 1\n", "t.conf:1: unknown key 'bogus'" },
		{ "\n\ndb_port = 0\n", "t.conf:3: db_port: expected a number" },
		{ "db_port = 65536\n", "t.conf:1: db_port: expected a number" },
		{ "db_port = 12x\n", "t.conf:1: db_port" },
		{ "db_port = -1\n", "t.conf:1: db_port" },
		{ "db_port\n", "t.conf:1: expected 'key = value'" },
		{ "= x\n", "t.conf:1: expected 'key = value'" },
		{ "db_host = a\ndb_host = b\n", "t.conf:2: 'db_host' already set "
		    "on line 1" },
		{ "token_prefix = TG\n", "t.conf:1: token_prefix: must be" },
		{ "token_prefix = \n", "t.conf:1: token_prefix" },
		{ "log_denials = maybe\n", "t.conf:1: log_denials: expected yes" },
		{ "log_denials_per_second = 0\n", NULL },
		{ "log_denials_per_second = 1000000\n", NULL },
		{ "log_denials_per_second = 1000001\n",
		    "t.conf:1: log_denials_per_second: expected a number from 0" },
		{ "db_host = a\x01" "b\n", "t.conf:1: db_host: control" },
		{ "api_base = /api/auth/\n", "t.conf:1: api_base" },
		{ "api_base = api\n", "t.conf:1: api_base" },
		{ "max_expiry_days = 366\n", "t.conf:1: max_expiry_days" },
		{ "db_connect_timeout = 0\n", "t.conf:1: db_connect_timeout" },
		{ "trust_remote_user = yes\n", NULL },
		{ "trust_remote_user = sometimes\n", "t.conf:1: trust_remote_user: "
		    "expected yes" },
		{ "feed_keep_seconds = 600\n", NULL },
		{ "feed_keep_seconds = 599\n", "t.conf:1: feed_keep_seconds: "
		    "expected a number from 600 to 31536000" },
		{ "feed_keep_seconds = 10\n", "t.conf:1: feed_keep_seconds" },
		{ "feed_keep_seconds = 31536001\n",
		    "t.conf:1: feed_keep_seconds" },
		{ "audit_keep_days = 0\n", NULL },
		{ "audit_keep_days = 36500\n", NULL },
		{ "audit_keep_days = 36501\n", "t.conf:1: audit_keep_days" },
		{ "audit_keep_days = -1\n", "t.conf:1: audit_keep_days" },
		{ "max_body_bytes = 1024\n", NULL },
		{ "max_body_bytes = 1023\n", "t.conf:1: max_body_bytes: expected "
		    "a number from 1024 to 1048576" },
		{ "max_body_bytes = 1048577\n", "t.conf:1: max_body_bytes" },
		{ "rotation_max_grace_seconds = 0\n", NULL },
		{ "rotation_max_grace_seconds = 2592001\n",
		    "t.conf:1: rotation_max_grace_seconds" },
		{ "page_limit_default = 0\n", "t.conf:1: page_limit_default" },
		{ "page_limit_default = 300\n", "t.conf:1: page_limit_default "
		    "(300) is above page_limit_max (200)" },
		{ "page_limit_max = 1000\npage_limit_default = 300\n", NULL },
		{ "page_limit_max = 10\n\npage_limit_default = 20\n",
		    "t.conf:3: page_limit_default (20) is above" },
		{ "page_limit_max = 10\n", "t.conf:1: page_limit_default (50) is "
		    "above page_limit_max (10)" },
		{ "profile.ci = token:read  run:*\n", NULL },
		{ "profile.ci = *\n", NULL },
		{ "profile.workflow-author = a:b\n", NULL },
		{ "profile.CI = a:b\n", "t.conf:1: 'profile.CI': profile names" },
		{ "profile.a.b = a:b\n", "t.conf:1: 'profile.a.b': profile names" },
		{ "profile. = a:b\n", "t.conf:1: unknown key 'profile.'" },
		{ "profile.ci =\n", "t.conf:1: profile.ci: expected one or more" },
		{ "profile.ci = a:b nope\n", "t.conf:1: profile.ci: \"nope\" is "
		    "not a permission" },
		{ "profile.ci = a:b\x01\n", "t.conf:1: profile.ci: control" },
		{ "profile.ci = a:b\nprofile.ci = c:d\n", "t.conf:2: "
		    "'profile.ci' already set on line 1" },
		{ "profile.full-operator = a:b\nprofile.full-operator = c:d\n",
		    "t.conf:2: 'profile.full-operator' already set on line 1" },
		/* The read endpoint (issue 6, replicas). */
		{ "db_read_host = replica.example\ndb_read_port = 3307\n", NULL },
		{ "db_read_socket = /run/mysqld/replica.sock\n", NULL },
		{ "db_read_port = 0\n", "t.conf:1: db_read_port: expected a "
		    "number from 1 to 65535" },
		{ "db_read_port = 65536\n", "t.conf:1: db_read_port" },
		{ "db_read_host = a\ndb_read_host = b\n", "t.conf:2: "
		    "'db_read_host' already set on line 1" },
		{ "db_read_host = a\x01\n", "t.conf:1: db_read_host: control" },
		{ "db_read_max_lag = 1\n", NULL },
		{ "db_read_max_lag = 7\n", NULL },
		{ "db_read_max_lag = 0\n", "t.conf:1: db_read_max_lag: expected "
		    "a number from 1 to 7" },
		{ "db_read_max_lag = 8\n", "t.conf:1: db_read_max_lag" },
		{ "db_read = x\n", "t.conf:1: unknown key 'db_read'" },
	};
	const struct tg_config_profile *p;
	struct tg_config c;
	char err[512], big[2000];
	size_t i, n;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int rc = parse(&c, rows[i].text, err, sizeof err);

		if (rows[i].err == NULL)
			TG_CHECK(rc == 0, "row %zu should parse: %s", i, err);
		else
			TG_CHECK(rc == -1 && strncmp(err, rows[i].err,
			    strlen(rows[i].err)) == 0,
			    "row %zu: got \"%s\", want \"%s...\"", i, err,
			    rows[i].err);
	}
	TG_CHECK(parse(&c, "db_password = a#b c \n", err, sizeof err) == 0,
	    "password");
	TG_CHECK_STR(c.db_password, "a#b c", "'#' inside a value is kept");
	TG_CHECK(parse(&c, "db_port=3307\ntoken_prefix = floh", err,
	    sizeof err) == 0, "two keys");
	TG_CHECK_INT(c.db_port, 3307, "db_port");
	TG_CHECK_STR(c.token_prefix, "floh", "prefix");
	TG_CHECK_STR(c.db_name, "tokengate", "default db_name kept");
	TG_CHECK_INT(c.db_read_timeout, 2, "default read timeout");
	memset(big, 'x', sizeof big);
	memcpy(big, "db_host = ", 10);
	big[sizeof big - 1] = '\0';
	TG_CHECK(parse(&c, big, err, sizeof err) == -1 &&
	    strstr(err, "longer than") != NULL, "over-long value: %s", err);
	TG_CHECK(tg_config_parse(&c, "t.conf", "db_host = a\0b\n", 14, err,
	    sizeof err) == -1, "NUL byte refused");
	TG_CHECK(tg_config_load(&c, "/nonexistent.conf", err, sizeof err) ==
	    -1 && strstr(err, "/nonexistent.conf") != NULL, "missing file");

	/* The new API keys and their defaults. */
	TG_CHECK(parse(&c, "", err, sizeof err) == 0, "defaults");
	TG_CHECK_INT(c.trust_remote_user, 0, "trust_remote_user default");
	TG_CHECK_INT(c.max_body_bytes, 65536, "max_body_bytes default");
	TG_CHECK_INT(c.rotation_max_grace_seconds, 604800, "grace default");
	TG_CHECK_INT(c.page_limit_default, 50, "page default");
	TG_CHECK_INT(c.page_limit_max, 200, "page max");
	TG_CHECK_STR(c.db_read_host, "", "no read endpoint by default");
	TG_CHECK_STR(c.db_read_socket, "", "no read socket by default");
	TG_CHECK_INT(c.db_read_port, 3306, "db_read_port default");
	TG_CHECK_INT(c.db_read_max_lag, 5, "db_read_max_lag default");
	TG_CHECK_INT(c.feed_keep_seconds, 86400, "feed_keep_seconds default");
	TG_CHECK_INT(c.audit_keep_days, 0, "audit_keep_days: keep forever");
	TG_CHECK(parse(&c, "db_read_host = r1\ndb_read_port = 3307\n"
	    "db_read_socket = /tmp/r.sock\ndb_read_max_lag = 2\n", err,
	    sizeof err) == 0, "%s", err);
	TG_CHECK_STR(c.db_read_host, "r1", "db_read_host");
	TG_CHECK_INT(c.db_read_port, 3307, "db_read_port");
	TG_CHECK_STR(c.db_read_socket, "/tmp/r.sock", "db_read_socket");
	TG_CHECK_INT(c.db_read_max_lag, 2, "db_read_max_lag");
	TG_CHECK_STR(c.db_host, "localhost", "db_host untouched");
	TG_CHECK_INT(c.nprofiles, 3, "three built-in profiles");
	p = tg_config_profile(&c, "read-only-analyst");
	TG_CHECK(p != NULL && p->builtin && strncmp(p->permissions,
	    "workflow:read run:read ", 23) == 0, "analyst profile");
	p = tg_config_profile(&c, "full-operator");
	TG_CHECK(p != NULL && strstr(p->permissions, "config:import") != NULL,
	    "operator profile");
	TG_CHECK(tg_config_profile(&c, "nope") == NULL, "unknown profile");
	TG_CHECK(parse(&c, "trust_remote_user = on\nmax_body_bytes = 2048\n"
	    "rotation_max_grace_seconds = 0\n", err, sizeof err) == 0, "%s",
	    err);
	TG_CHECK_INT(c.trust_remote_user, 1, "trust_remote_user");
	TG_CHECK_INT(c.max_body_bytes, 2048, "max_body_bytes");
	TG_CHECK_INT(c.rotation_max_grace_seconds, 0, "grace 0 allowed");
	TG_CHECK(parse(&c, "profile.ci = token:read \t run:*  \n"
	    "profile.workflow-author = a:b\n", err, sizeof err) == 0, "%s",
	    err);
	TG_CHECK_INT(c.nprofiles, 4, "one profile added");
	p = tg_config_profile(&c, "ci");
	TG_CHECK(p != NULL && !p->builtin, "ci is not built in");
	TG_CHECK_STR(p != NULL ? p->permissions : "(none)", "token:read run:*",
	    "blanks collapse");
	p = tg_config_profile(&c, "workflow-author");
	TG_CHECK(p != NULL && !p->builtin, "built-in replaced");
	TG_CHECK_STR(p != NULL ? p->permissions : "(none)", "a:b", "replaced");
	/* Too many profiles: 3 built in + 29 fit, the 30th does not. */
	big[0] = '\0';
	for (i = 0, n = 0; i < 30; i++) {
		int w = snprintf(big + n, sizeof big - n, "profile.p%zu = a:b\n",
		    i);

		n += (size_t)w;
	}
	TG_CHECK(parse(&c, big, err, sizeof err) == -1 &&
	    strstr(err, "t.conf:30: profile.p29: more than 32 profiles") ==
	    err, "too many profiles: %s", err);
	/* A profile list may be longer than other values. */
	memcpy(big, "profile.long = ", 15);
	for (n = 15; n + 8 < 1000; n += 8)
		memcpy(big + n, "abc:def ", 8);
	big[n] = '\0';
	TG_CHECK(parse(&c, big, err, sizeof err) == 0, "long profile: %s", err);
	for (; n + 8 < sizeof big - 1; n += 8)
		memcpy(big + n, "abc:def ", 8);
	big[n] = '\0';
	TG_CHECK(parse(&c, big, err, sizeof err) == -1 &&
	    strstr(err, "longer than 1023") != NULL, "over-long profile: %s",
	    err);
	return tg_test_done("test_config");
}
