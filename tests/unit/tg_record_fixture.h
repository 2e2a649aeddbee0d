/*
 * tg_record_fixture.h: the token record the policy and grant tests start
 * from, and the three keyed hashes they present.
 */
#ifndef TG_RECORD_FIXTURE_H
#define TG_RECORD_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "record.h"

#define NOW	1800000000LL

/* The current secret's hash, an old one's, and one that matches neither. */
static unsigned char H[TG_HMAC_LEN], OLD[TG_HMAC_LEN],
    WRONG[TG_HMAC_LEN] __attribute__((unused));

static inline void
fixture_keys(void)
{
	memset(H, 1, sizeof H);
	memset(OLD, 2, sizeof OLD);
	memset(WRONG, 3, sizeof WRONG);
}

/* A record with sane defaults: valid, enabled, allows everything. */
static inline void
rec_init(struct tg_record *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->id, "AbCdEfGhIjKl", 13);
	memcpy(r->user, "alice", 6);
	memcpy(r->hash, H, sizeof H);
	r->user_enabled = 1;
	r->created_at = NOW - 100;
	r->expires_at = NOW + 100;
	r->name = strdup("t");
	r->permissions = strdup("*");
	r->role_permissions = strdup("*");
	r->api_rules = strdup("*");
	r->resource_rules = strdup("");
	r->cidrs = strdup("");
	r->environments = strdup("");
}

static inline void
set(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
}

#endif /* TG_RECORD_FIXTURE_H */
