/*
 * tg_test.h: the smallest test harness that still tells the truth.
 *
 * Every check is counted, a failing check prints its file, line and the
 * expression, and tg_test_done() prints the closing "N passed, N failed"
 * line that the top-level runner adds up.  The exit status is non-zero when
 * anything failed, so a test binary can never pass by accident.
 */
#ifndef TG_TEST_H
#define TG_TEST_H

#include <stdio.h>
#include <string.h>

static unsigned tg_test_passed;
static unsigned tg_test_failed;

#define TG_CHECK(cond, ...)                                                   \
	do {                                                                  \
		if (cond) {                                                   \
			tg_test_passed++;                                     \
		} else {                                                      \
			tg_test_failed++;                                     \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__,         \
			    __LINE__, #cond);                                 \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
		}                                                             \
	} while (0)

#define TG_CHECK_STR(got, want, ctx)                                          \
	TG_CHECK((got) != NULL && strcmp((got), (want)) == 0,                 \
	    "%s: got \"%s\", want \"%s\"", (ctx),                            \
	    (got) != NULL ? (got) : "(null)", (want))

#define TG_CHECK_INT(got, want, ctx)                                          \
	TG_CHECK((long long)(got) == (long long)(want),                       \
	    "%s: got %lld, want %lld", (ctx), (long long)(got),               \
	    (long long)(want))

static inline int
tg_test_done(const char *suite)
{
	printf("%s: %u passed, %u failed\n", suite, tg_test_passed,
	    tg_test_failed);
	return tg_test_failed == 0 ? 0 : 1;
}

#endif /* TG_TEST_H */
