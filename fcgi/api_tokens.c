/*
 * api_tokens.c: the /tokens routes.
 *
 * Every route that acts on one token reads it first and answers 404 both
 * when it does not exist and when it belongs to someone else and the
 * caller lacks token:admin, so an id never reveals whether it exists.
 * Every change is written together with its audit record in one
 * transaction (lib/store does that); every refused attempt at a change by
 * an authenticated caller gets an audit record of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "api.h"
#include "fcgi_common.h"
#include "mint.h"
#include "tokenjson.h"
#include "tokenop.h"
#include "names.h"
#include "text.h"
#include "token.h"

#define DETAIL_MAX	1024

/* May the caller see (and act on) rec at all? */
static int
visible(const struct api_req *q, const struct tg_record *rec)
{
	return strcmp(rec->user, q->caller.user) == 0 ||
	    api_has(q, "token:admin");
}

/*
 * Reads the token of the route.  Returns 0 with rec filled (free it), or
 * -1 after replying 404 (recording the attempt when action is not NULL)
 * or a database error.
 */
static int
load_target(struct api_req *q, struct tg_record *rec, const char *action)
{
	int rc = tg_store_token_lookup(q->w->store, q->id, rec);

	if (rc == TG_STORE_OK && visible(q, rec))
		return 0;
	if (rc == TG_STORE_OK)
		tg_record_free(rec);
	if (rc == TG_STORE_OK || rc == TG_STORE_NOT_FOUND) {
		if (action != NULL)
			api_audit_refused(q, action, q->id, NULL, "not_found",
			    NULL);
		api_reply_error(q, 404, "not_found", NULL, "no such token");
		return -1;
	}
	api_reply_store(q, rc);
	return -1;
}

/*
 * The caller as lib/mint sees it: a token caller's record is read for
 * its limits (crec, freed by the caller of this function when c->is_token);
 * sessions only have permissions.  Returns 0, or -1 after replying.
 */
static int
caller_limits(struct api_req *q, struct tg_record *crec,
    struct tg_mint_caller *c)
{
	int rc;

	tg_mint_caller_init(c, q->caller.perms, NULL);
	if (q->caller.grant == NULL)
		return 0;
	if ((rc = api_caller_record(q, crec)) != TG_STORE_OK) {
		api_reply_store(q, rc == TG_STORE_NOT_FOUND ? TG_STORE_ERROR :
		    rc);
		return -1;
	}
	tg_mint_caller_init(c, q->caller.perms, crec);
	return 0;
}

/*
 * Records a refused attempt at action on the route's token (owned by
 * target_user) with outcome and detail, and answers e.  Returns -1.
 */
static int
refused(struct api_req *q, const char *action, const char *target_user,
    const char *outcome, const char *detail,
    const struct tg_apireq_error *e)
{
	api_audit_refused(q, action, q->id, target_user, outcome, detail);
	api_reply_apireq(q, e);
	return -1;
}

/* A request that lib/apireq refused: the field and message are audited. */
static int
refused_invalid(struct api_req *q, const char *action,
    const char *target_user, const struct tg_apireq_error *e)
{
	char detail[DETAIL_MAX];

	snprintf(detail, sizeof detail, "%s: %s", e->field, e->message);
	return refused(q, action, target_user, "invalid", detail, e);
}

/*
 * A revoked or expired token cannot be changed: records the attempt and
 * answers 409, "the token is <state> and <what>".  Returns -1.
 */
static int
refused_inactive(struct api_req *q, const char *action,
    const struct tg_record *rec, const char *what)
{
	const char *state = tg_record_state(rec, q->now);

	api_audit_refused(q, action, q->id, rec->user, "conflict", state);
	api_reply_error(q, 409, "token_inactive", NULL, "the token is %s and "
	    "%s", state, what);
	return -1;
}

/*
 * Maps a lib/mint result: 0 for allowed; else -1 after answering 500 (the
 * check failed) or recording the refusal and answering 403, with the
 * permissions not granted when missing is not NULL.
 */
