/*
 * store.h: everything tokengate keeps in MariaDB.
 *
 * The only module that includes mysql.h.  One struct tg_store is one
 * connection with its prepared statements: a thread owns it, and it is
 * never shared.  Every statement is prepared; values never travel inside
 * SQL text.
 *
 * The module is one file per role, OpenBSD httpd style: the file name is
 * the prefix of what it exports, and the prototypes below are grouped by
 * file.
 *
 *   store.c          the connection, statements, errors, transactions
 *   store_route.c    read routing between a primary and a replica
 *   store_migrate.c  the schema migrations
 *   store_user.c     users
 *   store_role.c     roles and the users' copy of their permissions
 *   store_audit.c    the audit log
 *   store_token.c    tokens: lookup, changes, pages, last use
 *   store_feed.c     the change feed and the authorizers' progress
 *   store_prune.c    retention
 *
 * store_int.h is what those files share, and nothing else includes it.
 */
#ifndef TG_STORE_H
#define TG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "policy.h"

/* --- store.c: the connection ------------------------------------------- */

enum tg_store_rc {
	TG_STORE_OK = 0,
	TG_STORE_NOT_FOUND = 1,	/* no such row */
	TG_STORE_CONFLICT = 2,	/* duplicate key */
	TG_STORE_UNAVAILABLE = -1,	/* cannot reach the database */
	TG_STORE_ERROR = -2,	/* the database refused: see tg_store_error */
	/*
	 * The connection was lost after a COMMIT was sent, and the database
	 * could not be asked in time whether it committed: the change may
	 * or may not have been made.  Callers should say so, not "try
	 * again" (see "Commits whose answer is lost" in store.c).
	 */
	TG_STORE_UNKNOWN = -3
};

struct tg_store;

/*
 * Must be called once, before any thread uses the store
 * (mysql_library_init is not thread-safe).
 */
int	tg_store_library_init(void);
void	tg_store_library_end(void);
/* Call before a thread that used a store exits. */
void	tg_store_thread_end(void);

/*
 * Creates an unconnected store for cfg (copied).  It connects on first use
 * and again after a lost connection, with a backoff from 100 ms to 1 s
 * between failed attempts so an outage is not made worse.  NULL on ENOMEM.
 */
struct tg_store *tg_store_new(const struct tg_config *cfg);
void	tg_store_free(struct tg_store *s);	/* s may be NULL */

/* Connects now if not connected.  TG_STORE_OK or TG_STORE_UNAVAILABLE.
 * A reader (store_route.c) connects the endpoint its reads go to now. */
int	tg_store_connect(struct tg_store *s);

/*
 * Checks that the database answers now (a connection that looks open may
 * have died since its last use).  TG_STORE_OK or an error code.
 */
int	tg_store_ping(struct tg_store *s);

/* The last error, without secrets.  Owned by s; valid until next call. */
const char *tg_store_error(const struct tg_store *s);

/*
 * Copies into buf (size n) a warning the caller should log, and clears
 * it: set when a commit whose answer was lost was then found to have
 * committed, so the call returned TG_STORE_OK.  Returns 1 when there was
 * one, 0 (buf "") when not.  The text holds no secret.
 */
int	tg_store_take_warning(struct tg_store *s, char *buf, size_t n);

/*
 * After a call that changes what tokens may do and waits for the
 * authorizers (user enable/disable, role grant/revoke/refresh, token
 * update, rotate, revoke): how many live authorizer processes had not
 * confirmed applying the change when the wait (TG_STORE_SYNC_MS) ended.
 * 0: all confirmed (or nothing to wait for); -1: the wait itself failed,
 * so nothing is confirmed.  The change is committed either way.  Reset
 * by the next change made with s.  See tg_store_feed_wait.
 */
int	tg_store_unconfirmed(const struct tg_store *s);
#define TG_STORE_SYNC_MS	1500

