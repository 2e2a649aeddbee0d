/*
 * cidr.c: parsing and matching IPv4/IPv6 prefixes for token allowlists.
 *
 * Address syntax is left to inet_pton(), which is strict (no leading zeros
 * in IPv4 octets, no zone ids, exactly one form per address) and
 * thread-safe; this file only adds the prefix, the "host bits set" check
 * and the IPv4-mapped handling.  The check for host bits exists because
 * "10.0.0.1/8" is nearly always a mistake for either "10.0.0.0/8" or
 * "10.0.0.1/32", and guessing which one was meant is not ours to do: we
 * refuse it and suggest the network.
 *
 * Stored lists are re-parsed at every match.  That costs a few hundred
 * nanoseconds per line, keeps no state, and means a list that got corrupt
 * in the database is noticed (and fails closed) instead of half-applied.
 */
#include "cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static const unsigned char mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Returns 1 when the first prefix bits of a and b agree. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xFF << (8 - rest));
	return ((a[full] ^ b[full]) & mask) == 0;
}

/* Clears the bits of a (alen bytes) beyond the first prefix bits. */
static void
clear_host_bits(unsigned char *a, size_t alen, unsigned prefix)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (prefix >= 8) {
			prefix -= 8;
			continue;
		}
		a[i] &= (unsigned char)(0xFF << (8 - prefix));
		prefix = 0;
	}
}

static int
is_cidr_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == '.' || c == ':' || c == '/';
}

int
tg_cidr_parse(const char *s, size_t len, struct tg_cidr *out, char *err,
    size_t errsz)
{
	char buf[TG_CIDR_TEXT_MAX], net[INET6_ADDRSTRLEN];
	unsigned char masked[16];
	const char *p;
	char *slash;
	size_t i, plen;
	unsigned maxp, prefix;
	int family;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	memset(out, 0, sizeof *out);
	if (s == NULL || len == 0) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "empty address");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_cidr_char(c))
			continue;
		if (err == NULL || errsz == 0)
			return -1;
		if (c >= 0x20 && c < 0x7F)
			snprintf(err, errsz, "unexpected character '%c' at "
			    "offset %zu", c, i);
		else
			snprintf(err, errsz, "unexpected byte 0x%02x at offset "
			    "%zu", c, i);
		return -1;
	}
	/* From here on s holds only [0-9a-fA-F.:/], safe to echo. */
	if (len >= sizeof buf) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "\"%.*s...\": too long for an "
			    "address", 40, s);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	maxp = family == AF_INET ? 32 : 128;
	prefix = maxp;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		p = slash + 1;
		plen = strlen(p);
		for (i = 0; i < plen; i++)
			if (p[i] < '0' || p[i] > '9')
				break;
		if (plen == 0 || i < plen) {
			if (err != NULL && errsz > 0)
				snprintf(err, errsz, "\"%.*s\": the prefix "
				    "after '/' must be a number", (int)len, s);
			return -1;
		}
		if (plen > 1 && p[0] == '0') {
			if (err != NULL && errsz > 0)
				snprintf(err, errsz, "\"%.*s\": leading zero in "
				    "the prefix", (int)len, s);
			return -1;
		}
		prefix = 0;
		for (i = 0; i < plen && prefix <= maxp; i++)
			prefix = prefix * 10 + (unsigned)(p[i] - '0');
		if (prefix > maxp) {
			if (err != NULL && errsz > 0)
				snprintf(err, errsz, "\"%.*s\": the prefix must "
				    "be 0 to %u for %s", (int)len, s, maxp,
				    family == AF_INET ? "IPv4" : "IPv6");
			return -1;
		}
	}
	if (inet_pton(family, buf, out->addr) != 1) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "\"%.*s\": not an IPv4 or IPv6 "
			    "address", (int)len, s);
		memset(out, 0, sizeof *out);
		return -1;
	}
	memcpy(masked, out->addr, sizeof masked);
	clear_host_bits(masked, addr_len(family), prefix);
	if (memcmp(masked, out->addr, addr_len(family)) != 0) {
		if (err != NULL && errsz > 0) {
			if (inet_ntop(family, masked, net, sizeof net) == NULL)
				net[0] = '\0';
			snprintf(err, errsz, "\"%.*s\": host bits set beyond "
			    "/%u (did you mean %s/%u?)", (int)len, s, prefix,
			    net, prefix);
		}
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->family = family;
	out->prefix = prefix;
	return 0;
}

