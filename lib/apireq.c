/*
 * apireq.c: request bodies of the token API.
 *
 * Bodies are read in two passes.  tg_jsoncheck() first decides whether
 * the text is one strict JSON value with no member named twice; only then
 * does json-c build the tree that the field checks walk.  Each field is
 * validated by the same lib/ function the CLI and the authorizer use
 * (names, perm, rules, cidr), so "valid" means one thing everywhere.
 */
#include "apireq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "cidr.h"
#include "jsoncheck.h"
#include "names.h"
#include "rules.h"

enum field {
	F_NAME, F_PERMS, F_EXPIRES, F_API, F_RESOURCE, F_CIDRS, F_ENVS,
	F_PROFILE, F_GRACE
};

static const struct {
	const char	*name;
	enum field	 f;
} field_names[] = {
	{ "name",		F_NAME },
	{ "permissions",	F_PERMS },
	{ "expiresInDays",	F_EXPIRES },
	{ "apiRules",		F_API },
	{ "resourceRules",	F_RESOURCE },
	{ "allowedCidrs",	F_CIDRS },
	{ "environments",	F_ENVS },
	{ "profile",		F_PROFILE },
	{ "graceSeconds",	F_GRACE },
};

/*
 * Client text quoted in a message: tg_names_quote of at most 64 bytes,
 * each at most 4 bytes escaped, "..." and the NUL.  Quoting, never "%.Ns",
 * because a byte-count cut can split a UTF-8 character and a raw control
 * character would reach the audit log as it is.
 */
#define TG_APIREQ_QUOTE	(64 * 4 + 4)

/* Which fields each body may carry, as bit masks of enum field. */
#define BIT(f)		(1u << (f))
#define CREATE_FIELDS	(BIT(F_NAME) | BIT(F_PERMS) | BIT(F_EXPIRES) | \
			 BIT(F_API) | BIT(F_RESOURCE) | BIT(F_CIDRS) | \
			 BIT(F_ENVS) | BIT(F_PROFILE))
#define UPDATE_FIELDS	(BIT(F_NAME) | BIT(F_PERMS) | BIT(F_API) | \
			 BIT(F_RESOURCE) | BIT(F_CIDRS) | BIT(F_ENVS))
#define ROTATE_FIELDS	BIT(F_GRACE)

int
tg_apireq_error_set(struct tg_apireq_error *e, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->code, sizeof e->code, "%s", code);
	snprintf(e->field, sizeof e->field, "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return -1;
}

void
tg_apireq_token_free(struct tg_apireq_token *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->permissions);
	free(t->profile);
	free(t->api_rules);
	free(t->resource_rules);
	free(t->cidrs);
	free(t->environments);
	memset(t, 0, sizeof *t);
}

/* A member name of the client's as the error's field, quoted to fit. */
static void
field_quote(struct tg_apireq_error *e, const char *key)
{
	tg_names_quote(key, strlen(key), (sizeof e->field - 4) / 4, e->field,
	    sizeof e->field);
}

/*
 * The strict check, then json-c.  Returns the body's object (a new
 * reference) or NULL with err set.
 */
static struct json_object *
parse_object(const char *body, size_t len, struct tg_apireq_error *err)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum tg_jsoncheck_rc rc;
	char msg[128], key[64], q[TG_APIREQ_QUOTE];

	rc = tg_jsoncheck(body, len, TG_APIREQ_DEPTH, msg, sizeof msg, key,
	    sizeof key);
	if (rc == TG_JSONCHECK_DUPLICATE) {
		tg_names_quote(key, strlen(key), 60, q, sizeof q);
		tg_apireq_error_set(err, 400, "invalid_json", NULL,
		    "member \"%s\" appears more than once", q);
		field_quote(err, key);
		return NULL;
	}
	if (rc != TG_JSONCHECK_OK) {
		tg_apireq_error_set(err, 400, "invalid_json", NULL,
		    "body is not valid JSON (%s)", msg);
		return NULL;
	}
	tok = json_tokener_new_ex(TG_APIREQ_DEPTH + 1);
	if (tok == NULL) {
		tg_apireq_error_set(err, 400, "invalid_json", NULL,
		    "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		/* tg_jsoncheck accepted it, so this is out of memory. */
		json_object_put(o);
		json_tokener_free(tok);
		tg_apireq_error_set(err, 400, "invalid_json", NULL,
		    "body cannot be parsed");
		return NULL;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		tg_apireq_error_set(err, 400, "invalid_json", NULL,
		    "body must be a JSON object");
		return NULL;
	}
	return o;
}

