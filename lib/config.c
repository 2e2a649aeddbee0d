/*
 * config.c: a strict key = value parser.
 *
 * Strict because a typo in a security tool's configuration must not fall
 * back to a default silently: "envirnoment = production" that is ignored
 * would accept development-only tokens in production.  Each key is
 * described once in a table, with its type and range, so the parser, the
 * defaults and the error messages cannot drift apart.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "names.h"
#include "perm.h"
#include "token.h"

enum kind { K_STR, K_UINT, K_BOOL, K_PREFIX, K_PATHBASE, K_AUDIT };

struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	unsigned	 min, max;	/* for K_UINT */
};

#define F(f)	offsetof(struct tg_config, f)
static const struct key keys[] = {
	{ "db_host",		K_STR,	F(db_host),		0, 0 },
	{ "db_port",		K_UINT,	F(db_port),		1, 65535 },
	{ "db_socket",		K_STR,	F(db_socket),		0, 0 },
	{ "db_user",		K_STR,	F(db_user),		0, 0 },
	{ "db_password",	K_STR,	F(db_password),		0, 0 },
	{ "db_name",		K_STR,	F(db_name),		0, 0 },
	{ "db_connect_timeout",	K_UINT,	F(db_connect_timeout),	1, 60 },
	{ "db_read_timeout",	K_UINT,	F(db_read_timeout),	1, 60 },
	{ "db_write_timeout",	K_UINT,	F(db_write_timeout),	1, 60 },
	{ "db_read_host",	K_STR,	F(db_read_host),	0, 0 },
	{ "db_read_port",	K_UINT,	F(db_read_port),	1, 65535 },
	{ "db_read_socket",	K_STR,	F(db_read_socket),	0, 0 },
	{ "db_read_max_lag",	K_UINT,	F(db_read_max_lag),	1, 7 },
	{ "key_file",		K_STR,	F(key_file),		0, 0 },
	{ "token_prefix",	K_PREFIX, F(token_prefix),	0, 0 },
	{ "environment",	K_STR,	F(environment),		0, 0 },
	{ "log_denials",	K_BOOL,	F(log_denials),		0, 0 },
	{ "log_denials_per_second", K_UINT, F(log_denials_per_second),
							0, 1000000 },
	{ "api_base",		K_PATHBASE, F(api_base),	0, 0 },
	{ "max_expiry_days",	K_UINT,	F(max_expiry_days),	1, 365 },
	{ "trust_remote_user",	K_BOOL,	F(trust_remote_user),	0, 0 },
	{ "max_body_bytes",	K_UINT,	F(max_body_bytes),	1024, 1048576 },
	{ "rotation_max_grace_seconds", K_UINT, F(rotation_max_grace_seconds),
							0, 2592000 },
	{ "page_limit_default",	K_UINT,	F(page_limit_default),	1, 1000 },
	{ "page_limit_max",	K_UINT,	F(page_limit_max),	1, 1000 },
	{ "cache",		K_BOOL,	F(cache),		0, 0 },
	{ "cache_size",		K_UINT,	F(cache_size),		1, 10000000 },
	{ "cache_negative_size", K_UINT, F(cache_negative_size), 1, 10000000 },
	{ "cache_max_age",	K_UINT,	F(cache_max_age),	1, 86400 },
	{ "feed_poll_ms",	K_UINT,	F(feed_poll_ms),	20, 5000 },
	{ "stale_if_error",	K_UINT,	F(stale_if_error),	0, 3600 },
	{ "last_used_interval",	K_UINT,	F(last_used_interval),	1, 86400 },
	{ "brake_failures",	K_UINT,	F(brake_failures),	0, 1000000 },
	{ "brake_window",	K_UINT,	F(brake_window),	1, 3600 },
	{ "brake_clients",	K_UINT,	F(brake_clients),	64, 10000000 },
	{ "audit_decisions",	K_AUDIT, F(audit_decisions),	0, 0 },
	/* At least ten minutes: far above the feed's 10 s gap window, its
	 * 30 s start-up look-back and the longest poll interval (5 s). */
	{ "feed_keep_seconds",	K_UINT,	F(feed_keep_seconds),	600, 31536000 },
	{ "audit_keep_days",	K_UINT,	F(audit_keep_days),	0, 36500 },
};
#undef F
#define NKEYS	(sizeof keys / sizeof keys[0])

/*
 * The built-in profiles are the suggested permission sets of seed 002
 * (Floh's token profiles), each a superset of the one before.
 */
