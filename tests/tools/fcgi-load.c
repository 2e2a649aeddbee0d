/*
 * fcgi-load: a small FastCGI load generator that talks to an authorizer the
 * way the web servers do: a new connection per request, the request's
 * records in one write, the connection closed once FCGI_END_REQUEST is in.
 *
 *   fcgi-load --connect /path.sock|HOST:PORT [--threads N]
 *             [--duration SECS | --requests N] [--warmup SECS]
 *             [--role authorizer|responder] [--no-stdin]
 *             [--method M] [--uri URI] [--param NAME=VALUE]...
 *             [--token T | --tokens FILE [--order random|seq]]
 *             [--http] [--watch [--interval-us N] [--settle-ms N]]
 *
 * Load (the default): N threads, each one request at a time (a closed
 * loop, like wrk's connections), for SECS seconds after SECS of warm-up, or
 * for N requests in all.  It prints one line of key=value pairs:
 *
 *   fcgi-load: requests=R seconds=S rps=X p50_us=A p90_us=B p99_us=C
 *       max_us=D errors=E s200=F s401=G s403=H s503=I sother=J
 *
 * errors counts requests with no complete answer (connect, write, read);
 * the sNNN counters count answers by their Status line (no Status is 200,
 * as for the servers).  Latency is connect to END_REQUEST, recorded in a
 * histogram with 1 us steps below 1 ms and 0.2 % steps above.
 *
 * The request: FCGI_ROLE (authorizer by default) and the params lighttpd
 * 1.4 sends to an authorizer for "GET /" (--method, --uri and --param
 * change or add them), HTTP_AUTHORIZATION "Bearer T" with --token, or a
 * token from FILE (one per line, picked at random or in turn) for each
 * request with --tokens, then an empty FCGI_STDIN as lighttpd sends
 * (--no-stdin: none, as Apache's mod_authnz_fcgi).
 *
 * --http sends "GET URI HTTP/1.1" with the same Authorization instead (a
 * probe through a web server; Connection: close, a connection each).
 *
 * --watch: a probe for revocation.  It sends requests (each thread one
 * every --interval-us, default 1000) until every answer has been a refusal
 * for --settle-ms (default 1000) or --duration runs out, and prints
 *
 *   fcgi-load: watch requests=R allowed=A refused=D errors=E
 *       last_allow_ns=T1 refused_from_ns=T2
 *
 * T1 is the CLOCK_REALTIME time the last 200 arrived, T2 the time the first
 * refusal after it arrived: from T2 on the authorizer refused every
 * request the probe sent.  0 when there was no such answer.
 */
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fcgi_wire.h"

#define LOAD_MAX_THREADS	256
#define LOAD_MAX_PARAMS		64
#define LOAD_MAX_EVENTS		(1 << 20)	/* per thread, --watch */

/* Histogram: 1 us buckets below 1024 us, then 512 per power of two. */
#define HIST_LINEAR		1024
#define HIST_SUB		512
#define HIST_SUB_BITS		9
#define HIST_BUCKETS		(HIST_LINEAR + (64 - 10) * HIST_SUB)

struct load_param {
	const char	*name;
	const char	*value;
};

struct load_event {
	int64_t		 end_ns;	/* CLOCK_REALTIME */
	int		 status;
};

struct load_thread {
	pthread_t		 tid;
	int			 index;
	uint64_t		 rng;
	struct wire_buf		 req, params;
	unsigned char		*body;
	uint64_t		*hist;
	uint64_t		 count, errors, s200, s401, s403, s503, sother;
	struct load_event	*events;
	size_t			 nevents;
};

static const char	*load_connect;
static int		 load_role = WIRE_ROLE_AUTHORIZER;
static int		 load_stdin = 1;
static int		 load_http;
static int		 load_watch;
static long		 load_interval_us = 1000;
static long		 load_settle_ms = 1000;
static long		 load_requests;		/* 0: by duration */
static const char	*load_method = "GET";
static const char	*load_uri = "/";
static const char	*load_token;
static char		**load_tokens;
static size_t		 load_ntokens;
static int		 load_order_seq;
static struct load_param load_params[LOAD_MAX_PARAMS];
static int		 load_nparams;
static struct wire_buf	 load_static_params;	/* all but the token */

