/*
 * rules.h: ordered allow/deny rules for API calls and for resources.
 *
 * A rule list is stored as text, one rule per line, separated by '\n'.  A
 * trailing newline is allowed; an empty text is an empty list.  An empty
 * line between rules is an error.  At most TG_RULES_MAX rules, each at most
 * TG_RULES_MAX_LEN bytes.
 *
 * API rules ("METHOD PATH", seed 000):
 *   [!]METHOD PATH   METHOD is "*" or 1..32 letters A-Z; exactly one space;
 *                    PATH starts with '/', is canonical (no "//", no "." or
 *                    ".." segment) and holds no whitespace, control byte,
 *                    '%', '?', '#', '\' or ';'.  Other bytes must be valid
 *                    UTF-8 and are compared with the decoded path.
 *   [!]*             alone: matches every request.
 * In PATH, "*" matches any run of characters except '/', possibly empty,
 * and "**" matches any run including '/'; "***" is an error.  For example
 * the pattern "/api/" + "*" matches "/api/" and "/api/x" but not
 * "/api/x/y" nor "/api", and "/api/" + "**" matches everything under
 * "/api/" but not "/api" itself.  Patterns are matched case-sensitively
 * against tg_path_canonicalize()'s output, as follows (README "API
 * rules" gives the reasons):
 *   - an allow rule matches a path its pattern matches, and such a path
 *     with a '/' added: "GET /x" allows "/x" and "/x/", never "/x/y",
 *     and "GET /x/" does not allow "/x";
 *   - a deny rule matches every path that is T, or lies below T
 *     ("T/..."), for a T such that its pattern matches T or T + "/":
 *     "!GET /x" and "!GET /x/" both deny "/x", "/x/" and "/x/y", not
 *     "/xy"; "!GET /a/" + "*" denies "/a" (the "*" may be empty) and
 *     everything below it; "!GET /" denies every path.
 * Methods are compared exactly, except that a HEAD request also matches
 * GET rules (so "!GET /secret" stops "HEAD /secret/x" too, and "GET /x"
 * allows "HEAD /x"); a "HEAD" rule matches only HEAD requests.
 *
 * Resource rules (seed 000, "MCP functions"):
 *   [!]key:value     key is 1..64 of A-Z a-z 0-9 _ . -; value is 1..256
 *                    bytes of 0x21..0x7E (printable ASCII, no space); in the
 *                    value "*" matches any run of characters.  The rule
 *                    matches when the request carries an attribute with that
 *                    key (exact, case-sensitive) whose value matches whole
 *                    (a value is no path: a deny never covers a longer
 *                    value).
 *   [!]*             alone: matches every request, with or without
 *                    attributes.
 *
 * For both kinds, the first matching rule decides: allow, or deny when it
 * starts with '!'.  When no rule matches, the caller denies.  An empty list
 * is reported as "no match" too; it is the caller's business to treat an
 * empty list as "this check is off".
 *
 * Matching takes O(subject length x (pattern length / 64 + 1)) time,
 * without recursion or backtracking, so no pattern can blow up.
 */
#ifndef TG_RULES_H
#define TG_RULES_H

#include <stddef.h>

#define TG_RULES_MAX		256	/* rules per list */
#define TG_RULES_MAX_LEN	1024	/* bytes per rule, newline excluded */

enum tg_rules_kind {
	TG_RULES_API,
	TG_RULES_RESOURCE
};

/* A compiled list; immutable after compile, so it may be shared read-only
 * between threads. */
struct tg_rules;

/*
 * Compiles a stored rule list (text, len bytes, need not be
 * NUL-terminated).  Returns a list the caller frees with tg_rules_free(),
 * or NULL with err filled in: either the first bad rule, as in
 * `rule 3 "GET api": path must start with '/'`, or "out of memory".  An
 * empty text gives an empty list, not NULL.  Thread-safe.
 */
struct tg_rules *tg_rules_compile(enum tg_rules_kind kind, const char *text,
	    size_t len, char *err, size_t errsz);

/* Frees r; r may be NULL. */
void	tg_rules_free(struct tg_rules *r);

