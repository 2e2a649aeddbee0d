/*
 * fcgi_common.c: sockets, signals and logging for the FastCGI programs.
 *
 * We open listening sockets ourselves instead of FCGX_OpenSocket, which
 * calls exit() when bind fails and only knows IPv4.
 */
#include "fcgi_common.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static int stop_fd = -1;
static const char *prog = "tokengate";

void
tg_fcgi_set_prog(const char *p)
{
	prog = p;
}

void
tg_fcgi_log(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	n = snprintf(line, sizeof line, "%s: ", prog);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* One call per line, so lines from threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}

void
tg_fcgi_escape(const char *s, size_t max, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outsz == 0)
		return;
	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			if (o + 4 >= outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	/* shutdown() is async-signal-safe and wakes threads in accept(). */
	if (stop_fd >= 0)
		shutdown(stop_fd, SHUT_RDWR);
}

/*
 * SIGHUP would end the process by default.  There are no log files to
 * reopen (logs go to stderr, which the web server or journald owns), and
 * reloading the configuration under running threads is not safe, so the
 * signal only says so; a restart applies a new configuration.
 */
static void
on_hup(int sig)
{
	static const char msg[] = "tokengate: SIGHUP ignored: restart the "
	    "process to apply a new configuration\n";
	ssize_t n;

	(void)sig;
	n = write(2, msg, sizeof msg - 1);
	(void)n;
}

void
tg_fcgi_signals(int listen_fd)
{
	struct sigaction sa;

	stop_fd = listen_fd;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
tg_fcgi_stopping(void)
{
	return stopping;
}

static int
listen_unix(const char *path, int backlog, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errsz, "%s: unix socket path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* Replace a stale socket, but never some other kind of file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "%s exists and is not a socket",
			    path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    chmod(path, 0660) == -1 || listen(fd, backlog) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
tg_fcgi_listen(const char *spec, int backlog, char *err, size_t errsz)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256];
	const char *colon, *port, *h = spec;
	size_t hl;
	int fd = -1, on = 1, gai;

	if (spec[0] == '/')
		return listen_unix(spec, backlog, err, errsz);
	colon = strrchr(spec, ':');
	if (colon == NULL || colon[1] == '\0') {
		snprintf(err, errsz, "--listen %s: expected HOST:PORT or an "
		    "absolute unix socket path", spec);
		return -1;
	}
	port = colon + 1;
	hl = (size_t)(colon - spec);
	if (hl >= 2 && spec[0] == '[' && colon[-1] == ']') {
		h = spec + 1;
		hl -= 2;
	}
	if (hl >= sizeof host) {
		snprintf(err, errsz, "--listen %s: host too long", spec);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	gai = getaddrinfo(hl ? host : NULL, port, &hints, &res);
	if (gai != 0) {
		snprintf(err, errsz, "--listen %s: %s", spec,
		    gai_strerror(gai));
		return -1;
	}
	snprintf(err, errsz, "--listen %s: no usable address", spec);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		snprintf(err, errsz, "--listen %s: %s", spec, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
tg_fcgi_inherited(char *err, size_t errsz)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int fd = 0, type = 0, acc = 0;
	socklen_t len = sizeof type;

	if (pid != NULL && fds != NULL && strtol(pid, NULL, 10) == getpid() &&
	    strcmp(fds, "1") == 0)
		fd = 3;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_STREAM) {
		snprintf(err, errsz, "fd %d is not a socket: give --listen "
		    "HOST:PORT or a unix socket path, or let the web server, "
		    "spawn-fcgi or systemd pass one", fd);
		return -1;
	}
	len = sizeof acc;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == -1 ||
	    !acc) {
		snprintf(err, errsz, "fd %d is a socket but not listening", fd);
		return -1;
	}
	return fd;
}

#include <getopt.h>

#include <fcgiapp.h>

#include "config.h"
#include "store.h"

#define MAX_THREADS	64

