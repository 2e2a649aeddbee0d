/*
 * tokengate.c: the admin command line.
 *
 * Argument parsing and output only; every rule about what is valid lives
 * in lib/, so the CLI, the API and the authorizer cannot disagree.  Exit
 * status: 0 success, 1 failure (message on stderr), 2 usage error, 3 a
 * change committed but not confirmed by every authorizer process.  For
 * `check`: 0 allow, 1 deny, 2 error.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "cidr.h"
#include "config.h"
#include "hmac.h"
#include "names.h"
#include "perm.h"
#include "policy.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "token.h"
#include "tokenjson.h"
#include "tokenop.h"
#include "verify.h"

#define MAX_LIST	256
#define LIST_BYTES	(256 * 1024)

static struct tg_config cfg;
static const char *config_arg;

static const char usage_text[] =
"usage: tokengate keygen PATH\n"
"       tokengate [-c FILE] migrate\n"
"       tokengate [-c FILE] prune\n"
"       tokengate [-c FILE] user add NAME [--role ROLE]...\n"
"       tokengate [-c FILE] user disable NAME | user enable NAME\n"
"       tokengate [-c FILE] role grant ROLE PERMISSION...\n"
"       tokengate [-c FILE] role revoke ROLE PERMISSION...\n"
"       tokengate [-c FILE] role refresh\n"
"       tokengate [-c FILE] token create --user NAME --name LABEL\n"
"                 [--permission P]... [--api-rule RULE]...\n"
"                 [--resource-rule RULE]... [--cidr CIDR]...\n"
"                 [--env ENV]... [--expires-in-days N] [--json]\n"
"       tokengate [-c FILE] token list [--user NAME] [--json]\n"
"       tokengate [-c FILE] token revoke ID\n"
"       tokengate [-c FILE] check --token T --method M --uri URI\n"
"                 [--require \"P ...\"] [--resource \"k:v ...\"]\n"
"                 [--remote-addr IP] [--env E]\n";

static int	usage(const char *, ...) __attribute__((format(printf, 1, 2)));
static int	die(const char *, ...) __attribute__((format(printf, 1, 2)));

static int
usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "tokengate: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(usage_text, stderr);
	return 2;
}

static int
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tokengate: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* A growing '\n'-joined list of validated option values. */
struct list {
	char	buf[LIST_BYTES];
	size_t	len;
	size_t	n;
};

static int
list_add(struct list *l, const char *v)
{
	size_t n = strlen(v);

	if (l->n >= MAX_LIST || l->len + n + 2 > sizeof l->buf)
		return -1;
	if (l->len > 0)
		l->buf[l->len++] = '\n';
	memcpy(l->buf + l->len, v, n);
	l->len += n;
	l->buf[l->len] = '\0';
	l->n++;
	return 0;
}

static int
load_config(void)
{
	char err[512];

	tg_config_defaults(&cfg);
	if (tg_config_load(&cfg, tg_config_path(config_arg), err,
	    sizeof err) != 0)
		return die("%s", err);
	return 0;
}

static struct tg_store *
open_store(void)
{
	struct tg_store *s;

	if (tg_store_library_init() != 0) {
		die("cannot initialise the MariaDB client library");
		return NULL;
	}
	s = tg_store_new(&cfg);
	if (s == NULL) {
		die("out of memory");
		return NULL;
	}
	if (tg_store_connect(s) != TG_STORE_OK) {
		die("%s", tg_store_error(s));
		tg_store_free(s);
		return NULL;
	}
	return s;
}

static void
close_store(struct tg_store *s)
{
	tg_store_free(s);
	tg_store_library_end();
}

/* Who ran the CLI, for the audit log. */
static const char *
os_user(void)
{
	static char name[64];
	struct passwd *pw = getpwuid(geteuid());

	snprintf(name, sizeof name, "%s", pw != NULL ? pw->pw_name : "?");
	return name;
}

static int
store_fail(struct tg_store *s, int rc)
{
	if (rc == TG_STORE_UNAVAILABLE)
		return die("database unavailable: %s", tg_store_error(s));
	return die("%s", tg_store_error(s));
}

