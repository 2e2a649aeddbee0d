/*
 * tokenop.h: the two writes that hand out a secret, creating a token and
 * rotating one, for the API and the CLI alike.
 *
 * Each generates a secret (lib/token), hashes it with the process's key
 * (lib/hmac) and stores the hash with its audit record in one transaction
 * (lib/store).  The secret itself is never stored: it goes back to the
 * caller, who shows it once and wipes it.  Whether the caller may hand
 * it out at all is lib/mint's question, asked before.
 *
 * Thread-safe as far as the store and HMAC context are (one per thread).
 */
#ifndef TG_TOKENOP_H
#define TG_TOKENOP_H

#include <stdint.h>

#include "hmac.h"
#include "store.h"
#include "token.h"

/* No random secret or no keyed hash could be made (besides TG_STORE_*). */
#define TG_TOKENOP_NO_SECRET	(-100)

/*
 * Creates the token nt describes: a fresh random id and secret with
 * prefix, stored as nt with that id and the secret's keyed hash, with
 * the audit record a (whose target_token_id is set to the id).  An id
 * that is taken is replaced and the insert tried again, three times in
 * all: 71-bit random ids practically never collide.  Returns TG_STORE_OK
 * with *tok the token (the caller shows it once, then tg_token_wipe), or
 * TG_TOKENOP_NO_SECRET or the store's code with *tok wiped.  nt->id and
 * nt->hash are reset to NULL before returning.
 */
int	tg_tokenop_create(struct tg_store *s, struct tg_hmac *h,
	    const char *prefix, struct tg_new_token *nt, struct tg_audit *a,
	    struct tg_token *tok);

/*
 * Gives token id a new secret (tg_store_token_rotate: the old one stays
 * valid until grace_until when that is > 0), with the audit record a.
 * Returns TG_STORE_OK with *tok the token holding the new secret (shown
 * once, then tg_token_wipe), or TG_TOKENOP_NO_SECRET or the store's code
 * (NOT_FOUND, CONFLICT for a revoked or expired token, ...) with *tok
 * wiped.
 */
int	tg_tokenop_rotate(struct tg_store *s, struct tg_hmac *h,
	    const char *prefix, const char *id, int64_t grace_until,
	    int64_t now, const struct tg_audit *a, struct tg_token *tok);

#endif /* TG_TOKENOP_H */
