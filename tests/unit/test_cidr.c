/*
 * test_cidr.c: CIDR parsing (with its error messages), matching of client
 * addresses including IPv4-mapped ones, and stored lists failing closed.
 */
#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "tg_test.h"

struct parse_row {
	const char	*in;
	const char	*want;		/* canonical form, or NULL: error */
	const char	*err;
};

static const struct parse_row parse_rows[] = {
	{ "10.0.0.0/8", "10.0.0.0/8", NULL },
	{ "10.1.2.3", "10.1.2.3/32", NULL },
	{ "10.1.2.3/32", "10.1.2.3/32", NULL },
	{ "0.0.0.0/0", "0.0.0.0/0", NULL },
	{ "192.168.1.128/25", "192.168.1.128/25", NULL },
	{ "2001:db8::/32", "2001:db8::/32", NULL },
	{ "2001:DB8::/32", "2001:db8::/32", NULL },
	{ "2001:0db8:0000::/48", "2001:db8::/48", NULL },
	{ "::1", "::1/128", NULL },
	{ "::/0", "::/0", NULL },
	{ "::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104", NULL },
	{ "fe80::/10", "fe80::/10", NULL },
	{ "10.0.0.1/8", NULL, "\"10.0.0.1/8\": host bits set beyond /8 (did "
	    "you mean 10.0.0.0/8?)" },
	{ "192.168.1.1/24", NULL, "\"192.168.1.1/24\": host bits set beyond "
	    "/24 (did you mean 192.168.1.0/24?)" },
	{ "2001:db8::1/32", NULL, "\"2001:db8::1/32\": host bits set beyond "
	    "/32 (did you mean 2001:db8::/32?)" },
	{ "10.0.0.0/33", NULL, "\"10.0.0.0/33\": the prefix must be 0 to 32 "
	    "for IPv4" },
	{ "::/129", NULL, "\"::/129\": the prefix must be 0 to 128 for IPv6" },
	{ "10.0.0.0/99999999999", NULL, "\"10.0.0.0/99999999999\": the "
	    "prefix must be 0 to 32 for IPv4" },
	{ "10.0.0.0/08", NULL, "\"10.0.0.0/08\": leading zero in the "
	    "prefix" },
	{ "10.0.0.0/00", NULL, "\"10.0.0.0/00\": leading zero in the "
	    "prefix" },
	{ "10.0.0.0/", NULL, "\"10.0.0.0/\": the prefix after '/' must be a "
	    "number" },
	{ "10.0.0.0/8/8", NULL, "\"10.0.0.0/8/8\": the prefix after '/' must "
	    "be a number" },
	{ "10.0.0.0/-8", NULL, "unexpected character '-' at offset 9" },
	{ "10.0.0.0/+8", NULL, "unexpected character '+' at offset 9" },
	{ "10.0.0.0 /8", NULL, "unexpected character ' ' at offset 8" },
	{ " 10.0.0.0/8", NULL, "unexpected character ' ' at offset 0" },
	{ "10.0.0.0/8\r", NULL, "unexpected byte 0x0d at offset 10" },
	{ "fe80::1%eth0", NULL, "unexpected character '%' at offset 7" },
	{ "localhost", NULL, "unexpected character 'l' at offset 0" },
	{ "010.0.0.1", NULL, "\"010.0.0.1\": not an IPv4 or IPv6 address" },
	{ "10.0.0", NULL, "\"10.0.0\": not an IPv4 or IPv6 address" },
	{ "10.0.0.256", NULL, "\"10.0.0.256\": not an IPv4 or IPv6 address" },
	{ "10.0.0.0.0", NULL, "\"10.0.0.0.0\": not an IPv4 or IPv6 address" },
	{ "1::2::3", NULL, "\"1::2::3\": not an IPv4 or IPv6 address" },
	{ "abc", NULL, "\"abc\": not an IPv4 or IPv6 address" },
	{ "/8", NULL, "\"/8\": not an IPv4 or IPv6 address" },
	{ "", NULL, "empty address" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd/128",
	    NULL,
	    "\"1111:2222:3333:4444:5555:6666:7777:8888:...\": too long for an "
	    "address" },
};

struct match_row {
	const char	*cidr, *addr;
	int		 want;
};