static const struct {
	const char	*name;
	const char	*permissions;
} builtin_profiles[] = {
	{ "read-only-analyst",
	  "workflow:read run:read task:read approval:read project:read "
	  "connector:read audit:read report:read" },
	{ "workflow-author",
	  "workflow:read run:read task:read approval:read project:read "
	  "connector:read audit:read report:read workflow:create "
	  "workflow:update workflow:publish workflow:start schedule:read "
	  "schedule:manage" },
	{ "full-operator",
	  "workflow:read run:read task:read approval:read project:read "
	  "connector:read audit:read report:read workflow:create "
	  "workflow:update workflow:publish workflow:start schedule:read "
	  "schedule:manage run:cancel run:update config:export config:import" },
};

void
tg_config_defaults(struct tg_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->db_host, sizeof cfg->db_host, "localhost");
	cfg->db_port = 3306;
	snprintf(cfg->db_user, sizeof cfg->db_user, "tokengate");
	snprintf(cfg->db_name, sizeof cfg->db_name, "tokengate");
	/* Well under the 30 s or longer that the web servers wait. */
	cfg->db_connect_timeout = 2;
	cfg->db_read_timeout = 2;
	cfg->db_write_timeout = 2;
	cfg->db_read_port = 3306;
	cfg->db_read_max_lag = 5;
	snprintf(cfg->key_file, sizeof cfg->key_file, "/etc/tokengate/key");
	snprintf(cfg->token_prefix, sizeof cfg->token_prefix, "tg");
	cfg->log_denials = 1;
	cfg->log_denials_per_second = 100;
	snprintf(cfg->api_base, sizeof cfg->api_base, "/api/auth");
	cfg->max_expiry_days = 365;
	cfg->trust_remote_user = 0;
	cfg->max_body_bytes = 65536;
	cfg->rotation_max_grace_seconds = 604800;
	cfg->page_limit_default = 50;
	cfg->page_limit_max = 200;
	cfg->cache = 1;
	cfg->cache_size = 100000;
	cfg->cache_negative_size = 10000;
	cfg->cache_max_age = 300;
	cfg->feed_poll_ms = 200;
	cfg->stale_if_error = 0;
	cfg->last_used_interval = 60;
	cfg->brake_failures = 20;
	cfg->brake_window = 60;
	cfg->brake_clients = 10000;
	cfg->feed_keep_seconds = 86400;
	cfg->audit_keep_days = 0;
	for (i = 0; i < sizeof builtin_profiles / sizeof builtin_profiles[0];
	    i++) {
		struct tg_config_profile *p = &cfg->profiles[cfg->nprofiles++];

		snprintf(p->name, sizeof p->name, "%s",
		    builtin_profiles[i].name);
		snprintf(p->permissions, sizeof p->permissions, "%s",
		    builtin_profiles[i].permissions);
		p->builtin = 1;
	}
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The index of a key in the table; the name must be in it. */
static size_t
key_index(const char *k)
{
	size_t i;

	for (i = 0; i < NKEYS - 1; i++)
		if (strcmp(keys[i].name, k) == 0)
			break;
	return i;
}

static int
set_value(struct tg_config *cfg, const struct key *k, const char *v,
    size_t vlen, char *why, size_t whysz)
{
	char *field = (char *)cfg + k->off;
	char buf[TG_CONFIG_STR], *end;
	unsigned long n;
	size_t i;

	if (vlen >= TG_CONFIG_STR) {
		snprintf(why, whysz, "value longer than %d bytes",
		    TG_CONFIG_STR - 1);
		return -1;
	}
	for (i = 0; i < vlen; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(why, whysz, "control character in value");
			return -1;
		}
	}
	memcpy(buf, v, vlen);
	buf[vlen] = '\0';

	switch (k->kind) {
	case K_STR:
		memcpy(field, buf, vlen + 1);
		return 0;
	case K_PREFIX:
		if (!tg_token_prefix_valid(buf)) {
			snprintf(why, whysz, "must be 1-16 characters a-z, 0-9, "
			    "starting with a letter");
			return -1;
		}
		memcpy(field, buf, vlen + 1);
		return 0;
	case K_PATHBASE:
		if (buf[0] != '/' || (vlen > 1 && buf[vlen - 1] == '/') ||
		    strstr(buf, "//") != NULL || strpbrk(buf, " ?#%;\\") != NULL) {
			snprintf(why, whysz, "must be an absolute path without "
			    "a trailing slash, e.g. /api/auth");
			return -1;
		}
		memcpy(field, buf, vlen + 1);
		return 0;
	case K_UINT:
		if (vlen == 0 || buf[0] < '0' || buf[0] > '9') {
			snprintf(why, whysz, "expected a number from %u to %u",
			    k->min, k->max);
			return -1;
		}
		errno = 0;
		n = strtoul(buf, &end, 10);
		if (errno != 0 || *end != '\0' || n < k->min || n > k->max) {
			snprintf(why, whysz, "expected a number from %u to %u",
			    k->min, k->max);
			return -1;
		}
		*(unsigned *)(void *)field = (unsigned)n;
		return 0;
	case K_BOOL:
		if (!strcmp(buf, "yes") || !strcmp(buf, "on") ||
		    !strcmp(buf, "true") || !strcmp(buf, "1"))
			*(int *)(void *)field = 1;
		else if (!strcmp(buf, "no") || !strcmp(buf, "off") ||
		    !strcmp(buf, "false") || !strcmp(buf, "0"))
			*(int *)(void *)field = 0;
		else {
			snprintf(why, whysz, "expected yes or no");
			return -1;
		}
		return 0;
	case K_AUDIT:
		if (!strcmp(buf, "off"))
			*(int *)(void *)field = TG_AUDIT_OFF;
		else if (!strcmp(buf, "denied"))
			*(int *)(void *)field = TG_AUDIT_DENIED;
		else if (!strcmp(buf, "all"))
			*(int *)(void *)field = TG_AUDIT_ALL;
		else {
			snprintf(why, whysz, "expected off, denied or all");
			return -1;
		}
		return 0;
	}
	return -1;
}

