/*
 * migrations.h: the numbered SQL migrations from schema/, compiled in.
 *
 * The table is generated at build time by scripts/embed-sql.sh.  Each entry
 * is one file; statements inside it end with a ';' at the end of a line,
 * which is how tg_store_migrate() splits them.
 */
#ifndef TG_MIGRATIONS_H
#define TG_MIGRATIONS_H

struct tg_migration {
	unsigned	 version;	/* leading number of the file name */
	const char	*name;		/* file name without ".sql" */
	const char	*sql;		/* whole file text, static storage */
};

extern const struct tg_migration tg_migrations[];
extern const unsigned tg_migrations_count;

#endif /* TG_MIGRATIONS_H */
