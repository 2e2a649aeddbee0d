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
 * A compiled list is one allocation with no pointer inside (offsets
 * only), so a cache can keep it inside a block of its own: a cached
 * token's rules are compiled once per process, and with 100,000 owners
 * their size is most of the cache's.  It holds each rule as written (for
 * error messages, the explain output and the audit log, and as the
 * pattern of a rule without stars); a rule with stars also gets the bit
 * masks and the list of distinct literal bytes that lib/glob matches it
 * with, in linear time whatever the pattern (glob.c says how).  The
 * compiled list is never written again, which is what makes it safe to
 * share between threads.
 */
#include "rules.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "names.h"
#include "text.h"

#define METHOD_MAX	32
#define KEY_MAX		64
#define VALUE_MAX	256
#define QUOTE_MAX	60	/* bytes of a rule shown in a message */

/*
 * One compiled rule, 16 bytes.  It holds no pointer: every location is an
 * offset from the start of the list's one allocation, so the list can be
 * copied as a block.  The limits of rules.h keep the fields small: a rule
 * is at most TG_RULES_MAX_LEN bytes, a method or key at most 64, and the
 * literal bytes of a pattern are printable, so they lie in 0x21..0xFF and
 * never number more than 253.
 */
struct rule {
	uint32_t	text;		/* as written, NUL-terminated */
	uint32_t	masks;		/* 8-aligned; 0 when no stars */
	uint16_t	patlen;		/* pattern tokens */
	unsigned char	pat;		/* where PATH or value starts in text */
	unsigned char	namelen;	/* method or key, after any '!' */
	unsigned char	flags;		/* R_* */
	unsigned char	nw;		/* words per mask, 1..17 */
	unsigned char	nlits;		/* distinct literal bytes */
	unsigned char	pad;
};

#define R_DENY		0x01	/* starts with '!' */
#define R_ALL		0x02	/* "*" or "!*" */
#define R_STAR		TG_GLOB_HAS_STAR	/* a "*" and its mask */
#define R_DSTAR		TG_GLOB_HAS_DSTAR	/* a "**" and its mask */

/*
 * A compiled list is one allocation: this header, the n rules, then
 * every rule's masks (8-aligned), then for each rule its literal bytes
 * followed by its text.  size is the whole block, for tg_rules_size().
 */
struct tg_rules {
	uint32_t	size;
	uint16_t	n;
	unsigned char	kind;
	unsigned char	pad;
	struct rule	v[];
};

_Static_assert(sizeof(struct rule) == 16, "struct rule grew");
_Static_assert(TG_RULES_MAX <= UINT16_MAX && TG_RULES_MAX_LEN <= UINT16_MAX,
    "rule limits must fit the compact fields");
_Static_assert(1 + KEY_MAX + 1 <= UCHAR_MAX && 1 + METHOD_MAX + 1 <= UCHAR_MAX,
    "a pattern must start within a byte's reach of its rule");
_Static_assert(TG_GLOB_WORDS(TG_RULES_MAX_LEN) <= UCHAR_MAX,
    "words per mask must fit a byte");
_Static_assert(TG_RULES_MAX_LEN <= TG_GLOB_MAX,
    "a rule's pattern must fit lib/glob's state sets");
_Static_assert(((R_STAR | R_DSTAR) & (R_DENY | R_ALL)) == 0,
    "lib/glob's star bits must not collide with a rule's own flags");

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
	if (!tg_text_utf8_valid(s, len))
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

/* Rule ru's text, NUL-terminated, in r's block. */
static const char *
rule_text(const struct tg_rules *r, const struct rule *ru)
{
	return (const char *)r + ru->text;
}

/*
 * Returns 1 when the pattern of ru, a rule of r, matches s[0..n) in the
 * given mode (glob.h), else 0.
 */
