// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Atomic replacement: temporary file in the same directory, fsync, rename,
 * fsync of the directory.  A crash or error at any point leaves either the
 * old file or the new one, never a mix.  Signing tools only: the trusted
 * program does not link it (tests/tcb-check).
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
#include "libmodguard.h"

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
