/*
 * store_migrate.c: brings the schema up to the migrations compiled in.
 *
 * The SQL files of schema/ are embedded at build time (migrations.h), so
 * an installed tokengate migrates to exactly the schema its own code
 * expects.  Kept apart from the rest of the store because it is the only
 * code that runs DDL and the only user of that table, and because only
 * the CLI calls it.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrations.h"

/* Returns the next statement of sql (split at ';' ending a line). */
static const char *
next_statement(const char *p, char *buf, size_t bufsz, size_t *outlen)
{
	size_t n = 0;
	const char *eol;

	*outlen = 0;
	while (*p != '\0') {
		size_t ll;
		const char *q, *e;

		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		ll = (size_t)(eol - p);
		q = p;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		e = eol;
		while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		p = *eol ? eol + 1 : eol;
		if (q == e || (e - q >= 2 && q[0] == '-' && q[1] == '-'))
			continue;
		if (n + ll + 2 > bufsz)
			return NULL;
		memcpy(buf + n, q, (size_t)(e - q));
		n += (size_t)(e - q);
		if (e[-1] == ';') {
			buf[n - 1] = '\0';
			*outlen = n - 1;
			return p;
		}
		buf[n++] = '\n';
	}
	buf[n] = '\0';
	*outlen = n;
	return p;
}

int
tg_store_migrate(struct tg_store *s, unsigned *from, unsigned *to)
{
	static const char lock_name[] = "tokengate.migrate";
	struct prm lp[2] = { PSTR(lock_name), PI64(30) };
	struct prm up[1] = { PSTR(lock_name) };
	long long v = 0, got = 0;
	unsigned i, cur;
	int rc, found;
	char *buf;

	*from = *to = 0;
	rc = tg_store_run(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version INT UNSIGNED NOT NULL PRIMARY KEY,"
	    " name VARCHAR(128) NOT NULL,"
	    " applied_at DATETIME NOT NULL) ENGINE=InnoDB", NULL, 0, NULL);
	if (rc != TG_STORE_OK)
		return rc;
	rc = tg_store_query_i64(s, "SELECT GET_LOCK(?, ?)", lp, 2, &got,
	    &found);
	if (rc != TG_STORE_OK)
		return rc;
	if (!found || got != 1) {
		snprintf(s->err, sizeof s->err, "another migration is running "
		    "(lock %s held for 30 s)", lock_name);
		return TG_STORE_ERROR;
	}
	rc = tg_store_query_i64(s, "SELECT MAX(version) FROM "
	    "schema_migrations", NULL, 0, &v, &found);
	if (rc != TG_STORE_OK)
		goto out;
	cur = found ? (unsigned)v : 0;
	*from = *to = cur;
	buf = malloc(1 << 16);
	if (buf == NULL) {
		rc = TG_STORE_ERROR;
		goto out;
	}
	for (i = 0; i < tg_migrations_count; i++) {
		const struct tg_migration *m = &tg_migrations[i];
		const char *p = m->sql;
		size_t len;

		if (m->version <= cur)
			continue;
		while (*p != '\0') {
			p = next_statement(p, buf, 1 << 16, &len);
			if (p == NULL) {
				snprintf(s->err, sizeof s->err, "%s: statement "
				    "too long", m->name);
				rc = TG_STORE_ERROR;
				break;
			}
			if (len == 0)
				continue;
			rc = tg_store_run(s, buf, NULL, 0, NULL);
			if (rc != TG_STORE_OK) {
				char e[sizeof s->err];

				memcpy(e, s->err, sizeof e);
				snprintf(s->err, sizeof s->err, "migration %s "
				    "failed (earlier statements of it may be "
				    "applied; MariaDB commits DDL at once): %.300s",
				    m->name, e);
				break;
			}
		}
		if (rc != TG_STORE_OK)
			break;
		{
			struct prm mp[2] = { PU64(m->version), PSTR(m->name) };

			rc = tg_store_run(s, "INSERT INTO schema_migrations "
			    "(version, name, applied_at) VALUES (?, ?, "
			    "UTC_TIMESTAMP())", mp, 2, NULL);
		}
		if (rc != TG_STORE_OK)
			break;
		*to = m->version;
	}
	free(buf);
out:
	if (s->db != NULL)
		tg_store_query_i64(s, "SELECT RELEASE_LOCK(?)", up, 1, &got,
		    &found);
	return rc;
}
