/*
 * policy.h: the pure decision at the centre of tokengate.
 *
 * Data in, data out, no I/O: the authorizer, the responder's own caller
 * check and `tokengate check` all call the same function, so what the
 * explain command prints is exactly what the servers will do.
 */
#ifndef TG_POLICY_H
#define TG_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "hmac.h"
#include "path.h"
#include "perm.h"
#include "record.h"
#include "token.h"

enum tg_reason {
	TG_ALLOWED = 0,
	TG_MISSING,			/* no Bearer credential */
	TG_MALFORMED,			/* wrong shape or checksum */
	TG_NOT_FOUND,			/* unknown id or wrong secret alike */
	TG_EXPIRED,
	TG_REVOKED,
	TG_USER_DISABLED,
	TG_IP_DENIED,
	TG_ENV_DENIED,
	TG_RULE_DENIED,			/* a '!' rule matched */
	TG_NO_RULE_MATCHED,		/* no rule matched, or no rules */
	TG_INSUFFICIENT_PERMISSIONS,
	TG_BAD_PATH,			/* REQUEST_URI cannot be made canonical */
	TG_UNAVAILABLE,			/* cannot decide: database down etc. */
	TG_RATE_LIMITED,		/* too many failures from this client */
	TG_REASON_COUNT
};

/*
 * A record compiled for deciding: rules compiled, permission sets parsed
 * and intersected.  Immutable once built, so it may be shared read-only
 * between threads (a cache can hand out the same grant to many).  The
 * compiled part is shared between grants with identical inputs (below).
 */
struct tg_grant;

/*
 * Compiles rec.  Returns NULL with err filled in when the stored data does
 * not parse (the caller must then refuse to decide: fail closed).  The
 * result does not point into rec and holds one reference.
 */
struct tg_grant *tg_grant_build(const struct tg_record *rec, char *err,
	    size_t errsz);

/*
 * Grants are reference counted (atomically), so a cache can hand one to
 * several threads and drop it while they still use it.  tg_grant_ref adds
 * a reference and returns g; tg_grant_free drops one and frees the grant
 * with the last.  g may be NULL for tg_grant_free.
 */
struct tg_grant *tg_grant_ref(const struct tg_grant *g);
void	tg_grant_free(const struct tg_grant *g);

/*
 * Grants built from the same owner state (user id, name, enabled flag,
 * role permissions) and the same permission, rule, CIDR and environment
 * texts share one compiled "scope", interned in a process-wide table under
 * a mutex, so that a large cache costs little more than its tokens' ids
 * and hashes.  Inputs are compared byte for byte, never by hash alone.
 *
 * tg_grant_scope returns the identity of g's shared part: two live grants
 * return the same pointer exactly when they share it.  Never dereference
 * it.  tg_grant_scope_count returns how many scopes are alive in the
 * process (0 once every grant is freed).  Both are thread-safe and exist
 * for tests and diagnostics.
 */
const void *tg_grant_scope(const struct tg_grant *g);
size_t	tg_grant_scope_count(void);

/* What the web server tells us about the request.  Borrowed strings. */
struct tg_request {
	const char	*method;	/* REQUEST_METHOD */
	const char	*uri;		/* raw REQUEST_URI */
	const char	*remote_addr;	/* REMOTE_ADDR */
	const char	*require;	/* TOKENGATE_REQUIRE, or NULL */
	const char	*resource;	/* TOKENGATE_RESOURCE, or NULL */
	const char	*env;		/* TOKENGATE_ENV, else the config's */
};

struct tg_decision {
	enum tg_reason	 reason;
	int		 status;	/* 200, 401, 403, 429 or 503 */
	unsigned	 retry_after;	/* seconds, for 429 and 503 */
	long		 rule;		/* deciding rule index, or -1 */
	int		 rule_kind;	/* 0 none, 1 API rule, 2 resource rule */
	int		 used_new_secret; /* the current secret ended a grace */
	int		 used_prev_secret; /* the old secret, in its grace: it
					    may use the token's rights, but
					    never manage tokens (README
					    "Rotation") */
	char		 token_id[TG_TOKEN_ID_LEN + 1];	/* "" before parse */
	char		 detail[512];	/* rule text or missing permission */
	char		 path[TG_PATH_MAX];	/* canonical path, or "" */
};

/*
 * Decides whether the holder of a token whose keyed hash is presented may
 * make req at time now.  g is the token's compiled record.  Fills d; the
 * return value is d->status.  Pure and thread-safe.
 *
 * Checks run in this order, and the secret is checked first so that
 * nothing about a token (revoked, expired, its owner) is revealed to
 * someone who only knows its id.
 */
int	tg_policy_decide(const struct tg_grant *g,
	    const unsigned char presented[TG_HMAC_LEN],
	    const struct tg_request *req, int64_t now, struct tg_decision *d);

/* Fills d for a decision taken before any record was found. */
int	tg_policy_refuse(enum tg_reason reason, struct tg_decision *d);

/* The reason's code, e.g. "NOT_FOUND".  Static storage. */
const char *tg_policy_reason_str(enum tg_reason reason);

/* The HTTP status for a reason. */
int	tg_policy_status(enum tg_reason reason);

/* Accessors for what the authorizer passes upstream.  Owned by g. */
const char *tg_grant_id(const struct tg_grant *g);
const char *tg_grant_user(const struct tg_grant *g);
uint64_t tg_grant_user_id(const struct tg_grant *g);
const char *tg_grant_effective(const struct tg_grant *g); /* "a:b c:d" */
const struct tg_perm_set *tg_grant_effective_set(const struct tg_grant *g);
const char *tg_grant_rule_text(const struct tg_grant *g, int kind, long i);

#endif /* TG_POLICY_H */
