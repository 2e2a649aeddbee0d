/*
 * rules.c: parsing and matching the ordered allow/deny rule lists.
 *
 * Rules are written by token owners, so the parser is strict and says which
 * rule is wrong and why: a rule that silently matched nothing (or
 * everything) would be a security bug that nobody notices.  PATH must be in
 * canonical form for the same reason: "/api/../admin" could never match a
 * canonical request path, and a deny rule that never matches is worse than
 * an error.
 *
 * Compiling copies the text once into one buffer: each rule as written
 * (for error messages, the explain output and the audit log), followed by
 * its pattern with "*" and "**" turned into the one-byte tokens STAR and
 * DSTAR; patterns with stars also get the bit masks glob_match() needs
 * and a table from byte to literal mask that spans only the range of the
 * pattern's literal bytes (a cached token's rules are compiled once per
 * process, and a 256-byte table per rule was most of their size).
 * The compiled list is never written again, which is what makes it safe
 * to share between threads.
 *
 * Matching simulates the pattern as an NFA over the subject, one byte at a
 * time, with the set of live pattern positions as a bitset on the stack
 * that is advanced a machine word at a time (Shift-And).  That costs
 * (subject length x (pattern length / 64 + 1)) word operations, with no
 * recursion and no backtracking, so a pattern made of hundreds of "**"
 * segments against a long path cannot explode the way a naive recursive
 * glob would: the worst rule against an 8 KiB path takes well under a
 * millisecond.  The price is a few masks per rule with stars, built once
 * at compile time.
 */
#include "rules.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

#include "path.h"

#define STAR		0x01	/* "*": any run of bytes except '/' */
#define DSTAR		0x02	/* "**": any run of bytes */
#define NWORDS		((TG_RULES_MAX_LEN + 1 + 63) / 64)
#define METHOD_MAX	32
#define KEY_MAX		64
#define VALUE_MAX	256
#define QUOTE_MAX	60	/* bytes of a rule shown in a message */

struct rule {
	const char		*text;		/* as written, NUL-terminated */
	unsigned char		 deny;		/* starts with '!' */
	unsigned char		 all;		/* "*" or "!*" */
	unsigned char		 lo;		/* first byte slot covers */
	unsigned short		 span;		/* bytes slot covers, or 0 */
	const char		*name;		/* API: method; resource: key */
	size_t			 namelen;
	const unsigned char	*pat;		/* tokenized PATH or value */
	size_t			 patlen;
	/* Only for patterns with stars, else 0 and NULL: see glob_match(). */
	size_t			 nw;		/* words per mask */
	const unsigned char	*slot;		/* byte - lo -> literal mask */
	const uint64_t		*masks;		/* "**", "*", then literals */
};

struct tg_rules {
	enum tg_rules_kind	 kind;
	size_t			 n;
	struct rule		*v;
	char			*buf;		/* texts, patterns */
	uint64_t		*masks;		/* all rules' masks, then slots */
};

/* What parse_rule() found, as offsets into the rule's text. */
struct parsed {
	int	deny, all;
	size_t	name, namelen;
	size_t	pat, patlen;
};

static int
is_key_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int
key_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > KEY_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_key_char((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
value_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > VALUE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7E)
			return 0;
	return 1;
}

/*
 * Checks the PATH of an API rule, s[0..len), which is non-empty.  Returns
 * NULL when it is fine, else the reason.
 */