static int
mint_refused(struct api_req *q, int rc, const char *action,
    const char *target_user, const struct tg_apireq_error *e,
    const struct tg_perm_set *missing)
{
	char detail[DETAIL_MAX];

	if (rc == 0)
		return 0;
	if (rc < 0) {
		api_reply_apireq(q, e);
		return -1;
	}
	snprintf(detail, sizeof detail, "%s: %s", e->field, e->message);
	api_audit_refused(q, action, q->id, target_user, "denied", detail);
	if (missing != NULL)
		api_reply_cannot_grant(q, e, missing);
	else
		api_reply_apireq(q, e);
	return -1;
}

/*
 * Maps the store's answer to a change of the route's token: 0 when it was
 * made, else -1 after replying: a conflict is recorded (why) and answered
 * 409 with code and message, a token gone meanwhile 404, anything else as
 * the store's error.
 */
static int
change_failed(struct api_req *q, int rc, const char *action,
    const char *target_user, const char *code, const char *why,
    const char *message)
{
	if (rc == TG_STORE_OK)
		return 0;
	if (rc == TG_STORE_CONFLICT) {
		api_audit_refused(q, action, q->id, target_user, "conflict",
		    why);
		api_reply_error(q, 409, code, NULL, "%s", message);
	} else if (rc == TG_STORE_NOT_FOUND)
		api_reply_error(q, 404, "not_found", NULL, "no such token");
	else
		api_reply_store(q, rc);
	return -1;
}

/* Appends "key=value" to a detail line, cut at DETAIL_MAX. */
static void
detail_add(char *d, const char *key, const char *value)
{
	size_t n = strlen(d);
	const char *p;

	if (n + 2 >= DETAIL_MAX)
		return;
	snprintf(d + n, DETAIL_MAX - n, "%s%s=", n ? "; " : "", key);
	n = strlen(d);
	/* Lists are stored with '\n'; a detail line uses spaces. */
	for (p = value; *p != '\0' && n + 1 < DETAIL_MAX; p++)
		d[n++] = *p == '\n' ? ' ' : *p;
	d[n] = '\0';
}

/* --- GET /tokens ------------------------------------------------------ */

struct list_ctx {
	struct api_page		 page;
	int64_t			 now;
	int64_t			 last_created;
	char			 last_id[TG_TOKEN_ID_LEN + 1];
};

static int
list_row(void *arg, const struct tg_record *r)
{
	struct list_ctx *lc = arg;

	if (api_reply_page_full(&lc->page))
		return 1;
	api_reply_page_add(&lc->page, tg_tokenjson_record(r,
	    api_cfg.token_prefix, lc->now, TG_TOKENJSON_API));
	lc->last_created = r->created_at;
	memcpy(lc->last_id, r->id, sizeof lc->last_id);
	return 0;
}

void
api_tokens_list(struct api_req *q)
{
	struct tg_store_token_filter f;
	struct tg_query_list l;
	struct tg_apireq_error e;
	struct list_ctx lc;
	char cursor[TG_QUERY_CURSOR_LEN];
	int rc;

	rc = tg_query_tokens(q->query, q->query_len, q->caller.user,
	    api_has(q, "token:admin"), &api_cfg, q->now, &l, &f, &e);
	if (rc < 0) {
		api_reply_apireq(q, &e);
		return;
	}
	if (rc > 0) {
		api_refuse(q, TG_INSUFFICIENT_PERMISSIONS, "token:admin");
		return;
	}
	memset(&lc, 0, sizeof lc);
	api_reply_page_start(&lc.page, l.limit);
	lc.now = q->now;
	rc = tg_store_token_page(q->w->store, &f, list_row, &lc);
	api_reply_page(q, &lc.page, rc, "tokens", lc.page.more &&
	    tg_query_cursor_format(lc.last_created, lc.last_id, cursor,
	    sizeof cursor) == 0 ? cursor : NULL);
}

/* --- GET /tokens/{id} ------------------------------------------------- */

