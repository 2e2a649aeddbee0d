/*
 * store_feed.c: the change feed, written by every change and followed by
 * the authorizers.
 *
 * Every statement that changes what a token may do (insert, update,
 * rotate, revoke, end of a rotation grace) adds a feed row inside its
 * transaction (tg_store_feed_add_token), and user and role changes add
 * theirs (tg_store_feed_add_user, tg_store_feed_add_role), so a feed row
 * exists exactly when the change committed: "Commits whose answer is
 * lost" in store.c relies on this.  Authorizer processes poll the table
 * (feed.c) and drop what changed, report how far they got
 * (feed_progress), and a writer waits for those reports before it says a
 * change is in force everywhere (tg_store_feed_wait).
 *
 * Apart so that the one table every part of tokengate meets in has one
 * file: the writers' side, the followers' reads (routed, store_route.c)
 * and the progress they report.  Deleting old rows is store_prune.c's.
 */
#include "store_int.h"

#include <stdio.h>
#include <time.h>

#include "feed.h"

/* The forward read of a poll, a prepared statement of the connection. */
static const char feed_sql[] =
    "SELECT id, kind, ref FROM change_feed WHERE id > ? ORDER BY id"
    " LIMIT ?";
/* The read by ids: TG_FEED_IDS_PER_READ placeholders; unused ones are 0
 * (no row). */
static const char feed_ids_sql[] =
    "SELECT id, kind, ref FROM change_feed WHERE id IN"
    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ORDER BY id";
#define FEED_IDS_MAX	16

int
tg_store_feed_add_token(struct tg_store *s, const char *id)
{
	struct prm p[1] = { PSTR(id) };

	return tg_store_run_marked(s, M_FEED, "INSERT INTO change_feed (at, "
	    "kind, ref) VALUES (UTC_TIMESTAMP(6), 'token', ?)", p, 1);
}

int
tg_store_feed_add_user(struct tg_store *s, long long user_id)
{
	struct prm p[1] = { PI64(user_id) };

	return tg_store_run_marked(s, M_FEED, "INSERT INTO change_feed (at, "
	    "kind, ref) VALUES (UTC_TIMESTAMP(6), 'user', CAST(? AS CHAR))",
	    p, 1);
}

/* A role's permissions changed: every user holding it changed. */
int
tg_store_feed_add_role(struct tg_store *s, long long role_id)
{
	struct prm p[1] = { PI64(role_id) };

	return tg_store_run_marked(s, M_FEED, "INSERT INTO change_feed (at, "
	    "kind, ref) SELECT UTC_TIMESTAMP(6), 'user', CAST(user_id AS CHAR) "
	    "FROM user_roles WHERE role_id = ?", p, 1);
}

/* One non-negative number from a query without parameters. */
struct u64_arg {
	const char	*sql;
	uint64_t	*out;
};

static int
u64_read(struct tg_store *s, void *arg)
{
	struct u64_arg *a = arg;
	long long v = 0;
	int rc, found;

	rc = tg_store_query_i64(s, a->sql, NULL, 0, &v, &found);
	*a->out = rc == TG_STORE_OK && found && v > 0 ? (uint64_t)v : 0;
	return rc;
}

int
tg_store_feed_max(struct tg_store *s, uint64_t *max)
{
	struct u64_arg a = { "SELECT COALESCE(MAX(id), 0) FROM change_feed",
	    max };

	return tg_store_route_read(s, u64_read, &a);
}

struct feed_arg {
	uint64_t		 after;
	unsigned		 limit;
	const uint64_t		*ids;		/* or a read by ids */
	size_t			 nids;
	tg_store_feed_fn	 fn;
	void			*arg;
};

