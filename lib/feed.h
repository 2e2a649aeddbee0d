/*
 * feed.h: following the change feed into the cache.
 *
 * One feed per authorizer process, polled by one thread.  Feed ids come
 * from AUTO_INCREMENT, which hands ids out when a row is inserted, not
 * when its transaction commits: id 11 can be visible before id 10.  So
 * the feed remembers the ids it skipped ("gaps") and reads from the oldest
 * open gap again until it is filled or old enough to be a rolled-back
 * transaction that will never appear.  Too many gaps at once, or a feed
 * that cannot be followed, empties the cache: never a stale allow.
 */
#ifndef TG_FEED_H
#define TG_FEED_H

#include <stdint.h>

#include "cache.h"
#include "store.h"

#define TG_FEED_MAX_GAPS	256
#define TG_FEED_GAP_MS		10000	/* a gap older than this is a rollback */

struct tg_feed;

/* Creates a feed that invalidates c.  NULL on ENOMEM. */
struct tg_feed *tg_feed_new(struct tg_cache *c);
void	tg_feed_free(struct tg_feed *f);	/* f may be NULL */

/*
 * Reads new rows from s and drops what they name from the cache.  The
 * first successful call starts at the newest row (nothing older can be
 * cached yet).  On success records now_ms as the last good poll.  Returns
 * a TG_STORE_* code.  Only the polling thread may call it.
 */
int	tg_feed_poll(struct tg_feed *f, struct tg_store *s, int64_t now_ms);

/*
 * Where tg_feed_poll reads from: the store, or a table in a unit test.
 * Each function returns a TG_STORE_* code.  start: the id to start after
 * on the first poll.  read: up to limit rows with id > after, in id order.
 */
struct tg_feed_source {
	void	*arg;
	int	(*start)(void *arg, uint64_t *id);
	int	(*read)(void *arg, uint64_t after, unsigned limit,
		    tg_store_feed_fn fn, void *fn_arg);
};

/* tg_feed_poll with the rows coming from src. */
int	tg_feed_poll_source(struct tg_feed *f, const struct tg_feed_source *src,
	    int64_t now_ms);

/*
 * Whether the cache may be used at now_ms: the last good poll is at most
 * window_ms old.  Thread-safe (an atomic read).
 */
int	tg_feed_fresh(const struct tg_feed *f, int64_t now_ms,
	    int64_t window_ms);

/*
 * Stops the cache from serving until the next good poll (a failed poll
 * with no stale window allowed).  Thread-safe.
 */
void	tg_feed_suspend(struct tg_feed *f);

/*
 * The steps of tg_feed_poll, exposed so the gap logic can be tested
 * without a database.  begin: the first good read found max as the
 * newest row.  from: the id to read after (gaps older than TG_FEED_GAP_MS
 * are dropped first).  row: one row read, in id order.  end_batch: after
 * the rows of one read.  ok: the poll succeeded at now_ms.
 */
void	tg_feed_begin(struct tg_feed *f, uint64_t max, int64_t now_ms);
uint64_t tg_feed_from(struct tg_feed *f, int64_t now_ms);
void	tg_feed_row(struct tg_feed *f, uint64_t id, const char *kind,
	    const char *ref);
void	tg_feed_end_batch(struct tg_feed *f);
void	tg_feed_ok(struct tg_feed *f, int64_t now_ms);

/* Counters for logs and tests. */
struct tg_feed_stats {
	uint64_t	last_id, rows, gaps_filled, gaps_expired, overflows;
	/* Every row up to here is applied: last_id, or below the oldest
	 * open gap.  What a process may report to waiting writers. */
	uint64_t	applied;
	int64_t		last_ok_ms;
};
void	tg_feed_stats(const struct tg_feed *f, struct tg_feed_stats *out);

#endif /* TG_FEED_H */
