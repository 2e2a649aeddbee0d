/*
 * store.c: one MariaDB connection behind a small, typed interface.
 *
 * The store is the only module that talks to MariaDB; this file is its
 * core, the part every other store file runs its statements through:
 * connecting, preparing, binding and fetching, classifying errors, and
 * transactions, including what to do when the answer to a COMMIT is
 * lost.  What the statements are is said by the other lib/store_*.c
 * files, one per table or concern (store.h lists them).
 *
 * Statements are prepared lazily and kept per connection.  We do not use
 * MYSQL_OPT_RECONNECT: after an automatic reconnect every prepared
 * statement is silently invalid.  Instead a lost connection is closed, and
 * the next call connects again and prepares again, after a backoff when
 * the last attempt failed.  Connect, read and write timeouts are always
 * set, because the connector's defaults are "wait forever" and a stalled
 * database must not hold every authorizer thread.
 *
 * A reader store (tg_store_route_new_reader) adds a second connection, to
 * a replica, which the authorizer's lookups and feed reads use while a
 * shared route says so; that is store_route.c's.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

long long
tg_store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
tg_store_library_init(void)
{
	return mysql_library_init(0, NULL, NULL) == 0 ? 0 : -1;
}

void
tg_store_library_end(void)
{
	mysql_library_end();
}

void
tg_store_thread_end(void)
{
	mysql_thread_end();
}

struct tg_store *
tg_store_new(const struct tg_config *cfg)
{
	struct tg_store *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	return s;
}

static void
disconnect(struct tg_store *s)
{
	int i;

	for (i = 0; i < Q_COUNT; i++) {
		if (s->stmt[i] != NULL)
			mysql_stmt_close(s->stmt[i]);
		s->stmt[i] = NULL;
	}
	if (s->db != NULL)
		mysql_close(s->db);
	s->db = NULL;
}

void
tg_store_free(struct tg_store *s)
{
	if (s == NULL)
		return;
	disconnect(s);
	tg_config_wipe(&s->cfg);
	tg_store_route_reader_free(s->reader);
	free(s);
}

const char *
tg_store_error(const struct tg_store *s)
{
	return s->err;
}

int
tg_store_take_warning(struct tg_store *s, char *buf, size_t n)
{
	int had = s->warn[0] != '\0';

	if (n > 0)
		snprintf(buf, n, "%s", s->warn);
	s->warn[0] = '\0';
	return had;
}

/* Errors that mean the connection is gone and the database may be down. */
static int
is_conn_error(unsigned e)
{
	switch (e) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_COMMANDS_OUT_OF_SYNC:
	case CR_UNKNOWN_HOST:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
	case ER_CON_COUNT_ERROR:
		return 1;
	default:
		return 0;
	}
}

/* Records the error and classifies it; drops a broken connection. */
int
tg_store_fail(struct tg_store *s, unsigned e, const char *what, const char *msg)
{
	snprintf(s->err, sizeof s->err, "%s: %s (%u)", what,
	    msg != NULL ? msg : "", e);
	if (is_conn_error(e) || e >= 2000) {
		disconnect(s);
		return TG_STORE_UNAVAILABLE;
	}
	if (e == ER_DUP_ENTRY)
		return TG_STORE_CONFLICT;
	return TG_STORE_ERROR;
}

