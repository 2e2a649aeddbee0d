/*
 * hmac.h: the keyed hash that is all the database ever sees of a token.
 *
 * HMAC-SHA256(server key, raw token).  The key lives in a file outside the
 * database, so a dump of the tokens table alone cannot be used to check
 * guesses.  A random 190-bit secret needs no slow password hash.
 */
#ifndef TG_HMAC_H
#define TG_HMAC_H

#include <stddef.h>

#define TG_HMAC_LEN		32
#define TG_HMAC_KEY_MIN		32
#define TG_HMAC_KEY_MAX		4096

/*
 * The server key and the fetched HMAC algorithm.  Loaded once at start-up,
 * then read-only: safe to share between threads.
 */
struct tg_hmac_key;

/*
 * Per-thread hashing context bound to a key.  Not thread-safe: each worker
 * thread owns one.
 */
struct tg_hmac;

/*
 * Reads the key file at path.  Refuses a file that is not a regular file,
 * is a symlink, is readable or writable by group or others, or holds fewer
 * than TG_HMAC_KEY_MIN bytes.  Returns a new key (free with
 * tg_hmac_key_free) or NULL with err filled in.
 */
struct tg_hmac_key *tg_hmac_key_load(const char *path, char *err,
	    size_t errsz);

/* Wipes and frees key.  key may be NULL. */
void	tg_hmac_key_free(struct tg_hmac_key *key);

/*
 * Writes a new key file of 32 random bytes at path with mode 0600.  Never
 * overwrites an existing file.  Returns 0, or -1 with err filled in.
 */
int	tg_hmac_keygen(const char *path, char *err, size_t errsz);

/* Creates a context for key (which must outlive it).  NULL on failure. */
struct tg_hmac *tg_hmac_new(const struct tg_hmac_key *key);

/* Frees h.  h may be NULL. */
void	tg_hmac_free(struct tg_hmac *h);

/* out = HMAC-SHA256(key, data).  Returns 0, or -1 on an OpenSSL error. */
int	tg_hmac_compute(struct tg_hmac *h, const void *data, size_t len,
	    unsigned char out[TG_HMAC_LEN]);

/* Constant-time comparison of two digests: 1 when equal. */
int	tg_hmac_equal(const unsigned char a[TG_HMAC_LEN],
	    const unsigned char b[TG_HMAC_LEN]);

#endif /* TG_HMAC_H */
