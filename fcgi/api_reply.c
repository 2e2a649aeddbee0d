/*
 * api_reply.c: every reply tokengate-api sends.
 *
 * Bodies are JSON from json-c.  Errors always have the same three members,
 * {"error": CODE, "message": "...", "field": "..." or null}, so a client
 * needs one code path for all of them; refusals of the caller itself add
 * the authorizer's "reason" and "status" so that both programs answer a
 * bad token the same way.  Replies are never cached.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <openssl/crypto.h>

#include "api.h"
#include "token.h"
#include "fcgi_common.h"

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

void
api_reply_json(struct api_req *q, int status, struct json_object *o,
    const char *extra, int secret)
{
	const char *body = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = body != NULL ? strlen(body) : 0;
	char head[768];

	/* A refusal that left no audit record is not answered as one. */
	if (q->audit_lost && status >= 400 && status != 503) {
		q->audit_lost = 0;
		api_reply_error(q, 503, "temporarily_unavailable", NULL,
		    "the refusal of this request could not be recorded in "
		    "the audit log; try again");
		return;
	}

	/* libfcgi's own printf knows no %zu: format the head here. */
	snprintf(head, sizeof head, "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Length: %zu\r\n%s\r\n", status, reason_phrase(status), len,
	    extra != NULL ? extra : "");
	FCGX_PutS(head, q->r->out);
	if (!q->head && len > 0)
		FCGX_PutStr(body, (int)len, q->r->out);
	/* The serialization is json-c's buffer inside o: wipe it in place. */
	if (secret && len > 0)
		OPENSSL_cleanse((void *)(uintptr_t)body, len);
}

static struct json_object *
error_object(const char *code, const char *field, const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_object_add(o, "field", field != NULL && field[0] != '\0' ?
	    json_object_new_string(field) : NULL);
	return o;
}

void
api_reply_error(struct api_req *q, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	struct json_object *o;
	char msg[512], safe_field[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Messages and field names may quote what the client sent, a
	 * pasted token too. */
	tg_token_redact(msg, api_cfg.token_prefix);
	if (field != NULL) {
		snprintf(safe_field, sizeof safe_field, "%s", field);
		tg_token_redact(safe_field, api_cfg.token_prefix);
		field = safe_field;
	}
	o = error_object(code, field, msg);
	api_reply_json(q, status, o, status == 503 ? "Retry-After: 1\r\n" :
	    NULL, 0);
	json_object_put(o);
}

void
api_reply_apireq(struct api_req *q, const struct tg_apireq_error *e)
{
	api_reply_error(q, e->status, e->code, e->field, "%s", e->message);
}

void
api_reply_cannot_grant(struct api_req *q, const struct tg_apireq_error *e,
    const struct tg_perm_set *missing)
{
	struct json_object *o = error_object(e->code, e->field, e->message);
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; missing != NULL && i < missing->n; i++)
		json_object_array_add(a,
		    json_object_new_string(missing->items[i]));
	json_object_object_add(o, "permissions", a);
	api_reply_json(q, e->status, o, NULL, 0);
	json_object_put(o);
}

/* The English message for a refusal of the caller. */
static const char *
decision_message(const struct tg_decision *d)
{
	switch (d->reason) {
	case TG_MISSING:
		return "an Authorization: Bearer token is required";
	case TG_MALFORMED:
		return "the bearer token is malformed";
	case TG_NOT_FOUND:
		return "the bearer token is not valid";
	case TG_EXPIRED:
		return "the bearer token has expired";
	case TG_REVOKED:
		return "the bearer token has been revoked";
	case TG_USER_DISABLED:
		return "the token's owner is disabled";
	case TG_IP_DENIED:
		return "the token may not be used from this address";
	case TG_ENV_DENIED:
		return "the token may not be used in this environment";
	case TG_RULE_DENIED:
		return "a rule of the token denies this request";
	case TG_NO_RULE_MATCHED:
		return "no rule of the token allows this request";
	case TG_INSUFFICIENT_PERMISSIONS:
		return "a permission this request needs is missing";
	case TG_BAD_PATH:
		return "the request path cannot be made canonical";
	case TG_RATE_LIMITED:
		return "too many failed attempts from this address; retry later";
	default:
		return "the service is temporarily unavailable";
	}
}

void
api_reply_decision(struct api_req *q, const struct tg_decision *d,
    int bearer)
{
	static const char challenge[] =
	    "WWW-Authenticate: Bearer realm=\"tokengate\"";
	struct json_object *o;
	const char *code;
	char extra[256], msg[400];
	int scoped;

	extra[0] = '\0';
	scoped = d->reason == TG_INSUFFICIENT_PERMISSIONS &&
	    tg_perm_valid(d->detail, strlen(d->detail));
	if (d->status == 401) {
		code = "invalid_token";
		if (bearer)
			snprintf(extra, sizeof extra, "%s, error="
			    "\"invalid_token\"\r\n", challenge);
	} else if (d->status == 403) {
		code = "insufficient_scope";
		/* A permission is [A-Za-z0-9_.:*-]: safe inside quotes. */
		if (bearer && scoped)
			snprintf(extra, sizeof extra, "%s, error="
			    "\"insufficient_scope\", scope=\"%.160s\"\r\n",
			    challenge, d->detail);
		else if (bearer)
			snprintf(extra, sizeof extra, "%s, error="
			    "\"insufficient_scope\"\r\n", challenge);
	} else if (d->status == 429) {
		code = "rate_limited";
		snprintf(extra, sizeof extra, "Retry-After: %u\r\n",
		    d->retry_after > 0 ? d->retry_after : 1);
	} else {
		code = "temporarily_unavailable";
		snprintf(extra, sizeof extra, "Retry-After: 1\r\n");
	}
	if (scoped)
		snprintf(msg, sizeof msg, "%s: %.160s", decision_message(d),
		    d->detail);
	else
		snprintf(msg, sizeof msg, "%s", decision_message(d));
	o = error_object(code, NULL, msg);
	json_object_object_add(o, "reason",
	    json_object_new_string(tg_policy_reason_str(d->reason)));
	json_object_object_add(o, "status", json_object_new_int(d->status));
	api_reply_json(q, d->status, o, extra, 0);
	json_object_put(o);
}

