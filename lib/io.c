// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whole-file reads with caps, and atomic replacement: temporary file in the
 * same directory, fsync, rename, fsync of the directory.  A crash or error at
 * any point leaves either the old file or the new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

int modguard_file_read(const char *path, uint8_t **raw, size_t *raw_len, struct modguard_err *err)
{
	_cleanup_(closep) int fd = -1;
	struct stat st;
	uint8_t *buf;
	size_t off = 0;

	/* O_NONBLOCK: a FIFO must not hang us before fstat tells us what it is. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			return mg_fail(err, MG_E_IO, ELOOP,
				       "is a symbolic link (refused; name the target instead)");
		return mg_fail(err, MG_E_IO, errno, "cannot open: %s", strerror(errno));
	}
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

	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory reading %lld bytes",
			       (long long)st.st_size);
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return mg_fail(err, MG_E_IO, e, "read failed: %s", strerror(e));
		}
		if (n == 0)
			break; /* shrank under us: use what we read, the caller hashes these bytes */
		off += n;
	}
	*raw = buf;
	*raw_len = off;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

static int stage(const char *path, const uint8_t *data, size_t len, int mode, bool sync,
		 struct modguard_stage *st, struct modguard_err *err)
{
	char dirbuf[PATH_MAX];
	const char *dir, *base;
	struct stat orig, tst;
	bool have_orig;
	int fd, r;

	if (strlen(path) + 16 >= sizeof(st->tmp))
		return mg_fail(err, MG_E_USAGE, ENAMETOOLONG, "path too long");
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dir = dirname(dirbuf);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(st->tmp, sizeof(st->tmp), "%s/.%s.mgXXXXXX", dir, base);
	snprintf(st->path, sizeof(st->path), "%s", path);
	snprintf(st->dir, sizeof(st->dir), "%s", dir);

	have_orig = lstat(path, &orig) == 0;
	if (have_orig && !S_ISREG(orig.st_mode))
		return mg_fail(err, MG_E_IO, EINVAL, "exists and is not a regular file");

	fd = mkostemp(st->tmp, O_CLOEXEC);
	if (fd < 0) {
		st->tmp[0] = '\0';
		return mg_fail(err, MG_E_IO, errno, "cannot create temporary file in %s: %s", dir,
			       strerror(errno));
	}
	r = write_all(fd, data, len);
	if (!r && have_orig) {
		/* Keep owner and mode; ownership first, since chown may clear set-id bits. */
		if (fchown(fd, orig.st_uid, orig.st_gid) < 0 && errno != EPERM)
			r = -errno;
		if (!r && fchmod(fd, orig.st_mode & 07777) < 0)
			r = -errno;
	} else if (!r && fchmod(fd, mode & 07777) < 0) {
		r = -errno;
	}
	if (!r && sync && fsync(fd) < 0)
		r = -errno;
	if (!r && fstat(fd, &tst) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r) {
		unlink(st->tmp);
		st->tmp[0] = '\0';
		return mg_fail(err, MG_E_IO, -r, "cannot write: %s", strerror(-r));
	}
	st->dev = tst.st_dev;
	return 0;
}

int modguard_file_stage(const char *path, const uint8_t *data, size_t len, int mode,
			struct modguard_stage *st, struct modguard_err *err)
{
	return stage(path, data, len, mode, false, st, err);
}

int modguard_file_commit(struct modguard_stage *st, struct modguard_err *err)
{
	if (!st->tmp[0])
		return mg_fail(err, MG_E_USAGE, EINVAL, "nothing staged");
	if (rename(st->tmp, st->path) < 0) {
		int e = errno;

		modguard_file_abort(st);
		return mg_fail(err, MG_E_IO, e, "cannot rename into place: %s", strerror(e));
	}
	st->tmp[0] = '\0';
	return 0;
}

void modguard_file_abort(struct modguard_stage *st)
{
	if (st->tmp[0])
		unlink(st->tmp);
	st->tmp[0] = '\0';
}

int modguard_dir_sync(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (dfd < 0)
		return -errno;
	if (fsync(dfd) < 0)
		r = -errno;
	close(dfd);
	return r;
}

int modguard_file_replace(const char *path, const uint8_t *data, size_t len, int mode,
			  struct modguard_err *err)
{
	struct modguard_stage st;
	int r;

	r = stage(path, data, len, mode, true, &st, err);
	if (r == 0)
		r = modguard_file_commit(&st, err);
	if (r == 0)
		modguard_dir_sync(st.dir); /* make the rename itself durable */
	return r;
}
