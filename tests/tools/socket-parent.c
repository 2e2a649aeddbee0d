/*
 * socket-parent: holds one listening socket across restarts of a FastCGI
 * program, as systemd socket activation does (or a supervisor such as
 * multiwatch that hands its children the same socket on fd 0), to show
 * that stopping one instance leaves the socket usable for the next.
 *
 *	socket-parent --listen SPEC --fd 3|0 --check CMD [--runs N]
 *	    [--load CMD] -- PROG [ARG...]
 *
 * It opens SPEC (a unix socket path or HOST:PORT) once and keeps it open,
 * without ever accepting on it.  Then, N times (default 2):
 *	- starts PROG with the socket on fd 3 and LISTEN_FDS=1,
 *	  LISTEN_PID=<its pid> (--fd 3, what systemd passes), or with the
 *	  socket on fd 0 and no LISTEN_* variables (--fd 0);
 *	- runs CMD with sh -c, which must succeed against that instance;
 *	- sends SIGTERM and waits up to 10 s for the instance to exit.
 * Between two runs, while no instance runs, one more CMD is started: its
 * connection waits in the socket's backlog, as a web server's does during
 * `systemctl restart`, and the next instance must answer it.
 *
 * With --load, that CMD starts after the first check, runs while the first
 * instance is stopped (half a second in) and the next ones start, and must
 * succeed before the last instance is stopped: a restart under load.
 *
 * It prints one line per fact, for the test to check:
 *	run 1: check ok		(or "check failed", "check timed out")
 *	run 1: exit 0		(or "exit N", "signal N", "no exit after 10 s")
 *	queued: check ok
 *	run 2: check ok
 *	load: check ok		(with --load)
 *	run 2: exit 0
 * and exits 0 when every line says ok / exit 0.  CMD finds SPEC in
 * $SOCKET_PARENT_SPEC.  PROG's stdout and stderr go to stderr.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../fcgi/fcgi_common.h"

#define WAIT_MS		10000

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Waits up to ms for pid; returns its wait status, or -1 when it is still
 * running (it is then killed and reaped).
 */
static int
wait_ms(pid_t pid, long ms)
{
	int st;
	long waited;

	for (waited = 0; waited <= ms; waited += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static pid_t
start_check(const char *cmd)
{
	pid_t pid;

	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Prints "NAME: check ok" or why not; returns 0 when ok. */
static int
end_check(const char *name, pid_t pid)
{
	int st;

	if (pid == -1) {
		printf("%s: check not started: %s\n", name, strerror(errno));
		return 1;
	}
	st = wait_ms(pid, WAIT_MS);
	if (st == -1)
		printf("%s: check timed out\n", name);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		printf("%s: check ok\n", name);
	else
		printf("%s: check failed\n", name);
	fflush(stdout);
	return !(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static pid_t
start_prog(int sock, int fd, char **argv)
{
	char pid[32];
	pid_t p;

	if ((p = fork()) != 0)
		return p;
	dup2(2, 1);
	if (sock == fd)
		fcntl(fd, F_SETFD, 0);
	else if (dup2(sock, fd) == -1)
		_exit(126);
	if (fd == 3) {
		snprintf(pid, sizeof pid, "%ld", (long)getpid());
		setenv("LISTEN_PID", pid, 1);
		setenv("LISTEN_FDS", "1", 1);
	} else {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
	}
	execv(argv[0], argv);
	fprintf(stderr, "socket-parent: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* SIGTERM, then prints how the instance ended; returns 0 on exit 0. */
static int
stop_prog(int run, pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	st = wait_ms(pid, WAIT_MS);
	if (st == -1)
		printf("run %d: no exit after %d s\n", run, WAIT_MS / 1000);
	else if (WIFEXITED(st))
		printf("run %d: exit %d\n", run, WEXITSTATUS(st));
	else
		printf("run %d: signal %d\n", run, WTERMSIG(st));
	fflush(stdout);
	return !(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int
usage(void)
{
	fprintf(stderr, "usage: socket-parent --listen SPEC --fd 3|0 "
	    "--check CMD [--runs N] [--load CMD] -- PROG [ARG...]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *spec = NULL, *check = NULL, *load = NULL;
	char err[512], name[32];
	pid_t prog, queued = -1, loading = -1;
	int i, fd = -1, runs = 2, run, sock, bad = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--listen") == 0)
			spec = argv[++i];
		else if (strcmp(argv[i], "--check") == 0)
			check = argv[++i];
		else if (strcmp(argv[i], "--fd") == 0)
			fd = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--load") == 0)
			load = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0)
			runs = (int)strtol(argv[++i], NULL, 10);
		else
			return usage();
	}
	if (spec == NULL || check == NULL || (fd != 0 && fd != 3) ||
	    runs < 1 || runs > 10 || i + 1 >= argc)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	if ((sock = tg_fcgi_listen(spec, 128, err, sizeof err)) == -1) {
		fprintf(stderr, "socket-parent: %s\n", err);
		return 1;
	}
	setenv("SOCKET_PARENT_SPEC", spec, 1);
	for (run = 1; run <= runs; run++) {
		if ((prog = start_prog(sock, fd, argv + i + 1)) == -1) {
			perror("fork");
			return 1;
		}
		if (queued != -1)
			bad |= end_check("queued", queued);
		snprintf(name, sizeof name, "run %d", run);
		bad |= end_check(name, start_check(check));
		if (load != NULL && run == 1) {
			loading = start_check(load);
			sleep_ms(500);
		}
		if (load != NULL && run == runs)
			bad |= end_check("load", loading);
		bad |= stop_prog(run, prog);
		if (run < runs) {
			/* Give it time to connect before the next start. */
			queued = start_check(check);
			sleep_ms(300);
		}
	}
	if (spec[0] == '/')
		unlink(spec);
	return bad;
}
