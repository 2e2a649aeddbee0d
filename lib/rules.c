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
 * masks glob_match() needs, built from its pattern with "*" and "**"
 * turned into the one-byte tokens STAR and DSTAR, and the list of its
 * distinct literal bytes, whose positions number the literal masks.
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
 * at compile time.  A deny rule must also cover the paths below the ones
 * it names, and an allow rule a trailing '/': both are read off the same
 * scan (see enum mode), so the list needs nothing more for them.
 */
#include "rules.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "path.h"
#include "text.h"

#define STAR		0x01	/* "*": any run of bytes except '/' */
#define DSTAR		0x02	/* "**": any run of bytes */
#define NWORDS		((TG_RULES_MAX_LEN + 1 + 63) / 64)
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
#define R_STAR		0x04	/* the pattern has a "*" and its mask */
#define R_DSTAR		0x08	/* the pattern has a "**" and its mask */

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
_Static_assert((TG_RULES_MAX_LEN + 1 + 63) / 64 <= UCHAR_MAX,
    "words per mask must fit a byte");

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

/*
 * Copies the pattern s[0..len) into dst as tokens and returns the token
 * count.  In API paths "*" is STAR and "**" is DSTAR (longer runs were
 * refused); in resource values any run of '*' is one DSTAR.  *stars is
 * set to R_STAR, R_DSTAR, both or neither, as the pattern holds them.
 */
static size_t
tokenize(enum tg_rules_kind kind, const char *s, size_t len,
    unsigned char *dst, unsigned *stars)
{
	size_t i = 0, n = 0, run;

	*stars = 0;
	while (i < len) {
		if (s[i] != '*') {
			dst[n++] = (unsigned char)s[i++];
			continue;
		}
		for (run = 0; i < len && s[i] == '*'; i++)
			run++;
		dst[n] = (kind == TG_RULES_API && run == 1) ? STAR : DSTAR;
		*stars |= dst[n++] == STAR ? R_STAR : R_DSTAR;
	}
	return n;
}

/*
 * Lists in lits the distinct literal bytes of the pattern tok[0..patlen),
 * in order of first appearance, and returns how many there are.  A
 * literal's index in that list is the index of its mask; a byte not in
 * the list matches no literal.  A list of a few bytes searched with
 * memchr() is far smaller than a table indexed by byte, which was most of
 * a cached token's rules, and matching pays little for it: a typical
 * rule list takes tens of nanoseconds more per request.
 */
static size_t
scan_literals(const unsigned char *tok, size_t patlen, unsigned char *lits)
{
	unsigned char seen[256];
	size_t j, n = 0;

	memset(seen, 0, sizeof seen);
	for (j = 0; j < patlen; j++) {
		unsigned char t = tok[j];

		if (t != STAR && t != DSTAR && !seen[t]) {
			seen[t] = 1;
			lits[n++] = t;
		}
	}
	return n;
}

/*
 * The number of masks of a rule with stars: one for the "**" positions
 * when there are any, one for the "*" positions when there are any (a
 * missing one reads as all zeros, and most patterns have only one kind),
 * then one per distinct literal byte.
 */
static size_t
nmasks(const struct rule *ru)
{
	return ((ru->flags & R_DSTAR) != 0) + ((ru->flags & R_STAR) != 0) +
	    (size_t)ru->nlits;
}

/*
 * Builds the masks of ru, a rule with stars (see glob_match()), from its
 * tokens tok and its literal list lits, into m, which holds nmasks(ru) *
 * ru->nw zeroed words.
 */
