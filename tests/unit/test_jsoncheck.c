/* Unit tests for lib/jsoncheck: strict JSON and duplicate member names. */
#include <stdlib.h>
#include <string.h>

#include "jsoncheck.h"
#include "tg_test.h"

#define OK	TG_JSONCHECK_OK
#define SYN	TG_JSONCHECK_SYNTAX
#define DUP	TG_JSONCHECK_DUPLICATE
#define LIM	TG_JSONCHECK_LIMIT

int
main(void)
{
	static const struct {
		const char		*text;
		unsigned		 depth;
		enum tg_jsoncheck_rc	 want;
		const char		*key;	/* for DUP */
	} rows[] = {
		/* Plain values of every type. */
		{ "{}", 0, OK, NULL },
		{ " { } \n", 0, OK, NULL },
		{ "[]", 0, OK, NULL },
		{ "\"x\"", 0, OK, NULL },
		{ "0", 0, OK, NULL },
		{ "-0", 0, OK, NULL },
		{ "-12.5e+3", 0, OK, NULL },
		{ "1E9", 0, OK, NULL },
		{ "true", 0, OK, NULL },
		{ "false", 0, OK, NULL },
		{ "null", 0, OK, NULL },
		{ "{\"a\":1,\"b\":[true,false,null,\"s\",{\"c\":{}}]}", 0, OK,
		    NULL },
		{ "{\"name\":\"caf\xc3\xa9 \xf0\x9f\x94\x91\"}", 0, OK, NULL },
		{ "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\udd11\"}",
		    0, OK, NULL },
		/* What json-c would accept but we do not. */
		{ "{'a':1}", 0, SYN, NULL },
		{ "{\"a\":NaN}", 0, SYN, NULL },
		{ "{\"a\":Infinity}", 0, SYN, NULL },
		{ "{\"a\":\"\\ud800\"}", 0, SYN, NULL },
		{ "{\"a\":\"\\udc00\"}", 0, SYN, NULL },
		{ "{\"a\":\"\\ud800\\u0041\"}", 0, SYN, NULL },
		{ "{\"a\":\"x\ty\"}", 0, SYN, NULL },
		{ "{\"a\":1,}", 0, SYN, NULL },
		{ "[1,]", 0, SYN, NULL },
		{ "[,1]", 0, SYN, NULL },
		{ "{\"a\" 1}", 0, SYN, NULL },
		{ "{\"a\":1 \"b\":2}", 0, SYN, NULL },
		{ "{a:1}", 0, SYN, NULL },
		{ "/*c*/{}", 0, SYN, NULL },
		{ "{}//", 0, SYN, NULL },
		{ "{} {}", 0, SYN, NULL },
		{ "{}x", 0, SYN, NULL },
		{ "\xef\xbb\xbf{}", 0, SYN, NULL },
		{ "", 0, SYN, NULL },
		{ "   ", 0, SYN, NULL },
		{ "01", 0, SYN, NULL },
		{ "+1", 0, SYN, NULL },
		{ "1.", 0, SYN, NULL },
		{ ".5", 0, SYN, NULL },
		{ "1e", 0, SYN, NULL },
		{ "-", 0, SYN, NULL },
		{ "tru", 0, SYN, NULL },
		{ "True", 0, SYN, NULL },
		{ "nulll", 0, SYN, NULL },
		{ "\"abc", 0, SYN, NULL },
		{ "\"a\\", 0, SYN, NULL },
		{ "\"\\x41\"", 0, SYN, NULL },
		{ "\"\\u12\"", 0, SYN, NULL },
		{ "\"\\u12G4\"", 0, SYN, NULL },
		{ "{\"a\":1", 0, SYN, NULL },
		{ "[1", 0, SYN, NULL },
		{ "{\"a\"}", 0, SYN, NULL },
		/* Bad UTF-8 inside strings: overlong, surrogate, too big. */
		{ "\"\xc0\xaf\"", 0, SYN, NULL },
		{ "\"\xe0\x80\xaf\"", 0, SYN, NULL },
		{ "\"\xed\xa0\x80\"", 0, SYN, NULL },
		{ "\"\xf4\x90\x80\x80\"", 0, SYN, NULL },
		{ "\"\xc3\"", 0, SYN, NULL },
		{ "\"\x80\"", 0, SYN, NULL },
		{ "\"\xff\"", 0, SYN, NULL },
		/* Duplicates, also when spelled differently. */
		{ "{\"a\":1,\"a\":2}", 0, DUP, "a" },
		{ "{\"name\":\"x\",\"n\\u0061me\":\"y\"}", 0, DUP, "name" },
		{ "{\"a\\/b\":1,\"a/b\":2}", 0, DUP, "a/b" },
		{ "{\"\\u00e9\":1,\"\xc3\xa9\":2}", 0, DUP, "\xc3\xa9" },
		{ "{\"permissions\":[],\"x\":{},\"permissions\":[\"*\"]}", 0,
		    DUP, "permissions" },
		{ "{\"a\":{\"b\":1,\"b\":2}}", 0, DUP, "b" },
		{ "[{\"a\":1},{\"a\":1}]", 0, OK, NULL },
		{ "{\"a\":{\"b\":1},\"b\":2}", 0, OK, NULL },
		{ "{\"a\":{\"a\":{\"a\":1}}}", 0, OK, NULL },
		{ "{\"a\":1,\"A\":2}", 0, OK, NULL },
		{ "{\"\":1,\"\":2}", 0, DUP, "" },
		{ "{\"a\\u0000\":1,\"a\":2}", 0, OK, NULL },
		/* Depth. */
		{ "{\"a\":1}", 1, OK, NULL },
		{ "{\"a\":[]}", 1, LIM, NULL },
		{ "[[[]]]", 3, OK, NULL },
		{ "[[[[]]]]", 3, LIM, NULL },
	};
	char err[128], key[64], *big;
	enum tg_jsoncheck_rc rc;
	size_t i, n;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		rc = tg_jsoncheck(rows[i].text, strlen(rows[i].text),
		    rows[i].depth, err, sizeof err, key, sizeof key);
		TG_CHECK(rc == rows[i].want, "row %zu (%s): got %d want %d: %s",
		    i, rows[i].text, rc, rows[i].want, err);
		if (rows[i].want == OK)
			TG_CHECK(err[0] == '\0', "row %zu: no message", i);
		else
			TG_CHECK(strncmp(err, "byte ", 5) == 0, "row %zu: message "
			    "names the byte: %s", i, err);
		if (rows[i].key != NULL && rc == DUP)
			TG_CHECK_STR(key, rows[i].key, rows[i].text);
	}
	/* A NUL byte is never JSON, and len is honoured. */
	TG_CHECK(tg_jsoncheck("{}\0", 3, 0, err, sizeof err, NULL, 0) == SYN,
	    "trailing NUL");
	TG_CHECK(tg_jsoncheck("{\"a\0\":1}", 8, 0, err, sizeof err, NULL, 0) ==
	    SYN, "NUL in a string");
	TG_CHECK(tg_jsoncheck("{}xyz", 2, 0, NULL, 0, NULL, 0) == OK,
	    "reads only len bytes");
	TG_CHECK(tg_jsoncheck("[1", 1, 0, NULL, 0, NULL, 0) == SYN,
	    "truncated by len");
	/* The default depth limit is TG_JSONCHECK_DEPTH_MAX. */
	big = malloc(4096);
	TG_CHECK(big != NULL, "malloc");
	if (big == NULL)
		return tg_test_done("test_jsoncheck");
	memset(big, '[', 64);
	memset(big + 64, ']', 64);
	TG_CHECK(tg_jsoncheck(big, 128, 0, err, sizeof err, NULL, 0) == OK,
	    "64 deep: %s", err);
	memset(big, '[', 65);
	memset(big + 65, ']', 65);
	TG_CHECK(tg_jsoncheck(big, 130, 0, err, sizeof err, NULL, 0) == LIM,
	    "65 deep");
	TG_CHECK(tg_jsoncheck(big, 130, 1000, err, sizeof err, NULL, 0) ==
	    LIM, "the cap wins over a larger max_depth");
	/* At most TG_JSONCHECK_MEMBERS_MAX members per object. */
	for (n = 0, i = 0; i < 257; i++)
		n += (size_t)snprintf(big + n, 4096 - n, "%s\"%02zx%02zx\":0",
		    i == 0 ? "{" : ",", i / 256, i % 256);
	big[n] = '}';
	TG_CHECK(tg_jsoncheck(big, n + 1, 0, err, sizeof err, NULL, 0) == LIM,
	    "257 members: %s", err);
	n = 0;
	for (i = 0; i < 256; i++)
		n += (size_t)snprintf(big + n, 4096 - n, "%s\"%02zx%02zx\":0",
		    i == 0 ? "{" : ",", i / 256, i % 256);
	big[n] = '}';
	TG_CHECK(tg_jsoncheck(big, n + 1, 0, err, sizeof err, NULL, 0) == OK,
	    "256 members: %s", err);
	/* A long repeated name is cut for the caller at a boundary. */
	n = 0;
	big[n++] = '{';
	for (i = 0; i < 2; i++) {
		big[n++] = '"';
		memset(big + n, 'k', 62);
		n += 62;
		memcpy(big + n, "\xc3\xa9\":1,", 6);
		n += 6;
	}
	big[n - 1] = '}';
	TG_CHECK(tg_jsoncheck(big, n, 0, err, sizeof err, key, sizeof key) ==
	    DUP && strlen(key) == 62, "cut key: %zu", strlen(key));
	free(big);
	return tg_test_done("test_jsoncheck");
}
