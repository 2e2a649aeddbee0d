/* Unit tests for lib/usage: the write-behind queues of the request path. */
#include <string.h>
#include <stdio.h>

#include "usage.h"
#include "tg_test.h"

int
main(void)
{
	struct tg_usage *u = tg_usage_new(64, 60);
	struct tg_usage_rec recs[8];
	struct tg_usage_secret sec[TG_USAGE_SECRETS + 1];
	unsigned char h1[TG_HMAC_LEN], h2[TG_HMAC_LEN];
	char id[TG_TOKEN_ID_LEN + 1];
	size_t n, i;

	TG_CHECK(u != NULL, "new");
	if (u == NULL)
		return tg_test_done("test_usage");
	/* Last-used: at most one note per token per interval. */
	tg_usage_note(u, "AAAAAAAAAAAA", "10.0.0.1", 1000);
	tg_usage_note(u, "AAAAAAAAAAAA", "10.0.0.2", 1010);
	tg_usage_note(u, "BBBBBBBBBBBB", "not an address", 1010);
	n = tg_usage_take(u, recs, 8);
	TG_CHECK_INT(n, 2, "two tokens, one note each");
	for (i = 0; i < n; i++)
		if (strcmp(recs[i].id, "BBBBBBBBBBBB") == 0)
			TG_CHECK(recs[i].addr[0] == '\0', "a bad address is "
			    "never recorded");
		else
			TG_CHECK_STR(recs[i].addr, "10.0.0.1", "first address");
	tg_usage_note(u, "AAAAAAAAAAAA", "10.0.0.3", 1061);
	TG_CHECK_INT(tg_usage_take(u, recs, 8), 1, "again after the interval");

	/* The end of a rotation grace: queued once per token. */
	memset(h1, 1, sizeof h1);
	memset(h2, 2, sizeof h2);
	tg_usage_note_secret(u, "AAAAAAAAAAAA", h1);
	tg_usage_note_secret(u, "AAAAAAAAAAAA", h2);
	tg_usage_note_secret(u, "BBBBBBBBBBBB", h2);
	n = tg_usage_take_secrets(u, sec, TG_USAGE_SECRETS);
	TG_CHECK_INT(n, 2, "one note per token");
	for (i = 0; i < n; i++)
		if (strcmp(sec[i].id, "AAAAAAAAAAAA") == 0)
			TG_CHECK(memcmp(sec[i].hash, h1, sizeof h1) == 0,
			    "the first secret noted is kept");
	TG_CHECK_INT(tg_usage_take_secrets(u, sec, TG_USAGE_SECRETS), 0,
	    "taken means gone");
	tg_usage_note_secret(u, "AAAAAAAAAAAA", h1);
	TG_CHECK_INT(tg_usage_take_secrets(u, sec, 4), 1,
	    "queued again once taken");
	/* Bounded: a full queue drops and counts. */
	for (i = 0; i < TG_USAGE_SECRETS + 1; i++) {
		snprintf(id, sizeof id, "C%011zu", i);
		tg_usage_note_secret(u, id, h1);
	}
	TG_CHECK(tg_usage_dropped(u) >= 1, "overflow counted");
	TG_CHECK_INT(tg_usage_take_secrets(u, sec, TG_USAGE_SECRETS + 1),
	    TG_USAGE_SECRETS, "the queue holds TG_USAGE_SECRETS");
	tg_usage_note_secret(u, "waytoolongforanid", h1);
	TG_CHECK_INT(tg_usage_take_secrets(u, sec, 4), 0, "bad id ignored");
	tg_usage_free(u);
	return tg_test_done("test_usage");
}
