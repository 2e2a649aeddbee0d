/*
 * verify.h: from an Authorization header to a decision.
 *
 * The one path every caller takes (the authorizer, the responder checking
 * its own callers, `tokengate check`): parse without I/O, hash, look up by
 * id, compile, decide.  The caching layer plugs in here, so no caller can
 * forget it.
 */
#ifndef TG_VERIFY_H
#define TG_VERIFY_H

#include <stdint.h>

#include "config.h"
#include "hmac.h"
#include "policy.h"
#include "store.h"

struct tg_cache;
struct tg_feed;
struct tg_usage;
struct tg_brake;

/*
 * Per-thread state: owns nothing, borrows everything.  cfg, store and
 * hmac are required.  cache and feed are both set or both NULL (no
 * caching); the cache is only used while the feed is fresh, that is while
 * its last good poll is at most fresh_ms old.  usage, when set, is told
 * about every allowed request for the last-used write-behind.  brake,
 * when set, counts malformed tokens, unknown ids and wrong secrets per
 * client address and refuses a client over its limit with 429 before any
 * hash or query.
 */
struct tg_verifier {
	const struct tg_config	*cfg;
	struct tg_store		*store;
	struct tg_hmac		*hmac;
	struct tg_cache		*cache;
	const struct tg_feed	*feed;
	int64_t			 fresh_ms;
	struct tg_usage		*usage;
	struct tg_brake		*brake;		/* NULL: no brake */
};

/*
 * Sets v up with what every verifier needs and nothing else: no cache,
 * feed, usage or brake.  A program adds those after it; a verifier left
 * like this (`tokengate check`) reads the database and writes nothing.
 */
void	tg_verify_init(struct tg_verifier *v, const struct tg_config *cfg,
	    struct tg_store *store, struct tg_hmac *hmac);

/* Monotonic milliseconds, the clock of the cache and the feed. */
int64_t	tg_verify_now_ms(void);

/*
 * Decides on req for the credential in authorization (the raw header
 * value, or NULL).  Never writes to the database: what a decision
 * would write (last-used, the end of a rotation grace) goes to v->usage.  Fills d and returns d->status.  On 200, *grant (when
 * grant is not NULL) receives the token's compiled record, owned by the
 * caller (tg_grant_free); otherwise it is set to NULL.  A failure to reach
 * or read the database is TG_UNAVAILABLE (503), never an allow.
 */
int	tg_verify(struct tg_verifier *v, const char *authorization,
	    const struct tg_request *req, int64_t now, struct tg_decision *d,
	    struct tg_grant **grant);

#endif /* TG_VERIFY_H */
