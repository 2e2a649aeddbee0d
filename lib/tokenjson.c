/*
 * tokenjson.c: the JSON form of a token.
 *
 * json-c copies every string it is given, the secret too: a reply that
 * shows a secret is released with tg_tokenjson_free, which wipes that
 * copy in place before json-c frees it.
 */
#include "tokenjson.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <openssl/crypto.h>

#include "text.h"

struct json_object *
tg_tokenjson_list(const char *s)
{
	struct json_object *a = json_object_new_array(), *v;
	const char *p = s != NULL ? s : "", *e;

	if (a == NULL)
		return NULL;
	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p) {
			v = json_object_new_string_len(p, (int)(e - p));
			if (v == NULL || json_object_array_add(a, v) != 0) {
				json_object_put(v);
				json_object_put(a);
				return NULL;
			}
		}
		p = *e == '\n' ? e + 1 : e;
	}
	return a;
}

struct json_object *
tg_tokenjson_time(int64_t t)
{
	char buf[TG_TEXT_TIME_LEN];

	if (t <= 0 || tg_text_time_format(t, buf) != 0)
		return NULL;
	return json_object_new_string(buf);
}

/* The display prefix "<prefix>_<id>", "" when it does not fit. */
static struct json_object *
display(const char *token_prefix, const char *id)
{
	char prefix[TG_TOKEN_MAX_LEN + 1];

	if (tg_token_display(token_prefix, id, prefix, sizeof prefix) != 0)
		prefix[0] = '\0';
	return json_object_new_string(prefix);
}

static void
add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

/* The four lists every form shows, in the order every form shows them. */
static void
add_limits(struct json_object *o, const char *api, const char *resource,
    const char *cidrs, const char *envs)
{
	add(o, "apiRules", tg_tokenjson_list(api));
	add(o, "resourceRules", tg_tokenjson_list(resource));
	add(o, "allowedCidrs", tg_tokenjson_list(cidrs));
	add(o, "environments", tg_tokenjson_list(envs));
}

struct json_object *
tg_tokenjson_record(const struct tg_record *r, const char *token_prefix,
    int64_t now, enum tg_tokenjson_view view)
{
	struct json_object *o = json_object_new_object();
	char *eff = NULL;

	if (o == NULL)
		return NULL;
	add(o, "id", json_object_new_string(r->id));
	add(o, "prefix", display(token_prefix, r->id));
	add(o, "user", json_object_new_string(r->user));
	add(o, "name", json_object_new_string(r->name ? r->name : ""));
	add(o, "state", json_object_new_string(tg_record_state(r, now)));
	add(o, "permissions", tg_tokenjson_list(r->permissions));
	if (view == TG_TOKENJSON_API) {
		eff = tg_record_effective(r);
		add(o, "effectivePermissions", tg_tokenjson_list(eff));
		free(eff);
	}
	add_limits(o, r->api_rules, r->resource_rules, r->cidrs,
	    r->environments);
	add(o, "createdAt", tg_tokenjson_time(r->created_at));
	add(o, "expiresAt", tg_tokenjson_time(r->expires_at));
	if (view == TG_TOKENJSON_API)
		add(o, "revokedAt", tg_tokenjson_time(r->revoked_at));
	add(o, "lastUsedAt", tg_tokenjson_time(r->last_used_at));
	if (view != TG_TOKENJSON_API)
		return o;
	add(o, "lastUsedIp", r->last_used_ip[0] ?
	    json_object_new_string(r->last_used_ip) : NULL);
	add(o, "oldSecretValidUntil", r->has_prev && r->prev_until > now ?
	    tg_tokenjson_time(r->prev_until) : NULL);
	return o;
}

struct json_object *
tg_tokenjson_created(const struct tg_token *tok, const struct tg_new_token *nt,
    const char *profile, const char *token_prefix,
    enum tg_tokenjson_view view)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	add(o, "id", json_object_new_string(tok->id));
	add(o, "token", json_object_new_string_len(tok->text, (int)tok->len));
	add(o, "name", json_object_new_string(nt->name));
	add(o, "prefix", display(token_prefix, tok->id));
	add(o, "user", json_object_new_string(nt->user));
	if (view == TG_TOKENJSON_API) {
		add(o, "state", json_object_new_string("active"));
		add(o, "profile", profile != NULL ?
		    json_object_new_string(profile) : NULL);
	}
	add(o, "permissions", tg_tokenjson_list(nt->permissions));
	add_limits(o, nt->api_rules, nt->resource_rules, nt->cidrs,
	    nt->environments);
	add(o, "createdAt", tg_tokenjson_time(nt->created_at));
	add(o, "expiresAt", tg_tokenjson_time(nt->expires_at));
	return o;
}

struct json_object *
tg_tokenjson_rotated(const struct tg_token *tok, const struct tg_record *rec,
    int64_t rotated_at, int64_t grace_until, const char *token_prefix)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	add(o, "id", json_object_new_string(tok->id));
	add(o, "token", json_object_new_string_len(tok->text, (int)tok->len));
	add(o, "prefix", display(token_prefix, tok->id));
	add(o, "name", json_object_new_string(rec->name));
	add(o, "rotatedAt", tg_tokenjson_time(rotated_at));
	add(o, "expiresAt", tg_tokenjson_time(rec->expires_at));
	add(o, "oldSecretValidUntil", grace_until > 0 ?
	    tg_tokenjson_time(grace_until) : NULL);
	return o;
}

void
tg_tokenjson_free(struct json_object *o)
{
	struct json_object *secret;

	if (o == NULL)
		return;
	if (json_object_object_get_ex(o, "token", &secret) &&
	    json_object_is_type(secret, json_type_string))
		OPENSSL_cleanse((void *)(uintptr_t)json_object_get_string(
		    secret), (size_t)json_object_get_string_len(secret));
	json_object_put(o);
}
