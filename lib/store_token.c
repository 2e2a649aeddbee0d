/*
 * store_token.c: the tokens table, read by every request and changed by
 * the API and the CLI.
 *
 * The lookup is the authorizer's hot path: one prepared statement per
 * connection, routed to the replica when there is one (store_route.c),
 * retried once when the connection died while idle.  Every change (insert,
 * update, rotate, revoke, end of a rotation grace) adds its feed row
 * (store_feed.c) and its audit record (store_audit.c) in its own
 * transaction, and those that take something away wait for the
 * authorizers to apply it before they return (tg_store_commit_synced).
 * Also here: the token API's pages, the CLI's list, and the write-behind
 * of last use.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lookup, a prepared statement of the connection (Q_LOOKUP). */
static const char lookup_sql[] =
    "SELECT t.id, t.hash, t.prev_hash, UNIX_TIMESTAMP(t.prev_hash_until),"
    " t.user_id, u.name, u.enabled, UNIX_TIMESTAMP(t.created_at),"
    " UNIX_TIMESTAMP(t.expires_at), UNIX_TIMESTAMP(t.revoked_at),"
    " t.name, t.permissions, t.api_rules, t.resource_rules,"
    " t.allowed_cidrs, t.environments,"
    " u.role_permissions,"
    " UNIX_TIMESTAMP(t.last_used_at), t.last_used_ip"
    " FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?";

static int
lookup_once(struct tg_store *s, const char *id, struct tg_record *rec)
{
	struct col c[19];
	struct prm p[1] = { PSTR(id) };
	MYSQL_STMT *st;
	int rc, r;

	st = tg_store_prepare(s, Q_LOOKUP, lookup_sql, &rc);
	if (st == NULL)
		return rc;
	if ((rc = tg_store_execute(s, st, p, 1)) != TG_STORE_OK)
		return rc;
	r = tg_store_fetch(s, st, c, 19);
	if (r <= 0) {
		if (s->db != NULL)
			tg_store_release(s, Q_LOOKUP, st);
		return r == 0 ? TG_STORE_NOT_FOUND : r;
	}
	memset(rec, 0, sizeof *rec);
	snprintf(rec->id, sizeof rec->id, "%s", c[0].buf ? c[0].buf : "");
	if (c[1].len != TG_HMAC_LEN || (c[2].buf && c[2].len != TG_HMAC_LEN)) {
		tg_store_cols_free(c, 19);
		tg_store_release(s, Q_LOOKUP, st);
		snprintf(s->err, sizeof s->err, "token %s: bad hash length", id);
		return TG_STORE_ERROR;
	}
	memcpy(rec->hash, c[1].buf, TG_HMAC_LEN);
	if (c[2].buf != NULL) {
		rec->has_prev = 1;
		memcpy(rec->prev_hash, c[2].buf, TG_HMAC_LEN);
		rec->prev_until = tg_store_col_i64(&c[3]);
	}
	rec->user_id = (uint64_t)tg_store_col_i64(&c[4]);
	snprintf(rec->user, sizeof rec->user, "%s", c[5].buf ? c[5].buf : "");
	rec->user_enabled = tg_store_col_i64(&c[6]) != 0;
	rec->created_at = tg_store_col_i64(&c[7]);
	rec->expires_at = tg_store_col_i64(&c[8]);
	rec->revoked_at = tg_store_col_i64(&c[9]);
	rec->name = tg_store_col_take(&c[10]);
	rec->permissions = tg_store_col_take(&c[11]);
	rec->api_rules = tg_store_col_take(&c[12]);
	rec->resource_rules = tg_store_col_take(&c[13]);
	rec->cidrs = tg_store_col_take(&c[14]);
	rec->environments = tg_store_col_take(&c[15]);
	rec->role_permissions = tg_store_col_take(&c[16]);
	rec->last_used_at = tg_store_col_i64(&c[17]);
	snprintf(rec->last_used_ip, sizeof rec->last_used_ip, "%s",
	    c[18].buf ? c[18].buf : "");
	tg_store_cols_free(c, 19);
	tg_store_release(s, Q_LOOKUP, st);
	if (rec->name == NULL || rec->permissions == NULL ||
	    rec->api_rules == NULL || rec->resource_rules == NULL ||
	    rec->cidrs == NULL || rec->environments == NULL ||
	    rec->role_permissions == NULL) {
		tg_record_free(rec);
		snprintf(s->err, sizeof s->err, "out of memory");
		return TG_STORE_ERROR;
	}
	return TG_STORE_OK;
}

