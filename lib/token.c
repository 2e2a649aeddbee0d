/*
 * token.c: generating and checking bearer tokens without any I/O.
 *
 * The id travels in the token so the store can find the row by a public key
 * and then compare the keyed hash of the whole token in constant time; the
 * secret never appears in a WHERE clause.  The CRC32 check digits cost
 * nothing and let us refuse typos, truncations and random probes before any
 * database or cache work, which also keeps a flood of junk cheap.
 */
#include "token.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

static const char b62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int
is_b62(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

int
tg_token_prefix_valid(const char *prefix)
{
	size_t i, n;

	if (prefix == NULL)
		return 0;
	n = strlen(prefix);
	if (n == 0 || n > TG_TOKEN_PREFIX_MAX)
		return 0;
	if (prefix[0] < 'a' || prefix[0] > 'z')
		return 0;
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)prefix[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int
tg_token_id_valid(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len != TG_TOKEN_ID_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_b62((unsigned char)s[i]))
			return 0;
	return 1;
}

uint32_t
tg_token_crc32(const void *buf, size_t len)
{
	/*
	 * Four bits at a time with a 16-entry table (the CRC of each nibble
	 * under the reflected polynomial 0xEDB88320): a quarter of the work
	 * of the bitwise loop for 64 bytes of constant data, and no table to
	 * build or share between threads.  A rejected token costs little
	 * more than this.
	 */
	static const uint32_t nib[16] = {
		0x00000000U, 0x1DB71064U, 0x3B6E20C8U, 0x26D930ACU,
		0x76DC4190U, 0x6B6B51F4U, 0x4DB26158U, 0x5005713CU,
		0xEDB88320U, 0xF00F9344U, 0xD6D6A3E8U, 0xCB61B38CU,
		0x9B64C2B0U, 0x86D3D2D4U, 0xA00AE278U, 0xBDBDF21CU,
	};
	const unsigned char *p = buf;
	uint32_t c = 0xFFFFFFFFU;
	size_t i;

	for (i = 0; i < len; i++) {
		c ^= p[i];
		c = (c >> 4) ^ nib[c & 0xFU];
		c = (c >> 4) ^ nib[c & 0xFU];
	}
	return c ^ 0xFFFFFFFFU;
}

static void
check_digits(const char *s, size_t len, char out[TG_TOKEN_CHECK_LEN])
{
	uint32_t v = tg_token_crc32(s, len);
	int i;

	/* 62^6 > 2^32, so six digits always hold the whole CRC. */
	for (i = TG_TOKEN_CHECK_LEN - 1; i >= 0; i--) {
		out[i] = b62[v % 62];
		v /= 62;
	}
}

/* Fills out with n uniformly distributed base62 chars from RAND_bytes. */
static int
random_b62(char *out, size_t n)
{
	unsigned char buf[64];
	size_t have = 0, i;

	while (have < n) {
		if (RAND_bytes(buf, sizeof buf) != 1)
			return -1;
		/* Rejection sampling: 248 = 4 * 62 keeps the modulo unbiased. */
		for (i = 0; i < sizeof buf && have < n; i++)
			if (buf[i] < 248)
				out[have++] = b62[buf[i] % 62];
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return 0;
}

int
tg_token_generate(const char *prefix, const char *id, struct tg_token *out)
{
	size_t plen, off;

	memset(out, 0, sizeof *out);
	if (!tg_token_prefix_valid(prefix))
		return -1;
	if (id != NULL && !tg_token_id_valid(id, strlen(id)))
		return -1;
	plen = strlen(prefix);
	memcpy(out->text, prefix, plen);
	out->text[plen] = '_';
	off = plen + 1;
	if (id != NULL)
		memcpy(out->text + off, id, TG_TOKEN_ID_LEN);
	else if (random_b62(out->text + off, TG_TOKEN_ID_LEN) != 0)
		goto fail;
	memcpy(out->id, out->text + off, TG_TOKEN_ID_LEN);
	off += TG_TOKEN_ID_LEN;
	if (random_b62(out->text + off, TG_TOKEN_SECRET_LEN) != 0)
		goto fail;
	off += TG_TOKEN_SECRET_LEN;
	check_digits(out->text, off, out->text + off);
	off += TG_TOKEN_CHECK_LEN;
	out->text[off] = '\0';
	out->len = off;
	return 0;
fail:
	tg_token_wipe(out);
	return -1;
}

enum tg_token_status
tg_token_parse(const char *s, size_t len, const char *prefix,
    struct tg_token *out)
{
	char want[TG_TOKEN_CHECK_LEN];
	size_t plen, i;

	memset(out, 0, sizeof *out);
	if (s == NULL || prefix == NULL)
		return TG_TOKEN_MALFORMED;
	plen = strlen(prefix);
	if (len != plen + 1 + TG_TOKEN_BODY_LEN || len > TG_TOKEN_MAX_LEN)
		return TG_TOKEN_MALFORMED;
	if (memcmp(s, prefix, plen) != 0 || s[plen] != '_')
		return TG_TOKEN_MALFORMED;
	for (i = plen + 1; i < len; i++)
		if (!is_b62((unsigned char)s[i]))
			return TG_TOKEN_MALFORMED;
	check_digits(s, len - TG_TOKEN_CHECK_LEN, want);
	/* The check digits are not secret; a plain compare is fine here. */
	if (memcmp(want, s + len - TG_TOKEN_CHECK_LEN, TG_TOKEN_CHECK_LEN) != 0)
		return TG_TOKEN_BAD_CHECKSUM;
	memcpy(out->text, s, len);
	out->text[len] = '\0';
	out->len = len;
	memcpy(out->id, s + plen + 1, TG_TOKEN_ID_LEN);
	out->id[TG_TOKEN_ID_LEN] = '\0';
	return TG_TOKEN_OK;
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int
tg_token_from_authorization(const char *hdr, const char **tok, size_t *len)
{
	static const char scheme[] = "bearer";
	const char *p, *end;
	size_t i;

	*tok = NULL;
	*len = 0;
	if (hdr == NULL)
		return 0;
	for (i = 0; i < sizeof scheme - 1; i++)
		if (hdr[i] == '\0' || lower((unsigned char)hdr[i]) != scheme[i])
			return 0;
	p = hdr + i;
	if (*p != ' ')
		return 0;
	while (*p == ' ')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*tok = p;
	*len = (size_t)(end - p);
	return 1;
}

int
tg_token_display(const char *prefix, const char *id, char *out, size_t outsz)
{
	size_t plen = strlen(prefix), ilen = strlen(id);

	if (plen + 1 + ilen + 1 > outsz)
		return -1;
	memcpy(out, prefix, plen);
	out[plen] = '_';
	memcpy(out + plen + 1, id, ilen);
	out[plen + 1 + ilen] = '\0';
	return 0;
}

void
tg_token_redact(char *s, const char *prefix)
{
	size_t plen = strlen(prefix), n;
	char *p = s;

	if (plen == 0)
		return;
	while ((p = strstr(p, prefix)) != NULL) {
		p += plen;
		if (*p != '_')
			continue;
		p++;
		for (n = 0; is_b62((unsigned char)p[n]); n++)
			if (n >= TG_TOKEN_ID_LEN)
				p[n] = '*';
		p += n;
	}
}

void
tg_token_wipe(struct tg_token *t)
{
	OPENSSL_cleanse(t, sizeof *t);
}

const char *
tg_token_status_str(enum tg_token_status st)
{
	switch (st) {
	case TG_TOKEN_OK:
		return "ok";
	case TG_TOKEN_MALFORMED:
		return "malformed token";
	case TG_TOKEN_BAD_CHECKSUM:
		return "bad token checksum";
	}
	return "unknown";
}
