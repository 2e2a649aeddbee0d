/*
 * cidr.h: IPv4 and IPv6 address allowlists for tokens.
 *
 * A stored list holds one CIDR per line ("10.0.0.0/8", "2001:db8::/32"),
 * '\n'-separated, with an optional trailing newline.  A bare address means
 * a single host (/32 or /128).  Parsing is strict, because a typo in an
 * allowlist silently locks a client out or lets a network in: host bits
 * set beyond the prefix ("10.0.0.1/8"), leading zeros in the prefix or an
 * octet, whitespace, zone ids ("fe80::1%eth0") and prefixes out of range
 * are all errors.
 *
 * Client addresses in IPv4-mapped IPv6 form ("::ffff:10.1.2.3", which
 * dual-stack servers report for IPv4 clients) are treated as the IPv4
 * address, and a CIDR written in that form with a prefix of at least 96
 * ("::ffff:10.0.0.0/104") as the IPv4 CIDR it denotes.  Other IPv6 CIDRs,
 * even "::/0", match IPv6 clients only.
 */
#ifndef TG_CIDR_H
#define TG_CIDR_H

#include <stddef.h>
#include <sys/socket.h>

#define TG_CIDR_TEXT_MAX	64	/* room for any CIDR as text, NUL too */

/* A parsed CIDR; a plain value that may be copied freely. */
struct tg_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];	/* network order; 4 bytes for IPv4 */
	unsigned	prefix;		/* 0..32 or 0..128 */
};

/*
 * Parses s (len bytes, need not be NUL-terminated) into *out.  Returns 0,
 * or -1 with err set, e.g. `"10.0.0.1/8": host bits set beyond /8 (did
 * you mean 10.0.0.0/8?)`.  Pure and thread-safe.
 */
int	tg_cidr_parse(const char *s, size_t len, struct tg_cidr *out,
	    char *err, size_t errsz);

/*
 * Writes c in its canonical text form, always with the prefix
 * ("2001:db8::/32"), into out (outsz bytes; TG_CIDR_TEXT_MAX is enough).
 * Returns 0, or -1 when out is too small or c is not valid.  Use it to
 * store what tg_cidr_parse() accepted.  Thread-safe.
 */
int	tg_cidr_format(const struct tg_cidr *c, char *out, size_t outsz);

/*
 * Returns 1 when addr (REMOTE_ADDR text, NUL-terminated) lies inside c,
 * and 0 when it does not or does not parse.  Thread-safe.
 */
int	tg_cidr_match(const struct tg_cidr *c, const char *addr);

/*
 * Parses a client address (REMOTE_ADDR text, NUL-terminated) into out.
 * An IPv4-mapped IPv6 address ("::ffff:10.1.2.3") is the IPv4 address it
 * denotes.  Returns AF_INET (the first 4 bytes of out set), AF_INET6 (all
 * 16), or 0 when addr is NULL or not an address.  Thread-safe.
 */
int	tg_cidr_addr(const char *addr, unsigned char out[16]);

/*
 * Reads the CIDR on the line at *p of a stored list (NUL-terminated) and
 * moves *p past it.  An IPv4-mapped IPv6 network of /96 or longer comes
 * out as the IPv4 network it denotes, as tg_cidr_match() treats it, so
 * that tg_cidr_inside() compares like with like.  Returns 1, 0 at the
 * end of the list, or -1 when the line does not parse.  Thread-safe.
 */
int	tg_cidr_next(const char **p, struct tg_cidr *c);

/*
 * Returns 1 when network in lies inside network out: the same family, a
 * prefix at least as long, and the same first out->prefix bits.  Compare
 * networks as tg_cidr_next() gives them.  Thread-safe.
 */
int	tg_cidr_inside(const struct tg_cidr *in, const struct tg_cidr *out);

/*
 * Returns 1 when addr lies inside any CIDR of the stored list (len bytes),
 * 0 when it lies in none or the list is empty, and -1 when any line of the
 * list does not parse, even if another line matched: a corrupt list must
 * fail closed.  An empty list means "no restriction", which is the
 * caller's to decide; check len first.  Thread-safe.
 */
int	tg_cidr_list_match(const char *list, size_t len, const char *addr);

/*
 * Validates a list before it is stored.  Returns 0, or -1 with err set,
 * as in `line 2: "10.0.0.1/8": host bits set beyond /8 (did you mean
 * 10.0.0.0/8?)`.  Pure and thread-safe.
 */
int	tg_cidr_list_check(const char *list, size_t len, char *err,
	    size_t errsz);

#endif /* TG_CIDR_H */