static int
pat_match(const struct tg_rules *r, const struct rule *ru, const char *s,
    size_t n, enum tg_glob_mode mode)
{
	const unsigned char *base = (const unsigned char *)r;
	const char *pat = rule_text(r, ru) + ru->pat;
	size_t t = ru->patlen;
	struct tg_glob g;

	if (ru->masks != 0) {
		g.patlen = ru->patlen;
		/* A multiple of 8 in a block aligned for uint64_t. */
		g.masks = (const uint64_t *)(const void *)(base + ru->masks);
		g.lits = base + ru->text - ru->nlits;
		g.nlits = ru->nlits;
		g.stars = ru->flags & (R_STAR | R_DSTAR);
		return tg_glob_match(&g, s, n, mode);
	}
	/* Without stars the pattern is the text's PATH or value as written. */
	switch (mode) {
	case TG_GLOB_WHOLE:
		break;
	case TG_GLOB_ALLOW:
		/* The path, or the path with one '/' added. */
		if (n == t + 1 && s[t] == '/' && memcmp(pat, s, t) == 0)
			return 1;
		break;
	case TG_GLOB_DENY:
		/* Without its own trailing '/' ("/" becomes ""), the pattern
		 * is T, and s must be T, or T/ and below: a segment prefix. */
		if (pat[t - 1] == '/')
			t--;
		return n >= t && memcmp(pat, s, t) == 0 &&
		    (n == t || s[t] == '/');
	}
	return n == t && memcmp(pat, s, n) == 0;
}

/* The mode an API rule is matched in. */
static enum tg_glob_mode
api_mode(const struct rule *ru)
{
	return (ru->flags & R_DENY) ? TG_GLOB_DENY : TG_GLOB_ALLOW;
}

/* Returns the length of the line at text[off..len), without its '\n'. */
static size_t
line_len(const char *text, size_t len, size_t off)
{
	const char *nl = memchr(text + off, '\n', len - off);

	return nl != NULL ? (size_t)(nl - (text + off)) : len - off;
}

struct tg_rules *
tg_rules_compile(enum tg_rules_kind kind, const char *text, size_t len,
    char *err, size_t errsz)
{
	/* The first pass keeps each rule here until the block is sized. */
	struct rule tmp[TG_RULES_MAX];
	struct tg_rules *r;
	struct parsed p;
	const char *reason;
	unsigned char tok[TG_RULES_MAX_LEN], lits[256], *base;
	char q[4 * QUOTE_MAX + 8];
	size_t n, i, off, linelen, words = 0, bytes = 0, moff, boff, size;
	unsigned stars;

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
	/* First pass: parse every rule and size the block. */
	memset(tmp, 0, n * sizeof *tmp);
	for (i = 0, off = 0; i < n; i++, off += linelen + 1) {
		struct rule *ru = &tmp[i];

		linelen = line_len(text, len, off);
		if ((reason = parse_rule(kind, text + off, linelen, &p)) !=
		    NULL) {
			if (err != NULL && errsz > 0) {
				/* Rules are user input; messages reach logs
				 * and terminals. */
				tg_names_quote(text + off, linelen, QUOTE_MAX,
				    q, sizeof q);
				snprintf(err, errsz, "rule %zu \"%s\": %s",
				    i + 1, q, reason);
			}
			return NULL;
		}
		ru->flags = (unsigned char)((p.deny ? R_DENY : 0) |
		    (p.all ? R_ALL : 0));
		ru->namelen = (unsigned char)p.namelen;
		ru->pat = (unsigned char)p.pat;
		if (!p.all) {
			ru->patlen = (uint16_t)tg_glob_tokenize(
			    text + off + p.pat, p.patlen, kind == TG_RULES_API,
			    tok, &stars);
			if (stars != 0) {
				ru->flags |= (unsigned char)stars;
				ru->nw = (unsigned char)TG_GLOB_WORDS(
				    ru->patlen);
				ru->nlits = (unsigned char)tg_glob_literals(tok,
				    ru->patlen, lits);
				words += tg_glob_nmasks(stars, ru->nlits) *
				    ru->nw;
			}
		}
		bytes += ru->nlits + linelen + 1;
	}
	moff = offsetof(struct tg_rules, v) + n * sizeof *tmp;
	moff = (moff + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1);
	boff = moff + words * sizeof(uint64_t);
	size = boff + bytes;
	/* At most 256 rules of 1 KiB: megabytes, never near 4 GiB. */
	if (size > UINT32_MAX || (r = calloc(1, size)) == NULL) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "out of memory");
		return NULL;
	}
	r->size = (uint32_t)size;
	r->n = (uint16_t)n;
	r->kind = (unsigned char)kind;
	base = (unsigned char *)r;
	/* Second pass: lay out texts, literal lists and masks. */
	for (i = 0, off = 0; i < n; i++, off += linelen + 1) {
		struct rule *ru = &r->v[i];

		linelen = line_len(text, len, off);
		*ru = tmp[i];
		if (ru->nw > 0) {
			tg_glob_tokenize(text + off + ru->pat,
			    linelen - ru->pat, kind == TG_RULES_API, tok,
			    &stars);
			tg_glob_literals(tok, ru->patlen, base + boff);
			ru->masks = (uint32_t)moff;
			tg_glob_build(tok, ru->patlen, stars, base + boff,
			    ru->nlits, (uint64_t *)(void *)(base + moff));
			moff += tg_glob_nmasks(stars, ru->nlits) * ru->nw *
			    sizeof(uint64_t);
			boff += ru->nlits;
		}
		ru->text = (uint32_t)boff;
		memcpy(base + boff, text + off, linelen);
		boff += linelen + 1;
	}
	return r;
}

