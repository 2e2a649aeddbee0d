/*
 * policy.c: compiling a token record and deciding on a request.
 *
 * Everything that can be computed once per token (compiled rules, parsed
 * CIDRs, the intersection of grants and role permissions) is done in
 * tg_grant_build, so that deciding is a handful of comparisons and one
 * path canonicalization, and so that a cache can keep the compiled form.
 */
#include "policy.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "path.h"
#include "rules.h"

#define MAX_CIDRS	64
#define MAX_ATTRS	32

struct tg_grant {
	atomic_uint		 refs;
	uint64_t		 user_id;
	char			 id[TG_TOKEN_ID_LEN + 1];
	char			 user[TG_USER_MAX + 1];
	unsigned char		 hash[TG_HMAC_LEN];
	int			 has_prev;
	unsigned char		 prev_hash[TG_HMAC_LEN];
	int64_t			 prev_until;
	int			 user_enabled;
	int64_t			 expires_at, revoked_at;
	struct tg_perm_set	 effective;
	char			*effective_text;
	struct tg_rules		*api;
	struct tg_rules		*resource;
	struct tg_cidr		*cidrs;
	size_t			 ncidrs;
	char			*envs;		/* '\n'-separated, or "" */
};

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

void
tg_record_free(struct tg_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->name);
	free(rec->permissions);
	free(rec->api_rules);
	free(rec->resource_rules);
	free(rec->cidrs);
	free(rec->environments);
	free(rec->role_permissions);
	rec->name = rec->permissions = rec->api_rules = NULL;
	rec->resource_rules = rec->cidrs = rec->environments = NULL;
	rec->role_permissions = NULL;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

struct tg_grant *
tg_grant_ref(const struct tg_grant *cg)
{
	/* The count is the one mutable part of an otherwise frozen grant. */
	struct tg_grant *g = (struct tg_grant *)(uintptr_t)cg;

	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
	return g;
}