static atomic_int	 load_recording;
static atomic_int	 load_stop;
static atomic_long	 load_claimed;
static atomic_ulong	 load_seq;
/* --watch: the newest allow seen by any thread (CLOCK_REALTIME ns). */
static atomic_llong	 load_last_allow_ns;
static atomic_llong	 load_last_refusal_ns;

static int64_t
load_now(clockid_t clock)
{
	struct timespec	 ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long
load_number(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

static uint64_t
load_random(struct load_thread *t)
{
	/* xorshift64*: good enough to pick tokens. */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 2685821657736338717ULL;
}

static size_t
load_bucket(uint64_t us)
{
	unsigned	 e;

	if (us < HIST_LINEAR)
		return (size_t)us;
	e = 63 - (unsigned)__builtin_clzll(us);		/* e >= 10 */
	return HIST_LINEAR + (size_t)(e - 10) * HIST_SUB +
	    (size_t)((us >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The smallest value that falls into bucket b. */
static uint64_t
load_bucket_value(size_t b)
{
	size_t	 e;

	if (b < HIST_LINEAR)
		return b;
	e = (b - HIST_LINEAR) / HIST_SUB + 10;
	return ((uint64_t)1 << e) +
	    ((uint64_t)((b - HIST_LINEAR) % HIST_SUB) << (e - HIST_SUB_BITS));
}

static uint64_t
load_percentile(const uint64_t *hist, uint64_t total, double pct)
{
	uint64_t	 want, seen = 0;
	size_t		 b;

	if (total == 0)
		return 0;
	want = (uint64_t)((double)total * pct / 100.0 + 0.5);
	if (want < 1)
		want = 1;
	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= want)
			return load_bucket_value(b);
	}
	return load_bucket_value(HIST_BUCKETS - 1);
}

/*
 * Builds the request for token tok (NULL: none) into t->req.
 */
static void
load_build(struct load_thread *t, const char *tok)
{
	unsigned char	 begin[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	char		 auth[512];
	int		 n = 0;

	if (tok != NULL)
		n = snprintf(auth, sizeof auth, "Bearer %s", tok);
	t->req.len = 0;
	if (load_http) {
		char	 line[1024];
		int	 m;

		m = snprintf(line, sizeof line, "%s %s HTTP/1.1\r\n"
		    "Host: %s\r\nUser-Agent: fcgi-load\r\n%s%s%s"
		    "Connection: close\r\n\r\n", load_method, load_uri,
		    load_connect, tok != NULL ? "Authorization: " : "",
		    tok != NULL ? auth : "", tok != NULL ? "\r\n" : "");
		if (m > 0 && (size_t)m < sizeof line)
			wire_put(&t->req, line, (size_t)m);
		return;
	}
	t->params.len = 0;
	wire_put(&t->params, load_static_params.p, load_static_params.len);
	if (tok != NULL && n > 0 && (size_t)n < sizeof auth)
		wire_param(&t->params, "HTTP_AUTHORIZATION", 18, auth,
		    (size_t)n);
	begin[1] = (unsigned char)load_role;
	wire_record(&t->req, WIRE_BEGIN_REQUEST, begin, sizeof begin);
	wire_record(&t->req, WIRE_PARAMS, t->params.p, t->params.len);
	wire_record(&t->req, WIRE_PARAMS, NULL, 0);
	if (load_stdin)
		wire_record(&t->req, WIRE_STDIN, NULL, 0);
}

/* The status of a CGI-style header block; 200 when it has no Status. */
static int
load_cgi_status(const unsigned char *p, size_t len)
{
	size_t	 i = 0;

	while (i + 10 <= len) {
		if (strncasecmp((const char *)p + i, "Status:", 7) == 0) {
			i += 7;
			while (i < len && p[i] == ' ')
				i++;
			if (i + 3 <= len)
				return (p[i] - '0') * 100 + (p[i + 1] - '0') *
				    10 + (p[i + 2] - '0');
			return 0;
		}
		if (p[i] == '\r' || p[i] == '\n')
			break;		/* the end of the headers */
		while (i < len && p[i] != '\n')
			i++;
		i++;
	}
	return 200;
}

/*
 * Sends t->req on a new connection and reads the answer.  Returns the
 * status, or 0 when there was no complete answer.
 */
static int
load_one(struct load_thread *t)
{
	unsigned char	 head[1024];
	size_t		 hlen = 0, len, off;
	ssize_t		 n;
	int		 fd, type, status = 0;

	if ((fd = wire_connect(load_connect)) == -1)
		return 0;
	for (off = 0; off < t->req.len; off += (size_t)n) {
		n = write(fd, t->req.p + off, t->req.len - off);
		if (n <= 0)
			goto done;
	}
	if (load_http) {
		/* "HTTP/1.1 200 OK": read to the end (Connection: close). */
		while ((n = read(fd, t->body, 65536)) > 0) {
			if (hlen < sizeof head) {
				len = (size_t)n < sizeof head - hlen ?
				    (size_t)n : sizeof head - hlen;
				memcpy(head + hlen, t->body, len);
				hlen += len;
			}
		}
		if (hlen >= 12 && memcmp(head, "HTTP/1.", 7) == 0)
			status = (head[9] - '0') * 100 + (head[10] - '0') * 10 +
			    (head[11] - '0');
		goto done;
	}
	while (wire_read_record(fd, &type, t->body, &len) == 0) {
		if (type == WIRE_STDOUT && hlen < sizeof head) {
			if (len > sizeof head - hlen)
				len = sizeof head - hlen;
			memcpy(head + hlen, t->body, len);
			hlen += len;
		} else if (type == WIRE_END_REQUEST) {
			status = load_cgi_status(head, hlen);
			break;
		}
	}
done:
	close(fd);
	return status;
}

static const char *
load_pick(struct load_thread *t)
{
	if (load_ntokens == 0)
		return load_token;
	if (load_order_seq)
		return load_tokens[atomic_fetch_add(&load_seq, 1) %
		    load_ntokens];
	return load_tokens[load_random(t) % load_ntokens];
}

static void
load_count(struct load_thread *t, int status, int64_t ns)
{
	uint64_t	 us = ns > 0 ? (uint64_t)(ns + 500) / 1000 : 0;

	t->count++;
	t->hist[load_bucket(us)]++;
	switch (status) {
	case 0:		t->errors++; break;
	case 200:	t->s200++; break;
	case 401:	t->s401++; break;
	case 403:	t->s403++; break;
	case 503:	t->s503++; break;
	default:	t->sother++; break;
	}
}

static void *
load_run(void *arg)
{
	struct load_thread	*t = arg;
	int64_t			 start, end, real;
	long long		 prev;
	int			 status, recording;

	if (load_ntokens == 0)
		load_build(t, load_token);
	while (!atomic_load(&load_stop)) {
		if (load_requests > 0 &&
		    atomic_fetch_add(&load_claimed, 1) >= load_requests)
			break;
		if (load_ntokens > 0)
			load_build(t, load_pick(t));
		recording = atomic_load(&load_recording);
		start = load_now(CLOCK_MONOTONIC);
		status = load_one(t);
		end = load_now(CLOCK_MONOTONIC);
		if (recording && atomic_load(&load_recording))
			load_count(t, status, end - start);
		if (!load_watch)
			continue;
		real = load_now(CLOCK_REALTIME);
		if (t->nevents < LOAD_MAX_EVENTS) {
			t->events[t->nevents].end_ns = real;
			t->events[t->nevents].status = status;
			t->nevents++;
		}
		if (status == 200) {
			prev = atomic_load(&load_last_allow_ns);
			while (prev < real && !atomic_compare_exchange_weak(
			    &load_last_allow_ns, &prev, real))
				;
		} else if (status != 0) {
			prev = atomic_load(&load_last_refusal_ns);
			while (prev < real && !atomic_compare_exchange_weak(
			    &load_last_refusal_ns, &prev, real))
				;
		}
		if (load_interval_us > 0)
			usleep((useconds_t)load_interval_us);
	}
	return NULL;
}

static int
load_read_tokens(const char *path)
{
	FILE	*f;
	char	 line[1024];
	size_t	 cap = 0, n;

	if ((f = fopen(path, "re")) == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0)
			continue;
		if (load_ntokens == cap) {
			cap = cap ? cap * 2 : 1024;
			load_tokens = realloc(load_tokens,
			    cap * sizeof *load_tokens);
			if (load_tokens == NULL) {
				perror("realloc");
				exit(2);
			}
		}
		if ((load_tokens[load_ntokens++] = strdup(line)) == NULL) {
			perror("strdup");
			exit(2);
		}
	}
	fclose(f);
	if (load_ntokens == 0) {
		fprintf(stderr, "fcgi-load: %s: no tokens\n", path);
		return -1;
	}
	return 0;
}

static void
load_set_param(const char *name, const char *value)
{
	int	 i;

	for (i = 0; i < load_nparams; i++) {
		if (strcmp(load_params[i].name, name) == 0) {
			load_params[i].value = value;
			return;
		}
	}
	if (load_nparams == LOAD_MAX_PARAMS) {
		fprintf(stderr, "fcgi-load: too many params\n");
		exit(2);
	}
	load_params[load_nparams].name = name;
	load_params[load_nparams].value = value;
	load_nparams++;
}

/* What lighttpd 1.4 sends an authorizer for a plain GET. */
static void
load_default_params(void)
{
	load_set_param("CONTENT_LENGTH", "0");
	load_set_param("SERVER_SOFTWARE", "lighttpd/1.4.69");
	load_set_param("SERVER_NAME", "127.0.0.1");
	load_set_param("GATEWAY_INTERFACE", "CGI/1.1");
	load_set_param("SERVER_PORT", "8080");
	load_set_param("SERVER_ADDR", "127.0.0.1");
	load_set_param("REMOTE_PORT", "40000");
	load_set_param("REMOTE_ADDR", "127.0.0.1");
	load_set_param("SCRIPT_NAME", "/");
	load_set_param("PATH_INFO", "");
	load_set_param("SCRIPT_FILENAME", "/var/www/html/");
	load_set_param("DOCUMENT_ROOT", "/var/www/html");
	load_set_param("REQUEST_URI", "/");
	load_set_param("QUERY_STRING", "");
	load_set_param("REQUEST_METHOD", "GET");
	load_set_param("REDIRECT_STATUS", "200");
	load_set_param("SERVER_PROTOCOL", "HTTP/1.1");
	load_set_param("REQUEST_SCHEME", "http");
	load_set_param("HTTP_HOST", "127.0.0.1:8080");
	load_set_param("HTTP_USER_AGENT", "wrk");
	load_set_param("HTTP_ACCEPT", "*/*");
}

static int
load_usage(void)
{
	fprintf(stderr, "usage: fcgi-load --connect /path.sock|HOST:PORT "
	    "[--threads N]\n"
	    "    [--duration SECS | --requests N] [--warmup SECS]\n"
	    "    [--role authorizer|responder] [--no-stdin] [--method M] "
	    "[--uri URI]\n"
	    "    [--param NAME=VALUE]... [--token T | --tokens FILE "
	    "[--order random|seq]]\n"
	    "    [--http] [--watch [--interval-us N] [--settle-ms N]]\n");
	return 2;
}

static void
load_report(struct load_thread *th, int n, double seconds)
{
	static uint64_t	 hist[HIST_BUCKETS];
	uint64_t	 total = 0, errors = 0, s200 = 0, s401 = 0, s403 = 0;
	uint64_t	 s503 = 0, sother = 0, max = 0;
	size_t		 b;
	int		 i;

	for (i = 0; i < n; i++) {
		total += th[i].count;
		errors += th[i].errors;
		s200 += th[i].s200;
		s401 += th[i].s401;
		s403 += th[i].s403;
		s503 += th[i].s503;
		sother += th[i].sother;
		for (b = 0; b < HIST_BUCKETS; b++) {
			hist[b] += th[i].hist[b];
			if (th[i].hist[b] != 0 && load_bucket_value(b) > max)
				max = load_bucket_value(b);
		}
	}
	printf("fcgi-load: requests=%llu seconds=%.3f rps=%.0f p50_us=%llu "
	    "p90_us=%llu p99_us=%llu max_us=%llu errors=%llu s200=%llu "
	    "s401=%llu s403=%llu s503=%llu sother=%llu\n",
	    (unsigned long long)total, seconds,
	    seconds > 0 ? (double)total / seconds : 0.0,
	    (unsigned long long)load_percentile(hist, total, 50),
	    (unsigned long long)load_percentile(hist, total, 90),
	    (unsigned long long)load_percentile(hist, total, 99),
	    (unsigned long long)max, (unsigned long long)errors,
	    (unsigned long long)s200, (unsigned long long)s401,
	    (unsigned long long)s403, (unsigned long long)s503,
	    (unsigned long long)sother);
}

/*
 * --watch: the first refusal that arrived after the newest allow, over all
 * threads.
 */
static void
load_watch_report(struct load_thread *th, int n)
{
	int64_t		 last = atomic_load(&load_last_allow_ns), from = 0;
	uint64_t	 total = 0, allowed = 0, refused = 0, errors = 0;
	size_t		 k;
	int		 i;

	for (i = 0; i < n; i++) {
		for (k = 0; k < th[i].nevents; k++) {
			const struct load_event *e = &th[i].events[k];

			total++;
			if (e->status == 0) {
				errors++;
				continue;
			}
			if (e->status == 200) {
				allowed++;
				continue;
			}
			refused++;
			if (e->end_ns > last && (from == 0 || e->end_ns < from))
				from = e->end_ns;
		}
	}
	printf("fcgi-load: watch requests=%llu allowed=%llu refused=%llu "
	    "errors=%llu last_allow_ns=%lld refused_from_ns=%lld\n",
	    (unsigned long long)total, (unsigned long long)allowed,
	    (unsigned long long)refused, (unsigned long long)errors,
	    (long long)last, (long long)from);
}

int
main(int argc, char **argv)
{
	static struct load_thread th[LOAD_MAX_THREADS];
	const char	*tokens_file = NULL;
	double		 duration = 10, warmup = 0, seconds;
	int64_t		 t0, t1, deadline, start_real;
	long		 nthreads = 4, v;
	char		*eq, *end;
	int		 i;

	load_default_params();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] :
		    NULL;

		if (strcmp(a, "--no-stdin") == 0) {
			load_stdin = 0;
			continue;
		}
		if (strcmp(a, "--http") == 0) {
			load_http = 1;
			continue;
		}
		if (strcmp(a, "--watch") == 0) {
			load_watch = 1;
			continue;
		}
		if (val == NULL)
			return load_usage();
		i++;
		if (strcmp(a, "--connect") == 0)
			load_connect = val;
		else if (strcmp(a, "--threads") == 0) {
			if ((nthreads = load_number(val, 1,
			    LOAD_MAX_THREADS)) == -1)
				return load_usage();
		} else if (strcmp(a, "--duration") == 0 ||
		    strcmp(a, "--warmup") == 0) {
			double d = strtod(val, &end);

			if (*end != '\0' || end == val || d < 0 || d > 86400)
				return load_usage();
			if (a[2] == 'd')
				duration = d;
			else
				warmup = d;
		} else if (strcmp(a, "--requests") == 0) {
			if ((load_requests = load_number(val, 1,
			    LONG_MAX / 2)) == -1)
				return load_usage();
		} else if (strcmp(a, "--role") == 0) {
			if (strcmp(val, "authorizer") == 0)
				load_role = WIRE_ROLE_AUTHORIZER;
			else if (strcmp(val, "responder") == 0)
				load_role = WIRE_ROLE_RESPONDER;
			else
				return load_usage();
		} else if (strcmp(a, "--method") == 0) {
			load_method = val;
			load_set_param("REQUEST_METHOD", val);
		} else if (strcmp(a, "--uri") == 0) {
			load_uri = val;
			load_set_param("REQUEST_URI", val);
			load_set_param("SCRIPT_NAME", val);
		} else if (strcmp(a, "--param") == 0) {
			if ((eq = strchr(argv[i], '=')) == NULL)
				return load_usage();
			*eq = '\0';
			load_set_param(argv[i], eq + 1);
		} else if (strcmp(a, "--token") == 0)
			load_token = val;
		else if (strcmp(a, "--tokens") == 0)
			tokens_file = val;
		else if (strcmp(a, "--order") == 0) {
			if (strcmp(val, "seq") == 0)
				load_order_seq = 1;
			else if (strcmp(val, "random") != 0)
				return load_usage();
		} else if (strcmp(a, "--interval-us") == 0) {
			if ((load_interval_us = load_number(val, 0,
			    10000000)) == -1)
				return load_usage();
		} else if (strcmp(a, "--settle-ms") == 0) {
			if ((v = load_number(val, 1, 600000)) == -1)
				return load_usage();
			load_settle_ms = v;
		} else
			return load_usage();
	}
	if (load_connect == NULL || (load_token != NULL && tokens_file != NULL))
		return load_usage();
	if (tokens_file != NULL && load_read_tokens(tokens_file) == -1)
		return 2;
	for (i = 0; i < load_nparams; i++)
		wire_param(&load_static_params, load_params[i].name,
		    strlen(load_params[i].name), load_params[i].value,
		    strlen(load_params[i].value));
	signal(SIGPIPE, SIG_IGN);

	t0 = load_now(CLOCK_MONOTONIC);
	for (i = 0; i < nthreads; i++) {
		th[i].index = i;
		th[i].rng = (uint64_t)t0 ^ ((uint64_t)(i + 1) << 32) ^
		    (uint64_t)getpid();
		if (th[i].rng == 0)
			th[i].rng = 1;
		th[i].body = malloc(65536);
		th[i].hist = calloc(HIST_BUCKETS, sizeof *th[i].hist);
		if (load_watch)
			th[i].events = malloc(LOAD_MAX_EVENTS *
			    sizeof *th[i].events);
		if (th[i].body == NULL || th[i].hist == NULL ||
		    (load_watch && th[i].events == NULL)) {
			perror("malloc");
			return 2;
		}
	}
	atomic_store(&load_recording, warmup == 0 || load_requests > 0);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&th[i].tid, NULL, load_run, &th[i]) != 0) {
			perror("pthread_create");
			return 2;
		}
	}

	if (load_requests > 0) {
		for (i = 0; i < nthreads; i++)
			pthread_join(th[i].tid, NULL);
		seconds = (double)(load_now(CLOCK_MONOTONIC) - t0) / 1e9;
		load_report(th, (int)nthreads, seconds);
		return 0;
	}
	if (warmup > 0) {
		usleep((useconds_t)(warmup * 1e6));
		atomic_store(&load_recording, 1);
	}
	t0 = load_now(CLOCK_MONOTONIC);
	start_real = load_now(CLOCK_REALTIME);
	deadline = t0 + (int64_t)(duration * 1e9);
	for (;;) {
		t1 = load_now(CLOCK_MONOTONIC);
		if (t1 >= deadline)
			break;
		if (load_watch) {
			int64_t now = load_now(CLOCK_REALTIME);
			int64_t last = atomic_load(&load_last_allow_ns);
			int64_t ref = atomic_load(&load_last_refusal_ns);

			/* Only refusals since the last allow, for long enough. */
			if (ref > last && now - (last > 0 ? last : start_real) >=
			    (int64_t)load_settle_ms * 1000000)
				break;
		}
		usleep(deadline - t1 > 20000000 ? 20000 :
		    (useconds_t)((deadline - t1) / 1000 + 1));
	}
	atomic_store(&load_recording, 0);
	t1 = load_now(CLOCK_MONOTONIC);
	atomic_store(&load_stop, 1);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i].tid, NULL);
	if (load_watch)
		load_watch_report(th, (int)nthreads);
	else
		load_report(th, (int)nthreads, (double)(t1 - t0) / 1e9);
	return 0;
}
