/*
 * usage.h: last-used time and address, written behind the request.
 *
 * Recording a use must not cost a database write per request: GitLab
 * found one write per token per minute or ten to be plenty.  A note for
 * a token is queued only when its last queued note is older than the
 * interval; a writer thread takes the queue and writes it in one batch.
 * Memory is bounded: a fixed table of recent tokens and a fixed queue (a
 * note that finds the queue full is dropped and counted).  Thread-safe.
 */
#ifndef TG_USAGE_H
#define TG_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hmac.h"
#include "token.h"

struct tg_usage_rec {
	char	id[TG_TOKEN_ID_LEN + 1];
	char	addr[46];
	int64_t	at;		/* unix seconds */
};

struct tg_usage;

/* slots: tokens remembered (rounded up to a power of two); interval_s: at
 * most one queued note per token per interval.  NULL on ENOMEM. */
struct tg_usage *tg_usage_new(size_t slots, unsigned interval_s);
void	tg_usage_free(struct tg_usage *u);	/* u may be NULL */

/* Notes that id was used from addr (may be NULL) at now (unix seconds). */
void	tg_usage_note(struct tg_usage *u, const char *id, const char *addr,
	    int64_t now);

/* Moves up to max queued notes into out; returns how many. */
size_t	tg_usage_take(struct tg_usage *u, struct tg_usage_rec *out,
	    size_t max);

/*
 * The first use of a rotated token's new secret ends the old secret's
 * grace (README "Rotation").  That is a database write, so the request
 * path only notes it here and the same writer that writes last-used
 * does it (tg_store_token_clear_prev): a decision never writes, which
 * keeps `tokengate check` and a replica-only authorizer free of side
 * effects.  hash is the keyed hash of the secret that was used, so the
 * write matches only while it is still the current one.  A token already
 * queued is not queued twice; a full queue drops the note (counted),
 * which only lets the old secret live to the end of its grace.
 */
#define TG_USAGE_SECRETS	64

struct tg_usage_secret {
	char		id[TG_TOKEN_ID_LEN + 1];
	unsigned char	hash[TG_HMAC_LEN];
};

void	tg_usage_note_secret(struct tg_usage *u, const char *id,
	    const unsigned char hash[TG_HMAC_LEN]);

/* Moves up to max queued secret notes into out; returns how many.  The
 * caller wipes them (OPENSSL_cleanse) when done. */
size_t	tg_usage_take_secrets(struct tg_usage *u, struct tg_usage_secret *out,
	    size_t max);

/* Notes dropped because the queue was full. */
uint64_t tg_usage_dropped(struct tg_usage *u);

#endif /* TG_USAGE_H */
