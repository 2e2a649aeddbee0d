/* libFuzzer target: the configuration parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_config c;
	char err[512];

	tg_config_defaults(&c);
	if (tg_config_parse(&c, "fuzz.conf", (const char *)data, size, err,
	    sizeof err) == 0) {
		/* Whatever is accepted must hold its invariants. */
		if (c.db_port < 1 || c.db_port > 65535 ||
		    c.max_expiry_days < 1 || c.max_expiry_days > 365 ||
		    memchr(c.db_host, '\0', sizeof c.db_host) == NULL)
			return -1;
	} else if (strncmp(err, "fuzz.conf:", 10) != 0) {
		/* Every error names the file and line. */
		return -1;
	}
	return 0;
}