static const char *
check_api_path(const char *s, size_t len)
{
	size_t i, seg, e, run;

	if (s[0] == ' ')
		return "exactly one space must separate method and path";
	if (s[0] != '/')
		return "path must start with '/'";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7F)
			return "path contains a space or control character";
		if (c == '%')
			return "path contains '%': write the decoded path";
		if (c == '?')
			return "path contains '?': rules match the path "
			    "without the query";
		if (c == '#')
			return "path contains '#'";
		if (c == '\\')
			return "path contains a backslash";
		if (c == ';')
			return "path contains ';'";
	}
	if (!tg_path_utf8_valid(s, len))
		return "path is not valid UTF-8";
	for (i = 0; i < len; i++) {
		if (s[i] == '*') {
			for (run = 0; i < len && s[i] == '*'; i++)
				run++;
			if (run > 2)
				return "'***' is not allowed: use '*' or '**'";
			i--;
			continue;
		}
		if (s[i] != '/')
			continue;
		seg = i + 1;
		for (e = seg; e < len && s[e] != '/'; e++)
			;
		if (e == seg && e < len)
			return "path contains '//'";
		if ((e - seg == 1 && s[seg] == '.') ||
		    (e - seg == 2 && s[seg] == '.' && s[seg + 1] == '.'))
			return "path contains a '.' or '..' segment";
	}
	return NULL;
}

/* Parses "METHOD PATH" starting at s[i]. */
static const char *
parse_api(const char *s, size_t len, size_t i, struct parsed *p)
{
	const char *sp;
	size_t k, mlen;

	if ((sp = memchr(s + i, ' ', len - i)) == NULL)
		return "expected METHOD PATH, or * alone";
	mlen = (size_t)(sp - (s + i));
	if (!(mlen == 1 && s[i] == '*')) {
		if (mlen < 1 || mlen > METHOD_MAX)
			return "method must be * or 1 to 32 letters A-Z";
		for (k = i; k < i + mlen; k++)
			if (s[k] < 'A' || s[k] > 'Z')
				return "method must be * or 1 to 32 letters A-Z";
	}
	p->name = i;
	p->namelen = mlen;
	p->pat = i + mlen + 1;
	p->patlen = len - p->pat;
	if (p->patlen == 0)
		return "path is missing";
	return check_api_path(s + p->pat, p->patlen);
}

/* Parses "key:value" starting at s[i]. */
static const char *
parse_resource(const char *s, size_t len, size_t i, struct parsed *p)
{
	const char *colon;

	if ((colon = memchr(s + i, ':', len - i)) == NULL)
		return "expected key:value, or * alone";
	p->name = i;
	p->namelen = (size_t)(colon - (s + i));
	if (!key_valid(s + i, p->namelen))
		return "key must be 1 to 64 of A-Z a-z 0-9 _ . -";
	p->pat = i + p->namelen + 1;
	p->patlen = len - p->pat;
	if (!value_valid(s + p->pat, p->patlen))
		return "value must be 1 to 256 printable ASCII characters "
		    "without spaces";
	return NULL;
}

/* Parses one rule; returns NULL when it is valid, else the reason. */
static const char *
parse_rule(enum tg_rules_kind kind, const char *s, size_t len,
    struct parsed *p)
{
	size_t i = 0;

	memset(p, 0, sizeof *p);
	if (len == 0)
		return "rule is empty";
	if (len > TG_RULES_MAX_LEN)
		return "rule is longer than 1024 bytes";
	if (s[0] == '!') {
		p->deny = 1;
		i = 1;
	}
	if (len - i == 1 && s[i] == '*') {
		p->all = 1;
		return NULL;
	}
	if (len == i)
		return "'!' must be followed by a rule";
	if (kind == TG_RULES_API)
		return parse_api(s, len, i, p);
	return parse_resource(s, len, i, p);
}

/*
 * Copies the pattern s[0..len) into dst as tokens and returns the token
 * count.  In API paths "*" is STAR and "**" is DSTAR (longer runs were
 * refused); in resource values any run of '*' is one DSTAR.
 */
static size_t
tokenize(enum tg_rules_kind kind, const char *s, size_t len,
    unsigned char *dst, int *hasstar)
{
	size_t i = 0, n = 0, run;

	*hasstar = 0;
	while (i < len) {
		if (s[i] != '*') {
			dst[n++] = (unsigned char)s[i++];
			continue;
		}
		for (run = 0; i < len && s[i] == '*'; i++)
			run++;
		dst[n++] = (kind == TG_RULES_API && run == 1) ? STAR : DSTAR;
		*hasstar = 1;
	}
	return n;
}