/*
 * A compiled list is one block without pointers inside, so it can be
 * moved: tg_rules_size() is its size in bytes (0 when r is NULL), and
 * tg_rules_copy() copies r into dst, which holds that many bytes and is
 * aligned for uint64_t, and returns the copy.  The copy lives in dst and
 * belongs to dst's owner: never pass it to tg_rules_free().  This lets a
 * caller keep a list inside one allocation of its own.  Thread-safe.
 */
size_t	tg_rules_size(const struct tg_rules *r);
struct tg_rules *tg_rules_copy(const struct tg_rules *r, void *dst);

/* The number of rules in r; 0 when r is NULL. */
size_t	tg_rules_count(const struct tg_rules *r);

/* Rule i as written, NUL-terminated, owned by r; NULL when out of range. */
const char *tg_rules_text(const struct tg_rules *r, size_t i);

/*
 * Returns 1 when text (len bytes; NULL is empty) is r's rules as written,
 * one per line, with or without a final '\n', else 0; compiling such a
 * text gives a list equal to r.  An empty text is the text of an empty or
 * NULL r.  This lets a caller keep r instead of its text and still
 * compare texts byte for byte (it must remember the final '\n' itself).
 * Thread-safe.
 */
int	tg_rules_same_text(const struct tg_rules *r, const char *text,
	    size_t len);

/*
 * Validates one rule (rule, len bytes, no newline) before it is stored.
 * Returns 0, or -1 with err set, as in `rule "GET api": path must start
 * with '/'`.  Pure and thread-safe.
 */
int	tg_rules_check_one(enum tg_rules_kind kind, const char *rule,
	    size_t len, char *err, size_t errsz);

/*
 * Finds the first API rule of r matching method (REQUEST_METHOD) and path
 * (the canonical path from tg_path_canonicalize()), both NUL-terminated.
 * Returns its index with *allow set to 1 (allow) or 0 (deny), or -1 with
 * *allow set to 0 when none matched, when r is empty or NULL, when r holds
 * resource rules, or when method or path is NULL.  Thread-safe.
 */
long	tg_rules_match_api(const struct tg_rules *r, const char *method,
	    const char *path, int *allow);

/* How an API rule matched a path; see tg_rules_how(). */
enum tg_rules_how {
	TG_RULES_HOW_NONE,	/* it does not match */
	TG_RULES_HOW_EXACT,	/* its pattern matches the path itself */
	TG_RULES_HOW_SLASH,	/* ... the path with its trailing '/'
				 * taken away or (deny only) added */
	TG_RULES_HOW_BELOW	/* deny only: the path lies below one
				 * the pattern matches */
};

/*
 * Says how API rule i of r matches the canonical path (NUL-terminated),
 * method aside, for the explain output: the first of EXACT, SLASH and
 * BELOW that applies, or NONE (also when i is out of range, r holds
 * resource rules, or path is NULL).  "*" alone is EXACT.  Slower than
 * tg_rules_match_api(); not for the request path.  Thread-safe.
 */
enum tg_rules_how tg_rules_how(const struct tg_rules *r, size_t i,
	    const char *path);

/* One attribute of the requested resource; borrowed, not NUL-terminated. */
struct tg_attr {
	const char	*key;
	size_t		 keylen;
	const char	*value;
	size_t		 valuelen;
};

/*
 * Finds the first resource rule of r matching the request's attributes
 * (nattrs of them; attrs may be NULL when nattrs is 0).  Returns and sets
 * *allow as tg_rules_match_api() does, and -1 when r holds API rules.
 * Thread-safe.
 */
long	tg_rules_match_resource(const struct tg_rules *r,
	    const struct tg_attr *attrs, size_t nattrs, int *allow);

/*
 * Splits an attribute string such as "category:math scriptSet:opencode"
 * (NUL-terminated; items separated by one or more spaces) into attrs, which
 * point into s.  Each item is key:value with the key and value syntax of
 * resource rules (a '*' in a value is just a character here).  Returns the
 * count (0 for NULL, "" or only spaces), or -1 when an item is malformed
 * or there are more than max.  Pure and thread-safe.
 */
int	tg_rules_parse_attrs(const char *s, struct tg_attr *attrs, size_t max);

#endif /* TG_RULES_H */
