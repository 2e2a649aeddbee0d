/*
 * siphash.h: SipHash-2-4, the keyed hash behind every table whose keys an
 * outsider can choose.
 *
 * Token ids (the cache) and token scopes (lib/grant's intern table) are
 * picked by clients and token owners.  With an unkeyed hash they could aim
 * many keys at one bucket and turn every lookup under a process-wide mutex
 * into a long chain walk; under a random key chosen at start-up they
 * cannot predict where a key lands.
 *
 * Why our own and not OpenSSL's (EVP_MAC "SIPHASH"), which the programs
 * link anyway: a lookup hashes a 12-byte id, and through EVP that needs a
 * context per call (EVP_MAC_CTX_dup or EVP_MAC_init, update, final),
 * about 70 ns against 15 to 20 ns here on the build machine, four to
 * five times more on the path of every cached decision.  The 40 lines
 * are checked against the reference vectors of the SipHash paper
 * (tests/unit/test_siphash.c).
 */
#ifndef TG_SIPHASH_H
#define TG_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * SipHash-2-4 of data (len bytes) under the 128-bit key (k0, k1), reading
 * the key and the data little-endian as the reference does.  Pure and
 * thread-safe.
 */
uint64_t tg_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len);

#endif /* TG_SIPHASH_H */
