/*
 * Unit tests for lib/tokenjson: the members, their order and their
 * values, in the API's view and the CLI's, compared as whole documents.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "tokenjson.h"
#include "tg_test.h"

#define T0	1767323045LL	/* 2026-01-02T03:04:05Z */

static void
check_json(struct json_object *o, const char *want, const char *ctx)
{
	const char *got = o != NULL ? json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;

	TG_CHECK_STR(got, want, ctx);
}

static void
test_list_time(void)
{
	struct json_object *a;

	a = tg_tokenjson_list("a\nb c\n\nd");
	TG_CHECK(a != NULL && json_object_array_length(a) == 3, "three items");
	check_json(a, "[\"a\",\"b c\",\"d\"]", "items");
	json_object_put(a);
	a = tg_tokenjson_list(NULL);
	TG_CHECK(a != NULL && json_object_array_length(a) == 0, "NULL: []");
	json_object_put(a);
	a = tg_tokenjson_list("");
	TG_CHECK(a != NULL && json_object_array_length(a) == 0, "\"\": []");
	json_object_put(a);
	a = tg_tokenjson_time(T0);
	check_json(a, "\"2026-01-02T03:04:05Z\"", "time");
	json_object_put(a);
	TG_CHECK(tg_tokenjson_time(0) == NULL, "0 is null");
	TG_CHECK(tg_tokenjson_time(-5) == NULL, "negative is null");
}

static void
rec_init(struct tg_record *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->id, "AbCdEfGhIjKl", 13);
	memcpy(r->user, "alice", 6);
	r->name = "ci";
	r->permissions = "token:read\naudit:read";
	r->role_permissions = "token:*";
	r->api_rules = "GET /x/**";
	r->resource_rules = "";
	r->cidrs = "10.0.0.0/8";
	r->environments = "prod";
	r->created_at = T0;
	r->expires_at = T0 + 86400;
	r->last_used_at = T0 + 60;
	memcpy(r->last_used_ip, "10.1.2.3", 9);
	r->has_prev = 1;
	r->prev_until = T0 + 120;
}

static void
test_record(void)
{
	struct tg_record r;
	struct json_object *o;

	rec_init(&r);
	o = tg_tokenjson_record(&r, "tg", T0 + 100, TG_TOKENJSON_API);
	check_json(o, "{\"id\":\"AbCdEfGhIjKl\",\"prefix\":\"tg_AbCdEfGhIjKl\","
	    "\"user\":\"alice\",\"name\":\"ci\",\"state\":\"active\","
	    "\"permissions\":[\"token:read\",\"audit:read\"],"
	    "\"effectivePermissions\":[\"token:read\"],"
	    "\"apiRules\":[\"GET /x/**\"],\"resourceRules\":[],"
	    "\"allowedCidrs\":[\"10.0.0.0/8\"],\"environments\":[\"prod\"],"
	    "\"createdAt\":\"2026-01-02T03:04:05Z\","
	    "\"expiresAt\":\"2026-01-03T03:04:05Z\",\"revokedAt\":null,"
	    "\"lastUsedAt\":\"2026-01-02T03:05:05Z\",\"lastUsedIp\":\"10.1.2.3\","
	    "\"oldSecretValidUntil\":\"2026-01-02T03:06:05Z\"}", "API view");
	json_object_put(o);
	/* The CLI's rows carry no role permissions, address or grace. */
	o = tg_tokenjson_record(&r, "tg", T0 + 100, TG_TOKENJSON_CLI);
	check_json(o, "{\"id\":\"AbCdEfGhIjKl\",\"prefix\":\"tg_AbCdEfGhIjKl\","
	    "\"user\":\"alice\",\"name\":\"ci\",\"state\":\"active\","
	    "\"permissions\":[\"token:read\",\"audit:read\"],"
	    "\"apiRules\":[\"GET /x/**\"],\"resourceRules\":[],"
	    "\"allowedCidrs\":[\"10.0.0.0/8\"],\"environments\":[\"prod\"],"
	    "\"createdAt\":\"2026-01-02T03:04:05Z\","
	    "\"expiresAt\":\"2026-01-03T03:04:05Z\","
	    "\"lastUsedAt\":\"2026-01-02T03:05:05Z\"}", "CLI view");
	json_object_put(o);
	/* Past the grace, revoked, never used. */
	r.revoked_at = T0 + 200;
	r.last_used_at = 0;
	r.last_used_ip[0] = '\0';
	r.name = NULL;
	o = tg_tokenjson_record(&r, "tg", T0 + 300, TG_TOKENJSON_API);
	check_json(o, "{\"id\":\"AbCdEfGhIjKl\",\"prefix\":\"tg_AbCdEfGhIjKl\","
	    "\"user\":\"alice\",\"name\":\"\",\"state\":\"revoked\","
	    "\"permissions\":[\"token:read\",\"audit:read\"],"
	    "\"effectivePermissions\":[\"token:read\"],"
	    "\"apiRules\":[\"GET /x/**\"],\"resourceRules\":[],"
	    "\"allowedCidrs\":[\"10.0.0.0/8\"],\"environments\":[\"prod\"],"
	    "\"createdAt\":\"2026-01-02T03:04:05Z\","
	    "\"expiresAt\":\"2026-01-03T03:04:05Z\","
	    "\"revokedAt\":\"2026-01-02T03:07:25Z\",\"lastUsedAt\":null,"
	    "\"lastUsedIp\":null,\"oldSecretValidUntil\":null}",
	    "revoked, unused, grace over");
	json_object_put(o);
}

