/*
 * store_audit.c: the audit log, written with every change and decision.
 *
 * Two writers: the API and the CLI record each change they make (in the
 * change's own transaction, so that a change never exists without its
 * record), and the authorizer's background writer records its decisions
 * in batches (tg_store_audit_decisions).  One reader: the API's audit
 * page.  Apart because the log is append-only history with a reader of
 * its own, not part of any token's state.
 */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "names.h"

/*
 * One statement, so that it can join the transaction of a token change
 * (store_token.c) as well as stand alone.
 */
int
tg_store_audit(struct tg_store *s, const struct tg_audit *a)
{
	char clean[TG_STORE_DETAIL_MAX];
	const char *detail = a->detail;

	/*
	 * utf8mb4 refuses text that is not UTF-8 and the record would be
	 * lost with it, so anything else is escaped here, whatever the
	 * caller did (tg_names_clean keeps valid text as it is).
	 */
	if (detail != NULL && (strlen(detail) >= sizeof clean ||
	    !tg_names_utf8_printable(detail, strlen(detail)))) {
		tg_names_clean(detail, strlen(detail), sizeof clean - 1, clean,
		    sizeof clean);
		detail = clean;
	}
	{
		struct prm p[10] = {
			PSTR(a->actor), PSTR(a->actor_token_id), PSTR(a->via),
			PSTR(a->secret), PSTR(a->action),
			PSTR(a->target_token_id), PSTR(a->target_user),
			PSTR(a->outcome), PSTR(a->remote_addr), PSTR(detail),
		};

		return tg_store_run(s, "INSERT INTO audit_log (at, actor, "
		    "actor_token_id, via, secret, action, target_token_id, "
		    "target_user, outcome, remote_addr, detail) VALUES "
		    "(UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    p, 10, NULL);
	}
}

int
tg_store_audit_decisions(struct tg_store *s,
    const struct tg_store_decision *r, size_t n)
{
	char detail[300];
	size_t i;
	int rc;

	if (n == 0)
		return TG_STORE_OK;
	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	for (i = 0; i < n; i++) {
		const char *tid = r[i].token_id[0] ? r[i].token_id : NULL;

		snprintf(detail, sizeof detail, "%d %s %s", r[i].status,
		    r[i].method, r[i].path);
		{
			struct prm p[9] = {
				PI64(r[i].at_us / 1000000),
				PI64(r[i].at_us % 1000000),
				PSTR(r[i].user[0] ? r[i].user : NULL),
				PSTR(tid),
				PSTR(r[i].status == 200 ? "authz.allow" :
				    "authz.deny"),
				PSTR(tid), PSTR(r[i].reason),
				PSTR(r[i].addr[0] ? r[i].addr : NULL),
				PSTR(detail),
			};

			rc = tg_store_run_marked(s, M_AUDIT,
			    "INSERT INTO audit_log (at, actor, actor_token_id, "
			    "via, action, target_token_id, outcome, "
			    "remote_addr, detail) VALUES (FROM_UNIXTIME(?) + "
			    "INTERVAL ? MICROSECOND, ?, ?, 'api_token', ?, ?, "
			    "?, ?, ?)", p, 9);
		}
		if (rc != TG_STORE_OK)
			goto fail;
	}
	return tg_store_commit(s);
fail:
	tg_store_rollback(s);
	return rc;
}

struct audit_ctx {
	tg_store_audit_fn	 fn;
	void			*arg;
};

static int
audit_row(void *arg, struct col *c)
{
	struct audit_ctx *ac = arg;
	struct tg_store_audit_row r;

	memset(&r, 0, sizeof r);
	r.id = (uint64_t)tg_store_col_i64(&c[0]);
	r.at = tg_store_col_i64(&c[1]);
	r.a.actor = c[2].buf;
	r.a.actor_token_id = c[3].buf;
	r.a.via = c[4].buf;
	r.a.action = c[5].buf;
	r.a.target_token_id = c[6].buf;
	r.a.target_user = c[7].buf;
	r.a.outcome = c[8].buf;
	r.a.remote_addr = c[9].buf;
	r.a.detail = c[10].buf;
	r.a.secret = c[11].buf;
	return ac->fn(ac->arg, &r) != 0 ? 1 : 0;
}

int
tg_store_audit_page(struct tg_store *s, const struct tg_store_audit_filter *f,
    tg_store_audit_fn fn, void *arg)
{
	struct audit_ctx ac = { fn, arg };
	struct prm p[10];
	struct sql q;
	unsigned np = 0;

	memset(&q, 0, sizeof q);
	tg_store_sql_add(&q, "SELECT id, FLOOR(UNIX_TIMESTAMP(at)), actor,"
	    " actor_token_id, via, action, target_token_id, target_user,"
	    " outcome, remote_addr, detail, secret FROM audit_log"
	    " WHERE 1 = 1");
	if (f->user != NULL) {
		tg_store_sql_add(&q, " AND (actor = ? OR target_user = ?)");
		p[np++] = PSTR(f->user);
		p[np++] = PSTR(f->user);
	}
	if (f->token != NULL) {
		tg_store_sql_add(&q, " AND (actor_token_id = ? OR "
		    "target_token_id = ?)");
		p[np++] = PSTR(f->token);
		p[np++] = PSTR(f->token);
	}
	if (f->action != NULL) {
		tg_store_sql_add(&q, " AND action = ?");
		p[np++] = PSTR(f->action);
	}
	if (f->since > 0) {
		tg_store_sql_add(&q, " AND at >= FROM_UNIXTIME(?)");
		p[np++] = PI64(f->since);
	}
	if (f->until > 0) {
		tg_store_sql_add(&q, " AND at < FROM_UNIXTIME(?)");
		p[np++] = PI64(f->until);
	}
	if (f->before_id > 0) {
		tg_store_sql_add(&q, " AND id < ?");
		p[np++] = PU64(f->before_id);
	}
	tg_store_sql_add(&q, " ORDER BY id DESC LIMIT ?");
	p[np++] = PU64(f->limit);
	if (q.overflow) {
		snprintf(s->err, sizeof s->err, "audit query too long");
		return TG_STORE_ERROR;
	}
	return tg_store_query_rows(s, q.text, p, np, 12, audit_row, &ac);
}