/*
 * After a change that waits for the authorizers: 0 when every live
 * authorizer process confirmed applying it, else 3 with a warning.  The
 * change is committed either way; a script revoking a leaked token must
 * not take exit 0 to mean "refused everywhere" when that is not known.
 */
static int
unconfirmed(struct tg_store *s, const char *what)
{
	int n = tg_store_unconfirmed(s);

	if (n == 0)
		return 0;
	if (n > 0)
		fprintf(stderr, "tokengate: %s: committed, but %d authorizer "
		    "process%s not confirmed it within %d ms; each stops "
		    "using its cache within a second of its last feed read\n",
		    what, n, n == 1 ? " has" : "es have", TG_STORE_SYNC_MS);
	else
		fprintf(stderr, "tokengate: %s: committed, but not confirmed "
		    "by the authorizers (the wait failed: %s)\n", what,
		    tg_store_error(s));
	return 3;
}

static int
cmd_keygen(int argc, char **argv)
{
	char err[512];

	if (argc != 2)
		return usage("keygen takes exactly one PATH");
	if (tg_hmac_keygen(argv[1], err, sizeof err) != 0)
		return die("%s", err);
	fprintf(stderr, "tokengate: wrote a new key to %s (mode 0600)\n",
	    argv[1]);
	return 0;
}

static int
cmd_migrate(int argc, char **argv)
{
	struct tg_store *s;
	unsigned from, to;
	int rc;

	(void)argv;
	if (argc != 1)
		return usage("migrate takes no arguments");
	if (load_config() != 0 || (s = open_store()) == NULL)
		return 1;
	rc = tg_store_migrate(s, &from, &to);
	if (rc != TG_STORE_OK) {
		rc = store_fail(s, rc);
		close_store(s);
		return rc;
	}
	if (from == to)
		printf("schema is up to date at version %u\n", to);
	else
		printf("schema migrated from version %u to %u\n", from, to);
	close_store(s);
	return 0;
}

/* prune: the retention of README "Caching and revocation", for cron. */
static int
cmd_prune(int argc, char **argv)
{
	struct tg_store_prune p;
	struct tg_store *s;
	int rc;

	(void)argv;
	if (argc != 1)
		return usage("prune takes no arguments");
	if (load_config() != 0 || (s = open_store()) == NULL)
		return 1;
	tg_store_prune_init(&p, &cfg, 1000, 10);
	rc = tg_store_prune(s, &p);
	if (rc != TG_STORE_OK)
		rc = store_fail(s, rc);
	else if (p.skipped)
		printf("another prune is running; nothing done\n");
	else
		printf("pruned %llu change-feed rows, %llu feed-progress rows, "
		    "%llu audit records\n", (unsigned long long)p.feed_rows,
		    (unsigned long long)p.progress_rows,
		    (unsigned long long)p.audit_rows);
	close_store(s);
	return rc;
}

static int
cmd_user(int argc, char **argv)
{
	const char *roles[64];
	size_t nroles = 0;
	struct tg_store *s;
	int rc, i;

	if (argc < 3)
		return usage("user needs a subcommand and a NAME");
	if (!tg_names_user_valid(argv[2]))
		return usage("invalid user name '%s' (1-64 of A-Z a-z 0-9 "
		    "_ . @ -)", argv[2]);
	if (strcmp(argv[1], "add") == 0) {
		for (i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--role") != 0 || i + 1 >= argc)
				return usage("user add: unexpected '%s'",
				    argv[i]);
			if (!tg_names_role_valid(argv[++i]))
				return usage("invalid role name '%s'", argv[i]);
			if (nroles == sizeof roles / sizeof roles[0])
				return usage("too many roles");
			roles[nroles++] = argv[i];
		}
	} else if (strcmp(argv[1], "disable") != 0 &&
	    strcmp(argv[1], "enable") != 0) {
		return usage("unknown user subcommand '%s'", argv[1]);
	} else if (argc != 3) {
		return usage("user %s takes one NAME", argv[1]);
	}
	if (load_config() != 0 || (s = open_store()) == NULL)
		return 1;
	if (strcmp(argv[1], "add") == 0)
		rc = tg_store_user_add(s, argv[2], roles, nroles);
	else
		rc = tg_store_user_set_enabled(s, argv[2],
		    strcmp(argv[1], "enable") == 0);
	if (rc != TG_STORE_OK)
		rc = store_fail(s, rc);
	else
		rc = unconfirmed(s, argv[1]);
	close_store(s);
	return rc;
}

