/*
 * glob.c: matching star patterns with the Shift-And algorithm.
 *
 * Matching simulates the pattern as an NFA over the subject, one byte at a
 * time, with the set of live pattern positions as a bitset on the stack
 * that is advanced a machine word at a time (Shift-And).  That costs
 * (subject length x (pattern length / 64 + 1)) word operations, with no
 * recursion and no backtracking, so a pattern made of hundreds of "**"
 * segments against a long path cannot explode the way a naive recursive
 * glob would: the worst rule against an 8 KiB path takes well under a
 * millisecond.  The price is a few masks per pattern with stars, built
 * once at compile time (tg_glob_build).  A deny rule must also cover the
 * paths below the ones it names, and an allow rule a trailing '/': both
 * are read off the same scan (enum tg_glob_mode), so a pattern needs
 * nothing more for them.
 *
 * The modes exist because a deny rule has to cover what the backend may
 * serve through the path it names: many route "/x/" as "/x" (Express,
 * Spring, Rails), and CGI, PHP and prefix routers serve "/x/anything"
 * through "/x" (PATH_INFO).  An allow rule must never widen to those: it
 * only forgives the trailing slash that clients and servers add.  Both
 * are decided in the one scan of the path that a whole match takes.
 */
#include "glob.h"

#include <string.h>

#define STAR		TG_GLOB_STAR
#define DSTAR		TG_GLOB_DSTAR
#define HAS_STAR	TG_GLOB_HAS_STAR
#define HAS_DSTAR	TG_GLOB_HAS_DSTAR
#define NWORDS		TG_GLOB_WORDS(TG_GLOB_MAX)

size_t
tg_glob_tokenize(const char *s, size_t len, int path, unsigned char *dst,
    unsigned *stars)
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
		dst[n] = (path && run == 1) ? STAR : DSTAR;
		*stars |= dst[n++] == STAR ? HAS_STAR : HAS_DSTAR;
	}
	return n;
}

/*
 * A byte not in the literal list matches no literal.  A list of a few
 * bytes searched with memchr() is far smaller than a table indexed by
 * byte, which was most of a cached token's rules, and matching pays
 * little for it: a typical rule list takes tens of nanoseconds more per
 * request.
 */
size_t
tg_glob_literals(const unsigned char *tok, size_t patlen, unsigned char *lits)
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
 * A missing star mask reads as all zeros, and most patterns have only
 * one kind of star, so only the kinds present get a mask.
 */
size_t
tg_glob_nmasks(unsigned stars, size_t nlits)
{
	return ((stars & HAS_DSTAR) != 0) + ((stars & HAS_STAR) != 0) + nlits;
}

void
tg_glob_build(const unsigned char *tok, size_t patlen, unsigned stars,
    const unsigned char *lits, size_t nlits, uint64_t *m)
{
	const unsigned char *hit;
	uint64_t *dstar = NULL, *star = NULL, *lit;
	size_t j, nw = TG_GLOB_WORDS(patlen);

	if (stars & HAS_DSTAR) {
		dstar = m;
		m += nw;
	}
	if (stars & HAS_STAR) {
		star = m;
		m += nw;
	}
	for (j = 0; j < patlen; j++) {
		unsigned char t = tok[j];
		uint64_t bit = (uint64_t)1 << (j % 64);

		/* tg_glob_tokenize() set the flag of every kind of star it
		 * made, so the pointers are not NULL when their tokens
		 * occur. */
		if (t == DSTAR || t == STAR) {
			(t == DSTAR ? dstar : star)[j / 64] |= bit;
			continue;
		}
		hit = memchr(lits, t, nlits);
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

/* Is bit patlen, "the whole pattern matched", set in the state set? */
#define ACCEPTS(patlen, set) \
	((int)(((set)[(patlen) / 64] >> ((patlen) % 64)) & 1))

/* A rule's masks, found once per match. */
struct nfa {
	const uint64_t		*dstar, *star, *masks;
	const unsigned char	*lits;
	size_t			 nw, nlits;
};

/*
 * Advances the state set cur over byte c (see tg_glob_match()) and returns
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
 * tg_glob_match() for a pattern of fewer than 64 tokens, nearly every one:
 * the state set is one word, kept in a register, and the few literal
 * bytes are searched inline rather than through memchr().
 */
static int
glob_match1(const struct nfa *a, size_t patlen, const char *s, size_t n,
    enum tg_glob_mode mode)
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
			if (mode != TG_GLOB_WHOLE && (cur & acc) != 0 &&
			    (mode == TG_GLOB_DENY || i + 1 == n))
				return 1;
			cur = (cur & dstar) | ((cur & lit) << 1);
		} else
			cur = (cur & stars) | ((cur & lit) << 1);
		cur |= (cur & stars) << 1;
		if (cur == 0)
			return 0;
		/* T + "/" = s[0..i] matched: s is T/ or below it. */
		if (c == '/' && mode == TG_GLOB_DENY && (cur & acc) != 0)
			return 1;
	}
	if ((cur & acc) != 0)
		return 1;
	if (mode != TG_GLOB_DENY)
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
int
tg_glob_match(const struct tg_glob *g, const char *s, size_t n,
    enum tg_glob_mode mode)
{
	static const uint64_t zeros[NWORDS];
	uint64_t cur[NWORDS];
	struct nfa a;
	size_t i;

	a.nw = TG_GLOB_WORDS(g->patlen);
	a.nlits = g->nlits;
	a.lits = g->lits;
	a.dstar = a.star = zeros;
	a.masks = g->masks;
	if (g->stars & HAS_DSTAR) {
		a.dstar = a.masks;
		a.masks += a.nw;
	}
	if (g->stars & HAS_STAR) {
		a.star = a.masks;
		a.masks += a.nw;
	}
	if (a.nw == 1)
		return glob_match1(&a, g->patlen, s, n, mode);
	memset(cur, 0, a.nw * sizeof *cur);
	cur[0] = 1;
	skip_stars(cur, a.dstar, a.star, a.nw);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* T = s[0..i) ends before a '/': s is T/ or below it. */
		if (c == '/' && mode != TG_GLOB_WHOLE &&
		    ACCEPTS(g->patlen, cur) &&
		    (mode == TG_GLOB_DENY || i + 1 == n))
			return 1;
		if (nfa_step(&a, cur, c) == 0)
			return 0;
		/* T + "/" = s[0..i] matched: s is T/ or below it. */
		if (c == '/' && mode == TG_GLOB_DENY &&
		    ACCEPTS(g->patlen, cur))
			return 1;
	}
	if (ACCEPTS(g->patlen, cur))
		return 1;
	/* The pattern matches s + "/". */
	return mode == TG_GLOB_DENY && nfa_step(&a, cur, '/') != 0 &&
	    ACCEPTS(g->patlen, cur);
}
