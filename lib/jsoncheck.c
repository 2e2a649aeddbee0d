/*
 * jsoncheck.c: strict JSON syntax and duplicate member names.
 *
 * A recursive-descent recogniser: it builds no tree, only the unescaped
 * member names of the objects that are open at the moment, so that each
 * new name can be compared with its siblings.  The names live in one
 * scratch buffer used as a stack (an unescaped name is never longer than
 * its escaped form, so len bytes always suffice), and are dropped when
 * their object closes.  Recursion is bounded by the depth limit.
 */
#include "jsoncheck.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

struct name {
	size_t	off, len;	/* in the scratch buffer */
};

struct jc {
	const unsigned char	*p;
	size_t			 len, pos;
	unsigned		 depth, max_depth;
	char			*scratch;	/* unescaped names, a stack */
	size_t			 used;
	struct name		*names;		/* of all open objects */
	size_t			 nnames, cap;
	char			*err;
	size_t			 errsz;
	char			*key;
	size_t			 keysz;
};

static enum tg_jsoncheck_rc value(struct jc *j);
static enum tg_jsoncheck_rc fail(struct jc *, enum tg_jsoncheck_rc,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static enum tg_jsoncheck_rc
fail(struct jc *j, enum tg_jsoncheck_rc rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->errsz == 0)
		return rc;
	n = snprintf(j->err, j->errsz, "byte %zu: ", j->pos);
	if (n < 0 || (size_t)n >= j->errsz)
		return rc;
	va_start(ap, fmt);
	vsnprintf(j->err + n, j->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

static void
ws(struct jc *j)
{
	while (j->pos < j->len && (j->p[j->pos] == ' ' ||
	    j->p[j->pos] == '\t' || j->p[j->pos] == '\n' ||
	    j->p[j->pos] == '\r'))
		j->pos++;
}

/* Reads the 4 hex digits of a \u escape at j->pos; -1 when malformed. */
static long
hex4(struct jc *j)
{
	long v = 0;
	int i, h;

	if (j->len - j->pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = tg_text_hexval(j->p[j->pos + (size_t)i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	j->pos += 4;
	return v;
}

/* Appends code point cp as UTF-8 to out (when not NULL) at *o. */
static void
put_utf8(char *out, size_t *o, unsigned long cp)
{
	if (out == NULL)
		return;
	if (cp < 0x80) {
		out[(*o)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (char)(0xC0 | (cp >> 6));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*o)++] = (char)(0xE0 | (cp >> 12));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*o)++] = (char)(0xF0 | (cp >> 18));
		out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	}
}

/*
 * Checks one raw UTF-8 sequence of 2 to 4 bytes starting at j->pos, in
 * the strict sense (no overlong form, no surrogate, at most U+10FFFF),
 * copies it to out when out is not NULL, and advances.
 */
static enum tg_jsoncheck_rc
utf8_seq(struct jc *j, char *out, size_t *o)
{
	size_t n, left = j->len - j->pos;

	n = tg_text_utf8_char((const char *)j->p + j->pos, left, NULL);
	if (n == 0) {
		n = tg_text_utf8_lead(j->p[j->pos]);
		return fail(j, TG_JSONCHECK_SYNTAX, n > 0 && left < n ?
		    "truncated UTF-8" : "invalid UTF-8");
	}
	if (out != NULL) {
		memcpy(out + *o, j->p + j->pos, n);
		*o += n;
	}
	j->pos += n;
	return TG_JSONCHECK_OK;
}

/*
 * A string at j->pos (which is '"').  When nm is not NULL the unescaped
 * text is appended to the scratch stack and described in *nm.
 */
static enum tg_jsoncheck_rc
string(struct jc *j, struct name *nm)
{
	char *out = nm != NULL ? j->scratch : NULL;
	size_t o = j->used;
	enum tg_jsoncheck_rc rc;
	unsigned char c;
	long cp, lo;

	j->pos++;
	for (;;) {
		if (j->pos >= j->len)
			return fail(j, TG_JSONCHECK_SYNTAX, "unterminated "
			    "string");
		c = j->p[j->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(j, TG_JSONCHECK_SYNTAX, "control character "
			    "in string");
		if (c >= 0x80) {
			if ((rc = utf8_seq(j, out, &o)) != TG_JSONCHECK_OK)
				return rc;
			continue;
		}
		if (c != '\\') {
			if (out != NULL)
				out[o++] = (char)c;
			j->pos++;
			continue;
		}
		if (++j->pos >= j->len)
			return fail(j, TG_JSONCHECK_SYNTAX, "unterminated "
			    "string");
		c = j->p[j->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			cp = c;
			break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if ((cp = hex4(j)) < 0)
				return fail(j, TG_JSONCHECK_SYNTAX, "bad \\u "
				    "escape");
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return fail(j, TG_JSONCHECK_SYNTAX, "lone low "
				    "surrogate");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (j->len - j->pos < 2 ||
				    j->p[j->pos] != '\\' ||
				    j->p[j->pos + 1] != 'u')
					return fail(j, TG_JSONCHECK_SYNTAX,
					    "lone high surrogate");
				j->pos += 2;
				lo = hex4(j);
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(j, TG_JSONCHECK_SYNTAX,
					    "lone high surrogate");
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				    (lo - 0xDC00);
			}
			break;
		default:
			j->pos--;
			return fail(j, TG_JSONCHECK_SYNTAX, "bad escape");
		}
		put_utf8(out, &o, (unsigned long)cp);
	}
	j->pos++;
	if (nm != NULL) {
		nm->off = j->used;
		nm->len = o - j->used;
		j->used = o;
	}
	return TG_JSONCHECK_OK;
}

static int
digit(struct jc *j)
{
	return j->pos < j->len && j->p[j->pos] >= '0' && j->p[j->pos] <= '9';
}

static enum tg_jsoncheck_rc
number(struct jc *j)
{
	if (j->p[j->pos] == '-')
		j->pos++;
	if (!digit(j))
		return fail(j, TG_JSONCHECK_SYNTAX, "bad number");
	if (j->p[j->pos] == '0') {
		j->pos++;
		if (digit(j))
			return fail(j, TG_JSONCHECK_SYNTAX, "leading zero");
	} else {
		while (digit(j))
			j->pos++;
	}
	if (j->pos < j->len && j->p[j->pos] == '.') {
		j->pos++;
		if (!digit(j))
			return fail(j, TG_JSONCHECK_SYNTAX, "bad number");
		while (digit(j))
			j->pos++;
	}
	if (j->pos < j->len && (j->p[j->pos] == 'e' || j->p[j->pos] == 'E')) {
		j->pos++;
		if (j->pos < j->len && (j->p[j->pos] == '+' ||
		    j->p[j->pos] == '-'))
			j->pos++;
		if (!digit(j))
			return fail(j, TG_JSONCHECK_SYNTAX, "bad number");
		while (digit(j))
			j->pos++;
	}
	return TG_JSONCHECK_OK;
}

static enum tg_jsoncheck_rc
literal(struct jc *j, const char *word)
{
	size_t n = strlen(word);

	if (j->len - j->pos < n || memcmp(j->p + j->pos, word, n) != 0)
		return fail(j, TG_JSONCHECK_SYNTAX, "unexpected character");
	j->pos += n;
	return TG_JSONCHECK_OK;
}

/* Copies a repeated name for the caller, cut at a character boundary. */
static void
report_key(struct jc *j, const struct name *nm)
{
	size_t n = nm->len;

	if (j->keysz == 0)
		return;
	if (n > j->keysz - 1) {
		n = j->keysz - 1;
		while (n > 0 && ((unsigned char)j->scratch[nm->off + n] &
		    0xC0) == 0x80)
			n--;
	}
	memcpy(j->key, j->scratch + nm->off, n);
	j->key[n] = '\0';
}

static enum tg_jsoncheck_rc
object(struct jc *j)
{
	size_t first = j->nnames, i;
	enum tg_jsoncheck_rc rc;
	struct name nm;

	j->pos++;
	ws(j);
	if (j->pos < j->len && j->p[j->pos] == '}') {
		j->pos++;
		return TG_JSONCHECK_OK;
	}
	for (;;) {
		if (j->pos >= j->len || j->p[j->pos] != '"')
			return fail(j, TG_JSONCHECK_SYNTAX, "expected a member "
			    "name");
		if (j->nnames - first == TG_JSONCHECK_MEMBERS_MAX)
			return fail(j, TG_JSONCHECK_LIMIT, "more than %d "
			    "members in an object", TG_JSONCHECK_MEMBERS_MAX);
		if ((rc = string(j, &nm)) != TG_JSONCHECK_OK)
			return rc;
		for (i = first; i < j->nnames; i++) {
			if (j->names[i].len == nm.len &&
			    memcmp(j->scratch + j->names[i].off,
			    j->scratch + nm.off, nm.len) == 0) {
				report_key(j, &nm);
				return fail(j, TG_JSONCHECK_DUPLICATE,
				    "duplicate member name");
			}
		}
		if (j->nnames == j->cap) {
			size_t cap = j->cap ? j->cap * 2 : 16;
			struct name *n = realloc(j->names, cap * sizeof *n);

			if (n == NULL)
				return fail(j, TG_JSONCHECK_LIMIT, "out of "
				    "memory");
			j->names = n;
			j->cap = cap;
		}
		j->names[j->nnames++] = nm;
		ws(j);
		if (j->pos >= j->len || j->p[j->pos] != ':')
			return fail(j, TG_JSONCHECK_SYNTAX, "expected ':'");
		j->pos++;
		if ((rc = value(j)) != TG_JSONCHECK_OK)
			return rc;
		ws(j);
		if (j->pos < j->len && j->p[j->pos] == ',') {
			j->pos++;
			ws(j);
			continue;
		}
		if (j->pos < j->len && j->p[j->pos] == '}')
			break;
		return fail(j, TG_JSONCHECK_SYNTAX, "expected ',' or '}'");
	}
	j->pos++;
	/* The object is closed: its names are no longer siblings of any. */
	j->used = j->names[first].off;
	j->nnames = first;
	return TG_JSONCHECK_OK;
}

static enum tg_jsoncheck_rc
array(struct jc *j)
{
	enum tg_jsoncheck_rc rc;

	j->pos++;
	ws(j);
	if (j->pos < j->len && j->p[j->pos] == ']') {
		j->pos++;
		return TG_JSONCHECK_OK;
	}
	for (;;) {
		if ((rc = value(j)) != TG_JSONCHECK_OK)
			return rc;
		ws(j);
		if (j->pos < j->len && j->p[j->pos] == ',') {
			j->pos++;
			continue;
		}
		if (j->pos < j->len && j->p[j->pos] == ']')
			break;
		return fail(j, TG_JSONCHECK_SYNTAX, "expected ',' or ']'");
	}
	j->pos++;
	return TG_JSONCHECK_OK;
}

static enum tg_jsoncheck_rc
value(struct jc *j)
{
	enum tg_jsoncheck_rc rc;

	ws(j);
	if (j->pos >= j->len)
		return fail(j, TG_JSONCHECK_SYNTAX, "expected a value");
	switch (j->p[j->pos]) {
	case '{':
	case '[':
		if (j->depth == j->max_depth)
			return fail(j, TG_JSONCHECK_LIMIT, "nested deeper "
			    "than %u", j->max_depth);
		j->depth++;
		rc = j->p[j->pos] == '{' ? object(j) : array(j);
		j->depth--;
		return rc;
	case '"':
		return string(j, NULL);
	case 't':
		return literal(j, "true");
	case 'f':
		return literal(j, "false");
	case 'n':
		return literal(j, "null");
	default:
		if (j->p[j->pos] == '-' || (j->p[j->pos] >= '0' &&
		    j->p[j->pos] <= '9'))
			return number(j);
		return fail(j, TG_JSONCHECK_SYNTAX, "unexpected character");
	}
}

enum tg_jsoncheck_rc
tg_jsoncheck(const char *text, size_t len, unsigned max_depth, char *err,
    size_t errsz, char *key, size_t keysz)
{
	struct jc j;
	enum tg_jsoncheck_rc rc;

	memset(&j, 0, sizeof j);
	j.p = (const unsigned char *)text;
	j.len = len;
	j.max_depth = max_depth == 0 || max_depth > TG_JSONCHECK_DEPTH_MAX ?
	    TG_JSONCHECK_DEPTH_MAX : max_depth;
	j.err = err;
	j.errsz = errsz;
	j.key = key;
	j.keysz = key != NULL ? keysz : 0;
	if (errsz > 0)
		err[0] = '\0';
	if (j.keysz > 0)
		key[0] = '\0';
	j.scratch = malloc(len + 1);
	if (j.scratch == NULL)
		return fail(&j, TG_JSONCHECK_LIMIT, "out of memory");
	rc = value(&j);
	if (rc == TG_JSONCHECK_OK) {
		ws(&j);
		if (j.pos != j.len)
			rc = fail(&j, TG_JSONCHECK_SYNTAX, "text after the "
			    "value");
	}
	free(j.scratch);
	free(j.names);
	return rc;
}