/* role refresh: see tg_store_role_refresh. */
static int
cmd_role_refresh(void)
{
	struct tg_store *s;
	unsigned long long n;
	int rc;

	if (load_config() != 0 || (s = open_store()) == NULL)
		return 1;
	rc = tg_store_role_refresh(s, &n);
	if (rc != TG_STORE_OK)
		rc = store_fail(s, rc);
	else {
		printf("%llu user%s had out-of-date role permissions%s\n", n,
		    n == 1 ? "" : "s", n > 0 ? ": rewritten" : "");
		rc = unconfirmed(s, "role refresh");
	}
	close_store(s);
	return rc;
}

static int
cmd_role(int argc, char **argv)
{
	struct tg_store *s;
	int rc, i, grant;

	if (argc == 2 && strcmp(argv[1], "refresh") == 0)
		return cmd_role_refresh();
	if (argc < 4)
		return usage("role %s needs ROLE and PERMISSION...",
		    argc > 1 ? argv[1] : "grant");
	if (strcmp(argv[1], "grant") == 0)
		grant = 1;
	else if (strcmp(argv[1], "revoke") == 0)
		grant = 0;
	else
		return usage("unknown role subcommand '%s'", argv[1]);
	if (!tg_names_role_valid(argv[2]))
		return usage("invalid role name '%s' (1-64 of a-z 0-9 _ -)",
		    argv[2]);
	for (i = 3; i < argc; i++)
		if (!tg_perm_valid(argv[i], strlen(argv[i])))
			return usage("invalid permission '%s' (resource:action, "
			    "resource:* or *)", argv[i]);
	if (load_config() != 0 || (s = open_store()) == NULL)
		return 1;
	rc = tg_store_role_change(s, argv[2], (const char *const *)argv + 3,
	    (size_t)(argc - 3), grant);
	if (rc != TG_STORE_OK)
		rc = store_fail(s, rc);
	else
		rc = unconfirmed(s, grant ? "role grant" : "role revoke");
	close_store(s);
	return rc;
}

static void
iso_time(int64_t t, char *out, size_t outsz)
{
	char s[TG_TEXT_TIME_LEN];

	snprintf(out, outsz, "%s", t != 0 && tg_text_time_format(t, s) == 0 ?
	    s : "-");
}

