/*
 * feed.c: the change-feed follower with gap tracking.
 */
#include "feed.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gap {
	uint64_t	id;
	int64_t		since_ms;
};

struct tg_feed {
	struct tg_cache		*cache;
	int			 started;
	uint64_t		 max_seen;
	struct gap		 gaps[TG_FEED_MAX_GAPS];
	size_t			 ngaps;
	int			 overflow;	/* set during one poll */
	int64_t			 now_ms;	/* of the poll in progress */
	_Atomic int64_t		 last_ok_ms;
	struct tg_feed_stats	 st;
};

struct tg_feed *
tg_feed_new(struct tg_cache *c)
{
	struct tg_feed *f = calloc(1, sizeof *f);

	if (f == NULL)
		return NULL;
	f->cache = c;
	atomic_init(&f->last_ok_ms, INT64_MIN / 2);
	return f;
}

void
tg_feed_free(struct tg_feed *f)
{
	free(f);
}

static int
take_gap(struct tg_feed *f, uint64_t id)
{
	size_t i;

	for (i = 0; i < f->ngaps; i++) {
		if (f->gaps[i].id == id) {
			f->gaps[i] = f->gaps[--f->ngaps];
			return 1;
		}
	}
	return 0;
}

static void
apply(struct tg_feed *f, const char *kind, const char *ref)
{
	if (strcmp(kind, "token") == 0) {
		tg_cache_invalidate_token(f->cache, ref);
	} else if (strcmp(kind, "user") == 0) {
		char *end;
		unsigned long long uid = strtoull(ref, &end, 10);

		if (*end == '\0' && end != ref)
			tg_cache_invalidate_user(f->cache, (uint64_t)uid);
		else
			tg_cache_invalidate_all(f->cache);
	} else {
		/* A kind this version does not know: trust nothing. */
		tg_cache_invalidate_all(f->cache);
	}
}

static void
on_row(void *arg, uint64_t id, const char *kind, const char *ref)
{
	tg_feed_row(arg, id, kind, ref);
}

void
tg_feed_row(struct tg_feed *f, uint64_t id, const char *kind,
    const char *ref)
{
	uint64_t g;

	f->st.rows++;
	if (id <= f->max_seen) {
		/* Seen already, unless it fills a gap. */
		if (!take_gap(f, id))
			return;
		f->st.gaps_filled++;
	} else {
		for (g = f->max_seen + 1; g < id && !f->overflow; g++) {
			if (f->ngaps == TG_FEED_MAX_GAPS) {
				f->overflow = 1;
				break;
			}
			f->gaps[f->ngaps].id = g;
			f->gaps[f->ngaps].since_ms = f->now_ms;
			f->ngaps++;
		}
		f->max_seen = id;
	}
	apply(f, kind, ref);
}

static int
store_start(void *arg, uint64_t *id)
{
	return tg_store_feed_start(arg, TG_FEED_LOOKBACK_S, id);
}

static int
store_read(void *arg, uint64_t after, unsigned limit, tg_store_feed_fn fn,
    void *fn_arg)
{
	return tg_store_feed_read(arg, after, limit, fn, fn_arg);
}

static int
store_read_ids(void *arg, const uint64_t *ids, size_t n, tg_store_feed_fn fn,
    void *fn_arg)
{
	return tg_store_feed_read_ids(arg, ids, n, fn, fn_arg);
}

static int
store_pruned(void *arg, uint64_t *through)
{
	return tg_store_feed_pruned(arg, through);
}

int
tg_feed_poll(struct tg_feed *f, struct tg_store *s, int64_t now_ms)
{
	struct tg_feed_source src = { s, store_start, store_read,
	    store_read_ids, store_pruned };

	return tg_feed_poll_source(f, &src, now_ms);
}

/* A forward page: counts its rows, so a short page marks the end. */
struct page {
	struct tg_feed	*f;
	unsigned	 n;
};

static void
on_page_row(void *arg, uint64_t id, const char *kind, const char *ref)
{
	struct page *pg = arg;

	pg->n++;
	tg_feed_row(pg->f, id, kind, ref);
}

int
tg_feed_poll_source(struct tg_feed *f, const struct tg_feed_source *src,
    int64_t now_ms)
{
	uint64_t ids[TG_FEED_MAX_GAPS], through;
	struct page pg;
	size_t n, i, k;
	int rc;

	if (!f->started) {
		uint64_t start;

		if ((rc = src->start(src->arg, &start)) != TG_STORE_OK)
			return rc;
		tg_feed_begin(f, start, now_ms);
		/* Fresh only once the first poll has read to the end. */
		tg_feed_suspend(f);
	}
	(void)tg_feed_from(f, now_ms);	/* drops the expired gaps */
	/*
	 * The open gaps, by id: a row that committed after rows with higher
	 * ids.  Read apart from the forward pages, so that however many rows
	 * follow a gap, each poll still reaches the newest row.
	 */
	n = f->ngaps;
	for (i = 0; i < n; i++)
		ids[i] = f->gaps[i].id;
	for (i = 0; i < n; i += k) {
		k = n - i < TG_FEED_IDS_PER_READ ? n - i : TG_FEED_IDS_PER_READ;
		if ((rc = src->read_ids(src->arg, ids + i, k, on_row, f)) !=
		    TG_STORE_OK)
			return rc;
	}
	/* Every row after the newest one seen, to the end of the feed. */
	do {
		pg.f = f;
		pg.n = 0;
		rc = src->read(src->arg, f->max_seen, TG_FEED_PAGE, on_page_row,
		    &pg);
		if (rc != TG_STORE_OK)
			return rc;
		tg_feed_end_batch(f);
	} while (pg.n == TG_FEED_PAGE);
	/*
	 * Read after the rows: a prune that committed before the reads above
	 * is seen here, so a row pruned before this poll could read it is
	 * never missed silently.
	 */
	if ((rc = src->pruned(src->arg, &through)) != TG_STORE_OK)
		return rc;
	(void)tg_feed_pruned(f, through);
	tg_feed_ok(f, now_ms);
	return TG_STORE_OK;
}