static int
usage(const char *p)
{
	fprintf(stderr, "usage: %s [-c FILE] [--listen HOST:PORT | --listen "
	    "/path.sock] [--threads N]\n"
	    "Without -c, $TOKENGATE_CONFIG or %s is read.\n"
	    "Without --listen the socket comes on fd 0 (mod_fcgid, lighttpd "
	    "bin-path, spawn-fcgi) or from systemd socket activation.\n",
	    p, TG_CONFIG_DEFAULT_PATH);
	return 2;
}

int
tg_fcgi_start(int argc, char **argv, const char *p, int default_threads,
    struct tg_config *cfg, struct tg_fcgi_start *out)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cpath = NULL;
	char err[512], *end;
	long n;
	int c;

	tg_fcgi_set_prog(p);
	memset(out, 0, sizeof *out);
	out->threads = default_threads;
	while ((c = getopt_long(argc, argv, "c:l:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cpath = optarg;
			break;
		case 'l':
			out->listen_spec = optarg;
			break;
		case 't':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || n < 1 ||
			    n > MAX_THREADS) {
				fprintf(stderr, "%s: --threads must be 1 to "
				    "%d\n", p, MAX_THREADS);
				return 2;
			}
			out->threads = (int)n;
			break;
		default:
			return usage(p);
		}
	}
	if (optind != argc)
		return usage(p);
	tg_config_defaults(cfg);
	if (tg_config_load(cfg, tg_config_path(cpath), err, sizeof err)) {
		tg_fcgi_log("%s", err);
		return 1;
	}
	out->listen_fd = out->listen_spec != NULL ?
	    tg_fcgi_listen(out->listen_spec, 1024, err, sizeof err) :
	    tg_fcgi_inherited(err, sizeof err);
	if (out->listen_fd < 0) {
		tg_fcgi_log("%s", err);
		return 1;
	}
	if (tg_store_library_init() != 0) {
		tg_fcgi_log("cannot initialise the MariaDB client library");
		return 1;
	}
	tg_fcgi_signals(out->listen_fd);
	if (FCGX_Init() != 0) {
		tg_fcgi_log("FCGX_Init failed");
		return 1;
	}
	return 0;
}

void
tg_fcgi_finish(const struct tg_fcgi_start *st)
{
	tg_store_library_end();
	if (st->listen_spec != NULL && st->listen_spec[0] == '/')
		unlink(st->listen_spec);
}

/*
 * libfcgi ends a connection with a lingering close: shutdown(SHUT_WR), then
 * poll() and read() until the web server has read the reply and closed its
 * end.  That guards against a TCP reset: close() on a socket with unread
 * data sends RST instead of FIN, and a peer may drop a reply it has not
 * read yet.  But it keeps the worker thread until the server gets round
 * to closing, which is a scheduling round trip per request on a loaded
 * machine, and the authorizer has only a few threads.
 *
 * The reset can only happen when something is left unread.  The server
 * sends nothing after the end of FCGI_STDIN (an empty record, sent with or
 * right after the params), so once libfcgi has delivered that end, close()
 * sends FIN and the lingering close buys nothing: FCGX_Detach makes
 * FCGX_Finish_r call close() alone.  We read the rest of FCGI_STDIN
 * without blocking; the socket is made non-blocking, which affects only
 * reads here because the reply (a few hundred bytes, the authorizer's) is
 * written into an empty socket buffer.  When the end has not arrived yet,
 * a read fails with EAGAIN and we fall back to the lingering close.  A
 * server that keeps the connection (FCGI_KEEP_CONN) is left alone, as is
 * a request with a body of more than 64 KiB (nginx may pass one through to
 * a RESPONDER): it is not worth reading to save a round trip.
 */
void
tg_fcgi_end_request(FCGX_Request *r)
{
	char buf[1024];
	int n, total = 0;

	if (!r->keepConnection && r->ipcFd > 0 && r->in != NULL &&
	    fcntl(r->ipcFd, F_SETFL, O_NONBLOCK) == 0) {
		while ((n = FCGX_GetStr(buf, sizeof buf, r->in)) > 0 &&
		    (total += n) <= 65536)
			;
		if (n == 0 && FCGX_GetError(r->in) == 0)
			FCGX_Detach(r);
	}
	FCGX_Finish_r(r);
}
