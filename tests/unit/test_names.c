/* Unit tests for lib/names: what may be stored and echoed in headers. */
#include <string.h>

#include "names.h"
#include "tg_test.h"

int
main(void)
{
	static const struct { const char *s; int ok; } users[] = {
		{ "alice", 1 }, { "a.b-c_d@example.org", 1 }, { "A1", 1 },
		{ "", 0 }, { "-x", 0 }, { "a b", 0 }, { "a\nb", 0 },
		{ "a\rb", 0 }, { "a:b", 0 }, { "\xc3\xa9", 0 },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1 },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0 },
	};
	static const struct { const char *s; int ok; } labels[] = {
		{ "Cursor MCP", 1 }, { "caf\xc3\xa9", 1 }, { "", 0 },
		{ "a\nb", 0 }, { "a\x7f", 0 }, { "\xc0\xaf", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xf4\x90\x80\x80", 0 }, { "\xe2\x82", 0 },
		{ "\xc2\x85", 0 }, { "\xf0\x9f\x94\x91 key", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof users / sizeof users[0]; i++)
		TG_CHECK(tg_names_user_valid(users[i].s) == users[i].ok,
		    "user row %zu", i);
	for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
		TG_CHECK(tg_names_label_valid(labels[i].s) == labels[i].ok,
		    "label row %zu", i);
	TG_CHECK(tg_names_role_valid("resource_manager"), "role");
	TG_CHECK(!tg_names_role_valid("Admin"), "role upper");
	TG_CHECK(tg_names_env_valid("development", 11), "env");
	TG_CHECK(!tg_names_env_valid("prod uction", 11), "env space");
	TG_CHECK(tg_names_header_safe("a b:c"), "header safe");
	TG_CHECK(!tg_names_header_safe("a\r\nX-Evil: 1"), "header CRLF");
	return tg_test_done("test_names");
}
