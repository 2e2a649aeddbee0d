/*
 * grant.c: compiling a token record for deciding.
 *
 * Everything that can be computed once per token (compiled rules, parsed
 * CIDRs, the intersection of grants and role permissions) is done in
 * tg_grant_build, so that deciding (lib/policy.c) is a handful of
 * comparisons and one path canonicalization, and so that a cache can
 * keep the compiled form.
 *
 * A grant is two parts.  The token's own part (id, hashes, expiry,
 * revocation) is one small allocation per token.  Everything else (the
 * owner, the effective permissions, the compiled rules, the CIDRs, the
 * environments) is a "scope": a pure function of the owner's id, name,
 * enabled flag and role permissions and of the token's permission, rule,
 * CIDR and environment texts.  Tokens are mostly minted from a few
 * profiles by a few owners, so a cache of 100,000 tokens holds only a
 * handful of distinct scopes; compiling each once and sharing it is what
 * keeps such a cache at about 150 bytes a token instead of about 900.
 * When tokens share nothing (every owner different), a scope is one
 * compact allocation of about 150 to 260 bytes, so that even then 100,000
 * cached tokens stay near 40 MiB.
 *
 * Scopes are interned in one process-wide table keyed by a serialization
 * of all of those inputs, and two records share a scope only when all of
 * them are byte for byte equal (the rule texts are compared with the
 * scope's compiled rules, which keep every rule as written, rather than
 * stored twice): the table's hash only picks a bucket, it never decides
 * equality, so no collision can hand one token another's rules.  Since a
 * scope is a deterministic function of its key and is never written
 * after it is interned, sharing one is indistinguishable from compiling
 * it again.
 *
 * Interning does not change when a change takes effect; this was checked
 * against lib/verify.c and lib/cache.c.  The table is only consulted by
 * tg_grant_build, which find_grant() in lib/verify.c calls with a record it
 * has just read from the store, so the table never answers for the
 * database; what it holds is reached only through a live grant.  When an
 * owner is disabled or enabled, or a role of the owner gains or loses a
 * permission, the feed drops every cached grant of that user id
 * (tg_cache_invalidate_user, which reads the id from the grant; grants
 * sharing a scope share the user id, as it is part of the key), and the
 * next miss reads a record whose user_enabled or role_permissions differ,
 * so it gets a different scope.  The old scope lives only as long as grants
 * already handed to requests in flight, exactly as an unshared grant would,
 * and leaves the table with the last of them.  A token change (revoke,
 * rotation, expiry, rules) is invalidated by id, and the token's own part
 * is never shared.  A fill that raced with a change and read the old state
 * is refused by the cache's epoch, whether or not its scope is shared.
 */
#include "grant.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cidr.h"
#include "siphash.h"

#define MAX_CIDRS	64
#define INTERN_MIN	64	/* buckets of the intern table, at least */

/*
 * What a grant shares with every other grant built from the same owner
 * state and the same texts.  It is one allocation: the struct, the CIDRs,
 * the key (which also serves as the stored user id, user name and
 * environment list), the effective permissions as text, then, each
 * aligned to 8 bytes, the effective permission set (tg_perm_pack) and the
 * compiled API and resource rules (tg_rules_copy).  With 100,000 owners
 * every scope's bytes count, so the parts are found by 32-bit offsets
 * from the scope, 0 for an absent part: a scope is a few hundred bytes,
 * far from 4 GiB.  refs counts grants, which cannot number 2^32 in any
 * address space they fit in.  Immutable once interned, except hnext and
 * refs, which only the intern lock guards.
 */
struct scope {
	struct scope		*hnext;		/* intern chain */
	uint64_t		 hash;		/* tg_siphash of key */
	uint32_t		 refs;		/* grants using it */
	uint32_t		 keylen;
	uint32_t		 envs;		/* '\n'-separated */
	uint32_t		 text;		/* "a:b c:d" */
	uint32_t		 effective;	/* 0 when empty */
	uint32_t		 api;		/* 0 when no rules */
	uint32_t		 resource;	/* 0 when no rules */
	unsigned char		 user_enabled;
	unsigned char		 ncidrs;	/* at most MAX_CIDRS */
	unsigned char		 nl;		/* NL_*, for the key */
	struct tg_cidr		 cidrs[];	/* then the rest, as above */
};

