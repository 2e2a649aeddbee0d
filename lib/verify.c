/*
 * verify.c: the request path shared by every program.
 */
#include "verify.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "token.h"

int
tg_verify(struct tg_verifier *v, const char *authorization,
    const struct tg_request *req, int64_t now, struct tg_decision *d,
    struct tg_grant **grant)
{
	unsigned char digest[TG_HMAC_LEN];
	char id[TG_TOKEN_ID_LEN + 1];
	struct tg_record rec;
	struct tg_token tok;
	struct tg_grant *g;
	const char *raw;
	size_t len;
	char err[256];
	int rc;

	if (grant != NULL)
		*grant = NULL;
	if (!tg_token_from_authorization(authorization, &raw, &len))
		return tg_policy_refuse(TG_MISSING, d);
	/* Shape and checksum first: junk never costs a hash or a query. */
	if (len > TG_TOKEN_MAX_LEN || tg_token_parse(raw, len,
	    v->cfg->token_prefix, &tok) != TG_TOKEN_OK)
		return tg_policy_refuse(TG_MALFORMED, d);
	memcpy(id, tok.id, sizeof id);
	rc = tg_hmac_compute(v->hmac, tok.text, tok.len, digest);
	tg_token_wipe(&tok);
	if (rc != 0) {
		tg_policy_refuse(TG_UNAVAILABLE, d);
		snprintf(d->detail, sizeof d->detail, "HMAC computation failed");
		return d->status;
	}
	rc = tg_store_lookup(v->store, id, &rec);
	if (rc == TG_STORE_NOT_FOUND) {
		tg_policy_refuse(TG_NOT_FOUND, d);
		memcpy(d->token_id, id, sizeof id);
		return d->status;
	}
	if (rc != TG_STORE_OK) {
		tg_policy_refuse(TG_UNAVAILABLE, d);
		memcpy(d->token_id, id, sizeof id);
		snprintf(d->detail, sizeof d->detail, "%s",
		    tg_store_error(v->store));
		return d->status;
	}
	g = tg_grant_build(&rec, err, sizeof err);
	tg_record_free(&rec);
	if (g == NULL) {
		/* Stored data we cannot read: refuse to guess. */
		tg_policy_refuse(TG_UNAVAILABLE, d);
		memcpy(d->token_id, id, sizeof id);
		snprintf(d->detail, sizeof d->detail, "token %s: stored data "
		    "is invalid: %s", id, err);
		return d->status;
	}
	tg_policy_decide(g, digest, req, now, d);
	memcpy(d->token_id, id, sizeof id);
	/*
	 * The current secret matched while an old one was still in its
	 * rotation grace: the new secret is in use, so the old one ends now
	 * rather than at the end of the grace.  The UPDATE only matches while
	 * the grace is set and this secret is still the current one, so it
	 * runs once per rotation in practice and racing threads are harmless.
	 * Its result is deliberately ignored: the decision stands either way,
	 * and if the write fails (a database hiccup, a read-only replica) the
	 * old secret merely lives to the end of its grace, which the
	 * rotation already allowed.
	 */
	if (d->used_new_secret)
		(void)tg_store_token_clear_prev(v->store, id, digest);
	OPENSSL_cleanse(digest, sizeof digest);
	if (d->status == 200 && grant != NULL)
		*grant = g;
	else
		tg_grant_free(g);
	return d->status;
}
