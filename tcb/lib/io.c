// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whole-file reads with caps.  Atomic replacement is in io-write.c, which the
 * trusted program does not link.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/xattr.h>

#include "internal.h"

/*
 * Read the open file fd into *buf, which is grown when *cap is too small and
 * so can be reused from call to call.  whole: the file must not change size
 * while read (trust material: a short read is an error, not a shorter file).
 */
static int read_fd(int fd, uint8_t **buf, size_t *cap, size_t *len, bool whole,
		   struct modguard_err *err)
{
	struct stat st;
	size_t off = 0, want;

	if (fstat(fd, &st) < 0)
		return mg_fail(err, MG_E_IO, errno, "cannot stat: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return mg_fail(err, MG_E_IO, EISDIR, "is a directory, expected a module file");
	if (!S_ISREG(st.st_mode))
		return mg_fail(err, MG_E_IO, EINVAL, "is not a regular file");
	if ((uint64_t)st.st_size > MODGUARD_MAX_MODULE)
		return mg_fail(err, MG_E_TOO_BIG, 0,
			       "file is %lld bytes, more than the %u-byte limit",
			       (long long)st.st_size, MODGUARD_MAX_MODULE);

	want = st.st_size ? (size_t)st.st_size : 1;
	if (!*buf || *cap < want) {
		uint8_t *nb = realloc(*buf, want);

		if (!nb)
			return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory reading %lld bytes",
				       (long long)st.st_size);
		*buf = nb;
		*cap = want;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + off, st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mg_fail(err, MG_E_IO, errno, "read failed: %s", strerror(errno));
		if (n == 0)
			break; /* shrank under us: use what we read, the caller hashes these bytes */
		off += n;
	}
	if (whole && off != (size_t)st.st_size)
		return mg_fail(err, MG_E_IO, EIO,
			       "read %zu of %lld bytes: the file changed while read", off,
			       (long long)st.st_size);
	*len = off;
	return 0;
}

static int read_file(const char *path, uint8_t **buf, size_t *cap, size_t *len,
		     struct modguard_err *err)
{
	_cleanup_(closep) int fd = -1;

	/* O_NONBLOCK: a FIFO must not hang us before fstat tells us what it is. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			return mg_fail(err, MG_E_IO, ELOOP,
				       "is a symbolic link (refused; name the target instead)");
		return mg_fail(err, MG_E_IO, errno, "cannot open: %s", strerror(errno));
	}
	return read_fd(fd, buf, cap, len, false, err);
}

int modguard_fd_read(int fd, uint8_t **raw, size_t *raw_len, struct modguard_err *err)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	int r = read_fd(fd, &buf, &cap, raw_len, true, err);

	if (r < 0) {
		free(buf);
		return r;
	}
	*raw = buf;
	return 0;
}

int modguard_file_read(const char *path, uint8_t **raw, size_t *raw_len, struct modguard_err *err)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	int r = read_file(path, &buf, &cap, raw_len, err);

	if (r < 0) {
		free(buf);
		return r;
	}
	*raw = buf;
	return 0;
}

int modguard_file_read_into(const char *path, uint8_t **buf, size_t *cap, size_t *len,
			    struct modguard_err *err)
{
	return read_file(path, buf, cap, len, err);
}
