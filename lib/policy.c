/*
 * policy.c: deciding on a request with a compiled grant.
 *
 * The token's side is compiled once (lib/grant.c); what is left per
 * request is a handful of comparisons, one path canonicalization and at
 * most one rule list walk.  The order of the checks is part of the
 * contract (policy.h): the secret first, so that nothing about a token
 * is revealed to someone who only knows its id.
 */
#include "policy.h"

#include <stdio.h>
#include <string.h>

#include "names.h"
#include "path.h"
#include "rules.h"
#include "text.h"

#define MAX_ATTRS	32

static const char *const reason_names[TG_REASON_COUNT] = {
	[TG_ALLOWED] = "ALLOWED",
	[TG_MISSING] = "MISSING",
	[TG_MALFORMED] = "MALFORMED",
	[TG_NOT_FOUND] = "NOT_FOUND",
	[TG_EXPIRED] = "EXPIRED",
	[TG_REVOKED] = "REVOKED",
	[TG_USER_DISABLED] = "USER_DISABLED",
	[TG_IP_DENIED] = "IP_DENIED",
	[TG_ENV_DENIED] = "ENV_DENIED",
	[TG_RULE_DENIED] = "RULE_DENIED",
	[TG_NO_RULE_MATCHED] = "NO_RULE_MATCHED",
	[TG_INSUFFICIENT_PERMISSIONS] = "INSUFFICIENT_PERMISSIONS",
	[TG_BAD_PATH] = "BAD_PATH",
	[TG_UNAVAILABLE] = "UNAVAILABLE",
	[TG_RATE_LIMITED] = "RATE_LIMITED",
};

const char *
tg_policy_reason_str(enum tg_reason reason)
{
	if ((unsigned)reason >= TG_REASON_COUNT)
		return "UNKNOWN";
	return reason_names[reason];
}

int
tg_policy_status(enum tg_reason reason)
{
	switch (reason) {
	case TG_ALLOWED:
		return 200;
	case TG_MISSING:
	case TG_MALFORMED:
	case TG_NOT_FOUND:
	case TG_EXPIRED:
	case TG_REVOKED:
	case TG_USER_DISABLED:
		return 401;
	case TG_IP_DENIED:
	case TG_ENV_DENIED:
	case TG_RULE_DENIED:
	case TG_NO_RULE_MATCHED:
	case TG_INSUFFICIENT_PERMISSIONS:
	case TG_BAD_PATH:
		return 403;
	case TG_RATE_LIMITED:
		return 429;
	case TG_UNAVAILABLE:
	case TG_REASON_COUNT:
		break;
	}
	return 503;
}

int
tg_policy_refuse(enum tg_reason reason, struct tg_decision *d)
{
	d->reason = reason;
	d->status = tg_policy_status(reason);
	d->rule = -1;
	d->rule_kind = 0;
	d->used_new_secret = 0;
	d->used_prev_secret = 0;
	d->retry_after = reason == TG_UNAVAILABLE ? 1 : 0;
	d->detail[0] = '\0';
	d->path[0] = '\0';
	d->token_id[0] = '\0';
	return d->status;
}

static int
deny(struct tg_decision *d, enum tg_reason reason)
{
	d->reason = reason;
	d->status = tg_policy_status(reason);
	return d->status;
}

/*
 * What the first matching rule of a list said: rule idx of rules (kind 1
 * API, 2 resource) allowed or denied, or none matched (idx < 0; none is
 * the detail then).
 */
static int
decided(struct tg_decision *d, const struct tg_rules *rules, long idx,
    int kind, int allow, const char *none)
{
	if (idx < 0) {
		snprintf(d->detail, sizeof d->detail, "%s", none);
		return deny(d, TG_NO_RULE_MATCHED);
	}
	d->rule = idx;
	d->rule_kind = kind;
	snprintf(d->detail, sizeof d->detail, "%s",
	    tg_rules_text(rules, (size_t)idx));
	return allow ? 0 : deny(d, TG_RULE_DENIED);
}

/* Permission mode: every listed permission must be effective. */
static int
check_require(const struct tg_grant *g, const char *require,
    struct tg_decision *d)
{
	const char *p = require, *e;
	char perm[160];
	size_t n;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		e = p;
		while (*e != '\0' && *e != ' ')
			e++;
		n = (size_t)(e - p);
		if (n >= sizeof perm || !tg_perm_valid(p, n)) {
			snprintf(d->detail, sizeof d->detail, "location setting "
			    "TOKENGATE_REQUIRE holds an invalid permission");
			return deny(d, TG_UNAVAILABLE);
		}
		memcpy(perm, p, n);
		perm[n] = '\0';
		if (!tg_perm_covers(tg_grant_effective_set(g), perm)) {
			snprintf(d->detail, sizeof d->detail, "%s", perm);
			return deny(d, TG_INSUFFICIENT_PERMISSIONS);
		}
		p = e;
	}
}

static int
check_resource(const struct tg_grant *g, const char *resource,
    struct tg_decision *d)
{
	const struct tg_rules *rules = tg_grant_resource_rules(g);
	struct tg_attr attrs[MAX_ATTRS];
	int n, allow = 0;
	long idx;

