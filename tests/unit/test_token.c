/* Unit tests for lib/token: format, checksum, parsing and the header. */
#include <stdio.h>
#include <string.h>

#include "tg_test.h"
#include "token.h"

static void
test_generate_parse(void)
{
	struct tg_token t, p, r;
	char bad[TG_TOKEN_MAX_LEN + 1];
	size_t i;

	TG_CHECK(tg_token_generate("tg", NULL, &t) == 0, "generate");
	TG_CHECK_INT(t.len, 3 + 50, "token length");
	TG_CHECK(strncmp(t.text, "tg_", 3) == 0, "prefix: %s", t.text);
	TG_CHECK(memcmp(t.id, t.text + 3, 12) == 0, "id is after prefix");
	TG_CHECK(tg_token_parse(t.text, t.len, "tg", &p) == TG_TOKEN_OK,
	    "round trip parse");
	TG_CHECK_STR(p.id, t.id, "parsed id");
	TG_CHECK(tg_token_parse(t.text, t.len, "xx", &p) == TG_TOKEN_MALFORMED,
	    "other prefix is malformed");

	/* Every single-character change is caught by the checksum or shape. */
	for (i = 3; i < t.len; i++) {
		memcpy(bad, t.text, t.len + 1);
		bad[i] = bad[i] == 'a' ? 'b' : 'a';
		TG_CHECK(tg_token_parse(bad, t.len, "tg", &p) != TG_TOKEN_OK,
		    "flip at %zu accepted", i);
	}
	memcpy(bad, t.text, t.len + 1);
	bad[10] = '-';
	TG_CHECK(tg_token_parse(bad, t.len, "tg", &p) == TG_TOKEN_MALFORMED,
	    "non-base62 char");
	memcpy(bad, t.text, t.len + 1);
	bad[t.len - 1] = bad[t.len - 1] == '0' ? '1' : '0';
	TG_CHECK(tg_token_parse(bad, t.len, "tg", &p) == TG_TOKEN_BAD_CHECKSUM,
	    "bad check digit is BAD_CHECKSUM");
	/* Every wrong length, shorter and longer. */
	for (i = 0; i < t.len + 5; i++) {
		if (i == t.len)
			continue;
		memset(bad, 'a', sizeof bad);
		memcpy(bad, t.text, i < t.len ? i : t.len);
		TG_CHECK(tg_token_parse(bad, i, "tg", &p) == TG_TOKEN_MALFORMED,
		    "length %zu accepted", i);
	}
	/* Rotation keeps the id and changes the secret. */
	TG_CHECK(tg_token_generate("tg", t.id, &r) == 0, "generate for id");
	TG_CHECK_STR(r.id, t.id, "rotation keeps id");
	TG_CHECK(strcmp(r.text, t.text) != 0, "rotation changes secret");
	TG_CHECK(tg_token_generate("tg", "short", &r) == -1, "bad id refused");
	TG_CHECK(tg_token_generate("TG", NULL, &r) == -1, "bad prefix refused");
	tg_token_wipe(&t);
	for (i = 0; i < sizeof t.text; i++)
		if (t.text[i] != 0)
			break;
	TG_CHECK(i == sizeof t.text, "wipe clears the text");
}

static void
test_crc(void)
{
	/* The standard check value of CRC-32/ISO-HDLC. */
	TG_CHECK(tg_token_crc32("123456789", 9) == 0xCBF43926U, "crc32");
	TG_CHECK(tg_token_crc32("", 0) == 0, "crc32 empty");
	TG_CHECK(tg_token_crc32("a", 1) == 0xE8B7BE43U, "crc32 one byte");
}

/* The plain bitwise CRC-32, to check the table-driven one against. */
static uint32_t
crc32_bitwise(const unsigned char *p, size_t len)
{
	uint32_t c = 0xFFFFFFFFU;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320U & (0U - (c & 1U)));
	}
	return c ^ 0xFFFFFFFFU;
}

static void
test_crc_random(void)
{
	unsigned char buf[80];
	uint32_t x = 12345;
	size_t i, len, bad = 0;
	int n;

	/* Every byte value at every length, from a fixed xorshift stream. */
	for (n = 0; n < 20000; n++) {
		len = (size_t)n % sizeof buf;
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (unsigned char)x;
		}
		if (tg_token_crc32(buf, len) != crc32_bitwise(buf, len))
			bad++;
	}
	TG_CHECK(bad == 0, "table crc32 equals the bitwise one on 20000 inputs");
}

static void
test_prefix(void)
{
	static const struct { const char *p; int ok; } rows[] = {
		{ "tg", 1 }, { "a", 1 }, { "floh", 1 }, { "ghp2", 1 },
		{ "abcdefghijklmnop", 1 }, { "abcdefghijklmnopq", 0 },
		{ "", 0 }, { "2tg", 0 }, { "Tg", 0 }, { "t_g", 0 },
		{ "t-g", 0 }, { "t g", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		TG_CHECK(tg_token_prefix_valid(rows[i].p) == rows[i].ok,
		    "prefix \"%s\"", rows[i].p);
}

static void
test_header(void)
{
	static const struct {
		const char *h, *tok;
		int found;
	} rows[] = {
		{ "Bearer abc", "abc", 1 },
		{ "bearer abc", "abc", 1 },
		{ "BEARER   abc  ", "abc", 1 },
		{ "Bearer abc\t", "abc", 1 },
		{ "Bearer", NULL, 0 },
		{ "Bearerabc", NULL, 0 },
		{ "Basic dXNlcjpwYXNz", NULL, 0 },
		{ "", NULL, 0 },
		{ "Bearer ", "", 1 },
		{ "Bearer a b", "a b", 1 },
	};
	const char *tok;
	size_t i, len;
	int f;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		f = tg_token_from_authorization(rows[i].h, &tok, &len);
		TG_CHECK_INT(f, rows[i].found, rows[i].h);
		if (f && rows[i].tok != NULL)
			TG_CHECK(len == strlen(rows[i].tok) &&
			    memcmp(tok, rows[i].tok, len) == 0,
			    "header \"%s\"", rows[i].h);
	}
	TG_CHECK(tg_token_from_authorization(NULL, &tok, &len) == 0, "NULL");
}

static void
test_display(void)
{
	char out[32];

	TG_CHECK(tg_token_display("tg", "AbCdEfGhIjKl", out, sizeof out) == 0,
	    "display");
	TG_CHECK_STR(out, "tg_AbCdEfGhIjKl", "display text");
	TG_CHECK(tg_token_display("tg", "AbCdEfGhIjKl", out, 8) == -1,
	    "display too small");
	TG_CHECK(tg_token_id_valid("AbCdEfGhIjKl", 12), "id valid");
	TG_CHECK(!tg_token_id_valid("AbCdEfGhIjK_", 12), "id invalid char");
	TG_CHECK(!tg_token_id_valid("AbCdEfGhIjK", 11), "id short");
}

static void
test_redact(void)
{
	char s[200];

	snprintf(s, sizeof s, "bad \"tg_AbCdEfGhIjKlSECRETsecret123\" and "
	    "tg_short, xtg_AbCdEfGhIjKlMORE");
	tg_token_redact(s, "tg");
	TG_CHECK_STR(s, "bad \"tg_AbCdEfGhIjKl***************\" and "
	    "tg_short, xtg_AbCdEfGhIjKl****", "redact keeps prefix and id");
}

int
main(void)
{
	test_redact();
	test_generate_parse();
	test_crc();
	test_crc_random();
	test_prefix();
	test_header();
	test_display();
	return tg_test_done("test_token");
}
