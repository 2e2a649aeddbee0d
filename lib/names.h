/*
 * names.h: what user, role, environment and token names may contain.
 *
 * These values end up in FastCGI Variable- headers, log lines and JSON, so
 * they are checked when written: a CR, LF or NUL can never reach a header
 * because it can never be stored.  All functions are pure.
 */
#ifndef TG_NAMES_H
#define TG_NAMES_H

#include <stddef.h>

/* User names: 1..64 of [A-Za-z0-9_.@-], not starting with '-'. */
int	tg_names_user_valid(const char *s);

/* Role names: 1..64 of [a-z0-9_-]. */
int	tg_names_role_valid(const char *s);

/* Environment names: 1..32 of [a-z0-9_-]. */
int	tg_names_env_valid(const char *s, size_t len);

/*
 * Token labels: 1..128 bytes of valid UTF-8 without control characters.
 */
int	tg_names_label_valid(const char *s);

/* Valid UTF-8, shortest form, no surrogates, no C0/C1 controls or DEL. */
int	tg_names_utf8_printable(const char *s, size_t len);

/* Safe for an HTTP header value: no byte below 0x20 and no DEL. */
int	tg_names_header_safe(const char *s);

/*
 * Copies at most max bytes of s (len bytes) into dst for an error message:
 * '"' and '\\' get a backslash, other bytes outside 0x20-0x7E become \xNN,
 * and "..." marks a cut.  dst is always terminated.
 */
void	tg_names_quote(const char *s, size_t len, size_t max, char *dst,
	    size_t dstsz);

/*
 * Copies s (len bytes of anything) into dst as text that is always valid,
 * printable UTF-8, for the audit log and other stored or logged text:
 * printable characters are kept whole and every other byte (controls,
 * DEL, bytes that are not canonical UTF-8) becomes \xNN, so no line can
 * be forged.  (A literal "\x0a" in the input reads the same as an escaped
 * newline: this is text for people, and it is often already quoted.)  The copy is at most max bytes (and fits in
 * dstsz with its NUL); it is cut only between characters, and a cut is
 * marked with "...".  dst is always terminated when dstsz > 0.
 */
void	tg_names_clean(const char *s, size_t len, size_t max, char *dst,
	    size_t dstsz);

#endif /* TG_NAMES_H */
