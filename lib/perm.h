/*
 * perm.h: permission sets with wildcards (seed 002).
 *
 * A permission (or grant) is "resource:action", "resource:*" or "*".
 * resource and action are 1..64 of A-Z a-z 0-9 _ . - and are compared
 * case-sensitively.  "*" covers everything, "r:*" covers "r:*" and every
 * "r:action", and "r:a" covers only itself.
 *
 * A token's effective permissions are its grants intersected with its
 * owner's current role permissions, so that a downgraded owner's tokens
 * shrink at once.  The intersection is wildcard-aware: meet("*", x) = x,
 * meet("a:*", "a:b") = "a:b", meet("a:*", "a:*") = "a:*", meet(x, x) = x,
 * and otherwise nothing.  The result is the union of all pairwise meets,
 * without entries covered by another entry, sorted and deduplicated.
 *
 * Stored form: permissions separated by whitespace (' ', '\t', '\r' or
 * '\n', any number).  At most TG_PERM_MAX per set.
 */
#ifndef TG_PERM_H
#define TG_PERM_H

#include <stddef.h>

#define TG_PERM_MAX		1024	/* permissions per set */
#define TG_PERM_NAME_MAX	64	/* bytes per resource or action */
#define TG_PERM_LEN_MAX		(2 * TG_PERM_NAME_MAX + 1)

/*
 * A set of permissions: items are NUL-terminated, owned by the set, sorted
 * by strcmp() and without duplicates.  Start from { NULL, 0 }; only the
 * functions below fill it, so those properties hold.  A filled set is
 * read-only and may be shared between threads.
 */
struct tg_perm_set {
	char	**items;
	size_t	  n;
};

/* Returns 1 when p (len bytes) is a valid permission, else 0.  Pure. */
int	tg_perm_valid(const char *p, size_t len);

/*
 * Parses text (len bytes, need not be NUL-terminated) into *out, which is
 * overwritten (free it first if it held a set).  Items are sorted and
 * deduplicated; covered items are kept ("a:* a:b" stays as written), so
 * that a token shows what was granted.  Returns 0, or -1 with *out empty
 * and err set, as in `permission 2 "x:": must be resource:action,
 * resource:* or *`, or "out of memory".  Thread-safe.
 */
int	tg_perm_parse(const char *text, size_t len, struct tg_perm_set *out,
	    char *err, size_t errsz);

/* Frees the items of s and leaves it empty; s may be NULL. */
void	tg_perm_set_free(struct tg_perm_set *s);

/*
 * Sets *out (overwritten) to a intersected with b, as described above.
 * Returns 0, or -1 on out of memory with *out empty.  Thread-safe.
 */
int	tg_perm_intersect(const struct tg_perm_set *a,
	    const struct tg_perm_set *b, struct tg_perm_set *out);

/*
 * Returns 1 when s grants perm (NUL-terminated), else 0.  perm may itself
 * be a wildcard: "a:*" is covered only by "a:*" or "*", and "*" only by
 * "*".  An invalid perm is never covered.  Thread-safe.
 */
int	tg_perm_covers(const struct tg_perm_set *s, const char *perm);

/*
 * Checks that every permission of a is covered by b, e.g. before minting a
 * token with grants a for an owner whose permissions are b.  Returns 1 when
 * all are, 0 when some are not, and -1 on out of memory.  When missing is
 * not NULL it is overwritten with the permissions of a that b does not
 * cover (empty when the result is 1), for the error message.  Thread-safe.
 */
int	tg_perm_subset(const struct tg_perm_set *a,
	    const struct tg_perm_set *b, struct tg_perm_set *missing);

/*
 * The bytes tg_perm_pack() needs to hold a copy of s (NULL is empty): its
 * item pointers and its strings.  Pure.
 */
size_t	tg_perm_pack_size(const struct tg_perm_set *s);

/*
 * Copies s into buf, which holds tg_perm_pack_size(s) bytes and is aligned
 * for a pointer, and sets *out to the copy.  Its items point into buf, so
 * *out lives as long as buf and must never be passed to
 * tg_perm_set_free(); buf is the caller's to free.  This is how a set kept
 * for long costs no allocation of its own.  Thread-safe.
 */
void	tg_perm_pack(const struct tg_perm_set *s, void *buf,
	    struct tg_perm_set *out);

/*
 * Writes the items of s separated by sep into out (outsz bytes), e.g.
 * "a:b c:d" for sep ' '; an empty set gives "".  Returns 0, or -1 with out
 * set to "" when outsz is too small.  Thread-safe.
 */
int	tg_perm_join(const struct tg_perm_set *s, char sep, char *out,
	    size_t outsz);

#endif /* TG_PERM_H */
