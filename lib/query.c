/*
 * query.c: query strings, page sizes and list cursors of the token API.
 *
 * A query is decoded the way HTML forms encode it (percent escapes, '+'
 * for a space) into fixed buffers the caller owns: no allocation, and a
 * name the route did not ask for is an error, never ignored, so a typo
 * ("limt=5") is not silently a different request.
 */
#include "query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "token.h"

/*
 * Percent-decodes s (n bytes) into out (outsz bytes), '+' as a space.
 * Returns 0, -1 on a bad escape, -2 when out is too small.  *bad is set
 * when the result holds a control byte.
 */
static int
decode(const char *s, size_t n, char *out, size_t outsz, int *bad)
{
	size_t i, o = 0;
	int v;

	*bad = 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if ((v = tg_text_percent(s + i, n - i)) < 0)
				return -1;
			c = (unsigned char)v;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f)
			*bad = 1;
		if (o + 1 >= outsz)
			return -2;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
tg_query_parse(const char *q, size_t len, struct tg_query_param *p,
    size_t np, struct tg_apireq_error *err)
{
	const char *s = q, *end = q + len, *amp, *eq;
	char name[64];
	size_t i;
	int bad, r;

	for (i = 0; i < np; i++) {
		p[i].set = 0;
		p[i].value[0] = '\0';
	}
	while (s < end) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL)
			amp = end;
		if (amp == s) {
			s++;
			continue;
		}
		eq = memchr(s, '=', (size_t)(amp - s));
		if (eq == NULL)
			eq = amp;
		r = decode(s, (size_t)(eq - s), name, sizeof name, &bad);
		if (r != 0 || bad)
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", NULL,
			    "malformed query parameter name");
		for (i = 0; i < np; i++)
			if (strcmp(p[i].name, name) == 0)
				break;
		if (i == np)
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", name,
			    "unknown query parameter \"%s\"", name);
		if (p[i].set)
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", name,
			    "query parameter \"%s\" given twice", name);
		r = decode(eq < amp ? eq + 1 : amp, eq < amp ?
		    (size_t)(amp - eq - 1) : 0, p[i].value, sizeof p[i].value,
		    &bad);
		if (r == -2)
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", name,
			    "query parameter \"%s\" is too long", name);
		if (r != 0 || bad)
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", name,
			    "query parameter \"%s\" is malformed", name);
		p[i].set = 1;
		s = amp < end ? amp + 1 : end;
	}
	return 0;
}

int
tg_query_uint(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9' || (s[0] == '0' &&
	    s[1] != '\0') || strlen(s) > 20)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
tg_query_limit(const struct tg_query_param *p, unsigned def, unsigned max,
    unsigned *limit, struct tg_apireq_error *err)
{
	unsigned long long v = def;

	if (p->set && tg_query_uint(p->value, 1, max, &v) != 0)
		return tg_apireq_error_set(err, 400, "invalid_parameter",
		    "limit", "limit must be from 1 to %u", max);
	*limit = (unsigned)v;
	return 0;
}

int
tg_query_cursor_format(int64_t created, const char *id, char *out,
    size_t outsz)
{
	int n;

	if (created < 0 || !tg_token_id_valid(id, strlen(id)))
		return -1;
	n = snprintf(out, outsz, "%lld.%s", (long long)created, id);
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

int
tg_query_cursor_parse(const char *s, int64_t *created, char *id)
{
	const char *dot = strchr(s, '.');
	unsigned long long v;
	char num[24];
	size_t n;

	if (dot == NULL || (n = (size_t)(dot - s)) == 0 || n >= sizeof num)
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (tg_query_uint(num, 0, 253402300799ULL, &v) != 0 ||
	    !tg_token_id_valid(dot + 1, strlen(dot + 1)))
		return -1;
	*created = (int64_t)v;
	memcpy(id, dot + 1, TG_TOKEN_ID_LEN + 1);
	return 0;
}
