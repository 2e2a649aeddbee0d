/*
 * policy.h: the pure decision at the centre of tokengate.
 *
 * Data in, data out, no I/O: the authorizer, the responder's own caller
 * check and `tokengate check` all call the same function, so what the
 * explain command prints is exactly what the servers will do.  The
 * token's side comes compiled (lib/grant); this module only decides.
 */
#ifndef TG_POLICY_H
#define TG_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "grant.h"
#include "hmac.h"
#include "path.h"
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

/*
 * The API rules of g, when it has any, applied to method and path (the
 * canonical path) exactly as tg_policy_decide applies them: the
 * responder's own callers must pass them as well as the route's
 * permission, which tg_policy_decide checks in permission mode.  Fills d
 * afresh (reason, status, rule, rule_kind and detail) and returns 0 when
 * g has no API rules or they allow the request, else d->status
 * (TG_NO_RULE_MATCHED, or TG_RULE_DENIED with the rule in d->detail).
 * Pure and thread-safe.
 */
int	tg_policy_api_rules(const struct tg_grant *g, const char *method,
	    const char *path, struct tg_decision *d);

#endif /* TG_POLICY_H */
