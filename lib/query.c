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

#include "names.h"
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

/* Sets up l->p with names (n of them) and parses q into it. */
static int
parse_list(const char *q, size_t len, const char *const *names, size_t n,
    struct tg_query_list *l, struct tg_apireq_error *err)
{
	size_t i;

	memset(l, 0, sizeof *l);
	for (i = 0; i < n; i++)
		l->p[i].name = names[i];
	return tg_query_parse(q, len, l->p, n, err);
}

/* A "user" parameter, when given, names a user: *user points to it. */
static int
user_param(const struct tg_query_param *p, const char **user,
    struct tg_apireq_error *err)
{
	if (!p->set)
		return 0;
	if (!tg_names_user_valid(p->value))
		return tg_apireq_error_set(err, 400, "invalid_parameter",
		    "user", "not a user name");
	*user = p->value;
	return 0;
}

static int
bad_cursor(struct tg_apireq_error *err)
{
	return tg_apireq_error_set(err, 400, "invalid_parameter", "cursor",
	    "not a cursor from this API");
}

int
tg_query_tokens(const char *q, size_t len, const char *caller, int may_all,
    const struct tg_config *cfg, int64_t now, struct tg_query_list *l,
    struct tg_store_token_filter *f, struct tg_apireq_error *err)
{
	static const char *const names[] = { "user", "all", "state",
	    "limit", "cursor" };
	const struct tg_query_param *p;
	const char *v;

	memset(f, 0, sizeof *f);
	if (parse_list(q, len, names, 5, l, err) != 0)
		return -1;
	/* Set only now: the list is filled by parse_list. */
	p = l->p;
	f->user = caller;
	f->now = now;
	if (p[1].set) {
		v = p[1].value;
		if (strcmp(v, "1") != 0 && strcmp(v, "true") != 0 &&
		    v[0] != '\0')
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", "all",
			    "all must be 1 or true");
		if (p[0].set)
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", "all",
			    "give user or all, not both");
		f->user = NULL;
	}
	if (user_param(&p[0], &f->user, err) != 0)
		return -1;
	if ((f->user == NULL || strcmp(f->user, caller) != 0) && !may_all)
		return 1;
	if (p[2].set) {
		v = p[2].value;
		if (strcmp(v, "active") != 0 && strcmp(v, "expired") != 0 &&
		    strcmp(v, "revoked") != 0)
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", "state",
			    "state must be active, expired or revoked");
		f->state = v;
	}
	if (tg_query_limit(&p[3], cfg->page_limit_default,
	    cfg->page_limit_max, &l->limit, err) != 0)
		return -1;
	if (p[4].set) {
		if (tg_query_cursor_parse(p[4].value, &f->after_created,
		    l->id) != 0)
			return bad_cursor(err);
		f->after_id = l->id;
	}
	f->limit = l->limit + 1;
	return 0;
}

/* Audit actions are short dotted lower-case words ("token.create"). */
static int
action_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz._") ==
	    n;
}

/* A "since" or "until" parameter, when given, is a time. */
static int
time_param(const struct tg_query_param *p, int64_t *t,
    struct tg_apireq_error *err)
{
	if (p->set && tg_text_time_parse(p->value, t) != 0)
		return tg_apireq_error_set(err, 400, "invalid_parameter",
		    p->name, "%s must be a time such as 2026-01-02T03:04:05Z",
		    p->name);
	return 0;
}

int
tg_query_audit(const char *q, size_t len, const struct tg_config *cfg,
    struct tg_query_list *l, struct tg_store_audit_filter *f,
    struct tg_apireq_error *err)
{
	static const char *const names[] = { "user", "token", "action",
	    "since", "until", "limit", "cursor" };
	const struct tg_query_param *p;
	unsigned long long cur;

	memset(f, 0, sizeof *f);
	if (parse_list(q, len, names, 7, l, err) != 0)
		return -1;
	/* Set only now: the list is filled by parse_list. */
	p = l->p;
	if (user_param(&p[0], &f->user, err) != 0)
		return -1;
	if (p[1].set) {
		if (!tg_token_id_valid(p[1].value, strlen(p[1].value)))
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", "token", "not a token id");
		f->token = p[1].value;
	}
	if (p[2].set) {
		if (!action_valid(p[2].value))
			return tg_apireq_error_set(err, 400,
			    "invalid_parameter", "action",
			    "not an action name such as token.create");
		f->action = p[2].value;
	}
	if (time_param(&p[3], &f->since, err) != 0 ||
	    time_param(&p[4], &f->until, err) != 0 ||
	    tg_query_limit(&p[5], cfg->page_limit_default,
	    cfg->page_limit_max, &l->limit, err) != 0)
		return -1;
	if (p[6].set) {
		if (tg_query_uint(p[6].value, 1, ~0ULL >> 1, &cur) != 0)
			return bad_cursor(err);
		f->before_id = cur;
	}
	f->limit = l->limit + 1;
	return 0;
}
