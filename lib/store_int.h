/*
 * store_int.h: what the store's files share, and nothing else sees.
 *
 * The store is one module in several files (store.h lists them).  This
 * private header holds the connection struct and the helpers that run a
 * statement on it, so that each file of the store can say only what it
 * does with the database.  It is included by lib/store*.c alone and is
 * not installed: outside the store, struct tg_store stays opaque and
 * nothing includes mysql.h.
 *
 * Every function here is defined in lib/store.c unless its group says
 * otherwise, and carries the prefix of the file that defines it.
 */
#ifndef TG_STORE_INT_H
#define TG_STORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mysql.h>

#include "store.h"

/*
 * The statements a connection keeps prepared (the hot ones); every other
 * statement is prepared for one call.  The SQL text lives with the file
 * that runs it.
 */
enum tg_store_slot {
	Q_LOOKUP,		/* store_token.c */
	Q_FEED,			/* store_feed.c */
	Q_FEED_IDS,		/* store_feed.c */
	Q_COUNT
};

/*
 * Tables whose AUTO_INCREMENT id tells whether a transaction that
 * inserted a row into them committed (see "Commits whose answer is lost"
 * in store.c, which looks for the row).
 */
enum mark {
	M_NONE,
	M_FEED,
	M_USER,
	M_ROLE,
	M_AUDIT,
	M_COUNT
};

struct tg_store_reader;		/* store_route.c */

/*
 * One connection with its prepared statements.  A thread owns it, and it
 * is never shared.
 */
struct tg_store {
	struct tg_config	 cfg;
	MYSQL			*db;
	MYSQL_STMT		*stmt[Q_COUNT];
	long long		 next_try_ms;	/* backoff after a failure */
	long long		 backoff_ms;
	long long		 connected_ms;	/* when db was connected */
	char			 err[512];
	/* A row the open transaction inserted: see tg_store_run_marked. */
	enum mark		 mark;
	unsigned long long	 mark_id;
	unsigned long long	 mark_rows;	/* rows that INSERT made */
	int			 unconfirmed;	/* tg_store_unconfirmed */
	char			 warn[400];	/* tg_store_take_warning */
	/* The read routing of a reader store (store_route.c); NULL for a
	 * plain one.  Owned. */
	struct tg_store_reader	*reader;
};

/* A statement parameter. */
enum ptype { P_STR, P_BIN, P_I64, P_U64, P_NULL };
struct prm {
	enum ptype	 type;
	const void	*p;
	unsigned long	 len;
	long long	 i;
};
#define PSTR(s)	  tg_store_pstr(s)
#define PBIN(b,n) ((struct prm){ P_BIN, (b), (n), 0 })
#define PI64(v)	  ((struct prm){ P_I64, NULL, 0, (long long)(v) })
#define PU64(v)	  ((struct prm){ P_U64, NULL, 0, (long long)(v) })

/* A string parameter; NULL is SQL NULL. */
static inline struct prm
tg_store_pstr(const char *s)
{
	struct prm p = { s != NULL ? P_STR : P_NULL, s,
	    s != NULL ? (unsigned long)strlen(s) : 0, 0 };

	return p;
}

/* A result column, always fetched as bytes. */
struct col {
	char		*buf;	/* malloc'd, NUL-ended; NULL for SQL NULL */
	unsigned long	 len;
	my_bool		 is_null;
	my_bool		 error;
};

/*
 * SQL text assembled from constant fragments only: values always travel
 * as parameters, the fragments just leave out the conditions a filter
 * does not use, so that the optimizer sees plain indexable predicates.
 */
struct sql {
	char	text[2048];
	size_t	len;
	int	overflow;	/* a fragment did not fit: do not run it */
};

/* --- store.c: the connection and its statements ------------------------ */

long long	tg_store_now_ms(void);	/* CLOCK_MONOTONIC */
/* Connects s if it is not connected (after the backoff). */
int	tg_store_db_connect(struct tg_store *s);
/* Records the error in s->err and classifies it; drops a broken
 * connection.  Returns the TG_STORE_* code for e. */
int	tg_store_fail(struct tg_store *s, unsigned e, const char *what,
	    const char *msg);

/* Prepares sql, or reuses the cached statement of slot (>= 0; -1: none).
 * NULL with *rc set on failure. */
