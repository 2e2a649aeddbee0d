/* Unit tests for lib/hmac: key file checks, keygen and the digest. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hmac.h"
#include "tg_test.h"

static char dir[] = "/tmp/tg_hmac_XXXXXX";

static void
write_file(const char *path, const void *buf, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	TG_CHECK(fd >= 0, "open %s", path);
	if (fd < 0)
		return;
	TG_CHECK(write(fd, buf, n) == (ssize_t)n, "write");
	fchmod(fd, mode);
	close(fd);
}

static void
hex(const unsigned char *d, char *out)
{
	int i;

	for (i = 0; i < TG_HMAC_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
test_vector(void)
{
	/* RFC 4231 test case 6: 131-byte key, larger than the block size. */
	static const char data[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	unsigned char key[131], d1[TG_HMAC_LEN], d2[TG_HMAC_LEN];
	char path[64], err[256], h[65];
	struct tg_hmac_key *k;
	struct tg_hmac *ctx;

	memset(key, 0xaa, sizeof key);
	snprintf(path, sizeof path, "%s/k131", dir);
	write_file(path, key, sizeof key, 0600);
	k = tg_hmac_key_load(path, err, sizeof err);
	TG_CHECK(k != NULL, "load: %s", err);
	if (k == NULL)
		return;
	ctx = tg_hmac_new(k);
	TG_CHECK(ctx != NULL, "ctx");
	TG_CHECK(tg_hmac_compute(ctx, data, strlen(data), d1) == 0, "hmac");
	hex(d1, h);
	TG_CHECK_STR(h, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54", "RFC 4231 case 6");
	/* Re-initialising the context must keep the key. */
	TG_CHECK(tg_hmac_compute(ctx, "other", 5, d2) == 0, "hmac 2");
	TG_CHECK(!tg_hmac_equal(d1, d2), "different data differs");
	TG_CHECK(tg_hmac_compute(ctx, data, strlen(data), d2) == 0, "hmac 3");
	TG_CHECK(tg_hmac_equal(d1, d2), "same data, same digest after reuse");
	tg_hmac_free(ctx);
	tg_hmac_key_free(k);
}

static void
test_key_files(void)
{
	unsigned char buf[64];
	char path[64], link[64], err[256];
	struct tg_hmac_key *k;
	struct stat st;

	memset(buf, 7, sizeof buf);
	snprintf(path, sizeof path, "%s/k", dir);
	write_file(path, buf, 32, 0640);
	k = tg_hmac_key_load(path, err, sizeof err);
	TG_CHECK(k == NULL && strstr(err, "mode 0640") != NULL,
	    "group-readable refused: %s", err);
	chmod(path, 0604);
	k = tg_hmac_key_load(path, err, sizeof err);
	TG_CHECK(k == NULL, "world-readable refused");
	chmod(path, 0400);
	k = tg_hmac_key_load(path, err, sizeof err);
	TG_CHECK(k != NULL, "0400 accepted: %s", err);
	tg_hmac_key_free(k);
	write_file(path, buf, 31, 0600);
	k = tg_hmac_key_load(path, err, sizeof err);
	TG_CHECK(k == NULL && strstr(err, "31 bytes") != NULL,
	    "short key refused: %s", err);
	write_file(path, buf, 32, 0600);
	snprintf(link, sizeof link, "%s/link", dir);
	TG_CHECK(symlink(path, link) == 0, "symlink");
	k = tg_hmac_key_load(link, err, sizeof err);
	TG_CHECK(k == NULL, "symlink refused");
	k = tg_hmac_key_load("/nonexistent/key", err, sizeof err);
	TG_CHECK(k == NULL && strstr(err, "No such file") != NULL,
	    "missing file: %s", err);
	k = tg_hmac_key_load(dir, err, sizeof err);
	TG_CHECK(k == NULL, "directory refused");

	snprintf(path, sizeof path, "%s/gen", dir);
	TG_CHECK(tg_hmac_keygen(path, err, sizeof err) == 0, "keygen: %s",
	    err);
	TG_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == 32, "keygen file is 0600 and 32 bytes");
	TG_CHECK(tg_hmac_keygen(path, err, sizeof err) == -1 &&
	    strstr(err, "refusing to overwrite") != NULL,
	    "keygen never overwrites: %s", err);
	k = tg_hmac_key_load(path, err, sizeof err);
	TG_CHECK(k != NULL, "generated key loads");
	tg_hmac_key_free(k);
	unlink(path);
	unlink(link);
	unlink(path);
}

int
main(void)
{
	char cmd[128];
	int rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	test_vector();
	test_key_files();
	rc = tg_test_done("test_hmac");
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return rc;
}
