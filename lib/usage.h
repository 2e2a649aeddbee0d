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

/* Notes dropped because the queue was full. */
uint64_t tg_usage_dropped(struct tg_usage *u);

#endif /* TG_USAGE_H */