/* A string member without NUL bytes (json-c unescapes \u0000). */
static int
get_string(struct json_object *v, const char *field, const char **s,
    size_t *n, struct tg_apireq_error *err)
{
	if (!json_object_is_type(v, json_type_string))
		return tg_apireq_error_set(err, 400, "invalid_field", field,
		    "%s must be a string", field);
	*s = json_object_get_string(v);
	*n = (size_t)json_object_get_string_len(v);
	if (strlen(*s) != *n)
		return tg_apireq_error_set(err, 400, "invalid_field", field,
		    "%s must not contain NUL", field);
	return 0;
}

/* A whole number from min to max (1.0 and 1e2 are not whole numbers). */
static int
get_int(struct json_object *v, const char *field, long min, long max,
    long *out, struct tg_apireq_error *err)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return tg_apireq_error_set(err, 400, "invalid_field", field,
		    "%s must be a whole number from %ld to %ld", field, min,
		    max);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return tg_apireq_error_set(err, 400, "invalid_field", field,
		    "%s must be from %ld to %ld", field, min, max);
	*out = (long)n;
	return 0;
}

/* A growing '\n'-joined list. */
struct list {
	char	*buf;
	size_t	 len, cap;
	size_t	 n;
};

static int
list_add(struct list *l, const char *s, size_t n)
{
	size_t need = l->len + n + 2;

	if (need > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		char *p;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(l->buf, cap)) == NULL)
			return -1;
		l->buf = p;
		l->cap = cap;
	}
	if (l->n > 0)
		l->buf[l->len++] = '\n';
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
	l->n++;
	return 0;
}

/* Hands the text over; "" for an empty list.  NULL when out of memory. */
static char *
list_take(struct list *l)
{
	char *p = l->buf;

	l->buf = NULL;
	return p != NULL ? p : strdup("");
}

/* One item of an array member, validated according to the field. */
static int
check_item(enum field f, const char *s, size_t n, const char *where,
    char *canon, size_t canonsz, struct tg_apireq_error *err)
{
	struct tg_cidr c;
	char why[256], q[TG_APIREQ_QUOTE];

	switch (f) {
	case F_PERMS:
		tg_names_quote(s, n, 60, q, sizeof q);
		if (!tg_perm_valid(s, n))
			return tg_apireq_error_set(err, 400, "invalid_field",
			    where, "\"%s\" is not a permission "
			    "(resource:action, resource:* or *)", q);
		break;
	case F_API:
	case F_RESOURCE:
		if (memchr(s, '\n', n) != NULL)
			return tg_apireq_error_set(err, 400, "invalid_field",
			    where, "a rule must not contain a newline");
		if (tg_rules_check_one(f == F_API ? TG_RULES_API :
		    TG_RULES_RESOURCE, s, n, why, sizeof why) != 0)
			return tg_apireq_error_set(err, 400, "invalid_field",
			    where, "%s", why);
		break;
	case F_CIDRS:
		if (tg_cidr_parse(s, n, &c, why, sizeof why) != 0)
			return tg_apireq_error_set(err, 400, "invalid_field",
			    where, "%s", why);
		if (tg_cidr_format(&c, canon, canonsz) != 0)
			return tg_apireq_error_set(err, 400, "invalid_field",
			    where, "bad CIDR");
		break;
	case F_ENVS:
		tg_names_quote(s, n, 40, q, sizeof q);
		if (!tg_names_env_valid(s, n))
			return tg_apireq_error_set(err, 400, "invalid_field",
			    where, "\"%s\" is not an environment name (1-32 of "
			    "a-z, 0-9, _ and -)", q);
		break;
	default:
		return tg_apireq_error_set(err, 400, "invalid_field", where,
		    "unexpected list");
	}
	return 0;
}