int
tg_store_db_connect(struct tg_store *s)
{
	unsigned ct = s->cfg.db_connect_timeout;
	unsigned rt = s->cfg.db_read_timeout;
	unsigned wt = s->cfg.db_write_timeout;
	my_bool off = 0;
	const char *sock = s->cfg.db_socket[0] ? s->cfg.db_socket : NULL;
	long long t;

	if (s->db != NULL)
		return TG_STORE_OK;
	t = tg_store_now_ms();
	if (t < s->next_try_ms) {
		/* Keep the last error message: it says why we are waiting. */
		return TG_STORE_UNAVAILABLE;
	}
	s->db = mysql_init(NULL);
	if (s->db == NULL) {
		snprintf(s->err, sizeof s->err, "out of memory");
		return TG_STORE_UNAVAILABLE;
	}
	mysql_optionsv(s->db, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_optionsv(s->db, MYSQL_OPT_READ_TIMEOUT, &rt);
	mysql_optionsv(s->db, MYSQL_OPT_WRITE_TIMEOUT, &wt);
	mysql_optionsv(s->db, MYSQL_OPT_RECONNECT, &off);
	mysql_optionsv(s->db, MYSQL_OPT_LOCAL_INFILE, &off);
	mysql_optionsv(s->db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* Times are stored in UTC; the session must agree. */
	mysql_optionsv(s->db, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	if (mysql_real_connect(s->db, sock ? NULL : s->cfg.db_host,
	    s->cfg.db_user, s->cfg.db_password, s->cfg.db_name,
	    sock ? 0 : s->cfg.db_port, sock, 0) == NULL) {
		snprintf(s->err, sizeof s->err, "cannot connect to MariaDB "
		    "at %s: %s", sock ? sock : s->cfg.db_host,
		    mysql_error(s->db));
		mysql_close(s->db);
		s->db = NULL;
		s->backoff_ms = s->backoff_ms == 0 ? 100 :
		    (s->backoff_ms * 2 > 1000 ? 1000 : s->backoff_ms * 2);
		s->next_try_ms = t + s->backoff_ms;
		return TG_STORE_UNAVAILABLE;
	}
	s->backoff_ms = 0;
	s->next_try_ms = 0;
	s->connected_ms = t;
	return TG_STORE_OK;
}

int
tg_store_connect(struct tg_store *s)
{
	if (s->reader != NULL)
		return tg_store_route_connect(s);
	return tg_store_db_connect(s);
}

int
tg_store_ping(struct tg_store *s)
{
	long long one;
	int rc, found;

	rc = tg_store_query_i64(s, "SELECT 1", NULL, 0, &one, &found);
	return rc == TG_STORE_OK && found ? TG_STORE_OK : rc != TG_STORE_OK ?
	    rc : TG_STORE_ERROR;
}

/* Prepares sql (or reuses the cached statement for slot >= 0). */
MYSQL_STMT *
tg_store_prepare(struct tg_store *s, int slot, const char *sql, int *rc)
{
	MYSQL_STMT *st;

	if ((*rc = tg_store_db_connect(s)) != TG_STORE_OK)
		return NULL;
	if (slot >= 0 && s->stmt[slot] != NULL)
		return s->stmt[slot];
	st = mysql_stmt_init(s->db);
	if (st == NULL) {
		*rc = tg_store_fail(s, mysql_errno(s->db), "statement",
		    mysql_error(s->db));
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
		unsigned e = mysql_stmt_errno(st);
		char msg[256];

		snprintf(msg, sizeof msg, "%s", mysql_stmt_error(st));
		mysql_stmt_close(st);
		*rc = tg_store_fail(s, e, "prepare", msg);
		return NULL;
	}
	if (slot >= 0)
		s->stmt[slot] = st;
	return st;
}

void
tg_store_release(struct tg_store *s, int slot, MYSQL_STMT *st)
{
	if (st == NULL)
		return;
	mysql_stmt_free_result(st);
	if (slot < 0 || s->stmt[slot] != st)
		mysql_stmt_close(st);
	else
		mysql_stmt_reset(st);
}

/* Binds params and executes.  Returns TG_STORE_OK or an error code. */
int
tg_store_execute(struct tg_store *s, MYSQL_STMT *st, const struct prm *p,
    unsigned np)
{
	MYSQL_BIND b[24];
	long long iv[24];
	unsigned i;

	if (np > 24)
		return TG_STORE_ERROR;
	memset(b, 0, sizeof b);
	for (i = 0; i < np; i++) {
		switch (p[i].type) {
		case P_STR:
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)(uintptr_t)p[i].p;
			b[i].buffer_length = p[i].len;
			break;
		case P_BIN:
			b[i].buffer_type = MYSQL_TYPE_BLOB;
			b[i].buffer = (void *)(uintptr_t)p[i].p;
			b[i].buffer_length = p[i].len;
			break;
		case P_I64:
		case P_U64:
			iv[i] = p[i].i;
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &iv[i];
			b[i].is_unsigned = p[i].type == P_U64;
			break;
		case P_NULL:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		}
	}
	if ((np > 0 && mysql_stmt_bind_param(st, b) != 0) ||
	    mysql_stmt_execute(st) != 0)
		return tg_store_fail(s, mysql_stmt_errno(st), "execute",
		    mysql_stmt_error(st));
	return TG_STORE_OK;
}

void
tg_store_cols_free(struct col *c, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		free(c[i].buf);
		c[i].buf = NULL;
	}
}

/*
 * Fetches the next row with every column as bytes.  Returns 1 for a row,
 * 0 at the end, or a negative store code.
 */
int
tg_store_fetch(struct tg_store *s, MYSQL_STMT *st, struct col *c, unsigned n)
{
	MYSQL_BIND b[24];
	unsigned i;
	int r;

	if (n > 24)
		return TG_STORE_ERROR;
	memset(b, 0, sizeof b);
	for (i = 0; i < n; i++) {
		c[i].buf = NULL;
		c[i].len = 0;
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].length = &c[i].len;
		b[i].is_null = &c[i].is_null;
		b[i].error = &c[i].error;
	}
	if (mysql_stmt_bind_result(st, b) != 0)
		return tg_store_fail(s, mysql_stmt_errno(st), "bind",
		    mysql_stmt_error(st));
	r = mysql_stmt_fetch(st);
	if (r == MYSQL_NO_DATA)
		return 0;
	if (r == 1)
		return tg_store_fail(s, mysql_stmt_errno(st), "fetch",
		    mysql_stmt_error(st));
	/* Zero-length buffers: the lengths are known, now fetch each. */
	for (i = 0; i < n; i++) {
		if (c[i].is_null)
			continue;
		c[i].buf = malloc(c[i].len + 1);
		if (c[i].buf == NULL) {
			tg_store_cols_free(c, n);
			snprintf(s->err, sizeof s->err, "out of memory");
			return TG_STORE_ERROR;
		}
		if (c[i].len > 0) {
			MYSQL_BIND one;

			memset(&one, 0, sizeof one);
			one.buffer_type = MYSQL_TYPE_STRING;
			one.buffer = c[i].buf;
			one.buffer_length = c[i].len + 1;
			if (mysql_stmt_fetch_column(st, &one, i, 0) != 0) {
				tg_store_cols_free(c, n);
				return tg_store_fail(s, mysql_stmt_errno(st),
				    "fetch", mysql_stmt_error(st));
			}
		}
		c[i].buf[c[i].len] = '\0';
	}
	return 1;
}

