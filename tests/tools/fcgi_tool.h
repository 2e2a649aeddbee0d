/*
 * fcgi_tool.h: the listening socket, thread pool and shutdown shared by the
 * FastCGI test tools (null-authz, echo-backend).
 *
 * The Makefile links each tool source in tests/tools/ into its own program with no
 * shared object, so the common part lives here as static functions.
 *
 * Each tool calls tool_main() with a handler.  tool_main() parses
 *	[--listen HOST:PORT | --listen /path.sock] [--threads N]
 * (plus the tool's own options through a callback), opens the socket
 * itself (IPv4/IPv6 and unix paths, unlike FCGX_OpenSocket() which is
 * IPv4-only and exit()s on bind failure), and runs N threads, each with its
 * own FCGX_Request and an FCGX_Accept_r() loop, without an accept mutex.
 * Without --listen the listening socket is fd 0, as given by mod_fcgid,
 * lighttpd "bin-path" or spawn-fcgi.
 *
 * Shutdown: SIGTERM, SIGINT and SIGHUP are blocked in every thread and the
 * main thread takes them with sigwait(), so no libfcgi call ever sees EINTR.
 * On a signal the main thread removes its unix socket and exits, which ends
 * the threads blocked in accept() too.  It never calls shutdown() on the
 * listening socket: one passed on fd 0 may be shared with the process that
 * passed it, which gives it to the next instance (fcgi/fcgi_common.c).
 */
#ifndef FCGI_TOOL_H
#define FCGI_TOOL_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

/* Roles of the FastCGI spec (fastcgi.h is not installed by libfcgi-dev). */
#define TOOL_ROLE_RESPONDER	1
#define TOOL_ROLE_AUTHORIZER	2

#define TOOL_MAX_THREADS	256

typedef void tool_handler(FCGX_Request *);

/* Returns 1 if argv[*i] was the tool's own option (and consumes its value),
 * 0 if unknown, -1 on a bad value. */
typedef int tool_option(int argc, char **argv, int *i);

struct tool {
	const char	*name;
	const char	*usage;		/* extra usage text for own options */
	tool_handler	*handle;
	tool_option	*option;	/* may be NULL */
	int		 listen_fd;
	char		 unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static struct tool *tool_self;

/*
 * Parses a decimal integer in [min, max] from s; returns -1 on error.
 */
static long
tool_number(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

/*
 * Opens a listening unix socket at path: a stale socket file is removed
 * first (anything else at that path is an error), and the socket is made
 * mode 0666 so that a web server running as another user (Apache's
 * www-data) can connect; restrict the directory instead when that matters.
 */
static int
tool_listen_unix(struct tool *t, const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "%s: unix socket path too long: %s\n",
		    t->name, path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "%s: %s exists and is not a socket\n",
			    t->name, path);
			return -1;
		}
		if (unlink(path) == -1) {
			fprintf(stderr, "%s: unlink %s: %s\n", t->name, path,
			    strerror(errno));
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "%s: socket: %s\n", t->name, strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "%s: bind %s: %s\n", t->name, path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(t->unix_path, sun.sun_path, sizeof t->unix_path);
	/* listen() first: a client that sees the socket file can connect. */
	if (listen(fd, 1024) == -1 || chmod(path, 0666) == -1) {
		fprintf(stderr, "%s: listen/chmod %s: %s\n", t->name, path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Opens a listening TCP socket on "host:port" or "[v6addr]:port".
 */
static int
tool_listen_tcp(struct tool *t, const char *spec)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];
	const char	*colon, *h = host;
	size_t		 hlen;
	int		 fd = -1, on = 1, rc;

	if ((colon = strrchr(spec, ':')) == NULL || colon[1] == '\0' ||
	    (hlen = (size_t)(colon - spec)) >= sizeof host) {
		fprintf(stderr, "%s: --listen wants HOST:PORT or /path: %s\n",
		    t->name, spec);
		return -1;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		h = host + 1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*h ? h : NULL, colon + 1, &hints, &res)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", t->name, spec,
		    gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 1024) == -1) {
		fprintf(stderr, "%s: listen on %s: %s\n", t->name, spec,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static void *
tool_worker(void *arg)
{
	FCGX_Request	 req;

	(void)arg;
	if (FCGX_InitRequest(&req, tool_self->listen_fd, 0) != 0)
		return NULL;
	/* FCGX_Accept_r() finishes the previous request itself. */
	while (FCGX_Accept_r(&req) >= 0)
		tool_self->handle(&req);
	FCGX_Free(&req, 1);
	return NULL;
}

static int
tool_main(struct tool *t, int argc, char **argv)
{
	pthread_t	 tids[TOOL_MAX_THREADS];
	const char	*listen_spec = NULL;
	sigset_t	 set;
	long		 nthreads = 4;
	int		 i, rc, sig;

	tool_self = t;
	t->listen_fd = 0;
	t->unix_path[0] = '\0';
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			listen_spec = argv[++i];
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			nthreads = tool_number(argv[++i], 1, TOOL_MAX_THREADS);
			if (nthreads == -1)
				goto usage;
		} else if (t->option != NULL &&
		    (rc = t->option(argc, argv, &i)) != 0) {
			if (rc == -1)
				goto usage;
		} else
			goto usage;
	}

	/*
	 * Our own dispositions before FCGX_Init(), which only installs its
	 * handlers over SIG_DFL: SIGPIPE ignored (a client that went away is
	 * a write error, not a death), the stop signals blocked everywhere
	 * and taken by sigwait() below.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (listen_spec != NULL) {
		t->listen_fd = strchr(listen_spec, '/') != NULL ?
		    tool_listen_unix(t, listen_spec) :
		    tool_listen_tcp(t, listen_spec);
		if (t->listen_fd == -1)
			return 1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "%s: FCGX_Init failed\n", t->name);
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		if ((rc = pthread_create(&tids[i], NULL, tool_worker,
		    NULL)) != 0) {
			fprintf(stderr, "%s: pthread_create: %s\n", t->name,
			    strerror(rc));
			return 1;
		}
	}
	while (sigwait(&set, &sig) != 0 || sig == SIGUSR1)
		;	/* libfcgi uses SIGUSR1 for its own shutdown; ignore */

	/* Requests in flight are dropped with the process. */
	if (t->unix_path[0] != '\0')
		unlink(t->unix_path);
	return 0;

usage:
	fprintf(stderr, "usage: %s [--listen HOST:PORT | --listen /path.sock]"
	    " [--threads N]%s\n", t->name, t->usage);
	return 2;
}

#endif /* FCGI_TOOL_H */
