/*
 * cache.c: two bounded LRU hash tables behind one mutex.
 *
 * Buckets are chained and indexed by SipHash-2-4 of the id under a random
 * key chosen at start-up, so an attacker who picks token ids (they can
 * compute valid check digits) cannot aim them all at one bucket.  One
 * mutex is enough: a lookup holds it for a hash, a short chain walk and a
 * list splice, far less than the FastCGI round trip around it.
 */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "siphash.h"

/*
 * One cached id.  The owner's user id is not copied here: a user
 * invalidation reads it from the grant, so an entry stays at 56 bytes (one
 * 64-byte malloc chunk), which matters when 100,000 of them are cached.
 */
struct entry {
	char			 id[TG_TOKEN_ID_LEN + 1];
	const struct tg_grant	*grant;		/* NULL in the negative table */
	int64_t			 born_ms;
	struct entry		*hnext;
	struct entry		*prev, *next;	/* LRU list, head = newest */
};

struct table {
	struct entry	**buckets;
	size_t		  mask;
	size_t		  n, max;
	struct entry	  lru;			/* sentinel */
};

struct tg_cache {
	pthread_mutex_t		lock;
	struct table		pos, neg;
	int64_t			max_age_ms;
	uint64_t		epoch;
	uint64_t		k0, k1;		/* SipHash key */
	struct tg_cache_stats	st;
};

static int
table_init(struct table *t, size_t max)
{
	size_t n = 16;

	/* About one entry per bucket when full. */
	while (n < max && n < ((size_t)1 << 30))
		n <<= 1;
	t->buckets = calloc(n, sizeof *t->buckets);
	if (t->buckets == NULL)
		return -1;
	t->mask = n - 1;
	t->max = max;
	t->n = 0;
	t->lru.next = t->lru.prev = &t->lru;
	return 0;
}

