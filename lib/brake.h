/*
 * brake.h: the brute-force brake.
 *
 * After max_failures failed validations (malformed tokens, unknown ids,
 * wrong secrets) from one client within window seconds, that client gets
 * 429 without any hash or database work until its window ends.  A client
 * is an IPv4 address or an IPv6 /64, since one host commonly holds a whole
 * /64.  Memory is bounded by a fixed table; when a neighbourhood of it is
 * full, the entry with the oldest window is replaced, so a flood of
 * addresses can only push out other addresses, never grow memory.
 * Thread-safe.
 */
#ifndef TG_BRAKE_H
#define TG_BRAKE_H

#include <stddef.h>
#include <stdint.h>

struct tg_brake;

/* slots is rounded up to a power of two.  NULL on ENOMEM or bad args. */
struct tg_brake *tg_brake_new(size_t slots, unsigned max_failures,
	    unsigned window_s);
void	tg_brake_free(struct tg_brake *b);	/* b may be NULL */

/*
 * Returns 0 when addr may try, or the seconds until it may try again.
 * An address that does not parse is its own client (the text is hashed).
 */
unsigned tg_brake_check(struct tg_brake *b, const char *addr, int64_t now);

/* Counts one failed validation from addr at now. */
void	tg_brake_fail(struct tg_brake *b, const char *addr, int64_t now);

#endif /* TG_BRAKE_H */
