/*
 * names.c: character-set checks for everything we store and echo back.
 */
#include "names.h"

#include <stdio.h>
#include <string.h>

static int
in_set(const char *s, size_t len, size_t max, const char *extra, int upper)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (upper && c >= 'A' && c <= 'Z')
			continue;
		if (c != '\0' && strchr(extra, c) != NULL)
			continue;
		return 0;
	}
	return 1;
}

int
tg_names_user_valid(const char *s)
{
	return s != NULL && s[0] != '-' &&
	    in_set(s, strlen(s), 64, "_.@-", 1);
}

int
tg_names_role_valid(const char *s)
{
	return s != NULL && in_set(s, strlen(s), 64, "_-", 0);
}

int
tg_names_env_valid(const char *s, size_t len)
{
	return s != NULL && in_set(s, len, 32, "_-", 0);
}

/*
 * The length of the printable UTF-8 character at p (at most len bytes):
 * shortest form, no surrogates, no C0/C1 controls or DEL.  0 when the
 * bytes there are not one.
 */
static size_t
utf8_char(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];
	unsigned long cp, min;
	size_t n, k;

	if (c < 0x80)
		return c < 0x20 || c == 0x7f ? 0 : 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1; cp = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2; cp = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3; cp = c & 0x07; min = 0x10000;
	} else
		return 0;
	if (len <= n)
		return 0;
	for (k = 1; k <= n; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
	    (cp >= 0x80 && cp <= 0x9F))
		return 0;
	return n + 1;
}

int
tg_names_utf8_printable(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_char(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

void
tg_names_clean(const char *s, size_t len, size_t max, char *dst,
    size_t dstsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n, w, room, limit, total;

	if (dstsz == 0)
		return;
	/* The whole copy's length decides whether room for "..." is kept. */
	limit = dstsz - 1 < max ? dstsz - 1 : max;
	for (total = 0; i < len && total <= limit; i += n ? n : 1) {
		n = utf8_char(p + i, len - i);
		total += n == 0 ? 4 : n;
	}
	room = total <= limit ? limit : limit > 3 ? limit - 3 : 0;
	i = 0;
	while (i < len) {
		n = utf8_char(p + i, len - i);
		w = n == 0 ? 4 : n;
		if (o + w > room)
			break;
		if (n == 0) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i] >> 4];
			dst[o++] = hex[p[i] & 15];
			i++;
		} else {
			memcpy(dst + o, p + i, n);
			o += n;
			i += n;
		}
	}
	if (i < len && limit - o >= 3) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

int
tg_names_label_valid(const char *s)
{
	size_t len;

	if (s == NULL)
		return 0;
	len = strlen(s);
	return len > 0 && len <= 128 && tg_names_utf8_printable(s, len);
}

int
tg_names_header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

void
tg_names_quote(const char *s, size_t len, size_t max, char *dst,
    size_t dstsz)
{
	size_t i, n = 0;
	int w;

	if (dstsz == 0)
		return;
	dst[0] = '\0';
	for (i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		char one[5];

		if (c == '"' || c == '\\')
			w = snprintf(one, sizeof one, "\\%c", c);
		else if (c >= 0x20 && c < 0x7F)
			w = snprintf(one, sizeof one, "%c", c);
		else
			w = snprintf(one, sizeof one, "\\x%02x", c);
		/* Room for this, and for "..." if more is to come. */
		if (n + (size_t)w + (i + 1 < len ? 3 : 0) >= dstsz)
			break;
		memcpy(dst + n, one, (size_t)w + 1);
		n += (size_t)w;
	}
	if (i < len && n + 3 < dstsz)
		memcpy(dst + n, "...", 4);
}