MYSQL_STMT *tg_store_prepare(struct tg_store *s, int slot, const char *sql,
	    int *rc);
/* Ends the use of st: resets a cached one, closes any other. */
void	tg_store_release(struct tg_store *s, int slot, MYSQL_STMT *st);
/* Binds p[0..np) (at most 24) and executes st.  A TG_STORE_* code. */
int	tg_store_execute(struct tg_store *s, MYSQL_STMT *st,
	    const struct prm *p, unsigned np);
/* Fetches the next row into c[0..n) (at most 24): 1 for a row, 0 at the
 * end, or a negative store code.  Free the row with tg_store_cols_free. */
int	tg_store_fetch(struct tg_store *s, MYSQL_STMT *st, struct col *c,
	    unsigned n);
void	tg_store_cols_free(struct col *c, unsigned n);
long long tg_store_col_i64(const struct col *c);	/* 0 for NULL */
/* Takes ownership of the column's buffer ("" for NULL; NULL on ENOMEM). */
char	*tg_store_col_take(struct col *c);

/* Runs one statement that returns no rows; affected may be NULL. */
int	tg_store_run(struct tg_store *s, const char *sql, const struct prm *p,
	    unsigned np, unsigned long long *affected);
/*
 * tg_store_run for an INSERT into the table of m inside a transaction:
 * remembers the AUTO_INCREMENT id of its (first) row, the row looked for
 * when the answer to the COMMIT is lost.  An INSERT ... SELECT that
 * inserted nothing keeps the earlier mark.
 */
int	tg_store_run_marked(struct tg_store *s, enum mark m, const char *sql,
	    const struct prm *p, unsigned np);
/* Runs a query expected to return one integer (or none: *found = 0). */
int	tg_store_query_i64(struct tg_store *s, const char *sql,
	    const struct prm *p, unsigned np, long long *out, int *found);
/*
 * Runs a query and calls fn for each row (buffered first, so fn may take
 * its time).  fn returns 0 to go on, a positive value to stop, or a
 * negative store code, which is returned.
 */
typedef int (*tg_store_cols_fn)(void *arg, struct col *c);
int	tg_store_query_rows(struct tg_store *s, const char *sql,
	    const struct prm *p, unsigned np, unsigned ncols,
	    tg_store_cols_fn fn, void *arg);
/* Appends a constant fragment to q (sets q->overflow when full). */
void	tg_store_sql_add(struct sql *q, const char *frag);

/*
 * Transactions.  begin clears the mark and tg_store_unconfirmed; commit
 * settles a COMMIT whose answer was lost; commit_synced also waits for
 * the authorizers to apply the transaction's feed rows.  rollback is
 * harmless on a lost connection.
 */
int	tg_store_begin(struct tg_store *s);
int	tg_store_commit(struct tg_store *s);
int	tg_store_commit_synced(struct tg_store *s);
void	tg_store_rollback(struct tg_store *s);

/* --- store_route.c: reads routed between replica and primary ----------- */

/* A read that tg_store_route_read runs on one connection or the other. */
typedef int (*tg_store_read_fn)(struct tg_store *s, void *arg);
/* Runs fn where s's route says (store.h); on a plain store, on s. */
int	tg_store_route_read(struct tg_store *s, tg_store_read_fn fn,
	    void *arg);
/* tg_store_connect of a reader store: the endpoint its reads go to now. */
int	tg_store_route_connect(struct tg_store *s);
void	tg_store_route_reader_free(struct tg_store_reader *r);	/* r: NULL ok */

/* --- store_role.c: the users' copy of their role permissions ----------- */

/* The id of role; with create, a missing role is inserted (marked). */
int	tg_store_role_id(struct tg_store *s, const char *role, long long *id,
	    int create);
/* Rewrites users.role_permissions of user_id from its roles. */
int	tg_store_role_refresh_user(struct tg_store *s, long long user_id);

/* --- store_feed.c: the feed rows a change writes in its transaction ---- */

int	tg_store_feed_add_token(struct tg_store *s, const char *id);
int	tg_store_feed_add_user(struct tg_store *s, long long user_id);
/* A row for each user holding role_id. */
int	tg_store_feed_add_role(struct tg_store *s, long long role_id);

#endif /* TG_STORE_INT_H */