/* An array-of-strings member in stored form. */
static int
get_list(struct json_object *v, const char *field, enum field f,
    size_t max, char **out, struct tg_apireq_error *err)
{
	struct list l = { NULL, 0, 0, 0 };
	char where[80], canon[TG_CIDR_TEXT_MAX];
	const char *s;
	size_t i, n, count;

	if (!json_object_is_type(v, json_type_array))
		return tg_apireq_error_set(err, 400, "invalid_field", field,
		    "%s must be an array of strings", field);
	count = json_object_array_length(v);
	if (count > max)
		return tg_apireq_error_set(err, 400, "invalid_field", field,
		    "%s may hold at most %zu items", field, max);
	for (i = 0; i < count; i++) {
		snprintf(where, sizeof where, "%s[%zu]", field, i);
		if (get_string(json_object_array_get_idx(v, i), where, &s, &n,
		    err) != 0)
			goto fail;
		if (check_item(f, s, n, where, canon, sizeof canon, err) != 0)
			goto fail;
		if (f == F_CIDRS) {
			s = canon;
			n = strlen(canon);
		}
		if (l.len + n + 1 > TG_APIREQ_TEXT_MAX) {
			tg_apireq_error_set(err, 400, "invalid_field", field,
			    "%s is longer than %d bytes in all", field,
			    TG_APIREQ_TEXT_MAX);
			goto fail;
		}
		if (list_add(&l, s, n) != 0) {
			tg_apireq_error_set(err, 400, "invalid_field", field,
			    "out of memory");
			goto fail;
		}
	}
	if ((*out = list_take(&l)) == NULL)
		return tg_apireq_error_set(err, 400, "invalid_field", field,
		    "out of memory");
	return 0;
fail:
	free(l.buf);
	return -1;
}

/* A profile's permissions (single spaces) in stored form. */
static char *
profile_list(const struct tg_config_profile *p)
{
	char *s = strdup(p->permissions), *q;

	for (q = s; q != NULL && *q != '\0'; q++)
		if (*q == ' ')
			*q = '\n';
	return s;
}

/*
 * Walks the members of o: each must be one of allowed and is stored in t
 * (or *grace).  cfg is needed for profiles and the expiry limit.
 */
