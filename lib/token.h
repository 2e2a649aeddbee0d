/*
 * token.h: the bearer token format.
 *
 *   <prefix>_<id><secret><check>
 *
 * prefix  1..16 chars [a-z0-9], first a letter; "tg" by default.  It makes a
 *         leaked token findable by secret scanners.
 * id      12 base62 chars, the public and unique token id (~71 bits).
 * secret  32 base62 chars from RAND_bytes (~190 bits).
 * check   6 base62 chars of CRC32 over everything before it, so a mistyped
 *         or random string is refused without touching the database.
 */
#ifndef TG_TOKEN_H
#define TG_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TG_TOKEN_PREFIX_MAX	16
#define TG_TOKEN_ID_LEN		12
#define TG_TOKEN_SECRET_LEN	32
#define TG_TOKEN_CHECK_LEN	6
#define TG_TOKEN_BODY_LEN	(TG_TOKEN_ID_LEN + TG_TOKEN_SECRET_LEN + \
				 TG_TOKEN_CHECK_LEN)
#define TG_TOKEN_MAX_LEN	(TG_TOKEN_PREFIX_MAX + 1 + TG_TOKEN_BODY_LEN)

enum tg_token_status {
	TG_TOKEN_OK = 0,
	TG_TOKEN_MALFORMED,	/* wrong prefix, length or alphabet */
	TG_TOKEN_BAD_CHECKSUM	/* right shape, check digits do not match */
};

/*
 * A parsed or generated token.  text holds the whole raw token and is a
 * secret: wipe it with tg_token_wipe() when done.  Plain value type, no
 * heap memory inside.
 */
struct tg_token {
	char	id[TG_TOKEN_ID_LEN + 1];
	char	text[TG_TOKEN_MAX_LEN + 1];
	size_t	len;
};

/* Returns 1 when prefix is a valid token prefix ([a-z][a-z0-9]{0,15}). */
int	tg_token_prefix_valid(const char *prefix);

/* Returns 1 when s (len bytes) is a well-formed token id (12 base62). */
int	tg_token_id_valid(const char *s, size_t len);

/*
 * Fills out with a new random token: a new id when id is NULL, otherwise a
 * new secret for that existing id (rotation).  Returns 0, or -1 when the
 * prefix or id is invalid or RAND_bytes fails.  Thread-safe.
 */
int	tg_token_generate(const char *prefix, const char *id,
	    struct tg_token *out);

/*
 * Checks the shape and checksum of s (len bytes, need not be terminated)
 * against the expected prefix, without any I/O.  On TG_TOKEN_OK out holds
 * the token; otherwise out is wiped.  Pure and thread-safe.
 */
enum tg_token_status tg_token_parse(const char *s, size_t len,
	    const char *prefix, struct tg_token *out);

/*
 * Finds the token in an Authorization header value.  The scheme "Bearer"
 * is matched case-insensitively (RFC 7235), then one or more spaces, the
 * token, and optional trailing blanks.  Returns 1 and sets *tok and *len
 * (pointing into hdr) when the header carries a Bearer credential, 0 when
 * it is absent or of another scheme.  Pure.
 */
int	tg_token_from_authorization(const char *hdr, const char **tok,
	    size_t *len);

/* CRC-32 (IEEE 802.3, as zlib) of buf.  Pure. */
uint32_t tg_token_crc32(const void *buf, size_t len);

/* Writes the display prefix "<prefix>_<id>" into out.  -1 if too small. */
int	tg_token_display(const char *prefix, const char *id, char *out,
	    size_t outsz);

/*
 * Overwrites, in place, the secret part of anything in s that looks like a
 * token of this prefix ("<prefix>_" and more than 12 base62 characters):
 * the prefix and id stay readable, the rest becomes '*'.  For messages
 * that may echo what a client sent.  Pure.
 */
void	tg_token_redact(char *s, const char *prefix);

/* Wipes the secret material in t. */
void	tg_token_wipe(struct tg_token *t);

/* Returns the English name of a parse status. */
const char *tg_token_status_str(enum tg_token_status st);

#endif /* TG_TOKEN_H */