static const struct match_row match_rows[] = {
	{ "10.0.0.0/8", "10.1.2.3", 1 },
	{ "10.0.0.0/8", "11.1.2.3", 0 },
	{ "10.0.0.0/8", "10.255.255.255", 1 },
	{ "192.168.1.128/25", "192.168.1.127", 0 },
	{ "192.168.1.128/25", "192.168.1.128", 1 },
	{ "192.168.1.128/25", "192.168.1.255", 1 },
	{ "10.1.2.3", "10.1.2.3", 1 },
	{ "10.1.2.3", "10.1.2.4", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "0.0.0.0/0", "2001:db8::1", 0 },
	{ "10.0.0.0/8", "::ffff:10.1.2.3", 1 },
	{ "10.0.0.0/8", "::FFFF:10.1.2.3", 1 },
	{ "10.0.0.0/8", "::ffff:a01:203", 1 },
	{ "10.0.0.0/8", "::ffff:11.1.2.3", 0 },
	{ "10.0.0.0/8", "::10.1.2.3", 0 },
	{ "10.0.0.0/8", "64:ff9b::10.1.2.3", 0 },
	{ "::ffff:10.0.0.0/104", "10.1.2.3", 1 },
	{ "::ffff:10.0.0.0/104", "::ffff:10.1.2.3", 1 },
	{ "::ffff:10.0.0.0/104", "11.1.2.3", 0 },
	{ "::ffff:0.0.0.0/96", "192.0.2.1", 1 },
	{ "2001:db8::/32", "2001:db8:1::5", 1 },
	{ "2001:db8::/32", "2001:db9::5", 0 },
	{ "2001:db8::/33", "2001:db8:8000::", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::", 1 },
	{ "::1", "::1", 1 },
	{ "::1", "::2", 0 },
	{ "::/0", "2001:db8::1", 1 },
	{ "::/0", "10.1.2.3", 0 },
	{ "::/0", "::ffff:10.1.2.3", 0 },
	{ "fe80::/10", "fe80::1%eth0", 0 },
	{ "10.0.0.0/8", "", 0 },
	{ "10.0.0.0/8", "10.1.2.3 ", 0 },
	{ "10.0.0.0/8", "010.1.2.3", 0 },
	{ "10.0.0.0/8", "10.1.2.3:8080", 0 },
	{ "10.0.0.0/8", "garbage", 0 },
};

struct list_row {
	const char	*list, *addr;
	int		 want;
};

static const struct list_row list_rows[] = {
	{ "", "10.1.2.3", 0 },
	{ "10.0.0.0/8", "10.1.2.3", 1 },
	{ "10.0.0.0/8\n", "10.1.2.3", 1 },
	{ "192.168.0.0/16\n10.0.0.0/8", "10.1.2.3", 1 },
	{ "192.168.0.0/16\n10.0.0.0/8\n", "172.16.0.1", 0 },
	{ "192.168.0.0/16\n2001:db8::/32", "2001:db8::7", 1 },
	{ "192.168.0.0/16\n2001:db8::/32", "::ffff:192.168.3.4", 1 },
	/* Corrupt lists fail closed, even when another line matches. */
	{ "10.0.0.0/8\nbogus", "10.1.2.3", -1 },
	{ "bogus\n10.0.0.0/8", "10.1.2.3", -1 },
	{ "10.0.0.0/8\n\n192.168.0.0/16", "10.1.2.3", -1 },
	{ "\n", "10.1.2.3", -1 },
	{ "10.0.0.0/8\r\n", "10.1.2.3", -1 },
	{ "10.0.0.1/8", "10.0.0.1", -1 },
	{ "10.0.0.0/8", NULL, 0 },
};

static void
run_parse_rows(void)
{
	struct tg_cidr c;
	char err[256], text[TG_CIDR_TEXT_MAX], ctx[128];
	size_t i;

	for (i = 0; i < sizeof parse_rows / sizeof parse_rows[0]; i++) {
		const struct parse_row *p = &parse_rows[i];
		int rc;

		snprintf(ctx, sizeof ctx, "parse row %zu \"%s\"", i, p->in);
		rc = tg_cidr_parse(p->in, strlen(p->in), &c, err, sizeof err);
		if (p->want != NULL) {
			TG_CHECK(rc == 0, "%s: %s", ctx, err);
			TG_CHECK_INT(tg_cidr_format(&c, text, sizeof text), 0,
			    ctx);
			TG_CHECK_STR(text, p->want, ctx);
			/* The canonical form parses to the same value. */
			TG_CHECK_INT(tg_cidr_parse(text, strlen(text), &c, err,
			    sizeof err), 0, ctx);
		} else {
			TG_CHECK_INT(rc, -1, ctx);
			TG_CHECK_STR(err, p->err, ctx);
			TG_CHECK_INT(c.family, 0, ctx);
		}
	}
	/* len is honoured, and the byte after it is never read. */
	TG_CHECK_INT(tg_cidr_parse("10.0.0.0/8junk", 10, &c, err, sizeof err),
	    0, "len");
	TG_CHECK_INT(tg_cidr_parse("10.0.0.0\0/8", 11, &c, err, sizeof err),
	    -1, "NUL");
	TG_CHECK_STR(err, "unexpected byte 0x00 at offset 8", "NUL");
	TG_CHECK_INT(tg_cidr_parse(NULL, 0, &c, NULL, 0), -1, "NULL");
	TG_CHECK_INT(tg_cidr_format(&c, text, 5), -1, "format short");
	TG_CHECK_INT(tg_cidr_parse("10.0.0.0/8", 10, &c, err, sizeof err), 0,
	    "format");
	TG_CHECK_INT(tg_cidr_format(&c, text, 11), 0, "format exact");
	TG_CHECK_INT(tg_cidr_format(&c, text, 10), -1, "format one short");
	TG_CHECK_STR(text, "", "format one short");
}

static void
run_match_rows(void)
{
	struct tg_cidr c;
	char err[256], ctx[128];
	size_t i;

	for (i = 0; i < sizeof match_rows / sizeof match_rows[0]; i++) {
		const struct match_row *m = &match_rows[i];

		snprintf(ctx, sizeof ctx, "match row %zu (%s, %s)", i, m->cidr,
		    m->addr);
		TG_CHECK(tg_cidr_parse(m->cidr, strlen(m->cidr), &c, err,
		    sizeof err) == 0, "%s: %s", ctx, err);
		TG_CHECK_INT(tg_cidr_match(&c, m->addr), m->want, ctx);
	}
	TG_CHECK_INT(tg_cidr_match(NULL, "10.0.0.1"), 0, "NULL cidr");
	TG_CHECK_INT(tg_cidr_match(&c, NULL), 0, "NULL addr");
	memset(&c, 0, sizeof c);
	TG_CHECK_INT(tg_cidr_match(&c, "0.0.0.0"), 0, "zeroed cidr");
	c.family = AF_INET;
	c.prefix = 33;
	TG_CHECK_INT(tg_cidr_match(&c, "0.0.0.0"), 0, "bad prefix");
}

static void
run_list_rows(void)
{
	char ctx[128], err[256];
	size_t i;

	for (i = 0; i < sizeof list_rows / sizeof list_rows[0]; i++) {
		const struct list_row *l = &list_rows[i];

		snprintf(ctx, sizeof ctx, "list row %zu", i);
		TG_CHECK_INT(tg_cidr_list_match(l->list, strlen(l->list),
		    l->addr), l->want, ctx);
		TG_CHECK_INT(tg_cidr_list_check(l->list, strlen(l->list), err,
		    sizeof err), l->want == -1 ? -1 : 0, ctx);
	}
	TG_CHECK_INT(tg_cidr_list_check("10.0.0.0/8\n10.0.0.1/8", 21, err,
	    sizeof err), -1, "check message");
	TG_CHECK_STR(err, "line 2: \"10.0.0.1/8\": host bits set beyond /8 "
	    "(did you mean 10.0.0.0/8?)", "check message");
	TG_CHECK_INT(tg_cidr_list_check("10.0.0.0/8\n\n", 12, err,
	    sizeof err), -1, "empty line");
	TG_CHECK_STR(err, "line 2: empty line", "empty line");
	TG_CHECK_INT(tg_cidr_list_match(NULL, 0, "10.0.0.1"), 0, "NULL list");
}

/* Client addresses, as the brake keys them and tg_cidr_match reads them. */
static void
run_addr_rows(void)
{
	static const struct {
		const char	*addr;
		int		 family;
		unsigned char	 first[4];
	} r[] = {
		{ "10.1.2.3", AF_INET, { 10, 1, 2, 3 } },
		{ "::ffff:10.1.2.3", AF_INET, { 10, 1, 2, 3 } },
		{ "::ffff:a01:203", AF_INET, { 10, 1, 2, 3 } },
		{ "2001:db8::1", AF_INET6, { 0x20, 0x01, 0x0d, 0xb8 } },
		{ "::1", AF_INET6, { 0, 0, 0, 0 } },
		{ "::ffff:0:10.1.2.3", AF_INET6, { 0, 0, 0, 0 } },
		{ "010.1.2.3", 0, { 0 } },
		{ "10.1.2.3/32", 0, { 0 } },
		{ "fe80::1%eth0", 0, { 0 } },
		{ "", 0, { 0 } },
		{ "unknown", 0, { 0 } },
	};
	unsigned char a[16];
	char ctx[80];
	size_t i;
	int f;

	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(ctx, sizeof ctx, "addr row %zu (%s)", i, r[i].addr);
		f = tg_cidr_addr(r[i].addr, a);
		TG_CHECK_INT(f, r[i].family, ctx);
		if (f != 0)
			TG_CHECK(memcmp(a, r[i].first, 4) == 0, "%s", ctx);
	}
	TG_CHECK_INT(tg_cidr_addr(NULL, a), 0, "NULL address");
}

