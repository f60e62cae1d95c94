// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * File reading and atomic replacement: regular files only, no symlinks
 * followed, size cap, FIFOs refused without blocking; replacement keeps the
 * old mode, leaves no temporary file and never a partial file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/types.h>

#include <cmocka.h>

#include "libmodguard.h"
#include "helpers.h"

static int setup(void **state)
{
	char *d = test_tmpdir();

	if (!d)
		return -1;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	test_rmtree(*state);
	free(*state);
	return 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_read_regular(void **state)
{
	char *p = test_path(*state, "a.ko");
	uint8_t data[5000], *raw = NULL;
	size_t len = 0;
	struct modguard_err err;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(test_write_file(p, data, sizeof(data)), 0);
	assert_int_equal(modguard_file_read(p, &raw, &len, &err), 0);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(raw, data, len);
	free(raw);
	/* An empty file reads as zero bytes, not as an error. */
	assert_int_equal(test_write_file(p, data, 0), 0);
	raw = NULL;
	assert_int_equal(modguard_file_read(p, &raw, &len, &err), 0);
	assert_int_equal(len, 0);
	free(raw);
	free(p);
}

static void expect_io(const char *path, int errnum)
{
	uint8_t *raw = NULL;
	size_t len;
	struct modguard_err err;

	memset(&err, 0, sizeof(err));
	assert_true(modguard_file_read(path, &raw, &len, &err) < 0);
	assert_int_equal(err.reason, MG_E_IO);
	if (errnum)
		assert_int_equal(err.errnum, errnum);
	assert_true(err.msg[0] != 0);
	assert_null(raw);
}

static void test_read_refusals(void **state)
{
	char *target = test_path(*state, "t.ko"), *link = test_path(*state, "l.ko");
	char *fifo = test_path(*state, "f.ko"), *dir = test_path(*state, "d.ko");
	char *missing = test_path(*state, "missing.ko");

	assert_int_equal(test_write_file(target, "\177ELF", 4), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(mkdir(dir, 0700), 0);

	expect_io(link, ELOOP); /* O_NOFOLLOW */
	expect_io(fifo, 0); /* must return, not block waiting for a writer */
	expect_io(dir, EISDIR);
	expect_io(missing, ENOENT);
	expect_io("/dev/null", 0);
	free(target);
	free(link);
	free(fifo);
	free(dir);
	free(missing);
}

static void test_read_cap(void **state)
{
	char *p = test_path(*state, "big.ko");
	int fd = open(p, O_CREAT | O_WRONLY, 0600);
	uint8_t *raw = NULL;
	size_t len;
	struct modguard_err err;

	assert_true(fd >= 0);
	/* Sparse: over the cap without using the disk. */
	assert_int_equal(ftruncate(fd, (off_t)MODGUARD_MAX_MODULE + 1), 0);
	close(fd);
	memset(&err, 0, sizeof(err));
	assert_true(modguard_file_read(p, &raw, &len, &err) < 0);
	assert_int_equal(err.reason, MG_E_TOO_BIG);
	assert_null(raw);
	unlink(p);
	free(p);
}

static void test_replace(void **state)
{
	char *p = test_path(*state, "r.ko");
	uint8_t *raw = NULL;
	size_t len;
	struct stat st;
	struct modguard_err err;
	int before;

	assert_int_equal(test_write_file(p, "old contents", 12), 0);
	assert_int_equal(chmod(p, 0640), 0);
	before = count_entries(*state);
	assert_int_equal(modguard_file_replace(p, (const uint8_t *)"new", 3, 0644, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640); /* the original's mode wins */
	assert_int_equal(modguard_file_read(p, &raw, &len, &err), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(raw, "new", 3);
	free(raw);
	assert_int_equal(count_entries(*state), before);
	free(p);

	/* A new file gets the given mode. */
	p = test_path(*state, "fresh.ko");
	assert_int_equal(modguard_file_replace(p, (const uint8_t *)"x", 1, 0600, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(p);
}

static void expect_contents(const char *path, const char *want)
{
	uint8_t *raw = NULL;
	size_t len;
	struct modguard_err err;

	assert_int_equal(modguard_file_read(path, &raw, &len, &err), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(raw, want, len);
	free(raw);
}

/*
 * Staging into a replaced file kept as a spare: the output is the same as
 * with a new temporary file, the spare is emptied when kept, and a file with
 * another link is never kept (rewriting it would change the other name).
 */
static void test_stage_spare(void **state)
{
	char *a = test_path(*state, "a.ko"), *b = test_path(*state, "b.ko");
	char *c = test_path(*state, "c.ko"), *c2 = test_path(*state, "c2.ko");
	struct iovec iov[2] = { { .iov_base = "new ", .iov_len = 4 },
				{ .iov_base = "parts", .iov_len = 5 } };
	struct modguard_stage st;
	struct modguard_spare spare, kept;
	struct modguard_err err;
	struct stat sb;
	int before;

	assert_int_equal(test_write_file(a, "old a", 5), 0);
	assert_int_equal(test_write_file(b, "a longer old b", 14), 0);
	assert_int_equal(chmod(b, 0600), 0);
	before = count_entries(*state);

	assert_int_equal(modguard_file_stagev(a, iov, 2, 0644, NULL, &st, &err), 0);
	assert_int_equal(modguard_file_commit_keep(&st, &err), 0);
	expect_contents(a, "new parts");
	assert_true(st.tmp[0] != '\0');
	expect_contents(st.tmp, "old a"); /* until it is made a spare */
	assert_int_equal(modguard_file_spare(&st, &spare), 0);
	assert_int_equal(stat(spare.path, &sb), 0);
	assert_int_equal(sb.st_size, 0);

	assert_int_equal(modguard_file_stagev(b, iov, 1, 0644, &spare, &st, &err), 0);
	assert_int_equal(spare.path[0], '\0');
	assert_int_equal(modguard_file_commit_keep(&st, &err), 0);
	expect_contents(b, "new ");
	assert_int_equal(stat(b, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(modguard_file_spare(&st, &kept), 0);
	assert_int_equal(unlink(kept.path), 0);
	assert_int_equal(count_entries(*state), before);

	/* A replaced file with another link is not emptied, but deleted (this name). */
	assert_int_equal(test_write_file(c, "old c", 5), 0);
	assert_int_equal(link(c, c2), 0);
	assert_int_equal(modguard_file_stagev(c, iov, 2, 0644, NULL, &st, &err), 0);
	assert_int_equal(modguard_file_commit_keep(&st, &err), 0);
	assert_int_equal(modguard_file_spare(&st, &kept), -EINVAL);
	assert_int_equal(kept.path[0], '\0');
	expect_contents(c, "new parts");
	expect_contents(c2, "old c");
	assert_int_equal(count_entries(*state), before + 2);
	free(a);
	free(b);
	free(c);
	free(c2);
}

/* Replacing through a symlink or onto a directory fails and changes nothing. */
static void test_replace_refusals(void **state)
{
	char *target = test_path(*state, "target.ko"), *link = test_path(*state, "link.ko");
	char *dir = test_path(*state, "dir.ko"), *nodir = test_path(*state, "no/such/dir.ko");
	uint8_t *raw = NULL;
	size_t len;
	struct modguard_err err;
	int before;

	assert_int_equal(test_write_file(target, "keep", 4), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	before = count_entries(*state);

	assert_true(modguard_file_replace(dir, (const uint8_t *)"x", 1, 0644, &err) < 0);
	assert_int_equal(err.reason, MG_E_IO);
	assert_true(modguard_file_replace(nodir, (const uint8_t *)"x", 1, 0644, &err) < 0);
	assert_int_equal(err.reason, MG_E_IO);
	/* Through a symlink: either refused, or the link itself replaced; never the target written. */
	(void)modguard_file_replace(link, (const uint8_t *)"evil", 4, 0644, &err);
	assert_int_equal(modguard_file_read(target, &raw, &len, &err), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(raw, "keep", 4);
	free(raw);
	assert_int_equal(count_entries(*state), before);
	free(target);
	free(link);
	free(dir);
	free(nodir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stage_spare, setup, teardown),
	};

	return cmocka_run_group_tests_name("io", tests, NULL, NULL);
}