void
tg_feed_begin(struct tg_feed *f, uint64_t max, int64_t now_ms)
{
	f->max_seen = max;
	f->started = 1;
	/* Anything cached before the first poll came from a lookup that may
	 * predate rows we will never read. */
	tg_cache_invalidate_all(f->cache);
	tg_feed_ok(f, now_ms);
}

uint64_t
tg_feed_from(struct tg_feed *f, int64_t now_ms)
{
	uint64_t from = f->max_seen;
	size_t i;

	f->now_ms = now_ms;
	f->overflow = 0;
	/* Gaps old enough are rolled-back transactions: stop waiting. */
	for (i = 0; i < f->ngaps;) {
		if (now_ms - f->gaps[i].since_ms > TG_FEED_GAP_MS) {
			f->gaps[i] = f->gaps[--f->ngaps];
			f->st.gaps_expired++;
		} else {
			i++;
		}
	}
	for (i = 0; i < f->ngaps; i++)
		if (f->gaps[i].id - 1 < from)
			from = f->gaps[i].id - 1;
	return from;
}

void
tg_feed_end_batch(struct tg_feed *f)
{
	if (f->overflow) {
		/* More holes than we track: start over, clean. */
		f->st.overflows++;
		f->ngaps = 0;
		tg_cache_invalidate_all(f->cache);
		f->overflow = 0;
	}
}

void
tg_feed_ok(struct tg_feed *f, int64_t now_ms)
{
	f->st.last_id = f->max_seen;
	atomic_store(&f->last_ok_ms, now_ms);
}

int
tg_feed_fresh(const struct tg_feed *f, int64_t now_ms, int64_t window_ms)
{
	return now_ms - atomic_load(&f->last_ok_ms) <= window_ms;
}

void
tg_feed_suspend(struct tg_feed *f)
{
	atomic_store(&f->last_ok_ms, INT64_MIN / 2);
}

int
tg_feed_pruned(struct tg_feed *f, uint64_t through)
{
	size_t i;
	int missed = through > f->max_seen;

	for (i = 0; i < f->ngaps; i++)
		if (f->gaps[i].id <= through)
			missed = 1;
	if (!missed)
		return 0;
	/* Rows this process never read are gone: trust nothing cached. */
	tg_cache_invalidate_all(f->cache);
	for (i = 0; i < f->ngaps;) {
		if (f->gaps[i].id <= through)
			f->gaps[i] = f->gaps[--f->ngaps];
		else
			i++;
	}
	if (through > f->max_seen)
		f->max_seen = through;
	f->st.pruned_flushes++;
	return 1;
}

void
tg_feed_stats(const struct tg_feed *f, struct tg_feed_stats *out)
{
	size_t i;

	*out = f->st;
	out->last_ok_ms = atomic_load(&f->last_ok_ms);
	out->applied = f->max_seen;
	for (i = 0; i < f->ngaps; i++)
		if (f->gaps[i].id - 1 < out->applied)
			out->applied = f->gaps[i].id - 1;
}

void
tg_feed_progress(const struct tg_feed *f, uint64_t *applied, uint64_t *seen,
    char *gaps, size_t n)
{
	struct tg_feed_stats st;
	size_t i, o = 0;
	int w;

	tg_feed_stats(f, &st);
	*applied = st.applied;
	*seen = f->max_seen;
	if (n == 0)
		return;
	gaps[0] = '\0';
	for (i = 0; i < f->ngaps; i++) {
		w = snprintf(gaps + o, n - o, "%s%llu", o > 0 ? "," : "",
		    (unsigned long long)f->gaps[i].id);
		if (w < 0 || (size_t)w >= n - o) {
			/* Does not fit: report only what is certain. */
			*seen = *applied;
			gaps[0] = '\0';
			return;
		}
		o += (size_t)w;
	}
}

int
tg_feed_covers(uint64_t applied, uint64_t seen, const char *gaps,
    uint64_t lo, uint64_t hi)
{
	const char *p = gaps;
	unsigned long long g;
	char *end;

	if (hi <= applied)
		return 1;
	if (hi > seen || gaps == NULL)
		return 0;
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return 0;
		errno = 0;
		g = strtoull(p, &end, 10);
		if (errno != 0 || (*end != ',' && *end != '\0'))
			return 0;
		if (g >= lo && g <= hi)
			return 0;
		p = *end == ',' ? end + 1 : end;
		if (*end == ',' && *p == '\0')
			return 0;
	}
	return 1;
}
