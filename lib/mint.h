/*
 * mint.h: the rule that a token never mints a stronger token.
 *
 * Creating a token, widening one's limits and rotating another token's
 * secret all hand a credential to the caller; each is allowed only when
 * the caller could hold what it hands out.  The rule is written once,
 * here, and the responder only reads the records it needs and maps the
 * result to a reply.
 *
 * Return values, everywhere below: 0 allowed; 1 refused, with err filled
 * (403 cannot_grant, field the member at fault) and, when missing is not
 * NULL, *missing overwritten with the permissions the caller cannot
 * grant; -1 when the check itself failed (out of memory, or stored data
 * that does not parse), with err filled as 500 internal_error.
 *
 * Every function here is thread-safe and does no I/O.
 */
#ifndef TG_MINT_H
#define TG_MINT_H

#include <stdint.h>

#include "apireq.h"
#include "perm.h"
#include "record.h"
#include "store.h"

/*
 * What the caller of the API may hand on to a token it creates, or
 * receives the secret of by rotation.  Borrowed.  perms are the caller's
 * effective permissions.  When the caller is a token (is_token), the
 * other members are that token's own limits, and a token it mints may not
 * be stronger in any of them.
 */
struct tg_mint_caller {
	const struct tg_perm_set *perms;
	int		 is_token;
	int64_t		 expires_at;
	const char	*cidrs;
	const char	*environments;
	const char	*api_rules;
	const char	*resource_rules;
};

/*
 * Fills c for a caller with effective permissions perms: a session when
 * token is NULL, else the calling token, whose record gives its limits.
 * c borrows from both.
 */
void	tg_mint_caller_init(struct tg_mint_caller *c,
	    const struct tg_perm_set *perms, const struct tg_record *token);

/* The token to be handed out, stored forms.  Borrowed. */
struct tg_mint_token {
	const char	*permissions;
	int64_t		 expires_at;
	const char	*cidrs;
	const char	*environments;
	const char	*api_rules;
	const char	*resource_rules;
};

/*
 * The rule itself:
 *   - every permission of m must be covered by c->perms (for any caller);
 * and when c is a token:
 *   - m may not expire after c;
 *   - when c has CIDRs, m must have some, each inside one of c's;
 *   - when c has environments, m must have some, all among c's;
 *   - when c has API (resource) rules, m's list must be no stronger:
 *     the same list, the same list with '!' rules in front, anything
 *     under a caller whose only rule is "*", and only '!' rules under a
 *     caller without rules of that kind.
 * For permissions the message lists the ones not covered.  -1: "stored
 * limits do not parse".
 */
int	tg_mint_check(const struct tg_mint_caller *c,
	    const struct tg_mint_token *m, struct tg_perm_set *missing,
	    struct tg_apireq_error *err);

/*
 * Fills the lists that t leaves out (NULL) from a calling token's own
 * limits, so that a token created by a restricted token is restricted
 * the same way unless the request narrows it further.  Does nothing for a
 * caller that is not a token.  Returns 0, or -1 when out of memory.
 */
int	tg_mint_inherit(struct tg_apireq_token *t,
	    const struct tg_mint_caller *c);

/*
 * POST /tokens: inherits the caller's limits into t (tg_mint_inherit),
 * fills nt with the token to store (owner user, created at now, lists ""
 * when absent; id and hash are left NULL for lib/tokenop) and checks it.
 * nt borrows from t and user.  -1: "out of memory" or "stored
 * permissions do not parse".
 */
int	tg_mint_create(const struct tg_mint_caller *c,
	    struct tg_apireq_token *t, const char *user, int64_t now,
	    struct tg_new_token *nt, struct tg_perm_set *missing,
	    struct tg_apireq_error *err);

/*
 * Refuses a PATCH that would add a permission: every permission of
 * requested (stored form) must be covered by current (the token's grants
 * now; wildcards count, so "a:b" may replace "a:*" but not the other way
 * round).  -1: "stored permissions do not parse".
 */
int	tg_mint_shrink(const char *current, const char *requested,
	    struct tg_perm_set *missing, struct tg_apireq_error *err);

/*
 * 1 when the PATCH t changes a limit (CIDRs, environments or rules), which
 * tg_mint_update must then check against the caller's own.
 */
int	tg_mint_update_limits(const struct tg_apireq_token *t);

/*
 * A PATCH t of rec: a restricted token may not lift restrictions, on
 * itself or on a sibling it could then rotate, so the limits rec ends up
 * with must be within c's.  Permissions and expiry are left out (they
 * only shrink, tg_mint_shrink, and cannot change).  missing is not used.
 * -1: "stored limits do not parse".
 */
int	tg_mint_update(const struct tg_mint_caller *c,
	    const struct tg_record *rec, const struct tg_apireq_token *t,
	    struct tg_apireq_error *err);

/*
 * Rotating rec hands out its secret, which is minting it again: allowed
 * when c could have created rec as it is (its effective permissions,
 * expiry and limits).  A token rotating itself needs no check, and a
 * session may only rotate its own tokens: the responder calls this for a
 * token rotating another token.  -1: "stored permissions do not parse"
 * or "stored limits do not parse".
 */
int	tg_mint_rotate(const struct tg_mint_caller *c,
	    const struct tg_record *rec, struct tg_perm_set *missing,
	    struct tg_apireq_error *err);

#endif /* TG_MINT_H */
