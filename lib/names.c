/*
 * names.c: character-set checks for everything we store and echo back.
 */
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

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
	unsigned long cp;
	size_t n;

	n = tg_text_utf8_char((const char *)p, len, &cp);
	if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9F))
		return 0;
	return n;
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
			tg_text_hex_escape(p[i], dst + o);
			o += 4;
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
		else {
			tg_text_hex_escape(c, one);
			one[4] = '\0';
			w = 4;
		}
		/* Room for this, and for "..." if more is to come. */
		if (n + (size_t)w + (i + 1 < len ? 3 : 0) >= dstsz)
			break;
		memcpy(dst + n, one, (size_t)w + 1);
		n += (size_t)w;
	}
	if (i < len && n + 3 < dstsz)
		memcpy(dst + n, "...", 4);
}
