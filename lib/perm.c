/*
 * perm.c: permission sets, wildcard coverage and intersection.
 *
 * A token never carries more than its owner holds right now: its
 * effective permissions are recomputed from its grants and the owner's
 * live role permissions at every decision (or cache fill).  Getting the
 * wildcards right matters in both directions: "workflow:*" granted to a
 * token of an owner who only has "workflow:read" must yield exactly
 * "workflow:read", never "workflow:*".
 *
 * Every meet of two permissions is either one of them or nothing (meet(x,
 * y) is x when y covers x, y when x covers y), so the intersection is the
 * items of a that b covers plus the items of b that a covers; then items
 * covered by another item are dropped.  No new strings are ever made up,
 * and the work is O((|a| + |b|) log) with sorted sets.
 */
#include "perm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

#define QUOTE_MAX	60	/* bytes of bad input shown in a message */

static int
is_name_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int
name_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > TG_PERM_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
tg_perm_valid(const char *p, size_t len)
{
	const char *colon;
	size_t rlen;

	if (p == NULL)
		return 0;
	if (len == 1 && p[0] == '*')
		return 1;
	if ((colon = memchr(p, ':', len)) == NULL)
		return 0;
	rlen = (size_t)(colon - p);
	if (!name_valid(p, rlen))
		return 0;
	if (len - rlen - 1 == 1 && colon[1] == '*')
		return 1;
	return name_valid(colon + 1, len - rlen - 1);
}