void
api_tokens_get(struct api_req *q)
{
	struct tg_record rec;
	struct json_object *o;

	if (load_target(q, &rec, NULL) != 0)
		return;
	o = tg_tokenjson_record(&rec, api_cfg.token_prefix, q->now,
	    TG_TOKENJSON_API);
	api_reply_json(q, 200, o, NULL, 0);
	json_object_put(o);
	tg_record_free(&rec);
}

/* --- POST /tokens ----------------------------------------------------- */

/* The 201 reply: the only time the raw token is ever shown. */
static void
reply_created(struct api_req *q, const struct tg_token *tok,
    const struct tg_apireq_token *t, const struct tg_new_token *nt)
{
	struct json_object *o;
	char loc[TG_CONFIG_STR + 64];

	o = tg_tokenjson_created(tok, nt, t->profile, api_cfg.token_prefix,
	    TG_TOKENJSON_API);
	snprintf(loc, sizeof loc, "Location: %s/tokens/%s\r\n",
	    api_cfg.api_base, tok->id);
	api_reply_json(q, 201, o, loc, 1);
	tg_tokenjson_free(o);
}

void
api_tokens_create(struct api_req *q)
{
	static const char action[] = "token.create";
	struct tg_apireq_token t;
	struct tg_mint_caller c;
	struct tg_apireq_error e;
	struct tg_perm_set missing = { NULL, 0 };
	struct tg_record crec;
	struct tg_new_token nt;
	struct tg_audit a;
	struct tg_token tok;
	char *body = NULL, detail[DETAIL_MAX], days[16];
	size_t len;
	int rc, have_crec = 0;

	memset(&t, 0, sizeof t);
	memset(&tok, 0, sizeof tok);
	memset(&crec, 0, sizeof crec);
	if (api_read_body(q, &body, &len, &e) != 0) {
		refused(q, action, q->caller.user, "invalid", e.message, &e);
		goto out;
	}
	if (tg_apireq_parse_create(body, len, &api_cfg, &t, &e) != 0) {
		refused_invalid(q, action, q->caller.user, &e);
		goto out;
	}
	if (caller_limits(q, &crec, &c) != 0)
		goto out;
	have_crec = c.is_token;
	rc = tg_mint_create(&c, &t, q->caller.user, q->now, &nt, &missing,
	    &e);
	if (mint_refused(q, rc, action, q->caller.user, &e, &missing) != 0)
		goto out;
	detail[0] = '\0';
	snprintf(days, sizeof days, "%ld", t.expires_in_days);
	detail_add(detail, "expiresInDays", days);
	if (t.profile != NULL)
		detail_add(detail, "profile", t.profile);
	detail_add(detail, "permissions", nt.permissions);
	api_audit_fill(q, &a, action, NULL, q->caller.user, "ok", detail);
	rc = tg_tokenop_create(q->w->store, q->w->hmac, api_cfg.token_prefix,
	    &nt, &a, &tok);
	if (rc == TG_TOKENOP_NO_SECRET)
		api_reply_error(q, 500, "internal_error", NULL,
		    "cannot generate a token");
	else if (rc != TG_STORE_OK)
		api_reply_store(q, rc);
	else
		reply_created(q, &tok, &t, &nt);
out:
	tg_token_wipe(&tok);
	tg_perm_set_free(&missing);
	tg_apireq_token_free(&t);
	if (have_crec)
		tg_record_free(&crec);
	free(body);
}

/* --- PATCH /tokens/{id} ----------------------------------------------- */

