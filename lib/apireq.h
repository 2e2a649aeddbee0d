/*
 * apireq.h: what the token API accepts, checked without I/O.
 *
 * The responder (fcgi/api*.c) reads the body and hands it here;
 * everything that decides whether a body is acceptable lives in this
 * module, so it can be unit-tested and fuzzed on its own and the
 * responder cannot grow its own idea of what is valid.  Query strings
 * are lib/query's, and whether the caller may hand out what a body asks
 * for is lib/mint's.  Bodies go
 * through tg_jsoncheck() first (strict syntax, no duplicate member names)
 * and only then through json-c.
 *
 * Lists are produced in their stored form: items separated by '\n', no
 * trailing newline, "" for an empty list.  NULL means "not given".
 *
 * Every function here is thread-safe and does no I/O.
 */
#ifndef TG_APIREQ_H
#define TG_APIREQ_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "perm.h"

#define TG_APIREQ_DEPTH		4	/* nesting a body may use */
#define TG_APIREQ_PERMS_MAX	256	/* permissions per token */
#define TG_APIREQ_CIDRS_MAX	64	/* what lib/grant compiles */
#define TG_APIREQ_ENVS_MAX	64
#define TG_APIREQ_TEXT_MAX	65535	/* a stored list (a TEXT column) */

/*
 * Why a request was refused.  code is the "error" member of the JSON
 * reply, field the "field" member ("" when no one field is at fault, or
 * e.g. "apiRules[2]"), message the English "message".
 */
struct tg_apireq_error {
	int	status;		/* 400 or 403 */
	char	code[32];	/* invalid_json, unknown_field, invalid_field,
				   missing_field, invalid_parameter,
				   cannot_grant */
	char	field[80];
	char	message[320];
};

/*
 * A token as a request describes it.  Strings are heap-allocated and
 * owned by the struct; release with tg_apireq_token_free().  Start from
 * a zeroed struct.
 */
struct tg_apireq_token {
	char	*name;
	char	*permissions;		/* stored form, or NULL */
	char	*profile;		/* the profile named, or NULL */
	long	 expires_in_days;	/* 0 when not given */
	char	*api_rules;
	char	*resource_rules;
	char	*cidrs;			/* canonical CIDRs */
	char	*environments;
};

/*
 * Fills e and returns -1, so that a check can "return
 * tg_apireq_error_set(...)".  The message is printf-formatted.
 */
int	tg_apireq_error_set(struct tg_apireq_error *e, int status,
	    const char *code, const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* Frees the strings of t and zeroes it; t may be NULL. */
void	tg_apireq_token_free(struct tg_apireq_token *t);

/*
 * POST /tokens.  body (len bytes, need not be NUL-terminated) must be an
 * object with these members and no others: "name" (required label),
 * "expiresInDays" (required whole number, 1 to cfg->max_expiry_days),
 * "permissions" (array of permissions) or "profile" (a name from
 * cfg->profiles, whose permissions are filled in; not both), "apiRules",
 * "resourceRules" (arrays of rules), "allowedCidrs" (array of CIDRs, stored
 * canonical), "environments" (array of environment names).  A token must
 * end up with permissions or rules.  Returns 0 with *out filled (free it
 * with tg_apireq_token_free even on failure), or -1 with err filled.
 */
int	tg_apireq_parse_create(const char *body, size_t len,
	    const struct tg_config *cfg, struct tg_apireq_token *out,
	    struct tg_apireq_error *err);

/*
 * PATCH /tokens/{id}.  Members, all optional but at least one: "name",
 * "permissions", "apiRules", "resourceRules", "allowedCidrs",
 * "environments", with the checks of tg_apireq_parse_create().  Whether
 * the permissions only shrink is tg_mint_shrink()'s business.
 * Returns as tg_apireq_parse_create().
 */
int	tg_apireq_parse_update(const char *body, size_t len,
	    struct tg_apireq_token *out, struct tg_apireq_error *err);

/*
 * POST /tokens/{id}/rotate.  An empty body (len 0, or only whitespace)
 * means {}.  The only member is "graceSeconds", a whole number from 0 to
 * max_grace, 0 when absent.  Returns 0 with *grace set, or -1.
 */
int	tg_apireq_parse_rotate(const char *body, size_t len,
	    unsigned max_grace, long *grace, struct tg_apireq_error *err);

#endif /* TG_APIREQ_H */