struct lookup_arg {
	const char		*id;
	struct tg_record	*rec;
};

static int
lookup_read(struct tg_store *s, void *arg)
{
	const char *id = ((struct lookup_arg *)arg)->id;
	struct tg_record *rec = ((struct lookup_arg *)arg)->rec;
	int had_conn = s->db != NULL;
	int rc;

	rc = lookup_once(s, id, rec);
	/*
	 * A connection that was fine at the last request may have died
	 * since (server restart, idle timeout): try once on a fresh one.
	 */
	if (rc == TG_STORE_UNAVAILABLE && had_conn)
		rc = lookup_once(s, id, rec);
	return rc;
}

int
tg_store_token_lookup(struct tg_store *s, const char *id,
    struct tg_record *rec)
{
	struct lookup_arg a = { id, rec };

	return tg_store_route_read(s, lookup_read, &a);
}

/*
 * The end of every token change: its feed row and its audit record join
 * the transaction, which then commits (and, with sync, waits for the
 * authorizers to apply it: see commit_synced).  On failure everything is
 * rolled back, so a change never exists without its record.
 */
static int
finish_change(struct tg_store *s, const char *id, const struct tg_audit *a,
    int sync)
{
	int rc;

	if ((rc = tg_store_feed_add_token(s, id)) != TG_STORE_OK)
		goto fail;
	if ((rc = tg_store_audit(s, a)) != TG_STORE_OK)
		goto fail;
	return sync ? tg_store_commit_synced(s) : tg_store_commit(s);
fail:
	tg_store_rollback(s);
	return rc;
}

int
tg_store_token_insert(struct tg_store *s, const struct tg_new_token *t,
    const struct tg_audit *a)
{
	struct prm q[1] = { PSTR(t->user) };
	long long uid;
	int rc, found;

	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	rc = tg_store_query_i64(s, "SELECT id FROM users WHERE name = ?", q,
	    1, &uid, &found);
	if (rc != TG_STORE_OK)
		goto fail;
	if (!found) {
		snprintf(s->err, sizeof s->err, "no user named '%s'", t->user);
		rc = TG_STORE_NOT_FOUND;
		goto fail;
	}
	{
		struct prm p[11] = {
			PSTR(t->id), PU64(uid), PSTR(t->name),
			PBIN(t->hash, TG_HMAC_LEN), PSTR(t->permissions),
			PSTR(t->api_rules), PSTR(t->resource_rules),
			PSTR(t->cidrs), PSTR(t->environments),
			PI64(t->created_at), PI64(t->expires_at),
		};

		rc = tg_store_run(s, "INSERT INTO tokens (id, user_id, "
		    "name, hash, permissions, api_rules, resource_rules, "
		    "allowed_cidrs, environments, created_at, expires_at) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), "
		    "FROM_UNIXTIME(?))", p, 11, NULL);
	}
	if (rc != TG_STORE_OK)
		goto fail;
	return finish_change(s, t->id, a, 0);
fail:
	tg_store_rollback(s);
	return rc;
}

int
tg_store_token_revoke(struct tg_store *s, const char *id, int64_t now,
    const struct tg_audit *a)
{
	struct prm q[1] = { PSTR(id) };
	struct prm p[2] = { PI64(now), PSTR(id) };
	long long one;
	int rc, found;

	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	rc = tg_store_query_i64(s, "SELECT 1 FROM tokens WHERE id = ? "
	    "FOR UPDATE", q, 1, &one, &found);
	if (rc != TG_STORE_OK)
		goto fail;
	if (!found) {
		snprintf(s->err, sizeof s->err, "no token with id '%s'", id);
		rc = TG_STORE_NOT_FOUND;
		goto fail;
	}
	rc = tg_store_run(s, "UPDATE tokens SET revoked_at = FROM_UNIXTIME(?), "
	    "prev_hash = NULL, prev_hash_until = NULL "
	    "WHERE id = ? AND revoked_at IS NULL", p, 2, NULL);
	if (rc != TG_STORE_OK)
		goto fail;
	return finish_change(s, id, a, 1);
fail:
	tg_store_rollback(s);
	return rc;
}

