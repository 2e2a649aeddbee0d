/*
 * Unit tests for lib/cache: bounds, eviction order, the negative table's
 * isolation, max age, the epoch rule, invalidation and reference counts.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "tg_test.h"

static struct tg_grant *
grant(const char *id, uint64_t user_id)
{
	struct tg_record r;
	struct tg_grant *g;
	char err[128];

	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", id);
	snprintf(r.user, sizeof r.user, "u%llu", (unsigned long long)user_id);
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
	return g;
}

static void
id_of(int i, char *out)
{
	/* Ids are 12 characters: "id" and ten digits. */
	snprintf(out, 16, "id%010d", i % 1000000000);
}

static void
test_basic(void)
{
	struct tg_cache *c = tg_cache_new(3, 2, 1000);
	const struct tg_grant *g;
	struct tg_cache_stats st;
	char id[16];
	int i;

	TG_CHECK(c != NULL, "new");
	TG_CHECK(tg_cache_get(c, "id0000000000", 0, &g) == TG_CACHE_MISS,
	    "empty miss");
	for (i = 0; i < 3; i++) {
		id_of(i, id);
		TG_CHECK(tg_cache_put(c, id, grant(id, 1), tg_cache_epoch(c),
		    0) == 1, "put %d", i);
	}
	/* Touch 0 so that 1 is the least recently used. */
	TG_CHECK(tg_cache_get(c, "id0000000000", 1, &g) == TG_CACHE_HIT,
	    "hit 0");
	TG_CHECK_STR(tg_grant_id(g), "id0000000000", "hit returns its grant");
	tg_cache_release(c, g);
	id_of(3, id);
	tg_cache_put(c, id, grant(id, 1), tg_cache_epoch(c), 2);
	TG_CHECK(tg_cache_get(c, "id0000000001", 3, &g) == TG_CACHE_MISS,
	    "LRU entry 1 evicted");
	TG_CHECK(tg_cache_get(c, "id0000000000", 3, &g) == TG_CACHE_HIT,
	    "recently used entry 0 kept");
	tg_cache_release(c, g);

	/* A flood of unknown ids only churns the negative table. */
	for (i = 100; i < 1100; i++) {
		id_of(i, id);
		tg_cache_put_negative(c, id, tg_cache_epoch(c), 4);
	}
	tg_cache_stats(c, &st);
	TG_CHECK_INT(st.entries, 3, "positives survive a negative flood");
	TG_CHECK_INT(st.negative_entries, 2, "negative table bounded");
	TG_CHECK(tg_cache_get(c, "id0000001099", 5, &g) == TG_CACHE_NEGATIVE,
	    "newest negative kept");
	TG_CHECK(tg_cache_get(c, "id0000000100", 5, &g) == TG_CACHE_MISS,
	    "oldest negative evicted");

	/* Max age is a safety net. */
	TG_CHECK(tg_cache_get(c, "id0000000000", 1002, &g) == TG_CACHE_MISS,
	    "entry older than max age is dropped");
	tg_cache_free(c);
}

static void
test_epoch_and_invalidation(void)
{
	struct tg_cache *c = tg_cache_new(100, 100, 100000);
	const struct tg_grant *g, *held;
	struct tg_cache_stats st;
	uint64_t e;

	e = tg_cache_epoch(c);
	tg_cache_invalidate_token(c, "zz0000000000");
	TG_CHECK(tg_cache_put(c, "aa0000000000", grant("aa0000000000", 7), e,
	    0) == 0, "fill refused after an invalidation since the read");
	TG_CHECK(tg_cache_put_negative(c, "bb0000000000", e, 0) == 0,
	    "negative fill refused likewise");
	e = tg_cache_epoch(c);
	TG_CHECK(tg_cache_put(c, "aa0000000000", grant("aa0000000000", 7), e,
	    0) == 1, "fill with a fresh epoch");
	tg_cache_put(c, "cc0000000000", grant("cc0000000000", 7), e, 0);
	tg_cache_put(c, "dd0000000000", grant("dd0000000000", 8), e, 0);

	/* A holder keeps its grant valid across invalidation. */
	TG_CHECK(tg_cache_get(c, "aa0000000000", 1, &held) == TG_CACHE_HIT,
	    "hold");
	tg_cache_invalidate_user(c, 7);
	TG_CHECK(tg_cache_get(c, "aa0000000000", 1, &g) == TG_CACHE_MISS,
	    "user invalidation drops token aa");
	TG_CHECK(tg_cache_get(c, "cc0000000000", 1, &g) == TG_CACHE_MISS,
	    "user invalidation drops token cc");
	TG_CHECK(tg_cache_get(c, "dd0000000000", 1, &g) == TG_CACHE_HIT,
	    "other user's token kept");
	tg_cache_release(c, g);
	TG_CHECK_STR(tg_grant_user(held), "u7", "held grant still readable");
	tg_cache_release(c, held);

	tg_cache_put_negative(c, "ee0000000000", tg_cache_epoch(c), 1);
	tg_cache_invalidate_token(c, "ee0000000000");
	TG_CHECK(tg_cache_get(c, "ee0000000000", 1, &g) == TG_CACHE_MISS,
	    "token invalidation drops a negative entry (id created later)");
	tg_cache_invalidate_all(c);
	tg_cache_stats(c, &st);
	TG_CHECK(st.entries == 0 && st.negative_entries == 0, "all dropped");
	/* Replacing an entry keeps one copy. */
	e = tg_cache_epoch(c);
	tg_cache_put(c, "ff0000000000", grant("ff0000000000", 1), e, 0);
	tg_cache_put(c, "ff0000000000", grant("ff0000000000", 1), e, 0);
	tg_cache_put_negative(c, "ff0000000000", e, 0);
	tg_cache_stats(c, &st);
	TG_CHECK(st.entries == 0 && st.negative_entries == 1,
	    "an id lives in one table only");
	tg_cache_free(c);
}

static struct tg_cache *shared;

static void *
hammer(void *arg)
{
	const struct tg_grant *g;
	char id[16];
	int i, t = (int)(intptr_t)arg;

	for (i = 0; i < 20000; i++) {
		int k = (i * 7 + t) % 64;

		id_of(k, id);
		switch (tg_cache_get(shared, id, i, &g)) {
		case TG_CACHE_HIT:
			if (strcmp(tg_grant_id(g), id) != 0)
				abort();
			tg_cache_release(shared, g);
			break;
		case TG_CACHE_MISS:
			if (k % 5 == 0)
				tg_cache_put_negative(shared, id,
				    tg_cache_epoch(shared), i);
			else
				tg_cache_put(shared, id, grant(id, (uint64_t)k
				    % 4), tg_cache_epoch(shared), i);
			break;
		case TG_CACHE_NEGATIVE:
			break;
		}
		if (i % 997 == 0)
			tg_cache_invalidate_user(shared, (uint64_t)(i % 4));
		if (i % 499 == 0)
			tg_cache_invalidate_token(shared, id);
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t th[4];
	struct tg_cache_stats st;
	intptr_t i;

	shared = tg_cache_new(32, 8, 1 << 30);
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, hammer, (void *)i);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	tg_cache_stats(shared, &st);
	TG_CHECK(st.entries <= 32 && st.negative_entries <= 8,
	    "bounds hold under concurrency (%zu, %zu)", st.entries,
	    st.negative_entries);
	TG_CHECK(st.hits > 0 && st.misses > 0, "both paths exercised");
	tg_cache_free(shared);
}

int
main(void)
{
	test_basic();
	test_epoch_and_invalidation();
	test_threads();
	return tg_test_done("test_cache");
}