static int
cmd_token_create(int argc, char **argv)
{
	static struct list perms, api, res, cidrs, envs;
	const char *user = NULL, *name = NULL;
	char err[512];
	struct tg_new_token nt;
	struct tg_audit a;
	struct tg_token tok;
	struct tg_hmac_key *key = NULL;
	struct tg_hmac *h = NULL;
	struct tg_store *s = NULL;
	long days = 90;
	int json = 0, rc = 1, i;
	int64_t now;
	char *end;

	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		struct tg_cidr c;

		if (strcmp(o, "--json") == 0) {
			json = 1;
			continue;
		}
		if (v == NULL)
			return usage("token create: %s needs a value", o);
		i++;
		if (strcmp(o, "--user") == 0) {
			if (!tg_names_user_valid(v))
				return usage("invalid user name '%s'", v);
			user = v;
		} else if (strcmp(o, "--name") == 0) {
			if (!tg_names_label_valid(v))
				return usage("invalid token name: 1-128 bytes "
				    "of UTF-8 text without control characters");
			name = v;
		} else if (strcmp(o, "--permission") == 0) {
			if (!tg_perm_valid(v, strlen(v)))
				return usage("invalid permission '%s' "
				    "(resource:action, resource:* or *)", v);
			if (list_add(&perms, v) != 0)
				return usage("too many permissions");
		} else if (strcmp(o, "--api-rule") == 0) {
			if (tg_rules_check_one(TG_RULES_API, v, strlen(v), err,
			    sizeof err) != 0)
				return usage("invalid API rule \"%s\": %s", v,
				    err);
			if (list_add(&api, v) != 0)
				return usage("too many API rules");
		} else if (strcmp(o, "--resource-rule") == 0) {
			if (tg_rules_check_one(TG_RULES_RESOURCE, v, strlen(v),
			    err, sizeof err) != 0)
				return usage("invalid resource rule \"%s\": %s",
				    v, err);
			if (list_add(&res, v) != 0)
				return usage("too many resource rules");
		} else if (strcmp(o, "--cidr") == 0) {
			if (tg_cidr_parse(v, strlen(v), &c, err,
			    sizeof err) != 0)
				return usage("invalid CIDR '%s': %s", v, err);
			if (list_add(&cidrs, v) != 0)
				return usage("too many CIDRs");
		} else if (strcmp(o, "--env") == 0) {
			if (!tg_names_env_valid(v, strlen(v)))
				return usage("invalid environment '%s' (1-32 of "
				    "a-z 0-9 _ -)", v);
			if (list_add(&envs, v) != 0)
				return usage("too many environments");
		} else if (strcmp(o, "--expires-in-days") == 0) {
			errno = 0;
			days = strtol(v, &end, 10);
			if (errno != 0 || *end != '\0' || v[0] < '0' ||
			    v[0] > '9' || days < 1 || days > 365)
				return usage("--expires-in-days must be 1 to "
				    "365");
		} else {
			return usage("token create: unknown option '%s'", o);
		}
	}
	if (user == NULL || name == NULL)
		return usage("token create needs --user and --name");
	if (load_config() != 0)
		return 1;
	if (days > (long)cfg.max_expiry_days)
		return usage("--expires-in-days %ld is above max_expiry_days "
		    "= %u", days, cfg.max_expiry_days);
	key = tg_hmac_key_load(cfg.key_file, err, sizeof err);
	if (key == NULL)
		return die("%s", err);
	h = tg_hmac_new(key);
	if (h == NULL) {
		rc = die("cannot create an HMAC context");
		goto out;
	}
	if ((s = open_store()) == NULL)
		goto out;
	now = (int64_t)time(NULL);
	memset(&nt, 0, sizeof nt);
	nt.user = user;
	nt.name = name;
	nt.permissions = perms.buf;
	nt.api_rules = api.buf;
	nt.resource_rules = res.buf;
	nt.cidrs = cidrs.buf;
	nt.environments = envs.buf;
	nt.created_at = now;
	nt.expires_at = now + (int64_t)days * 86400;
	memset(&a, 0, sizeof a);
	a.actor = os_user();
	a.via = "cli";
	a.action = "token.create";
	a.target_user = user;
	a.outcome = "ok";
	rc = tg_tokenop_create(s, h, cfg.token_prefix, &nt, &a, &tok);
	if (rc == TG_TOKENOP_NO_SECRET) {
		rc = die("cannot generate a token");
		goto out;
	}
	if (rc != TG_STORE_OK) {
		rc = store_fail(s, rc);
		goto out;
	}
	if (json) {
		struct json_object *o = tg_tokenjson_created(&tok, &nt, NULL,
		    cfg.token_prefix, TG_TOKENJSON_CLI);

		printf("%s\n", json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		tg_tokenjson_free(o);
	} else {
		printf("%s\n", tok.text);
	}
	tg_token_wipe(&tok);
	rc = 0;
out:
	if (s != NULL)
		close_store(s);
	tg_hmac_free(h);
	tg_hmac_key_free(key);
	return rc;
}

struct list_ctx {
	struct json_object	*arr;
	int64_t			 now;
	unsigned		 n;
};

static int
list_row(void *arg, const struct tg_record *r)
{
	struct list_ctx *lc = arg;
	char prefix[64], expires[32];

	if (lc->arr != NULL) {
		json_object_array_add(lc->arr, tg_tokenjson_record(r,
		    cfg.token_prefix, lc->now, TG_TOKENJSON_CLI));
	} else {
		tg_token_display(cfg.token_prefix, r->id, prefix,
		    sizeof prefix);
		iso_time(r->expires_at, expires, sizeof expires);
		if (lc->n == 0)
			printf("%-12s  %-19s  %-16s  %-8s  %-20s  %s\n", "ID",
			    "PREFIX", "USER", "STATE", "EXPIRES", "NAME");
		printf("%-12s  %-19s  %-16s  %-8s  %-20s  %s\n", r->id, prefix,
		    r->user, tg_record_state(r, lc->now), expires,
		    r->name ? r->name : "");
	}
	lc->n++;
	return 0;
}

