/*
 * store_route.c: read routing between a primary and a replica.
 *
 * The authorizer may read from a replica (db_read_*) to take load off the
 * primary, but it must never read data older than the change feed rows
 * it has already applied, or a revoked token could come back from a
 * stale cache refill.  store.h describes the rules.  Two types carry
 * them: struct tg_store_route, the state one process shares between its
 * stores (REPLICA, PRIMARY or CATCHUP, moved only by the feed poller's
 * store), and struct tg_store_reader, what one reader store adds to its
 * connection to the primary (the connection to the replica and, for the
 * steering store, what its look-arounds remember).  Apart so that
 * store.c is a connection and nothing else: a plain store has no reader.
 */
#include "store_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * How often the steering store looks at the endpoint it is not using; a
 * replica that stays down is tried less often, up to every
 * TG_STORE_STEER_MAX_MS (a connect to a host that drops packets blocks
 * the poller for db_connect_timeout).
 */
#define TG_STORE_STEER_MS	1000
#define TG_STORE_STEER_MAX_MS	5000

/* Shared by the stores of one process; moved by one thread only. */
struct tg_store_route {
	_Atomic int		 state;		/* enum tg_store_source */
	_Atomic unsigned	 generation;
};

/*
 * What a reader store (s->reader) adds to its connection to the primary.
 * Owned by that store, and used only by the thread that uses it.
 */
struct tg_store_reader {
	struct tg_store		*rd;		/* the read endpoint */
	struct tg_store_route	*route;		/* followed, not owned */
	int			 steer;		/* this store moves route */
	long long		 next_look_ms;	/* steering: see steer() */
	long long		 look_backoff_ms;	/* while rd is down */
	char			*catchup_gtid;	/* primary's at CATCHUP */
	long long		 catchup_feed;	/* its newest feed id then */
	long long		 lag_id;	/* a primary feed id ... */
	long long		 lag_since_ms;	/* ... then, not yet on rd */
	char			 why[300];
};

struct tg_store_route *
tg_store_route_new(void)
{
	struct tg_store_route *rt = calloc(1, sizeof *rt);

	if (rt == NULL)
		return NULL;
	atomic_init(&rt->state, TG_STORE_REPLICA);
	atomic_init(&rt->generation, 0);
	return rt;
}

void
tg_store_route_free(struct tg_store_route *rt)
{
	free(rt);
}

enum tg_store_source
tg_store_route_state(const struct tg_store_route *rt, unsigned *generation)
{
	if (generation != NULL)
		*generation = atomic_load(&rt->generation);
	return (enum tg_store_source)atomic_load(&rt->state);
}

const char *
tg_store_route_source_str(enum tg_store_source src)
{
	switch (src) {
	case TG_STORE_REPLICA:
		return "replica";
	case TG_STORE_PRIMARY:
		return "primary";
	case TG_STORE_CATCHUP:
		return "primary (replica catching up)";
	}
	return "?";
}

int
tg_store_route_has_read_endpoint(const struct tg_config *cfg)
{
	return cfg->db_read_host[0] != '\0' || cfg->db_read_socket[0] != '\0';
}

struct tg_store *
tg_store_route_new_reader(const struct tg_config *cfg,
    struct tg_store_route *rt, int steer)
{
	struct tg_store_reader *r;
	struct tg_config rc;
	struct tg_store *s;

	if ((s = tg_store_new(cfg)) == NULL)
		return NULL;
	if (rt == NULL || !tg_store_route_has_read_endpoint(cfg))
		return s;
	if ((r = calloc(1, sizeof *r)) == NULL)
		goto fail;
	s->reader = r;
	/* The read endpoint: the same user, database and timeouts. */
	rc = *cfg;
	snprintf(rc.db_host, sizeof rc.db_host, "%s", cfg->db_read_host);
	rc.db_port = cfg->db_read_port;
	snprintf(rc.db_socket, sizeof rc.db_socket, "%s", cfg->db_read_socket);
	r->rd = tg_store_new(&rc);
	tg_config_wipe(&rc);
	if (r->rd == NULL)
		goto fail;
	r->route = rt;
	r->steer = steer;
	return s;
fail:
	tg_store_free(s);
	return NULL;
}

