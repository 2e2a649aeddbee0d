/*
 * echo-backend: a FastCGI responder that echoes its environment.
 *
 *	echo-backend [--listen HOST:PORT | --listen /path.sock] [--threads N]
 *
 * It answers every request with 200, Content-Type text/plain and one
 * "NAME=value" line per FastCGI parameter, in the order received.  It
 * stands for the application each web server protects, so the tests can
 * see what reached it: REMOTE_USER and the authorizer's other Variables,
 * or the Authorization header.
 */
#include "fcgi_tool.h"

static void
echo_handle(FCGX_Request *r)
{
	char	**e;

	FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n", r->out);
	for (e = r->envp; *e != NULL; e++) {
		FCGX_PutS(*e, r->out);
		FCGX_PutChar('\n', r->out);
	}
}

int
main(int argc, char **argv)
{
	struct tool	 t = {
		.name = "echo-backend",
		.usage = "",
		.handle = echo_handle,
		.option = NULL,
	};

	return tool_main(&t, argc, argv);
}
