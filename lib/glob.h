/*
 * glob.h: the star patterns of rules, compiled to bit masks and matched
 * in linear time.
 *
 * A pattern is a run of tokens: literal bytes, TG_GLOB_STAR ("*": any
 * run of bytes except '/', possibly empty) and TG_GLOB_DSTAR ("**": any
 * run of bytes).  lib/rules keeps a compiled pattern inside its own
 * block (masks and literal list at offsets it chooses) and describes it
 * to tg_glob_match() with a struct tg_glob; this module owns the
 * algorithm and the meaning of the match modes (README "API rules").
 *
 * Every function here is pure, thread-safe and allocates nothing.
 */
#ifndef TG_GLOB_H
#define TG_GLOB_H

#include <stddef.h>
#include <stdint.h>

#define TG_GLOB_MAX		1024	/* tokens in a pattern */
#define TG_GLOB_STAR		0x01	/* token "*" */
#define TG_GLOB_DSTAR		0x02	/* token "**" */
#define TG_GLOB_HAS_STAR	0x04	/* the pattern holds a "*" */
#define TG_GLOB_HAS_DSTAR	0x08	/* the pattern holds a "**" */

/* Words per mask of a pattern of patlen tokens. */
#define TG_GLOB_WORDS(patlen)	((patlen) / 64 + 1)

/*
 * Copies the pattern s[0..len) into dst (len bytes) as tokens and
 * returns the token count.  In a path (path != 0) "*" is TG_GLOB_STAR and
 * "**" TG_GLOB_DSTAR (the caller refuses longer runs); elsewhere any run
 * of '*' is one TG_GLOB_DSTAR.  *stars gets TG_GLOB_HAS_STAR and
 * TG_GLOB_HAS_DSTAR as the pattern holds them.
 */
size_t	tg_glob_tokenize(const char *s, size_t len, int path,
	    unsigned char *dst, unsigned *stars);

/*
 * Lists in lits (256 bytes suffice) the distinct literal bytes of the
 * tokens tok[0..patlen), in order of first appearance, and returns how
 * many there are.  A literal's index in that list is the index of its
 * mask.
 */
size_t	tg_glob_literals(const unsigned char *tok, size_t patlen,
	    unsigned char *lits);

/*
 * The number of masks of a pattern with stars: one for the "**"
 * positions when there are any, one for the "*" positions when there are
 * any, then one per distinct literal byte.  Each is
 * TG_GLOB_WORDS(patlen) words.
 */
size_t	tg_glob_nmasks(unsigned stars, size_t nlits);

/*
 * Builds the masks of the tokens tok[0..patlen) with stars and literal
 * list lits (nlits bytes) into m, which holds tg_glob_nmasks(stars,
 * nlits) * TG_GLOB_WORDS(patlen) zeroed words.
 */
void	tg_glob_build(const unsigned char *tok, size_t patlen, unsigned stars,
	    const unsigned char *lits, size_t nlits, uint64_t *m);

/*
 * A compiled pattern with stars: masks, lits and nlits are what
 * tg_glob_build and tg_glob_literals made of its patlen tokens, and
 * stars its TG_GLOB_HAS_* bits.  A pattern without stars is plain text,
 * which lib/rules compares itself, in the same modes, without a call.
 */
struct tg_glob {
	size_t			 patlen;
	const uint64_t		*masks;
	const unsigned char	*lits;
	size_t			 nlits;
	unsigned		 stars;
};

/*
 * What a pattern is matched against (README "API rules"):
 *   WHOLE  the subject itself: resource values, and the explain output;
 *   ALLOW  an API allow rule: the path, or a path ending in '/' whose
 *          pattern matches it without that '/' ("GET /x" allows "/x/");
 *   DENY   an API deny rule: the path is T or lies below T ("T/..."),
 *          for some T such that the pattern matches T or T + "/".
 */
enum tg_glob_mode {
	TG_GLOB_WHOLE,
	TG_GLOB_ALLOW,
	TG_GLOB_DENY
};

/*
 * Returns 1 when g, a pattern with stars, matches s[0..n) in mode, else
 * 0.  Takes O(n x (patlen / 64 + 1)) word operations whatever the
 * pattern: no recursion, no backtracking.
 */
int	tg_glob_match(const struct tg_glob *g, const char *s, size_t n,
	    enum tg_glob_mode mode);

#endif /* TG_GLOB_H */
