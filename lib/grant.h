/*
 * grant.h: a token record compiled for deciding.
 *
 * lib/verify builds a grant from the record the store read, a cache may
 * keep it, and lib/policy decides with it.  The compiled rules, CIDRs and
 * permission sets are shared between grants with identical inputs (see
 * tg_grant_scope), which is what keeps a large cache small.
 */
#ifndef TG_GRANT_H
#define TG_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "hmac.h"
#include "perm.h"
#include "record.h"
#include "rules.h"

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

/* Accessors for what the authorizer passes upstream.  Owned by g. */
const char *tg_grant_id(const struct tg_grant *g);
const char *tg_grant_user(const struct tg_grant *g);
uint64_t tg_grant_user_id(const struct tg_grant *g);
const char *tg_grant_effective(const struct tg_grant *g); /* "a:b c:d" */
const struct tg_perm_set *tg_grant_effective_set(const struct tg_grant *g);
const char *tg_grant_rule_text(const struct tg_grant *g, int kind, long i);

/*
 * What tg_policy_decide asks of g, in the order it asks.  All are pure,
 * thread-safe and read only what tg_grant_build wrote.
 *
 * tg_grant_secret: which of g's secrets the keyed hash presented is, each
 * compared in constant time: TG_GRANT_CURRENT, TG_GRANT_PREVIOUS (the old
 * secret, only while its rotation grace lasts at now) or
 * TG_GRANT_NO_SECRET.  tg_grant_in_grace: 1 while g still carries an old
 * secret, so that using the current one should end the grace.
 */
enum tg_grant_secret {
	TG_GRANT_NO_SECRET,
	TG_GRANT_CURRENT,
	TG_GRANT_PREVIOUS
};
enum tg_grant_secret tg_grant_secret(const struct tg_grant *g,
	    const unsigned char presented[TG_HMAC_LEN], int64_t now);
int	tg_grant_in_grace(const struct tg_grant *g);
int	tg_grant_revoked(const struct tg_grant *g);
int64_t	tg_grant_expires_at(const struct tg_grant *g);
int	tg_grant_user_enabled(const struct tg_grant *g);

/*
 * 1 when addr (REMOTE_ADDR) lies in one of g's CIDRs or g has none, 0
 * otherwise (also for a NULL addr under CIDRs).
 */
int	tg_grant_ip_allowed(const struct tg_grant *g, const char *addr);

/* g's environments as a stored list, "" when it has none.  Owned by g. */
const char *tg_grant_environments(const struct tg_grant *g);

/* g's compiled API and resource rules, NULL when it has none.  Owned by g. */
const struct tg_rules *tg_grant_api_rules(const struct tg_grant *g);
const struct tg_rules *tg_grant_resource_rules(const struct tg_grant *g);

#endif /* TG_GRANT_H */