static void
test_secrets(void)
{
	struct tg_token tok;
	struct tg_new_token nt;
	struct tg_record r;
	struct json_object *o;

	memset(&tok, 0, sizeof tok);
	memcpy(tok.id, "AbCdEfGhIjKl", 13);
	tok.len = (size_t)snprintf(tok.text, sizeof tok.text,
	    "tg_AbCdEfGhIjKl_secret");
	memset(&nt, 0, sizeof nt);
	nt.user = "alice";
	nt.name = "ci";
	nt.permissions = "token:read";
	nt.api_rules = "";
	nt.resource_rules = "";
	nt.cidrs = "";
	nt.environments = "";
	nt.created_at = T0;
	nt.expires_at = T0 + 86400;
	o = tg_tokenjson_created(&tok, &nt, "reader", "tg", TG_TOKENJSON_API);
	check_json(o, "{\"id\":\"AbCdEfGhIjKl\","
	    "\"token\":\"tg_AbCdEfGhIjKl_secret\",\"name\":\"ci\","
	    "\"prefix\":\"tg_AbCdEfGhIjKl\",\"user\":\"alice\","
	    "\"state\":\"active\",\"profile\":\"reader\","
	    "\"permissions\":[\"token:read\"],\"apiRules\":[],"
	    "\"resourceRules\":[],\"allowedCidrs\":[],\"environments\":[],"
	    "\"createdAt\":\"2026-01-02T03:04:05Z\","
	    "\"expiresAt\":\"2026-01-03T03:04:05Z\"}", "created, API");
	tg_tokenjson_free(o);
	o = tg_tokenjson_created(&tok, &nt, NULL, "tg", TG_TOKENJSON_CLI);
	check_json(o, "{\"id\":\"AbCdEfGhIjKl\","
	    "\"token\":\"tg_AbCdEfGhIjKl_secret\",\"name\":\"ci\","
	    "\"prefix\":\"tg_AbCdEfGhIjKl\",\"user\":\"alice\","
	    "\"permissions\":[\"token:read\"],\"apiRules\":[],"
	    "\"resourceRules\":[],\"allowedCidrs\":[],\"environments\":[],"
	    "\"createdAt\":\"2026-01-02T03:04:05Z\","
	    "\"expiresAt\":\"2026-01-03T03:04:05Z\"}", "created, CLI");
	tg_tokenjson_free(o);
	rec_init(&r);
	o = tg_tokenjson_rotated(&tok, &r, T0 + 10, T0 + 70, "tg");
	check_json(o, "{\"id\":\"AbCdEfGhIjKl\","
	    "\"token\":\"tg_AbCdEfGhIjKl_secret\","
	    "\"prefix\":\"tg_AbCdEfGhIjKl\",\"name\":\"ci\","
	    "\"rotatedAt\":\"2026-01-02T03:04:15Z\","
	    "\"expiresAt\":\"2026-01-03T03:04:05Z\","
	    "\"oldSecretValidUntil\":\"2026-01-02T03:05:15Z\"}", "rotated");
	tg_tokenjson_free(o);
	o = tg_tokenjson_rotated(&tok, &r, T0 + 10, 0, "tg");
	TG_CHECK(strstr(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN), "\"oldSecretValidUntil\":null") != NULL,
	    "no grace: null");
	tg_tokenjson_free(o);
	tg_tokenjson_free(NULL);
}

/* tg_tokenjson_free wipes json-c's copy of the secret before it goes. */
static void
test_wipe(void)
{
	struct json_object *o = json_object_new_object(), *s;
	const char *p;

	json_object_object_add(o, "token", json_object_new_string("secret"));
	TG_CHECK(json_object_object_get_ex(o, "token", &s), "member");
	p = json_object_get_string(s);
	json_object_get(s);	/* keep the string alive to look at it */
	tg_tokenjson_free(o);
	TG_CHECK(memcmp(p, "\0\0\0\0\0\0", 6) == 0, "the copy is zeroed");
	json_object_put(s);
}

int
main(void)
{
	test_list_time();
	test_record();
	test_secrets();
	test_wipe();
	return tg_test_done("tokenjson");
}
