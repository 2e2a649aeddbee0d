/*
 * text.c: hex, percent escapes, UTF-8, ISO-8601 times and stored lists.
 *
 * UTF-8 is checked in the strict sense of RFC 3629 (no overlong form, no
 * surrogate, nothing above U+10FFFF), because every byte sequence that
 * two decoders read differently is a way past a check: "/%c0%af" was
 * "/" to old IIS.  The callers add what they refuse on top (names.c
 * refuses controls, path.c refuses bytes a server would treat
 * differently).
 */
#include "text.h"

#include <string.h>
#include <time.h>

int
tg_text_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tg_text_percent(const char *s, size_t n)
{
	int hi, lo;

	if (n < 3 || (hi = tg_text_hexval((unsigned char)s[1])) < 0 ||
	    (lo = tg_text_hexval((unsigned char)s[2])) < 0)
		return -1;
	return hi << 4 | lo;
}

void
tg_text_hex_escape(unsigned char c, char out[4])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
}

size_t
tg_text_utf8_lead(unsigned char c)
{
	if (c < 0x80)
		return 1;
	/* 0x80..0xC1 are continuations or overlong two-byte leads. */
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

size_t
tg_text_utf8_char(const char *s, size_t n, unsigned long *cp)
{
	static const unsigned char lead_bits[5] = { 0, 0x7F, 0x1F, 0x0F,
	    0x07 };
	static const unsigned long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;
	unsigned long v;
	size_t len, k;

	if (n == 0 || (len = tg_text_utf8_lead(p[0])) == 0 || n < len)
		return 0;
	v = p[0] & lead_bits[len];
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[k] & 0x3F);
	}
	if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if (cp != NULL)
		*cp = v;
	return len;
}

int
tg_text_utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((n = tg_text_utf8_char(s + i, len - i, NULL)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, size_t n, unsigned *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

int
tg_text_time_parse(const char *s, int64_t *out)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, se;
	int leap;

	if (s == NULL || strlen(s) != 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

int
tg_text_time_format(int64_t t, char out[TG_TEXT_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	out[0] = '\0';
	if (t < 0 || t > 253402300799LL || gmtime_r(&tt, &tm) == NULL)
		return -1;
	if (strftime(out, TG_TEXT_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) !=
	    TG_TEXT_TIME_LEN - 1) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
tg_text_list_has(const char *list, const char *item, size_t len)
{
	const char *p = list, *e;

	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == len && memcmp(p, item, len) == 0)
			return 1;
		p = *e == '\n' ? e + 1 : e;
	}
	return 0;
}
