/*
 * api_info.c: /me, /profiles, /audit and /health.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "api.h"
#include "names.h"
#include "text.h"
#include "token.h"
#include "tokenjson.h"

static struct json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *
perm_set_json(const struct tg_perm_set *s)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; s != NULL && i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->items[i]));
	return a;
}

void
api_info_me(struct api_req *q)
{
	struct tg_store_user u;
	struct json_object *o;
	int rc;

	rc = tg_store_user_get(q->w->store, q->caller.user, &u);
	if (rc != TG_STORE_OK) {
		api_reply_store(q, rc == TG_STORE_NOT_FOUND ? TG_STORE_ERROR :
		    rc);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "user",
	    json_object_new_string(q->caller.user));
	json_object_object_add(o, "via", json_object_new_string(q->caller.via));
	json_object_object_add(o, "secret", q->caller.secret != NULL ?
	    json_object_new_string(q->caller.secret) : NULL);
	json_object_object_add(o, "tokenId", q->caller.token_id[0] ?
	    json_object_new_string(q->caller.token_id) : NULL);
	json_object_object_add(o, "roles", tg_tokenjson_list(u.roles));
	json_object_object_add(o, "permissions",
	    perm_set_json(q->caller.perms));
	json_object_object_add(o, "rolePermissions",
	    tg_tokenjson_list(u.permissions));
	api_reply_json(q, 200, o, NULL, 0);
	json_object_put(o);
	tg_store_user_free(&u);
}

void
api_info_profiles(struct api_req *q)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array(), *p, *perms;
	const char *s, *e;
	size_t i;

	for (i = 0; i < api_cfg.nprofiles; i++) {
		const struct tg_config_profile *pr = &api_cfg.profiles[i];

		p = json_object_new_object();
		perms = json_object_new_array();
		for (s = pr->permissions; *s != '\0'; s = *e ? e + 1 : e) {
			e = strchr(s, ' ');
			if (e == NULL)
				e = s + strlen(s);
			json_object_array_add(perms,
			    json_object_new_string_len(s, (int)(e - s)));
		}
		json_object_object_add(p, "name",
		    json_object_new_string(pr->name));
		json_object_object_add(p, "permissions", perms);
		json_object_object_add(p, "builtin",
		    json_object_new_boolean(pr->builtin));
		json_object_array_add(a, p);
	}
	json_object_object_add(o, "profiles", a);
	api_reply_json(q, 200, o, NULL, 0);
	json_object_put(o);
}

struct audit_ctx {
	struct api_page		 page;
	uint64_t		 last_id;
};

static int
audit_row(void *arg, const struct tg_store_audit_row *r)
{
	struct audit_ctx *ac = arg;
	struct json_object *o;
	char at[TG_TEXT_TIME_LEN];

	if (api_reply_page_full(&ac->page))
		return 1;
	if (tg_text_time_format(r->at, at) != 0)
		at[0] = '\0';
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)r->id));
	json_object_object_add(o, "at", json_object_new_string(at));
	json_object_object_add(o, "actor", str_or_null(r->a.actor));
	json_object_object_add(o, "actorTokenId",
	    str_or_null(r->a.actor_token_id));
	json_object_object_add(o, "via", str_or_null(r->a.via));
	json_object_object_add(o, "secret", str_or_null(r->a.secret));
	json_object_object_add(o, "action", str_or_null(r->a.action));
	json_object_object_add(o, "targetTokenId",
	    str_or_null(r->a.target_token_id));
	json_object_object_add(o, "targetUser", str_or_null(r->a.target_user));
	json_object_object_add(o, "outcome", str_or_null(r->a.outcome));
	json_object_object_add(o, "remoteAddr", str_or_null(r->a.remote_addr));
	json_object_object_add(o, "detail", str_or_null(r->a.detail));
	api_reply_page_add(&ac->page, o);
	ac->last_id = r->id;
	return 0;
}

void
api_info_audit(struct api_req *q)
{
	struct tg_store_audit_filter f;
	struct tg_query_list l;
	struct tg_apireq_error e;
	struct audit_ctx ac;
	char next[32];
	int rc;

	if (tg_query_audit(q->query, q->query_len, &api_cfg, &l, &f,
	    &e) != 0) {
		api_reply_apireq(q, &e);
		return;
	}
	memset(&ac, 0, sizeof ac);
	api_reply_page_start(&ac.page, l.limit);
	rc = tg_store_audit_page(q->w->store, &f, audit_row, &ac);
	snprintf(next, sizeof next, "%llu", (unsigned long long)ac.last_id);
	api_reply_page(q, &ac.page, rc, "entries", next);
}

void
api_info_health(struct api_req *q)
{
	struct json_object *o = json_object_new_object();
	int up = tg_store_ping(q->w->store) == TG_STORE_OK;

	json_object_object_add(o, "status",
	    json_object_new_string(up ? "ok" : "degraded"));
	json_object_object_add(o, "database",
	    json_object_new_string(up ? "up" : "down"));
	api_reply_json(q, up ? 200 : 503, o, up ? NULL : "Retry-After: 1\r\n",
	    0);
	json_object_put(o);
}
