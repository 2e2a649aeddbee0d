/*
 * hmac.c: key file handling and HMAC-SHA256 with OpenSSL 3.
 *
 * OpenSSL 3 looks an algorithm up under a lock every time EVP_sha256() or
 * HMAC() is called; that costs several hundred nanoseconds and scales badly
 * across threads.  So the MAC is fetched once with the key, each thread
 * keeps its own EVP_MAC_CTX with the key already set, and a request only
 * re-initialises that context (a NULL key keeps the one it has).
 */
#include "hmac.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

struct tg_hmac_key {
	EVP_MAC		*mac;
	unsigned char	*bytes;
	size_t		 len;
};

struct tg_hmac {
	EVP_MAC_CTX	*ctx;
};

struct tg_hmac_key *
tg_hmac_key_load(const char *path, char *err, size_t errsz)
{
	struct tg_hmac_key *key = NULL;
	struct stat st;
	ssize_t n;
	size_t have = 0;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errsz, "key file %s: %s%s", path,
		    strerror(errno), errno == ELOOP ?
		    " (symlinks are refused)" : "");
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errsz, "key file %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "key file %s is not a regular file", path);
		goto fail;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errsz, "key file %s has mode %04o: it must not be "
		    "accessible by group or others (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto fail;
	}
	if (st.st_size < TG_HMAC_KEY_MIN || st.st_size > TG_HMAC_KEY_MAX) {
		snprintf(err, errsz, "key file %s holds %lld bytes; it must hold "
		    "%d to %d random bytes (create one with 'tokengate keygen')",
		    path, (long long)st.st_size, TG_HMAC_KEY_MIN,
		    TG_HMAC_KEY_MAX);
		goto fail;
	}
	key = calloc(1, sizeof *key);
	if (key == NULL || (key->bytes = malloc((size_t)st.st_size)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	while (have < (size_t)st.st_size) {
		n = read(fd, key->bytes + have, (size_t)st.st_size - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errsz, "key file %s: short read", path);
			goto fail;
		}
		have += (size_t)n;
	}
	key->len = have;
	key->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (key->mac == NULL) {
		snprintf(err, errsz, "OpenSSL has no HMAC implementation");
		goto fail;
	}
	close(fd);
	return key;
fail:
	close(fd);
	tg_hmac_key_free(key);
	return NULL;
}

void
tg_hmac_key_free(struct tg_hmac_key *key)
{
	if (key == NULL)
		return;
	if (key->bytes != NULL) {
		OPENSSL_cleanse(key->bytes, key->len);
		free(key->bytes);
	}
	EVP_MAC_free(key->mac);
	free(key);
}

int
tg_hmac_keygen(const char *path, char *err, size_t errsz)
{
	unsigned char buf[TG_HMAC_KEY_MIN];
	ssize_t n;
	int fd, rc = -1;

	if (RAND_bytes(buf, sizeof buf) != 1) {
		snprintf(err, errsz, "RAND_bytes failed");
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		snprintf(err, errsz, "%s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (refusing to overwrite a key: every "
		    "token hashed with it would stop working)" : "");
		goto out;
	}
	/* The umask may have removed bits but never adds any; be explicit. */
	if (fchmod(fd, 0600) == -1) {
		snprintf(err, errsz, "%s: chmod: %s", path, strerror(errno));
		goto out_unlink;
	}
	n = write(fd, buf, sizeof buf);
	if (n != (ssize_t)sizeof buf || fsync(fd) == -1) {
		snprintf(err, errsz, "%s: write failed: %s", path,
		    strerror(errno));
		goto out_unlink;
	}
	rc = 0;
	goto out;
out_unlink:
	unlink(path);
out:
	if (fd != -1)
		close(fd);
	OPENSSL_cleanse(buf, sizeof buf);
	return rc;
}

struct tg_hmac *
tg_hmac_new(const struct tg_hmac_key *key)
{
	OSSL_PARAM params[2];
	struct tg_hmac *h;

	h = calloc(1, sizeof *h);
	if (h == NULL)
		return NULL;
	h->ctx = EVP_MAC_CTX_new(key->mac);
	if (h->ctx == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(h->ctx, key->bytes, key->len, params) != 1)
		goto fail;
	return h;
fail:
	tg_hmac_free(h);
	return NULL;
}

void
tg_hmac_free(struct tg_hmac *h)
{
	if (h == NULL)
		return;
	EVP_MAC_CTX_free(h->ctx);
	free(h);
}

int
tg_hmac_compute(struct tg_hmac *h, const void *data, size_t len,
    unsigned char out[TG_HMAC_LEN])
{
	size_t outl = 0;

	/* A NULL key re-initialises with the key the context already has. */
	if (EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(h->ctx, data, len) != 1 ||
	    EVP_MAC_final(h->ctx, out, &outl, TG_HMAC_LEN) != 1 ||
	    outl != TG_HMAC_LEN)
		return -1;
	return 0;
}

int
tg_hmac_equal(const unsigned char a[TG_HMAC_LEN],
    const unsigned char b[TG_HMAC_LEN])
{
	return CRYPTO_memcmp(a, b, TG_HMAC_LEN) == 0;
}
