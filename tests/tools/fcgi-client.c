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
#include "fcgi_wire.h"
#include "text.h"

#define MAX_PARAMS	20000

int
main(int argc, char **argv)
{
	struct wire_buf out = { 0 }, params = { 0 };
	unsigned char begin[8] = { 0, 2, 0, 0, 0, 0, 0, 0 }, *body;
	const char *spec = NULL, *stdin_body = NULL;
	long many = 0, i;
	int fd, type, done = 0;
	size_t off, len;
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
				wire_param(&params, v, (size_t)(eq - v), eq + 1,
				    strlen(eq + 1));
				continue;
			}
			vl = strlen(eq + 1) / 2;
			val = malloc(vl + 1);
			for (k = 0; val != NULL && k < vl; k++) {
				int hi = tg_text_hexval(eq[1 + 2 * k]);
				int lo = tg_text_hexval(eq[2 + 2 * k]);

				if (hi < 0 || lo < 0) {
					fprintf(stderr, "bad hex in %s\n", v);
					return 2;
				}
				val[k] = (char)(hi * 16 + lo);
			}
			wire_param(&params, v, (size_t)(eq - v), val, vl);
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

		wire_param(&params, name, (size_t)nl, "filler", 6);
	}
	wire_record(&out, WIRE_BEGIN_REQUEST, begin, sizeof begin);
	if (params.len > 0)
		wire_record(&out, WIRE_PARAMS, params.p, params.len);
	wire_record(&out, WIRE_PARAMS, NULL, 0);
	if (stdin_body != NULL && stdin_body[0] != '\0')
		wire_record(&out, WIRE_STDIN, stdin_body, strlen(stdin_body));
	wire_record(&out, WIRE_STDIN, NULL, 0);		/* empty STDIN */
	if ((fd = wire_connect(spec)) == -1) {
		perror(spec);
		return 2;
	}
	for (off = 0; off < out.len; off += (size_t)n) {
		n = write(fd, out.p + off, out.len - off);
		if (n <= 0) {
			/* The peer may refuse early; read what it said. */
			break;
		}
	}
	shutdown(fd, SHUT_WR);
	if ((body = malloc(65536)) == NULL) {
		perror("malloc");
		return 2;
	}
	while (wire_read_record(fd, &type, body, &len) == 0) {
		if (type == WIRE_STDOUT)
			fwrite(body, 1, len, stdout);
		else if (type == WIRE_STDERR)
			fwrite(body, 1, len, stderr);
		else if (type == WIRE_END_REQUEST) {
			done = 1;
			break;
		}
	}
	close(fd);
	free(body);
	free(out.p);
	free(params.p);
	return done ? 0 : 1;
}
