/*
 * path.c: turning a hostile REQUEST_URI into the one path the server serves.
 *
 * Path rules are only as good as the path they are matched against.  The
 * classic bypasses all come from the authorizer and the server disagreeing
 * about what a URI means: "/api/%2e%2e/admin", "//admin", "/admin;x",
 * "/api/..\admin", overlong UTF-8 for '/' or '.', and so on.  The servers
 * decode once and then resolve dot segments, so we do exactly that, and we
 * refuse every construct where servers or backends are known to differ
 * (encoded slashes, backslashes, path parameters, malformed escapes and
 * UTF-8, control bytes).  Refusing is always safe: the client gets a 403 it
 * can fix, while a wrong guess would let a request through.
 *
 * The work happens inside the caller's buffer: decoding can only shrink the
 * text, and resolving segments shrinks it further, so one pass writes the
 * decoded bytes and a second pass rewrites them in place.  No allocation,
 * no state, nothing read past len.
 */
#include "path.h"

#include <string.h>

#include "text.h"

/*
 * Decodes the path part of uri (plen bytes) into out and returns the
 * decoded length, or -1 with *reason set.  Every refusal that depends on
 * a single byte happens here, so raw and encoded forms get the same
 * treatment.
 */
static long
decode(const char *uri, size_t plen, char *out, size_t outsz,
    const char **reason)
{
	size_t i, n = 0;

	for (i = 0; i < plen; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (c == '%') {
			int v = tg_text_percent(uri + i, plen - i);

			if (v < 0) {
				*reason = "bad percent-encoding";
				return -1;
			}
			c = (unsigned char)v;
			i += 2;
			if (c == '/') {
				*reason = "encoded slash";
				return -1;
			}
			if (c == '\0') {
				*reason = "encoded NUL";
				return -1;
			}
		} else if (c == ' ') {
			*reason = "raw space";
			return -1;
		}
		if (c == '\\') {
			*reason = "backslash";
			return -1;
		}
		if (c == ';') {
			*reason = "semicolon (path parameter)";
			return -1;
		}
		if (c < 0x20 || c == 0x7F) {
			*reason = "control character";
			return -1;
		}
		if (n >= outsz - 1) {
			*reason = "path too long";
			return -1;
		}
		out[n++] = (char)c;
	}
	return (long)n;
}

/*
 * Resolves the decoded path in out[0..n) in place and NUL-terminates it.
 * out[0] is '/'.  The write index w never passes the read index r (each
 * segment written is preceded by at least one '/' that was read), so the
 * memmove never clobbers bytes still to be read, and the result is never
 * longer than n.
 */
static int
resolve(char *out, size_t n, const char **reason)
{
	size_t r = 0, w = 0, start, seglen;
	int trail = 0;

	while (r < n) {
		if (out[r] == '/') {
			r++;
			trail = 1;
			continue;
		}
		start = r;
		while (r < n && out[r] != '/')
			r++;
		seglen = r - start;
		if (seglen == 1 && out[start] == '.') {
			trail = 1;
			continue;
		}
		if (seglen == 2 && out[start] == '.' && out[start + 1] == '.') {
			if (w == 0) {
				*reason = "'..' above the root";
				return -1;
			}
			/* Drop the last "/segment"; out[0] is '/'. */
			do
				w--;
			while (out[w] != '/');
			trail = 1;
			continue;
		}
		out[w++] = '/';
		memmove(out + w, out + start, seglen);
		w += seglen;
		trail = 0;
	}
	if (w == 0 || trail)
		out[w++] = '/';
	out[w] = '\0';
	return 0;
}

int
tg_path_canonicalize(const char *uri, size_t len, char *out, size_t outsz,
    const char **why)
{
	const char *reason = NULL;
	size_t i, plen;
	long n;

	if (out == NULL || outsz < 2) {
		reason = "path too long";
		goto fail;
	}
	if (uri == NULL || len == 0) {
		reason = "empty path";
		goto fail;
	}
	plen = len;
	for (i = 0; i < len; i++) {
		if (uri[i] == '#') {
			reason = "fragment in request URI";
			goto fail;
		}
		if (uri[i] != '?')
			continue;
		/*
		 * Servers disagree on where the path ends when the query
		 * holds another '?': lighttpd 1.4.69 splits at the last one
		 * and then resolves dot segments, so it serves
		 * "/public?/../secret?" as "/secret" while the first '?'
		 * gives "/public".  Only one '?' is unambiguous.
		 */
		if (plen != len) {
			reason = "more than one '?' in request URI";
			goto fail;
		}
		plen = i;
	}
	if (uri[0] != '/') {
		reason = "path does not start with '/'";
		goto fail;
	}
	if ((n = decode(uri, plen, out, outsz, &reason)) < 0)
		goto fail;
	if (!tg_text_utf8_valid(out, (size_t)n)) {
		reason = "invalid UTF-8";
		goto fail;
	}
	if (resolve(out, (size_t)n, &reason) < 0)
		goto fail;
	if (why != NULL)
		*why = NULL;
	return 0;
fail:
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (why != NULL)
		*why = reason;
	return -1;
}
