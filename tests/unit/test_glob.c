/*
 * Unit tests for lib/glob: tokens, masks and the three match modes, on
 * patterns with stars compiled here the way lib/rules compiles them.  The
 * rule tables of test_rules.c exercise the same code through rule lists,
 * and patterns without stars, which lib/rules compares itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "glob.h"
#include "tg_test.h"

/* Compiles pat (a path pattern when path) into g, using the buffers. */
static void
compile(const char *pat, int path, struct tg_glob *g, unsigned char *tok,
    unsigned char *lits, uint64_t *m, size_t mwords)
{
	unsigned stars;
	size_t need;

	memset(g, 0, sizeof *g);
	g->patlen = tg_glob_tokenize(pat, strlen(pat), path, tok, &stars);
	TG_CHECK(stars != 0, "%s: a pattern with stars", pat);
	g->stars = stars;
	g->nlits = tg_glob_literals(tok, g->patlen, lits);
	need = tg_glob_nmasks(stars, g->nlits) * TG_GLOB_WORDS(g->patlen);
	TG_CHECK(need <= mwords, "%s: %zu mask words", pat, need);
	memset(m, 0, mwords * sizeof *m);
	tg_glob_build(tok, g->patlen, stars, lits, g->nlits, m);
	g->masks = m;
	g->lits = lits;
}

static void
test_tokens(void)
{
	unsigned char tok[64], lits[256];
	unsigned stars;
	size_t n;

	n = tg_glob_tokenize("/a/*/b/**", 9, 1, tok, &stars);
	TG_CHECK_INT(n, 8, "path tokens");
	TG_CHECK(tok[3] == TG_GLOB_STAR && tok[7] == TG_GLOB_DSTAR,
	    "star and double star");
	TG_CHECK_INT(stars, TG_GLOB_HAS_STAR | TG_GLOB_HAS_DSTAR, "both kinds");
	n = tg_glob_tokenize("a*b***c", 7, 0, tok, &stars);
	TG_CHECK_INT(n, 5, "value tokens");
	TG_CHECK(tok[1] == TG_GLOB_DSTAR && tok[3] == TG_GLOB_DSTAR,
	    "any run of '*' in a value is one double star");
	TG_CHECK_INT(stars, TG_GLOB_HAS_DSTAR, "one kind");
	n = tg_glob_tokenize("/plain", 6, 1, tok, &stars);
	TG_CHECK(n == 6 && stars == 0, "no stars");
	n = tg_glob_tokenize("/a/*/a", 6, 1, tok, &stars);
	TG_CHECK_INT(tg_glob_literals(tok, n, lits), 2, "distinct literals");
	TG_CHECK(lits[0] == '/' && lits[1] == 'a', "in order of appearance");
	TG_CHECK_INT(tg_glob_nmasks(TG_GLOB_HAS_STAR, 2), 3, "masks");
	TG_CHECK_INT(tg_glob_nmasks(TG_GLOB_HAS_STAR | TG_GLOB_HAS_DSTAR, 0),
	    2, "masks, no literals");
	TG_CHECK_INT(TG_GLOB_WORDS(63), 1, "63 tokens and the accept bit");
	TG_CHECK_INT(TG_GLOB_WORDS(64), 2, "64 tokens");
}

static void
test_match(void)
{
	static const struct {
		const char		*pat;
		int			 path;
		enum tg_glob_mode	 mode;
		const char		*s;
		int			 want;
	} r[] = {
		{ "/x/*", 1, TG_GLOB_ALLOW, "/x/", 1 },
		{ "/x/*", 1, TG_GLOB_ALLOW, "/x", 0 },
		{ "/x*", 1, TG_GLOB_DENY, "/xy/z", 1 },
		{ "/x/*", 1, TG_GLOB_DENY, "/x", 1 },
		{ "/x*", 1, TG_GLOB_ALLOW, "/x/", 1 },
		{ "/x*", 1, TG_GLOB_ALLOW, "/x/y", 0 },
		{ "/**", 1, TG_GLOB_DENY, "/anything", 1 },
		{ "/api/*", 1, TG_GLOB_WHOLE, "/api/", 1 },
		{ "/api/*", 1, TG_GLOB_WHOLE, "/api/x", 1 },
		{ "/api/*", 1, TG_GLOB_WHOLE, "/api/x/y", 0 },
		{ "/api/*", 1, TG_GLOB_WHOLE, "/api", 0 },
		{ "/api/**", 1, TG_GLOB_WHOLE, "/api/x/y", 1 },
		{ "/api/**", 1, TG_GLOB_WHOLE, "/api", 0 },
		{ "/a/*", 1, TG_GLOB_DENY, "/a", 1 },
		{ "/a/*", 1, TG_GLOB_DENY, "/a/b/c", 1 },
		{ "/a/*", 1, TG_GLOB_DENY, "/ab", 0 },
		{ "/a/*", 1, TG_GLOB_ALLOW, "/a/b/", 1 },
		{ "/a/*", 1, TG_GLOB_ALLOW, "/a/b/c", 0 },
		{ "*.json", 0, TG_GLOB_WHOLE, "a/b.json", 1 },
		{ "*.json", 0, TG_GLOB_WHOLE, "a.jso", 0 },
		{ "m*h", 0, TG_GLOB_WHOLE, "mh", 1 },
		{ "m*h", 0, TG_GLOB_WHOLE, "math", 1 },
		{ "m*h", 0, TG_GLOB_WHOLE, "mat", 0 },
	};
	unsigned char tok[TG_GLOB_MAX], lits[256];
	uint64_t m[64];
	struct tg_glob g;
	char ctx[96];
	size_t i;

	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		compile(r[i].pat, r[i].path, &g, tok, lits, m, 64);
		snprintf(ctx, sizeof ctx, "match row %zu (%s ~ %s, mode %d)", i,
		    r[i].pat, r[i].s, (int)r[i].mode);
		TG_CHECK_INT(tg_glob_match(&g, r[i].s, strlen(r[i].s),
		    r[i].mode), r[i].want, ctx);
	}
}

/* A pattern of more than 64 tokens takes the multi-word path. */
static void
test_long(void)
{
	static char pat[200], s[300];
	unsigned char tok[TG_GLOB_MAX], lits[256];
	static uint64_t m[4 * 64];
	struct tg_glob g;
	size_t i, n = 0;

	for (i = 0; i < 40; i++) {
		pat[n++] = '/';
		pat[n++] = i % 2 ? '*' : 'a';
	}
	pat[n] = '\0';
	compile(pat, 1, &g, tok, lits, m, sizeof m / sizeof m[0]);
	TG_CHECK(g.patlen == 80 && TG_GLOB_WORDS(g.patlen) == 2, "two words");
	n = 0;
	for (i = 0; i < 40; i++) {
		s[n++] = '/';
		if (i % 2)
			n += (size_t)snprintf(s + n, sizeof s - n, "seg%zu", i);
		else
			s[n++] = 'a';
	}
	s[n] = '\0';
	TG_CHECK_INT(tg_glob_match(&g, s, n, TG_GLOB_WHOLE), 1, "long match");
	s[1] = 'b';
	TG_CHECK_INT(tg_glob_match(&g, s, n, TG_GLOB_WHOLE), 0, "long miss");
}

int
main(void)
{
	test_tokens();
	test_match();
	test_long();
	return tg_test_done("glob");
}