static void
lru_unlink(struct entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static void
lru_push(struct table *t, struct entry *e)
{
	e->next = t->lru.next;
	e->prev = &t->lru;
	t->lru.next->prev = e;
	t->lru.next = e;
}

static size_t
slot(const struct tg_cache *c, const struct table *t, const char *id)
{
	return (size_t)tg_siphash(c->k0, c->k1, id, strlen(id)) & t->mask;
}

static struct entry *
find(struct tg_cache *c, struct table *t, const char *id)
{
	struct entry *e;

	for (e = t->buckets[slot(c, t, id)]; e != NULL; e = e->hnext)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

/* Removes e from t and frees it (dropping the table's grant reference). */
static void
drop(struct tg_cache *c, struct table *t, struct entry *e)
{
	struct entry **pp = &t->buckets[slot(c, t, e->id)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(e);
	t->n--;
	tg_grant_free(e->grant);
	free(e);
}

static void
table_clear(struct tg_cache *c, struct table *t)
{
	while (t->lru.next != &t->lru)
		drop(c, t, t->lru.next);
}

struct tg_cache *
tg_cache_new(size_t max_entries, size_t max_negative, int64_t max_age_ms)
{
	struct tg_cache *c;
	unsigned char key[16];

	if (max_entries == 0 || max_negative == 0)
		return NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	if (RAND_bytes(key, sizeof key) != 1 ||
	    table_init(&c->pos, max_entries) != 0 ||
	    table_init(&c->neg, max_negative) != 0) {
		free(c->pos.buckets);
		free(c);
		return NULL;
	}
	memcpy(&c->k0, key, 8);
	memcpy(&c->k1, key + 8, 8);
	c->max_age_ms = max_age_ms;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
tg_cache_free(struct tg_cache *c)
{
	if (c == NULL)
		return;
	table_clear(c, &c->pos);
	table_clear(c, &c->neg);
	free(c->pos.buckets);
	free(c->neg.buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

enum tg_cache_result
tg_cache_get(struct tg_cache *c, const char *id, int64_t now_ms,
    const struct tg_grant **grant)
{
	enum tg_cache_result r = TG_CACHE_MISS;
	struct entry *e;

	*grant = NULL;
	pthread_mutex_lock(&c->lock);
	if ((e = find(c, &c->pos, id)) != NULL) {
		if (now_ms - e->born_ms >= c->max_age_ms) {
			drop(c, &c->pos, e);
		} else {
			lru_unlink(e);
			lru_push(&c->pos, e);
			*grant = tg_grant_ref(e->grant);
			r = TG_CACHE_HIT;
			c->st.hits++;
		}
	} else if ((e = find(c, &c->neg, id)) != NULL) {
		if (now_ms - e->born_ms >= c->max_age_ms) {
			drop(c, &c->neg, e);
		} else {
			lru_unlink(e);
			lru_push(&c->neg, e);
			r = TG_CACHE_NEGATIVE;
			c->st.negative_hits++;
		}
	}
	if (r == TG_CACHE_MISS)
		c->st.misses++;
	pthread_mutex_unlock(&c->lock);
	return r;
}

void
tg_cache_release(struct tg_cache *c, const struct tg_grant *g)
{
	(void)c;
	tg_grant_free(g);
}

uint64_t
tg_cache_epoch(struct tg_cache *c)
{
	uint64_t e;

	pthread_mutex_lock(&c->lock);
	e = c->epoch;
	pthread_mutex_unlock(&c->lock);
	return e;
}

static int
insert(struct tg_cache *c, struct table *t, const char *id,
    struct tg_grant *g, uint64_t epoch, int64_t now_ms)
{
	struct entry *e, *old;
	size_t s;

	if (strlen(id) > TG_TOKEN_ID_LEN)
		goto refuse;
	e = calloc(1, sizeof *e);
	if (e == NULL)
		goto refuse;
	memcpy(e->id, id, strlen(id) + 1);
	e->grant = g;
	e->born_ms = now_ms;
	pthread_mutex_lock(&c->lock);
	if (epoch != c->epoch) {
		c->st.refused_inserts++;
		pthread_mutex_unlock(&c->lock);
		free(e);
		goto refuse;
	}
	/* An id lives in at most one table. */
	if ((old = find(c, &c->pos, id)) != NULL)
		drop(c, &c->pos, old);
	if ((old = find(c, &c->neg, id)) != NULL)
		drop(c, &c->neg, old);
	while (t->n >= t->max) {
		drop(c, t, t->lru.prev);
		c->st.evictions++;
	}
	s = slot(c, t, id);
	e->hnext = t->buckets[s];
	t->buckets[s] = e;
	lru_push(t, e);
	t->n++;
	c->st.inserts++;
	pthread_mutex_unlock(&c->lock);
	return 1;
refuse:
	tg_grant_free(g);
	return 0;
}

int
tg_cache_put(struct tg_cache *c, const char *id, struct tg_grant *g,
    uint64_t epoch, int64_t now_ms)
{
	if (g == NULL)
		return 0;
	return insert(c, &c->pos, id, g, epoch, now_ms);
}

int
tg_cache_put_negative(struct tg_cache *c, const char *id, uint64_t epoch,
    int64_t now_ms)
{
	return insert(c, &c->neg, id, NULL, epoch, now_ms);
}

void
tg_cache_invalidate_token(struct tg_cache *c, const char *id)
{
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	c->epoch++;
	c->st.invalidations++;
	if ((e = find(c, &c->pos, id)) != NULL)
		drop(c, &c->pos, e);
	if ((e = find(c, &c->neg, id)) != NULL)
		drop(c, &c->neg, e);
	pthread_mutex_unlock(&c->lock);
}

void
tg_cache_invalidate_user(struct tg_cache *c, uint64_t user_id)
{
	struct entry *e, *next;

	pthread_mutex_lock(&c->lock);
	c->epoch++;
	c->st.invalidations++;
	for (e = c->pos.lru.next; e != &c->pos.lru; e = next) {
		next = e->next;
		if (tg_grant_user_id(e->grant) == user_id)
			drop(c, &c->pos, e);
	}
	pthread_mutex_unlock(&c->lock);
}

void
tg_cache_invalidate_all(struct tg_cache *c)
{
	pthread_mutex_lock(&c->lock);
	c->epoch++;
	c->st.invalidations++;
	table_clear(c, &c->pos);
	table_clear(c, &c->neg);
	pthread_mutex_unlock(&c->lock);
}

void
tg_cache_stats(struct tg_cache *c, struct tg_cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->st;
	out->entries = c->pos.n;
	out->negative_entries = c->neg.n;
	pthread_mutex_unlock(&c->lock);
}
