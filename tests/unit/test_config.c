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
		{ "db_host = a\x01" "b\n", "t.conf:1: db_host: control" },
		{ "api_base = /api/auth/\n", "t.conf:1: api_base" },
		{ "api_base = api\n", "t.conf:1: api_base" },
		{ "max_expiry_days = 366\n", "t.conf:1: max_expiry_days" },
		{ "db_connect_timeout = 0\n", "t.conf:1: db_connect_timeout" },
	};
	struct tg_config c;
	char err[512], big[2000];
	size_t i;

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
	return tg_test_done("test_config");
}