static int
cmd_token_list(int argc, char **argv)
{
	struct list_ctx lc = { NULL, 0, 0 };
	const char *user = NULL;
	struct tg_store *s;
	int rc, i, json = 0;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc &&
		    tg_names_user_valid(argv[i + 1]))
			user = argv[++i];
		else
			return usage("token list: unexpected '%s'", argv[i]);
	}
	if (load_config() != 0 || (s = open_store()) == NULL)
		return 1;
	lc.now = (int64_t)time(NULL);
	if (json)
		lc.arr = json_object_new_array();
	rc = tg_store_token_list(s, user, list_row, &lc);
	if (rc != TG_STORE_OK) {
		rc = store_fail(s, rc);
	} else if (json) {
		printf("%s\n", json_object_to_json_string_ext(lc.arr,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (lc.n == 0) {
		fprintf(stderr, "tokengate: no tokens\n");
	}
	json_object_put(lc.arr);
	close_store(s);
	return rc;
}

static int
cmd_token_revoke(int argc, char **argv)
{
	struct tg_store *s;
	struct tg_audit a;
	int rc;

	if (argc != 3)
		return usage("token revoke takes one ID");
	if (!tg_token_id_valid(argv[2], strlen(argv[2])))
		return usage("'%s' is not a token id (12 characters A-Z a-z "
		    "0-9; 'token list' shows them)", argv[2]);
	if (load_config() != 0 || (s = open_store()) == NULL)
		return 1;
	memset(&a, 0, sizeof a);
	a.actor = os_user();
	a.via = "cli";
	a.action = "token.revoke";
	a.target_token_id = argv[2];
	a.outcome = "ok";
	rc = tg_store_token_revoke(s, argv[2], (int64_t)time(NULL), &a);
	if (rc != TG_STORE_OK)
		rc = store_fail(s, rc);
	else if ((rc = unconfirmed(s, "token revoke")) == 0)
		fprintf(stderr, "tokengate: token %s revoked\n", argv[2]);
	else
		fprintf(stderr, "tokengate: token %s revoked in the database, "
		    "not confirmed by every authorizer yet\n", argv[2]);
	close_store(s);
	return rc;
}

static int
cmd_token(int argc, char **argv)
{
	if (argc < 2)
		return usage("token needs a subcommand");
	if (strcmp(argv[1], "create") == 0)
		return cmd_token_create(argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return cmd_token_list(argc, argv);
	if (strcmp(argv[1], "revoke") == 0)
		return cmd_token_revoke(argc, argv);
	return usage("unknown token subcommand '%s'", argv[1]);
}

/*
 * Says how the API rule (its text) matched path when not as written: a
 * deny rule covers more than the paths its pattern matches (README "API
 * rules"), and whoever reads the explain output should not have to guess
 * why.  The rule is compiled again here, off the request path; a text
 * that was cut to fit the decision's detail is left alone.
 */
static void
print_how(const char *rule, size_t rulesz, const char *path)
{
	struct tg_rules *r;
	char err[256];
	size_t n = strlen(path), len = strlen(rule);
	enum tg_rules_how how;

	if (len + 1 >= rulesz ||
	    (r = tg_rules_compile(TG_RULES_API, rule, len, err,
	    sizeof err)) == NULL)
		return;
	how = tg_rules_how(r, 0, path);
	tg_rules_free(r);
	if (how == TG_RULES_HOW_SLASH)
		printf("matched:  with the trailing slash %s\n",
		    n > 0 && path[n - 1] == '/' ? "taken away" : "added");
	else if (how == TG_RULES_HOW_BELOW)
		printf("matched:  the path lies below a path the rule "
		    "denies\n");
}

static int
cmd_check(int argc, char **argv)
{
	const char *token = NULL;
	struct tg_request req;
	struct tg_decision d;
	struct tg_verifier v;
	struct tg_hmac_key *key;
	struct tg_store *s;
	struct tg_grant *g = NULL;
	char auth[TG_TOKEN_MAX_LEN + 64], err[512];
	int i, status;

	memset(&req, 0, sizeof req);
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] :
		    NULL;

		if (val == NULL)
			return usage("check: %s needs a value", o);
		i++;
		if (strcmp(o, "--token") == 0)
			token = val;
		else if (strcmp(o, "--method") == 0)
			req.method = val;
		else if (strcmp(o, "--uri") == 0)
			req.uri = val;
		else if (strcmp(o, "--require") == 0)
			req.require = val;
		else if (strcmp(o, "--resource") == 0)
			req.resource = val;
		else if (strcmp(o, "--remote-addr") == 0)
			req.remote_addr = val;
		else if (strcmp(o, "--env") == 0)
			req.env = val;
		else
			return usage("check: unknown option '%s'", o);
	}
	if (token == NULL || req.method == NULL || req.uri == NULL)
		return usage("check needs --token, --method and --uri");
	if (strlen(token) > TG_TOKEN_MAX_LEN + 16)
		return die("that is not a token (too long)");
	if (load_config() != 0)
		return 2;
	if (req.env == NULL && cfg.environment[0] != '\0')
		req.env = cfg.environment;
	if (req.remote_addr == NULL)
		req.remote_addr = "127.0.0.1";
	key = tg_hmac_key_load(cfg.key_file, err, sizeof err);
	if (key == NULL) {
		die("%s", err);
		return 2;
	}
	if ((s = open_store()) == NULL) {
		tg_hmac_key_free(key);
		return 2;
	}
	/* No cache, feed, usage or brake: an explanation writes nothing. */
	tg_verify_init(&v, &cfg, s, tg_hmac_new(key));
	if (v.hmac == NULL) {
		tg_hmac_key_free(key);
		close_store(s);
		return die("out of memory");
	}
	snprintf(auth, sizeof auth, "Bearer %s", token);
	status = tg_verify(&v, auth, &req, (int64_t)time(NULL), &d, &g);
	printf("decision: %s\n", status == 200 ? "allow" : "deny");
	printf("status:   %d\n", status);
	printf("reason:   %s\n", tg_policy_reason_str(d.reason));
	if (d.token_id[0])
		printf("token:    %s\n", d.token_id);
	if (d.path[0])
		printf("path:     %s\n", d.path);
	if (d.used_prev_secret)
		printf("secret:   previous (in its rotation grace: it works "
		    "at the gate, but cannot manage tokens)\n");
	if (d.rule >= 0) {
		printf("rule:     %s rule %ld: %s\n", d.rule_kind == 1 ? "API" :
		    "resource", d.rule + 1, d.detail);
		if (d.rule_kind == 1)
			print_how(d.detail, sizeof d.detail, d.path);
	} else if (d.reason == TG_INSUFFICIENT_PERMISSIONS)
		printf("missing:  %s\n", d.detail);
	else if (d.detail[0])
		printf("detail:   %s\n", d.detail);
	if (g != NULL) {
		printf("user:     %s\n", tg_grant_user(g));
		printf("effective permissions: %s\n", tg_grant_effective(g));
	}
	tg_grant_free(g);
	tg_hmac_free(v.hmac);
	tg_hmac_key_free(key);
	close_store(s);
	explicit_bzero(auth, sizeof auth);
	if (status == 200)
		return 0;
	return d.reason == TG_UNAVAILABLE ? 2 : 1;
}

int
main(int argc, char **argv)
{
	int i = 1;

	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		config_arg = argv[2];
		i = 3;
	}
	if (i >= argc)
		return usage(NULL);
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(argv[0], "migrate") == 0)
		return cmd_migrate(argc, argv);
	if (strcmp(argv[0], "prune") == 0)
		return cmd_prune(argc, argv);
	if (strcmp(argv[0], "user") == 0)
		return cmd_user(argc, argv);
	if (strcmp(argv[0], "role") == 0)
		return cmd_role(argc, argv);
	if (strcmp(argv[0], "token") == 0)
		return cmd_token(argc, argv);
	if (strcmp(argv[0], "check") == 0)
		return cmd_check(argc, argv);
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	return usage("unknown command '%s'", argv[0]);
}
