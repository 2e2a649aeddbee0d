/*
 * test_path.c: tg_path_canonicalize() against an attacker's table.
 *
 * Three sources of rows: the table below (bytes that cannot sit raw in a
 * text file, exact reasons, buffer-size edges), tests/hostile-paths.txt
 * (shared with the integration tests; its path may be given as argv[1]),
 * and a seeded random walk over a hostile alphabet that checks the
 * properties every accepted path must have.  Every input is copied into a
 * heap block of exactly its length, so ASan or valgrind catch any read
 * past len.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "text.h"
#include "tg_test.h"

#define HOSTILE_FILE	"tests/hostile-paths.txt"

struct row {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;		/* canonical path, or NULL: refused */
	const char	*why;		/* expected reason when refused, or NULL */
};

static const struct row rows[] = {
	{ "/", 0, "/", NULL },
	{ "/a/b", 0, "/a/b", NULL },
	{ "", 0, NULL, "empty path" },
	{ "a", 0, NULL, "path does not start with '/'" },
	{ "/a%2fb", 0, NULL, "encoded slash" },
	{ "/a%2Fb", 0, NULL, "encoded slash" },
	{ "/a%00", 0, NULL, "encoded NUL" },
	{ "/a%", 0, NULL, "bad percent-encoding" },
	{ "/a%zz", 0, NULL, "bad percent-encoding" },
	{ "/a#b", 0, NULL, "fragment in request URI" },
	{ "/a\\b", 0, NULL, "backslash" },
	{ "/a%5cb", 0, NULL, "backslash" },
	{ "/a;b", 0, NULL, "semicolon (path parameter)" },
	{ "/a%3Bb", 0, NULL, "semicolon (path parameter)" },
	{ "/a%c0%af", 0, NULL, "invalid UTF-8" },
	{ "/..", 0, NULL, "'..' above the root" },
	{ "/a%0d", 0, NULL, "control character" },
	/* Raw bytes that cannot be written in the text file. */
	{ "/admin\0.html", 12, NULL, "control character" },
	{ "/admin\0", 7, NULL, "control character" },
	{ "\0/admin", 7, NULL, "path does not start with '/'" },
	{ "/a\r\nHost: evil", 0, NULL, "control character" },
	{ "/a\nb", 0, NULL, "control character" },
	{ "/a\rb", 0, NULL, "control character" },
	{ "/a\tb", 0, NULL, "control character" },
	{ "/a\x01", 0, NULL, "control character" },
	{ "/a\x1f", 0, NULL, "control character" },
	{ "/a\x7f", 0, NULL, "control character" },
	{ "/a b", 0, NULL, "raw space" },
	{ "/a ", 0, NULL, "raw space" },
	{ "/a\xc0\xaf", 0, NULL, "invalid UTF-8" },
	{ "/a\xc0\xae\xc0\xae/x", 0, NULL, "invalid UTF-8" },
	{ "/a\xe0\x80\xae", 0, NULL, "invalid UTF-8" },
	{ "/a\xff", 0, NULL, "invalid UTF-8" },
	{ "/a\x80", 0, NULL, "invalid UTF-8" },
	{ "/a\xed\xa0\x80", 0, NULL, "invalid UTF-8" },
	{ "/a\xf4\x90\x80\x80", 0, NULL, "invalid UTF-8" },
	{ "/caf\xc3\xa9", 0, "/caf\xc3\xa9", NULL },
	{ "/\xf4\x8f\xbf\xbf", 0, "/\xf4\x8f\xbf\xbf", NULL },
	{ "/\xef\xbf\xbf", 0, "/\xef\xbf\xbf", NULL },
	{ "/\xc2\x80", 0, "/\xc2\x80", NULL },
	/* The query may hold anything but a '#'; it is never decoded. */
	{ "/a?\r\n%zz;\\", 0, "/a", NULL },
	{ "/a?\0", 4, "/a", NULL },
	{ "/a?x#", 0, NULL, "fragment in request URI" },
	/* len is honoured: bytes past it are never looked at. */
	{ "/a/b#", 4, "/a/b", NULL },
	{ "/a/..%2f", 5, "/", NULL },
	{ "/a%2", 3, NULL, "bad percent-encoding" },
	{ "/a%2e%2e", 5, "/a.", NULL },
	{ "/a%2e%2e", 6, NULL, "bad percent-encoding" },
};

/*
 * Copies in to a heap block of exactly len bytes and canonicalizes it, so
 * that any read past len is a sanitizer error.
 */
