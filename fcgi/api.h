/*
 * api.h: what the parts of tokengate-api share.
 *
 *   api.c         accept loop, routing, who the caller is, request bodies
 *   api_reply.c   every reply: JSON bodies, errors, the authorizer-style
 *                 401/403/503 answers
 *   api_tokens.c  /tokens routes (list, create, read, update, revoke,
 *                 rotate)
 *   api_info.c    /me, /profiles, /audit, /health
 *
 * Deciding what input is valid is lib/apireq's and lib/query's job, and
 * whether a caller may hand out a token lib/mint's; these files only move
 * data between FastCGI, lib/ and MariaDB.
 */
#ifndef TG_API_H
#define TG_API_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>

struct json_object;

#include "apireq.h"
#include "fcgi_common.h"
#include "query.h"
#include "config.h"
#include "hmac.h"
#include "perm.h"
#include "policy.h"
#include "store.h"
#include "verify.h"

/* The configuration, loaded once before the threads start; read-only. */
extern struct tg_config api_cfg;

/* Who is calling, once authenticated.  Owned by the request. */
struct api_caller {
	const char		*via;		/* "api_token" or "session" */
	/* Token callers: "current", or "previous" for a secret in its
	 * rotation grace, which may not manage tokens; NULL: session. */
	const char		*secret;
	char			 user[TG_USER_MAX + 1];
	char			 token_id[TG_TOKEN_ID_LEN + 1]; /* "" session */
	struct tg_grant		*grant;		/* token callers */
	struct tg_perm_set	 session_perms;	/* session callers */
	const struct tg_perm_set *perms;	/* effective, either way */
};

/* One request while it is handled. */
struct api_req {
	FCGX_Request		*r;
	struct tg_fcgi_worker	*w;	/* the thread's connection, HMAC */
	const char		*method;	/* REQUEST_METHOD */
	const char		*uri;		/* REQUEST_URI, raw */
	const char		*remote_addr;
	const char		*query;		/* after '?', not terminated */
	size_t			 query_len;
	int			 head;		/* HEAD: no body in replies */
	int64_t			 now;
	char			 id[TG_TOKEN_ID_LEN + 1];	/* {id} */
	const char		*action;	/* audited route, or NULL */
	struct api_caller	 caller;
	/*
	 * Set when a refusal could not be audited even without its detail:
	 * the reply becomes 503 then, so that no refused attempt goes
	 * unrecorded while its client is told what was wrong.
	 */
	int			 audit_lost;
	char			 audit_detail[TG_STORE_DETAIL_MAX];
	char			 path[TG_PATH_MAX];	/* canonical */
};

/* --- api.c ------------------------------------------------------------ */

/* 1 when the caller's effective permissions include perm. */
int	api_has(const struct api_req *q, const char *perm);

/*
 * Reads the request body: refuses 413 when CONTENT_LENGTH is above
 * max_body_bytes, before reading anything, 415 for a body that is not
 * application/json, 400 when fewer bytes arrive than announced.  Never
 * reads more than max_body_bytes + 1 bytes.  Returns 0 with *body
 * (NUL-terminated, free() it) and *len set, or -1 with e filled and
 * nothing sent, so that the caller audits the refusal before replying
 * (api_reply_apireq).
 */
int	api_read_body(struct api_req *q, char **body, size_t *len,
	    struct tg_apireq_error *e);

/*
 * Fills a for an action of the caller on a target token.  All strings are
 * borrowed and must outlive a; detail is copied into q->audit_detail as
 * printable UTF-8 with any token redacted, so one a per request at once.
 */
void	api_audit_fill(struct api_req *q, struct tg_audit *a,
	    const char *action, const char *target_id, const char *target_user,
	    const char *outcome, const char *detail);

/*
 * Records a refused attempt on its own (there is no change to put it in a
 * transaction with).  When the write fails it is tried once more with the
 * detail replaced by a note (a detail the database refused must not cost
 * the record); when that fails too, q->audit_lost is set and the reply
 * that follows becomes 503 (api_reply_json).  Failures are logged.
 */
void	api_audit_refused(struct api_req *q, const char *action,
	    const char *target_id, const char *target_user, const char *outcome,
	    const char *detail);

/*
 * Refuses the caller in the authorizer's format (see
 * api_reply_decision) and logs the denial, e.g. TG_INSUFFICIENT_PERMISSIONS
 * with the missing permission as detail.  Returns -1.
 */
