/*
 * Unit tests for lib/feed: following the change feed, including ids that
 * commit out of order, rolled-back ids, floods of gaps and unknown kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "tg_test.h"

static struct tg_cache *cache;

static void
put(const char *id, uint64_t user_id)
{
	struct tg_record r;
	struct tg_grant *g;
	char err[128];

	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", id);
	snprintf(r.user, sizeof r.user, "u");
	r.user_id = user_id;
	r.user_enabled = 1;
	r.expires_at = 1LL << 40;
	r.permissions = strdup("*");
	r.role_permissions = strdup("*");
	r.api_rules = strdup("*");
	r.resource_rules = strdup("");
	r.cidrs = strdup("");
	r.environments = strdup("");
	r.name = strdup("n");
	g = tg_grant_build(&r, err, sizeof err);
	tg_record_free(&r);
	tg_cache_put(cache, id, g, tg_cache_epoch(cache), 0);
}

static int
cached(const char *id)
{
	const struct tg_grant *g;

	if (tg_cache_get(cache, id, 1, &g) != TG_CACHE_HIT)
		return 0;
	tg_cache_release(cache, g);
	return 1;
}

/*
 * A change feed in memory for tg_feed_poll_source: rows 1..nrows, each
 * committed or not (a hole, or a transaction still open).
 */
#define FAKE_MAX	12000
static struct {
	int		 committed[FAKE_MAX + 1];
	char		 ref[FAKE_MAX + 1][16];
	uint64_t	 nrows;
	uint64_t	 start;		/* what start() answers */
	uint64_t	 through;	/* what pruned() answers */
	unsigned	 id_reads;	/* calls of read_ids() */
	unsigned	 reads;		/* calls of read() */
	unsigned	 fail_at;	/* read() number that fails, 0: none */
} fake;

static void
fake_reset(uint64_t start)
{
	memset(&fake, 0, sizeof fake);
	fake.start = start;
}

/* Row id commits with token ref. */
static void
fake_add(uint64_t id, const char *ref)
{
	fake.committed[id] = 1;
	snprintf(fake.ref[id], sizeof fake.ref[id], "%s", ref);
	if (id > fake.nrows)
		fake.nrows = id;
}

static int
fake_start(void *arg, uint64_t *id)
{
	(void)arg;
	*id = fake.start;
	return TG_STORE_OK;
}

static int
fake_read(void *arg, uint64_t after, unsigned limit, tg_store_feed_fn fn,
    void *fn_arg)
{
	uint64_t id;
	unsigned n = 0;

	(void)arg;
	if (++fake.reads == fake.fail_at)
		return TG_STORE_UNAVAILABLE;
	for (id = after + 1; id <= fake.nrows && n < limit; id++) {
		if (!fake.committed[id])
			continue;
		fn(fn_arg, id, "token", fake.ref[id]);
		n++;
	}
	return TG_STORE_OK;
}

static int
fake_read_ids(void *arg, const uint64_t *ids, size_t n, tg_store_feed_fn fn,
    void *fn_arg)
{
	size_t i;

	(void)arg;
	fake.id_reads++;
	if (n > TG_FEED_IDS_PER_READ)
		return TG_STORE_ERROR;
	/* In id order, as the store answers. */
	for (uint64_t id = 1; id <= fake.nrows; id++)
		for (i = 0; i < n; i++)
			if (ids[i] == id && fake.committed[id])
				fn(fn_arg, id, "token", fake.ref[id]);
	return TG_STORE_OK;
}

static int
fake_pruned(void *arg, uint64_t *through)
{
	(void)arg;
	*through = fake.through;
	return TG_STORE_OK;
}

/* Prunes rows up to through, as tg_store_prune does. */
static void
fake_prune(uint64_t through)
{
	uint64_t id;

	for (id = 1; id <= through; id++)
		fake.committed[id] = 0;
	fake.through = through;
}

static const struct tg_feed_source fake_src = {
	NULL, fake_start, fake_read, fake_read_ids, fake_pruned
};

/*
 * Review finding 2: a hole followed by more than one read's worth of rows.
 * Every poll must reach the newest row, however many rows follow a hole.
 */