static void
build_masks(const struct rule *ru, const unsigned char *tok,
    const unsigned char *lits, uint64_t *m)
{
	const unsigned char *hit;
	uint64_t *dstar = NULL, *star = NULL, *lit;
	size_t j, nw = ru->nw;

	if (ru->flags & R_DSTAR) {
		dstar = m;
		m += nw;
	}
	if (ru->flags & R_STAR) {
		star = m;
		m += nw;
	}
	for (j = 0; j < ru->patlen; j++) {
		unsigned char t = tok[j];
		uint64_t bit = (uint64_t)1 << (j % 64);

		/* tokenize() set the flag of every kind of star it made, so
		 * the pointers are not NULL when their tokens occur. */
		if (t == DSTAR || t == STAR) {
			(t == DSTAR ? dstar : star)[j / 64] |= bit;
			continue;
		}
		hit = memchr(lits, t, ru->nlits);
		lit = m + (size_t)(hit - lits) * nw;
		lit[j / 64] |= bit;
	}
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
 * What a pattern is matched against (README "API rules"):
 *   WHOLE  the subject itself: resource values, and the explain output;
 *   ALLOW  an API allow rule: the path, or a path ending in '/' whose
 *          pattern matches it without that '/' ("GET /x" allows "/x/");
 *   DENY   an API deny rule: the path is T or lies below T ("T/..."),
 *          for some T such that the pattern matches T or T + "/".
 * A deny rule has to cover what the backend may serve through the path
 * it names: many route "/x/" as "/x" (Express, Spring, Rails), and CGI,
 * PHP and prefix routers serve "/x/anything" through "/x" (PATH_INFO).
 * An allow rule must never widen to those: it only forgives the trailing
 * slash that clients and servers add.  Both are decided in the one scan
 * of the path that a whole match takes.
 */
enum mode {
	WHOLE,
	ALLOW,
	DENY
};

/* Is bit patlen, "the whole pattern matched", set in the state set? */
#define ACCEPTS(ru, set) \
	((int)(((set)[(ru)->patlen / 64] >> ((ru)->patlen % 64)) & 1))

/* A rule's masks, found once per match. */
struct nfa {
	const uint64_t		*dstar, *star, *masks;
	const unsigned char	*lits;
	size_t			 nw, nlits;
};

/*
 * Advances the state set cur over byte c (see glob_match()) and returns
 * nonzero while any position is still live.
 */
static inline uint64_t
nfa_step(const struct nfa *a, uint64_t *cur, unsigned char c)
{
	uint64_t nxt[NWORDS], carry = 0, m, live = 0;
	const unsigned char *hit;
	const uint64_t *lit;
	size_t w, nw = a->nw;

	hit = a->nlits > 0 ? memchr(a->lits, c, a->nlits) : NULL;
	lit = hit != NULL ? a->masks + (size_t)(hit - a->lits) * nw : NULL;
	for (w = 0; w < nw; w++) {
		nxt[w] = cur[w] & a->dstar[w];
		if (c != '/')
			nxt[w] |= cur[w] & a->star[w];
		if (lit != NULL) {
			m = cur[w] & lit[w];
			nxt[w] |= (m << 1) | carry;
			carry = m >> 63;
		}
	}
	skip_stars(nxt, a->dstar, a->star, nw);
	for (w = 0; w < nw; w++) {
		live |= nxt[w];
		cur[w] = nxt[w];
	}
	return live;
}

/*
 * glob_match() for a pattern of fewer than 64 tokens, nearly every one:
 * the state set is one word, kept in a register, and the few literal
 * bytes are searched inline rather than through memchr().
 */
static int
glob_match1(const struct nfa *a, size_t patlen, const char *s, size_t n,
    enum mode mode)
{
	const uint64_t dstar = a->dstar[0], star = a->star[0];
	const uint64_t stars = dstar | star, acc = (uint64_t)1 << patlen;
	uint64_t cur = 1, lit;
	size_t i, k;

	cur |= (cur & stars) << 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		for (k = 0, lit = 0; k < a->nlits; k++)
			if (a->lits[k] == c) {
				lit = a->masks[k];
				break;
			}
		if (c == '/') {
			/* T = s[0..i) ends before a '/': s is T/ or below. */
			if (mode != WHOLE && (cur & acc) != 0 &&
			    (mode == DENY || i + 1 == n))
				return 1;
			cur = (cur & dstar) | ((cur & lit) << 1);
		} else
			cur = (cur & stars) | ((cur & lit) << 1);
		cur |= (cur & stars) << 1;
		if (cur == 0)
			return 0;
		/* T + "/" = s[0..i] matched: s is T/ or below it. */
		if (c == '/' && mode == DENY && (cur & acc) != 0)
			return 1;
	}
	if ((cur & acc) != 0)
		return 1;
	if (mode != DENY)
		return 0;
	/* The pattern matches s + "/". */
	for (k = 0, lit = 0; k < a->nlits; k++)
		if (a->lits[k] == '/')
			lit = a->masks[k];
	cur = (cur & dstar) | ((cur & lit) << 1);
	cur |= (cur & stars) << 1;
	return (cur & acc) != 0;
}

/*
 * Returns 1 when the pattern of ru, a rule of r with stars, matches
 * s[0..n) in the given mode, else 0.
 *
 * Bit j of the state set means "the first j tokens matched the input read
 * so far"; bit patlen means the whole pattern did.  Reading byte c, a
 * literal position j whose byte is c moves to j + 1 (one shift of the set
 * masked by the literal mask of c), a "**" position stays, and a "*"
 * position stays unless c is '/'.  This is the Shift-And algorithm with
 * stars: O(n x (patlen / 64 + 1)) word operations, whatever the pattern.
 * The modes only look at bit patlen next to a '/': before it (the pattern
 * matched the path up to there), after it (it matched up to and with
 * it), and for DENY once more after a '/' fed past the end.
 */