long long
tg_store_col_i64(const struct col *c)
{
	if (c->buf == NULL)
		return 0;
	return strtoll(c->buf, NULL, 10);
}

/* Takes ownership of the column's buffer ("" for NULL). */
char *
tg_store_col_take(struct col *c)
{
	char *p = c->buf;

	c->buf = NULL;
	return p != NULL ? p : strdup("");
}

/*
 * Runs one statement that returns no rows; *affected and *insert_id
 * (either may be NULL) get its affected rows and AUTO_INCREMENT id.
 */
static int
run_ids(struct tg_store *s, const char *sql, const struct prm *p,
    unsigned np, unsigned long long *affected, unsigned long long *insert_id)
{
	MYSQL_STMT *st;
	int rc;

	st = tg_store_prepare(s, -1, sql, &rc);
	if (st == NULL)
		return rc;
	rc = tg_store_execute(s, st, p, np);
	if (rc == TG_STORE_OK && affected != NULL)
		*affected = mysql_stmt_affected_rows(st);
	if (rc == TG_STORE_OK && insert_id != NULL)
		*insert_id = mysql_stmt_insert_id(st);
	mysql_stmt_close(st);
	return rc;
}

/* Runs one statement that returns no rows. */
int
tg_store_run(struct tg_store *s, const char *sql, const struct prm *p,
    unsigned np, unsigned long long *affected)
{
	return run_ids(s, sql, p, np, affected, NULL);
}

/*
 * Runs an INSERT into the table of m inside a transaction and remembers
 * the AUTO_INCREMENT id of its (first) row: the row settle() looks for if
 * the answer to the COMMIT is lost.  An INSERT ... SELECT that inserted
 * nothing keeps the earlier mark.
 */