_Static_assert(MAX_CIDRS <= 255, "ncidrs is one byte");

/* The rotation grace: present only while an old secret still works. */
struct grace {
	int64_t			 until;		/* unix time */
	unsigned char		 hash[TG_HMAC_LEN];
};

/*
 * The token's own part, 72 bytes (one 80-byte malloc chunk) without a
 * grace.  Revocation is kept as a flag because deciding only asks whether
 * the token was revoked, not when.
 */
struct tg_grant {
	atomic_uint		 refs;
	unsigned char		 has_prev;
	unsigned char		 revoked;
	char			 id[TG_TOKEN_ID_LEN + 1];
	struct scope		*scope;
	int64_t			 expires_at;
	unsigned char		 hash[TG_HMAC_LEN];
	struct grace		 prev[];	/* one when has_prev */
};

/* A wider token part costs 16 bytes per cached token. */
_Static_assert(sizeof(struct tg_grant) <= 72, "struct tg_grant grew");

/*
 * The intern table: chained buckets, grown by doubling and freed when the
 * last scope leaves, all under one mutex.  The lock is taken when a grant
 * is built (twice when its scope is new) and when a grant's last reference
 * goes, never for a request served from the cache, and it is held for a
 * chain walk, never while compiling.
 */
static struct {
	pthread_mutex_t		 lock;
	struct scope		**buckets;
	size_t			 nbuckets;	/* 0 or a power of 2 */
	size_t			 n;
} intern = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

/* The SipHash key of the intern table, drawn once per process. */
static pthread_once_t	intern_once = PTHREAD_ONCE_INIT;
static uint64_t		intern_k0, intern_k1;
static int		intern_keyed;

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static void
intern_seed(void)
{
	unsigned char k[16];

	if (RAND_bytes(k, sizeof k) != 1)
		return;
	memcpy(&intern_k0, k, 8);
	memcpy(&intern_k1, k + 8, 8);
	intern_keyed = 1;
}

/* Frees a scope that is not (or no longer) in the intern table. */
static void
scope_destroy(struct scope *sc)
{
	free(sc);
}

/*
 * The intern key of rec: every input a scope depends on, the user id and
 * enabled flag in 9 fixed bytes, then each text followed by a NUL.  Texts
 * are C strings, so none holds a NUL and the encoding is injective: equal
 * keys mean equal inputs.  A NULL text is encoded as "", which
 * tg_grant_build has always treated the same way.  The user name starts at
 * byte KEY_USER, and it and the environment list can be read in place.
 *
 * The rule texts come last and are hashed but not stored: a scope keeps
 * its compiled rules, which hold every rule as written, and whether each
 * text ended with a newline, and that is enough to compare the texts byte
 * for byte (tg_rules_same_text) without a second copy of them.
 */
enum {
	T_USER, T_PERMS, T_ROLES, T_CIDRS, T_ENVS,	/* stored */
	T_API, T_RESOURCE,				/* compared */
	NTEXTS
};

#define KEY_USER	(sizeof(uint64_t) + 1)
#define NL_API		0x01	/* the API rule text ended with '\n' */
#define NL_RESOURCE	0x02	/* the resource rule text did */

struct key {
	unsigned char	*buf;
	size_t		 len;		/* stored: up to the API rules */
	size_t		 hlen;		/* hashed: all of buf */
	size_t		 off[NTEXTS];	/* where each text starts */
	size_t		 tlen[NTEXTS];	/* and its length */
	unsigned char	 nl;		/* NL_* */
};

