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
	/*
	 * tg_names_clean: what goes into the audit log.  Every output must be
	 * valid printable UTF-8 (MariaDB's utf8mb4 refuses anything else and
	 * the record would be lost), cut only between characters.
	 */
	static const struct {
		const char *in; size_t max; const char *out;
	} cleans[] = {
		{ "plain", 100, "plain" },
		{ "caf\xc3\xa9", 100, "caf\xc3\xa9" },
		{ "a:b\nforged: x", 100, "a:b\\x0aforged: x" },
		{ "a\\x0a", 100, "a\\x0a" },	/* kept as it is */
		{ "\xc0\xaf\xff", 100, "\\xc0\\xaf\\xff" },
		{ "\xed\xa0\x80", 100, "\\xed\\xa0\\x80" },
		{ "\x7f\r\t", 100, "\\x7f\\x0d\\x09" },
		/* a cut never splits a character or an escape */
		{ "abcdefgh\xc3\xa9", 9, "abcdef..." },
		{ "abcde\xc3\xa9xyz", 9, "abcde..." },
		{ "abcd\xc3\xa9", 9, "abcd\xc3\xa9" },
		{ "ab\ncdef", 7, "ab..." },
		{ "\xf0\x9f\x94\x91\xf0\x9f\x94\x91", 10,
		    "\xf0\x9f\x94\x91\xf0\x9f\x94\x91" },
		{ "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91", 10,
		    "\xf0\x9f\x94\x91..." },
	};
	char out[64], big[4096], clean[1100];
	size_t i;

	for (i = 0; i < sizeof cleans / sizeof cleans[0]; i++) {
		tg_names_clean(cleans[i].in, strlen(cleans[i].in),
		    cleans[i].max, out, sizeof out);
		TG_CHECK_STR(out, cleans[i].out, "clean row");
		TG_CHECK(tg_names_utf8_printable(out, strlen(out)),
		    "clean row %zu is printable UTF-8", i);
		TG_CHECK(strlen(out) <= cleans[i].max, "clean row %zu fits", i);
	}
	/* Every cut of a long multi-byte text stays valid. */
	for (i = 0; i + 4 <= sizeof big; i += 4)
		memcpy(big + i, "\xe2\x82\xac\x01", 4);
	for (i = 4; i < 1024; i++) {
		tg_names_clean(big, sizeof big, i, clean, sizeof clean);
		if (!tg_names_utf8_printable(clean, strlen(clean)) ||
		    strlen(clean) > i)
			break;
	}
	TG_CHECK(i == 1024, "every cut of a long text is valid (%zu)", i);
	tg_names_clean("abc", 3, 100, out, 4);
	TG_CHECK_STR(out, "abc", "exact fit in dst");
	tg_names_clean("abcd", 4, 100, out, 4);
	TG_CHECK_STR(out, "...", "dst too small for the text");

	tg_names_quote("a\nb\"", 4, 60, out, sizeof out);
	TG_CHECK_STR(out, "a\\x0ab\\\"", "quote escapes");
	tg_names_quote("abcdefgh", 8, 4, out, sizeof out);
	TG_CHECK_STR(out, "abcd...", "quote cut at max");
	tg_names_quote("\n\n\n\n", 4, 60, out, 12);
	TG_CHECK_STR(out, "\\x0a\\x0a...", "quote cut by dst is marked");

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