/*
 * Handles "profile.NAME = perm perm ...".  The key is open-ended, so it is
 * not in the key table.  plines[i] is the line that set profiles[i] (0 for
 * a built-in one), so a second line for one name is a duplicate while the
 * first one may replace a built-in profile.  The list is stored with
 * single spaces.  Returns 0, or -1 with why set to the whole message after
 * "NAME:LINE: ".
 */
static int
set_profile(struct tg_config *cfg, const char *key, size_t keylen,
    const char *v, size_t vlen, unsigned line, unsigned *plines, char *why,
    size_t whysz)
{
	char name[TG_CONFIG_PROFILE_NAME], list[TG_CONFIG_PROFILE_PERMS];
	struct tg_config_profile *p = NULL;
	size_t namelen = keylen - 8, i, n = 0, o = 0;	/* 8 = "profile." */

	if (namelen == 0 || namelen >= sizeof name) {
		snprintf(why, whysz, "'%.*s': profile names are 1-64 of a-z, "
		    "0-9, _ and -", (int)(keylen > 80 ? 80 : keylen), key);
		return -1;
	}
	memcpy(name, key + 8, namelen);
	name[namelen] = '\0';
	if (!tg_names_role_valid(name)) {
		snprintf(why, whysz, "'%.*s': profile names are 1-64 of a-z, "
		    "0-9, _ and -", (int)(keylen > 80 ? 80 : keylen), key);
		return -1;
	}
	for (i = 0; i < vlen; i++) {
		if ((unsigned char)v[i] < 0x20 && !is_blank(v[i])) {
			snprintf(why, whysz, "profile.%s: control character in "
			    "value", name);
			return -1;
		}
	}
	/* Split at blanks; each item must be a permission. */
	i = 0;
	while (i < vlen) {
		size_t s;

		while (i < vlen && is_blank(v[i]))
			i++;
		if (i == vlen)
			break;
		s = i;
		while (i < vlen && !is_blank(v[i]))
			i++;
		if (!tg_perm_valid(v + s, i - s)) {
			snprintf(why, whysz, "profile.%s: \"%.*s\" is not a "
			    "permission (resource:action, resource:* or *)",
			    name, (int)(i - s > 140 ? 140 : i - s), v + s);
			return -1;
		}
		if (o + (i - s) + 2 > sizeof list) {
			snprintf(why, whysz, "profile.%s: permission list "
			    "longer than %zu bytes", name, sizeof list - 1);
			return -1;
		}
		if (o > 0)
			list[o++] = ' ';
		memcpy(list + o, v + s, i - s);
		o += i - s;
		n++;
	}
	list[o] = '\0';
	if (n == 0) {
		snprintf(why, whysz, "profile.%s: expected one or more "
		    "permissions", name);
		return -1;
	}
	for (i = 0; i < cfg->nprofiles; i++) {
		if (strcmp(cfg->profiles[i].name, name) != 0)
			continue;
		if (plines[i] != 0) {
			snprintf(why, whysz, "'profile.%s' already set on line "
			    "%u", name, plines[i]);
			return -1;
		}
		p = &cfg->profiles[i];
		break;
	}
	if (p == NULL) {
		if (cfg->nprofiles == TG_CONFIG_PROFILES_MAX) {
			snprintf(why, whysz, "profile.%s: more than %d "
			    "profiles (built-in ones included)", name,
			    TG_CONFIG_PROFILES_MAX);
			return -1;
		}
		i = cfg->nprofiles++;
		p = &cfg->profiles[i];
	}
	plines[i] = line;
	memcpy(p->name, name, namelen + 1);
	memcpy(p->permissions, list, o + 1);
	p->builtin = 0;
	return 0;
}