	n = tg_rules_parse_attrs(resource, attrs, MAX_ATTRS);
	if (n < 0) {
		snprintf(d->detail, sizeof d->detail, "location setting "
		    "TOKENGATE_RESOURCE is malformed");
		return deny(d, TG_UNAVAILABLE);
	}
	if (rules == NULL) {
		snprintf(d->detail, sizeof d->detail,
		    "token has no resource rules");
		return deny(d, TG_NO_RULE_MATCHED);
	}
	idx = tg_rules_match_resource(rules, attrs, (size_t)n, &allow);
	return decided(d, rules, idx, 2, allow, "no resource rule matched");
}

/* The API rules (not NULL) on method and path; see tg_policy_api_rules. */
static int
match_api(const struct tg_rules *rules, const char *method, const char *path,
    struct tg_decision *d)
{
	int allow = 0;
	long idx;

	idx = tg_rules_match_api(rules, method, path, &allow);
	return decided(d, rules, idx, 1, allow, "no API rule matched");
}

static int
check_api(const struct tg_grant *g, const char *method,
    struct tg_decision *d)
{
	const struct tg_rules *rules = tg_grant_api_rules(g);

	if (rules == NULL) {
		snprintf(d->detail, sizeof d->detail, "token has no API rules");
		return deny(d, TG_NO_RULE_MATCHED);
	}
	return match_api(rules, method, d->path, d);
}

int
tg_policy_api_rules(const struct tg_grant *g, const char *method,
    const char *path, struct tg_decision *d)
{
	const struct tg_rules *rules = tg_grant_api_rules(g);

	tg_policy_refuse(TG_ALLOWED, d);
	if (rules == NULL)
		return 0;
	return match_api(rules, method, path, d);
}

static int
method_valid(const char *m)
{
	size_t i;

	for (i = 0; m[i] != '\0'; i++)
		if (m[i] < 'A' || m[i] > 'Z' || i >= 32)
			return 0;
	return i > 0;
}

int
tg_policy_decide(const struct tg_grant *g,
    const unsigned char presented[TG_HMAC_LEN], const struct tg_request *req,
    int64_t now, struct tg_decision *d)
{
	const char *why = NULL;
	const char *require, *resource, *env, *envs;

	tg_policy_refuse(TG_ALLOWED, d);

	/* 1. The secret, in constant time; the old one only in its grace. */
	switch (tg_grant_secret(g, presented, now)) {
	case TG_GRANT_CURRENT:
		d->used_new_secret = tg_grant_in_grace(g);
		break;
	case TG_GRANT_PREVIOUS:
		d->used_prev_secret = 1;
		break;
	case TG_GRANT_NO_SECRET:
		return deny(d, TG_NOT_FOUND);
	}
	/* 2. The token and its owner. */
	if (tg_grant_revoked(g))
		return deny(d, TG_REVOKED);
	if (now >= tg_grant_expires_at(g))
		return deny(d, TG_EXPIRED);
	if (!tg_grant_user_enabled(g))
		return deny(d, TG_USER_DISABLED);
	/* 3. Where the request comes from. */
	if (!tg_grant_ip_allowed(g, req->remote_addr))
		return deny(d, TG_IP_DENIED);
	env = req->env != NULL ? req->env : "";
	envs = tg_grant_environments(g);
	if (envs[0] != '\0' && (env[0] == '\0' ||
	    !tg_text_list_has(envs, env, strlen(env)))) {
		char q[64 * 4 + 4];

		/* TOKENGATE_ENV is a param: quoted, never cut mid-character. */
		tg_names_quote(env[0] ? env : "(none)", env[0] ? strlen(env) :
		    6, 64, q, sizeof q);
		snprintf(d->detail, sizeof d->detail, "token is limited to "
		    "other environments than '%s'", q);
		return deny(d, TG_ENV_DENIED);
	}
	/* 4. The path the server will serve; refuse what is ambiguous. */
	if (req->uri == NULL || tg_path_canonicalize(req->uri,
	    strlen(req->uri), d->path, sizeof d->path, &why) != 0) {
		d->path[0] = '\0';
		snprintf(d->detail, sizeof d->detail, "%s",
		    why != NULL ? why : "no request URI");
		return deny(d, TG_BAD_PATH);
	}
	if (req->method == NULL || !method_valid(req->method)) {
		snprintf(d->detail, sizeof d->detail, "bad request method");
		return deny(d, TG_BAD_PATH);
	}
	/* 5. What the location asks for; every mode set must allow. */
	require = req->require != NULL && req->require[0] ? req->require : NULL;
	resource = req->resource != NULL && req->resource[0] ?
	    req->resource : NULL;
	if (require != NULL && check_require(g, require, d) != 0)
		return d->status;
	if (resource != NULL && check_resource(g, resource, d) != 0)
		return d->status;
	if (require == NULL && resource == NULL &&
	    check_api(g, req->method, d) != 0)
		return d->status;
	d->reason = TG_ALLOWED;
	d->status = 200;
	return 200;
}