void
tg_rules_free(struct tg_rules *r)
{
	free(r);
}

size_t
tg_rules_size(const struct tg_rules *r)
{
	return r != NULL ? r->size : 0;
}

struct tg_rules *
tg_rules_copy(const struct tg_rules *r, void *dst)
{
	memcpy(dst, r, r->size);
	return dst;
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
	return rule_text(r, &r->v[i]);
}

int
tg_rules_same_text(const struct tg_rules *r, const char *text, size_t len)
{
	const char *t;
	size_t i, off = 0, linelen;

	if (text == NULL)
		return tg_rules_count(r) == 0;
	for (i = 0; i < tg_rules_count(r); i++, off += linelen + 1) {
		if (off > len)
			return 0;
		linelen = line_len(text, len, off);
		t = rule_text(r, &r->v[i]);
		/* Rule texts hold no NUL: parse_rule() refuses it. */
		if (strlen(t) != linelen || memcmp(t, text + off, linelen) != 0)
			return 0;
	}
	/* Past the end after a last line without '\n', at it after one. */
	return off >= len;
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
		const char *name = rule_text(r, ru) +
		    ((ru->flags & R_DENY) != 0);

		if (!(ru->flags & R_ALL)) {
			if (!(ru->namelen == 1 && name[0] == '*') &&
			    !(ru->namelen == mlen &&
			    memcmp(name, method, mlen) == 0) &&
			    !(head && ru->namelen == 3 &&
			    memcmp(name, "GET", 3) == 0))
				continue;
			if (!pat_match(r, ru, path, plen, api_mode(ru)))
				continue;
		}
		if (allow != NULL)
			*allow = !(ru->flags & R_DENY);
		return (long)i;
	}
	return -1;
}

enum tg_rules_how
tg_rules_how(const struct tg_rules *r, size_t i, const char *path)
{
	const struct rule *ru;
	enum tg_rules_how how = TG_RULES_HOW_NONE;
	size_t n;
	char *plus;

	if (r == NULL || r->kind != TG_RULES_API || i >= r->n || path == NULL)
		return TG_RULES_HOW_NONE;
	ru = &r->v[i];
	if (ru->flags & R_ALL)
		return TG_RULES_HOW_EXACT;
	n = strlen(path);
	if (pat_match(r, ru, path, n, TG_GLOB_WHOLE))
		return TG_RULES_HOW_EXACT;
	if (n > 0 && path[n - 1] == '/' && pat_match(r, ru, path, n - 1,
	    TG_GLOB_WHOLE))
		return TG_RULES_HOW_SLASH;
	if (!(ru->flags & R_DENY))
		return TG_RULES_HOW_NONE;
	/* Only the explain output comes here: a copy is fine. */
	if ((plus = malloc(n + 2)) == NULL)
		return TG_RULES_HOW_NONE;
	memcpy(plus, path, n);
	plus[n] = '/';
	plus[n + 1] = '\0';
	if (pat_match(r, ru, plus, n + 1, TG_GLOB_WHOLE))
		how = TG_RULES_HOW_SLASH;
	else if (pat_match(r, ru, path, n, TG_GLOB_DENY))
		how = TG_RULES_HOW_BELOW;
	free(plus);
	return how;
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
		const char *name = rule_text(r, ru) +
		    ((ru->flags & R_DENY) != 0);
		int hit = (ru->flags & R_ALL) != 0;

		for (k = 0; !hit && k < nattrs; k++) {
			const struct tg_attr *at = &attrs[k];

			if (at->key == NULL || at->value == NULL ||
			    at->keylen != ru->namelen ||
			    memcmp(at->key, name, ru->namelen) != 0)
				continue;
			hit = pat_match(r, ru, at->value, at->valuelen,
			    TG_GLOB_WHOLE);
		}
		if (!hit)
			continue;
		if (allow != NULL)
			*allow = !(ru->flags & R_DENY);
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