/*
 * --- store_route.c: the authorizer with a read endpoint (db_read_*) ----
 *
 * A reader store is a primary store (db_*) with a second connection to
 * the read endpoint.  Its reads, tg_store_token_lookup, tg_store_feed_max
 * and tg_store_feed_read, go where a route says; every other call, writes
 * included (tg_store_token_clear_prev, tg_store_feed_report,
 * tg_store_token_touch), goes to the primary.
 *
 * One route per process, shared by its reader stores.  It is steered by
 * exactly one of them, the store the change-feed poller reads with, so
 * that lookups never read an endpoint older than the feed rows already
 * applied (and reported in feed_progress):
 *
 *   REPLICA     feed and lookups read the replica.  A failed feed read,
 *               or a replica that has not applied a change the primary
 *               had db_read_max_lag seconds ago, moves to PRIMARY (the
 *               failed read is then retried there).
 *   PRIMARY     feed and lookups read the primary.  Every second (every
 *               5 s while it stays down) the steering store tries the
 *               replica; when it answers, the route moves to CATCHUP.
 *   CATCHUP     the feed reads the replica, lookups still the primary
 *               (newer, so always safe).  Once the replica has applied
 *               everything the primary had when CATCHUP began (its GTID
 *               position, and the newest feed id), REPLICA.
 *
 * A follower store (every worker) reads the replica only in REPLICA, and
 * when that read fails it reads the primary for that call: reading newer
 * data than the feed is always safe.  Each move bumps a generation; the
 * poller empties the cache when it sees one (belt and braces: the rules
 * above already keep every cached entry consistent with the feed).
 */
enum tg_store_source {
	TG_STORE_REPLICA = 0,
	TG_STORE_PRIMARY = 1,
	TG_STORE_CATCHUP = 2
};

struct tg_store_route;

/* A route starting at REPLICA.  NULL on ENOMEM.  Thread-safe to read. */
struct tg_store_route *tg_store_route_new(void);
void	tg_store_route_free(struct tg_store_route *rt);	/* rt may be NULL */

/* The state now; *generation (when not NULL) counts the moves so far. */
enum tg_store_source tg_store_route_state(const struct tg_store_route *rt,
	    unsigned *generation);

/* "replica", "primary", "primary (replica catching up)". */
const char *tg_store_route_source_str(enum tg_store_source src);

/* Whether cfg names a read endpoint (db_read_host or db_read_socket). */
int	tg_store_route_has_read_endpoint(const struct tg_config *cfg);

/*
 * A reader store for cfg following rt; with steer, the one store of the
 * process that moves rt (only the feed poller's; one thread).  With rt
 * NULL or no read endpoint in cfg, a plain store.  NULL on ENOMEM.  Free
 * with tg_store_free (before rt).
 */
struct tg_store *tg_store_route_new_reader(const struct tg_config *cfg,
	    struct tg_store_route *rt, int steer);

/*
 * Why the steering store s last moved its route (for the log), "" when
 * it never did.  Owned by s; only for the thread that uses s.
 */
const char *tg_store_route_why(const struct tg_store *s);

/* --- store_migrate.c: the schema --------------------------------------- */

/*
 * Applies every compiled-in migration newer than the recorded version, in
 * order, under a named lock so two migrators cannot interleave.
 */
int	tg_store_migrate(struct tg_store *s, unsigned *from, unsigned *to);

/* --- store_user.c: users ----------------------------------------------- */

int	tg_store_user_add(struct tg_store *s, const char *name,
	    const char *const *roles, size_t nroles);
int	tg_store_user_set_enabled(struct tg_store *s, const char *name,
	    int enabled);

/*
 * A user as the API sees a caller or an owner.  roles and permissions are
 * '\n'-separated, sorted and deduplicated ("" when none); they are owned by
 * the struct: release with tg_store_user_free().
 */
struct tg_store_user {
	uint64_t	 id;
	int		 enabled;
	char		*roles;
	char		*permissions;	/* of all its roles, right now */
};

/* Reads user name.  NOT_FOUND when there is no such user. */
int	tg_store_user_get(struct tg_store *s, const char *name,
	    struct tg_store_user *u);
void	tg_store_user_free(struct tg_store_user *u);	/* u may be NULL */

