/*
 * loglimit.h: at most N log lines a second, and a count of the rest.
 *
 * A flood of bad tokens would otherwise write one denial line per request
 * (tens of thousands a second) into the web server's error log.  Lines
 * over the limit are dropped and counted; the count is handed back with
 * the first line allowed in a later second, so that every denial is
 * either logged or counted in a line that is.
 */
#ifndef TG_LOGLIMIT_H
#define TG_LOGLIMIT_H

#include <pthread.h>
#include <stdint.h>

struct tg_loglimit {
	pthread_mutex_t	lock;
	unsigned	per_second;	/* 0: no limit */
	int64_t		second;		/* the second being counted */
	unsigned	used;		/* lines allowed in it */
	uint64_t	dropped;	/* lines dropped since the last report */
	int64_t		dropped_since;	/* the second of the first of them */
};

/* Sets up l (owned by the caller) for per_second lines a second. */
void	tg_loglimit_init(struct tg_loglimit *l, unsigned per_second);
void	tg_loglimit_destroy(struct tg_loglimit *l);

/*
 * Asks to log one line at time now (seconds).  Returns 1 when the line
 * may be written, else 0 (it is counted).  When it returns 1 and lines
 * were dropped before, *dropped is their number and *since the second
 * of the first of them (report them first); else *dropped is 0.
 * Thread-safe.
 */
int	tg_loglimit_take(struct tg_loglimit *l, int64_t now,
	    uint64_t *dropped, int64_t *since);

/*
 * Takes what was dropped and not yet reported (at shutdown): returns the
 * count and sets *since.  Thread-safe.
 */
uint64_t tg_loglimit_drain(struct tg_loglimit *l, int64_t *since);

#endif /* TG_LOGLIMIT_H */
