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
	char		key_file[TG_CONFIG_STR];
	char		token_prefix[TG_CONFIG_STR];
	char		environment[TG_CONFIG_STR];	/* "" = none */
	int		log_denials;			/* 0 or 1 */
	char		api_base[TG_CONFIG_STR];
	unsigned	max_expiry_days;		/* 1..365 */
};

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
