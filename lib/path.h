/*
 * path.h: the canonical form of a request path.
 *
 * The web server hands the authorizer the raw REQUEST_URI, while it routes
 * the request on its own decoded and normalized path.  Any difference
 * between what we decide on and what the server serves is an authorization
 * bypass, so tg_path_canonicalize() either produces the path the server
 * will serve or refuses the request.
 *
 * What it does, in order:
 *   - drops the query (everything from the first '?'); a raw '#' anywhere
 *     is refused, since a client never sends a fragment, and so is a
 *     second raw '?' (lighttpd 1.4.69 splits path and query at the LAST
 *     '?', so "/public?/../secret?" is served as "/secret": only a URI
 *     with at most one '?' means the same thing to every server; encode
 *     a '?' inside a query as %3F);
 *   - requires the path to start with '/' (so "*" and absolute-form URIs
 *     such as "http://host/x" are refused);
 *   - percent-decodes exactly once, like Apache and lighttpd: "%252e"
 *     becomes the literal three characters "%2e", never a dot;
 *   - refuses bad escapes ("%G1", "%4", a trailing '%'), an encoded '/'
 *     ("%2F"), NUL, any control byte (below 0x20, or 0x7F) raw or decoded,
 *     a raw space, and bytes that are not canonical UTF-8 after decoding
 *     (overlong forms such as "%c0%af", surrogates, code points above
 *     U+10FFFF, truncated sequences, stray continuation bytes);
 *   - refuses '\' raw or encoded, because some backends treat it as '/';
 *   - refuses ';' raw or encoded.  Java servlet containers (Tomcat, Jetty)
 *     strip ";params" from each segment, so "/admin;x" and "/api/..;/admin"
 *     would be served as "/admin" behind a rule that only sees ";x".  A
 *     request that really needs ';' in its path cannot pass tokengate;
 *   - collapses runs of '/', and resolves "." and ".." segments, including
 *     those spelled with "%2e".  A ".." that would climb above the root is
 *     refused, never clamped;
 *   - keeps a trailing '/' when the input had one, or when the last segment
 *     was "." or "..": "/a/b/.." gives "/a/" and "/a/." gives "/a/".
 *
 * Case is preserved: matching is case-sensitive, as in Apache and lighttpd
 * on Linux.  Decoded '?', '#', '%' and space are ordinary path characters
 * after decoding ("/a%3Fb" is the path "/a?b").
 */
#ifndef TG_PATH_H
#define TG_PATH_H

#include <stddef.h>

#define TG_PATH_MAX	8192	/* longest canonical path we decide on */

/*
 * Canonicalizes the raw REQUEST_URI uri (len bytes, need not be
 * NUL-terminated; never read past len) into out, which has outsz bytes.
 * Returns 0 with out NUL-terminated.  Returns -1 when the path cannot be
 * made canonical, with out set to "" (when outsz > 0) and *why (if why is
 * not NULL) pointing to a static English reason such as "encoded slash".
 * out is also the work buffer: the decoded path must fit in outsz - 1
 * bytes, else the reason is "path too long"; TG_PATH_MAX is the size to
 * use.  uri and out must not overlap.  Pure and thread-safe.
 */
int	tg_path_canonicalize(const char *uri, size_t len, char *out,
	    size_t outsz, const char **why);

#endif /* TG_PATH_H */