int
tg_store_run_marked(struct tg_store *s, enum mark m, const char *sql,
    const struct prm *p, unsigned np)
{
	unsigned long long n = 0, id = 0;
	int rc;

	rc = run_ids(s, sql, p, np, &n, &id);
	if (rc == TG_STORE_OK && n > 0 && id != 0) {
		s->mark = m;
		s->mark_id = id;
		s->mark_rows = n;
	}
	return rc;
}

/* Runs a query expected to return one integer (or none: *found = 0). */
int
tg_store_query_i64(struct tg_store *s, const char *sql, const struct prm *p,
    unsigned np, long long *out, int *found)
{
	struct col c[1];
	MYSQL_STMT *st;
	int rc, r;

	*found = 0;
	st = tg_store_prepare(s, -1, sql, &rc);
	if (st == NULL)
		return rc;
	if ((rc = tg_store_execute(s, st, p, np)) != TG_STORE_OK) {
		mysql_stmt_close(st);
		return rc;
	}
	r = tg_store_fetch(s, st, c, 1);
	if (r == 1) {
		*found = c[0].buf != NULL;
		*out = tg_store_col_i64(&c[0]);
		tg_store_cols_free(c, 1);
	}
	if (s->db != NULL) {
		mysql_stmt_free_result(st);
		mysql_stmt_close(st);
	} else {
		/* The connection is gone; only the handle's memory is left. */
		mysql_stmt_close(st);
	}
	return r < 0 ? r : TG_STORE_OK;
}

/*
 * Runs a query and calls fn for each row (buffered first, so fn may take
 * its time).  fn returns 0 to go on, a positive value to stop, or a
 * negative store code, which is returned.
 */
int
tg_store_query_rows(struct tg_store *s, const char *sql, const struct prm *p,
    unsigned np, unsigned ncols, tg_store_cols_fn fn, void *arg)
{
	struct col c[24];
	MYSQL_STMT *st;
	int rc, r = 0;

	if (ncols > 24)
		return TG_STORE_ERROR;
	st = tg_store_prepare(s, -1, sql, &rc);
	if (st == NULL)
		return rc;
	if ((rc = tg_store_execute(s, st, p, np)) != TG_STORE_OK)
		goto out;
	if (mysql_stmt_store_result(st) != 0) {
		rc = tg_store_fail(s, mysql_stmt_errno(st), "fetch",
		    mysql_stmt_error(st));
		goto out;
	}
	while ((r = tg_store_fetch(s, st, c, ncols)) == 1) {
		r = fn(arg, c);
		tg_store_cols_free(c, ncols);
		if (r != 0)
			break;
	}
	if (r < 0)
		rc = r;
out:
	if (s->db != NULL)
		mysql_stmt_free_result(st);
	mysql_stmt_close(st);
	return rc;
}

void
tg_store_sql_add(struct sql *q, const char *frag)
{
	size_t n = strlen(frag);

	if (q->len + n + 1 > sizeof q->text) {
		q->overflow = 1;
		return;
	}
	memcpy(q->text + q->len, frag, n + 1);
	q->len += n;
}

int
tg_store_begin(struct tg_store *s)
{
	int had = s->db != NULL, rc;

	s->mark = M_NONE;
	s->mark_id = 0;
	s->mark_rows = 0;
	s->unconfirmed = 0;
	for (;;) {
		if ((rc = tg_store_db_connect(s)) != TG_STORE_OK)
			return rc;
		if (mysql_autocommit(s->db, 0) == 0)
			return TG_STORE_OK;
		rc = tg_store_fail(s, mysql_errno(s->db), "begin",
		    mysql_error(s->db));
		/*
		 * A connection that died since its last use (a database
		 * restart) fails here, before anything was done: one more
		 * try on a fresh connection is always safe.
		 */
		if (rc != TG_STORE_UNAVAILABLE || !had)
			return rc;
		had = 0;
	}
}