/* --- store_role.c: roles ----------------------------------------------- */

/* Grants (grant=1) or revokes permissions of a role; granting creates the
 * role when it does not exist. */
int	tg_store_role_change(struct tg_store *s, const char *role,
	    const char *const *perms, size_t n, int grant);
/*
 * Rewrites each user's copy of its role permissions (users.role_permissions,
 * what the token lookup reads) that differs from user_roles and
 * role_permissions, feeding the change to the authorizers.  *changed is
 * the number of users rewritten.  Only needed after editing those tables
 * by hand: tokengate's own changes keep the copy in step.
 */
int	tg_store_role_refresh(struct tg_store *s, unsigned long long *changed);

/* --- store_audit.c: the audit log -------------------------------------- */

/*
 * The longest audit detail stored; a longer one, or one that is not
 * printable UTF-8, is stored as tg_names_clean() makes it.
 */
#define TG_STORE_DETAIL_MAX	2048

/* One audit record.  Borrowed strings; NULL means SQL NULL. */
struct tg_audit {
	const char	*actor;		/* acting user name */
	const char	*actor_token_id;
	const char	*via;		/* "api_token", "session", "cli" */
	const char	*secret;	/* "current", "previous" or NULL */
	const char	*action;	/* "token.create", ... */
	const char	*target_token_id;
	const char	*target_user;
	const char	*outcome;	/* "ok", "denied", "error", ... */
	const char	*remote_addr;
	const char	*detail;
};

/* Writes one audit record on its own. */
int	tg_store_audit(struct tg_store *s, const struct tg_audit *a);

/* Which audit records tg_store_audit_page() returns, newest first. */
struct tg_store_audit_filter {
	const char	*user;		/* actor or target user, or NULL */
	const char	*token;		/* actor or target token id, or NULL */
	const char	*action;	/* or NULL */
	int64_t		 since;		/* at >= since; 0: no bound */
	int64_t		 until;		/* at < until; 0: no bound */
	uint64_t	 before_id;	/* cursor: id < before_id; 0: none */
	unsigned	 limit;
};

/* One audit record as read back; strings are NULL for SQL NULL. */
struct tg_store_audit_row {
	uint64_t	 id;
	int64_t		 at;		/* unix time, seconds */
	struct tg_audit	 a;
};

/* Calls fn for each record; rows are valid only during the call, and a
 * non-zero return from fn stops the walk. */
typedef int (*tg_store_audit_fn)(void *arg,
	    const struct tg_store_audit_row *row);
int	tg_store_audit_page(struct tg_store *s,
	    const struct tg_store_audit_filter *f, tg_store_audit_fn fn,
	    void *arg);

/* One authorizer decision for the audit log (fixed size, copied). */
struct tg_store_decision {
	int64_t	at_us;			/* unix microseconds */
	int	status;
	char	token_id[TG_TOKEN_ID_LEN + 1];	/* "" when not parsed */
	char	user[TG_USER_MAX + 1];		/* "" when unknown */
	char	reason[32];
	char	addr[46];
	char	method[16];
	char	path[208];
};

/* Writes n decisions to audit_log in one transaction (via "api_token",
 * action "authz.allow" or "authz.deny", outcome the reason code). */
int	tg_store_audit_decisions(struct tg_store *s,
	    const struct tg_store_decision *r, size_t n);

/* --- store_token.c: tokens --------------------------------------------- */

/* Reads a token, its owner and the owner's current role permissions.
 * On TG_STORE_OK rec is filled and must be released with tg_record_free.
 * A lost connection is retried once on a fresh one. */
int	tg_store_token_lookup(struct tg_store *s, const char *id,
	    struct tg_record *rec);

/* A token to insert.  Borrowed; lists are '\n'-separated, validated. */
struct tg_new_token {
	const char		*id;
	const unsigned char	*hash;		/* TG_HMAC_LEN bytes */
	const char		*user;
	const char		*name;
	const char		*permissions;
	const char		*api_rules;
	const char		*resource_rules;
	const char		*cidrs;
	const char		*environments;
	int64_t			 created_at, expires_at;
};