int
tg_store_token_list(struct tg_store *s, const char *user, tg_store_row_fn fn,
    void *arg)
{
	struct prm p[2] = { PSTR(user), PSTR(user) };
	struct tg_record rec;
	struct col c[13];
	MYSQL_STMT *st;
	int rc, r;

	st = tg_store_prepare(s, -1,
	    "SELECT t.id, u.name, u.enabled, t.name, t.permissions, "
	    "t.api_rules, t.resource_rules, t.allowed_cidrs, t.environments, "
	    "UNIX_TIMESTAMP(t.created_at), UNIX_TIMESTAMP(t.expires_at), "
	    "UNIX_TIMESTAMP(t.revoked_at), UNIX_TIMESTAMP(t.last_used_at) "
	    "FROM tokens t JOIN users u ON u.id = t.user_id "
	    "WHERE (? IS NULL OR u.name = ?) "
	    "ORDER BY t.created_at DESC, t.id", &rc);
	if (st == NULL)
		return rc;
	if ((rc = tg_store_execute(s, st, p, 2)) != TG_STORE_OK) {
		mysql_stmt_close(st);
		return rc;
	}
	/* Buffer the rows so fn may take its time. */
	if (mysql_stmt_store_result(st) != 0) {
		rc = tg_store_fail(s, mysql_stmt_errno(st), "fetch",
		    mysql_stmt_error(st));
		mysql_stmt_close(st);
		return rc;
	}
	rc = TG_STORE_OK;
	while ((r = tg_store_fetch(s, st, c, 13)) == 1) {
		memset(&rec, 0, sizeof rec);
		snprintf(rec.id, sizeof rec.id, "%s", c[0].buf ? c[0].buf : "");
		snprintf(rec.user, sizeof rec.user, "%s",
		    c[1].buf ? c[1].buf : "");
		rec.user_enabled = tg_store_col_i64(&c[2]) != 0;
		rec.name = c[3].buf;
		rec.permissions = c[4].buf;
		rec.api_rules = c[5].buf;
		rec.resource_rules = c[6].buf;
		rec.cidrs = c[7].buf;
		rec.environments = c[8].buf;
		rec.created_at = tg_store_col_i64(&c[9]);
		rec.expires_at = tg_store_col_i64(&c[10]);
		rec.revoked_at = tg_store_col_i64(&c[11]);
		rec.last_used_at = tg_store_col_i64(&c[12]);
		r = fn(arg, &rec);
		tg_store_cols_free(c, 13);
		if (r != 0)
			break;
	}
	if (r < 0)
		rc = r;
	mysql_stmt_free_result(st);
	mysql_stmt_close(st);
	return rc;
}

struct page_ctx {
	tg_store_row_fn	 fn;
	void		*arg;
};

static int
page_row(void *arg, struct col *c)
{
	struct page_ctx *pc = arg;
	struct tg_record rec;

	memset(&rec, 0, sizeof rec);
	snprintf(rec.id, sizeof rec.id, "%s", c[0].buf ? c[0].buf : "");
	snprintf(rec.user, sizeof rec.user, "%s", c[1].buf ? c[1].buf : "");
	rec.user_enabled = tg_store_col_i64(&c[2]) != 0;
	rec.name = c[3].buf ? c[3].buf : "";
	rec.permissions = c[4].buf ? c[4].buf : "";
	rec.api_rules = c[5].buf ? c[5].buf : "";
	rec.resource_rules = c[6].buf ? c[6].buf : "";
	rec.cidrs = c[7].buf ? c[7].buf : "";
	rec.environments = c[8].buf ? c[8].buf : "";
	rec.created_at = tg_store_col_i64(&c[9]);
	rec.expires_at = tg_store_col_i64(&c[10]);
	rec.revoked_at = tg_store_col_i64(&c[11]);
	rec.last_used_at = tg_store_col_i64(&c[12]);
	snprintf(rec.last_used_ip, sizeof rec.last_used_ip, "%s",
	    c[13].buf ? c[13].buf : "");
	rec.has_prev = c[14].buf != NULL;
	rec.prev_until = tg_store_col_i64(&c[14]);
	rec.role_permissions = c[15].buf ? c[15].buf : "";
	return pc->fn(pc->arg, &rec) != 0 ? 1 : 0;
}