static int
glob_match(const struct tg_rules *r, const struct rule *ru, const char *s,
    size_t n, enum mode mode)
{
	static const uint64_t zeros[NWORDS];
	uint64_t cur[NWORDS];
	const unsigned char *base = (const unsigned char *)r;
	struct nfa a;
	size_t i;

	a.nw = ru->nw;
	a.nlits = ru->nlits;
	a.lits = base + ru->text - ru->nlits;
	a.dstar = a.star = zeros;
	/* The offset is a multiple of 8 in a block aligned for uint64_t. */
	a.masks = (const uint64_t *)(const void *)(base + ru->masks);
	if (ru->flags & R_DSTAR) {
		a.dstar = a.masks;
		a.masks += a.nw;
	}
	if (ru->flags & R_STAR) {
		a.star = a.masks;
		a.masks += a.nw;
	}
	if (a.nw == 1)
		return glob_match1(&a, ru->patlen, s, n, mode);
	memset(cur, 0, a.nw * sizeof *cur);
	cur[0] = 1;
	skip_stars(cur, a.dstar, a.star, a.nw);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* T = s[0..i) ends before a '/': s is T/ or below it. */
		if (c == '/' && mode != WHOLE && ACCEPTS(ru, cur) &&
		    (mode == DENY || i + 1 == n))
			return 1;
		if (nfa_step(&a, cur, c) == 0)
			return 0;
		/* T + "/" = s[0..i] matched: s is T/ or below it. */
		if (c == '/' && mode == DENY && ACCEPTS(ru, cur))
			return 1;
	}
	if (ACCEPTS(ru, cur))
		return 1;
	/* The pattern matches s + "/". */
	return mode == DENY && nfa_step(&a, cur, '/') != 0 && ACCEPTS(ru, cur);
}

/* Rule ru's text, NUL-terminated, in r's block. */
static const char *
rule_text(const struct tg_rules *r, const struct rule *ru)
{
	return (const char *)r + ru->text;
}

/*
 * Returns 1 when the pattern of ru, a rule of r, matches s[0..n) in the
 * given mode (see enum mode), else 0.
 */
static int
pat_match(const struct tg_rules *r, const struct rule *ru, const char *s,
    size_t n, enum mode mode)
{
	const char *pat = rule_text(r, ru) + ru->pat;
	size_t t = ru->patlen;

	if (ru->masks != 0)
		return glob_match(r, ru, s, n, mode);
	/* Without stars the pattern is the text's PATH or value as written. */
	switch (mode) {
	case WHOLE:
		break;
	case ALLOW:
		/* The path, or the path with one '/' added. */
		if (n == t + 1 && s[t] == '/' && memcmp(pat, s, t) == 0)
			return 1;
		break;
	case DENY:
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
static enum mode
api_mode(const struct rule *ru)
{
	return (ru->flags & R_DENY) ? DENY : ALLOW;
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
			ru->patlen = (uint16_t)tokenize(kind,
			    text + off + p.pat, p.patlen, tok, &stars);
			if (stars != 0) {
				ru->flags |= (unsigned char)stars;
				ru->nw = (unsigned char)(ru->patlen / 64 + 1);
				ru->nlits = (unsigned char)scan_literals(tok,
				    ru->patlen, lits);
				words += nmasks(ru) * ru->nw;
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
			tokenize(kind, text + off + ru->pat, linelen - ru->pat,
			    tok, &stars);
			scan_literals(tok, ru->patlen, base + boff);
			ru->masks = (uint32_t)moff;
			build_masks(ru, tok, base + boff,
			    (uint64_t *)(void *)(base + moff));
			moff += nmasks(ru) * ru->nw * sizeof(uint64_t);
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
	if (pat_match(r, ru, path, n, WHOLE))
		return TG_RULES_HOW_EXACT;
	if (n > 0 && path[n - 1] == '/' && pat_match(r, ru, path, n - 1,
	    WHOLE))
		return TG_RULES_HOW_SLASH;
	if (!(ru->flags & R_DENY))
		return TG_RULES_HOW_NONE;
	/* Only the explain output comes here: a copy is fine. */
	if ((plus = malloc(n + 2)) == NULL)
		return TG_RULES_HOW_NONE;
	memcpy(plus, path, n);
	plus[n] = '/';
	plus[n + 1] = '\0';
	if (pat_match(r, ru, plus, n + 1, WHOLE))
		how = TG_RULES_HOW_SLASH;
	else if (pat_match(r, ru, path, n, DENY))
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
			    WHOLE);
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
