/*
 * store_user.c: the users tokens belong to.
 *
 * A user is a name, an enabled flag and a set of roles; its tokens can
 * never do more than its roles allow right now.  Disabling a user ends
 * what all of its tokens may do, so that change goes through the feed and
 * waits for the authorizers like a revoke.  What a role grants is
 * store_role.c's.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
tg_store_user_add(struct tg_store *s, const char *name,
    const char *const *roles, size_t nroles)
{
	struct prm p[1] = { PSTR(name) };
	long long uid = 0, rid = 0;
	int rc, found;
	size_t i;

	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	rc = tg_store_run_marked(s, M_USER, "INSERT INTO users (name, enabled, "
	    "created_at) VALUES (?, 1, UTC_TIMESTAMP())", p, 1);
	if (rc == TG_STORE_CONFLICT)
		snprintf(s->err, sizeof s->err, "user '%s' already exists",
		    name);
	if (rc != TG_STORE_OK)
		goto fail;
	rc = tg_store_query_i64(s, "SELECT id FROM users WHERE name = ?", p,
	    1, &uid, &found);
	if (rc != TG_STORE_OK)
		goto fail;
	for (i = 0; i < nroles; i++) {
		struct prm rp[2];

		if ((rc = tg_store_role_id(s, roles[i], &rid, 0)) !=
		    TG_STORE_OK)
			goto fail;
		rp[0] = PU64(uid);
		rp[1] = PU64(rid);
		rc = tg_store_run(s, "INSERT IGNORE INTO user_roles (user_id, "
		    "role_id) VALUES (?, ?)", rp, 2, NULL);
		if (rc != TG_STORE_OK)
			goto fail;
	}
	if ((rc = tg_store_role_refresh_user(s, uid)) != TG_STORE_OK)
		goto fail;
	return tg_store_commit(s);
fail:
	tg_store_rollback(s);
	return rc;
}

int
tg_store_user_set_enabled(struct tg_store *s, const char *name, int enabled)
{
	struct prm p[2] = { PI64(enabled ? 1 : 0), PSTR(name) };
	struct prm q[1] = { PSTR(name) };
	long long id;
	int rc, found;

	rc = tg_store_query_i64(s, "SELECT id FROM users WHERE name = ?", q,
	    1, &id, &found);
	if (rc != TG_STORE_OK)
		return rc;
	if (!found) {
		snprintf(s->err, sizeof s->err, "no user named '%s'", name);
		return TG_STORE_NOT_FOUND;
	}
	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	rc = tg_store_run(s, "UPDATE users SET enabled = ? WHERE name = ?", p,
	    2, NULL);
	if (rc != TG_STORE_OK)
		goto fail;
	if ((rc = tg_store_feed_add_user(s, id)) != TG_STORE_OK)
		goto fail;
	return tg_store_commit_synced(s);
fail:
	tg_store_rollback(s);
	return rc;
}

static int
user_row(void *arg, struct col *c)
{
	struct tg_store_user *u = arg;

	u->id = (uint64_t)tg_store_col_i64(&c[0]);
	u->enabled = tg_store_col_i64(&c[1]) != 0;
	u->roles = tg_store_col_take(&c[2]);
	u->permissions = tg_store_col_take(&c[3]);
	return 1;
}

int
tg_store_user_get(struct tg_store *s, const char *name,
    struct tg_store_user *u)
{
	struct prm p[1] = { PSTR(name) };
	int rc;

	memset(u, 0, sizeof *u);
	rc = tg_store_query_rows(s, "SELECT u.id, u.enabled,"
	    " (SELECT GROUP_CONCAT(r.name ORDER BY r.name SEPARATOR '\\n')"
	    "  FROM user_roles ur JOIN roles r ON r.id = ur.role_id"
	    "  WHERE ur.user_id = u.id),"
	    " u.role_permissions"
	    " FROM users u WHERE u.name = ?", p, 1, 4, user_row, u);
	if (rc != TG_STORE_OK)
		goto fail;
	if (u->id == 0) {
		snprintf(s->err, sizeof s->err, "no user named '%s'", name);
		return TG_STORE_NOT_FOUND;
	}
	if (u->roles == NULL || u->permissions == NULL) {
		snprintf(s->err, sizeof s->err, "out of memory");
		rc = TG_STORE_ERROR;
		goto fail;
	}
	return TG_STORE_OK;
fail:
	tg_store_user_free(u);
	return rc;
}

void
tg_store_user_free(struct tg_store_user *u)
{
	if (u == NULL)
		return;
	free(u->roles);
	free(u->permissions);
	u->roles = u->permissions = NULL;
}
