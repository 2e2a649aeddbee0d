/*
 * tokentool: makes tokens for tests, without a database.
 *
 *   tokentool random PREFIX [N]     a well-formed token with a random id
 *                                   (N of them, one per line)
 *   tokentool forge PREFIX ID       a well-formed token for ID with a new
 *                                   (so wrong) secret
 *   tokentool badcheck TOKEN        TOKEN with its last check digit changed
 *   tokentool canon URI             the canonical path the authorizer
 *                                   decides on, or REJECT
 *   tokentool rule PATH             exit 0 when "GET PATH" is a valid
 *                                   API rule (the path can be written)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "rules.h"
#include "token.h"

int
main(int argc, char **argv)
{
	struct tg_token t;

	if ((argc == 3 || argc == 4) && strcmp(argv[1], "random") == 0) {
		long n = argc == 4 ? strtol(argv[3], NULL, 10) : 1;

		for (; n > 0; n--) {
			if (tg_token_generate(argv[2], NULL, &t) != 0)
				return 1;
			printf("%s\n", t.text);
		}
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "forge") == 0 &&
	    tg_token_generate(argv[2], argv[3], &t) == 0) {
		printf("%s\n", t.text);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "badcheck") == 0) {
		size_t n = strlen(argv[2]);

		if (n == 0)
			return 2;
		argv[2][n - 1] = argv[2][n - 1] == '0' ? '1' : '0';
		printf("%s\n", argv[2]);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "canon") == 0) {
		static char out[TG_PATH_MAX];
		const char *why;

		if (tg_path_canonicalize(argv[2], strlen(argv[2]), out,
		    sizeof out, &why) != 0)
			printf("REJECT\n");
		else
			printf("%s\n", out);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "rule") == 0) {
		char rule[TG_PATH_MAX + 8], err[256];

		snprintf(rule, sizeof rule, "GET %s", argv[2]);
		return tg_rules_check_one(TG_RULES_API, rule, strlen(rule),
		    err, sizeof err) == 0 ? 0 : 1;
	}
	fprintf(stderr, "usage: tokentool random PREFIX [N] | forge PREFIX ID | "
	    "badcheck TOKEN | canon URI | rule PATH\n");
	return 2;
}
