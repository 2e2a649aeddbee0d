/* Unit tests for lib/text: hex, percent escapes, UTF-8, times, lists. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "tg_test.h"

static void
test_hex(void)
{
	static const struct {
		int	 c;
		int	 want;
	} h[] = {
		{ '0', 0 }, { '9', 9 }, { 'a', 10 }, { 'f', 15 }, { 'A', 10 },
		{ 'F', 15 }, { 'g', -1 }, { 'G', -1 }, { '/', -1 },
		{ ':', -1 }, { '@', -1 }, { '`', -1 }, { ' ', -1 }, { 0, -1 },
		{ 0xff, -1 },
	};
	static const struct {
		const char	*s;
		size_t		 n;
		int		 want;
	} pct[] = {
		{ "%41", 3, 'A' }, { "%2f", 3, '/' }, { "%2F", 3, '/' },
		{ "%00", 3, 0 }, { "%ff", 3, 255 }, { "%c0%af", 6, 0xc0 },
		{ "%4", 2, -1 }, { "%", 1, -1 }, { "%41", 2, -1 },
		{ "%g1", 3, -1 }, { "%1g", 3, -1 }, { "%+1", 3, -1 },
		{ "% 1", 3, -1 },
	};
	char out[5], ctx[64];
	size_t i;

	for (i = 0; i < sizeof h / sizeof h[0]; i++) {
		snprintf(ctx, sizeof ctx, "hexval row %zu", i);
		TG_CHECK_INT(tg_text_hexval(h[i].c), h[i].want, ctx);
	}
	for (i = 0; i < sizeof pct / sizeof pct[0]; i++) {
		snprintf(ctx, sizeof ctx, "percent row %zu (%s)", i, pct[i].s);
		TG_CHECK_INT(tg_text_percent(pct[i].s, pct[i].n), pct[i].want,
		    ctx);
	}
	out[4] = '\0';
	tg_text_hex_escape(0x0a, out);
	TG_CHECK_STR(out, "\\x0a", "escape LF");
	tg_text_hex_escape(0xff, out);
	TG_CHECK_STR(out, "\\xff", "escape 0xff, lower case");
	tg_text_hex_escape('"', out);
	TG_CHECK_STR(out, "\\x22", "escape a quote");
}

/* Strict UTF-8 (RFC 3629): the table that was tg_path_utf8_valid's. */
static void
test_utf8(void)
{
	static const struct {
		const char	*s;
		int		 want;
	} u[] = {
		{ "", 1 }, { "abc", 1 }, { "\xc2\xa9", 1 }, { "\xe2\x82\xac", 1 },
		{ "\xf0\x9f\x94\x91", 1 }, { "\xf4\x8f\xbf\xbf", 1 },
		{ "\xed\x9f\xbf", 1 }, { "\xee\x80\x80", 1 },
		{ "\xc0\x80", 0 }, { "\xc1\xbf", 0 }, { "\xe0\x9f\xbf", 0 },
		{ "\xf0\x8f\xbf\xbf", 0 }, { "\xed\xa0\x80", 0 },
		{ "\xed\xbf\xbf", 0 }, { "\xf4\x90\x80\x80", 0 },
		{ "\xf5\x80\x80\x80", 0 }, { "\xff", 0 }, { "\x80", 0 },
		{ "\xc2", 0 }, { "\xe2\x82", 0 }, { "\xf0\x9f\x94", 0 },
		{ "\xc2\x41", 0 }, { "\xe2\x28\xa1", 0 },
		{ "\x01\x7f", 1 },	/* controls are characters here */
	};
	/* One character: its length and code point; 0 when not one. */
	static const struct {
		const char	*s;
		size_t		 n, len;
		unsigned long	 cp;
	} c[] = {
		{ "A", 1, 1, 0x41 }, { "\x7f", 1, 1, 0x7f },
		{ "\xc2\x80", 2, 2, 0x80 }, { "\xdf\xbf", 2, 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 3, 0x800 },
		{ "\xef\xbf\xbf", 3, 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		{ "\xe2\x82\xac" "x", 4, 3, 0x20ac },
		{ "\xe2\x82\xac", 2, 0, 0 },	/* cut by n */
		{ "A", 0, 0, 0 },
	};
	static const struct {
		unsigned char	lead;
		size_t		len;
	} l[] = {
		{ 0x00, 1 }, { 0x7f, 1 }, { 0x80, 0 }, { 0xbf, 0 }, { 0xc0, 0 },
		{ 0xc1, 0 }, { 0xc2, 2 }, { 0xdf, 2 }, { 0xe0, 3 }, { 0xef, 3 },
		{ 0xf0, 4 }, { 0xf4, 4 }, { 0xf5, 0 }, { 0xff, 0 },
	};
	unsigned long cp;
	char ctx[64];
	size_t i, n;

	for (i = 0; i < sizeof u / sizeof u[0]; i++) {
		snprintf(ctx, sizeof ctx, "utf8 row %zu", i);
		TG_CHECK_INT(tg_text_utf8_valid(u[i].s, strlen(u[i].s)),
		    u[i].want, ctx);
	}
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		cp = 0;
		n = tg_text_utf8_char(c[i].s, c[i].n, &cp);
		snprintf(ctx, sizeof ctx, "utf8 char row %zu", i);
		TG_CHECK_INT(n, c[i].len, ctx);
		if (n > 0)
			TG_CHECK_INT(cp, c[i].cp, ctx);
	}
	for (i = 0; i < sizeof l / sizeof l[0]; i++) {
		snprintf(ctx, sizeof ctx, "lead 0x%02x", l[i].lead);
		TG_CHECK_INT(tg_text_utf8_lead(l[i].lead), l[i].len, ctx);
	}
}