void
api_tokens_update(struct api_req *q)
{
	static const char action[] = "token.update";
	struct tg_store_token_change ch;
	struct tg_apireq_token t;
	struct tg_mint_caller c;
	struct tg_apireq_error e;
	struct tg_perm_set missing = { NULL, 0 };
	struct tg_record rec, crec;
	struct tg_audit a;
	struct json_object *o;
	char *body = NULL, detail[DETAIL_MAX], changed[160], extra[64];
	size_t len;
	int rc, status, have_rec = 0, have_crec = 0;

	memset(&t, 0, sizeof t);
	memset(&crec, 0, sizeof crec);
	if (load_target(q, &rec, action) != 0)
		return;
	have_rec = 1;
	if (api_read_body(q, &body, &len, &e) != 0) {
		refused(q, action, rec.user, "invalid", e.message, &e);
		goto out;
	}
	if (tg_apireq_parse_update(body, len, &t, &e) != 0) {
		refused_invalid(q, action, rec.user, &e);
		goto out;
	}
	if (!tg_record_active(&rec, q->now)) {
		refused_inactive(q, action, &rec, "can no longer be changed");
		goto out;
	}
	if (t.permissions != NULL && mint_refused(q, tg_mint_shrink(
	    rec.permissions, t.permissions, &missing, &e), action, rec.user,
	    &e, &missing) != 0)
		goto out;
	/* A restricted token may not lift restrictions (lib/mint). */
	if (tg_mint_update_limits(&t)) {
		if (caller_limits(q, &crec, &c) != 0)
			goto out;
		have_crec = c.is_token;
		if (mint_refused(q, tg_mint_update(&c, &rec, &t, &e), action,
		    rec.user, &e, NULL) != 0)
			goto out;
	}
	memset(&ch, 0, sizeof ch);
	ch.name = t.name;
	ch.permissions = t.permissions;
	ch.api_rules = t.api_rules;
	ch.resource_rules = t.resource_rules;
	ch.cidrs = t.cidrs;
	ch.environments = t.environments;
	ch.expect_permissions = rec.permissions;
	snprintf(changed, sizeof changed, "%s%s%s%s%s%s",
	    t.name ? " name" : "", t.permissions ? " permissions" : "",
	    t.api_rules ? " apiRules" : "",
	    t.resource_rules ? " resourceRules" : "",
	    t.cidrs ? " allowedCidrs" : "",
	    t.environments ? " environments" : "");
	detail[0] = '\0';
	detail_add(detail, "changed", changed + 1);
	if (t.permissions != NULL)
		detail_add(detail, "permissions", t.permissions);
	api_audit_fill(q, &a, action, q->id, rec.user, "ok", detail);
	rc = tg_store_token_update(q->w->store, q->id, &ch, &a);
	if (change_failed(q, rc, action, rec.user, "conflict",
	    "changed meanwhile", "the token was changed or revoked "
	    "meanwhile; read it again and retry") != 0)
		goto out;
	/* Before the lookup below, which is not a change. */
	status = api_propagation(q, action, 200, extra, sizeof extra);
	tg_record_free(&rec);
	have_rec = 0;
	if ((rc = tg_store_token_lookup(q->w->store, q->id, &rec)) != TG_STORE_OK) {
		api_reply_store(q, rc == TG_STORE_NOT_FOUND ? TG_STORE_ERROR :
		    rc);
		goto out;
	}
	have_rec = 1;
	o = tg_tokenjson_record(&rec, api_cfg.token_prefix, q->now,
	    TG_TOKENJSON_API);
	api_reply_json(q, status, o, extra, 0);
	json_object_put(o);
out:
	tg_perm_set_free(&missing);
	tg_apireq_token_free(&t);
	if (have_rec)
		tg_record_free(&rec);
	if (have_crec)
		tg_record_free(&crec);
	free(body);
}

/* --- DELETE /tokens/{id} ---------------------------------------------- */

void
api_tokens_revoke(struct api_req *q)
{
	struct tg_record rec;
	struct tg_audit a;
	char extra[64];
	int rc;

	if (load_target(q, &rec, "token.revoke") != 0)
		return;
	/* Revoking twice is not an error, but the audit log says so. */
	api_audit_fill(q, &a, "token.revoke", q->id, rec.user, "ok",
	    rec.revoked_at != 0 ? "already revoked" : NULL);
	rc = tg_store_token_revoke(q->w->store, q->id, q->now, &a);
	if (rc == TG_STORE_OK) {
		/* 204 only when every authorizer confirmed: a client that
		 * revokes a leaked token must not read "done" otherwise. */
		if (api_propagation(q, "token.revoke", 204, extra,
		    sizeof extra) == 204)
			api_reply_empty(q, 204, extra);
		else
			api_reply_pending(q, extra);
	} else if (rc == TG_STORE_NOT_FOUND)
		api_reply_error(q, 404, "not_found", NULL, "no such token");
	else
		api_reply_store(q, rc);
	tg_record_free(&rec);
}

