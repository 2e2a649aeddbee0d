/*
 * mint.c: a token never mints a stronger token.
 *
 * Deciding whether one arbitrary glob list is narrower than another is
 * not worth the risk, so rule lists are compared by shape (see
 * rules_narrower); CIDRs are compared as networks (tg_cidr_inside), with
 * IPv4-mapped networks read as the IPv4 networks they denote, as the
 * authorizer matches them.
 */
#include "mint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "text.h"

/* The check itself could not be made: 500, never a refusal. */
static int
internal(struct tg_apireq_error *err, const char *what)
{
	return tg_apireq_error_set(err, 500, "internal_error", NULL, "%s",
	    what);
}

void
tg_mint_caller_init(struct tg_mint_caller *c, const struct tg_perm_set *perms,
    const struct tg_record *token)
{
	memset(c, 0, sizeof *c);
	c->perms = perms;
	if (token == NULL)
		return;
	c->is_token = 1;
	c->expires_at = token->expires_at;
	c->cidrs = token->cidrs;
	c->environments = token->environments;
	c->api_rules = token->api_rules;
	c->resource_rules = token->resource_rules;
}

/* Gives miss to *missing when the caller asked for it, else frees it. */
static void
hand_over(struct tg_perm_set *missing, struct tg_perm_set *miss)
{
	if (missing != NULL) {
		tg_perm_set_free(missing);
		*missing = *miss;
	} else {
		tg_perm_set_free(miss);
	}
}

/* Joins the set for a message, "..." when it does not fit. */
static void
join_for_message(const struct tg_perm_set *s, char *out, size_t outsz)
{
	size_t i, o = 0, n;

	out[0] = '\0';
	for (i = 0; i < s->n; i++) {
		n = strlen(s->items[i]);
		if (o + n + 5 > outsz) {
			snprintf(out + o, outsz - o, "...");
			return;
		}
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, s->items[i], n);
		o += n;
		out[o] = '\0';
	}
}

int
tg_mint_shrink(const char *current, const char *requested,
    struct tg_perm_set *missing, struct tg_apireq_error *err)
{
	struct tg_perm_set cur = { NULL, 0 }, req = { NULL, 0 };
	struct tg_perm_set miss = { NULL, 0 };
	char why[128], list[200];
	int rc = -1, r;

	if (tg_perm_parse(current, strlen(current), &cur, why,
	    sizeof why) != 0 || tg_perm_parse(requested, strlen(requested),
	    &req, why, sizeof why) != 0)
		goto done;
	r = tg_perm_subset(&req, &cur, &miss);
	if (r < 0)
		goto done;
	rc = 0;
	if (r == 0) {
		join_for_message(&miss, list, sizeof list);
		tg_apireq_error_set(err, 403, "cannot_grant", "permissions",
		    "permissions may only shrink; not granted to this token "
		    "now: %s", list);
		rc = 1;
	}
done:
	hand_over(missing, &miss);
	tg_perm_set_free(&cur);
	tg_perm_set_free(&req);
	if (rc < 0)
		internal(err, "stored permissions do not parse");
	return rc;
}

static int
empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static int
check_cidrs(const char *caller, const char *mint, struct tg_apireq_error *err)
{
	struct tg_cidr in, out;
	const char *p = mint, *q;
	char where[40], text[TG_CIDR_TEXT_MAX];
	size_t i = 0;
	int r, s, ok;

	if (empty(mint)) {
		tg_apireq_error_set(err, 403, "cannot_grant", "allowedCidrs",
		    "the calling token is limited to allowedCidrs, so the new "
		    "token must be limited to them or to narrower ones");
		return 1;
	}
	while ((r = tg_cidr_next(&p, &in)) == 1) {
		ok = 0;
		q = caller;
		while ((s = tg_cidr_next(&q, &out)) == 1)
			if (tg_cidr_inside(&in, &out))
				ok = 1;
		if (s < 0)
			return -1;
		if (!ok) {
			snprintf(where, sizeof where, "allowedCidrs[%zu]", i);
			if (tg_cidr_format(&in, text, sizeof text) != 0)
				text[0] = '\0';
			tg_apireq_error_set(err, 403, "cannot_grant", where,
			    "%s is not inside the calling token's allowedCidrs",
			    text);
			return 1;
		}
		i++;
	}
	return r < 0 ? -1 : 0;
}

