/*
 * null-authz: a FastCGI authorizer that decides nothing.
 *
 *	null-authz [--listen HOST:PORT | --listen /path.sock] [--threads N]
 *	    [--status CODE] [--verbose] [--close linger|plain|drain]
 *
 * It answers every request with "Status: 200" and the Variables
 * REMOTE_USER=nulluser and TOKENGATE_TOKEN_ID=null, so that the tests can
 * prove the web server wiring before the real authorizer exists; it is also
 * the benchmark baseline (the FastCGI round trip with no work), so it stays
 * minimal.  More Variables report what it saw:
 *	TG_SAW_AUTH=yes		HTTP_AUTHORIZATION was present
 *	TG_SAW_REQUIRE=value	the per-location TOKENGATE_REQUIRE setting
 *	TG_SAW_CONFIG=path	its own environment's TOKENGATE_CONFIG (as set
 *				by mod_fcgid's FcgidInitialEnv)
 *
 * With --status CODE (not 200) it denies with that status, a
 * `WWW-Authenticate: Bearer` header and a small JSON body, to test what each
 * server passes on to the client.
 *
 * A request header "X-Null-Authz-Status: CODE" overrides --status for that
 * request, so one running instance can show how a server passes each
 * denial (this is a test tool: never let clients choose like this).
 *
 * In the RESPONDER role (nginx auth_request) it answers the same status
 * with X-Tokengate-* headers instead of Variables and an empty body.
 *
 * --verbose prints each request's role and parameters to stderr (the
 * Authorization value is replaced by its length).
 *
 * --close chooses how a connection is finished, for the benchmark
 * (tests/bench/profile.sh):
 *	linger	libfcgi's default, as tokengate-authz does it: FCGX_Finish_r
 *		calls shutdown(SHUT_WR), then poll() and read() until the web
 *		server has closed its end (up to 2 s), then close();
 *	plain	FCGX_Detach() before the finish, so that libfcgi only calls
 *		close() once the reply is written (unless the server asked to
 *		keep the connection, FCGI_KEEP_CONN);
 *	drain	tokengate-authz's own finish, tg_fcgi_end_request() in
 *		fcgi/fcgi_common.c: FCGX_Detach() (so a plain close()) once
 *		libfcgi has delivered the end of FCGI_STDIN without waiting,
 *		else the lingering close.
 */
#include "fcgi_tool.h"

#include "../../fcgi/fcgi_common.h"

static int	 null_status = 200;
static int	 null_verbose;
static enum { CLOSE_LINGER, CLOSE_PLAIN, CLOSE_DRAIN } null_close;
static char	 null_saw_config[300];	/* "Variable-TG_SAW_CONFIG: ...\r\n" */

/*
 * The reason phrase matters: mod_fcgid passes a bare "Status: 401" to the
 * client as "401 Unknown Reason".
 */
static const char *
null_reason(int code)
{
	switch (code) {
	case 200:	return " OK";
	case 400:	return " Bad Request";
	case 401:	return " Unauthorized";
	case 403:	return " Forbidden";
	case 404:	return " Not Found";
	case 429:	return " Too Many Requests";
	case 500:	return " Internal Server Error";
	case 502:	return " Bad Gateway";
	case 503:	return " Service Unavailable";
	default:	return "";
	}
}

static int
null_option(int argc, char **argv, int *i)
{
	long	 v;

	if (strcmp(argv[*i], "--verbose") == 0) {
		null_verbose = 1;
		return 1;
	}
	if (strcmp(argv[*i], "--close") == 0 && *i + 1 < argc) {
		const char *m = argv[++*i];

		if (strcmp(m, "linger") == 0)
			null_close = CLOSE_LINGER;
		else if (strcmp(m, "plain") == 0)
			null_close = CLOSE_PLAIN;
		else if (strcmp(m, "drain") == 0)
			null_close = CLOSE_DRAIN;
		else
			return -1;
		return 1;
	}
	if (strcmp(argv[*i], "--status") != 0 || *i + 1 >= argc)
		return 0;
	if ((v = tool_number(argv[++*i], 100, 599)) == -1)
		return -1;
	null_status = (int)v;
	return 1;
}

