/*
 * query.h: the query strings of the token API, and the cursors of its
 * pages.
 *
 * The responder hands the raw text after '?' here; every rule about what
 * a query may hold lives in this module, so it can be unit-tested and
 * fuzzed on its own.  Refusals use the API's error shape
 * (struct tg_apireq_error, 400 invalid_parameter).
 *
 * Every function here is thread-safe and does no I/O.
 */
#ifndef TG_QUERY_H
#define TG_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "apireq.h"
#include "config.h"
#include "store.h"
#include "token.h"

#define TG_QUERY_PARAM_LEN	256	/* a decoded query value, NUL too */
#define TG_QUERY_CURSOR_LEN	48

/*
 * A query parameter the caller accepts.  The caller sets name; the parser
 * sets set and value (percent-decoded, '+' as space).
 */
struct tg_query_param {
	const char	*name;
	int		 set;
	char		 value[TG_QUERY_PARAM_LEN];
};

/*
 * Parses a query string (q, len bytes, without the '?'; may be empty) of
 * name=value pairs separated by '&' into p (np entries).  A name without
 * '=' gets the value "".  Empty pairs are skipped.  Refuses (400
 * invalid_parameter, field = the name) unknown names, a name given twice,
 * bad percent escapes, values longer than TG_QUERY_PARAM_LEN - 1 bytes
 * and control bytes after decoding.  Returns 0 or -1.
 */
int	tg_query_parse(const char *q, size_t len, struct tg_query_param *p,
	    size_t np, struct tg_apireq_error *err);

/*
 * Parses a decimal number from min to max (no sign, no leading zeros
 * except "0" itself).  Returns 0 with *out set, or -1.
 */
int	tg_query_uint(const char *s, unsigned long long min,
	    unsigned long long max, unsigned long long *out);

/*
 * The page size of a list: p (a parsed "limit" parameter) as a number
 * from 1 to max, or def when p is not set.  Returns 0 with *limit set, or
 * -1 with err filled (400 invalid_parameter, field "limit").
 */
int	tg_query_limit(const struct tg_query_param *p, unsigned def,
	    unsigned max, unsigned *limit, struct tg_apireq_error *err);

/*
 * A list route's query as parsed: the filters below point into it, so it
 * must outlive them.  limit is the number of rows a page shows; the
 * filter asks the store for one more, which tells whether there is a
 * next page.
 */
struct tg_query_list {
	struct tg_query_param	 p[7];
	char			 id[TG_TOKEN_ID_LEN + 1];
	unsigned		 limit;
};

/*
 * GET /tokens: parses q (len bytes; user, all, state, limit, cursor) into
 * l and f for the caller named caller at now, with cfg's page sizes.  The
 * caller's own tokens by default; "user" names another owner, "all"
 * every owner.  Returns 0; -1 with err filled (400 invalid_parameter);
 * or 1 when the request reaches other users' tokens and may_all is 0
 * (the caller lacks token:admin), checked before state, limit and
 * cursor.
 */
int	tg_query_tokens(const char *q, size_t len, const char *caller,
	    int may_all, const struct tg_config *cfg, int64_t now,
	    struct tg_query_list *l, struct tg_store_token_filter *f,
	    struct tg_apireq_error *err);

/*
 * GET /audit: parses q (user, token, action, since, until, limit,
 * cursor) into l and f with cfg's page sizes.  Returns 0, or -1 with err
 * filled (400 invalid_parameter).
 */
int	tg_query_audit(const char *q, size_t len, const struct tg_config *cfg,
	    struct tg_query_list *l, struct tg_store_audit_filter *f,
	    struct tg_apireq_error *err);

/*
 * The cursor of the token list: the last row's creation time and id, as
 * "<unix time>.<id>".  Clients treat it as opaque.  format returns 0 or
 * -1; parse returns 0 with *created and id (TG_TOKEN_ID_LEN + 1 bytes)
 * set, or -1 when s is not a cursor this module wrote.
 */
int	tg_query_cursor_format(int64_t created, const char *id, char *out,
	    size_t outsz);
int	tg_query_cursor_parse(const char *s, int64_t *created, char *id);

#endif /* TG_QUERY_H */
