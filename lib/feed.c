/*
 * feed.c: the change-feed follower with gap tracking.
 */
#include "feed.h"

#include <stdatomic.h>
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
	return tg_store_feed_max(arg, id);
}

static int
store_read(void *arg, uint64_t after, unsigned limit, tg_store_feed_fn fn,
    void *fn_arg)
{
	return tg_store_feed_read(arg, after, limit, fn, fn_arg);
}

int
tg_feed_poll(struct tg_feed *f, struct tg_store *s, int64_t now_ms)
{
	struct tg_feed_source src = { s, store_start, store_read };

	return tg_feed_poll_source(f, &src, now_ms);
}

int
tg_feed_poll_source(struct tg_feed *f, const struct tg_feed_source *src,
    int64_t now_ms)
{
	uint64_t from, before;
	int rc;

	if (!f->started) {
		uint64_t max;

		if ((rc = src->start(src->arg, &max)) != TG_STORE_OK)
			return rc;
		tg_feed_begin(f, max, now_ms);
		return TG_STORE_OK;
	}
	do {
		from = tg_feed_from(f, now_ms);
		before = f->max_seen;
		rc = src->read(src->arg, from, 1000, on_row, f);
		if (rc != TG_STORE_OK)
			return rc;
		tg_feed_end_batch(f);
		/* Keep reading while whole batches of new rows arrive. */
	} while (f->max_seen - before >= 1000);
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