/* A value may be echoed in a header only if it cannot break the header. */
static int
null_header_safe(const char *s)
{
	return s != NULL && strlen(s) < 200 && strpbrk(s, "\r\n") == NULL;
}

static void
null_dump(const FCGX_Request *r)
{
	char	**e;

	flockfile(stderr);
	fprintf(stderr, "null-authz: role=%d\n", r->role);
	for (e = r->envp; *e != NULL; e++) {
		if (strncmp(*e, "HTTP_AUTHORIZATION=", 19) == 0)
			fprintf(stderr, "  HTTP_AUTHORIZATION=<%zu bytes>\n",
			    strlen(*e + 19));
		else
			fprintf(stderr, "  %s\n", *e);
	}
	funlockfile(stderr);
}

/*
 * Sets up how the next FCGX_Accept_r() finishes this request (--close).
 */
/*
 * Finishes the request as --close says.  FCGX_Accept_r() would finish it
 * itself; finishing here first leaves it nothing to do.
 */
static void
null_finish_mode(FCGX_Request *r)
{
	if (null_close == CLOSE_DRAIN) {
		tg_fcgi_end_request(r);
		return;
	}
	/*
	 * Only when the connection ends with this request: a server that
	 * keeps it (FCGI_KEEP_CONN) may already have sent the next request.
	 */
	if (null_close == CLOSE_PLAIN && !r->keepConnection)
		FCGX_Detach(r);
}

static void
null_handle(FCGX_Request *r)
{
	const char	*want, *require;
	char		 buf[1024], body[128] = "", saw_require[256] = "";
	int		 authz, n, status = null_status;
	long		 v;

	if (null_verbose)
		null_dump(r);
	authz = r->role == TOOL_ROLE_AUTHORIZER;
	want = FCGX_GetParam("HTTP_X_NULL_AUTHZ_STATUS", r->envp);
	if (want != NULL && (v = tool_number(want, 100, 599)) != -1)
		status = (int)v;

	if (status != 200) {
		/* The RESPONDER role (nginx auth_request) gets no body. */
		if (authz)
			snprintf(body, sizeof body,
			    "{\"error\":\"invalid_token\",\"status\":%d}\n",
			    status);
		n = snprintf(buf, sizeof buf, "Status: %d%s\r\n"
		    "WWW-Authenticate: Bearer realm=\"tokengate\", "
		    "error=\"invalid_token\"\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s",
		    status, null_reason(status), strlen(body), body);
	} else if (authz) {
		require = FCGX_GetParam("TOKENGATE_REQUIRE", r->envp);
		if (null_header_safe(require))
			snprintf(saw_require, sizeof saw_require,
			    "Variable-TG_SAW_REQUIRE: %s\r\n", require);
		n = snprintf(buf, sizeof buf, "Status: 200 OK\r\n"
		    "Variable-REMOTE_USER: nulluser\r\n"
		    "Variable-TOKENGATE_TOKEN_ID: null\r\n"
		    "%s%s%s\r\n",
		    FCGX_GetParam("HTTP_AUTHORIZATION", r->envp) != NULL ?
		    "Variable-TG_SAW_AUTH: yes\r\n" : "",
		    saw_require, null_saw_config);
	} else {
		n = snprintf(buf, sizeof buf, "Status: 200 OK\r\n"
		    "X-Tokengate-User: nulluser\r\n"
		    "X-Tokengate-Token-Id: null\r\n"
		    "Content-Length: 0\r\n\r\n");
	}
	if (n > 0 && (size_t)n < sizeof buf)
		FCGX_PutStr(buf, n, r->out);
	null_finish_mode(r);
}

int
main(int argc, char **argv)
{
	const char	*config = getenv("TOKENGATE_CONFIG");
	struct tool	 t = {
		.name = "null-authz",
		.usage = " [--status CODE] [--verbose] "
		    "[--close linger|plain|drain]",
		.handle = null_handle,
		.option = null_option,
	};

	if (null_header_safe(config))
		snprintf(null_saw_config, sizeof null_saw_config,
		    "Variable-TG_SAW_CONFIG: %s\r\n", config);
	return tool_main(&t, argc, argv);
}
