// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysload: raw module syscalls for VM tests, with the errno printed by name.
 *
 *   sysload finit FILE [PARAMS]   finit_module(open(FILE), PARAMS, 0), with
 *                                 MODULE_INIT_COMPRESSED_FILE for a compressed FILE
 *   sysload finit-memfd FILE [PARAMS]
 *                                 finit_module on a memfd holding FILE's bytes
 *                                 (a module with no inode on any real file system)
 *   sysload init FILE [PARAMS]    init_module(contents of FILE, PARAMS)
 *   sysload delete NAME           delete_module(NAME, O_NONBLOCK)
 *   sysload strerror ENAME        print the strerror text of an errno name
 *   sysload syscalls FILE N       N rounds of open, fstat, read, write to /dev/null,
 *                                 stat and close on FILE; prints nanoseconds per round
 *
 * Prints "OK" or the errno name ("EPERM") on stdout, and exits 0 on success,
 * 1 when the syscall failed and 2 on usage or I/O errors.  Built statically on
 * the host so that it runs in the busybox guest without a libc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int report(long rc)
{
	const char *name;

	if (rc == 0) {
		puts("OK");
		return 0;
	}
	name = strerrorname_np(errno);
	if (name)
		puts(name);
	else
		printf("E%d\n", errno);
	return 1;
}

static int read_all(const char *path, void **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t off = 0;
	char *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "sysload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p) {
		close(fd);
		return -1;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, p + off, (size_t)st.st_size - off);
		if (n <= 0) {
			fprintf(stderr, "sysload: %s: short read\n", path);
			free(p);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	*buf = p;
	*len = off;
	return 0;
}

static int print_strerror(const char *name)
{
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name)) {
			puts(strerror(e));
			return 0;
		}
	}
	fprintf(stderr, "sysload: unknown errno name '%s'\n", name);
	return 2;
}

/* The unrelated-syscall benchmark: file work the guard must not slow down. */
static int syscall_loop(const char *path, long n)
{
	struct timespec a, b;
	struct stat st;
	char buf[64];
	int out, fd;

	out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (out < 0 || n <= 0) {
		fprintf(stderr, "sysload: /dev/null: %s\n", strerror(errno));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || read(fd, buf, sizeof(buf)) < 0 ||
		    write(out, buf, sizeof(buf)) < 0 || stat(path, &st) < 0) {
			fprintf(stderr, "sysload: %s: %s\n", path, strerror(errno));
			return 2;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%lld\n", ((b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}

/*
 * MODULE_INIT_COMPRESSED_FILE for an xz, zstd or gzip file, as kmod 31 and
 * later pass it: the kernel decompresses (CONFIG_MODULE_DECOMPRESS, on
 * Debian's 6.12), and refuses the flag when it cannot.
 */
static int compressed_flag(int fd)
{
	unsigned char m[6] = { 0 };

	if (pread(fd, m, sizeof(m), 0) < 2)
		return 0;
	if (!memcmp(m,
		    "\xfd"
		    "7zXZ",
		    5) ||
	    !memcmp(m, "\x28\xb5\x2f\xfd", 4) || (m[0] == 0x1f && m[1] == 0x8b))
		return 4;
	return 0;
}

int main(int argc, char **argv)
{
	const char *params;
	long rc;

	if (argc == 4 && !strcmp(argv[1], "syscalls"))
		return syscall_loop(argv[2], strtol(argv[3], NULL, 10));
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: sysload finit|finit-memfd|init FILE [PARAMS] | "
				"sysload delete NAME | sysload strerror ENAME\n");
		return 2;
	}
	if (!strcmp(argv[1], "strerror"))
		return print_strerror(argv[2]);
	params = argc == 4 ? argv[3] : "";

	if (!strcmp(argv[1], "finit")) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "sysload: %s: %s\n", argv[2], strerror(errno));
			return 2;
		}
		rc = syscall(SYS_finit_module, fd, params, compressed_flag(fd));
		return report(rc);
	}
	if (!strcmp(argv[1], "finit-memfd")) {
		void *buf;
		size_t len, off = 0;
		int fd;

		if (read_all(argv[2], &buf, &len) < 0)
			return 2;
		fd = memfd_create("sysload", MFD_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "sysload: memfd_create: %s\n", strerror(errno));
			return 2;
		}
		while (off < len) {
			ssize_t n = write(fd, (char *)buf + off, len - off);

			if (n <= 0) {
				fprintf(stderr, "sysload: memfd write: %s\n", strerror(errno));
				return 2;
			}
			off += (size_t)n;
		}
		rc = syscall(SYS_finit_module, fd, params, 0);
		return report(rc);
	}
	if (!strcmp(argv[1], "init")) {
		void *buf;
		size_t len;

		if (read_all(argv[2], &buf, &len) < 0)
			return 2;
		rc = syscall(SYS_init_module, buf, len, params);
		return report(rc);
	}
	if (!strcmp(argv[1], "delete")) {
		rc = syscall(SYS_delete_module, argv[2], O_NONBLOCK);
		return report(rc);
	}
	fprintf(stderr, "sysload: unknown operation '%s'\n", argv[1]);
	return 2;
}
