/*
 * store_prune.c: retention, the only deletion of history.
 *
 * The change feed, the authorizers' progress reports and the audit log
 * grow with every change and every decision; this file removes what is
 * older than the configured retention (tg_store_prune), in small batches
 * under a named lock, so that pruning a large table never holds a long
 * transaction and two pruners never compete.  Apart because it runs on
 * its own thread of the API daemon, or from the CLI, and touches the feed
 * only through change_feed_pruned, the horizon followers check.
 */
#include <string.h>

#include "store_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static void
pause_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

/*
 * One batch of the feed, in one transaction: the horizon row is locked
 * first (pruners take turns), then raised to the last id deleted, so that
 * a follower reading the horizon after its feed rows sees every prune
 * that removed a row it could not have read.  The newest row stays, so
 * that MAX(id) and AUTO_INCREMENT never go back.
 */
static int
feed_prune_batch(struct tg_store *s, unsigned keep_seconds, unsigned batch,
    uint64_t *deleted)
{
	struct prm p[2] = { PU64(keep_seconds), PU64(batch) };
	unsigned long long n = 0;
	long long cur = 0, upto = 0;
	int rc, found;

	*deleted = 0;
	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	if ((rc = tg_store_query_i64(s, "SELECT through_id FROM "
	    "change_feed_pruned WHERE one = 1 FOR UPDATE", NULL, 0, &cur,
	    &found)) != TG_STORE_OK)
		goto fail;
	if (!found) {
		snprintf(s->err, sizeof s->err, "change_feed_pruned has no "
		    "row: run tokengate migrate");
		rc = TG_STORE_ERROR;
		goto fail;
	}
	if ((rc = tg_store_query_i64(s, "SELECT COALESCE(MAX(id), 0) FROM "
	    "(SELECT id FROM change_feed WHERE at < UTC_TIMESTAMP(6) - "
	    "INTERVAL ? SECOND AND id < (SELECT MAX(id) FROM change_feed) "
	    "ORDER BY id LIMIT ?) AS old", p, 2, &upto, &found)) != TG_STORE_OK)
		goto fail;
	if (upto > 0) {
		struct prm u[1] = { PI64(upto) };
		struct prm d[2] = { PI64(upto), PU64(batch) };

		rc = tg_store_run(s, "UPDATE change_feed_pruned SET through_id "
		    "= GREATEST(through_id, ?), pruned_at = UTC_TIMESTAMP(6) "
		    "WHERE one = 1", u, 1, NULL);
		if (rc != TG_STORE_OK)
			goto fail;
		rc = tg_store_run(s, "DELETE FROM change_feed WHERE id <= ? "
		    "ORDER BY id LIMIT ?", d, 2, &n);
		if (rc != TG_STORE_OK)
			goto fail;
	}
	if ((rc = tg_store_commit(s)) != TG_STORE_OK)
		return rc;
	*deleted = n;
	return TG_STORE_OK;
fail:
	tg_store_rollback(s);
	return rc;
}

static int
prune_stopped(const struct tg_store_prune *p)
{
	return p->stop != NULL && atomic_load(p->stop);
}

static int
prune_all(struct tg_store *s, struct tg_store_prune *p)
{
	unsigned batch = p->batch > 0 ? p->batch : 1000;
	unsigned long long n;
	uint64_t d;
	int rc;

	do {
		if (prune_stopped(p))
			return TG_STORE_OK;
		if ((rc = feed_prune_batch(s, p->feed_keep_seconds, batch,
		    &d)) != TG_STORE_OK)
			return rc;
		p->feed_rows += d;
		pause_ms(d == batch ? p->pause_ms : 0);
	} while (d == batch);
	do {
		struct prm q[2] = { PU64(p->progress_keep_seconds),
		    PU64(batch) };

		if (prune_stopped(p))
			return TG_STORE_OK;
		n = 0;
		if ((rc = tg_store_run(s, "DELETE FROM feed_progress WHERE "
		    "seen_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND LIMIT ?",
		    q, 2, &n)) != TG_STORE_OK)
			return rc;
		p->progress_rows += n;
	} while (n == batch);
	while (p->audit_keep_days > 0 && !prune_stopped(p)) {
		struct prm q[2] = { PU64(p->audit_keep_days), PU64(batch) };

		n = 0;
		if ((rc = tg_store_run(s, "DELETE FROM audit_log WHERE at < "
		    "UTC_TIMESTAMP(6) - INTERVAL ? DAY ORDER BY at LIMIT ?", q,
		    2, &n)) != TG_STORE_OK)
			return rc;
		p->audit_rows += n;
		if (n < batch)
			break;
		pause_ms(p->pause_ms);
	}
	return TG_STORE_OK;
}

void
tg_store_prune_init(struct tg_store_prune *p, const struct tg_config *cfg,
    unsigned batch, unsigned pause_ms)
{
	memset(p, 0, sizeof *p);
	p->feed_keep_seconds = cfg->feed_keep_seconds;
	p->progress_keep_seconds = TG_STORE_PROGRESS_KEEP_S;
	p->audit_keep_days = cfg->audit_keep_days;
	p->batch = batch;
	p->pause_ms = pause_ms;
}

int
tg_store_prune(struct tg_store *s, struct tg_store_prune *p)
{
	static const char lock_name[] = "tokengate.prune";
	struct prm lp[1] = { PSTR(lock_name) };
	long long got = 0, v;
	int rc, found;

	p->skipped = 0;
	if ((rc = tg_store_query_i64(s, "SELECT GET_LOCK(?, 0)", lp, 1, &got,
	    &found)) != TG_STORE_OK)
		return rc;
	if (!found || got != 1) {
		p->skipped = 1;
		return TG_STORE_OK;
	}
	rc = prune_all(s, p);
	if (s->db != NULL)
		(void)tg_store_query_i64(s, "SELECT RELEASE_LOCK(?)", lp, 1, &v,
		    &found);
	return rc;
}
