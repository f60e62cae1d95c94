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

/* Write the buffers at offset 0 of fd; returns the byte count or -errno. */
static ssize_t write_iov(int fd, const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	for (int i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;

		while (len) {
			ssize_t n = pwrite(fd, p, len, total);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			p += n;
			len -= n;
			total += n;
		}
	}
	return total;
}

static bool no_xattrs(const char *path)
{
	return llistxattr(path, NULL, 0) == 0 || errno == ENOTSUP;
}

/*
 * Open a spare for rewriting: still ours (an empty regular file with one
 * link, not the target itself) and on the target's mount, which a rename needs.
 */
static int open_spare(const struct modguard_spare *sp, const struct statx *orig)
{
	struct stat s;
	int fd;

	if (!sp->mnt_id || sp->mnt_id != orig->stx_mnt_id)
		return -EXDEV;
	fd = open(sp->path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &s) < 0 || !S_ISREG(s.st_mode) || s.st_nlink != 1 || s.st_size != 0 ||
	    s.st_ino == orig->stx_ino) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static int stage(const char *path, const struct iovec *iov, int iovcnt, int mode, bool sync,
		 struct modguard_spare *spare, struct modguard_stage *st, struct modguard_err *err)
{
	char dirbuf[PATH_MAX];
	const char *dir, *base;
	struct statx orig;
	struct stat tst;
	bool have_orig, reused = false;
	ssize_t n;
	int fd = -1, r;

	if (strlen(path) + 16 >= sizeof(st->tmp))
		return mg_fail(err, MG_E_USAGE, ENAMETOOLONG, "path too long");
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dir = dirname(dirbuf);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(st->path, sizeof(st->path), "%s", path);
	snprintf(st->dir, sizeof(st->dir), "%s", dir);
	st->mnt_id = 0;

	have_orig =
		statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW,
		      STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_INO | STATX_MNT_ID,
		      &orig) == 0;
	if (have_orig && !S_ISREG(orig.stx_mode))
		return mg_fail(err, MG_E_IO, EINVAL, "exists and is not a regular file");
	if (have_orig && (orig.stx_mask & STATX_MNT_ID))
		st->mnt_id = orig.stx_mnt_id;

	/*
	 * A spare takes the place of a new temporary file only where the result
	 * is the same: the original has no extended attributes (ACLs, security
	 * labels) that a file created in its directory might inherit.
	 */
	if (spare && spare->path[0] && st->mnt_id && no_xattrs(path)) {
		fd = open_spare(spare, &orig);
		if (fd >= 0) {
			snprintf(st->tmp, sizeof(st->tmp), "%s", spare->path);
			reused = true;
		} else if (fd != -EXDEV) {
			unlink(spare->path);
		}
		if (fd != -EXDEV)
			spare->path[0] = '\0';
	}
	if (!reused) {
		snprintf(st->tmp, sizeof(st->tmp), "%s/.%s.mgXXXXXX", dir, base);
		fd = mkostemp(st->tmp, O_CLOEXEC);
		if (fd < 0) {
			st->tmp[0] = '\0';
			return mg_fail(err, MG_E_IO, errno,
				       "cannot create temporary file in %s: %s", dir,
				       strerror(errno));
		}
	}
	n = write_iov(fd, iov, iovcnt);
	r = n < 0 ? (int)n : 0;
	if (!r && have_orig) {
		/* Keep owner and mode; ownership first, since chown may clear set-id bits. */
		if (fchown(fd, orig.stx_uid, orig.stx_gid) < 0 && errno != EPERM)
			r = -errno;
		if (!r && fchmod(fd, orig.stx_mode & 07777) < 0)
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
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };

	return stage(path, &iov, 1, mode, false, NULL, st, err);
}

int modguard_file_stagev(const char *path, const struct iovec *iov, int iovcnt, int mode,
			 struct modguard_spare *spare, struct modguard_stage *st,
			 struct modguard_err *err)
{
	return stage(path, iov, iovcnt, mode, false, spare, st, err);
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

int modguard_file_commit_keep(struct modguard_stage *st, struct modguard_err *err)
{
	if (!st->tmp[0] || !st->mnt_id)
		return modguard_file_commit(st, err);
	/* Not supported by the filesystem, or the target has gone: a plain rename. */
	if (renameat2(AT_FDCWD, st->tmp, AT_FDCWD, st->path, RENAME_EXCHANGE) < 0)
		return modguard_file_commit(st, err);
	/* st->tmp now names the replaced file. */
	return 0;
}

int modguard_file_spare(struct modguard_stage *st, struct modguard_spare *sp)
{
	struct stat old;
	int fd, r = 0;

	sp->path[0] = '\0';
	if (!st->tmp[0])
		return -ENOENT;
	/*
	 * Emptied here, so that whoever reuses it does not wait for its blocks
	 * to be freed (and discarded, with -o discard).
	 */
	fd = open(st->tmp, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &old) < 0)
		r = -errno;
	else if (!S_ISREG(old.st_mode) || old.st_nlink != 1 || !no_xattrs(st->tmp))
		r = -EINVAL; /* another name would see it rewritten, or it carries attributes */
	else if (ftruncate(fd, 0) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (r == 0) {
		snprintf(sp->path, sizeof(sp->path), "%s", st->tmp);
		sp->mnt_id = st->mnt_id;
	} else {
		unlink(st->tmp);
	}
	st->tmp[0] = '\0';
	return r;
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
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };

	return modguard_file_replacev(path, &iov, 1, mode, err);
}

int modguard_file_replacev(const char *path, const struct iovec *iov, int iovcnt, int mode,
			   struct modguard_err *err)
{
	struct modguard_stage st;
	int r;

	r = stage(path, iov, iovcnt, mode, true, NULL, &st, err);
	if (r == 0)
		r = modguard_file_commit(&st, err);
	if (r == 0)
		modguard_dir_sync(st.dir); /* make the rename itself durable */
	return r;
}
