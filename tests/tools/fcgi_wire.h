/*
 * fcgi_wire.h: the client side of the FastCGI wire protocol, shared by the
 * test tools that play the web server (fcgi-client, fcgi-load).
 *
 * libfcgi has no client side, and the tools need to send what no web server
 * would (fcgi-client) or to send it fast and without allocation per request
 * (fcgi-load), so they build records themselves.  Like fcgi_tool.h this is
 * a header of static functions: the Makefile links each tool source into its
 * own program with no shared object.
 *
 *	wire_put, wire_put_len	append bytes / a name-value length to a buffer
 *	wire_param		append one name-value pair (PARAMS content)
 *	wire_record		append a record, split at 65535 bytes
 *	wire_connect		connect to "/path.sock" or "HOST:PORT"
 *	wire_read_record	read one record's header and content
 *
 * Record types and roles are the spec's numbers (fastcgi.h is not
 * installed by libfcgi-dev on every system).
 */
#ifndef FCGI_WIRE_H
#define FCGI_WIRE_H

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WIRE_BEGIN_REQUEST	1
#define WIRE_END_REQUEST	3
#define WIRE_PARAMS		4
#define WIRE_STDIN		5
#define WIRE_STDOUT		6
#define WIRE_STDERR		7

#define WIRE_ROLE_RESPONDER	1
#define WIRE_ROLE_AUTHORIZER	2

/* A growing byte buffer; zero-initialise it.  Aborts when out of memory. */
struct wire_buf {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
wire_put(struct wire_buf *b, const void *data, size_t n)
{
	size_t	 cap;

	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		if ((b->p = realloc(b->p, cap)) == NULL) {
			perror("realloc");
			exit(2);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* A name or value length: one byte below 128, else four with the top bit. */
static void
wire_put_len(struct wire_buf *b, size_t n)
{
	unsigned char	 l[4];

	if (n < 128) {
		l[0] = (unsigned char)n;
		wire_put(b, l, 1);
		return;
	}
	l[0] = (unsigned char)(((n >> 24) & 0x7f) | 0x80);
	l[1] = (unsigned char)(n >> 16);
	l[2] = (unsigned char)(n >> 8);
	l[3] = (unsigned char)n;
	wire_put(b, l, 4);
}

static void
wire_param(struct wire_buf *b, const char *name, size_t nl,
    const char *value, size_t vl)
{
	wire_put_len(b, nl);
	wire_put_len(b, vl);
	wire_put(b, name, nl);
	wire_put(b, value, vl);
}

/*
 * Appends a record of the given type for request id 1 holding n bytes of
 * data, as several records when n is above 65535 (one empty record when n
 * is 0: the end of a stream).
 */
static void
wire_record(struct wire_buf *out, int type, const void *data, size_t n)
{
	const unsigned char	*d = data;
	unsigned char		 h[8];
	size_t			 chunk;

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
		wire_put(out, h, 8);
		wire_put(out, d, chunk);
		d += chunk;
		n -= chunk;
	} while (n > 0);
}

/*
 * Connects to spec, "/path.sock" or "HOST:PORT" (numeric or resolvable;
 * "[v6]:port" too).  A TCP connection gets TCP_NODELAY, as the web servers
 * set it.  Returns the fd, or -1 with errno set (EINVAL for a bad spec).
 */
static int
wire_connect(const char *spec)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *res, *ai;
	char			 host[256];
	const char		*colon, *h = host;
	size_t			 hl;
	int			 fd = -1, on = 1, save;

	if (spec[0] == '/') {
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		if (strlen(spec) >= sizeof sun.sun_path) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(sun.sun_path, spec, strlen(spec) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			return fd;
		save = errno;
		close(fd);
		errno = save;
		return -1;
	}
	colon = strrchr(spec, ':');
	if (colon == NULL || (hl = (size_t)(colon - spec)) >= sizeof host) {
		errno = EINVAL;
		return -1;
	}
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		h = host + 1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(h, colon + 1, &hints, &res) != 0) {
		errno = EINVAL;
		return -1;
	}
	save = ECONNREFUSED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		save = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		errno = save;
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	return fd;
}

/* Reads exactly n bytes; 0 on success, -1 on EOF or error. */
static int
wire_read_full(int fd, unsigned char *p, size_t n)
{
	ssize_t	 r;
	size_t	 got;

	for (got = 0; got < n; got += (size_t)r) {
		r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			return -1;
	}
	return 0;
}

/*
 * Reads one record: its type into *type, its content (without padding)
 * into body, which must hold 65535 bytes, and its length into *len.
 * Returns 0, or -1 on EOF, error or a header that is not version 1.
 */
static int
wire_read_record(int fd, int *type, unsigned char *body, size_t *len)
{
	unsigned char	 h[8], pad[256];
	size_t		 clen, plen;

	if (wire_read_full(fd, h, 8) == -1 || h[0] != 1)
		return -1;
	clen = ((size_t)h[4] << 8) | h[5];
	plen = h[6];
	if (wire_read_full(fd, body, clen) == -1 ||
	    wire_read_full(fd, pad, plen) == -1)
		return -1;
	*type = h[1];
	*len = clen;
	return 0;
}

#endif /* FCGI_WIRE_H */
