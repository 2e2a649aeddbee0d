/*
 * auditq.c: a ring of fixed-size records under one mutex.
 */
#include "auditq.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct tg_auditq {
	pthread_mutex_t			 lock;
	struct tg_store_decision	*ring;
	size_t				 cap, head, len;
	uint64_t			 dropped;
};

struct tg_auditq *
tg_auditq_new(size_t capacity)
{
	struct tg_auditq *q;

	if (capacity == 0)
		return NULL;
	q = calloc(1, sizeof *q);
	if (q == NULL)
		return NULL;
	q->ring = calloc(capacity, sizeof *q->ring);
	if (q->ring == NULL) {
		free(q);
		return NULL;
	}
	q->cap = capacity;
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

void
tg_auditq_free(struct tg_auditq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
}

int
tg_auditq_push(struct tg_auditq *q, const struct tg_store_decision *r)
{
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (q->len == q->cap) {
		q->dropped++;
		rc = -1;
	} else {
		q->ring[(q->head + q->len) % q->cap] = *r;
		q->len++;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

size_t
tg_auditq_take(struct tg_auditq *q, struct tg_store_decision *out,
    size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	while (n < max && q->len > 0) {
		out[n++] = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

uint64_t
tg_auditq_dropped(struct tg_auditq *q)
{
	uint64_t d;

	pthread_mutex_lock(&q->lock);
	d = q->dropped;
	pthread_mutex_unlock(&q->lock);
	return d;
}