static int
feed_read(struct tg_store *s, void *farg)
{
	const struct feed_arg *fa = farg;
	struct prm p[FEED_IDS_MAX];
	tg_store_feed_fn fn = fa->fn;
	void *arg = fa->arg;
	struct col c[3];
	MYSQL_STMT *st;
	const char *sql;
	unsigned np, i;
	int rc, r, slot;

	if (fa->ids != NULL) {
		slot = Q_FEED_IDS;
		sql = feed_ids_sql;
		np = FEED_IDS_MAX;
		for (i = 0; i < np; i++)
			p[i] = PU64(i < fa->nids ? fa->ids[i] : 0);
	} else {
		slot = Q_FEED;
		sql = feed_sql;
		np = 2;
		p[0] = PU64(fa->after);
		p[1] = PU64(fa->limit);
	}
	st = tg_store_prepare(s, slot, sql, &rc);
	if (st == NULL)
		return rc;
	if ((rc = tg_store_execute(s, st, p, np)) != TG_STORE_OK)
		return rc;
	if (mysql_stmt_store_result(st) != 0) {
		rc = tg_store_fail(s, mysql_stmt_errno(st), "feed",
		    mysql_stmt_error(st));
		if (s->db != NULL)
			tg_store_release(s, slot, st);
		return rc;
	}
	while ((r = tg_store_fetch(s, st, c, 3)) == 1) {
		fn(arg, (uint64_t)tg_store_col_i64(&c[0]), c[1].buf ?
		    c[1].buf : "", c[2].buf ? c[2].buf : "");
		tg_store_cols_free(c, 3);
	}
	if (s->db != NULL)
		tg_store_release(s, slot, st);
	return r < 0 ? r : TG_STORE_OK;
}

int
tg_store_feed_read(struct tg_store *s, uint64_t after, unsigned limit,
    tg_store_feed_fn fn, void *arg)
{
	struct feed_arg fa = { after, limit, NULL, 0, fn, arg };

	return tg_store_route_read(s, feed_read, &fa);
}

int
tg_store_feed_read_ids(struct tg_store *s, const uint64_t *ids, size_t n,
    tg_store_feed_fn fn, void *arg)
{
	struct feed_arg fa = { 0, 0, ids, n, fn, arg };

	if (n == 0)
		return TG_STORE_OK;
	if (n > FEED_IDS_MAX) {
		snprintf(s->err, sizeof s->err, "feed: %zu ids in one read", n);
		return TG_STORE_ERROR;
	}
	return tg_store_route_read(s, feed_read, &fa);
}

struct feed_start_arg {
	unsigned	 lookback_s;
	uint64_t	*id;
};

/*
 * The newest row older than the lookback, found through change_feed_at
 * (one row, not a scan of a day of rows); the pruned horizon when higher.
 */
static int
feed_start_read(struct tg_store *s, void *arg)
{
	const struct feed_start_arg *a = arg;
	struct prm p[1] = { PU64(a->lookback_s) };
	long long v = 0;
	int rc, found;

	rc = tg_store_query_i64(s, "SELECT GREATEST(COALESCE((SELECT id FROM "
	    "change_feed WHERE at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND "
	    "ORDER BY at DESC LIMIT 1), 0), COALESCE((SELECT MAX(through_id) "
	    "FROM change_feed_pruned), 0))", p, 1, &v, &found);
	*a->id = rc == TG_STORE_OK && found && v > 0 ? (uint64_t)v : 0;
	return rc;
}

int
tg_store_feed_start(struct tg_store *s, unsigned lookback_s, uint64_t *id)
{
	struct feed_start_arg a = { lookback_s, id };

	return tg_store_route_read(s, feed_start_read, &a);
}

int
tg_store_feed_pruned(struct tg_store *s, uint64_t *through)
{
	struct u64_arg a = { "SELECT COALESCE(MAX(through_id), 0) FROM "
	    "change_feed_pruned", through };

	return tg_store_route_read(s, u64_read, &a);
}