static int
read_fields(struct json_object *o, unsigned allowed,
    const struct tg_config *cfg, unsigned max_grace, struct tg_apireq_token *t,
    long *grace, struct tg_apireq_error *err)
{
	const struct tg_config_profile *prof;
	const char *s;
	size_t i, n;
	char **dst, q[TG_APIREQ_QUOTE];
	long maxd;

	json_object_object_foreach(o, key, val) {
		for (i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
			if (strcmp(field_names[i].name, key) == 0)
				break;
		if (i == sizeof field_names / sizeof field_names[0] ||
		    !(allowed & BIT(field_names[i].f))) {
			tg_names_quote(key, strlen(key), 60, q, sizeof q);
			tg_apireq_error_set(err, 400, "unknown_field", NULL,
			    "unknown member \"%s\"", q);
			field_quote(err, key);
			return -1;
		}
		switch (field_names[i].f) {
		case F_NAME:
			if (get_string(val, key, &s, &n, err) != 0)
				return -1;
			if (!tg_names_label_valid(s))
				return tg_apireq_error_set(err, 400,
				    "invalid_field", key, "name must be 1-128 "
				    "bytes of UTF-8 text without control "
				    "characters");
			if ((t->name = strdup(s)) == NULL)
				return tg_apireq_error_set(err, 400,
				    "invalid_field", key, "out of memory");
			break;
		case F_EXPIRES:
			maxd = cfg != NULL ? (long)cfg->max_expiry_days : 365;
			if (maxd > 365)
				maxd = 365;
			if (get_int(val, key, 1, maxd, &t->expires_in_days,
			    err) != 0)
				return -1;
			break;
		case F_GRACE:
			if (get_int(val, key, 0, (long)max_grace, grace,
			    err) != 0)
				return -1;
			break;
		case F_PROFILE:
			if (get_string(val, key, &s, &n, err) != 0)
				return -1;
			prof = cfg != NULL ? tg_config_profile(cfg, s) : NULL;
			if (prof == NULL) {
				tg_names_quote(s, n, 64, q, sizeof q);
				return tg_apireq_error_set(err, 400,
				    "invalid_field", key, "no profile named "
				    "\"%s\" (GET /profiles lists them)", q);
			}
			if ((t->profile = strdup(s)) == NULL)
				return tg_apireq_error_set(err, 400,
				    "invalid_field", key, "out of memory");
			break;
		case F_PERMS:
		case F_API:
		case F_RESOURCE:
		case F_CIDRS:
		case F_ENVS:
			switch (field_names[i].f) {
			case F_PERMS:
				dst = &t->permissions;
				n = TG_APIREQ_PERMS_MAX;
				break;
			case F_API:
				dst = &t->api_rules;
				n = TG_RULES_MAX;
				break;
			case F_RESOURCE:
				dst = &t->resource_rules;
				n = TG_RULES_MAX;
				break;
			case F_CIDRS:
				dst = &t->cidrs;
				n = TG_APIREQ_CIDRS_MAX;
				break;
			default:
				dst = &t->environments;
				n = TG_APIREQ_ENVS_MAX;
				break;
			}
			if (get_list(val, key, field_names[i].f, n, dst,
			    err) != 0)
				return -1;
			break;
		}
	}
	return 0;
}

/*
 * Parses body as an object whose members are among allowed into t (or
 * *grace); *members (when not NULL) gets their number.  Returns 0, or -1
 * with err set.
 */
static int
read_body(const char *body, size_t len, unsigned allowed,
    const struct tg_config *cfg, unsigned max_grace,
    struct tg_apireq_token *t, long *grace, size_t *members,
    struct tg_apireq_error *err)
{
	struct json_object *o;
	int rc;

	if ((o = parse_object(body, len, err)) == NULL)
		return -1;
	rc = read_fields(o, allowed, cfg, max_grace, t, grace, err);
	if (members != NULL)
		*members = (size_t)json_object_object_length(o);
	json_object_put(o);
	return rc;
}

int
tg_apireq_parse_create(const char *body, size_t len,
    const struct tg_config *cfg, struct tg_apireq_token *out,
    struct tg_apireq_error *err)
{
	memset(out, 0, sizeof *out);
	if (read_body(body, len, CREATE_FIELDS, cfg, 0, out, NULL, NULL,
	    err) != 0)
		return -1;
	if (out->name == NULL)
		return tg_apireq_error_set(err, 400, "missing_field", "name",
		    "name is required");
	if (out->expires_in_days == 0)
		return tg_apireq_error_set(err, 400, "missing_field",
		    "expiresInDays", "expiresInDays is required (1 to %u)",
		    cfg->max_expiry_days < 365 ? cfg->max_expiry_days : 365);
	if (out->profile != NULL && out->permissions != NULL)
		return tg_apireq_error_set(err, 400, "invalid_field",
		    "profile", "give permissions or profile, not both");
	if (out->profile != NULL && (out->permissions = profile_list(
	    tg_config_profile(cfg, out->profile))) == NULL)
		return tg_apireq_error_set(err, 400, "invalid_field",
		    "profile", "out of memory");
	/* A token that grants nothing and matches no rule is a mistake. */
	if ((out->permissions == NULL || out->permissions[0] == '\0') &&
	    (out->api_rules == NULL || out->api_rules[0] == '\0') &&
	    (out->resource_rules == NULL || out->resource_rules[0] == '\0'))
		return tg_apireq_error_set(err, 400, "missing_field",
		    "permissions", "a token needs permissions, a profile, "
		    "apiRules or resourceRules");
	return 0;
}

int
tg_apireq_parse_update(const char *body, size_t len,
    struct tg_apireq_token *out, struct tg_apireq_error *err)
{
	size_t members;

	memset(out, 0, sizeof *out);
	if (read_body(body, len, UPDATE_FIELDS, NULL, 0, out, NULL, &members,
	    err) != 0)
		return -1;
	if (members == 0)
		return tg_apireq_error_set(err, 400, "missing_field", NULL,
		    "nothing to change: give name, permissions, apiRules, "
		    "resourceRules, allowedCidrs or environments");
	return 0;
}

int
tg_apireq_parse_rotate(const char *body, size_t len, unsigned max_grace,
    long *grace, struct tg_apireq_error *err)
{
	struct tg_apireq_token unused;
	size_t i;
	int rc;

	*grace = 0;
	for (i = 0; i < len; i++)
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\n' &&
		    body[i] != '\r')
			break;
	if (i == len)
		return 0;
	memset(&unused, 0, sizeof unused);
	rc = read_body(body, len, ROTATE_FIELDS, NULL, max_grace, &unused,
	    grace, NULL, err);
	tg_apireq_token_free(&unused);
	return rc;
}