static void
test_hole_then_many(void)
{
	struct tg_feed *f;
	struct tg_feed_stats st;
	char ref[16];
	uint64_t id;

	tg_cache_invalidate_all(cache);
	f = tg_feed_new(cache);
	fake_reset(10);
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 0), TG_STORE_OK,
	    "fake: first poll");
	put("VVVVVVVVVVVV", 5);
	put("WWWWWWWWWWWW", 5);
	/* 11 commits, 12 is a hole for good (a rolled-back insert, or ids
	 * reserved by an INSERT ... SELECT), then 2,500 rows, then the
	 * revoke of VVVVVVVVVVVV. */
	fake_add(11, "AAAAAAAAAAAA");
	for (id = 13; id < 13 + 2500; id++) {
		snprintf(ref, sizeof ref, "n%011llu", (unsigned long long)id);
		fake_add(id, ref);
	}
	fake_add(2513, "VVVVVVVVVVVV");
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 100), TG_STORE_OK,
	    "fake: poll after the hole");
	TG_CHECK(!cached("VVVVVVVVVVVV"),
	    "a row 2,500 rows behind a hole is applied in the same poll");
	TG_CHECK(cached("WWWWWWWWWWWW"), "others stay");
	tg_feed_stats(f, &st);
	TG_CHECK_INT(st.last_id, 2513, "the poll reached the newest row");
	TG_CHECK(tg_feed_fresh(f, 100, 1000), "fresh: it reached the end");

	/* More rows behind the same (still open) hole, while it is open. */
	for (id = 2514; id < 2514 + 3000; id++) {
		snprintf(ref, sizeof ref, "n%011llu", (unsigned long long)id);
		fake_add(id, ref);
	}
	fake_add(5514, "WWWWWWWWWWWW");
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 300), TG_STORE_OK,
	    "fake: second poll");
	TG_CHECK(!cached("WWWWWWWWWWWW"),
	    "the next poll reaches past 3,000 more rows too");
	tg_feed_stats(f, &st);
	TG_CHECK_INT(st.last_id, 5514, "second poll reached the newest row");
	tg_feed_free(f);
}

/* A poll that fails half way has not reached the end: not fresh. */
static void
test_failed_page(void)
{
	struct tg_feed *f;
	char ref[16];
	uint64_t id;

	f = tg_feed_new(cache);
	fake_reset(0);
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 0), TG_STORE_OK,
	    "fake: first poll (empty feed)");
	for (id = 1; id <= 2500; id++) {
		snprintf(ref, sizeof ref, "n%011llu", (unsigned long long)id);
		fake_add(id, ref);
	}
	fake.fail_at = fake.reads + 2;
	TG_CHECK(tg_feed_poll_source(f, &fake_src, 5000) != TG_STORE_OK,
	    "a failed second page fails the poll");
	TG_CHECK(!tg_feed_fresh(f, 5000, 1000),
	    "a poll that did not reach the end is not fresh");
	tg_feed_free(f);
}

/* A row that commits late, after rows with higher ids, is read by id. */
static void
test_late_gap(void)
{
	struct tg_feed *f;
	struct tg_feed_stats st;
	uint64_t applied, seen;
	char gaps[64];

	f = tg_feed_new(cache);
	fake_reset(100);
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 0), TG_STORE_OK,
	    "late: first poll");
	TG_CHECK(tg_feed_fresh(f, 0, 1000), "late: fresh after the first poll");
	put("LLLLLLLLLLLL", 7);
	fake_add(101, "xxxxxxxxxxxx");
	fake_add(104, "yyyyyyyyyyyy");
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 10), TG_STORE_OK,
	    "late: poll with gaps 102, 103");
	tg_feed_progress(f, &applied, &seen, gaps, sizeof gaps);
	TG_CHECK_INT(applied, 101, "late: applied stops below the gaps");
	TG_CHECK_INT(seen, 104, "late: seen is the newest row");
	TG_CHECK_STR(gaps, "102,103", "late: the open gaps are reported");
	TG_CHECK(tg_feed_covers(applied, seen, gaps, 104, 104),
	    "late: a writer of row 104 is covered despite the open gaps");
	TG_CHECK(!tg_feed_covers(applied, seen, gaps, 103, 103),
	    "late: a writer of row 103 is not");
	fake_add(103, "LLLLLLLLLLLL");
	fake.id_reads = 0;
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 20), TG_STORE_OK,
	    "late: poll after 103 committed");
	TG_CHECK_INT(fake.id_reads, 1, "late: the gaps are read by id");
	TG_CHECK(!cached("LLLLLLLLLLLL"), "late: the late row is applied");
	tg_feed_progress(f, &applied, &seen, gaps, sizeof gaps);
	TG_CHECK_STR(gaps, "102", "late: 103 is no longer a gap");
	/* 102 was rolled back: after TG_FEED_GAP_MS it is given up. */
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 20 + TG_FEED_GAP_MS + 1),
	    TG_STORE_OK, "late: poll after the gap window");
	tg_feed_stats(f, &st);
	TG_CHECK_INT(st.applied, 104, "late: applied reaches the end");
	/* A progress list that does not fit reports only what is certain. */
	fake_add(110, "zzzzzzzzzzzz");
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 30000), TG_STORE_OK,
	    "late: poll with five more gaps");
	tg_feed_progress(f, &applied, &seen, gaps, 8);
	TG_CHECK(applied == 104 && seen == 104 && gaps[0] == '\0',
	    "late: a list too long for the buffer reports applied only");
	tg_feed_free(f);
}

