/*
 * jsoncheck.h: a strict RFC 8259 syntax check that also refuses duplicate
 * member names.
 *
 * json-c is what tokengate uses to read and write JSON, but on its own it
 * is too forgiving for request bodies: even with JSON_TOKENER_STRICT it
 * accepts single-quoted strings, NaN and lone surrogate escapes, and when
 * an object names a member twice it silently keeps the last value.  A
 * body such as {"permissions": ["a:b"], "permissions": ["*"]} must not
 * mean whatever one parser or another picks, so the API runs this check
 * first and hands json-c only text that has exactly one reading.
 *
 * Why our own recogniser rather than a json-c option: json-c has none
 * that refuses a duplicate member (its tokener keeps the last one and
 * says nothing), and finding them afterwards in the tree is impossible,
 * since only one value is left.  The recogniser is small, builds no tree,
 * and is fuzzed (tests/fuzz/fuzz_json.c, with lib/apireq behind it).
 *
 * What passes: one JSON value (any type) with optional whitespace (space,
 * tab, LF, CR) around it; strings in double quotes with only the RFC 8259
 * escapes, no raw byte below 0x20 and only well-formed UTF-8 (no overlong
 * forms, no surrogates, nothing above U+10FFFF), \u escapes included (a
 * high surrogate must be followed by a low one); numbers in the RFC
 * grammar (no leading zeros, no '+', no NaN or Infinity); the literals
 * true, false and null; no byte order mark; nesting at most max_depth; in
 * every object at most TG_JSONCHECK_MEMBERS_MAX members, no two with the
 * same name after unescaping ("a" and "\u0061" are the same name).
 *
 * No I/O and no global state: safe to call from any thread, and meant to
 * be fuzzed.
 */
#ifndef TG_JSONCHECK_H
#define TG_JSONCHECK_H

#include <stddef.h>

#define TG_JSONCHECK_DEPTH_MAX		64	/* max_depth is capped here */
#define TG_JSONCHECK_MEMBERS_MAX	256	/* per object */

enum tg_jsoncheck_rc {
	TG_JSONCHECK_OK = 0,
	TG_JSONCHECK_SYNTAX,		/* not one well-formed JSON value */
	TG_JSONCHECK_DUPLICATE,		/* an object names a member twice */
	TG_JSONCHECK_LIMIT,		/* too deep, too many members, ENOMEM */
};

/*
 * Checks text (len bytes, need not be NUL-terminated; never read past
 * len).  max_depth counts open arrays and objects (1 allows {"a": 1} but
 * not {"a": []}); 0 or more than TG_JSONCHECK_DEPTH_MAX means
 * TG_JSONCHECK_DEPTH_MAX.  On failure err (when errsz > 0) gets a short
 * English message with the byte offset, e.g. `byte 12: bad escape`, and
 * for TG_JSONCHECK_DUPLICATE key (when keysz > 0) gets the repeated name,
 * unescaped and cut to keysz - 1 bytes at a UTF-8 character boundary.
 * key may be NULL when keysz is 0.  Allocates a scratch buffer of len
 * bytes for duplicate detection and frees it before returning.
 */
enum tg_jsoncheck_rc tg_jsoncheck(const char *text, size_t len,
	    unsigned max_depth, char *err, size_t errsz, char *key,
	    size_t keysz);

#endif /* TG_JSONCHECK_H */