/*
 * Commits whose answer is lost.
 *
 * When the connection fails after COMMIT was sent (the server stalled and
 * the read timed out, or the connection broke), the server may have
 * committed, may still commit (the COMMIT sits in its socket buffer, or
 * waits for a lock), or may roll back.  Answering "unavailable, try
 * again" would be wrong in the first two cases: a rotation the caller
 * believes failed may already have ended the old secret.  So settle()
 * finds out, on a fresh connection, within about one db_connect_timeout
 * plus a second:
 *
 *  1. It ends the old session with KILL, so that a COMMIT still on its
 *     way can no longer be executed, and a session the server still
 *     thinks is open (a network that dropped the close) rolls back now
 *     instead of at wait_timeout.  Thread ids start again at 1 when the
 *     server restarts, so KILL is sent only when the server has been up
 *     longer than the old connection existed; after a restart the old
 *     session is gone anyway.  KILL of a session that already ended
 *     fails with "unknown thread id", which is fine.
 *  2. It reads the row the transaction inserted (its change-feed row;
 *     see tg_store_run_marked) with a locking read.  KILL does not wait
 *     for the session to end, but the row stays locked by its
 *     transaction until that has committed or rolled back, so the read
 *     waits for the outcome: found means committed, not found means
 *     rolled back, for good.
 *
 * If the server cannot be reached, the lock is not released within a
 * second, or the transaction inserted no row to look for, the outcome is
 * TG_STORE_UNKNOWN.
 */

/*
 * The look for the row a transaction inserted (its mark, store_int.h).
 * A locking read: a row inserted by a transaction that has not ended yet
 * is locked by it, so the read waits (at most WAIT seconds) until it
 * committed (found) or rolled back (not found) instead of answering "not
 * there" while its COMMIT is still on its way.
 */
static const char *const mark_sql[M_COUNT] = {
	[M_FEED] = "SELECT 1 FROM change_feed WHERE id = ?"
	    " LOCK IN SHARE MODE WAIT 1",
	[M_USER] = "SELECT 1 FROM users WHERE id = ? LOCK IN SHARE MODE WAIT 1",
	[M_ROLE] = "SELECT 1 FROM roles WHERE id = ? LOCK IN SHARE MODE WAIT 1",
	[M_AUDIT] = "SELECT 1 FROM audit_log WHERE id = ?"
	    " LOCK IN SHARE MODE WAIT 1",
};

/* The table of each mark, for the warning. */
static const char *const mark_table[M_COUNT] = {
	[M_NONE] = "", [M_FEED] = "change_feed", [M_USER] = "users",
	[M_ROLE] = "roles", [M_AUDIT] = "audit_log",
};

#define TG_STORE_UPTIME_SQL \
	"SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS" \
	" WHERE VARIABLE_NAME = 'UPTIME'"

static int
unknown(struct tg_store *s, const char *lost, const char *why)
{
	snprintf(s->err, sizeof s->err, "%.200s; %.200s: whether it "
	    "committed is unknown", lost, why);
	return TG_STORE_UNKNOWN;
}

static int
settle(struct tg_store *s, unsigned long old_thread, long long old_age_ms)
{
	char lost[sizeof s->err];
	struct prm kp[1] = { PU64(old_thread) };
	struct prm mp[1] = { PU64(s->mark_id) };
	long long deadline, up = 0, one;
	int rc, found;

	snprintf(lost, sizeof lost, "%s", s->err);
	if (s->mark == M_NONE)
		return unknown(s, lost, "the transaction inserted no row to "
		    "look for");
	/*
	 * Reconnect now, and again after the usual backoff, until one
	 * connect timeout has passed: about what one more request would
	 * wait for a database that does not answer.
	 */
	deadline = tg_store_now_ms() +
	    (long long)s->cfg.db_connect_timeout * 1000;
	s->next_try_ms = 0;
	while (tg_store_db_connect(s) != TG_STORE_OK) {
		long long t = tg_store_now_ms();
		struct timespec ts;

		if (s->next_try_ms >= deadline || t >= deadline)
			return unknown(s, lost, "cannot reconnect to ask");
		if (s->next_try_ms > t) {
			ts.tv_sec = (s->next_try_ms - t) / 1000;
			ts.tv_nsec = (long)((s->next_try_ms - t) % 1000) *
			    1000000L;
			nanosleep(&ts, NULL);
		}
	}
	rc = tg_store_query_i64(s, TG_STORE_UPTIME_SQL, NULL, 0, &up, &found);
	if (rc != TG_STORE_OK)
		return unknown(s, lost, "cannot ask");
	/* UPTIME is whole seconds, rounded down: a second of margin. */
	if (found && up * 1000 > old_age_ms + 1000) {
		rc = tg_store_run(s, "KILL ?", kp, 1, NULL);
		if (rc == TG_STORE_UNAVAILABLE)
			return unknown(s, lost, "cannot ask");
	}
	rc = tg_store_query_i64(s, mark_sql[s->mark], mp, 1, &one, &found);
	if (rc != TG_STORE_OK)
		return unknown(s, lost, "cannot ask");
	if (!found) {
		snprintf(s->err, sizeof s->err, "%.300s; it did not commit",
		    lost);
		return TG_STORE_UNAVAILABLE;
	}
	snprintf(s->warn, sizeof s->warn, "the answer to a COMMIT was lost "
	    "(%.200s); it did commit (%s row %llu found on a new connection)",
	    lost, mark_table[s->mark], s->mark_id);
	return TG_STORE_OK;
}