static int
cmp_items(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns 1 when the sorted set s holds exactly p. */
static int
has(const struct tg_perm_set *s, const char *p)
{
	if (s == NULL || s->n == 0)
		return 0;
	return bsearch(&p, s->items, s->n, sizeof *s->items, cmp_items) !=
	    NULL;
}

/*
 * Returns 1 when s holds an item other than p that covers the valid
 * permission p: "*" for anything else, "r:*" for "r:a".
 */
static int
covered_by_other(const struct tg_perm_set *s, const char *p)
{
	char wild[TG_PERM_LEN_MAX + 1];
	const char *colon;
	size_t rlen;

	if (strcmp(p, "*") == 0)
		return 0;
	if (has(s, "*"))
		return 1;
	colon = strchr(p, ':');
	if (colon == NULL || strcmp(colon + 1, "*") == 0)
		return 0;
	rlen = (size_t)(colon - p);
	memcpy(wild, p, rlen + 1);
	wild[rlen + 1] = '*';
	wild[rlen + 2] = '\0';
	return has(s, wild);
}

int
tg_perm_covers(const struct tg_perm_set *s, const char *perm)
{
	if (s == NULL || perm == NULL || !tg_perm_valid(perm, strlen(perm)))
		return 0;
	return has(s, perm) || covered_by_other(s, perm);
}

/* Sorts the n pointers of items and drops duplicates, freeing them when
 * owned; returns the new count. */
static size_t
sort_dedup(char **items, size_t n, int owned)
{
	size_t i, k;

	if (n == 0)
		return 0;
	qsort(items, n, sizeof *items, cmp_items);
	for (i = 1, k = 1; i < n; i++) {
		if (strcmp(items[i], items[k - 1]) == 0) {
			if (owned)
				free(items[i]);
			continue;
		}
		items[k++] = items[i];
	}
	return k;
}

static char *
dup_mem(const char *s, size_t len)
{
	char *d;

	if ((d = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

int
tg_perm_parse(const char *text, size_t len, struct tg_perm_set *out,
    char *err, size_t errsz)
{
	char q[4 * QUOTE_MAX + 8];
	size_t i, start, count = 0;

	out->items = NULL;
	out->n = 0;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (text == NULL)
		len = 0;
	/* First pass: validate and count, so errors need no cleanup. */
	for (i = 0; i < len; ) {
		if (is_space(text[i])) {
			i++;
			continue;
		}
		for (start = i; i < len && !is_space(text[i]); i++)
			;
		count++;
		if (!tg_perm_valid(text + start, i - start)) {
			if (err != NULL && errsz > 0) {
				tg_names_quote(text + start, i - start,
				    QUOTE_MAX, q, sizeof q);
				snprintf(err, errsz, "permission %zu \"%s\": "
				    "must be resource:action, resource:* or *",
				    count, q);
			}
			return -1;
		}
	}
	if (count > TG_PERM_MAX) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "too many permissions: %zu "
			    "(at most %d)", count, TG_PERM_MAX);
		return -1;
	}
	if (count == 0)
		return 0;
	if ((out->items = calloc(count, sizeof *out->items)) == NULL)
		goto nomem;
	for (i = 0; i < len; ) {
		if (is_space(text[i])) {
			i++;
			continue;
		}
		for (start = i; i < len && !is_space(text[i]); i++)
			;
		if ((out->items[out->n] = dup_mem(text + start, i - start)) ==
		    NULL)
			goto nomem;
		out->n++;
	}
	out->n = sort_dedup(out->items, out->n, 1);
	return 0;
nomem:
	tg_perm_set_free(out);
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "out of memory");
	return -1;
}

void
tg_perm_set_free(struct tg_perm_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

/*
 * Fills *out with copies of the n borrowed strings of v.  Returns 0, or -1
 * with *out empty.
 */
static int
copy_items(char **v, size_t n, struct tg_perm_set *out)
{
	size_t i;

	out->items = NULL;
	out->n = 0;
	if (n == 0)
		return 0;
	if ((out->items = calloc(n, sizeof *out->items)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((out->items[i] = dup_mem(v[i], strlen(v[i]))) == NULL) {
			tg_perm_set_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

int
tg_perm_intersect(const struct tg_perm_set *a, const struct tg_perm_set *b,
    struct tg_perm_set *out)
{
	struct tg_perm_set view;
	char **v = NULL, **keep = NULL;
	size_t na, nb, n = 0, k = 0, i;
	int rc = -1;

	out->items = NULL;
	out->n = 0;
	na = a != NULL ? a->n : 0;
	nb = b != NULL ? b->n : 0;
	if (na == 0 || nb == 0)
		return 0;
	if ((v = calloc(na + nb, sizeof *v)) == NULL ||
	    (keep = calloc(na + nb, sizeof *keep)) == NULL)
		goto done;
	for (i = 0; i < na; i++)
		if (tg_perm_covers(b, a->items[i]))
			v[n++] = a->items[i];
	for (i = 0; i < nb; i++)
		if (tg_perm_covers(a, b->items[i]))
			v[n++] = b->items[i];
	n = sort_dedup(v, n, 0);
	view.items = v;
	view.n = n;
	for (i = 0; i < n; i++)
		if (!covered_by_other(&view, v[i]))
			keep[k++] = v[i];
	rc = copy_items(keep, k, out);
done:
	free(v);
	free(keep);
	return rc;
}

int
tg_perm_subset(const struct tg_perm_set *a, const struct tg_perm_set *b,
    struct tg_perm_set *missing)
{
	char **v = NULL;
	size_t n = 0, i, na;
	int rc;

	if (missing != NULL) {
		missing->items = NULL;
		missing->n = 0;
	}
	na = a != NULL ? a->n : 0;
	if (na == 0)
		return 1;
	if ((v = calloc(na, sizeof *v)) == NULL)
		return -1;
	for (i = 0; i < na; i++)
		if (!tg_perm_covers(b, a->items[i]))
			v[n++] = a->items[i];
	rc = n == 0 ? 1 : 0;
	if (missing != NULL && copy_items(v, n, missing) < 0)
		rc = -1;
	free(v);
	return rc;
}

size_t
tg_perm_pack_size(const struct tg_perm_set *s)
{
	size_t i, n = 0;

	for (i = 0; s != NULL && i < s->n; i++)
		n += sizeof *s->items + strlen(s->items[i]) + 1;
	return n;
}

void
tg_perm_pack(const struct tg_perm_set *s, void *buf, struct tg_perm_set *out)
{
	char **items = buf, *p;
	size_t i, n = s != NULL ? s->n : 0, len;

	out->items = NULL;
	out->n = 0;
	if (n == 0)
		return;
	/* The pointers first, as buf is aligned for them; then the strings. */
	p = (char *)(items + n);
	for (i = 0; i < n; i++) {
		len = strlen(s->items[i]) + 1;
		memcpy(p, s->items[i], len);
		items[i] = p;
		p += len;
	}
	out->items = items;
	out->n = n;
}

int
tg_perm_join(const struct tg_perm_set *s, char sep, char *out, size_t outsz)
{
	size_t i, off = 0, len;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; s != NULL && i < s->n; i++) {
		len = strlen(s->items[i]);
		if (outsz - off < len + (i > 0) + 1) {
			out[0] = '\0';
			return -1;
		}
		if (i > 0)
			out[off++] = sep;
		memcpy(out + off, s->items[i], len);
		off += len;
	}
	out[off] = '\0';
	return 0;
}
