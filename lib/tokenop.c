/*
 * tokenop.c: creating and rotating tokens.
 *
 * The keyed hash lives on this function's stack for the length of one
 * insert and is wiped before returning; the secret lives in the caller's
 * struct tg_token, which is wiped here on every failure.
 */
#include "tokenop.h"

#include <string.h>

#include <openssl/crypto.h>

#define CREATE_TRIES	3

/* A new secret for id (NULL: a new id too) and its keyed hash. */
static int
make_secret(struct tg_hmac *h, const char *prefix, const char *id,
    struct tg_token *tok, unsigned char hash[TG_HMAC_LEN])
{
	tg_token_wipe(tok);
	if (tg_token_generate(prefix, id, tok) != 0 ||
	    tg_hmac_compute(h, tok->text, tok->len, hash) != 0) {
		tg_token_wipe(tok);
		return TG_TOKENOP_NO_SECRET;
	}
	return 0;
}

int
tg_tokenop_create(struct tg_store *s, struct tg_hmac *h, const char *prefix,
    struct tg_new_token *nt, struct tg_audit *a, struct tg_token *tok)
{
	unsigned char hash[TG_HMAC_LEN];
	int rc = TG_STORE_CONFLICT, tries;

	for (tries = 0; tries < CREATE_TRIES && rc == TG_STORE_CONFLICT;
	    tries++) {
		if ((rc = make_secret(h, prefix, NULL, tok, hash)) != 0)
			break;
		nt->id = tok->id;
		nt->hash = hash;
		a->target_token_id = tok->id;
		rc = tg_store_token_insert(s, nt, a);
	}
	OPENSSL_cleanse(hash, sizeof hash);
	nt->id = NULL;
	nt->hash = NULL;
	if (rc != TG_STORE_OK)
		tg_token_wipe(tok);
	return rc;
}

int
tg_tokenop_rotate(struct tg_store *s, struct tg_hmac *h, const char *prefix,
    const char *id, int64_t grace_until, int64_t now,
    const struct tg_audit *a, struct tg_token *tok)
{
	unsigned char hash[TG_HMAC_LEN];
	int rc;

	if ((rc = make_secret(h, prefix, id, tok, hash)) == 0)
		rc = tg_store_token_rotate(s, id, hash, grace_until, now, a);
	OPENSSL_cleanse(hash, sizeof hash);
	if (rc != TG_STORE_OK)
		tg_token_wipe(tok);
	return rc;
}