/*
 * Review finding 9: rows pruned before this process read them.  The cache
 * must be emptied, or a revoke whose feed row is gone stays cached.
 */
static void
test_pruned(void)
{
	struct tg_feed *f;
	struct tg_feed_stats st;

	f = tg_feed_new(cache);
	fake_reset(50);
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 0), TG_STORE_OK,
	    "pruned: first poll");
	put("PPPPPPPPPPPP", 8);
	put("QQQQQQQQQQQQ", 8);
	fake_add(51, "aaaaaaaaaaaa");
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 10), TG_STORE_OK,
	    "pruned: poll to 51");
	/* A prune of what was read changes nothing. */
	fake_prune(51);
	fake_add(52, "bbbbbbbbbbbb");
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 20), TG_STORE_OK,
	    "pruned: poll after a prune of read rows");
	TG_CHECK(cached("PPPPPPPPPPPP"), "pruned: read rows pruned: cache kept");
	/* The process stalls; the revoke of PPPPPPPPPPPP (53) and more rows
	 * come and are pruned before it reads again. */
	fake_add(53, "PPPPPPPPPPPP");
	fake_add(54, "cccccccccccc");
	fake_add(55, "dddddddddddd");
	fake_prune(54);
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 30), TG_STORE_OK,
	    "pruned: poll after rows it never read were pruned");
	TG_CHECK(!cached("PPPPPPPPPPPP"),
	    "pruned: the revoked token is not served from the cache");
	TG_CHECK(!cached("QQQQQQQQQQQQ"), "pruned: the whole cache is emptied");
	tg_feed_stats(f, &st);
	TG_CHECK_INT(st.pruned_flushes, 1, "pruned: counted once");
	TG_CHECK_INT(st.last_id, 55, "pruned: reading goes on after the prune");
	TG_CHECK(tg_feed_fresh(f, 30, 1000), "pruned: fresh after the flush");
	/* An open gap at or below the horizon is gone for good too. */
	put("QQQQQQQQQQQQ", 8);
	fake_add(58, "eeeeeeeeeeee");
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 40), TG_STORE_OK,
	    "pruned: poll with gaps 56, 57");
	fake_prune(56);
	TG_CHECK_INT(tg_feed_poll_source(f, &fake_src, 50), TG_STORE_OK,
	    "pruned: poll after a gap was pruned");
	TG_CHECK(!cached("QQQQQQQQQQQQ"), "pruned: a pruned open gap empties it");
	tg_feed_stats(f, &st);
	TG_CHECK_INT(st.applied, 56, "pruned: only gap 57 stays open");
	tg_feed_free(f);
}

/* tg_feed_covers: what a writer accepts as "applied". */
static void
test_covers(void)
{
	static const struct {
		uint64_t	 applied, seen;
		const char	*gaps;
		uint64_t	 lo, hi;
		int		 want;
	} t[] = {
		{ 10, 10, "", 10, 10, 1 },
		{ 10, 10, "", 11, 11, 0 },	/* not read yet */
		{ 10, 20, "11", 15, 15, 1 },	/* above an open hole */
		{ 10, 20, "11", 11, 11, 0 },	/* it is the hole */
		{ 10, 20, "11,15", 12, 16, 0 },	/* a hole inside the range */
		{ 10, 20, "11,15", 16, 20, 1 },
		{ 10, 20, "11", 15, 21, 0 },	/* past seen */
		{ 0, 0, "", 1, 1, 0 },		/* a row of an old version */
		{ 30, 0, "", 20, 25, 1 },	/* applied covers it alone */
		{ 10, 20, "1x", 15, 15, 0 },	/* malformed: fail closed */
		{ 10, 20, "11,", 15, 15, 0 },
		{ 10, 20, ",11", 15, 15, 0 },
		{ 10, 20, "-1", 15, 15, 0 },
		{ 10, 20, "99999999999999999999999", 15, 15, 0 },
	};
	size_t i;
	char name[96];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(name, sizeof name, "covers %zu: (%llu, %llu, \"%s\") "
		    "[%llu, %llu]", i, (unsigned long long)t[i].applied,
		    (unsigned long long)t[i].seen, t[i].gaps,
		    (unsigned long long)t[i].lo, (unsigned long long)t[i].hi);
		TG_CHECK_INT(tg_feed_covers(t[i].applied, t[i].seen, t[i].gaps,
		    t[i].lo, t[i].hi), t[i].want, name);
	}
}