/*
 * Builds the masks of a rule with stars (see glob_match()) into m, which
 * holds (2 + scan_literals(ru)) * ru->nw zeroed words, and the table from
 * byte - ru->lo to literal mask into slot (ru->span zeroed bytes).
 * Returns the number of words used.
 */
static size_t
build_masks(struct rule *ru, unsigned char *slot, uint64_t *m)
{
	size_t j, nw = ru->nw;
	uint64_t *dstar = m, *star = m + nw, *lit;
	unsigned nslots = 0;

	for (j = 0; j < ru->patlen; j++) {
		unsigned char t = ru->pat[j];
		uint64_t bit = (uint64_t)1 << (j % 64);

		if (t == DSTAR)
			dstar[j / 64] |= bit;
		else if (t == STAR)
			star[j / 64] |= bit;
		else {
			if (slot[t - ru->lo] == 0)
				slot[t - ru->lo] = (unsigned char)++nslots;
			lit = m + (1 + (size_t)slot[t - ru->lo]) * nw;
			lit[j / 64] |= bit;
		}
	}
	ru->slot = slot;
	ru->masks = m;
	return (2 + (size_t)nslots) * nw;
}

/*
 * Returns the number of distinct literal bytes in a rule's pattern and
 * sets ru->lo and ru->span to the range they lie in (span 0 when there
 * are none).  The byte to mask table then only needs span entries, not
 * 256: API paths rarely stray beyond '-' to 'z', resource values beyond
 * '!' to '~', and a byte outside the range simply matches no literal.
 */
static size_t
scan_literals(struct rule *ru)
{
	unsigned char seen[256];
	size_t j, n = 0;
	unsigned lo = 256, hi = 0;

	memset(seen, 0, sizeof seen);
	for (j = 0; j < ru->patlen; j++) {
		unsigned char t = ru->pat[j];

		if (t != STAR && t != DSTAR && !seen[t]) {
			seen[t] = 1;
			n++;
			if (t < lo)
				lo = t;
			if (t > hi)
				hi = t;
		}
	}
	ru->lo = n > 0 ? (unsigned char)lo : 0;
	ru->span = n > 0 ? (unsigned short)(hi - lo + 1) : 0;
	return n;
}

/*
 * Adds to set the position after every star position present in it: a
 * star may match the empty run.  Stars are never adjacent (API paths
 * refuse "***" and values collapse runs), so one pass is the closure.
 */
static void
skip_stars(uint64_t *set, const uint64_t *dstar, const uint64_t *star,
    size_t nw)
{
	uint64_t carry = 0, m;
	size_t w;

	for (w = 0; w < nw; w++) {
		m = set[w] & (dstar[w] | star[w]);
		set[w] |= (m << 1) | carry;
		carry = m >> 63;
	}
}

/*
 * Returns 1 when the rule's pattern matches all of s[0..n), else 0.
 *
 * Bit j of the state set means "the first j tokens matched the input read
 * so far"; bit patlen means the whole pattern did.  Reading byte c, a
 * literal position j whose byte is c moves to j + 1 (one shift of the set
 * masked by the literal mask of c), a "**" position stays, and a "*"
 * position stays unless c is '/'.  This is the Shift-And algorithm with
 * stars: O(n x (patlen / 64 + 1)) word operations, whatever the pattern.
 */
static int
glob_match(const struct rule *ru, const char *s, size_t n)
{
	uint64_t cur[NWORDS], nxt[NWORDS], carry, m, live;
	const uint64_t *dstar = ru->masks, *star = ru->masks + ru->nw, *lit;
	size_t nw = ru->nw, i, w;

	memset(cur, 0, nw * sizeof *cur);
	cur[0] = 1;
	skip_stars(cur, dstar, star, nw);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned k = (unsigned)c - ru->lo;
		unsigned char sl = k < ru->span ? ru->slot[k] : 0;

		lit = sl != 0 ? ru->masks + (1 + (size_t)sl) * nw : NULL;
		carry = 0;
		live = 0;
		for (w = 0; w < nw; w++) {
			nxt[w] = cur[w] & dstar[w];
			if (c != '/')
				nxt[w] |= cur[w] & star[w];
			if (lit != NULL) {
				m = cur[w] & lit[w];
				nxt[w] |= (m << 1) | carry;
				carry = m >> 63;
			}
		}
		skip_stars(nxt, dstar, star, nw);
		for (w = 0; w < nw; w++) {
			live |= nxt[w];
			cur[w] = nxt[w];
		}
		if (live == 0)
			return 0;
	}
	return (int)((cur[ru->patlen / 64] >> (ru->patlen % 64)) & 1);
}

