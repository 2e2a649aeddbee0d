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
	tg_cache_free(cache);
	return tg_test_done("test_feed");
}