int
main(void)
{
	struct tg_feed *f;
	struct tg_feed_stats st;
	char id[16];
	int i;

	cache = tg_cache_new(1000, 100, 1LL << 40);
	f = tg_feed_new(cache);
	TG_CHECK(f != NULL, "new");
	TG_CHECK(!tg_feed_fresh(f, 0, 1000), "not fresh before a first poll");

	put("AAAAAAAAAAAA", 1);
	tg_feed_begin(f, 10, 0);
	TG_CHECK(!cached("AAAAAAAAAAAA"), "the first poll empties the cache");
	TG_CHECK(tg_feed_fresh(f, 500, 1000), "fresh after a good poll");
	TG_CHECK(!tg_feed_fresh(f, 1001, 1000), "stale a window later");

	put("AAAAAAAAAAAA", 1);
	put("BBBBBBBBBBBB", 1);
	put("CCCCCCCCCCCC", 1);
	put("DDDDDDDDDDDD", 2);
	TG_CHECK_INT(tg_feed_from(f, 0), 10, "reads after the newest row");
	tg_feed_row(f, 11, "token", "AAAAAAAAAAAA");
	tg_feed_row(f, 13, "token", "BBBBBBBBBBBB");
	tg_feed_end_batch(f);
	tg_feed_ok(f, 0);
	TG_CHECK(!cached("AAAAAAAAAAAA") && !cached("BBBBBBBBBBBB"),
	    "rows drop their tokens");
	TG_CHECK(cached("CCCCCCCCCCCC"), "others stay");
	tg_feed_stats(f, &st);
	TG_CHECK_INT(st.applied, 11, "applied stops below the open gap 12");

	/* Id 12 committed after 13: it must still be read. */
	put("BBBBBBBBBBBB", 1);
	TG_CHECK_INT(tg_feed_from(f, 100), 11, "reads again from the gap");
	tg_feed_row(f, 12, "token", "CCCCCCCCCCCC");
	tg_feed_row(f, 13, "token", "BBBBBBBBBBBB");
	tg_feed_end_batch(f);
	TG_CHECK(!cached("CCCCCCCCCCCC"), "a late row fills its gap");
	TG_CHECK(cached("BBBBBBBBBBBB"), "a row seen before is not applied twice");
	TG_CHECK_INT(tg_feed_from(f, 100), 13, "no gap left");
	tg_feed_stats(f, &st);
	TG_CHECK_INT(st.applied, 13, "applied reaches the newest row");

	/* A rolled-back id never comes: after TG_FEED_GAP_MS stop waiting. */
	tg_feed_row(f, 15, "token", "BBBBBBBBBBBB");
	TG_CHECK_INT(tg_feed_from(f, 200), 13, "waiting for 14");
	TG_CHECK_INT(tg_feed_from(f, 200 + TG_FEED_GAP_MS + 1), 15,
	    "gap 14 expired");

	/* A user row drops every token of that user. */
	put("AAAAAAAAAAAA", 1);
	tg_feed_row(f, 16, "user", "2");
	TG_CHECK(!cached("DDDDDDDDDDDD"), "user 2's token dropped");
	TG_CHECK(cached("AAAAAAAAAAAA"), "user 1's token kept");

	/* More gaps than tracked: everything goes. */
	tg_feed_from(f, 300);
	tg_feed_row(f, 16 + TG_FEED_MAX_GAPS + 10, "token", "ZZZZZZZZZZZZ");
	tg_feed_end_batch(f);
	TG_CHECK(!cached("AAAAAAAAAAAA"), "gap overflow empties the cache");
	tg_feed_stats(f, &st);
	TG_CHECK_INT(st.overflows, 1, "overflow counted");
	TG_CHECK_INT(tg_feed_from(f, 300), 16 + TG_FEED_MAX_GAPS + 10,
	    "no gaps kept after an overflow");

	/* A kind this version does not know: trust nothing. */
	put("AAAAAAAAAAAA", 1);
	tg_feed_row(f, 1000, "role", "7");
	TG_CHECK(!cached("AAAAAAAAAAAA"), "unknown kind empties the cache");
	put("AAAAAAAAAAAA", 1);
	tg_feed_row(f, 1001, "user", "x7");
	TG_CHECK(!cached("AAAAAAAAAAAA"), "bad user ref empties the cache");

	tg_feed_suspend(f);
	TG_CHECK(!tg_feed_fresh(f, 300, 1000), "suspended");
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof id, "id%010d", i);
		put(id, 9);
	}
	tg_feed_free(f);
	test_hole_then_many();
	test_failed_page();
	test_late_gap();
	test_pruned();
	test_covers();
	tg_cache_free(cache);
	return tg_test_done("test_feed");
}
