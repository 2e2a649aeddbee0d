/* Unit tests for lib/loglimit: the limit, the count, its report. */
#include <pthread.h>
#include <stdio.h>

#include "loglimit.h"
#include "tg_test.h"

/* Eight threads ask 10,000 times each within one second. */
static struct tg_loglimit shared;
static unsigned long shared_ok[8];

static void *
asker(void *arg)
{
	unsigned long *ok = arg;
	uint64_t d;
	int64_t since;
	int i;

	for (i = 0; i < 10000; i++)
		*ok += (unsigned long)tg_loglimit_take(&shared, 50, &d, &since);
	return NULL;
}

int
main(void)
{
	struct tg_loglimit l;
	uint64_t dropped, total_logged = 0, total_dropped = 0;
	int64_t since;
	pthread_t t[8];
	unsigned long sum = 0;
	int i, n;

	tg_loglimit_init(&l, 3);
	for (i = 0, n = 0; i < 10; i++) {
		n += tg_loglimit_take(&l, 100, &dropped, &since);
		TG_CHECK(dropped == 0, "nothing to report within the first second");
	}
	TG_CHECK_INT(n, 3, "three lines in second 100");
	TG_CHECK(tg_loglimit_take(&l, 101, &dropped, &since) == 1,
	    "a new second allows a line");
	TG_CHECK(dropped == 7 && since == 100,
	    "... and reports the 7 dropped since second 100");
	TG_CHECK(tg_loglimit_take(&l, 101, &dropped, &since) == 1 &&
	    dropped == 0, "a report is made once");
	tg_loglimit_destroy(&l);

	/* Every line is logged or counted in a report: nothing is lost. */
	tg_loglimit_init(&l, 5);
	for (i = 0; i < 1000; i++) {
		if (tg_loglimit_take(&l, 200 + i / 37, &dropped, &since))
			total_logged++;
		total_dropped += dropped;
	}
	total_dropped += tg_loglimit_drain(&l, &since);
	TG_CHECK(total_logged + total_dropped == 1000,
	    "logged + reported dropped = asked");
	TG_CHECK(total_logged <= 5 * (1000 / 37 + 1), "never more than 5 a second");
	TG_CHECK(tg_loglimit_drain(&l, &since) == 0, "drain empties the count");
	tg_loglimit_destroy(&l);

	tg_loglimit_init(&l, 0);
	for (i = 0, n = 0; i < 1000; i++)
		n += tg_loglimit_take(&l, 300, &dropped, &since);
	TG_CHECK_INT(n, 1000, "0 means no limit");
	tg_loglimit_destroy(&l);

	tg_loglimit_init(&shared, 100);
	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, asker, &shared_ok[i]);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		sum += shared_ok[i];
	}
	TG_CHECK(sum == 100, "eight threads: exactly the limit in one second");
	TG_CHECK(tg_loglimit_drain(&shared, &since) == 80000 - 100 &&
	    since == 50, "eight threads: the rest counted");
	tg_loglimit_destroy(&shared);
	return tg_test_done("test_loglimit");
}
