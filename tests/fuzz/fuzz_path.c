/*
 * libFuzzer target: path canonicalization.  Besides "no crash", checks the
 * properties the authorizer relies on: the output is canonical (a second
 * pass changes nothing and it has no dot segments, no "//", no '\' or ';').
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[TG_PATH_MAX], again[TG_PATH_MAX];
	const char *why;
	char *in;

	/* An exact-size heap copy, so ASan sees any read past the end. */
	in = malloc(size ? size : 1);
	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	if (tg_path_canonicalize(in, size, out, sizeof out, &why) == 0) {
		if (out[0] != '/' || strstr(out, "//") != NULL ||
		    strstr(out, "/./") != NULL || strstr(out, "/../") != NULL ||
		    strchr(out, '\\') != NULL || strchr(out, ';') != NULL)
			abort();
		/*
		 * A decoded '%', '?', '#' or space is data now and would be
		 * read differently (or refused) raw; any other canonical
		 * path must be a fixed point.
		 */
		if (strpbrk(out, "%?# ") == NULL &&
		    (tg_path_canonicalize(out, strlen(out), again,
		    sizeof again, &why) != 0 || strcmp(out, again) != 0))
			abort();
	}
	free(in);
	return 0;
}