void
tg_store_route_reader_free(struct tg_store_reader *r)
{
	if (r == NULL)
		return;
	tg_store_free(r->rd);
	free(r->catchup_gtid);
	free(r);
}

const char *
tg_store_route_why(const struct tg_store *s)
{
	return s->reader != NULL ? s->reader->why : "";
}

int
tg_store_route_connect(struct tg_store *s)
{
	struct tg_store_reader *r = s->reader;

	if (tg_store_route_state(r->route, NULL) == TG_STORE_REPLICA &&
	    tg_store_db_connect(r->rd) == TG_STORE_OK)
		return TG_STORE_OK;
	return tg_store_db_connect(s);
}

/* Moves the route (steering store only); logged by the poller. */
static void
move(struct tg_store *s, enum tg_store_source to, const char *why)
{
	struct tg_store_reader *r = s->reader;

	atomic_store(&r->route->state, (int)to);
	atomic_fetch_add(&r->route->generation, 1);
	snprintf(r->why, sizeof r->why, "%s", why);
	r->lag_id = 0;
	r->next_look_ms = tg_store_now_ms() + TG_STORE_STEER_MS;
}

/* The newest feed id at s.  TG_STORE_OK or an error code. */
static int
newest_feed(struct tg_store *s, long long *id)
{
	int found;

	*id = 0;
	return tg_store_query_i64(s, "SELECT COALESCE(MAX(id), 0) FROM "
	    "change_feed", NULL, 0, id, &found);
}

static int
position_row(void *arg, struct col *c)
{
	struct tg_store_reader *r = arg;

	free(r->catchup_gtid);
	r->catchup_gtid = tg_store_col_take(&c[0]);
	r->catchup_feed = tg_store_col_i64(&c[1]);
	return r->catchup_gtid != NULL ? 1 : TG_STORE_ERROR;
}

/*
 * CATCHUP -> REPLICA once the replica has everything the primary had when
 * CATCHUP began: its newest feed id, and its GTID position (which also
 * covers feed rows that committed out of id order).  MASTER_GTID_WAIT
 * with a timeout of 0 answers at once: 0 reached, -1 not yet.
 */
static void
check_caught_up(struct tg_store *s)
{
	struct tg_store_reader *r = s->reader;
	char why[sizeof r->why];
	long long id, reached = -1;
	int rc, found = 0;

	if (newest_feed(r->rd, &id) != TG_STORE_OK || id < r->catchup_feed)
		return;
	if (r->catchup_gtid != NULL && r->catchup_gtid[0] != '\0') {
		struct prm p[1] = { PSTR(r->catchup_gtid) };

		rc = tg_store_query_i64(r->rd, "SELECT MASTER_GTID_WAIT(?, 0)",
		    p, 1, &reached, &found);
		if (rc != TG_STORE_OK) {
			/* Not a MariaDB replica we can compare with: give up
			 * for a while rather than guess. */
			snprintf(why, sizeof why, "cannot compare GTID "
			    "positions with the read endpoint: %.200s",
			    tg_store_error(r->rd));
			move(s, TG_STORE_PRIMARY, why);
			r->next_look_ms = tg_store_now_ms() +
			    30 * TG_STORE_STEER_MS;
			return;
		}
		if (!found || reached != 0)
			return;
	}
	move(s, TG_STORE_REPLICA, "read endpoint has caught up with the "
	    "primary");
}

/*
 * While the feed reads the replica: is it too far behind?  A feed id the
 * primary had at lag_since_ms that the replica still lacks
 * db_read_max_lag seconds later means a lag of at least that much.
 * Returns 0 when it moved the route to PRIMARY.
 */
