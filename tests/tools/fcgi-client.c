/*
 * fcgi-client: sends one FastCGI request and prints the raw reply.
 *
 *   fcgi-client --connect HOST:PORT|/path.sock [--role authorizer|responder]
 *               [--param NAME=VALUE]... [--param-x NAME=HEX]...
 *               [--many-params N] [--stdin-body TEXT]
 *
 * It speaks the wire protocol itself (not libfcgi's client side, which
 * libfcgi does not have) so tests can send what no web server would:
 * values with NUL, CR and LF bytes, 64 KiB values and thousands of params.
 * --param-x takes the value in hex so any byte can be sent.  The reply's
 * FCGI_STDOUT is written to stdout; FCGI_STDERR to stderr; the exit status
 * is 0 when FCGI_END_REQUEST arrived, 1 otherwise.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_PARAMS	20000

struct buf {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
put(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL) {
			perror("realloc");
			exit(2);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void
put_len(struct buf *b, size_t n)
{
	unsigned char l[4];

	if (n < 128) {
		l[0] = (unsigned char)n;
		put(b, l, 1);
	} else {
		l[0] = (unsigned char)(((n >> 24) & 0x7f) | 0x80);
		l[1] = (unsigned char)(n >> 16);
		l[2] = (unsigned char)(n >> 8);
		l[3] = (unsigned char)n;
		put(b, l, 4);
	}
}

static void
record(struct buf *out, int type, const unsigned char *data, size_t n)
{
	unsigned char h[8];
	size_t chunk;

	do {
		chunk = n > 65535 ? 65535 : n;
		h[0] = 1;
		h[1] = (unsigned char)type;
		h[2] = 0;
		h[3] = 1;
		h[4] = (unsigned char)(chunk >> 8);
		h[5] = (unsigned char)chunk;
		h[6] = 0;
		h[7] = 0;
		put(out, h, 8);
		put(out, data, chunk);
		data += chunk;
		n -= chunk;
	} while (n > 0);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
add_param(struct buf *params, const char *name, size_t nl, const char *value,
    size_t vl)
{
	put_len(params, nl);
	put_len(params, vl);
	put(params, name, nl);
	put(params, value, vl);
}

static int
connect_to(const char *spec)
{
	struct addrinfo hints, *res, *ai;
	char host[256];
	const char *colon;
	int fd = -1;

	if (spec[0] == '/') {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", spec);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun,
		    sizeof sun) == 0)
			return fd;
		perror(spec);
		exit(2);
	}
	colon = strrchr(spec, ':');
	if (colon == NULL || (size_t)(colon - spec) >= sizeof host) {
		fprintf(stderr, "bad --connect %s\n", spec);
		exit(2);
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		fprintf(stderr, "cannot resolve %s\n", spec);
		exit(2);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		perror(spec);
		exit(2);
	}
	return fd;
}

int
main(int argc, char **argv)
{
	struct buf out = { 0 }, params = { 0 };
	unsigned char begin[8] = { 0, 2, 0, 0, 0, 0, 0, 0 }, h[8], *body;
	const char *spec = NULL, *stdin_body = NULL;
	long many = 0, i;
	int fd, done = 0;
	size_t off;
	ssize_t n;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL) {
			fprintf(stderr, "%s needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--connect") == 0) {
			spec = v;
		} else if (strcmp(a, "--role") == 0) {
			begin[1] = strcmp(v, "responder") == 0 ? 1 : 2;
		} else if (strcmp(a, "--param") == 0 ||
		    strcmp(a, "--param-x") == 0) {
			const char *eq = strchr(v, '=');
			char *val;
			size_t vl, k;

			if (eq == NULL) {
				fprintf(stderr, "%s NAME=VALUE\n", a);
				return 2;
			}
			if (a[7] == '\0') {
				add_param(&params, v, (size_t)(eq - v), eq + 1,
				    strlen(eq + 1));
				continue;
			}
			vl = strlen(eq + 1) / 2;
			val = malloc(vl + 1);
			for (k = 0; val != NULL && k < vl; k++) {
				int hi = hexval(eq[1 + 2 * k]);
				int lo = hexval(eq[2 + 2 * k]);

				if (hi < 0 || lo < 0) {
					fprintf(stderr, "bad hex in %s\n", v);
					return 2;
				}
				val[k] = (char)(hi * 16 + lo);
			}
			add_param(&params, v, (size_t)(eq - v), val, vl);
			free(val);
		} else if (strcmp(a, "--many-params") == 0) {
			many = strtol(v, NULL, 10);
			if (many < 0 || many > MAX_PARAMS)
				return 2;
		} else if (strcmp(a, "--stdin-body") == 0) {
			stdin_body = v;
		} else {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		}
	}
	if (spec == NULL) {
		fprintf(stderr, "usage: fcgi-client --connect ADDR [--role R] "
		    "[--param N=V]... [--param-x N=HEX]... [--many-params N]\n");
		return 2;
	}
	for (i = 0; i < many; i++) {
		char name[32];
		int nl = snprintf(name, sizeof name, "X_FILLER_%ld", i);

		add_param(&params, name, (size_t)nl, "filler", 6);
	}
	record(&out, 1, begin, sizeof begin);		/* BEGIN_REQUEST */
	if (params.len > 0)
		record(&out, 4, params.p, params.len);	/* PARAMS */
	record(&out, 4, NULL, 0);
	if (stdin_body != NULL && stdin_body[0] != '\0')
		record(&out, 5, (const unsigned char *)stdin_body,
		    strlen(stdin_body));
	record(&out, 5, NULL, 0);			/* empty STDIN */
	fd = connect_to(spec);
	for (off = 0; off < out.len; off += (size_t)n) {
		n = write(fd, out.p + off, out.len - off);
		if (n <= 0) {
			/* The peer may refuse early; read what it said. */
			break;
		}
	}
	shutdown(fd, SHUT_WR);
	body = malloc(65536);
	for (;;) {
		size_t clen, plen, got = 0;

		for (got = 0; got < 8; got += (size_t)n) {
			n = read(fd, h + got, 8 - got);
			if (n <= 0)
				goto end;
		}
		clen = ((size_t)h[4] << 8) | h[5];
		plen = h[6];
		for (got = 0; got < clen + plen; got += (size_t)n) {
			n = read(fd, body + got, clen + plen - got);
			if (n <= 0)
				goto end;
		}
		if (h[1] == 6)
			fwrite(body, 1, clen, stdout);
		else if (h[1] == 7)
			fwrite(body, 1, clen, stderr);
		else if (h[1] == 3) {
			done = 1;
			break;
		}
	}
end:
	close(fd);
	free(body);
	free(out.p);
	free(params.p);
	return done ? 0 : 1;
}