/* --- POST /tokens/{id}/rotate ----------------------------------------- */

static void
reply_rotated(struct api_req *q, const struct tg_token *tok,
    const struct tg_record *rec, int64_t grace_until, int status,
    const char *extra)
{
	struct json_object *o;

	o = tg_tokenjson_rotated(tok, rec, q->now, grace_until,
	    api_cfg.token_prefix);
	api_reply_json(q, status, o, extra, 1);
	tg_tokenjson_free(o);
}

void
api_tokens_rotate(struct api_req *q)
{
	static const char action[] = "token.rotate";
	struct tg_mint_caller c;
	struct tg_apireq_error e;
	struct tg_perm_set missing = { NULL, 0 };
	struct tg_record rec, crec;
	struct tg_audit a;
	struct tg_token tok;
	char *body = NULL, detail[DETAIL_MAX], extra[64];
	int64_t grace_until;
	size_t len;
	long grace;
	int rc, status, have_crec = 0;

	memset(&tok, 0, sizeof tok);
	memset(&crec, 0, sizeof crec);
	if (load_target(q, &rec, action) != 0)
		return;
	/*
	 * The new secret is a credential of the token's owner: handing it to
	 * anyone else, even to token:admin, would let them act as the owner.
	 * Admins revoke or shrink other people's tokens instead.
	 */
	if (strcmp(rec.user, q->caller.user) != 0) {
		api_audit_refused(q, action, q->id, rec.user, "denied",
		    "not the owner");
		api_reply_error(q, 403, "cannot_grant", NULL, "only the owner "
		    "of a token can rotate it");
		goto out;
	}
	if (api_read_body(q, &body, &len, &e) != 0) {
		refused(q, action, rec.user, "invalid", e.message, &e);
		goto out;
	}
	if (tg_apireq_parse_rotate(body, len,
	    api_cfg.rotation_max_grace_seconds, &grace, &e) != 0) {
		refused_invalid(q, action, rec.user, &e);
		goto out;
	}
	if (!tg_record_active(&rec, q->now)) {
		refused_inactive(q, action, &rec, "cannot be rotated");
		goto out;
	}
	/*
	 * Rotating hands out the token's secret, which is minting it again:
	 * a token may rotate itself, but another token only when it could
	 * have created that token.
	 */
	if (q->caller.grant != NULL && strcmp(q->caller.token_id, q->id) != 0) {
		if (caller_limits(q, &crec, &c) != 0)
			goto out;
		have_crec = 1;
		if (mint_refused(q, tg_mint_rotate(&c, &rec, &missing, &e),
		    action, rec.user, &e, &missing) != 0)
			goto out;
	}
	grace_until = grace > 0 ? q->now + grace : 0;
	snprintf(detail, sizeof detail, "graceSeconds=%ld", grace);
	api_audit_fill(q, &a, action, q->id, rec.user, "ok", detail);
	rc = tg_tokenop_rotate(q->w->store, q->w->hmac, api_cfg.token_prefix,
	    q->id, grace_until, q->now, &a, &tok);
	if (rc == TG_TOKENOP_NO_SECRET) {
		api_reply_error(q, 500, "internal_error", NULL, "cannot "
		    "generate a secret");
		goto out;
	}
	if (change_failed(q, rc, action, rec.user, "token_inactive",
	    "revoked or expired meanwhile", "the token was revoked or "
	    "expired meanwhile") != 0)
		goto out;
	/* A pending rotation still hands out its secret: it is committed,
	 * and the old one may have ended already. */
	status = api_propagation(q, action, 200, extra, sizeof extra);
	reply_rotated(q, &tok, &rec, grace_until, status, extra);
out:
	tg_token_wipe(&tok);
	tg_perm_set_free(&missing);
	free(body);
	tg_record_free(&rec);
	if (have_crec)
		tg_record_free(&crec);
}