static int
canon(const char *in, size_t len, char *out, size_t outsz, const char **why)
{
	char *copy;
	int rc;

	copy = malloc(len > 0 ? len : 1);
	if (copy == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(copy, in, len);
	rc = tg_path_canonicalize(len > 0 ? copy : NULL, len, out, outsz,
	    why);
	free(copy);
	return rc;
}

/* Checks one row; ctx names it in failure messages. */
static void
check_row(const char *in, size_t len, const char *want, const char *wantwhy,
    const char *ctx)
{
	char out[TG_PATH_MAX];
	const char *why = "unset";
	int rc;

	rc = canon(in, len, out, sizeof out, &why);
	if (want != NULL) {
		TG_CHECK(rc == 0, "%s: refused (%s)", ctx,
		    why != NULL ? why : "no reason");
		if (rc == 0) {
			TG_CHECK_STR(out, want, ctx);
			TG_CHECK(why == NULL, "%s: why not reset", ctx);
		}
	} else {
		TG_CHECK(rc == -1, "%s: accepted as \"%s\"", ctx, out);
		TG_CHECK(why != NULL && why[0] != '\0', "%s: no reason", ctx);
		TG_CHECK(out[0] == '\0', "%s: out not emptied", ctx);
		if (wantwhy != NULL && why != NULL)
			TG_CHECK_STR(why, wantwhy, ctx);
	}
}

/* Runs the rows of the hostile-paths file; returns how many it read. */
static unsigned
run_file(const char *name)
{
	char line[4096], ctx[4200];
	FILE *f;
	unsigned n = 0, lineno = 0;

	if ((f = fopen(name, "r")) == NULL) {
		TG_CHECK(f != NULL, "cannot open %s (run from the repository "
		    "root, or pass the file as argv[1])", name);
		return 0;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		size_t len = strlen(line);
		char *tab, *end;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		tab = memchr(line, '\t', len);
		TG_CHECK(tab != NULL, "%s:%u: no tab", name, lineno);
		if (tab == NULL)
			continue;
		*tab = '\0';
		/* Columns after EXPECT are rule checks, for test_rules. */
		if ((end = strchr(tab + 1, '\t')) != NULL)
			*end = '\0';
		snprintf(ctx, sizeof ctx, "%s:%u: \"%s\"", name, lineno, line);
		check_row(line, (size_t)(tab - line),
		    strcmp(tab + 1, "REJECT") == 0 ? NULL : tab + 1, NULL, ctx);
		n++;
	}
	fclose(f);
	return n;
}

/* Buffer sizes at the edges, and inputs far larger than any buffer. */
static void
run_sizes(void)
{
	static char big[70000], out[70000];
	char small[8];
	const char *why;
	size_t i, n;

	TG_CHECK_INT(canon("/abc", 4, small, 5, &why), 0, "fits exactly");
	TG_CHECK_STR(small, "/abc", "fits exactly");
	TG_CHECK_INT(canon("/abc", 4, small, 4, &why), -1, "one short");
	TG_CHECK_STR(why, "path too long", "one short");
	TG_CHECK_INT(canon("/a/.", 4, small, 5, &why), 0, "dot fits");
	TG_CHECK_STR(small, "/a/", "dot fits");
	TG_CHECK_INT(canon("/", 1, small, 2, &why), 0, "root in 2");
	TG_CHECK_INT(canon("/", 1, small, 1, &why), -1, "root in 1");
	TG_CHECK_INT(canon("/", 1, small, 0, &why), -1, "no room");
	TG_CHECK_INT(canon("/", 1, NULL, 0, NULL), -1, "NULL out");
	TG_CHECK_INT(tg_path_canonicalize(NULL, 0, small, sizeof small, &why),
	    -1, "NULL uri");

	/* The longest path that fits TG_PATH_MAX, and one byte more. */
	big[0] = '/';
	memset(big + 1, 'a', TG_PATH_MAX - 2);
	TG_CHECK_INT(canon(big, TG_PATH_MAX - 1, out, TG_PATH_MAX, &why), 0,
	    "longest path");
	TG_CHECK_INT(strlen(out), TG_PATH_MAX - 1, "longest path length");
	big[TG_PATH_MAX - 1] = 'a';
	TG_CHECK_INT(canon(big, TG_PATH_MAX, out, TG_PATH_MAX, &why), -1,
	    "one byte too long");
	TG_CHECK_STR(why, "path too long", "one byte too long");

	/* Encoded, the same path is three times longer but still fits. */
	n = 0;
	big[n++] = '/';
	for (i = 0; i < TG_PATH_MAX - 2; i++) {
		memcpy(big + n, "%61", 3);
		n += 3;
	}
	TG_CHECK_INT(canon(big, n, out, TG_PATH_MAX, &why), 0,
	    "encoded longest path");
	TG_CHECK_INT(strlen(out), TG_PATH_MAX - 1, "encoded longest length");

	/* A long climb that stays at or above the root, then one too many. */
	n = 0;
	for (i = 0; i < 4000; i++) {
		memcpy(big + n, "/a", 2);
		n += 2;
	}
	for (i = 0; i < 4000; i++) {
		memcpy(big + n, "/..", 3);
		n += 3;
	}
	TG_CHECK_INT(canon(big, n, out, sizeof out, &why), 0, "deep climb");
	TG_CHECK_STR(out, "/", "deep climb");
	memcpy(big + n, "/..", 3);
	TG_CHECK_INT(canon(big, n + 3, out, sizeof out, &why), -1,
	    "climb above root");
	TG_CHECK_STR(why, "'..' above the root", "climb above root");

	/* 64 KiB of slashes collapse to one. */
	memset(big, '/', sizeof big);
	TG_CHECK_INT(canon(big, sizeof big - 1, out, sizeof out, &why), 0,
	    "slashes");
	TG_CHECK_STR(out, "/", "slashes");

	/* A huge query is cut off before the buffer matters. */
	memset(big, 'q', sizeof big);
	memcpy(big, "/x?", 3);
	TG_CHECK_INT(canon(big, sizeof big, small, sizeof small, &why), 0,
	    "huge query");
	TG_CHECK_STR(small, "/x", "huge query");
}

/*
 * Random inputs over an alphabet chosen to build dot segments, escapes,
 * slashes and UTF-8.  Whatever is accepted must start with '/', hold no
 * "//", no "." or ".." segment, no control byte, no '\' or ';', and be
 * valid UTF-8; and when it holds no '%' it must be its own canonical form.
 */
static void
run_random(void)
{
	static const char *const atoms[] = {
		"/", "/", "/", ".", ".", "..", "a", "b", "%2e", "%2E", "%2f",
		"%25", "%", "2", "e", "%c0", "%af", "%ae", "%c3%a9", "%e2",
		"%82", "%ac", ";", "\\", "?", "#", "%3f", "%00", "%20", "\xc3",
		"\xa9", "//", "/./", "/../",
	};
	const size_t natoms = sizeof atoms / sizeof atoms[0];
	unsigned long seed = 12345;
	char in[256], out[512], again[512], ctx[600];
	const char *why;
	unsigned iter, accepted = 0, bad = 0;

	for (iter = 0; iter < 200000; iter++) {
		size_t n = 0, k, natom, i;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		natom = 1 + (seed >> 33) % 12;
		in[n++] = '/';
		for (k = 0; k < natom; k++) {
			const char *a;
			size_t alen;

			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			a = atoms[(seed >> 33) % natoms];
			alen = strlen(a);
			memcpy(in + n, a, alen);
			n += alen;
		}
		if (canon(in, n, out, sizeof out, &why) != 0)
			continue;
		accepted++;
		if (out[0] != '/' || strstr(out, "//") != NULL ||
		    strstr(out, "/./") != NULL || strstr(out, "/../") != NULL ||
		    strchr(out, '\\') != NULL || strchr(out, ';') != NULL ||
		    !tg_text_utf8_valid(out, strlen(out)))
			bad++;
		k = strlen(out);
		if ((k >= 2 && strcmp(out + k - 2, "/.") == 0) ||
		    (k >= 3 && strcmp(out + k - 3, "/..") == 0))
			bad++;
		for (i = 0; i < k; i++)
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				bad++;
		if (strchr(out, '%') == NULL && strchr(out, '?') == NULL &&
		    strchr(out, '#') == NULL && strchr(out, ' ') == NULL) {
			if (canon(out, k, again, sizeof again, &why) != 0 ||
			    strcmp(out, again) != 0)
				bad++;
		}
		if (bad > 0) {
			snprintf(ctx, sizeof ctx, "random %.*s -> %s", (int)n,
			    in, out);
			TG_CHECK(bad == 0, "%s", ctx);
			return;
		}
	}
	TG_CHECK(accepted > 1000, "only %u random inputs accepted", accepted);
	TG_CHECK_INT(bad, 0, "random properties");
}

int
main(int argc, char **argv)
{
	char ctx[128];
	unsigned nfile;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t len = rows[i].len ? rows[i].len : strlen(rows[i].in);

		snprintf(ctx, sizeof ctx, "row %zu", i);
		check_row(rows[i].in, len, rows[i].want, rows[i].why, ctx);
	}
	nfile = run_file(argc > 1 ? argv[1] : HOSTILE_FILE);
	TG_CHECK(nfile >= 40, "only %u rows in the hostile file", nfile);
	run_sizes();
	run_random();
	return tg_test_done("path");
}
