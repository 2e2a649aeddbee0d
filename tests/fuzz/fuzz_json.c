/*
 * libFuzzer target: the responder's request parsers.  The input goes
 * through the strict JSON recogniser and, as the responder does, only
 * then through the create, update and rotate parsers, and through the
 * query-string parsers (the generic one and those of the two list
 * routes).  Invariant: a body the parsers accept was accepted by the
 * recogniser first (the parsers themselves run it too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apireq.h"
#include "config.h"
#include "jsoncheck.h"
#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_config cfg;
	static int ready;
	struct tg_apireq_token t;
	struct tg_apireq_error e;
	struct tg_query_param p[4];
	struct tg_query_list l;
	struct tg_store_token_filter tf;
	struct tg_store_audit_filter af;
	char err[128], key[64];
	const char *body = (const char *)data;
	int ok;
	long grace;

	if (!ready) {
		tg_config_defaults(&cfg);
		ready = 1;
	}
	ok = tg_jsoncheck(body, size, 0, err, sizeof err, key, sizeof key) ==
	    TG_JSONCHECK_OK;
	memset(&t, 0, sizeof t);
	if (tg_apireq_parse_create(body, size, &cfg, &t, &e) == 0 && !ok)
		abort();
	tg_apireq_token_free(&t);
	memset(&t, 0, sizeof t);
	if (tg_apireq_parse_update(body, size, &t, &e) == 0 && !ok)
		abort();
	tg_apireq_token_free(&t);
	(void)tg_apireq_parse_rotate(body, size, 86400, &grace, &e);
	memset(p, 0, sizeof p);
	p[0].name = "limit";
	p[1].name = "cursor";
	p[2].name = "state";
	p[3].name = "user";
	(void)tg_query_parse(body, size, p, 4, &e);
	(void)tg_query_tokens(body, size, "alice", 1, &cfg, 1767323045, &l,
	    &tf, &e);
	(void)tg_query_audit(body, size, &cfg, &l, &af, &e);
	return 0;
}