/* Containment of networks read from stored lists (the minting rule's). */
static void
run_inside_rows(void)
{
	static const struct {
		const char	*in, *out;
		int		 want;
	} r[] = {
		{ "10.1.0.0/16", "10.0.0.0/8", 1 },
		{ "10.0.0.0/8", "10.0.0.0/8", 1 },
		{ "10.0.0.0/8", "10.1.0.0/16", 0 },
		{ "11.0.0.0/8", "10.0.0.0/8", 0 },
		{ "10.128.0.0/9", "10.0.0.0/9", 0 },
		{ "10.0.0.1", "10.0.0.0/31", 1 },
		{ "10.0.0.2", "10.0.0.0/31", 0 },
		{ "0.0.0.0/0", "10.0.0.0/8", 0 },
		{ "10.0.0.0/8", "0.0.0.0/0", 1 },
		{ "2001:db8:1::/48", "2001:db8::/32", 1 },
		{ "2001:db9::/32", "2001:db8::/32", 0 },
		{ "::ffff:10.2.0.0/112", "10.0.0.0/8", 1 },
		{ "10.2.0.0/16", "::ffff:10.0.0.0/104", 1 },
		{ "::ffff:10.0.0.0/104", "10.0.0.0/8", 1 },
		{ "::ffff:0.0.0.0/96", "0.0.0.0/0", 1 },
		{ "::fffe:0:0/95", "0.0.0.0/0", 0 },
		{ "10.0.0.0/8", "::/0", 0 },
		{ "2001:db8::/32", "0.0.0.0/0", 0 },
	};
	struct tg_cidr in, out;
	const char *p;
	char ctx[96];
	size_t i;

	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(ctx, sizeof ctx, "inside row %zu (%s in %s)", i,
		    r[i].in, r[i].out);
		p = r[i].in;
		TG_CHECK(tg_cidr_next(&p, &in) == 1 && *p == '\0', "%s", ctx);
		p = r[i].out;
		TG_CHECK(tg_cidr_next(&p, &out) == 1, "%s", ctx);
		TG_CHECK_INT(tg_cidr_inside(&in, &out), r[i].want, ctx);
	}
	/* Walking a list: line by line, the end, a bad line. */
	p = "10.0.0.0/8\n::ffff:10.0.0.0/104\n2001:db8::/32";
	TG_CHECK(tg_cidr_next(&p, &in) == 1 && in.family == AF_INET &&
	    in.prefix == 8, "first line");
	TG_CHECK(tg_cidr_next(&p, &in) == 1 && in.family == AF_INET &&
	    in.prefix == 8 && in.addr[0] == 10, "mapped line as IPv4");
	TG_CHECK(tg_cidr_next(&p, &in) == 1 && in.family == AF_INET6 &&
	    in.prefix == 32, "third line");
	TG_CHECK_INT(tg_cidr_next(&p, &in), 0, "end of the list");
	p = "10.0.0.0/8\n10.0.0.1/8";
	TG_CHECK_INT(tg_cidr_next(&p, &in), 1, "good line");
	TG_CHECK_INT(tg_cidr_next(&p, &in), -1, "bad line");
	p = "";
	TG_CHECK_INT(tg_cidr_next(&p, &in), 0, "empty list");
}

int
main(void)
{
	run_parse_rows();
	run_match_rows();
	run_list_rows();
	run_addr_rows();
	run_inside_rows();
	return tg_test_done("cidr");
}