static int
key_make(const struct tg_record *rec, struct key *k, char *err, size_t errsz)
{
	const char *t[NTEXTS];
	size_t i, n;
	unsigned char enabled = rec->user_enabled != 0;

	t[T_USER] = rec->user;
	t[T_PERMS] = nz(rec->permissions);
	t[T_ROLES] = nz(rec->role_permissions);
	t[T_API] = nz(rec->api_rules);
	t[T_RESOURCE] = nz(rec->resource_rules);
	t[T_CIDRS] = nz(rec->cidrs);
	t[T_ENVS] = nz(rec->environments);
	n = KEY_USER;
	for (i = 0; i < NTEXTS; i++) {
		k->tlen[i] = i == T_USER ? strnlen(t[i], TG_USER_MAX) :
		    strlen(t[i]);
		/* The scope keeps 32-bit offsets: seven texts of at most
		 * 1/16 of their range, and what is made of them, fit. */
		if (k->tlen[i] > UINT32_MAX / 16) {
			snprintf(err, errsz, "stored text too long");
			return -1;
		}
		n += k->tlen[i] + 1;
	}
	if ((k->buf = malloc(n)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	memcpy(k->buf, &rec->user_id, sizeof rec->user_id);
	k->buf[sizeof rec->user_id] = enabled;
	n = KEY_USER;
	for (i = 0; i < NTEXTS; i++) {
		if (i == T_API)
			k->len = n;
		k->off[i] = n;
		memcpy(k->buf + n, t[i], k->tlen[i]);
		n += k->tlen[i];
		k->buf[n++] = '\0';
	}
	k->hlen = n;
	k->nl = 0;
	if (k->tlen[T_API] > 0 && t[T_API][k->tlen[T_API] - 1] == '\n')
		k->nl |= NL_API;
	if (k->tlen[T_RESOURCE] > 0 &&
	    t[T_RESOURCE][k->tlen[T_RESOURCE] - 1] == '\n')
		k->nl |= NL_RESOURCE;
	return 0;
}

/* Parses the stored CIDR list into out (MAX_CIDRS entries); *n set. */
static int
parse_cidrs(const char *text, struct tg_cidr *out, size_t *n, char *err,
    size_t errsz)
{
	const char *p = text, *eol;
	size_t lines = 1;

	*n = 0;
	for (eol = p; *eol != '\0'; eol++)
		if (*eol == '\n')
			lines++;
	if (lines > MAX_CIDRS) {
		snprintf(err, errsz, "more than %d CIDRs", MAX_CIDRS);
		return -1;
	}
	while (*p != '\0') {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if (eol > p && tg_cidr_parse(p, (size_t)(eol - p),
		    &out[(*n)++], err, errsz) != 0)
			return -1;
		p = *eol == '\n' ? eol + 1 : eol;
	}
	return 0;
}

/* Rounds off up to a multiple of 8, the alignment of every part. */
static size_t
align8(size_t off)
{
	return (off + 7) & ~(size_t)7;
}

/*
 * Compiles the scope of rec, whose key is k, outside the intern table.
 * Returns it with no references counted, or NULL with err filled in.  The
 * parts are built on their own first and then copied into the one block.
 */
static struct scope *
scope_compile(const struct tg_record *rec, const struct key *k,
    uint64_t hash, char *err, size_t errsz)
{
	struct tg_perm_set grants = { 0 }, roles = { 0 }, eff = { 0 };
	struct tg_perm_set *effp;
	struct tg_rules *api = NULL, *resource = NULL;
	struct tg_cidr cidrs[MAX_CIDRS];
	struct scope *sc = NULL;
	char *base;
	const char *t;
	size_t ncidrs, tlen = 1, i, koff, toff, eoff, aoff, roff, size;

	if (parse_cidrs(nz(rec->cidrs), cidrs, &ncidrs, err, errsz) != 0)
		return NULL;
	t = nz(rec->permissions);
	if (tg_perm_parse(t, strlen(t), &grants, err, errsz) != 0)
		goto fail;
	t = nz(rec->role_permissions);
	if (tg_perm_parse(t, strlen(t), &roles, err, errsz) != 0)
		goto fail;
	if (tg_perm_intersect(&grants, &roles, &eff) != 0)
		goto nomem;
	for (i = 0; i < eff.n; i++)
		tlen += strlen(eff.items[i]) + 1;
	t = nz(rec->api_rules);
	if (t[0] != '\0' && (api = tg_rules_compile(TG_RULES_API, t,
	    strlen(t), err, errsz)) == NULL)
		goto fail;
	t = nz(rec->resource_rules);
	if (t[0] != '\0' && (resource = tg_rules_compile(TG_RULES_RESOURCE,
	    t, strlen(t), err, errsz)) == NULL)
		goto fail;
	koff = offsetof(struct scope, cidrs) + ncidrs * sizeof *sc->cidrs;
	toff = koff + k->len;
	eoff = align8(toff + tlen);
	aoff = align8(eoff + (eff.n > 0 ? sizeof eff +
	    tg_perm_pack_size(&eff) : 0));
	roff = align8(aoff + tg_rules_size(api));
	size = roff + tg_rules_size(resource);
	if (size > UINT32_MAX || (sc = calloc(1, size)) == NULL)
		goto nomem;
	base = (char *)sc;
	sc->hash = hash;
	sc->user_enabled = rec->user_enabled != 0;
	sc->ncidrs = (unsigned char)ncidrs;
	memcpy(sc->cidrs, cidrs, ncidrs * sizeof *sc->cidrs);
	memcpy(base + koff, k->buf, k->len);
	sc->keylen = (uint32_t)k->len;
	sc->nl = k->nl;
	sc->envs = (uint32_t)(koff + k->off[T_ENVS]);
	if (tg_perm_join(&eff, ' ', base + toff, tlen) != 0)
		goto nomem;
	sc->text = (uint32_t)toff;
	if (eff.n > 0) {
		effp = (struct tg_perm_set *)(void *)(base + eoff);
		tg_perm_pack(&eff, effp + 1, effp);
		sc->effective = (uint32_t)eoff;
	}
	if (api != NULL) {
		tg_rules_copy(api, base + aoff);
		sc->api = (uint32_t)aoff;
	}
	if (resource != NULL) {
		tg_rules_copy(resource, base + roff);
		sc->resource = (uint32_t)roff;
	}
	tg_rules_free(api);
	tg_rules_free(resource);
	tg_perm_set_free(&grants);
	tg_perm_set_free(&roles);
	tg_perm_set_free(&eff);
	return sc;
nomem:
	snprintf(err, errsz, "out of memory");
fail:
	tg_rules_free(api);
	tg_rules_free(resource);
	tg_perm_set_free(&grants);
	tg_perm_set_free(&roles);
	tg_perm_set_free(&eff);
	scope_destroy(sc);
	return NULL;
}

/* The part of sc at offset off, or NULL for an absent (0) one. */
static const void *
part(const struct scope *sc, uint32_t off)
{
	return off != 0 ? (const char *)sc + off : NULL;
}

/* sc's compiled API and resource rules, NULL when there are none. */
static const struct tg_rules *
scope_api(const struct scope *sc)
{
	return part(sc, sc->api);
}

static const struct tg_rules *
scope_resource(const struct scope *sc)
{
	return part(sc, sc->resource);
}

/* sc's effective permission set; an empty one takes no room in sc. */
static const struct tg_perm_set *
scope_effective(const struct scope *sc)
{
	static const struct tg_perm_set empty = { NULL, 0 };

	return sc->effective != 0 ? part(sc, sc->effective) : &empty;
}

/* The key of sc, in its own block after the CIDRs. */
static const unsigned char *
scope_key(const struct scope *sc)
{
	return (const unsigned char *)(sc->cidrs + sc->ncidrs);
}

/* The interned scope with key k, or NULL.  Under intern.lock. */
static struct scope *
intern_find(const struct key *k, uint64_t hash)
{
	struct scope *sc;

	if (intern.nbuckets == 0)
		return NULL;
	for (sc = intern.buckets[hash & (intern.nbuckets - 1)]; sc != NULL;
	    sc = sc->hnext)
		if (sc->hash == hash && sc->keylen == k->len &&
		    sc->nl == k->nl &&
		    memcmp(scope_key(sc), k->buf, k->len) == 0 &&
		    tg_rules_same_text(scope_api(sc),
		    (const char *)k->buf + k->off[T_API], k->tlen[T_API]) &&
		    tg_rules_same_text(scope_resource(sc),
		    (const char *)k->buf + k->off[T_RESOURCE],
		    k->tlen[T_RESOURCE]))
			return sc;
	return NULL;
}

/*
 * Adds sc to the table, doubling the bucket array when it holds as many
 * scopes as buckets.  A failed growth only makes chains longer; only a
 * table without any array fails.  Under intern.lock.
 */
static int
intern_add(struct scope *sc)
{
	struct scope **nb, *e, *next;
	size_t nn, i, b;

	if (intern.n >= intern.nbuckets) {
		nn = intern.nbuckets == 0 ? INTERN_MIN : 2 * intern.nbuckets;
		nb = calloc(nn, sizeof *nb);
		if (nb == NULL && intern.nbuckets == 0)
			return -1;
		if (nb != NULL) {
			for (i = 0; i < intern.nbuckets; i++) {
				for (e = intern.buckets[i]; e != NULL;
				    e = next) {
					next = e->hnext;
					b = e->hash & (nn - 1);
					e->hnext = nb[b];
					nb[b] = e;
				}
			}
			free(intern.buckets);
			intern.buckets = nb;
			intern.nbuckets = nn;
		}
	}
	b = sc->hash & (intern.nbuckets - 1);
	sc->hnext = intern.buckets[b];
	intern.buckets[b] = sc;
	intern.n++;
	return 0;
}

/*
 * Finds or compiles the scope of rec and counts one more grant on it.
 * The compile runs outside the lock, so two threads missing on the same
 * new scope may both compile it; the second to lock takes the first one's
 * and throws its own away.
 */
static struct scope *
scope_get(const struct tg_record *rec, char *err, size_t errsz)
{
	struct scope *sc, *fresh;
	struct key k;
	uint64_t hash;

	if (pthread_once(&intern_once, intern_seed) != 0 || !intern_keyed) {
		snprintf(err, errsz, "no random key for the scope table");
		return NULL;
	}
	if (key_make(rec, &k, err, errsz) != 0)
		return NULL;
	hash = tg_siphash(intern_k0, intern_k1, k.buf, k.hlen);
	pthread_mutex_lock(&intern.lock);
	if ((sc = intern_find(&k, hash)) != NULL)
		sc->refs++;
	pthread_mutex_unlock(&intern.lock);
	if (sc != NULL) {
		free(k.buf);
		return sc;
	}
	fresh = scope_compile(rec, &k, hash, err, errsz);
	if (fresh == NULL) {
		free(k.buf);
		return NULL;
	}
	pthread_mutex_lock(&intern.lock);
	if ((sc = intern_find(&k, hash)) == NULL && intern_add(fresh) == 0)
		sc = fresh;
	if (sc != NULL)
		sc->refs++;
	pthread_mutex_unlock(&intern.lock);
	free(k.buf);
	if (sc != fresh)
		scope_destroy(fresh);
	if (sc == NULL)
		snprintf(err, errsz, "out of memory");
	return sc;
}

/* Counts one grant less on sc; the last one takes it out and frees it. */
static void
scope_put(struct scope *sc)
{
	struct scope **pp;

	pthread_mutex_lock(&intern.lock);
	if (--sc->refs > 0) {
		pthread_mutex_unlock(&intern.lock);
		return;
	}
	pp = &intern.buckets[sc->hash & (intern.nbuckets - 1)];
	while (*pp != sc)
		pp = &(*pp)->hnext;
	*pp = sc->hnext;
	if (--intern.n == 0) {
		free(intern.buckets);
		intern.buckets = NULL;
		intern.nbuckets = 0;
	}
	pthread_mutex_unlock(&intern.lock);
	scope_destroy(sc);
}

size_t
tg_grant_scope_count(void)
{
	size_t n;

	pthread_mutex_lock(&intern.lock);
	n = intern.n;
	pthread_mutex_unlock(&intern.lock);
	return n;
}

const void *
tg_grant_scope(const struct tg_grant *g)
{
	return g->scope;
}

struct tg_grant *
tg_grant_ref(const struct tg_grant *cg)
{
	/* The count is the one mutable part of an otherwise frozen grant. */
	struct tg_grant *g = (struct tg_grant *)(uintptr_t)cg;

	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
	return g;
}

void
tg_grant_free(const struct tg_grant *cg)
{
	struct tg_grant *g = (struct tg_grant *)(uintptr_t)cg;

	if (g == NULL)
		return;
	if (atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
		return;
	scope_put(g->scope);
	free(g);
}

struct tg_grant *
tg_grant_build(const struct tg_record *rec, char *err, size_t errsz)
{
	struct tg_grant *g;

	g = malloc(sizeof *g + (rec->has_prev ? sizeof g->prev[0] : 0));
	if (g == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if ((g->scope = scope_get(rec, err, errsz)) == NULL) {
		free(g);
		return NULL;
	}
	atomic_init(&g->refs, 1);
	g->has_prev = rec->has_prev != 0;
	g->revoked = rec->revoked_at != 0;
	memcpy(g->id, rec->id, sizeof g->id);
	g->expires_at = rec->expires_at;
	memcpy(g->hash, rec->hash, sizeof g->hash);
	if (g->has_prev) {
		g->prev[0].until = rec->prev_until;
		memcpy(g->prev[0].hash, rec->prev_hash, sizeof g->prev[0].hash);
	}
	return g;
}

const char *
tg_grant_id(const struct tg_grant *g)
{
	return g->id;
}

const char *
tg_grant_user(const struct tg_grant *g)
{
	return (const char *)scope_key(g->scope) + KEY_USER;
}

uint64_t
tg_grant_user_id(const struct tg_grant *g)
{
	uint64_t id;

	memcpy(&id, scope_key(g->scope), sizeof id);
	return id;
}

const char *
tg_grant_effective(const struct tg_grant *g)
{
	return (const char *)g->scope + g->scope->text;
}

const struct tg_perm_set *
tg_grant_effective_set(const struct tg_grant *g)
{
	return scope_effective(g->scope);
}

const char *
tg_grant_rule_text(const struct tg_grant *g, int kind, long i)
{
	const struct tg_rules *r = kind == 1 ? scope_api(g->scope) :
	    scope_resource(g->scope);

	if (r == NULL || i < 0 || (size_t)i >= tg_rules_count(r))
		return "";
	return tg_rules_text(r, (size_t)i);
}

enum tg_grant_secret
tg_grant_secret(const struct tg_grant *g,
    const unsigned char presented[TG_HMAC_LEN], int64_t now)
{
	if (tg_hmac_equal(g->hash, presented))
		return TG_GRANT_CURRENT;
	if (g->has_prev && now < g->prev[0].until &&
	    tg_hmac_equal(g->prev[0].hash, presented))
		return TG_GRANT_PREVIOUS;
	return TG_GRANT_NO_SECRET;
}

int
tg_grant_in_grace(const struct tg_grant *g)
{
	return g->has_prev;
}

int
tg_grant_revoked(const struct tg_grant *g)
{
	return g->revoked;
}

int64_t
tg_grant_expires_at(const struct tg_grant *g)
{
	return g->expires_at;
}

int
tg_grant_user_enabled(const struct tg_grant *g)
{
	return g->scope->user_enabled;
}

int
tg_grant_ip_allowed(const struct tg_grant *g, const char *addr)
{
	size_t i;

	if (g->scope->ncidrs == 0)
		return 1;
	if (addr == NULL)
		return 0;
	for (i = 0; i < g->scope->ncidrs; i++)
		if (tg_cidr_match(&g->scope->cidrs[i], addr))
			return 1;
	return 0;
}

const char *
tg_grant_environments(const struct tg_grant *g)
{
	return (const char *)g->scope + g->scope->envs;
}

const struct tg_rules *
tg_grant_api_rules(const struct tg_grant *g)
{
	return scope_api(g->scope);
}

const struct tg_rules *
tg_grant_resource_rules(const struct tg_grant *g)
{
	return scope_resource(g->scope);
}