/* Inserts t and its audit record in one transaction.  NOT_FOUND when the
 * user does not exist, CONFLICT when the id is taken. */
int	tg_store_token_insert(struct tg_store *s, const struct tg_new_token *t,
	    const struct tg_audit *a);

/* Revokes id (idempotent: an already revoked token stays revoked with its
 * first time) and writes the audit record in the same transaction. */
int	tg_store_token_revoke(struct tg_store *s, const char *id, int64_t now,
	    const struct tg_audit *a);

/* Calls fn for each token of user (NULL: every user), newest first.  rec is
 * valid only during the call.  A non-zero return from fn stops the walk. */
typedef int (*tg_store_row_fn)(void *arg, const struct tg_record *rec);
int	tg_store_token_list(struct tg_store *s, const char *user,
	    tg_store_row_fn fn, void *arg);

/*
 * Which tokens tg_store_token_page() returns, newest first (creation time
 * descending, then id ascending).  Borrowed strings.
 */
struct tg_store_token_filter {
	const char	*user;		/* NULL: every user's */
	const char	*state;		/* NULL, active, expired, revoked */
	int64_t		 now;		/* what "expired" is measured against */
	/* The cursor: NULL from the start, else rows after the pair. */
	const char	*after_id;
	int64_t		 after_created;
	unsigned	 limit;		/* at most this many rows */
};

/*
 * Calls fn for each token matching f, as tg_store_token_list() does.  The
 * record passed also has role_permissions (the owner's now),
 * last_used_ip, and has_prev / prev_until (never the hashes).
 */
int	tg_store_token_page(struct tg_store *s,
	    const struct tg_store_token_filter *f, tg_store_row_fn fn,
	    void *arg);

/* A change to a token; NULL members are left as they are.  Borrowed. */
struct tg_store_token_change {
	const char	*name;
	const char	*permissions;
	const char	*api_rules;
	const char	*resource_rules;
	const char	*cidrs;
	const char	*environments;
	/*
	 * The grants the change was checked against.  The update is refused
	 * (CONFLICT) when the stored grants differ by then, so that two
	 * concurrent "shrinks" cannot add up to a growth.
	 */
	const char	*expect_permissions;
};

/*
 * Applies c to token id and writes the audit record, in one transaction.
 * NOT_FOUND when there is no such token; CONFLICT when it is revoked or its
 * grants are no longer c->expect_permissions.
 */
int	tg_store_token_update(struct tg_store *s, const char *id,
	    const struct tg_store_token_change *c, const struct tg_audit *a);

/*
 * Gives token id the new secret whose keyed hash is hash, and writes the
 * audit record, in one transaction.  With grace_until > 0 the old secret
 * stays valid until then (or until the new one is first used, see
 * tg_store_token_clear_prev); with 0 it ends now.  A secret left over from
 * an earlier rotation ends either way.  NOT_FOUND when there is no such
 * token; CONFLICT when it is revoked or expired at now.
 */
int	tg_store_token_rotate(struct tg_store *s, const char *id,
	    const unsigned char hash[TG_HMAC_LEN], int64_t grace_until,
	    int64_t now, const struct tg_audit *a);

/*
 * Ends the rotation grace of token id, if its current secret's hash is
 * still hash: the new secret has been used, so the old one is no longer
 * needed.  One UPDATE by primary key that changes nothing when there is no
 * grace (any more), so racing callers are harmless.  Not retried: a
 * failure leaves the old secret valid until the grace's end, which the
 * caller may accept.
 */
int	tg_store_token_clear_prev(struct tg_store *s, const char *id,
	    const unsigned char hash[TG_HMAC_LEN]);

/* One "token was used" note for the write-behind.  Borrowed strings. */
struct tg_store_use {
	const char	*id;
	const char	*addr;
	int64_t		 at;
};

/* Writes last_used_at / last_used_ip for n tokens in one transaction,
 * never moving a token's last use backwards. */
int	tg_store_token_touch(struct tg_store *s,
	    const struct tg_store_use *u, size_t n);