/* The table that was test_apireq's. */
static void
test_times(void)
{
	static const struct {
		const char	*s;
		int64_t		 t;	/* -1: must fail */
	} times[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-01-02T03:04:05Z", 1767323045 },
		{ "2000-02-29T12:00:00Z", 951825600 },
		{ "2024-12-31T23:59:59Z", 1735689599 },
		{ "9999-12-31T23:59:59Z", 253402300799LL },
		{ "2100-02-29T00:00:00Z", -1 },
		{ "2023-02-29T00:00:00Z", -1 },
		{ "2026-04-31T00:00:00Z", -1 },
		{ "2026-13-01T00:00:00Z", -1 },
		{ "2026-01-01T24:00:00Z", -1 },
		{ "2026-01-01T00:60:00Z", -1 },
		{ "2026-01-01T00:00:60Z", -1 },
		{ "2026-01-01 00:00:00Z", -1 },
		{ "2026-01-01T00:00:00", -1 },
		{ "2026-01-01T00:00:00+00:00", -1 },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "2026-1-01T00:00:00Z", -1 },
		{ "", -1 },
	};
	char buf[TG_TEXT_TIME_LEN];
	int64_t t;
	size_t i;

	for (i = 0; i < sizeof times / sizeof times[0]; i++) {
		int rc = tg_text_time_parse(times[i].s, &t);

		if (times[i].t < 0) {
			TG_CHECK(rc == -1, "time %s must fail", times[i].s);
			continue;
		}
		TG_CHECK(rc == 0 && t == times[i].t, "time %s: %lld", times[i].s,
		    (long long)t);
		TG_CHECK(tg_text_time_format(times[i].t, buf) == 0 &&
		    strcmp(buf, times[i].s) == 0, "format %s: %s", times[i].s,
		    buf);
	}
	TG_CHECK(tg_text_time_format(-1, buf) == -1 && buf[0] == '\0',
	    "negative time");
	TG_CHECK(tg_text_time_format(253402300800LL, buf) == -1 &&
	    buf[0] == '\0', "year 10000");
	TG_CHECK(tg_text_time_parse(NULL, &t) == -1, "NULL");
}

static void
test_lists(void)
{
	static const struct {
		const char	*list, *item;
		int		 want;
	} r[] = {
		{ "dev\nstaging", "dev", 1 }, { "dev\nstaging", "staging", 1 },
		{ "dev\nstaging", "stag", 0 }, { "dev\nstaging", "de", 0 },
		{ "dev\nstaging", "", 0 }, { "", "dev", 0 }, { "", "", 0 },
		{ "dev\n\nx", "", 1 }, { "dev\n", "dev", 1 },
		{ "a:b\nc:d", "c:d", 1 }, { "a:b\nc:d", "a:b\nc:d", 0 },
	};
	char ctx[80];
	size_t i;

	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(ctx, sizeof ctx, "list row %zu", i);
		TG_CHECK_INT(tg_text_list_has(r[i].list, r[i].item,
		    strlen(r[i].item)), r[i].want, ctx);
	}
}

int
main(void)
{
	test_hex();
	test_utf8();
	test_times();
	test_lists();
	return tg_test_done("text");
}
