/*
 * tokenjson.h: a token as JSON, for the API and the CLI alike.
 *
 * The member names, the time format (ISO-8601 UTC, null when unset) and
 * the lists (arrays of strings) are written here once, so that
 * `tokengate token list --json` and GET /tokens cannot drift apart.  What
 * a view leaves out is what its record does not carry, never a second
 * spelling of the same member.
 *
 * Every function returns a new json-c reference (the caller
 * json_object_put()s it), or NULL when out of memory.  Thread-safe; no
 * I/O.
 */
#ifndef TG_TOKENJSON_H
#define TG_TOKENJSON_H

#include <stdint.h>

#include "record.h"
#include "store.h"
#include "token.h"

struct json_object;

enum tg_tokenjson_view {
	/* Everything: the API, whose records come from tg_store_token_lookup and
	 * tg_store_token_page. */
	TG_TOKENJSON_API,
	/* The CLI: rows of tg_store_token_list carry no role permissions,
	 * last-used address or rotation grace, so effectivePermissions,
	 * revokedAt, lastUsedIp and oldSecretValidUntil are left out; a
	 * new token's reply has no state or profile. */
	TG_TOKENJSON_CLI
};

/*
 * A stored list ('\n'-separated, may be NULL) as an array of strings;
 * empty items are skipped.
 */
struct json_object *tg_tokenjson_list(const char *s);

/* Unix time t as "YYYY-MM-DDTHH:MM:SSZ", or NULL (JSON null) for t <= 0. */
struct json_object *tg_tokenjson_time(int64_t t);

/*
 * A token as it is stored, everything but the secret and its hash, with
 * its state at now.  token_prefix is the configuration's, for the
 * display prefix.
 */
struct json_object *tg_tokenjson_record(const struct tg_record *r,
	    const char *token_prefix, int64_t now,
	    enum tg_tokenjson_view view);

/*
 * A token just created: the only time its secret (tok) is shown.  nt is
 * what was stored, profile the profile the request named (or NULL).
 * Release with tg_tokenjson_free, which wipes the secret.
 */
struct json_object *tg_tokenjson_created(const struct tg_token *tok,
	    const struct tg_new_token *nt, const char *profile,
	    const char *token_prefix, enum tg_tokenjson_view view);

/*
 * A token just rotated at rotated_at: its new secret (tok), and until
 * when the old one still works (grace_until, 0 for not at all).  Release
 * with tg_tokenjson_free.
 */
struct json_object *tg_tokenjson_rotated(const struct tg_token *tok,
	    const struct tg_record *rec, int64_t rotated_at,
	    int64_t grace_until, const char *token_prefix);

/*
 * Wipes json-c's copy of the secret (the "token" member, if any) and
 * drops the reference.  o may be NULL.
 */
void	tg_tokenjson_free(struct json_object *o);

#endif /* TG_TOKENJSON_H */