int
tg_store_token_page(struct tg_store *s, const struct tg_store_token_filter *f,
    tg_store_row_fn fn, void *arg)
{
	struct page_ctx pc = { fn, arg };
	struct prm p[8];
	struct sql q;
	unsigned np = 0;

	memset(&q, 0, sizeof q);
	tg_store_sql_add(&q, "SELECT t.id, u.name, u.enabled, t.name, "
	    "t.permissions, t.api_rules, t.resource_rules, t.allowed_cidrs, "
	    "t.environments, UNIX_TIMESTAMP(t.created_at), "
	    "UNIX_TIMESTAMP(t.expires_at), UNIX_TIMESTAMP(t.revoked_at), "
	    "UNIX_TIMESTAMP(t.last_used_at), t.last_used_ip,"
	    " IF(t.prev_hash IS NULL, NULL, UNIX_TIMESTAMP(t.prev_hash_until)),"
	    " u.role_permissions"
	    " FROM tokens t JOIN users u ON u.id = t.user_id WHERE 1 = 1");
	if (f->user != NULL) {
		tg_store_sql_add(&q, " AND u.name = ?");
		p[np++] = PSTR(f->user);
	}
	if (f->state != NULL && strcmp(f->state, "active") == 0) {
		tg_store_sql_add(&q, " AND t.revoked_at IS NULL AND"
		    " t.expires_at > FROM_UNIXTIME(?)");
		p[np++] = PI64(f->now);
	} else if (f->state != NULL && strcmp(f->state, "expired") == 0) {
		tg_store_sql_add(&q, " AND t.revoked_at IS NULL AND"
		    " t.expires_at <= FROM_UNIXTIME(?)");
		p[np++] = PI64(f->now);
	} else if (f->state != NULL && strcmp(f->state, "revoked") == 0) {
		tg_store_sql_add(&q, " AND t.revoked_at IS NOT NULL");
	} else if (f->state != NULL) {
		snprintf(s->err, sizeof s->err, "unknown state '%s'", f->state);
		return TG_STORE_ERROR;
	}
	if (f->after_id != NULL) {
		tg_store_sql_add(&q, " AND (t.created_at < FROM_UNIXTIME(?) OR"
		    " (t.created_at = FROM_UNIXTIME(?) AND t.id > ?))");
		p[np++] = PI64(f->after_created);
		p[np++] = PI64(f->after_created);
		p[np++] = PSTR(f->after_id);
	}
	tg_store_sql_add(&q, " ORDER BY t.created_at DESC, t.id ASC LIMIT ?");
	p[np++] = PU64(f->limit);
	if (q.overflow) {
		snprintf(s->err, sizeof s->err, "token query too long");
		return TG_STORE_ERROR;
	}
	return tg_store_query_rows(s, q.text, p, np, 16, page_row, &pc);
}

struct lock_ctx {
	int	 found;
	int	 revoked;
	int64_t	 expires_at;
	char	*permissions;
};

static int
lock_row(void *arg, struct col *c)
{
	struct lock_ctx *lc = arg;

	lc->found = 1;
	lc->revoked = c[0].buf != NULL;
	lc->expires_at = tg_store_col_i64(&c[1]);
	lc->permissions = tg_store_col_take(&c[2]);
	return 1;
}

/* Locks token id's row for the transaction and reads what guards it. */
static int
lock_token(struct tg_store *s, const char *id, struct lock_ctx *lc)
{
	struct prm p[1] = { PSTR(id) };
	int rc;

	memset(lc, 0, sizeof *lc);
	rc = tg_store_query_rows(s, "SELECT UNIX_TIMESTAMP(revoked_at),"
	    " UNIX_TIMESTAMP(expires_at), permissions FROM tokens"
	    " WHERE id = ? FOR UPDATE", p, 1, 3, lock_row, lc);
	if (rc != TG_STORE_OK)
		return rc;
	if (!lc->found) {
		snprintf(s->err, sizeof s->err, "no token with id '%s'", id);
		return TG_STORE_NOT_FOUND;
	}
	if (lc->permissions == NULL) {
		snprintf(s->err, sizeof s->err, "out of memory");
		return TG_STORE_ERROR;
	}
	return TG_STORE_OK;
}