int	api_refuse(struct api_req *q, enum tg_reason reason,
	    const char *detail);

/*
 * Reads the calling token's own record (for its limits), owned by the
 * caller of this function (tg_record_free).  Returns a store code.
 */
int	api_caller_record(struct api_req *q, struct tg_record *rec);

/* --- api_reply.c ------------------------------------------------------ */

/*
 * Sends status with o as the body (o stays the caller's).  extra is more
 * header lines, each ending in "\r\n", or NULL.  With secret set, the
 * serialized body is wiped after it is written, because it holds a raw
 * token.
 */
void	api_reply_json(struct api_req *q, int status,
	    struct json_object *o, const char *extra, int secret);

/* {"error": code, "message": ..., "field": field or null} */
void	api_reply_error(struct api_req *q, int status, const char *code,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* The same for a refusal from lib/apireq, lib/query or lib/mint. */
void	api_reply_apireq(struct api_req *q, const struct tg_apireq_error *e);

/*
 * 403 cannot_grant with "permissions": the ones the caller may not grant
 * (missing may be NULL or empty when another limit was the reason).
 */
void	api_reply_cannot_grant(struct api_req *q,
	    const struct tg_apireq_error *e, const struct tg_perm_set *missing);

/*
 * A refusal of the caller itself, in the authorizer's format: 401 with
 * WWW-Authenticate: Bearer ... error="invalid_token", 403 with
 * error="insufficient_scope" (and scope="..." for a missing permission),
 * 503 with Retry-After.  bearer is 0 for session callers, who get no
 * Bearer challenge.
 */
void	api_reply_decision(struct api_req *q, const struct tg_decision *d,
	    int bearer);

/* 503 for TG_STORE_UNAVAILABLE, else 500; the store's error is logged. */
void	api_reply_store(struct api_req *q, int rc);

/*
 * A page of a list route while the store's rows come in: at most limit
 * rows are shown, and one row more (the store is asked for limit + 1)
 * says that there is a next page.  arr stays NULL until the first row.
 */
struct api_page {
	struct json_object	*arr;
	unsigned		 limit, n;
	int			 more;
};

/* Starts pg for pages of limit rows (lib/query's tg_query_list.limit). */
void	api_reply_page_start(struct api_page *pg, unsigned limit);

/* 1 when the page is full: the row at hand starts the next one. */
int	api_reply_page_full(struct api_page *pg);

/* Adds row o (the page takes the reference). */
void	api_reply_page_add(struct api_page *pg, struct json_object *o);

/*
 * Answers the page after the store's rc: 200 with {member: rows,
 * "nextCursor": next, or null when there is no next page or next is
 * NULL}, or the store's error.  The page's rows are released either way.
 */
void	api_reply_page(struct api_req *q, struct api_page *pg, int rc,
	    const char *member, const char *next);

/* 405 with the Allow header. */
void	api_reply_method(struct api_req *q, const char *allow);

/* A reply without a body (204 No Content); extra as for api_reply_json. */
void	api_reply_empty(struct api_req *q, int status, const char *extra);

/*
 * After a change that waits for the authorizers (revoke, update,
 * rotate): writes into extra (n bytes) the header line
 * "Tokengate-Propagation: confirmed" or "... pending", and returns the
 * status to answer with: ok_status when every live authorizer process
 * confirmed applying the change, else 202, after logging a warning.
 */
int	api_propagation(struct api_req *q, const char *action, int ok_status,
	    char *extra, size_t n);

/* 202 for a revoke not confirmed everywhere: {"propagation": "pending",
 * "unconfirmed": N or null, "message": ...}. */
void	api_reply_pending(struct api_req *q, const char *extra);

/* --- api_tokens.c ----------------------------------------------------- */

void	api_tokens_list(struct api_req *q);
void	api_tokens_create(struct api_req *q);
void	api_tokens_get(struct api_req *q);
void	api_tokens_update(struct api_req *q);
void	api_tokens_revoke(struct api_req *q);
void	api_tokens_rotate(struct api_req *q);

/* --- api_info.c ------------------------------------------------------- */

void	api_info_me(struct api_req *q);
void	api_info_profiles(struct api_req *q);
void	api_info_audit(struct api_req *q);
void	api_info_health(struct api_req *q);

#endif /* TG_API_H */
