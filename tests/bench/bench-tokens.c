/*
 * bench-tokens: makes many real tokens for the benchmark, fast.
 *
 *	bench-tokens KEY_FILE PREFIX N TOKENS_OUT ROWS_OUT
 *
 * Writes N new tokens (tokengate's own generator) to TOKENS_OUT, one per
 * line, and to ROWS_OUT one tab-separated line per token, "id<TAB>hash"
 * with the hash as 64 hex digits: HMAC-SHA256 under KEY_FILE of the whole
 * token, exactly what tokengate stores.  tests/bench/bench.sh loads
 * ROWS_OUT with LOAD DATA, so that 100,000 valid tokens take seconds
 * instead of 100,000 runs of `tokengate token create`.
 *
 * Benchmark only: the raw tokens are written to a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"
#include "token.h"

int
main(int argc, char **argv)
{
	static const char hex[] = "0123456789abcdef";
	struct tg_hmac_key	*key = NULL;
	struct tg_hmac		*h = NULL;
	struct tg_token		 t;
	unsigned char		 mac[TG_HMAC_LEN];
	char			 err[512], line[TG_HMAC_LEN * 2 + 1];
	FILE			*tok = NULL, *rows = NULL;
	char			*end;
	long			 n, i;
	int			 k, rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: bench-tokens KEY_FILE PREFIX N "
		    "TOKENS_OUT ROWS_OUT\n");
		return 2;
	}
	n = strtol(argv[3], &end, 10);
	if (*end != '\0' || n < 1 || n > 10000000) {
		fprintf(stderr, "bench-tokens: bad count %s\n", argv[3]);
		return 2;
	}
	if ((key = tg_hmac_key_load(argv[1], err, sizeof err)) == NULL) {
		fprintf(stderr, "bench-tokens: %s\n", err);
		goto fail;
	}
	if ((h = tg_hmac_new(key)) == NULL) {
		fprintf(stderr, "bench-tokens: out of memory\n");
		goto fail;
	}
	if ((tok = fopen(argv[4], "we")) == NULL ||
	    (rows = fopen(argv[5], "we")) == NULL) {
		perror("bench-tokens: fopen");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (tg_token_generate(argv[2], NULL, &t) != 0 ||
		    tg_hmac_compute(h, t.text, t.len, mac) != 0) {
			fprintf(stderr, "bench-tokens: cannot make a token\n");
			goto fail;
		}
		for (k = 0; k < TG_HMAC_LEN; k++) {
			line[2 * k] = hex[mac[k] >> 4];
			line[2 * k + 1] = hex[mac[k] & 15];
		}
		line[2 * TG_HMAC_LEN] = '\0';
		fprintf(tok, "%s\n", t.text);
		fprintf(rows, "%s\t%s\n", t.id, line);
	}
	if (fclose(tok) != 0 || fclose(rows) != 0) {
		tok = rows = NULL;
		perror("bench-tokens: write");
		goto fail;
	}
	tok = rows = NULL;
	rc = 0;
fail:
	if (tok != NULL)
		fclose(tok);
	if (rows != NULL)
		fclose(rows);
	tg_hmac_free(h);
	tg_hmac_key_free(key);
	return rc;
}