void
tg_grant_free(const struct tg_grant *cg)
{
	struct tg_grant *g = (struct tg_grant *)(uintptr_t)cg;

	if (g == NULL)
		return;
	if (atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
		return;
	tg_perm_set_free(&g->effective);
	free(g->effective_text);
	tg_rules_free(g->api);
	tg_rules_free(g->resource);
	free(g->cidrs);
	free(g->envs);
	free(g);
}

static int
build_cidrs(struct tg_grant *g, const char *text, char *err, size_t errsz)
{
	const char *p = text, *eol;
	size_t n = 0;

	for (eol = p; *eol != '\0'; eol++)
		if (*eol == '\n')
			n++;
	n++;
	if (n > MAX_CIDRS) {
		snprintf(err, errsz, "more than %d CIDRs", MAX_CIDRS);
		return -1;
	}
	g->cidrs = calloc(n, sizeof *g->cidrs);
	if (g->cidrs == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	while (*p != '\0') {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if (eol > p && tg_cidr_parse(p, (size_t)(eol - p),
		    &g->cidrs[g->ncidrs++], err, errsz) != 0)
			return -1;
		p = *eol == '\n' ? eol + 1 : eol;
	}
	return 0;
}

struct tg_grant *
tg_grant_build(const struct tg_record *rec, char *err, size_t errsz)
{
	struct tg_perm_set grants = { 0 }, roles = { 0 };
	struct tg_grant *g;
	const char *t;
	size_t cap;

	g = calloc(1, sizeof *g);
	if (g == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	atomic_init(&g->refs, 1);
	g->user_id = rec->user_id;
	memcpy(g->id, rec->id, sizeof g->id);
	memcpy(g->user, rec->user, sizeof g->user);
	memcpy(g->hash, rec->hash, sizeof g->hash);
	g->has_prev = rec->has_prev;
	memcpy(g->prev_hash, rec->prev_hash, sizeof g->prev_hash);
	g->prev_until = rec->prev_until;
	g->user_enabled = rec->user_enabled;
	g->expires_at = rec->expires_at;
	g->revoked_at = rec->revoked_at;

	t = nz(rec->permissions);
	if (tg_perm_parse(t, strlen(t), &grants, err, errsz) != 0)
		goto fail;
	t = nz(rec->role_permissions);
	if (tg_perm_parse(t, strlen(t), &roles, err, errsz) != 0)
		goto fail;
	if (tg_perm_intersect(&grants, &roles, &g->effective) != 0) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	cap = 1;
	for (size_t i = 0; i < g->effective.n; i++)
		cap += strlen(g->effective.items[i]) + 1;
	g->effective_text = malloc(cap);
	if (g->effective_text == NULL ||
	    tg_perm_join(&g->effective, ' ', g->effective_text, cap) != 0) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	t = nz(rec->api_rules);
	if (t[0] != '\0' && (g->api = tg_rules_compile(TG_RULES_API, t,
	    strlen(t), err, errsz)) == NULL)
		goto fail;
	t = nz(rec->resource_rules);
	if (t[0] != '\0' && (g->resource = tg_rules_compile(TG_RULES_RESOURCE,
	    t, strlen(t), err, errsz)) == NULL)
		goto fail;
	if (build_cidrs(g, nz(rec->cidrs), err, errsz) != 0)
		goto fail;
	g->envs = strdup(nz(rec->environments));
	if (g->envs == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	tg_perm_set_free(&grants);
	tg_perm_set_free(&roles);
	return g;
fail:
	tg_perm_set_free(&grants);
	tg_perm_set_free(&roles);
	tg_grant_free(g);
	return NULL;
}

const char *
tg_grant_id(const struct tg_grant *g)
{
	return g->id;
}

const char *
tg_grant_user(const struct tg_grant *g)
{
	return g->user;
}

uint64_t
tg_grant_user_id(const struct tg_grant *g)
{
	return g->user_id;
}

const char *
tg_grant_effective(const struct tg_grant *g)
{
	return g->effective_text;
}

const struct tg_perm_set *
tg_grant_effective_set(const struct tg_grant *g)
{
	return &g->effective;
}

const char *
tg_grant_rule_text(const struct tg_grant *g, int kind, long i)
{
	const struct tg_rules *r = kind == 1 ? g->api : g->resource;

	if (r == NULL || i < 0 || (size_t)i >= tg_rules_count(r))
		return "";
	return tg_rules_text(r, (size_t)i);
}

int
tg_policy_refuse(enum tg_reason reason, struct tg_decision *d)
{
	d->reason = reason;
	d->status = tg_policy_status(reason);
	d->rule = -1;
	d->rule_kind = 0;
	d->used_new_secret = 0;
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

/* Is env one of the '\n'-separated names in list? */
static int
env_listed(const char *list, const char *env)
{
	size_t n = strlen(env);
	const char *p = list, *eol;

	while (*p != '\0') {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if ((size_t)(eol - p) == n && memcmp(p, env, n) == 0)
			return 1;
		p = *eol == '\n' ? eol + 1 : eol;
	}
	return 0;
}

static int
ip_allowed(const struct tg_grant *g, const char *addr)
{
	size_t i;

	if (g->ncidrs == 0)
		return 1;
	if (addr == NULL)
		return 0;
	for (i = 0; i < g->ncidrs; i++)
		if (tg_cidr_match(&g->cidrs[i], addr))
			return 1;
	return 0;
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
		if (!tg_perm_covers(&g->effective, perm)) {
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
	struct tg_attr attrs[MAX_ATTRS];
	int n, allow = 0;
	long idx;

	n = tg_rules_parse_attrs(resource, attrs, MAX_ATTRS);
	if (n < 0) {
		snprintf(d->detail, sizeof d->detail, "location setting "
		    "TOKENGATE_RESOURCE is malformed");
		return deny(d, TG_UNAVAILABLE);
	}
	if (g->resource == NULL) {
		snprintf(d->detail, sizeof d->detail,
		    "token has no resource rules");
		return deny(d, TG_NO_RULE_MATCHED);
	}
	idx = tg_rules_match_resource(g->resource, attrs, (size_t)n, &allow);
	if (idx < 0) {
		snprintf(d->detail, sizeof d->detail, "no resource rule matched");
		return deny(d, TG_NO_RULE_MATCHED);
	}
	d->rule = idx;
	d->rule_kind = 2;
	snprintf(d->detail, sizeof d->detail, "%s",
	    tg_rules_text(g->resource, (size_t)idx));
	return allow ? 0 : deny(d, TG_RULE_DENIED);
}

static int
check_api(const struct tg_grant *g, const char *method,
    struct tg_decision *d)
{
	int allow = 0;
	long idx;

	if (g->api == NULL) {
		snprintf(d->detail, sizeof d->detail, "token has no API rules");
		return deny(d, TG_NO_RULE_MATCHED);
	}
	idx = tg_rules_match_api(g->api, method, d->path, &allow);
	if (idx < 0) {
		snprintf(d->detail, sizeof d->detail, "no API rule matched");
		return deny(d, TG_NO_RULE_MATCHED);
	}
	d->rule = idx;
	d->rule_kind = 1;
	snprintf(d->detail, sizeof d->detail, "%s",
	    tg_rules_text(g->api, (size_t)idx));
	return allow ? 0 : deny(d, TG_RULE_DENIED);
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
	const char *require, *resource, *env;

	tg_policy_refuse(TG_ALLOWED, d);

	/* 1. The secret, in constant time; the old one only in its grace. */
	if (tg_hmac_equal(g->hash, presented)) {
		d->used_new_secret = g->has_prev;
	} else if (!(g->has_prev && now < g->prev_until &&
	    tg_hmac_equal(g->prev_hash, presented))) {
		return deny(d, TG_NOT_FOUND);
	}
	/* 2. The token and its owner. */
	if (g->revoked_at != 0)
		return deny(d, TG_REVOKED);
	if (now >= g->expires_at)
		return deny(d, TG_EXPIRED);
	if (!g->user_enabled)
		return deny(d, TG_USER_DISABLED);
	/* 3. Where the request comes from. */
	if (!ip_allowed(g, req->remote_addr))
		return deny(d, TG_IP_DENIED);
	env = req->env != NULL ? req->env : "";
	if (g->envs[0] != '\0' && (env[0] == '\0' ||
	    !env_listed(g->envs, env))) {
		snprintf(d->detail, sizeof d->detail, "token is limited to "
		    "other environments than '%.64s'", env[0] ? env : "(none)");
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
