/*
 * config.h: the one configuration file all three programs read.
 *
 * Format: "key = value" lines.  A line whose first non-blank character is
 * '#' is a comment, and blank lines are ignored.  A '#' after a value is
 * part of the value, because passwords may contain one.  Unknown keys,
 * duplicate keys and bad values are errors that name the line.
 */
#ifndef TG_CONFIG_H
#define TG_CONFIG_H

#include <stddef.h>

#define TG_CONFIG_STR	256
#define TG_CONFIG_DEFAULT_PATH	"/etc/tokengate/tokengate.conf"

#define TG_CONFIG_PROFILES_MAX	32	/* built-in ones included */
#define TG_CONFIG_PROFILE_NAME	65	/* 1..64 of [a-z0-9_-], NUL */
#define TG_CONFIG_PROFILE_PERMS	1024	/* the permission list, NUL */

/*
 * A token profile: a named permission set that POST /tokens can fill in
 * ("profile": NAME).  Three are built in (seed 002); "profile.NAME = perm
 * perm ..." lines add more or replace a built-in one of the same name.
 * permissions holds valid permissions separated by single spaces.
 */
struct tg_config_profile {
	char		name[TG_CONFIG_PROFILE_NAME];
	char		permissions[TG_CONFIG_PROFILE_PERMS];
	int		builtin;		/* 1 unless set by the file */
};

/* Which authorizer decisions go to the audit log (batched). */
enum { TG_AUDIT_OFF = 0, TG_AUDIT_DENIED, TG_AUDIT_ALL };

/* Plain value type; no heap memory inside, so it may be copied freely. */
struct tg_config {
	char		db_host[TG_CONFIG_STR];
	unsigned	db_port;
	char		db_socket[TG_CONFIG_STR];	/* wins when set */
	char		db_user[TG_CONFIG_STR];
	char		db_password[TG_CONFIG_STR];
	char		db_name[TG_CONFIG_STR];
	unsigned	db_connect_timeout;		/* seconds */
	unsigned	db_read_timeout;		/* seconds */
	unsigned	db_write_timeout;		/* seconds */
	/*
	 * The authorizer's read endpoint (a replica); the other db_ keys
	 * are shared.  No replica when both host and socket are empty.
	 */
	char		db_read_host[TG_CONFIG_STR];
	unsigned	db_read_port;
	char		db_read_socket[TG_CONFIG_STR];	/* wins when set */
	unsigned	db_read_max_lag;		/* seconds, 1..7 */
	char		key_file[TG_CONFIG_STR];
	char		token_prefix[TG_CONFIG_STR];
	char		environment[TG_CONFIG_STR];	/* "" = none */
	int		log_denials;			/* 0 or 1 */
	unsigned	log_denials_per_second;		/* 0: no limit */
	char		api_base[TG_CONFIG_STR];
	unsigned	max_expiry_days;		/* 1..365 */
	int		trust_remote_user;		/* 0 or 1 */
	unsigned	max_body_bytes;			/* API request bodies */
	unsigned	rotation_max_grace_seconds;	/* 0 = no grace */
	unsigned	page_limit_default;		/* list routes */
	unsigned	page_limit_max;
	int		cache;				/* 0 or 1 */
	unsigned	cache_size;			/* tokens */
	unsigned	cache_negative_size;		/* unknown ids */
	unsigned	cache_max_age;			/* seconds */
	unsigned	feed_poll_ms;
	unsigned	stale_if_error;			/* seconds, 0 = never */
	unsigned	last_used_interval;		/* seconds */
	unsigned	brake_failures;			/* 0 = no brake */
	unsigned	brake_window;			/* seconds */
	unsigned	brake_clients;			/* table size */
	int		audit_decisions;		/* TG_AUDIT_* */
	unsigned	feed_keep_seconds;		/* change_feed retention */
	unsigned	audit_keep_days;		/* 0 = keep forever */
	struct tg_config_profile profiles[TG_CONFIG_PROFILES_MAX];
	size_t		nprofiles;
};

/* The profile called name, or NULL.  Points into cfg. */
const struct tg_config_profile *tg_config_profile(const struct tg_config *cfg,
	    const char *name);

/* Fills cfg with the documented defaults.  Pure. */
void	tg_config_defaults(struct tg_config *cfg);

/*
 * Parses text (len bytes) over cfg, which should hold the defaults.  name is
 * used in messages.  Returns 0, or -1 with err set to "NAME:LINE: ...".
 * Pure: the caller reads the file.
 */
int	tg_config_parse(struct tg_config *cfg, const char *name,
	    const char *text, size_t len, char *err, size_t errsz);

/*
 * Reads and parses the file at path over the defaults.  Returns 0, or -1
 * with err filled in.  Files larger than 1 MiB are refused.
 */
int	tg_config_load(struct tg_config *cfg, const char *path, char *err,
	    size_t errsz);

/*
 * The config path a program should use: the -c argument when given, else
 * $TOKENGATE_CONFIG, else TG_CONFIG_DEFAULT_PATH.  Returns static or
 * caller-owned storage; never NULL.
 */
const char *tg_config_path(const char *arg);

/* Wipes the password from cfg. */
void	tg_config_wipe(struct tg_config *cfg);

#endif /* TG_CONFIG_H */