int
tg_store_commit(struct tg_store *s)
{
	unsigned long thread;
	long long age;
	unsigned e;
	int rc;

	if (s->db == NULL)
		return TG_STORE_UNAVAILABLE;
	thread = mysql_thread_id(s->db);
	age = tg_store_now_ms() - s->connected_ms;
	if (mysql_commit(s->db) == 0) {
		mysql_autocommit(s->db, 1);
		return TG_STORE_OK;
	}
	e = mysql_errno(s->db);
	rc = tg_store_fail(s, e, "commit", mysql_error(s->db));
	/*
	 * A lost connection may have lost only the answer (see settle);
	 * "commands out of sync" means the COMMIT was never sent.
	 */
	if (rc != TG_STORE_UNAVAILABLE || e == CR_COMMANDS_OUT_OF_SYNC)
		return rc;
	return settle(s, thread, age);
}

/*
 * Commits a change that is in the change feed, then waits (at most
 * TG_STORE_SYNC_MS) until every live authorizer process has applied the
 * feed rows of this transaction, so that when the caller answers, the
 * change is in force everywhere: the very next request after a revoke is
 * refused even with caching.  The change is committed either way; when
 * some process did not confirm in time, tg_store_unconfirmed says how
 * many, so that the caller does not claim what it does not know.  (Such a
 * process stops using its cache within a second of its last feed read.)
 *
 * The rows waited for are the transaction's own, from the mark (its
 * first feed row) to its last: with one row that is the mark; an
 * INSERT ... SELECT may interleave with other transactions' ids, so its
 * last is read inside the transaction, where its own rows are visible
 * (an id above them committed by another transaction makes the range
 * wider, never narrower).
 */
int
tg_store_commit_synced(struct tg_store *s)
{
	unsigned long long lo = 0;
	long long hi = 0;
	int rc, behind, found;

	if (s->mark == M_FEED && s->mark_id != 0) {
		struct prm p[1] = { PU64(s->mark_id) };

		lo = s->mark_id;
		hi = (long long)lo;
		if (s->mark_rows > 1 && (rc = tg_store_query_i64(s, "SELECT "
		    "COALESCE(MAX(id), 0) FROM change_feed WHERE id >= ?", p, 1,
		    &hi, &found)) != TG_STORE_OK) {
			tg_store_rollback(s);
			return rc;
		}
	}
	if ((rc = tg_store_commit(s)) != TG_STORE_OK)
		return rc;
	if (lo == 0)
		return TG_STORE_OK;
	rc = tg_store_feed_wait(s, TG_STORE_SYNC_MS, lo, (uint64_t)hi,
	    &behind);
	s->unconfirmed = rc == TG_STORE_OK ? behind : -1;
	return TG_STORE_OK;
}

int
tg_store_unconfirmed(const struct tg_store *s)
{
	return s->unconfirmed;
}

void
tg_store_rollback(struct tg_store *s)
{
	if (s->db == NULL)
		return;
	mysql_rollback(s->db);
	mysql_autocommit(s->db, 1);
}
