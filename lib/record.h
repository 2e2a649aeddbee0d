/*
 * record.h: a token row as the store reads it, and what follows from the
 * row alone: its state and its effective permissions as text.
 *
 * The store fills records (lib/store), lib/grant compiles them for
 * deciding, and the API and the CLI show them (lib/tokenjson).  Texts are
 * plain and were validated when written; lists are stored '\n'-separated.
 */
#ifndef TG_RECORD_H
#define TG_RECORD_H

#include <stdint.h>

#include "hmac.h"
#include "token.h"

#define TG_USER_MAX	64

/*
 * Owned by whoever filled it; release the texts with tg_record_free().
 * Rows of a list (tg_store_token_list) leave role_permissions, the
 * last-used address and the rotation grace empty.
 */
struct tg_record {
	char		 id[TG_TOKEN_ID_LEN + 1];
	unsigned char	 hash[TG_HMAC_LEN];
	int		 has_prev;		/* rotation grace in effect */
	unsigned char	 prev_hash[TG_HMAC_LEN];
	int64_t		 prev_until;		/* unix time */
	uint64_t	 user_id;
	char		 user[TG_USER_MAX + 1];
	int		 user_enabled;
	int64_t		 created_at, expires_at;
	int64_t		 revoked_at;		/* 0 when not revoked */
	int64_t		 last_used_at;		/* 0 when never used */
	char		 last_used_ip[46];
	char		*name;
	char		*permissions;		/* the token's grants */
	char		*api_rules;
	char		*resource_rules;
	char		*cidrs;
	char		*environments;
	char		*role_permissions;	/* the owner's, right now */
};

void	tg_record_free(struct tg_record *rec);	/* frees the texts only */

/*
 * "revoked", "expired" (at or after expires_at) or "active" at time now.
 * Static storage.
 */
const char *tg_record_state(const struct tg_record *rec, int64_t now);

/* 1 when rec is neither revoked nor expired at time now. */
int	tg_record_active(const struct tg_record *rec, int64_t now);

/*
 * The token's grants intersected with its owner's role permissions, in
 * stored form (NULL texts count as empty), in a new string the caller
 * frees; NULL when out of memory or stored data does not parse.
 */
char	*tg_record_effective(const struct tg_record *rec);

#endif /* TG_RECORD_H */
