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
 *
 * A poll reads the open gaps by id, then pages forward from the newest
 * row seen until a page comes back short, so a hole never holds the
 * reader back (review issue 10, finding 2: re-reading from the oldest
 * gap with a LIMIT could spin on the same 1,000 rows).  Only a poll that
 * reached the end of the feed counts as fresh.  Rows older than the
 * retention are pruned (tg_store_prune); a poll that finds rows it had
 * not read yet pruned away empties the cache.
 */
#ifndef TG_FEED_H
#define TG_FEED_H

#include <stdint.h>

#include "cache.h"
#include "store.h"

#define TG_FEED_MAX_GAPS	256
#define TG_FEED_GAP_MS		10000	/* a gap older than this is a rollback */
#define TG_FEED_PAGE		1000	/* rows per forward read */
#define TG_FEED_IDS_PER_READ	16	/* gap ids per read by id */
/* The first poll starts at the newest row older than this, so that rows
 * of transactions still open then are read (or tracked as gaps). */
#define TG_FEED_LOOKBACK_S	30

struct tg_feed;

/* Creates a feed that invalidates c.  NULL on ENOMEM. */
struct tg_feed *tg_feed_new(struct tg_cache *c);
void	tg_feed_free(struct tg_feed *f);	/* f may be NULL */

/*
 * Reads new rows from s and drops what they name from the cache: the
 * open gaps by id, then every row after the newest one seen, page by
 * page, to the end.  The first successful call empties the cache and
 * starts TG_FEED_LOOKBACK_S before the newest row.  Records now_ms as the
 * last good poll only when the poll reached the end of the feed.
 * Returns a TG_STORE_* code.  Only the polling thread may call it.
 */
int	tg_feed_poll(struct tg_feed *f, struct tg_store *s, int64_t now_ms);

/*
 * Where tg_feed_poll reads from: the store, or a table in a unit test.
 * Each function returns a TG_STORE_* code.  start: the id to start after
 * on the first poll.  read: up to limit rows with id > after, in id
 * order.  read_ids: the rows among ids[0..n) that exist (n is at most
 * TG_FEED_IDS_PER_READ).  pruned: the highest id ever pruned (0: none).
 */
struct tg_feed_source {
	void	*arg;
	int	(*start)(void *arg, uint64_t *id);
	int	(*read)(void *arg, uint64_t after, unsigned limit,
		    tg_store_feed_fn fn, void *fn_arg);
	int	(*read_ids)(void *arg, const uint64_t *ids, size_t n,
		    tg_store_feed_fn fn, void *fn_arg);
	int	(*pruned)(void *arg, uint64_t *through);
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

/*
 * Rows up to through were pruned.  When any of them had not been read
 * (newer than the newest row seen, or an open gap) the cache is emptied,
 * the gaps up to through are dropped and reading goes on after through.
 * Returns 1 when it emptied the cache.  Only the polling thread.
 */
int	tg_feed_pruned(struct tg_feed *f, uint64_t through);

/* Counters for logs and tests. */
struct tg_feed_stats {
	uint64_t	last_id, rows, gaps_filled, gaps_expired, overflows;
	/* Every row up to here is applied: last_id, or below the oldest
	 * open gap.  What a process may report to waiting writers. */
	uint64_t	applied;
	uint64_t	pruned_flushes;	/* tg_feed_pruned emptied the cache */
	int64_t		last_ok_ms;
};
void	tg_feed_stats(const struct tg_feed *f, struct tg_feed_stats *out);

/*
 * What a process reports to writers (feed_progress): *applied as in
 * tg_feed_stats, *seen the newest row seen, and gaps the open gaps above
 * *applied as decimal ids joined by ',' ("" when none).  Every row up to
 * *seen that is not in gaps is applied.  When gaps does not fit in n
 * bytes, *seen is *applied and gaps "" (less precise, never wrong).
 * Only the polling thread.
 */
void	tg_feed_progress(const struct tg_feed *f, uint64_t *applied,
	    uint64_t *seen, char *gaps, size_t n);

/*
 * Whether a process that reported (applied, seen, gaps) as above has
 * applied every feed row with an id in [lo, hi].  A malformed gaps list
 * answers 0.  Pure.
 */
int	tg_feed_covers(uint64_t applied, uint64_t seen, const char *gaps,
	    uint64_t lo, uint64_t hi);

#endif /* TG_FEED_H */
