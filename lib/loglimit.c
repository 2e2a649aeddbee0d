/*
 * loglimit.c: see loglimit.h.  A fixed window of one second: simple to
 * reason about in a log ("at most N a second"), and the mutex is only
 * taken on the path that is about to write a log line anyway.
 */
#include "loglimit.h"

void
tg_loglimit_init(struct tg_loglimit *l, unsigned per_second)
{
	pthread_mutex_init(&l->lock, NULL);
	l->per_second = per_second;
	l->second = INT64_MIN;
	l->used = 0;
	l->dropped = 0;
	l->dropped_since = 0;
}

void
tg_loglimit_destroy(struct tg_loglimit *l)
{
	pthread_mutex_destroy(&l->lock);
}

int
tg_loglimit_take(struct tg_loglimit *l, int64_t now, uint64_t *dropped,
    int64_t *since)
{
	int ok;

	*dropped = 0;
	*since = 0;
	if (l->per_second == 0)
		return 1;
	pthread_mutex_lock(&l->lock);
	if (now != l->second) {
		l->second = now;
		l->used = 0;
	}
	if (l->used < l->per_second) {
		l->used++;
		ok = 1;
		*dropped = l->dropped;
		*since = l->dropped_since;
		l->dropped = 0;
	} else {
		if (l->dropped++ == 0)
			l->dropped_since = now;
		ok = 0;
	}
	pthread_mutex_unlock(&l->lock);
	return ok;
}

uint64_t
tg_loglimit_drain(struct tg_loglimit *l, int64_t *since)
{
	uint64_t n;

	pthread_mutex_lock(&l->lock);
	n = l->dropped;
	*since = l->dropped_since;
	l->dropped = 0;
	pthread_mutex_unlock(&l->lock);
	return n;
}