int
tg_store_feed_report(struct tg_store *s, const char *process,
    uint64_t applied, uint64_t seen, const char *gaps)
{
	struct prm p[4] = { PSTR(process), PU64(applied), PU64(seen),
	    PSTR(gaps) };

	return tg_store_run(s, "INSERT INTO feed_progress (process, feed_id, "
	    "seen_id, gaps, seen_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6)) ON "
	    "DUPLICATE KEY UPDATE feed_id = VALUES(feed_id), seen_id = "
	    "VALUES(seen_id), gaps = VALUES(gaps), seen_at = VALUES(seen_at)",
	    p, 4, NULL);
}

int
tg_store_feed_forget(struct tg_store *s, const char *process)
{
	struct prm p[1] = { PSTR(process) };

	return tg_store_run(s, "DELETE FROM feed_progress WHERE process = ?",
	    p, 1, NULL);
}

/*
 * Counts the processes of feed_progress that reported after since (a
 * DATETIME(6) text) and have not applied [lo, hi] (tg_feed_covers).
 */
static int
feed_behind(struct tg_store *s, const char *since, uint64_t lo, uint64_t hi,
    int *behind)
{
	struct prm p[1] = { PSTR(since) };
	struct col c[3];
	MYSQL_STMT *st;
	int rc, r;

	*behind = 0;
	st = tg_store_prepare(s, -1, "SELECT feed_id, seen_id, gaps FROM "
	    "feed_progress WHERE seen_at > ?", &rc);
	if (st == NULL)
		return rc;
	if ((rc = tg_store_execute(s, st, p, 1)) != TG_STORE_OK) {
		mysql_stmt_close(st);
		return rc;
	}
	while ((r = tg_store_fetch(s, st, c, 3)) == 1) {
		if (!tg_feed_covers((uint64_t)tg_store_col_i64(&c[0]),
		    (uint64_t)tg_store_col_i64(&c[1]), c[2].buf != NULL ?
		    c[2].buf : "", lo, hi))
			(*behind)++;
		tg_store_cols_free(c, 3);
	}
	if (s->db != NULL)
		mysql_stmt_free_result(st);
	mysql_stmt_close(st);
	return r < 0 ? r : TG_STORE_OK;
}

int
tg_store_feed_wait(struct tg_store *s, unsigned timeout_ms, uint64_t lo,
    uint64_t hi, int *behind)
{
	struct col c[1];
	MYSQL_STMT *st;
	char since[40];
	unsigned waited = 0;
	int rc, r;

	*behind = 0;
	/*
	 * The processes live when the change committed: those that reported
	 * in the two seconds before.  The set is fixed now, so a process
	 * that stops reporting during the wait (frozen, cut off, dying) is
	 * still waited for and counted, not silently dropped.  One that is
	 * silent for 2 s stops using its cache a second after its last feed
	 * read anyway.
	 */
	st = tg_store_prepare(s, -1, "SELECT CAST(UTC_TIMESTAMP(6) - INTERVAL "
	    "2 SECOND AS CHAR)", &rc);
	if (st == NULL)
		return rc;
	if ((rc = tg_store_execute(s, st, NULL, 0)) != TG_STORE_OK) {
		mysql_stmt_close(st);
		return rc;
	}
	r = tg_store_fetch(s, st, c, 1);
	if (r == 1) {
		snprintf(since, sizeof since, "%s", c[0].buf != NULL ?
		    c[0].buf : "");
		tg_store_cols_free(c, 1);
	}
	if (s->db != NULL)
		mysql_stmt_free_result(st);
	mysql_stmt_close(st);
	if (r != 1)
		return r < 0 ? r : TG_STORE_ERROR;
	for (;;) {
		if ((rc = feed_behind(s, since, lo, hi, behind)) !=
		    TG_STORE_OK)
			return rc;
		if (*behind == 0 || waited >= timeout_ms)
			break;
		{
			struct timespec ts = { 0, 10 * 1000000L };

			nanosleep(&ts, NULL);
			waited += 10;
		}
	}
	return TG_STORE_OK;
}