static int
check_envs(const char *caller, const char *mint, struct tg_apireq_error *err)
{
	const char *p = mint, *e;
	char where[40];
	size_t i = 0;

	if (empty(mint)) {
		tg_apireq_error_set(err, 403, "cannot_grant", "environments",
		    "the calling token is limited to environments, so the new "
		    "token must be limited to some of them");
		return 1;
	}
	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (!tg_text_list_has(caller, p, (size_t)(e - p))) {
			snprintf(where, sizeof where, "environments[%zu]", i);
			tg_apireq_error_set(err, 403, "cannot_grant", where,
			    "\"%.*s\" is not among the calling token's "
			    "environments", (int) (e - p), p);
			return 1;
		}
		p = *e == '\n' ? e + 1 : e;
		i++;
	}
	return 0;
}

/*
 * Is the child rule list provably no stronger than the caller's?  Deciding
 * that for arbitrary globs is not worth the risk, so two shapes that are
 * safe by construction are accepted besides an identical list: a caller
 * whose only rule is "*" (it allows everything, so any list is narrower),
 * and the caller's list with deny ('!') rules put in front of it (first
 * match wins, so a leading deny can only take requests away).
 *
 * An empty caller list is a list like any other, not "no limit": no rules
 * of a kind means that kind of access is off (no match denies), so the
 * only narrower lists are the empty one and lists of '!' rules alone,
 * which deny everything too.  Reading "no rules" as "unrestricted" here
 * once let a token without API rules mint a child with "*".
 */
static int
rules_narrower(const char *caller, const char *child)
{
	size_t cl = strlen(caller), hl = strlen(child);
	const char *p, *e;

	if (strcmp(caller, "*") == 0 || strcmp(caller, child) == 0)
		return 1;
	if (cl == 0) {
		/* Every rule of the child must be a deny. */
		for (p = child; *p != '\0'; p = *e == '\n' ? e + 1 : e) {
			e = p + strcspn(p, "\n");
			if (p[0] != '!')
				return 0;
		}
		return 1;
	}
	if (hl <= cl || strcmp(child + hl - cl, caller) != 0 ||
	    child[hl - cl - 1] != '\n')
		return 0;
	for (p = child; p < child + hl - cl; p = e + 1) {
		e = strchr(p, '\n');
		if (e == NULL || p[0] != '!')
			return 0;
	}
	return 1;
}

int
tg_mint_check(const struct tg_mint_caller *c,
    const struct tg_mint_token *m, struct tg_perm_set *missing,
    struct tg_apireq_error *err)
{
	struct tg_perm_set want = { NULL, 0 }, miss = { NULL, 0 };
	const char *perms = m->permissions != NULL ? m->permissions : "";
	char why[128], list[200], when[TG_TEXT_TIME_LEN];
	int r, rc = -1;

	if (tg_perm_parse(perms, strlen(perms), &want, why, sizeof why) != 0)
		goto done;
	r = tg_perm_subset(&want, c->perms, &miss);
	if (r < 0)
		goto done;
	if (r == 0) {
		join_for_message(&miss, list, sizeof list);
		tg_apireq_error_set(err, 403, "cannot_grant", "permissions",
		    "you cannot grant: %s", list);
		rc = 1;
		goto done;
	}
	rc = 0;
	if (!c->is_token)
		goto done;
	if (m->expires_at > c->expires_at) {
		if (tg_text_time_format(c->expires_at, when) != 0)
			snprintf(when, sizeof when, "?");
		tg_apireq_error_set(err, 403, "cannot_grant", "expiresInDays",
		    "a token cannot hand out a token that outlives it (the "
		    "calling token expires at %s)", when);
		rc = 1;
	} else if (!empty(c->cidrs) &&
	    (rc = check_cidrs(c->cidrs, m->cidrs, err)) != 0) {
		/* rc is 1 (refused) or -1 (a list did not parse). */
	} else if (!empty(c->environments) &&
	    (rc = check_envs(c->environments, m->environments, err)) != 0) {
		/* As above. */
	} else if (!rules_narrower(c->api_rules != NULL ? c->api_rules : "",
	    m->api_rules != NULL ? m->api_rules : "")) {
		if (empty(c->api_rules))
			tg_apireq_error_set(err, 403, "cannot_grant",
			    "apiRules", "the calling token has no apiRules, so "
			    "API access is off for it and the new token may "
			    "not have any either (only '!' rules)");
		else
			tg_apireq_error_set(err, 403, "cannot_grant",
			    "apiRules", "the calling token has apiRules, so "
			    "the new token's must be the same, or the same "
			    "with '!' rules in front (leave apiRules out to "
			    "inherit them)");
		rc = 1;
	} else if (!rules_narrower(c->resource_rules != NULL ?
	    c->resource_rules : "", m->resource_rules != NULL ?
	    m->resource_rules : "")) {
		if (empty(c->resource_rules))
			tg_apireq_error_set(err, 403, "cannot_grant",
			    "resourceRules", "the calling token has no "
			    "resourceRules, so resource access is off for it "
			    "and the new token may not have any either (only "
			    "'!' rules)");
		else
			tg_apireq_error_set(err, 403, "cannot_grant",
			    "resourceRules", "the calling token has "
			    "resourceRules, so the new token's must be the "
			    "same, or the same with '!' rules in front (leave "
			    "resourceRules out to inherit them)");
		rc = 1;
	}
done:
	hand_over(missing, &miss);
	tg_perm_set_free(&want);
	if (rc < 0)
		internal(err, "stored limits do not parse");
	return rc;
}

