/*
 * rules-bench: nanoseconds per tg_rules_match_api() call, for a few
 * four-rule lists against paths that match the first, a middle or no
 * rule, so that a change to the matcher can be measured before and
 * after.  Single thread, best of five runs of N calls each.
 *
 *   rules-bench [N]      N calls per run (default 2,000,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"

struct bench {
	const char	*name;
	const char	*rules;
	const char	*method;
	const char	*path;
};

static const struct bench benches[] = {
	{ "exact, 4 rules, last matches",
	    "!GET /api/v1/func/overview\nGET /api/v1/func/list\n"
	    "POST /api/v1/jobs\nGET /api/v1/status",
	    "GET", "/api/v1/status" },
	{ "exact, 4 rules, none matches",
	    "!GET /api/v1/func/overview\nGET /api/v1/func/list\n"
	    "POST /api/v1/jobs\nGET /api/v1/status",
	    "GET", "/api/v1/func/overview2/items/42" },
	{ "globs, 4 rules, last matches",
	    "!GET /api/v1/admin/**\n!DELETE /api/v1/*/items/*\n"
	    "POST /api/v1/jobs/*\nGET /api/v1/**",
	    "GET", "/api/v1/func/overview/items/42" },
	{ "globs, 4 rules, none matches",
	    "!GET /api/v1/admin/**\n!DELETE /api/v1/*/items/*\n"
	    "POST /api/v1/jobs/*\nGET /api/v2/**",
	    "GET", "/api/v1/func/overview/items/42" },
	{ "seed deny, then *",
	    "!GET /api/v1/func/overview\n*",
	    "GET", "/api/v1/func/overview/x" },
};

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct tg_rules *r;
	char err[256];
	double t0, best, ns;
	volatile long sink = 0;
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000, i;
	size_t b;
	int run, allow;

	if (n <= 0)
		n = 1;
	for (b = 0; b < sizeof benches / sizeof benches[0]; b++) {
		r = tg_rules_compile(TG_RULES_API, benches[b].rules,
		    strlen(benches[b].rules), err, sizeof err);
		if (r == NULL) {
			fprintf(stderr, "%s: %s\n", benches[b].name, err);
			return 1;
		}
		best = 0;
		for (run = 0; run < 5; run++) {
			t0 = now_ns();
			for (i = 0; i < n; i++)
				sink += tg_rules_match_api(r, benches[b].method,
				    benches[b].path, &allow);
			ns = (now_ns() - t0) / (double)n;
			if (run == 0 || ns < best)
				best = ns;
		}
		printf("%-32s %7.1f ns  (rule %ld)\n", benches[b].name, best,
		    tg_rules_match_api(r, benches[b].method, benches[b].path,
		    &allow));
		tg_rules_free(r);
	}
	return sink == 42 ? 1 : 0;
}
