/* libFuzzer target: token parsing and the Authorization header. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_token t;
	const char *tok;
	size_t len;
	char *s;

	if (tg_token_parse((const char *)data, size, "tg", &t) == TG_TOKEN_OK) {
		/* Whatever parses must be exactly what was given. */
		if (t.len != size || memcmp(t.text, data, size) != 0 ||
		    !tg_token_id_valid(t.id, strlen(t.id)))
			abort();
	}
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (tg_token_from_authorization(s, &tok, &len) &&
	    (tok < s || tok + len > s + size))
		abort();
	free(s);
	return 0;
}