const struct tg_config_profile *
tg_config_profile(const struct tg_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return &cfg->profiles[i];
	return NULL;
}

int
tg_config_parse(struct tg_config *cfg, const char *name, const char *text,
    size_t len, char *err, size_t errsz)
{
	unsigned seen[NKEYS] = { 0 };
	unsigned plines[TG_CONFIG_PROFILES_MAX] = { 0 };
	const char *p = text, *end = text + len, *eol, *ks, *ke, *vs, *ve;
	unsigned line = 0;
	char why[256];
	size_t i;

	while (p < end) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		ks = p;
		p = eol + 1;
		while (ks < eol && is_blank(*ks))
			ks++;
		if (ks == eol || *ks == '#')
			continue;
		if (memchr(ks, '\0', (size_t)(eol - ks)) != NULL) {
			snprintf(err, errsz, "%s:%u: NUL byte in line", name,
			    line);
			return -1;
		}
		ke = ks;
		while (ke < eol && *ke != '=' && !is_blank(*ke))
			ke++;
		vs = ke;
		while (vs < eol && is_blank(*vs))
			vs++;
		if (vs == eol || *vs != '=' || ke == ks) {
			snprintf(err, errsz, "%s:%u: expected 'key = value'",
			    name, line);
			return -1;
		}
		vs++;
		while (vs < eol && is_blank(*vs))
			vs++;
		ve = eol;
		while (ve > vs && is_blank(ve[-1]))
			ve--;
		if ((size_t)(ke - ks) > 8 && memcmp(ks, "profile.", 8) == 0) {
			if (set_profile(cfg, ks, (size_t)(ke - ks), vs,
			    (size_t)(ve - vs), line, plines, why,
			    sizeof why) != 0) {
				snprintf(err, errsz, "%s:%u: %s", name, line,
				    why);
				return -1;
			}
			continue;
		}
		for (i = 0; i < NKEYS; i++)
			if (strlen(keys[i].name) == (size_t)(ke - ks) &&
			    memcmp(keys[i].name, ks, (size_t)(ke - ks)) == 0)
				break;
		if (i == NKEYS) {
			snprintf(err, errsz, "%s:%u: unknown key '%.*s'", name,
			    line, (int)((ke - ks) > 64 ? 64 : (ke - ks)), ks);
			return -1;
		}
		if (seen[i]) {
			snprintf(err, errsz, "%s:%u: '%s' already set on line %u",
			    name, line, keys[i].name, seen[i]);
			return -1;
		}
		seen[i] = line;
		if (set_value(cfg, &keys[i], vs, (size_t)(ve - vs), why,
		    sizeof why) != 0) {
			snprintf(err, errsz, "%s:%u: %s: %s", name, line,
			    keys[i].name, why);
			return -1;
		}
	}
	/* The one rule that spans two keys. */
	if (cfg->page_limit_default > cfg->page_limit_max) {
		i = seen[key_index("page_limit_default")];
		if (i == 0)
			i = seen[key_index("page_limit_max")];
		snprintf(err, errsz, "%s:%zu: page_limit_default (%u) is above "
		    "page_limit_max (%u)", name, i, cfg->page_limit_default,
		    cfg->page_limit_max);
		return -1;
	}
	return 0;
}

int
tg_config_load(
struct tg_config *cfg, const char *path, char *err,
    size_t errsz)
{
	FILE *f;
	char *buf;
	size_t n;
	int rc;

	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc((1 << 20) + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	n = fread(buf, 1, (size_t)(1 << 20) + 1, f);
	if (ferror(f) || n > (1 << 20)) {
		snprintf(err, errsz, "%s: %s", path, ferror(f) ?
		    "read error" : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	rc = tg_config_parse(cfg, path, buf, n, err, errsz);
	OPENSSL_cleanse(buf, n);
	free(buf);
	return rc;
}

const char *
tg_config_path(const char *arg)
{
	const char *env;

	if (arg != NULL)
		return arg;
	env = getenv("TOKENGATE_CONFIG");
	if (env != NULL && env[0] != '\0')
		return env;
	return TG_CONFIG_DEFAULT_PATH;
}

void
tg_config_wipe(struct tg_config *cfg)
{
	OPENSSL_cleanse(cfg->db_password, sizeof cfg->db_password);
}
