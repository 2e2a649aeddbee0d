/*
 * fcgi_common.h: what both FastCGI programs need from the outside world:
 * a listening socket, signals and log lines.  Kept out of lib/ because it
 * is all I/O.
 */
#ifndef TG_FCGI_COMMON_H
#define TG_FCGI_COMMON_H

#include <pthread.h>
#include <stddef.h>

#include "hmac.h"
#include "policy.h"
#include "store.h"
#include "verify.h"

/*
 * Opens a listening socket for spec: "HOST:PORT", "[V6ADDR]:PORT" or an
 * absolute path to a unix socket (a stale socket file is replaced; the new
 * one gets mode 0660 so the web server's group can connect).  Returns the
 * fd, or -1 with err filled in.
 */
int	tg_fcgi_listen(const char *spec, int backlog, char *err, size_t errsz);

/*
 * The socket to serve when no --listen is given: fd 3 under systemd socket
 * activation (LISTEN_FDS=1 for our pid), else fd 0 as mod_fcgid, lighttpd
 * and spawn-fcgi pass it.  Returns -1 with err filled in when that fd is
 * not a listening socket (e.g. started from a terminal by mistake).
 */
int	tg_fcgi_inherited(char *err, size_t errsz);

/*
 * Installs the SIGTERM/SIGINT handlers: they set the stop flag, drop this
 * process's reference to listen_fd without shutdown() (a socket passed by
 * systemd or a supervisor lives on for the next instance) and wake the
 * threads waiting in tg_fcgi_accept.  Must run before FCGX_Init so that
 * libfcgi keeps our handlers.  Returns -1 with err filled in on failure.
 */
int	tg_fcgi_signals(int listen_fd, char *err, size_t errsz);

/*
 * Each worker thread, once, with its own slot (0 to threads - 1):
 * initialises r, which the thread owns, and registers the thread so that
 * a stop can wake it.  Returns 0, or -1 on a bad slot.
 */
struct FCGX_Request;
int	tg_fcgi_request_init(struct FCGX_Request *r, int slot);

/*
 * Waits for the next request on r, in place of FCGX_Accept_r (whose own
 * accept() a stop could not interrupt without shutdown(); see
 * fcgi_common.c).  The previous request must be finished.  Returns 0 with
 * a request, or -1 when the program stops (SIGTERM, or a listening socket
 * that no longer works, which tg_fcgi_finish reports).
 */
int	tg_fcgi_accept(struct FCGX_Request *r);

/* Writes one log line to stderr: "<prog>: <message>".  Thread-safe. */
void	tg_fcgi_log(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	tg_fcgi_set_prog(const char *prog);

/*
 * Copies s into out for a log line: at most max bytes of it, with control
 * characters, quotes, backslashes and bytes >= 0x80 escaped as \xNN, so a
 * hostile value cannot forge or split log lines.
 */
void	tg_fcgi_escape(const char *s, size_t max, char *out, size_t outsz);

struct tg_config;

/* What both programs get from their command line and start-up. */
struct tg_fcgi_start {
	const char	*listen_spec;	/* NULL: inherited socket */
	int		 listen_fd;
	int		 threads;
};

/*
 * Parses "[-c FILE] [--listen SPEC] [--threads N]", loads the config into
 * cfg, opens or finds the listening socket, initialises the MariaDB
 * library, installs the signal handlers and calls FCGX_Init, in that
 * order.  Returns 0, or the exit status to use (after printing why).
 */
int	tg_fcgi_start(int argc, char **argv, const char *prog,
	    int default_threads, struct tg_config *cfg,
	    struct tg_fcgi_start *out);

/*
 * Undoes tg_fcgi_start once every thread has stopped: library end, socket
 * file removal.  Returns the exit status: 1 when the listening socket
 * failed, else 0.
 */
int	tg_fcgi_finish(const struct tg_fcgi_start *st);

/*
 * What a program does with each request, for tg_fcgi_workers_run.
 * start (or NULL) runs once in each worker thread before its first
 * request; handle answers a request; end ends it (FCGX_Finish_r, or
 * tg_fcgi_end_request for short replies); after (or NULL) runs once the
 * reply is out, which the client does not wait for.
 */
struct tg_fcgi_worker;
struct tg_fcgi_serve {
	void	(*start)(struct tg_fcgi_worker *w);
	void	(*handle)(struct tg_fcgi_worker *w, struct FCGX_Request *r);
	void	(*end)(struct FCGX_Request *r);
	void	(*after)(struct tg_fcgi_worker *w);
};

/*
 * Per-thread state of a FastCGI program: its request slot, its database
 * connection and HMAC context (both owned), and the verifier that
 * borrows them.  A program adds the shared parts (cache, feed, usage,
 * brake) to the verifier after tg_fcgi_worker_init.
 */
struct tg_fcgi_worker {
	pthread_t		 thread;
	int			 index;		/* tg_fcgi_request_init slot */
	struct tg_store		*store;
	struct tg_hmac		*hmac;
	struct tg_verifier	 verifier;
	const struct tg_fcgi_serve *serve;
};

/*
 * Sets up w for slot index: store (taken over, also when this fails), a
 * new HMAC context for key and the verifier (tg_verify_init).  Returns 0,
 * or -1 after logging "out of memory" (store NULL counts as that).
 */
int	tg_fcgi_worker_init(struct tg_fcgi_worker *w, int index,
	    const struct tg_config *cfg, struct tg_store *store,
	    const struct tg_hmac_key *key);

/*
 * Serves requests as how says in a thread for each of the n workers
 * (each takes its request slot, accepts with tg_fcgi_accept and ends
 * with tg_store_thread_end), and returns when every one has returned:
 * after SIGTERM stopped their accept() and their request in flight is
 * answered.  Returns 0, or -1 at once, after logging, when a thread
 * cannot be started.
 */
int	tg_fcgi_workers_run(struct tg_fcgi_worker *w, int n,
	    const struct tg_fcgi_serve *how);

/* Frees what tg_fcgi_worker_init made for w[0..n); w[i] may be unset. */
void	tg_fcgi_workers_free(struct tg_fcgi_worker *w, int n);

/*
 * Logs a refused request as "deny status=... reason=... token=...
 * method=... path=\"...\" addr=... [detail=\"...\"]", every value
 * escaped (tg_fcgi_escape), of path at most pathmax bytes (200 at most):
 * the caller passes the canonical path, or a raw URI cut before its
 * query so that a token in a query parameter never reaches the log.
 * Whether to log at all is the caller's business.
 */
void	tg_fcgi_log_denial(const struct tg_decision *d, const char *method,
	    const char *path, size_t pathmax, const char *addr);

/*
 * Ends the request in r as FCGX_Finish_r does, but closes a connection the
 * server does not keep without libfcgi's lingering close when that is safe
 * (see fcgi_common.c).  Only for replies well under a socket buffer (the
 * authorizer's): the connection may be left non-blocking for reading.
 * r stays owned by the caller, ready for the next FCGX_Accept_r.
 */
void	tg_fcgi_end_request(struct FCGX_Request *r);
#endif /* TG_FCGI_COMMON_H */
