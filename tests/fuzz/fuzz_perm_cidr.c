/* libFuzzer target: permission sets, their intersection, and CIDRs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "perm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_perm_set a = { 0 }, b = { 0 }, x = { 0 };
	struct tg_cidr c;
	size_t half = size / 2, i;
	char err[256], *s;

	if (tg_perm_parse((const char *)data, half, &a, err, sizeof err) == 0 &&
	    tg_perm_parse((const char *)data + half, size - half, &b, err,
	    sizeof err) == 0 && tg_perm_intersect(&a, &b, &x) == 0) {
		/* The intersection grants nothing either side lacks. */
		for (i = 0; i < x.n; i++)
			if (!tg_perm_covers(&a, x.items[i]) ||
			    !tg_perm_covers(&b, x.items[i]))
				abort();
	}
	tg_perm_set_free(&a);
	tg_perm_set_free(&b);
	tg_perm_set_free(&x);
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (tg_cidr_parse(s, size, &c, err, sizeof err) == 0)
		(void)tg_cidr_match(&c, "10.1.2.3");
	(void)tg_cidr_list_match(s, size, "2001:db8::1");
	free(s);
	return 0;
}
