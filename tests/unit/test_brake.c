/* Unit tests for lib/brake: limits, windows, client keys, bounds. */
#include <stdio.h>

#include "brake.h"
#include "tg_test.h"

int
main(void)
{
	struct tg_brake *b = tg_brake_new(64, 3, 60);
	char addr[64];
	int i, blocked;

	TG_CHECK(b != NULL, "new");
	TG_CHECK(tg_brake_new(64, 0, 60) == NULL, "0 failures refused");
	TG_CHECK(tg_brake_check(b, "10.0.0.1", 100) == 0, "fresh client");
	for (i = 0; i < 2; i++)
		tg_brake_fail(b, "10.0.0.1", 100);
	TG_CHECK(tg_brake_check(b, "10.0.0.1", 101) == 0, "under the limit");
	tg_brake_fail(b, "10.0.0.1", 101);
	TG_CHECK_INT(tg_brake_check(b, "10.0.0.1", 101), 59,
	    "at the limit: wait to the end of the window");
	TG_CHECK(tg_brake_check(b, "10.0.0.2", 101) == 0,
	    "another IPv4 client is not braked");
	TG_CHECK(tg_brake_check(b, "::ffff:10.0.0.1", 101) > 0,
	    "IPv4-mapped IPv6 is the same client");
	TG_CHECK(tg_brake_check(b, "10.0.0.1", 160) == 0,
	    "the window ends");
	tg_brake_fail(b, "10.0.0.1", 160);
	TG_CHECK(tg_brake_check(b, "10.0.0.1", 160) == 0,
	    "a new window starts from zero");

	for (i = 0; i < 3; i++)
		tg_brake_fail(b, "2001:db8:0:7::1", 200);
	TG_CHECK(tg_brake_check(b, "2001:db8:0:7::ffff", 200) > 0,
	    "an IPv6 /64 is one client");
	TG_CHECK(tg_brake_check(b, "2001:db8:0:8::1", 200) == 0,
	    "the next /64 is another client");
	for (i = 0; i < 3; i++)
		tg_brake_fail(b, "not an address", 200);
	TG_CHECK(tg_brake_check(b, "not an address", 200) > 0,
	    "unparsable text is its own client");
	TG_CHECK(tg_brake_check(b, NULL, 200) == 0, "NULL is another");

	/* A flood of addresses stays within the table: old ones go. */
	for (i = 0; i < 100000; i++) {
		snprintf(addr, sizeof addr, "10.%d.%d.%d", (i >> 16) & 255,
		    (i >> 8) & 255, i & 255);
		tg_brake_fail(b, addr, 300 + i / 1000);
	}
	blocked = tg_brake_check(b, "2001:db8:0:7::1", 300) > 0;
	TG_CHECK(blocked == 0 || blocked == 1, "no crash after a flood");
	for (i = 0; i < 3; i++)
		tg_brake_fail(b, "192.0.2.9", 500);
	TG_CHECK(tg_brake_check(b, "192.0.2.9", 500) > 0,
	    "still braking after a flood");
	tg_brake_free(b);
	return tg_test_done("test_brake");
}
