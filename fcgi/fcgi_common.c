/*
 * fcgi_common.c: sockets, signals and logging for the FastCGI programs.
 *
 * We open listening sockets ourselves instead of FCGX_OpenSocket, which
 * calls exit() when bind fails and only knows IPv4, and accept connections
 * ourselves instead of inside FCGX_Accept_r, so that SIGTERM can wake the
 * threads without shutting a shared socket down ("Stopping" below).
 */
#include "fcgi_common.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "text.h"

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
	size_t i, o = 0;

	if (outsz == 0)
		return;
	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			if (o + 4 >= outsz)
				break;
			tg_text_hex_escape(c, out + o);
			o += 4;
		} else {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

/*
 * Stopping without shutdown().
 *
 * The listening socket is often not ours alone.  systemd socket activation
 * (fd 3) keeps its copy and hands the same socket to the next instance,
 * connections made during a restart waiting in its backlog; a supervisor
 * that passes fd 0 (multiwatch, spawn-fcgi -F N siblings) does the same.
 * shutdown() acts on the socket, not on our descriptor: it would end it for
 * everybody, and after `systemctl restart` every connection was refused
 * until the socket unit was restarted too.  So on SIGTERM we only drop our
 * own reference, and a socket we opened ourselves (--listen) goes away
 * with it.
 *
 * What remains is to wake the threads blocked in accept() without
 * touching the socket.  Not by making it non-blocking and poll()ing a
 * self-pipe as well: O_NONBLOCK belongs to the file description that the
 * parent and the next instance share, and with several threads polling one
 * socket, those that lose the race for a connection block in accept()
 * again anyway.  Not by a signal alone: a thread past accept() would get
 * it in the read of its new request, which libfcgi treats as a broken
 * connection.  Instead, and with no system call added per request:
 *
 *   1. We accept() ourselves (tg_fcgi_accept) and hand the connection to
 *      FCGX_Accept_r, so that "waiting in accept" is a state we can see:
 *      each worker marks its slot WAITING before accept() and BUSY after.
 *   2. The SIGTERM handler sets stopping, then dup2()s a socket that is
 *      not listening over the listening descriptor: from then on every
 *      accept() fails at once with EINVAL, and our reference is gone.
 *   3. A thread that entered accept() before that still sleeps on the
 *      socket, so the handler sends SIGUSR2 to every slot it moves from
 *      WAITING to KICKING.  The handler is SA_RESTART: the interrupted
 *      accept() is restarted, finds the other socket and fails.
 *   4. A thread whose accept() returned a connection just as it was kicked
 *      sees that its slot is no longer WAITING; it waits for KICKED (the
 *      signal was sent) and makes one more system call, on the way back
 *      from which the kernel delivers the signal.  It then serves the
 *      connection undisturbed.  No accepted connection is dropped.
 *
 * Every handler is SA_RESTART, so a stop signal that lands in a thread in
 * the middle of a request restarts its read() instead of failing it.
 */
#define WAKE_SIGNAL	SIGUSR2
#define MAX_SLOTS	64	/* tg_fcgi_start's --threads limit */

enum { SLOT_BUSY, SLOT_WAITING, SLOT_KICKING, SLOT_KICKED };

struct slot {
	pthread_t	 thread;
	atomic_int	 state;
};

static struct slot slots[MAX_SLOTS];
static _Thread_local struct slot *self;
static atomic_int stopping;
static atomic_int socket_failed;
static atomic_llong resource_logged;
static int listen_sock = -1;	/* the listening socket */
static int dead_sock = -1;	/* not listening: dup2()ed over listen_sock */
static int listen_tcp;		/* TCP: set TCP_NODELAY as libfcgi does */

_Static_assert(ATOMIC_INT_LOCK_FREE == 2,
    "the stop handler needs lock-free atomics");

static void
on_stop(int sig)
{
	int saved = errno, i, expect;

	(void)sig;
	/* A second SIGTERM finds the work done. */
	if (atomic_exchange(&stopping, 1))
		goto done;
	if (listen_sock >= 0 && dead_sock >= 0)
		dup2(dead_sock, listen_sock);
	/* The dup2() is seen by any accept() of a thread not kicked below. */
	atomic_thread_fence(memory_order_seq_cst);
	for (i = 0; i < MAX_SLOTS; i++) {
		expect = SLOT_WAITING;
		if (atomic_compare_exchange_strong(&slots[i].state, &expect,
		    SLOT_KICKING)) {
			pthread_kill(slots[i].thread, WAKE_SIGNAL);
			atomic_store(&slots[i].state, SLOT_KICKED);
		}
	}
done:
	errno = saved;
}

/* Its only work is to interrupt (and restart) the system call. */
static void
on_wake(int sig)
{
	(void)sig;
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

int
tg_fcgi_signals(int listen_fd, char *err, size_t errsz)
{
	struct sigaction sa;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	dead_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (dead_sock == -1) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	listen_sock = listen_fd;
	if (getsockname(listen_fd, (struct sockaddr *)&ss, &len) == 0)
		listen_tcp = ss.ss_family == AF_INET ||
		    ss.ss_family == AF_INET6;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_wake;
	sigaction(WAKE_SIGNAL, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

int
tg_fcgi_request_init(FCGX_Request *r, int slot)
{
	if (slot < 0 || slot >= MAX_SLOTS)
		return -1;
	self = &slots[slot];
	self->thread = pthread_self();
	/* No socket for libfcgi: it must never accept() by itself. */
	return FCGX_InitRequest(r, -1, 0);
}

/*
 * Leaves the WAITING state after accept().  When the stop handler got
 * there first, its signal is pending or on its way: wait until it is sent
 * and let it arrive now, on the way back from sched_yield(), rather than
 * in the next read.
 */
static void
slot_leave(void)
{
	int expect = SLOT_WAITING;

	if (atomic_compare_exchange_strong(&self->state, &expect, SLOT_BUSY))
		return;
	while (atomic_load(&self->state) != SLOT_KICKED)
		sched_yield();
	sched_yield();
	atomic_store(&self->state, SLOT_BUSY);
}

/*
 * One accept() that the stop handler can interrupt; -1 with errno when
 * none was accepted.
 */
static int
accept_one(void)
{
	int fd, saved;

	atomic_store(&self->state, SLOT_WAITING);
	if (atomic_load(&stopping)) {
		fd = -1;
		errno = EINVAL;
	} else
		fd = accept(listen_sock, NULL, NULL);
	saved = errno;
	slot_leave();
	errno = saved;
	return fd;
}

/*
 * What an accept() error means: 0 try again (the connection was reset
 * before we took it, and the like), 1 out of descriptors or memory, -1
 * the socket is unusable.
 */
static int
accept_error(int e)
{
	switch (e) {
	case EBADF:
	case EFAULT:
	case EINVAL:
	case ENOTSOCK:
	case EOPNOTSUPP:
		return -1;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return 1;
	default:
		return 0;
	}
}

int
tg_fcgi_accept(FCGX_Request *r)
{
	struct timespec pause = { 0, 10 * 1000000L };
	int fd, on = 1;
	long long now;

	if (self == NULL)
		return -1;
	for (;;) {
		if (r->ipcFd >= 0) {
			/* The server keeps the connection (FCGI_KEEP_CONN). */
			if (atomic_load(&stopping)) {
				FCGX_Free(r, 1);
				return -1;
			}
			if (FCGX_Accept_r(r) == 0)
				return 0;
			continue;
		}
		if ((fd = accept_one()) == -1) {
			if (atomic_load(&stopping))
				return -1;
			switch (accept_error(errno)) {
			case -1:
				if (!atomic_exchange(&socket_failed, 1))
					tg_fcgi_log("accept: %s: the listening "
					    "socket is unusable, stopping",
					    strerror(errno));
				return -1;
			case 1:
				/* Once a second at most, and no busy loop. */
				now = (long long)time(NULL);
				if (atomic_exchange(&resource_logged, now) !=
				    now)
					tg_fcgi_log("accept: %s",
					    strerror(errno));
				nanosleep(&pause, NULL);
				break;
			}
			continue;
		}
		if (listen_tcp)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			    sizeof on);
		/*
		 * FCGX_Accept_r reads the request from a connection it finds
		 * open, as it does on a kept one: keepConnection stops it
		 * from closing fd first.  If the connection ends before a
		 * whole request, libfcgi closes it and, having no listening
		 * socket, returns at once.
		 */
		r->ipcFd = fd;
		r->keepConnection = 1;
		if (FCGX_Accept_r(r) == 0)
			return 0;
		if (r->ipcFd >= 0) {
			close(r->ipcFd);
			r->ipcFd = -1;
		}
	}
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

#include "config.h"

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
	const char *cpath = NULL, *env;
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
	/*
	 * libfcgi's own accept() let only these peers in; ours
	 * (tg_fcgi_accept) does not read the list, and running without the
	 * restriction the operator asked for would fail open.
	 */
	if ((env = getenv("FCGI_WEB_SERVER_ADDRS")) != NULL && env[0] != '\0') {
		tg_fcgi_log("FCGI_WEB_SERVER_ADDRS is not supported: listen "
		    "on a loopback address or a unix socket instead");
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
	if (tg_fcgi_signals(out->listen_fd, err, sizeof err) != 0) {
		tg_fcgi_log("%s", err);
		return 1;
	}
	if (FCGX_Init() != 0) {
		tg_fcgi_log("FCGX_Init failed");
		return 1;
	}
	return 0;
}

int
tg_fcgi_finish(const struct tg_fcgi_start *st)
{
	sigset_t set;

	tg_store_library_end();
	if (st->listen_spec != NULL && st->listen_spec[0] == '/')
		unlink(st->listen_spec);
	/* No stop handler may dup2() onto the descriptors once closed. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	close(listen_sock);
	close(dead_sock);
	listen_sock = dead_sock = -1;
	return atomic_load(&socket_failed) ? 1 : 0;
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

void
tg_fcgi_log_denial(const struct tg_decision *d, const char *method,
    const char *path, size_t pathmax, const char *addr)
{
	char p[256], m[40], detail[300], a[64];

	tg_fcgi_escape(path, pathmax < 200 ? pathmax : 200, p, sizeof p);
	tg_fcgi_escape(method, 32, m, sizeof m);
	tg_fcgi_escape(d->detail, 256, detail, sizeof detail);
	tg_fcgi_escape(addr, 46, a, sizeof a);
	tg_fcgi_log("deny status=%d reason=%s token=%s method=%s path=\"%s\" "
	    "addr=%s%s%s%s", d->status, tg_policy_reason_str(d->reason),
	    d->token_id[0] ? d->token_id : "-", m, p, a,
	    detail[0] ? " detail=\"" : "", detail, detail[0] ? "\"" : "");
}

int
tg_fcgi_worker_init(struct tg_fcgi_worker *w, int index,
    const struct tg_config *cfg, struct tg_store *store,
    const struct tg_hmac_key *key)
{
	memset(w, 0, sizeof *w);
	w->index = index;
	w->store = store;
	w->hmac = tg_hmac_new(key);
	if (w->store == NULL || w->hmac == NULL) {
		tg_fcgi_log("out of memory");
		return -1;
	}
	tg_verify_init(&w->verifier, cfg, w->store, w->hmac);
	return 0;
}

/* A worker thread: its slot, then requests until the program stops. */
static void *
worker_main(void *arg)
{
	struct tg_fcgi_worker *w = arg;
	FCGX_Request r;

	if (tg_fcgi_request_init(&r, w->index) != 0) {
		tg_fcgi_log("FCGX_InitRequest failed");
		return NULL;
	}
	if (w->serve->start != NULL)
		w->serve->start(w);
	while (tg_fcgi_accept(&r) == 0) {
		w->serve->handle(w, &r);
		w->serve->end(&r);
		if (w->serve->after != NULL)
			w->serve->after(w);
	}
	FCGX_Free(&r, 0);
	tg_store_thread_end();
	return NULL;
}

int
tg_fcgi_workers_run(struct tg_fcgi_worker *w, int n,
    const struct tg_fcgi_serve *how)
{
	int i;

	for (i = 0; i < n; i++) {
		w[i].serve = how;
		if (pthread_create(&w[i].thread, NULL, worker_main,
		    &w[i]) != 0) {
			tg_fcgi_log("pthread_create failed");
			return -1;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	return 0;
}

void
tg_fcgi_workers_free(struct tg_fcgi_worker *w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		tg_store_free(w[i].store);
		tg_hmac_free(w[i].hmac);
	}
}