static int
cidr_valid(const struct tg_cidr *c)
{
	return c != NULL &&
	    ((c->family == AF_INET && c->prefix <= 32) ||
	    (c->family == AF_INET6 && c->prefix <= 128));
}

int
tg_cidr_format(const struct tg_cidr *c, char *out, size_t outsz)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (!cidr_valid(c) || inet_ntop(c->family, c->addr, a, sizeof a) ==
	    NULL)
		return -1;
	n = snprintf(out, outsz, "%s/%u", a, c->prefix);
	if (n < 0 || (size_t)n >= outsz) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Makes an IPv4-mapped IPv6 network of /96 or longer the IPv4 network it
 * denotes; any other network is left alone.
 */
static void
unmap(struct tg_cidr *c)
{
	if (c->family == AF_INET6 && c->prefix >= 96 &&
	    memcmp(c->addr, mapped_prefix, sizeof mapped_prefix) == 0) {
		memmove(c->addr, c->addr + 12, 4);
		memset(c->addr + 4, 0, 12);
		c->family = AF_INET;
		c->prefix -= 96;
	}
}

int
tg_cidr_addr(const char *addr, unsigned char out[16])
{
	if (addr == NULL)
		return 0;
	if (strchr(addr, ':') == NULL)
		return inet_pton(AF_INET, addr, out) == 1 ? AF_INET : 0;
	if (inet_pton(AF_INET6, addr, out) != 1)
		return 0;
	if (memcmp(out, mapped_prefix, sizeof mapped_prefix) != 0)
		return AF_INET6;
	memmove(out, out + 12, 4);
	return AF_INET;
}

int
tg_cidr_match(const struct tg_cidr *c, const char *addr)
{
	unsigned char a[16];
	struct tg_cidr net;

	if (!cidr_valid(c))
		return 0;
	net = *c;
	unmap(&net);
	if (tg_cidr_addr(addr, a) != net.family)
		return 0;
	return prefix_equal(a, net.addr, net.prefix);
}

int
tg_cidr_next(const char **p, struct tg_cidr *c)
{
	const char *e;
	char why[128];

	if (**p == '\0')
		return 0;
	e = strchr(*p, '\n');
	if (e == NULL)
		e = *p + strlen(*p);
	if (tg_cidr_parse(*p, (size_t)(e - *p), c, why, sizeof why) != 0)
		return -1;
	*p = *e == '\n' ? e + 1 : e;
	unmap(c);
	return 1;
}

int
tg_cidr_inside(const struct tg_cidr *in, const struct tg_cidr *out)
{
	return in->family == out->family && in->prefix >= out->prefix &&
	    prefix_equal(in->addr, out->addr, out->prefix);
}

/*
 * Parses every line of list; returns -1 (with err set when err is not
 * NULL) at the first bad one, else 1 when addr (if not NULL) matched any
 * line and 0 otherwise.
 */
static int
list_walk(const char *list, size_t len, const char *addr, char *err,
    size_t errsz)
{
	struct tg_cidr c;
	char why[256];
	const char *nl;
	size_t start = 0, end, line = 0;
	int hit = 0;

	if (list == NULL)
		len = 0;
	while (start < len) {
		line++;
		nl = memchr(list + start, '\n', len - start);
		end = nl != NULL ? (size_t)(nl - list) : len;
		if (tg_cidr_parse(list + start, end - start, &c, why,
		    sizeof why) < 0) {
			if (err != NULL && errsz > 0)
				snprintf(err, errsz, "line %zu: %s", line,
				    end == start ? "empty line" : why);
			return -1;
		}
		if (addr != NULL && tg_cidr_match(&c, addr))
			hit = 1;
		start = end + 1;
	}
	return hit;
}

int
tg_cidr_list_match(const char *list, size_t len, const char *addr)
{
	return list_walk(list, len, addr, NULL, 0);
}

int
tg_cidr_list_check(const char *list, size_t len, char *err, size_t errsz)
{
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	return list_walk(list, len, NULL, err, errsz) < 0 ? -1 : 0;
}
