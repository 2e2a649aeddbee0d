/*
 * text.h: the small text helpers every parser needs, written once.
 *
 * Hex digits and "\xNN" escapes, percent escapes, strict UTF-8, ISO-8601
 * UTC times and membership in a stored '\n' list.  Each used to be
 * written two or three times (path, names, jsoncheck, apireq, the FastCGI
 * log escape, the CLI, the authorizer's log); a fix to one copy did not
 * reach the others.  The policy around them (which bytes a path refuses,
 * what a log line escapes) stays with the caller: this module only knows
 * the encodings.
 *
 * Every function is pure, thread-safe and allocates nothing.
 */
#ifndef TG_TEXT_H
#define TG_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define TG_TEXT_TIME_LEN	21	/* "2026-01-02T03:04:05Z" + NUL */

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
int	tg_text_hexval(int c);

/*
 * Decodes the percent escape "%XY" at s, n bytes from s to the end of
 * the input (s[0] is '%').  Returns the byte, 0 to 255, or -1 when fewer
 * than three bytes are left or X or Y is not a hex digit.
 */
int	tg_text_percent(const char *s, size_t n);

/* Writes c as the four characters "\xNN" (lower-case hex) to out, no NUL. */
void	tg_text_hex_escape(unsigned char c, char out[4]);

/*
 * The length (1 to 4) of the UTF-8 character at s, n bytes from s to the
 * end of the input, or 0 when n is 0 or the bytes there are not one:
 * overlong forms, surrogates, code points above U+10FFFF, stray or
 * missing continuation bytes and a sequence cut by the end are all 0.
 * Any ASCII byte, controls included, is a character of length 1.  When
 * cp is not NULL it receives the code point of a character.
 */
size_t	tg_text_utf8_char(const char *s, size_t n, unsigned long *cp);

/*
 * The length a UTF-8 sequence starting with lead claims (1 to 4), or 0
 * for a byte that cannot start one (a continuation byte, 0xC0, 0xC1 or
 * 0xF5 and above).  Tells a cut sequence from a bad one.
 */
size_t	tg_text_utf8_lead(unsigned char lead);

/* 1 when s (len bytes) is all UTF-8 characters (see above), else 0. */
int	tg_text_utf8_valid(const char *s, size_t len);

/*
 * Parses exactly "YYYY-MM-DDTHH:MM:SSZ" (UTC; fields in range, the day
 * valid for the month, years 1970 to 9999).  Returns 0 with *out set to
 * Unix time, or -1.
 */
int	tg_text_time_parse(const char *s, int64_t *out);

/*
 * Writes t as "YYYY-MM-DDTHH:MM:SSZ" into out.  Returns 0, or -1 (out
 * empty) when t is before 1970 or after 9999.
 */
int	tg_text_time_format(int64_t t, char out[TG_TEXT_TIME_LEN]);

/*
 * 1 when item (len bytes) is one of the lines of list, a stored list
 * (items separated by '\n', NUL-terminated), else 0.
 */
int	tg_text_list_has(const char *list, const char *item, size_t len);

#endif /* TG_TEXT_H */