int
tg_store_token_update(struct tg_store *s, const char *id,
    const struct tg_store_token_change *c, const struct tg_audit *a)
{
	struct prm p[7] = {
		PSTR(c->name), PSTR(c->permissions), PSTR(c->api_rules),
		PSTR(c->resource_rules), PSTR(c->cidrs), PSTR(c->environments),
		PSTR(id),
	};
	struct lock_ctx lc;
	int rc;

	memset(&lc, 0, sizeof lc);
	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	if ((rc = lock_token(s, id, &lc)) != TG_STORE_OK)
		goto fail;
	if (lc.revoked) {
		snprintf(s->err, sizeof s->err, "token %s is revoked", id);
		rc = TG_STORE_CONFLICT;
		goto fail;
	}
	if (c->expect_permissions != NULL &&
	    strcmp(lc.permissions, c->expect_permissions) != 0) {
		snprintf(s->err, sizeof s->err, "token %s was changed "
		    "meanwhile", id);
		rc = TG_STORE_CONFLICT;
		goto fail;
	}
	rc = tg_store_run(s, "UPDATE tokens SET name = COALESCE(?, name),"
	    " permissions = COALESCE(?, permissions),"
	    " api_rules = COALESCE(?, api_rules),"
	    " resource_rules = COALESCE(?, resource_rules),"
	    " allowed_cidrs = COALESCE(?, allowed_cidrs),"
	    " environments = COALESCE(?, environments) WHERE id = ?", p, 7,
	    NULL);
	if (rc != TG_STORE_OK)
		goto fail;
	free(lc.permissions);
	return finish_change(s, id, a, 1);
fail:
	free(lc.permissions);
	tg_store_rollback(s);
	return rc;
}

int
tg_store_token_rotate(struct tg_store *s, const char *id,
    const unsigned char hash[TG_HMAC_LEN], int64_t grace_until, int64_t now,
    const struct tg_audit *a)
{
	/*
	 * prev_hash is assigned before hash: MariaDB evaluates SET from left
	 * to right (and with SIMULTANEOUS_ASSIGNMENT uses the old values),
	 * so either way prev_hash receives the secret being replaced.
	 */
	struct prm p[5] = {
		PI64(grace_until), PI64(grace_until), PI64(grace_until),
		PBIN(hash, TG_HMAC_LEN), PSTR(id),
	};
	struct lock_ctx lc;
	int rc;

	memset(&lc, 0, sizeof lc);
	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	if ((rc = lock_token(s, id, &lc)) != TG_STORE_OK)
		goto fail;
	if (lc.revoked || lc.expires_at <= now) {
		snprintf(s->err, sizeof s->err, "token %s is %s", id,
		    lc.revoked ? "revoked" : "expired");
		rc = TG_STORE_CONFLICT;
		goto fail;
	}
	rc = tg_store_run(s, "UPDATE tokens SET prev_hash = IF(? > 0, "
	    "hash, NULL), prev_hash_until = IF(? > 0, FROM_UNIXTIME(?), NULL),"
	    " hash = ? WHERE id = ?", p, 5, NULL);
	if (rc != TG_STORE_OK)
		goto fail;
	free(lc.permissions);
	return finish_change(s, id, a, 1);
fail:
	free(lc.permissions);
	tg_store_rollback(s);
	return rc;
}

int
tg_store_token_clear_prev(struct tg_store *s, const char *id,
    const unsigned char hash[TG_HMAC_LEN])
{
	struct prm p[2] = { PSTR(id), PBIN(hash, TG_HMAC_LEN) };
	unsigned long long n = 0;
	int rc;

	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	rc = tg_store_run(s, "UPDATE tokens SET prev_hash = NULL, "
	    "prev_hash_until = NULL WHERE id = ? AND hash = ? AND prev_hash IS "
	    "NOT NULL", p, 2, &n);
	if (rc != TG_STORE_OK)
		goto fail;
	if (n > 0 && (rc = tg_store_feed_add_token(s, id)) != TG_STORE_OK)
		goto fail;
	return tg_store_commit(s);
fail:
	tg_store_rollback(s);
	return rc;
}

/* The authorizer's and the API's write-behind of tokens' last use. */
int
tg_store_token_touch(struct tg_store *s, const struct tg_store_use *u,
    size_t n)
{
	size_t i;
	int rc;

	if (n == 0)
		return TG_STORE_OK;
	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	for (i = 0; i < n; i++) {
		struct prm p[4] = { PI64(u[i].at), PSTR(u[i].addr),
			PSTR(u[i].id), PI64(u[i].at) };

		/* Never move last_used backwards (two processes, one token). */
		rc = tg_store_run(s, "UPDATE tokens SET last_used_at = "
		    "FROM_UNIXTIME(?), last_used_ip = ? WHERE id = ? AND "
		    "(last_used_at IS NULL OR last_used_at <= "
		    "FROM_UNIXTIME(?))", p, 4, NULL);
		if (rc != TG_STORE_OK)
			goto fail;
	}
	return tg_store_commit(s);
fail:
	tg_store_rollback(s);
	return rc;
}