static int
rule_pat_match(const struct rule *ru, const char *s, size_t n)
{
	if (ru->masks == NULL)
		return ru->patlen == n && memcmp(ru->pat, s, n) == 0;
	return glob_match(ru, s, n);
}

struct tg_rules *
tg_rules_compile(enum tg_rules_kind kind, const char *text, size_t len,
    char *err, size_t errsz)
{
	struct tg_rules *r = NULL;
	struct parsed p;
	const char *line, *nl, *reason;
	char q[4 * QUOTE_MAX + 8];
	size_t n, i, off, linelen, words, moff, slots;
	int hasstar;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (text == NULL)
		len = 0;
	/* Count the rules: lines, not counting an empty one after a final
	 * newline. */
	n = 0;
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	if (len > 0 && text[len - 1] != '\n')
		n++;
	if (n > TG_RULES_MAX) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "too many rules: %zu (at most %d)",
			    n, TG_RULES_MAX);
		return NULL;
	}
	if ((r = calloc(1, sizeof *r)) == NULL)
		goto nomem;
	r->kind = kind;
	if (n > 0) {
		/* Texts take at most len + 1 bytes, patterns at most len. */
		if ((r->v = calloc(n, sizeof *r->v)) == NULL ||
		    (r->buf = malloc(2 * len + 2)) == NULL)
			goto nomem;
	}
	off = 0;
	words = 0;
	slots = 0;
	line = text;
	for (i = 0; i < n; i++) {
		struct rule *ru = &r->v[i];
		unsigned char *tok;

		nl = memchr(line, '\n', len - (size_t)(line - text));
		linelen = nl != NULL ? (size_t)(nl - line) :
		    len - (size_t)(line - text);
		if ((reason = parse_rule(kind, line, linelen, &p)) != NULL) {
			if (err != NULL && errsz > 0) {
				/* Rules are user input; messages reach logs
				 * and terminals. */
				tg_names_quote(line, linelen, QUOTE_MAX, q,
				    sizeof q);
				snprintf(err, errsz, "rule %zu \"%s\": %s",
				    i + 1, q, reason);
			}
			tg_rules_free(r);
			return NULL;
		}
		memcpy(r->buf + off, line, linelen);
		r->buf[off + linelen] = '\0';
		ru->text = r->buf + off;
		ru->deny = p.deny;
		ru->all = p.all;
		ru->name = ru->text + p.name;
		ru->namelen = p.namelen;
		off += linelen + 1;
		tok = (unsigned char *)r->buf + off;
		ru->pat = tok;
		ru->patlen = tokenize(kind, line + p.pat, p.patlen, tok,
		    &hasstar);
		off += ru->patlen;
		if (hasstar) {
			ru->nw = ru->patlen / 64 + 1;
			words += (2 + scan_literals(ru)) * ru->nw;
			slots += ru->span;
		}
		r->n++;
		line = nl != NULL ? nl + 1 : text + len;
	}
	/* The slot tables go after the masks, in the same allocation. */
	if (words > 0 && (r->masks = calloc(1, words * sizeof *r->masks +
	    slots)) == NULL)
		goto nomem;
	moff = 0;
	off = 0;
	for (i = 0; i < r->n; i++) {
		struct rule *ru = &r->v[i];

		if (ru->nw == 0)
			continue;
		moff += build_masks(ru, (unsigned char *)(r->masks + words) +
		    off, r->masks + moff);
		off += ru->span;
	}
	return r;