static int
inherit_one(char **dst, const char *src)
{
	if (*dst != NULL || empty(src))
		return 0;
	*dst = strdup(src);
	return *dst != NULL ? 0 : -1;
}

int
tg_mint_inherit(struct tg_apireq_token *t, const struct tg_mint_caller *c)
{
	if (!c->is_token)
		return 0;
	if (inherit_one(&t->cidrs, c->cidrs) != 0 ||
	    inherit_one(&t->environments, c->environments) != 0 ||
	    inherit_one(&t->api_rules, c->api_rules) != 0 ||
	    inherit_one(&t->resource_rules, c->resource_rules) != 0)
		return -1;
	return 0;
}

/* The token a route would hand out, in the check's terms. */
static void
wanted(struct tg_mint_token *m, const char *permissions, int64_t expires_at,
    const char *cidrs, const char *environments, const char *api_rules,
    const char *resource_rules)
{
	m->permissions = permissions;
	m->expires_at = expires_at;
	m->cidrs = cidrs;
	m->environments = environments;
	m->api_rules = api_rules;
	m->resource_rules = resource_rules;
}

int
tg_mint_create(const struct tg_mint_caller *c, struct tg_apireq_token *t,
    const char *user, int64_t now, struct tg_new_token *nt,
    struct tg_perm_set *missing, struct tg_apireq_error *err)
{
	struct tg_mint_token m;
	int rc;

	memset(nt, 0, sizeof *nt);
	if (tg_mint_inherit(t, c) != 0)
		return internal(err, "out of memory");
	nt->user = user;
	nt->name = t->name;
	nt->permissions = t->permissions != NULL ? t->permissions : "";
	nt->api_rules = t->api_rules != NULL ? t->api_rules : "";
	nt->resource_rules = t->resource_rules != NULL ? t->resource_rules :
	    "";
	nt->cidrs = t->cidrs != NULL ? t->cidrs : "";
	nt->environments = t->environments != NULL ? t->environments : "";
	nt->created_at = now;
	nt->expires_at = now + (int64_t)t->expires_in_days * 86400;
	wanted(&m, nt->permissions, nt->expires_at, nt->cidrs,
	    nt->environments, nt->api_rules, nt->resource_rules);
	rc = tg_mint_check(c, &m, missing, err);
	if (rc < 0)
		internal(err, "stored permissions do not parse");
	return rc;
}

int
tg_mint_update_limits(const struct tg_apireq_token *t)
{
	return t->cidrs != NULL || t->environments != NULL ||
	    t->api_rules != NULL || t->resource_rules != NULL;
}

int
tg_mint_update(const struct tg_mint_caller *c, const struct tg_record *rec,
    const struct tg_apireq_token *t, struct tg_apireq_error *err)
{
	struct tg_mint_token m;

	wanted(&m, "", 0, t->cidrs != NULL ? t->cidrs : rec->cidrs,
	    t->environments != NULL ? t->environments : rec->environments,
	    t->api_rules != NULL ? t->api_rules : rec->api_rules,
	    t->resource_rules != NULL ? t->resource_rules :
	    rec->resource_rules);
	return tg_mint_check(c, &m, NULL, err);
}

int
tg_mint_rotate(const struct tg_mint_caller *c, const struct tg_record *rec,
    struct tg_perm_set *missing, struct tg_apireq_error *err)
{
	struct tg_mint_token m;
	char *eff;
	int rc;

	if ((eff = tg_record_effective(rec)) == NULL)
		return internal(err, "stored permissions do not parse");
	wanted(&m, eff, rec->expires_at, rec->cidrs, rec->environments,
	    rec->api_rules, rec->resource_rules);
	rc = tg_mint_check(c, &m, missing, err);
	free(eff);
	return rc;
}
