/*
 * store_role.c: roles, the permissions they grant, and the users' copy.
 *
 * A token's effective permissions are its own intersected with its
 * owner's role permissions at the time of the request.  The lookup reads
 * those from one column, users.role_permissions, instead of joining three
 * tables on every request; this file owns that copy and keeps it in step
 * inside every transaction that changes a role or a user's roles.
 */
#include "store_int.h"

#include <stdio.h>

int
tg_store_role_id(struct tg_store *s, const char *role, long long *id,
    int create)
{
	struct prm p[1] = { PSTR(role) };
	int rc, found;

	rc = tg_store_query_i64(s, "SELECT id FROM roles WHERE name = ?", p,
	    1, id, &found);
	if (rc != TG_STORE_OK)
		return rc;
	if (found)
		return TG_STORE_OK;
	if (!create) {
		snprintf(s->err, sizeof s->err, "no role named '%s'", role);
		return TG_STORE_NOT_FOUND;
	}
	rc = tg_store_run_marked(s, M_ROLE, "INSERT INTO roles (name) "
	    "VALUES (?)", p, 1);
	if (rc != TG_STORE_OK)
		return rc;
	return tg_store_query_i64(s, "SELECT id FROM roles WHERE name = ?", p,
	    1, id, &found);
}

/*
 * users.role_permissions (migration 005) is the owner's permission set as
 * the token lookup reads it.  Every statement that changes user_roles or
 * role_permissions is followed, in its transaction, by one of these, so
 * the column can never disagree with the tables it summarises once the
 * transaction commits.
 */
#define ROLE_PERMS_OF_USERS_ID \
	"COALESCE((SELECT GROUP_CONCAT(DISTINCT rp.permission" \
	" ORDER BY rp.permission SEPARATOR '\\n') FROM user_roles ur" \
	" JOIN role_permissions rp ON rp.role_id = ur.role_id" \
	" WHERE ur.user_id = users.id), '')"

int
tg_store_role_refresh_user(struct tg_store *s, long long user_id)
{
	struct prm p[1] = { PI64(user_id) };

	return tg_store_run(s, "UPDATE users SET role_permissions = "
	    ROLE_PERMS_OF_USERS_ID " WHERE id = ?", p, 1, NULL);
}

static int
refresh_role(struct tg_store *s, long long role_id)
{
	struct prm p[1] = { PI64(role_id) };

	return tg_store_run(s, "UPDATE users SET role_permissions = "
	    ROLE_PERMS_OF_USERS_ID " WHERE id IN (SELECT user_id FROM "
	    "user_roles WHERE role_id = ?)", p, 1, NULL);
}

int
tg_store_role_change(struct tg_store *s, const char *role,
    const char *const *perms, size_t n, int grant)
{
	long long rid;
	size_t i;
	int rc;

	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	if ((rc = tg_store_role_id(s, role, &rid, grant)) != TG_STORE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		struct prm p[2] = { PU64(rid), PSTR(perms[i]) };

		rc = tg_store_run(s, grant ?
		    "INSERT IGNORE INTO role_permissions (role_id, permission) "
		    "VALUES (?, ?)" :
		    "DELETE FROM role_permissions WHERE role_id = ? AND "
		    "permission = ?", p, 2, NULL);
		if (rc != TG_STORE_OK)
			goto fail;
	}
	if ((rc = refresh_role(s, rid)) != TG_STORE_OK ||
	    (rc = tg_store_feed_add_role(s, rid)) != TG_STORE_OK)
		goto fail;
	return tg_store_commit_synced(s);
fail:
	tg_store_rollback(s);
	return rc;
}

/*
 * Recomputes users.role_permissions for every user whose column differs
 * from the tables (after user_roles or role_permissions were edited by
 * hand), with a change-feed row for each, in one transaction.
 */
int
tg_store_role_refresh(struct tg_store *s, unsigned long long *changed)
{
	int rc;

	*changed = 0;
	if ((rc = tg_store_begin(s)) != TG_STORE_OK)
		return rc;
	rc = tg_store_run_marked(s, M_FEED, "INSERT INTO change_feed (at, "
	    "kind, ref) SELECT UTC_TIMESTAMP(6), 'user', CAST(id AS CHAR) "
	    "FROM users WHERE role_permissions <> " ROLE_PERMS_OF_USERS_ID,
	    NULL, 0);
	if (rc != TG_STORE_OK)
		goto fail;
	rc = tg_store_run(s, "UPDATE users SET role_permissions = "
	    ROLE_PERMS_OF_USERS_ID " WHERE role_permissions <> "
	    ROLE_PERMS_OF_USERS_ID, NULL, 0, changed);
	if (rc != TG_STORE_OK)
		goto fail;
	return *changed > 0 ? tg_store_commit_synced(s) : tg_store_commit(s);
fail:
	tg_store_rollback(s);
	return rc;
}