/* --- store_feed.c: the change feed (the authorizer's side) ------------- */

/* Called for each feed row: id, kind ("token" or "user"), ref. */
typedef void (*tg_store_feed_fn)(void *arg, uint64_t id, const char *kind,
	    const char *ref);

/* The newest feed row id (0 when empty). */
int	tg_store_feed_max(struct tg_store *s, uint64_t *max);

/* Calls fn for up to limit rows with id > after, in id order. */
int	tg_store_feed_read(struct tg_store *s, uint64_t after, unsigned limit,
	    tg_store_feed_fn fn, void *arg);

/*
 * The rows among ids[0..n) that exist, in id order (n at most 16): the
 * gaps a poll reads again, apart from its forward reads.
 */
int	tg_store_feed_read_ids(struct tg_store *s, const uint64_t *ids,
	    size_t n, tg_store_feed_fn fn, void *arg);

/*
 * Where a new follower starts: the newest row older than lookback_s
 * seconds (or the pruned horizon when that is higher, 0 on an empty
 * feed), so that rows of transactions still open are read, not skipped.
 */
int	tg_store_feed_start(struct tg_store *s, unsigned lookback_s,
	    uint64_t *id);

/* The highest feed id ever pruned (0: none), from change_feed_pruned. */
int	tg_store_feed_pruned(struct tg_store *s, uint64_t *through);

/*
 * Records that process (e.g. "host:pid") has applied the feed: every row
 * up to applied, and every row up to seen but those in gaps (decimal ids
 * joined by ','; see tg_feed_progress).  A heartbeat too.  Goes to the
 * primary.
 */
int	tg_store_feed_report(struct tg_store *s, const char *process,
	    uint64_t applied, uint64_t seen, const char *gaps);

/* Removes the progress row of process (it is exiting cleanly). */
int	tg_store_feed_forget(struct tg_store *s, const char *process);

/*
 * Waits up to timeout_ms until every authorizer process that reported in
 * the two seconds before the call has applied the feed rows with ids in
 * [lo, hi].  *behind is the number of those that had not when it returns
 * (0 on success).  A writer calls it after committing a change so its
 * answer can say "in force everywhere"; see tg_store_unconfirmed.
 */
int	tg_store_feed_wait(struct tg_store *s, unsigned timeout_ms,
	    uint64_t lo, uint64_t hi, int *behind);

/* --- store_prune.c: retention ------------------------------------------ */

/*
 * Retention (tg_store_prune): what to delete, in batches of batch rows
 * per statement (each a short transaction), pause_ms apart.
 *   feed_keep_seconds      change_feed rows older than this; the newest
 *                          row always stays, and change_feed_pruned
 *                          records the highest id removed, so that a
 *                          follower that had not read them empties its
 *                          cache instead of missing a change
 *   progress_keep_seconds  feed_progress rows silent for this long
 *                          (processes killed without a clean exit)
 *   audit_keep_days        audit_log records older than this; 0 keeps all
 * The counts of rows removed are added to the *_rows members.
 */
struct tg_store_prune {
	unsigned	 feed_keep_seconds;
	unsigned	 progress_keep_seconds;
	unsigned	 audit_keep_days;
	unsigned	 batch;
	unsigned	 pause_ms;
	const _Atomic int *stop;	/* when set: stop between batches */
	uint64_t	 feed_rows, progress_rows, audit_rows;
	int		 skipped;	/* another pruner was running */
};
#define TG_STORE_PROGRESS_KEEP_S	3600

/* Fills p with the configured keeps and the given batch size and pause
 * between batches; counters zero, no stop flag. */
void	tg_store_prune_init(struct tg_store_prune *p,
	    const struct tg_config *cfg, unsigned batch, unsigned pause_ms);

/*
 * Runs every deletion of p to the end (or until *p->stop), under the
 * named lock "tokengate.prune": when another pruner holds it, returns
 * TG_STORE_OK at once with p->skipped set.  A TG_STORE_* code.
 */
int	tg_store_prune(struct tg_store *s, struct tg_store_prune *p);

#endif /* TG_STORE_H */