nomem:
	tg_rules_free(r);
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "out of memory");
	return NULL;
}

void
tg_rules_free(struct tg_rules *r)
{
	if (r == NULL)
		return;
	free(r->v);
	free(r->buf);
	free(r->masks);
	free(r);
}

size_t
tg_rules_count(const struct tg_rules *r)
{
	return r != NULL ? r->n : 0;
}

const char *
tg_rules_text(const struct tg_rules *r, size_t i)
{
	if (r == NULL || i >= r->n)
		return NULL;
	return r->v[i].text;
}

int
tg_rules_check_one(enum tg_rules_kind kind, const char *rule, size_t len,
    char *err, size_t errsz)
{
	struct parsed p;
	const char *reason;
	char q[4 * QUOTE_MAX + 8];

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (rule == NULL)
		len = 0;
	if (len > 0 && memchr(rule, '\n', len) != NULL)
		reason = "rule contains a newline";
	else
		reason = parse_rule(kind, rule, len, &p);
	if (reason == NULL)
		return 0;
	if (err != NULL && errsz > 0) {
		tg_names_quote(rule, len, QUOTE_MAX, q, sizeof q);
		snprintf(err, errsz, "rule \"%s\": %s", q, reason);
	}
	return -1;
}

long
tg_rules_match_api(const struct tg_rules *r, const char *method,
    const char *path, int *allow)
{
	size_t i, mlen, plen;
	int head;

	if (allow != NULL)
		*allow = 0;
	if (r == NULL || r->kind != TG_RULES_API || method == NULL ||
	    path == NULL)
		return -1;
	mlen = strlen(method);
	plen = strlen(path);
	head = mlen == 4 && memcmp(method, "HEAD", 4) == 0;
	for (i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];

		if (!ru->all) {
			if (!(ru->namelen == 1 && ru->name[0] == '*') &&
			    !(ru->namelen == mlen &&
			    memcmp(ru->name, method, mlen) == 0) &&
			    !(head && ru->namelen == 3 &&
			    memcmp(ru->name, "GET", 3) == 0))
				continue;
			if (!rule_pat_match(ru, path, plen))
				continue;
		}
		if (allow != NULL)
			*allow = !ru->deny;
		return (long)i;
	}
	return -1;
}

long
tg_rules_match_resource(const struct tg_rules *r,
    const struct tg_attr *attrs, size_t nattrs, int *allow)
{
	size_t i, k;

	if (allow != NULL)
		*allow = 0;
	if (r == NULL || r->kind != TG_RULES_RESOURCE)
		return -1;
	if (attrs == NULL)
		nattrs = 0;
	for (i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		int hit = ru->all;

		for (k = 0; !hit && k < nattrs; k++) {
			const struct tg_attr *at = &attrs[k];

			if (at->key == NULL || at->value == NULL ||
			    at->keylen != ru->namelen ||
			    memcmp(at->key, ru->name, ru->namelen) != 0)
				continue;
			hit = rule_pat_match(ru, at->value, at->valuelen);
		}
		if (!hit)
			continue;
		if (allow != NULL)
			*allow = !ru->deny;
		return (long)i;
	}
	return -1;
}

int
tg_rules_parse_attrs(const char *s, struct tg_attr *attrs, size_t max)
{
	const char *e, *colon;
	size_t n = 0, klen;

	if (s == NULL)
		return 0;
	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		for (e = s; *e != '\0' && *e != ' '; e++)
			;
		if ((colon = memchr(s, ':', (size_t)(e - s))) == NULL)
			return -1;
		klen = (size_t)(colon - s);
		if (!key_valid(s, klen) ||
		    !value_valid(colon + 1, (size_t)(e - colon - 1)))
			return -1;
		if (n >= max || n >= INT_MAX || attrs == NULL)
			return -1;
		attrs[n].key = s;
		attrs[n].keylen = klen;
		attrs[n].value = colon + 1;
		attrs[n].valuelen = (size_t)(e - colon - 1);
		n++;
		s = e;
	}
	return (int)n;
}
