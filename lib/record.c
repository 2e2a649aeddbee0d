/*
 * record.c: what a token row says on its own.
 *
 * The API and the CLI both show a token's state and effective
 * permissions; each had its own copy of these few lines.
 */
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "perm.h"

void
tg_record_free(struct tg_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->name);
	free(rec->permissions);
	free(rec->api_rules);
	free(rec->resource_rules);
	free(rec->cidrs);
	free(rec->environments);
	free(rec->role_permissions);
	rec->name = rec->permissions = rec->api_rules = NULL;
	rec->resource_rules = rec->cidrs = rec->environments = NULL;
	rec->role_permissions = NULL;
}

const char *
tg_record_state(const struct tg_record *rec, int64_t now)
{
	if (rec->revoked_at != 0)
		return "revoked";
	if (now >= rec->expires_at)
		return "expired";
	return "active";
}

int
tg_record_active(const struct tg_record *rec, int64_t now)
{
	return rec->revoked_at == 0 && now < rec->expires_at;
}

char *
tg_record_effective(const struct tg_record *rec)
{
	struct tg_perm_set g = { NULL, 0 }, r = { NULL, 0 }, e = { NULL, 0 };
	const char *grants = rec->permissions != NULL ? rec->permissions : "";
	const char *roles = rec->role_permissions != NULL ?
	    rec->role_permissions : "";
	char err[128], *out = NULL;
	size_t i, cap = 1;

	if (tg_perm_parse(grants, strlen(grants), &g, err, sizeof err) != 0 ||
	    tg_perm_parse(roles, strlen(roles), &r, err, sizeof err) != 0 ||
	    tg_perm_intersect(&g, &r, &e) != 0)
		goto done;
	for (i = 0; i < e.n; i++)
		cap += strlen(e.items[i]) + 1;
	out = malloc(cap);
	if (out != NULL && tg_perm_join(&e, '\n', out, cap) != 0) {
		free(out);
		out = NULL;
	}
done:
	tg_perm_set_free(&g);
	tg_perm_set_free(&r);
	tg_perm_set_free(&e);
	return out;
}
