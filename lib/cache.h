/*
 * cache.h: the per-process cache of compiled token grants.
 *
 * One cache per authorizer process, shared by its worker threads (an
 * internal mutex guards it; every call is thread-safe).  Two bounded
 * tables, so that a flood of random token ids can only ever evict other
 * negative entries, never a good one:
 *
 *   positive  id -> compiled grant (token, owner, owner's permissions),
 *             at most max_entries, least recently used evicted first;
 *   negative  ids known not to exist, at most max_negative, least recently
 *             used evicted first.
 *
 * Entries are dropped by the change feed (tg_cache_invalidate_*), and
 * also when older than max_age: a safety net, not the mechanism.
 *
 * Filling a miss is racy by nature: a reader may fetch a row, a revoke may
 * commit and be invalidated, and only then the reader inserts what it read.
 * Every invalidation bumps an epoch; a reader takes the epoch before it
 * reads the database and tg_cache_put refuses the insert when the epoch has
 * moved since, so an invalidated state can never come back.
 */
#ifndef TG_CACHE_H
#define TG_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct tg_cache;

struct tg_cache_stats {
	uint64_t	hits, misses, negative_hits;
	uint64_t	inserts, refused_inserts, evictions, invalidations;
	size_t		entries, negative_entries;
};

/*
 * Creates a cache.  max_entries and max_negative must be at least 1;
 * max_age_ms bounds how long any entry may serve.  NULL on ENOMEM.
 */
struct tg_cache *tg_cache_new(size_t max_entries, size_t max_negative,
	    int64_t max_age_ms);

/* Frees the cache; no grant obtained from it may be in use. */
void	tg_cache_free(struct tg_cache *c);

enum tg_cache_result {
	TG_CACHE_MISS = 0,
	TG_CACHE_HIT,		/* *grant set: release it when done */
	TG_CACHE_NEGATIVE	/* the id is known not to exist */
};

/*
 * Looks id up at time now_ms (monotonic milliseconds).  On TG_CACHE_HIT
 * *grant points to a grant the caller may use until it calls
 * tg_cache_release(c, *grant), even if the entry is invalidated meanwhile.
 */
enum tg_cache_result tg_cache_get(struct tg_cache *c, const char *id,
	    int64_t now_ms, const struct tg_grant **grant);

/* Gives back a grant obtained from tg_cache_get. */
void	tg_cache_release(struct tg_cache *c, const struct tg_grant *g);

/* The current invalidation epoch: read it before reading the database. */
uint64_t tg_cache_epoch(struct tg_cache *c);

/*
 * Inserts g for id, taking ownership of g in every case (it is freed when
 * refused).  Refused when an invalidation happened after epoch was read.
 * Returns 1 when inserted, 0 when refused.
 */
int	tg_cache_put(struct tg_cache *c, const char *id, struct tg_grant *g,
	    uint64_t epoch, int64_t now_ms);

/* Records that id does not exist; same epoch rule.  1 or 0. */
int	tg_cache_put_negative(struct tg_cache *c, const char *id,
	    uint64_t epoch, int64_t now_ms);

/* Drops id (positive or negative). */
void	tg_cache_invalidate_token(struct tg_cache *c, const char *id);

/* Drops every token of the user with this id: a linear scan, because
 * user changes (disable, role change) are rare next to requests. */
void	tg_cache_invalidate_user(struct tg_cache *c, uint64_t user_id);

/* Drops everything (the feed could not be read: trust nothing). */
void	tg_cache_invalidate_all(struct tg_cache *c);

void	tg_cache_stats(struct tg_cache *c, struct tg_cache_stats *out);

#endif /* TG_CACHE_H */
