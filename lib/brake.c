/*
 * brake.c: a fixed table of (client, window start, failures) under one
 * mutex, indexed by a keyed mix of the client key.
 */
#include "brake.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cidr.h"

#define PROBES	8

struct slot {
	unsigned char	key[17];	/* family byte + address bytes */
	int		used;
	int64_t		start;
	unsigned	failures;
};

struct tg_brake {
	pthread_mutex_t	 lock;
	struct slot	*slots;
	size_t		 mask;
	unsigned	 max, window;
	uint64_t	 seed;
};

struct tg_brake *
tg_brake_new(size_t slots, unsigned max_failures, unsigned window_s)
{
	struct tg_brake *b;
	size_t n = 64;

	if (max_failures == 0 || window_s == 0)
		return NULL;
	while (n < slots && n < ((size_t)1 << 24))
		n <<= 1;
	b = calloc(1, sizeof *b);
	if (b == NULL)
		return NULL;
	b->slots = calloc(n, sizeof *b->slots);
	if (b->slots == NULL ||
	    RAND_bytes((unsigned char *)&b->seed, sizeof b->seed) != 1) {
		free(b->slots);
		free(b);
		return NULL;
	}
	b->mask = n - 1;
	b->max = max_failures;
	b->window = window_s;
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

void
tg_brake_free(struct tg_brake *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b->slots);
	free(b);
}

/* The client key: IPv4 address, IPv6 /64, or a hash of unparsable text. */
static void
client_key(const char *addr, unsigned char key[17])
{
	unsigned char a[16];
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	memset(key, 0, 17);
	if (addr == NULL)
		addr = "";
	switch (tg_cidr_addr(addr, a)) {
	case AF_INET:
		key[0] = 4;
		memcpy(key + 1, a, 4);
		break;
	case AF_INET6:
		key[0] = 6;
		memcpy(key + 1, a, 8);	/* the /64 */
		break;
	default:
		for (p = addr; *p != '\0'; p++) {
			h ^= (unsigned char)*p;
			h *= 1099511628211ULL;
		}
		key[0] = 9;
		memcpy(key + 1, &h, sizeof h);
		break;
	}
}

static size_t
slot_of(const struct tg_brake *b, const unsigned char key[17])
{
	uint64_t h = b->seed;
	int i;

	/* A keyed multiply-xorshift mix: clients cannot aim at one slot
	 * without knowing the per-process seed. */
	for (i = 0; i < 17; i++) {
		h ^= key[i];
		h *= 0x9E3779B97F4A7C15ULL;
		h ^= h >> 29;
	}
	return (size_t)h;
}

/* Finds key's slot, or NULL; *victim gets a slot to reuse. */
static struct slot *
find(struct tg_brake *b, const unsigned char key[17], struct slot **victim)
{
	size_t s = slot_of(b, key), i;
	struct slot *oldest = NULL;

	for (i = 0; i < PROBES; i++) {
		struct slot *c = &b->slots[(s + i) & b->mask];

		if (c->used && memcmp(c->key, key, 17) == 0)
			return c;
		if (!c->used) {
			if (oldest == NULL || oldest->used)
				oldest = c;
		} else if (oldest == NULL || (oldest->used &&
		    c->start < oldest->start)) {
			oldest = c;
		}
	}
	*victim = oldest;
	return NULL;
}

unsigned
tg_brake_check(struct tg_brake *b, const char *addr, int64_t now)
{
	unsigned char key[17];
	struct slot *s, *v;
	unsigned wait = 0;

	client_key(addr, key);
	pthread_mutex_lock(&b->lock);
	s = find(b, key, &v);
	if (s != NULL && s->failures >= b->max &&
	    now < s->start + (int64_t)b->window)
		wait = (unsigned)(s->start + (int64_t)b->window - now);
	pthread_mutex_unlock(&b->lock);
	return wait;
}

void
tg_brake_fail(struct tg_brake *b, const char *addr, int64_t now)
{
	unsigned char key[17];
	struct slot *s, *v = NULL;

	client_key(addr, key);
	pthread_mutex_lock(&b->lock);
	s = find(b, key, &v);
	if (s == NULL) {
		s = v;
		memcpy(s->key, key, 17);
		s->used = 1;
		s->start = now;
		s->failures = 0;
	}
	if (now >= s->start + (int64_t)b->window) {
		s->start = now;
		s->failures = 0;
	}
	if (s->failures < 0xFFFFFFFFU)
		s->failures++;
	pthread_mutex_unlock(&b->lock);
}