void
api_reply_store(struct api_req *q, int rc)
{
	char err[300];

	tg_fcgi_escape(tg_store_error(q->w->store), 256, err, sizeof err);
	tg_fcgi_log("database: %s", err);
	if (rc == TG_STORE_UNAVAILABLE)
		api_reply_error(q, 503, "temporarily_unavailable", NULL,
		    "the database cannot be reached; try again");
	else if (rc == TG_STORE_UNKNOWN)
		/* Retrying blindly could create a second token, or rotate
		 * away a secret the client never received. */
		api_reply_error(q, 503, "outcome_unknown", NULL,
		    "the database stopped answering while the change was "
		    "being committed, so it may or may not have been made; "
		    "read the current state (list the tokens, read the "
		    "token) before retrying");
	else
		api_reply_error(q, 500, "internal_error", NULL,
		    "the database refused the request");
}

void
api_reply_method(struct api_req *q, const char *allow)
{
	char extra[128];
	struct json_object *o;

	snprintf(extra, sizeof extra, "Allow: %s\r\n", allow);
	o = error_object("method_not_allowed", NULL, "method not allowed "
	    "here");
	api_reply_json(q, 405, o, extra, 0);
	json_object_put(o);
}

void
api_reply_empty(struct api_req *q, int status, const char *extra)
{
	FCGX_FPrintF(q->r->out, "Status: %d %s\r\nCache-Control: no-store\r\n"
	    "%s\r\n", status, reason_phrase(status), extra != NULL ? extra :
	    "");
}

int
api_propagation(struct api_req *q, const char *action, int ok_status,
    char *extra, size_t n)
{
	int behind = tg_store_unconfirmed(q->w->store);

	if (behind == 0) {
		snprintf(extra, n, "Tokengate-Propagation: confirmed\r\n");
		return ok_status;
	}
	snprintf(extra, n, "Tokengate-Propagation: pending\r\n");
	if (behind > 0)
		tg_fcgi_log("warning: %s of token %s committed, but %d "
		    "authorizer process%s did not confirm it within %d ms; "
		    "answered 202 (propagation pending)", action, q->id, behind,
		    behind == 1 ? "" : "es", TG_STORE_SYNC_MS);
	else
		tg_fcgi_log("warning: %s of token %s committed, but the wait "
		    "for the authorizers failed: %s; answered 202 (propagation "
		    "pending)", action, q->id, tg_store_error(q->w->store));
	return 202;
}

void
api_reply_pending(struct api_req *q, const char *extra)
{
	struct json_object *o = json_object_new_object();
	int behind = tg_store_unconfirmed(q->w->store);

	json_object_object_add(o, "propagation",
	    json_object_new_string("pending"));
	json_object_object_add(o, "unconfirmed", behind > 0 ?
	    json_object_new_int(behind) : NULL);
	json_object_object_add(o, "message", json_object_new_string("the "
	    "change is committed, but not every authorizer process confirmed "
	    "applying it in time; a process that has not applied it stops "
	    "using its cache at most a second after its last feed read, so "
	    "it is refused everywhere within about a second unless an "
	    "authorizer is cut off from the database with stale_if_error "
	    "set. Do not retry blindly; read the token to see its state."));
	api_reply_json(q, 202, o, extra, 0);
	json_object_put(o);
}

void
api_reply_page_start(struct api_page *pg, unsigned limit)
{
	memset(pg, 0, sizeof *pg);
	pg->limit = limit;
}

int
api_reply_page_full(struct api_page *pg)
{
	if (pg->n < pg->limit)
		return 0;
	pg->more = 1;
	return 1;
}

void
api_reply_page_add(struct api_page *pg, struct json_object *o)
{
	if (pg->arr == NULL)
		pg->arr = json_object_new_array();
	json_object_array_add(pg->arr, o);
	pg->n++;
}

void
api_reply_page(struct api_req *q, struct api_page *pg, int rc,
    const char *member, const char *next)
{
	struct json_object *o;

	if (rc != TG_STORE_OK) {
		json_object_put(pg->arr);
		api_reply_store(q, rc);
		return;
	}
	o = json_object_new_object();
	/* An empty page is an empty array. */
	json_object_object_add(o, member, pg->arr != NULL ? pg->arr :
	    json_object_new_array());
	json_object_object_add(o, "nextCursor", pg->more && next != NULL ?
	    json_object_new_string(next) : NULL);
	api_reply_json(q, 200, o, NULL, 0);
	json_object_put(o);
}
