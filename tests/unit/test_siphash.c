/*
 * Unit tests for lib/siphash: known answers, then agreement with OpenSSL's
 * own SipHash-2-4 (EVP_MAC "SIPHASH", an independent implementation) for
 * every length from 0 to 256 and keys that exercise both halves.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "siphash.h"
#include "tg_test.h"

/* The key 00 01 .. 0f of the SipHash paper, read little-endian. */
#define K0	0x0706050403020100ULL
#define K1	0x0f0e0d0c0b0a0908ULL

static int
openssl_siphash(const unsigned char key[16], const unsigned char *data,
    size_t len, uint64_t *out)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	unsigned char buf[8];
	size_t outl = 0, i;
	unsigned int size = 8;
	OSSL_PARAM p[2];
	int ok = 0;

	p[0] = OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size);
	p[1] = OSSL_PARAM_construct_end();
	if (ctx != NULL && EVP_MAC_init(ctx, key, 16, p) == 1 &&
	    EVP_MAC_update(ctx, data, len) == 1 &&
	    EVP_MAC_final(ctx, buf, &outl, sizeof buf) == 1 && outl == 8) {
		*out = 0;
		for (i = 0; i < 8; i++)
			*out |= (uint64_t)buf[i] << (8 * i);
		ok = 1;
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok;
}

int
main(void)
{
	unsigned char msg[256], key[16];
	uint64_t want, k0, k1;
	size_t i, n, bad = 0, tried = 0;

	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	/* The reference vectors: the first of vectors.h, and the paper's. */
	TG_CHECK(tg_siphash(K0, K1, msg, 0) == 0x726fdb47dd0e0e31ULL,
	    "empty message");
	TG_CHECK(tg_siphash(K0, K1, msg, 15) == 0xa129ca6149be45e5ULL,
	    "the paper's 15-byte example");
	TG_CHECK(tg_siphash(K0, K1, msg, 1) != tg_siphash(K0, K1, msg, 0),
	    "length matters");
	/* Every length, three keys, against OpenSSL. */
	for (k0 = K0, k1 = K1; tried < 3 * 257; k0 = k0 * 6364136223846793005ULL
	    + 1, k1 ^= k0 >> 7) {
		for (i = 0; i < 8; i++) {
			key[i] = (unsigned char)(k0 >> (8 * i));
			key[8 + i] = (unsigned char)(k1 >> (8 * i));
		}
		for (n = 0; n <= 256; n++, tried++) {
			if (!openssl_siphash(key, msg, n, &want)) {
				TG_CHECK(0, "OpenSSL SipHash unavailable");
				return tg_test_done("test_siphash");
			}
			if (tg_siphash(k0, k1, msg, n) != want)
				bad++;
		}
	}
	TG_CHECK(bad == 0, "%zu of %zu lengths and keys disagree with OpenSSL",
	    bad, tried);
	return tg_test_done("test_siphash");
}
