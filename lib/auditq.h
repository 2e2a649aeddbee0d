/*
 * auditq.h: authorizer decisions queued for the audit log.
 *
 * When audit_decisions is set, each decision becomes a fixed-size record
 * in a bounded queue that the writer thread moves to the database in
 * batches, so auditing never adds a write to a request.  A record that
 * finds the queue full is dropped and counted (the count is logged).
 * Thread-safe.
 */
#ifndef TG_AUDITQ_H
#define TG_AUDITQ_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct tg_auditq;

struct tg_auditq *tg_auditq_new(size_t capacity);	/* NULL on ENOMEM */
void	tg_auditq_free(struct tg_auditq *q);		/* q may be NULL */

/* Copies r into the queue; returns 0, or -1 when full (dropped). */
int	tg_auditq_push(struct tg_auditq *q, const struct tg_store_decision *r);

/* Moves up to max records into out; returns how many. */
size_t	tg_auditq_take(struct tg_auditq *q, struct tg_store_decision *out,
	    size_t max);

uint64_t tg_auditq_dropped(struct tg_auditq *q);

#endif /* TG_AUDITQ_H */
