/*
 * libFuzzer target: rule lists (API and resource), matching against a
 * path derived from the same input, and location attribute strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_attr attrs[16];
	struct tg_rules *r;
	char err[256], *s;
	size_t i;
	int allow, n;
	long idx;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = tg_rules_compile(TG_RULES_API, s, size, err, sizeof err);
	if (r != NULL) {
		uint64_t *block;
		struct tg_rules *c;
		int callow;

		idx = tg_rules_match_api(r, "GET", "/api/v1/x/y", &allow);
		if (idx >= (long)tg_rules_count(r))
			abort();
		/* The explain agrees that the deciding rule matches. */
		if (idx >= 0 && tg_rules_how(r, (size_t)idx, "/api/v1/x/y") ==
		    TG_RULES_HOW_NONE)
			abort();
		if (tg_rules_match_api(r, "GET", "/api/v1/x/", NULL) == 0 &&
		    tg_rules_how(r, 0, "/api/v1/x/") == TG_RULES_HOW_NONE)
			abort();
		for (i = 0; i < tg_rules_count(r); i++)
			if (tg_rules_text(r, i) == NULL)
				abort();
		/* The text it was compiled from is its text. */
		if (!tg_rules_same_text(r, s, size))
			abort();
		/* A copy (as a cache scope keeps it) decides the same,
		 * after the original is gone. */
		block = malloc(tg_rules_size(r) + sizeof *block);
		if (block != NULL) {
			c = tg_rules_copy(r, block);
			tg_rules_free(r);
			r = NULL;
			if (tg_rules_match_api(c, "GET", "/api/v1/x/y",
			    &callow) != idx || (idx >= 0 && callow != allow))
				abort();
			free(block);
		}
		tg_rules_free(r);
	}
	r = tg_rules_compile(TG_RULES_RESOURCE, s, size, err, sizeof err);
	n = tg_rules_parse_attrs(s, attrs, 16);
	if (n > 16)
		abort();
	if (r != NULL) {
		idx = tg_rules_match_resource(r, attrs, n > 0 ? (size_t)n : 0,
		    &allow);
		if (idx >= (long)tg_rules_count(r))
			abort();
		tg_rules_free(r);
	}
	(void)tg_rules_check_one(TG_RULES_API, s, size, err, sizeof err);
	free(s);
	return 0;
}