static int
watch_lag(struct tg_store *s, long long t)
{
	struct tg_store_reader *r = s->reader;
	char why[sizeof r->why];
	long long rid, pid;

	if (newest_feed(r->rd, &rid) != TG_STORE_OK) {
		snprintf(why, sizeof why, "read endpoint failed: %.250s",
		    tg_store_error(r->rd));
		move(s, TG_STORE_PRIMARY, why);
		return 0;
	}
	if (r->lag_id != 0 && rid >= r->lag_id)
		r->lag_id = 0;
	if (r->lag_id == 0) {
		/* The primary may be down: then nothing to compare with. */
		if (newest_feed(s, &pid) == TG_STORE_OK && pid > rid) {
			r->lag_id = pid;
			r->lag_since_ms = t;
		}
		return 1;
	}
	if (t - r->lag_since_ms > (long long)s->cfg.db_read_max_lag * 1000) {
		snprintf(why, sizeof why, "read endpoint is more than %u s "
		    "behind the primary (db_read_max_lag)",
		    s->cfg.db_read_max_lag);
		move(s, TG_STORE_PRIMARY, why);
		return 0;
	}
	return 1;
}

/*
 * PRIMARY -> CATCHUP when the replica answers.  The primary's position is
 * read now, after the last feed read from the primary and before the
 * first from the replica, so it covers every row the feed has applied.
 */
static void
try_replica(struct tg_store *s)
{
	struct tg_store_reader *r = s->reader;
	long long id;
	int rc;

	if (newest_feed(r->rd, &id) != TG_STORE_OK) {
		/* Still down: look again later, and later. */
		r->look_backoff_ms = r->look_backoff_ms < TG_STORE_STEER_MS ?
		    TG_STORE_STEER_MS : r->look_backoff_ms * 2;
		if (r->look_backoff_ms > TG_STORE_STEER_MAX_MS)
			r->look_backoff_ms = TG_STORE_STEER_MAX_MS;
		r->next_look_ms = tg_store_now_ms() + r->look_backoff_ms;
		return;
	}
	r->look_backoff_ms = 0;
	free(r->catchup_gtid);
	r->catchup_gtid = NULL;
	rc = tg_store_query_rows(s, "SELECT @@gtid_binlog_pos, (SELECT "
	    "COALESCE(MAX(id), 0) FROM change_feed)", NULL, 0, 2,
	    position_row, r);
	if (rc != TG_STORE_OK || r->catchup_gtid == NULL)
		return;
	move(s, TG_STORE_CATCHUP, "read endpoint answers again; waiting "
	    "until it has caught up with the primary");
	check_caught_up(s);
}

/* The steering store's look around, before each of its reads. */
static void
steer(struct tg_store *s)
{
	struct tg_store_reader *r = s->reader;
	long long t = tg_store_now_ms();

	if (t < r->next_look_ms)
		return;
	r->next_look_ms = t + TG_STORE_STEER_MS;
	switch (tg_store_route_state(r->route, NULL)) {
	case TG_STORE_PRIMARY:
		try_replica(s);
		break;
	case TG_STORE_CATCHUP:
		if (watch_lag(s, t))
			check_caught_up(s);
		break;
	case TG_STORE_REPLICA:
		(void)watch_lag(s, t);
		break;
	}
}

/*
 * Runs the read fn where the route says (store.h): the replica, or the
 * primary when the route says so or the replica fails.
 */
int
tg_store_route_read(struct tg_store *s, tg_store_read_fn fn, void *arg)
{
	struct tg_store_reader *r = s->reader;
	enum tg_store_source src;
	char why[sizeof r->why], prim[sizeof s->err];
	int rc, tried = 0;

	if (r == NULL)
		return fn(s, arg);
	if (r->steer)
		steer(s);
	src = tg_store_route_state(r->route, NULL);
	if (src == TG_STORE_REPLICA || (src == TG_STORE_CATCHUP && r->steer)) {
		if ((rc = fn(r->rd, arg)) >= 0)
			return rc;
		tried = 1;
		if (r->steer) {
			snprintf(why, sizeof why, "read endpoint failed: "
			    "%.250s", tg_store_error(r->rd));
			move(s, TG_STORE_PRIMARY, why);
		}
	}
	rc = fn(s, arg);
	if (rc < 0 && tried) {
		snprintf(prim, sizeof prim, "%s", s->err);
		snprintf(s->err, sizeof s->err, "%.240s; read endpoint: %.240s",
		    prim, tg_store_error(r->rd));
	}
	return rc;
}
