/*
 * usage.c: a small open-addressing table of "last queued" times and a
 * queue of notes to write, under one mutex.
 */
#include "usage.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PROBES	8

struct slot {
	char	id[TG_TOKEN_ID_LEN + 1];
	int64_t	queued_at;
};

struct tg_usage {
	pthread_mutex_t		 lock;
	struct slot		*slots;
	size_t			 mask;
	struct tg_usage_rec	*queue;
	size_t			 qlen, qcap;
	unsigned		 interval;
	uint64_t		 dropped;
	struct tg_usage_secret	 secrets[TG_USAGE_SECRETS];
	size_t			 nsecrets;
};

struct tg_usage *
tg_usage_new(size_t slots, unsigned interval_s)
{
	struct tg_usage *u;
	size_t n = 64;

	while (n < slots && n < ((size_t)1 << 24))
		n <<= 1;
	u = calloc(1, sizeof *u);
	if (u == NULL)
		return NULL;
	u->slots = calloc(n, sizeof *u->slots);
	u->queue = calloc(n, sizeof *u->queue);
	if (u->slots == NULL || u->queue == NULL) {
		tg_usage_free(u);
		return NULL;
	}
	u->mask = n - 1;
	u->qcap = n;
	u->interval = interval_s;
	pthread_mutex_init(&u->lock, NULL);
	return u;
}

void
tg_usage_free(struct tg_usage *u)
{
	if (u == NULL)
		return;
	if (u->slots != NULL && u->queue != NULL)
		pthread_mutex_destroy(&u->lock);
	OPENSSL_cleanse(u->secrets, sizeof u->secrets);
	free(u->slots);
	free(u->queue);
	free(u);
}

/* FNV-1a: only valid, allowed tokens get here, so no flooding concern. */
static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static int
valid_addr(const char *addr)
{
	unsigned char buf[16];

	return strlen(addr) < 46 && (inet_pton(AF_INET, addr, buf) == 1 ||
	    inet_pton(AF_INET6, addr, buf) == 1);
}

void
tg_usage_note(struct tg_usage *u, const char *id, const char *addr,
    int64_t now)
{
	struct slot *sl = NULL, *oldest = NULL;
	size_t h, i;

	if (strlen(id) > TG_TOKEN_ID_LEN)
		return;
	h = hash(id);
	pthread_mutex_lock(&u->lock);
	for (i = 0; i < PROBES; i++) {
		struct slot *c = &u->slots[(h + i) & u->mask];

		if (c->id[0] == '\0' || strcmp(c->id, id) == 0) {
			sl = c;
			break;
		}
		if (oldest == NULL || c->queued_at < oldest->queued_at)
			oldest = c;
	}
	if (sl == NULL) {
		/* Full neighbourhood: forget the least recently queued. */
		sl = oldest;
		sl->id[0] = '\0';
	}
	if (sl->id[0] != '\0' && now - sl->queued_at < (int64_t)u->interval)
		goto out;
	if (u->qlen == u->qcap) {
		u->dropped++;
		goto out;
	}
	memcpy(sl->id, id, strlen(id) + 1);
	sl->queued_at = now;
	memcpy(u->queue[u->qlen].id, id, strlen(id) + 1);
	u->queue[u->qlen].addr[0] = '\0';
	/*
	 * REMOTE_ADDR is a param like any other: only an address that parses
	 * is recorded, so garbage never reaches last_used_ip (and an
	 * over-long value cannot fail the batch it is written in).
	 */
	if (addr != NULL && valid_addr(addr))
		memcpy(u->queue[u->qlen].addr, addr, strlen(addr) + 1);
	u->queue[u->qlen].at = now;
	u->qlen++;
out:
	pthread_mutex_unlock(&u->lock);
}

size_t
tg_usage_take(struct tg_usage *u, struct tg_usage_rec *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = u->qlen < max ? u->qlen : max;
	memcpy(out, u->queue + (u->qlen - n), n * sizeof *out);
	u->qlen -= n;
	pthread_mutex_unlock(&u->lock);
	return n;
}

void
tg_usage_note_secret(struct tg_usage *u, const char *id,
    const unsigned char hash[TG_HMAC_LEN])
{
	size_t i, n = strlen(id);

	if (n > TG_TOKEN_ID_LEN)
		return;
	pthread_mutex_lock(&u->lock);
	for (i = 0; i < u->nsecrets; i++)
		if (strcmp(u->secrets[i].id, id) == 0)
			goto out;
	if (u->nsecrets == TG_USAGE_SECRETS) {
		u->dropped++;
		goto out;
	}
	memcpy(u->secrets[u->nsecrets].id, id, n + 1);
	memcpy(u->secrets[u->nsecrets].hash, hash, TG_HMAC_LEN);
	u->nsecrets++;
out:
	pthread_mutex_unlock(&u->lock);
}

size_t
tg_usage_take_secrets(struct tg_usage *u, struct tg_usage_secret *out,
    size_t max)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = u->nsecrets < max ? u->nsecrets : max;
	memcpy(out, u->secrets + (u->nsecrets - n), n * sizeof *out);
	OPENSSL_cleanse(u->secrets + (u->nsecrets - n), n * sizeof *out);
	u->nsecrets -= n;
	pthread_mutex_unlock(&u->lock);
	return n;
}

uint64_t
tg_usage_dropped(struct tg_usage *u)
{
	uint64_t d;

	pthread_mutex_lock(&u->lock);
	d = u->dropped;
	pthread_mutex_unlock(&u->lock);
	return d;
}
