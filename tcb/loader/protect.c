// SPDX-License-Identifier: GPL-2.0-only
/*
 * Self-protection: load bpf/protect.bpf.c right after the guard, fill its
 * maps with the protected set and the ids of every BPF object the guard and
 * the protection consist of, attach, pin, seal.
 *
 * The protected set is keyed on (dev, ino).  Every path contributes:
 *   - the object itself, and everything below it if it is a directory
 *     (MG_PROT_OBJECT; entries made later are covered by their parent);
 *   - every directory and symlink on the way to it, literal and resolved
 *     (MG_PROT_ANCESTOR: not renamed, removed or mounted on);
 *   - its file system (MG_DEV_FS: not unmounted) and the block devices under
 *     that file system, partitions' whole disks and device-mapper slaves
 *     included (MG_DEV_BLOCK: not opened for writing).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "guard.h"
#include "protect.h"
#include "protect.skel.h"
#include "selfprotect.h"
#include "snapshot.h"

#ifndef MODGUARD_BINDIR
#define MODGUARD_BINDIR "/usr/bin"
#endif

/* Directories whose entries named modguard* are units of ours (or masks of them). */
static const char *const unit_dirs[] = {
	"/etc/systemd/system",
	"/usr/lib/systemd/system",
	"/lib/systemd/system",
	"/usr/local/lib/systemd/system",
};

/* Default protected set; patterns are expanded with glob(3), missing ones skipped. */
static const char *const defaults[] = {
	MODGUARD_LIBEXECDIR, /* the trusted program */
	MODGUARD_BINDIR "/modguard",
	MODGUARD_BPFDIR,
	MODGUARD_SYSCONFDIR,
	"/etc/systemd/system/modguard*",
	"/etc/systemd/system/*.wants/modguard*",
	"/etc/systemd/system/*.requires/modguard*",
	"/usr/lib/systemd/system/modguard*",
	"/lib/systemd/system/modguard*",
	"/usr/share/initramfs-tools/hooks/modguard*",
	"/usr/share/initramfs-tools/scripts/*/modguard*",
	"/etc/initramfs-tools/hooks/modguard*",
	"/etc/initramfs-tools/scripts/*/modguard*",
	"/usr/lib/dracut/modules.d/*modguard*",
	"/etc/kernel/postinst.d/*modguard*", /* admits a new kernel's modules */
	"/etc/kernel/postrm.d/*modguard*",
};

static struct {
	int inodes, devs, ids, mnts;
	unsigned objects, ancestors, devices, bpf_ids, mounts;
	unsigned writers, unknown; /* write access from before the lock */
	unsigned killed, unrevoked; /* holders of writable shared mappings */
	int err;
} st;

static __u64 kdev(dev_t d)
{
	return ((__u64)major(d) << 20) | minor(d);
}

/*
 * File identity as the kernel sees it.  The programs key inodes by
 * inode->i_sb->s_dev and i_ino.  stat()'s st_dev is not always s_dev: btrfs
 * reports each subvolume's own anonymous device (the top level's too), and
 * overlayfs may report the layer's.  The superblock's device is what
 * /proc/self/mountinfo shows for the mount (field 3, from sb->s_dev), so a
 * file's kernel device is its mount's, found by statx's mount id.
 */
#define MOUNTS_MAX 4096
static struct mount_rec {
	__u64 id;
	unsigned ma, mi; /* sb->s_dev */
	char fstype[32];
	char source[128];
	bool marked; /* mark_fs done: its devices are in prot_devs */
} mounts[MOUNTS_MAX];
static unsigned n_mounts;

static int read_mountinfo(void)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -1;
	n_mounts = 0;
	while (getline(&line, &cap, f) > 0 && n_mounts < MOUNTS_MAX) {
		struct mount_rec *m = &mounts[n_mounts];
		unsigned long long id;
		char *sep = strstr(line, " - ");

		if (sscanf(line, "%llu %*u %u:%u", &id, &m->ma, &m->mi) != 3 || !sep ||
		    sscanf(sep + 3, "%31s %127s", m->fstype, m->source) != 2)
			continue;
		m->id = id;
		m->marked = false;
		n_mounts++;
	}
	free(line);
	fclose(f);
	return 0;
}

static struct mount_rec *mount_of_id(__u64 id)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < n_mounts; i++)
			if (mounts[i].id == id)
				return &mounts[i];
		if (pass == 0 && read_mountinfo())
			break;
	}
	return NULL;
}

/* The mount PATH (follow: its last symlink followed) lies on, and its inode number. */
static struct mount_rec *mount_of(const char *path, bool follow, __u64 *ino)
{
	struct statx sx;

	if (statx(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID,
		  &sx) ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return NULL;
	if (ino)
		*ino = sx.stx_ino;
	return mount_of_id(sx.stx_mnt_id);
}

int kernel_file_id(const char *path, bool follow, __u64 *dev, __u64 *ino)
{
	const struct mount_rec *m = mount_of(path, follow, ino);

	if (!m) {
		if (!errno)
			errno = ENOENT;
		return -1;
	}
	*dev = ((__u64)m->ma << 20) | m->mi;
	return 0;
}

static int mark_inode_id(__u64 kdevice, __u64 ino, __u32 flags)
{
	struct mg_inode_key k = { .dev = kdevice, .ino = ino };
	unsigned ma = (unsigned)(kdevice >> 20), mi = (unsigned)(kdevice & 0xfffff);
	__u32 old = 0, v;
	if (st.err)
		return -1; /* said once; the start fails */
	bpf_map_lookup_elem(st.inodes, &k, &old);
	v = old | flags;
	if (v == old)
		return 0;
	if (bpf_map_update_elem(st.inodes, &k, &v, BPF_ANY)) {
		if (errno == E2BIG)
			msg("protected set: more than %d inodes; protect fewer or smaller trees in %s",
			    MG_PROT_INODES_MAX, POLICY_PATH);
		else
			msg("protected set: cannot add inode %llu on %u:%u: %s",
			    (unsigned long long)ino, ma, mi, strerror(errno));
		st.err = -1;
		return -1;
	}
	if ((flags & MG_PROT_OBJECT) && !(old & MG_PROT_OBJECT))
		st.objects++;
	if ((flags & MG_PROT_ANCESTOR) && !(old & MG_PROT_ANCESTOR))
		st.ancestors++;
	return 0;
}

/* PATH's inode, by its kernel identity (follow: through a last symlink). */
static int mark_inode(const char *path, bool follow, __u32 flags)
{
	__u64 dev, ino;

	if (st.err)
		return -1;
	if (kernel_file_id(path, follow, &dev, &ino)) {
		msg("protected set: %s: cannot identify: %s", path, strerror(errno));
		st.err = -1;
		return -1;
	}
	return mark_inode_id(dev, ino, flags);
}

static void mark_dev(__u64 dev, __u32 flags)
{
	__u32 old = 0, v;

	bpf_map_lookup_elem(st.devs, &dev, &old);
	v = old | flags;
	if (v == old)
		return;
	if (bpf_map_update_elem(st.devs, &dev, &v, BPF_ANY)) {
		msg("protected set: cannot add device %u:%u: %s", (unsigned)(dev >> 20),
		    (unsigned)(dev & 0xfffff), strerror(errno));
		st.err = -1;
		return;
	}
	if (!old)
		st.devices++;
}

/* The block device MAJ:MIN, its whole disk, and what it is stacked on. */
static void mark_blockdev(unsigned ma, unsigned mi, int depth)
{
	char path[PATH_MAX + 32], real[PATH_MAX], buf[32];
	struct dirent *e;
	unsigned a, b;
	DIR *d;
	FILE *f;

	if (depth > 8)
		return;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", ma, mi);
	if (!realpath(path, real))
		return; /* not a block device: tmpfs, rootfs, bpffs... */
	mark_dev(((__u64)ma << 20) | mi, MG_DEV_BLOCK);
	/* A partition: writes to the whole disk reach it too. */
	snprintf(path, sizeof(path), "%s/partition", real);
	if (access(path, F_OK) == 0) {
		snprintf(path, sizeof(path), "%s/../dev", real);
		f = fopen(path, "re");
		if (f && fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &a, &b) == 2)
			mark_blockdev(a, b, depth + 1);
		if (f)
			fclose(f);
	}
	/* device-mapper, md, loop-backed stacks: every slave. */
	snprintf(path, sizeof(path), "%s/slaves", real);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char dev[PATH_MAX + 300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(dev, sizeof(dev), "%s/slaves/%s/dev", real, e->d_name);
		f = fopen(dev, "re");
		if (f && fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &a, &b) == 2)
			mark_blockdev(a, b, depth + 1);
		if (f)
			fclose(f);
	}
	closedir(d);
}

/*
 * The file system PATH lies on: its superblock's device (reported), and
 * every block device under it: the mount's device number when it is one
 * (ext4, XFS), the mount's source device, and for btrfs every device of the
 * file system (/sys/fs/btrfs/FSID/devices): its superblock's device is
 * anonymous.
 */
static void mark_fs(const char *path)
{
	struct mount_rec *m = mount_of(path, false, NULL);
	struct stat sb;
	bool blk;
	glob_t g;

	if (!m) {
		msg("protected set: %s: cannot find its mount: %s", path, strerror(errno));
		st.err = -1;
		return;
	}
	if (m->marked)
		return; /* another protected path on the same mount */
	m->marked = true;
	mark_dev(((__u64)m->ma << 20) | m->mi, MG_DEV_FS);
	mark_blockdev(m->ma, m->mi, 0);
	blk = m->source[0] == '/' && stat(m->source, &sb) == 0 && S_ISBLK(sb.st_mode);
	if (blk)
		mark_blockdev(major(sb.st_rdev), minor(sb.st_rdev), 0);
	if (!blk || strcmp(m->fstype, "btrfs"))
		return;
	if (glob("/sys/fs/btrfs/*/devices/*/dev", GLOB_NOSORT, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char want[32], fsdir[PATH_MAX], buf[32], *cut;
			FILE *f = fopen(g.gl_pathv[i], "re");
			glob_t all;
			unsigned a, b;

			snprintf(want, sizeof(want), "%u:%u", major(sb.st_rdev), minor(sb.st_rdev));
			if (!f)
				continue;
			if (!fgets(buf, sizeof(buf), f) || strncmp(buf, want, strlen(want)) ||
			    buf[strlen(want)] != '\n') {
				fclose(f);
				continue;
			}
			fclose(f);
			/* This file system: every one of its devices. */
			snprintf(fsdir, sizeof(fsdir), "%s", g.gl_pathv[i]);
			cut = strstr(fsdir, "/devices/");
			if (!cut)
				continue;
			snprintf(cut, sizeof(fsdir) - (cut - fsdir), "/devices/*/dev");
			if (glob(fsdir, GLOB_NOSORT, NULL, &all) == 0)
				for (size_t j = 0; j < all.gl_pathc; j++) {
					f = fopen(all.gl_pathv[j], "re");
					if (f && fgets(buf, sizeof(buf), f) &&
					    sscanf(buf, "%u:%u", &a, &b) == 2)
						mark_blockdev(a, b, 0);
					if (f)
						fclose(f);
				}
			globfree(&all);
		}
	}
	globfree(&g);
}

/* The mount PATH is reached through (no symlink followed at the end). */
static void mark_mount(const char *path)
{
	struct statx sx;
	__u64 id;
	__u32 one = 1;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return;
	id = sx.stx_mnt_id;
	if (bpf_map_update_elem(st.mnts, &id, &one, BPF_NOEXIST) == 0)
		st.mounts++;
	else if (errno != EEXIST) {
		msg("%s: cannot record its mount %llu: %s", path, (unsigned long long)id,
		    strerror(errno));
		st.err = -1;
	}
}

static int walk_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	if (type == FTW_NS || type == FTW_DNR) {
		msg("%s: cannot protect: %s", path, strerror(errno));
		st.err = -1;
		return 0;
	}
	/* Stop the walk at the first failure. */
	(void)sb;
	return mark_inode(path, false, MG_PROT_OBJECT) ? 1 : 0;
}

/* Every directory and symlink from "/" down to PATH (PATH itself excluded). */
static void mark_ancestors(const char *path)
{
	char buf[PATH_MAX];
	struct stat sb;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + strlen(buf); s > buf; s--) {
		if (*s != '/')
			continue;
		*s = 0;
		if (lstat(buf[0] ? buf : "/", &sb) == 0)
			mark_inode(buf[0] ? buf : "/", false, MG_PROT_ANCESTOR);
		mark_mount(buf[0] ? buf : "/");
		/* The mount on it, when there is one: stat follows to its root. */
		if (stat(buf[0] ? buf : "/", &sb) == 0)
			mark_inode(buf[0] ? buf : "/", true, MG_PROT_ANCESTOR);
	}
	if (lstat("/", &sb) == 0)
		mark_inode("/", false, MG_PROT_ANCESTOR);
}

/* Protect PATH (no glob): itself (a symlink as a symlink), its tree, its way from "/". */
static void protect_path(const char *path)
{
	char real[PATH_MAX], dir[PATH_MAX];
	struct stat sb;

	if (lstat(path, &sb))
		return; /* optional: absent from this installation */
	mark_ancestors(path);
	if (S_ISLNK(sb.st_mode)) {
		/* An enablement link: the link and the resolved way to it, not its target. */
		mark_inode(path, false, MG_PROT_OBJECT);
		mark_fs(path);
		snprintf(dir, sizeof(dir), "%s", path);
		*strrchr(dir, '/') = 0;
		if (dir[0] && realpath(dir, real)) {
			mark_ancestors(real);
			if (lstat(real, &sb) == 0)
				mark_inode(real, false, MG_PROT_ANCESTOR);
		}
		return;
	}
	if (!realpath(path, real)) {
		msg("%s: %s", path, strerror(errno));
		st.err = -1;
		return;
	}
	mark_ancestors(real);
	mark_mount(real);
	mark_fs(real);
	/* Not across mounts: a mount inside a protected tree is refused from now on. */
	if (nftw(real, walk_one, 32, FTW_PHYS | FTW_MOUNT) && !st.err) {
		msg("%s: cannot walk: %s", real, strerror(errno));
		st.err = -1;
	}
}

static void protect_pattern(const char *pat)
{
	glob_t g;

	if (!strpbrk(pat, "*?[")) {
		protect_path(pat);
		return;
	}
	if (glob(pat, GLOB_NOSORT, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			protect_path(g.gl_pathv[i]);
	globfree(&g);
}

static void mark_unit_dirs(void)
{
	struct stat sb;
	glob_t g;

	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]); i++) {
		if (stat(unit_dirs[i], &sb) == 0) {
			mark_inode(unit_dirs[i], true, MG_PROT_UNIT_DIR);
			mark_ancestors(unit_dirs[i]);
			mark_inode(unit_dirs[i], true, MG_PROT_ANCESTOR);
		}
	}
	/* Enablement directories: no new modguard* link (nor removal of ours). */
	if (glob("/etc/systemd/system/*.wants", GLOB_NOSORT | GLOB_ONLYDIR, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (stat(g.gl_pathv[i], &sb) == 0)
				mark_inode(g.gl_pathv[i], true, MG_PROT_UNIT_DIR);
	globfree(&g);
}

/* ---- BPF ids ---------------------------------------------------------- */

static void add_id(__u32 kind, __u32 id)
{
	struct mg_id_key k = { .kind = kind, .id = id };
	__u32 one = 1;

	if (!id)
		return;
	if (getenv("MODGUARD_DEBUG"))
		fprintf(stderr, "protect: %s id %u\n",
			kind == MG_ID_PROG ? "prog" :
			kind == MG_ID_MAP  ? "map" :
					     "link",
			id);
	if (bpf_map_update_elem(st.ids, &k, &one, BPF_NOEXIST) == 0)
		st.bpf_ids++;
	else if (errno != EEXIST) {
		msg("cannot record BPF id %u: %s", id, strerror(errno));
		st.err = -1;
	}
}

/* A program and every map it uses (.rodata, .bss, task storage: pinned or not). */
static void add_prog(__u32 prog_id, int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64], n;
	int own = -1;

	add_id(MG_ID_PROG, prog_id);
	if (fd < 0)
		fd = own = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0) {
		msg("BPF program %u: %s", prog_id, strerror(errno));
		st.err = -1;
		return;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
		memset(&info, 0, sizeof(info));
		info.nr_map_ids = n;
		info.map_ids = (__u64)(unsigned long)ids;
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			for (__u32 i = 0; i < n; i++)
				add_id(MG_ID_MAP, ids[i]);
	}
	if (own >= 0)
		close(own);
}

/* Kind of a BPF fd, from its anon inode name. */
static int fd_kind(int fd)
{
	char link[64], target[64] = "";

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (readlink(link, target, sizeof(target) - 1) < 0)
		return 0;
	if (strstr(target, "bpf-map"))
		return MG_ID_MAP;
	if (strstr(target, "bpf_link") || strstr(target, "bpf-link"))
		return MG_ID_LINK;
	if (strstr(target, "bpf-prog"))
		return MG_ID_PROG;
	return 0;
}

/* Everything pinned in DIR: maps, links and the links' programs. */
static void add_pinned(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d) {
		msg("%s: %s", dir, strerror(errno));
		st.err = -1;
		return;
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			msg("%s: %s", path, strerror(errno));
			st.err = -1;
			continue;
		}
		switch (fd_kind(fd)) {
		case MG_ID_MAP: {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);

			if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
				add_id(MG_ID_MAP, info.id);
			break;
		}
		case MG_ID_LINK: {
			struct bpf_link_info info = {};
			__u32 len = sizeof(info);

			if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
				add_id(MG_ID_LINK, info.id);
				add_prog(info.prog_id, -1);
			}
			break;
		}
		case MG_ID_PROG: {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);

			if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
				add_prog(info.id, fd);
			break;
		}
		}
		close(fd);
	}
	closedir(d);
}

/* Offsets of the bpf_send_signal helpers from __bpf_call_base. */
static void send_signal_offsets(__s32 *sig, __s32 *sig_thread)
{
	unsigned long long base = 0, s = 0, t = 0;
	char line[512];
	FILE *f = fopen("/proc/kallsyms", "re");

	*sig = *sig_thread = 0;
	if (!f)
		return;
	/*
	 * "ADDRESS TYPE NAME [MODULE]": some 200 000 lines, so only names that
	 * could match are parsed, and reading stops once all three are found.
	 */
	while ((!base || !s || !t) && fgets(line, sizeof(line), f)) {
		char *name = strchr(line, ' '), *end;

		if (!name || !(name = strchr(name + 1, ' ')) || (name[1] != '_' && name[1] != 'b'))
			continue;
		name++;
		end = name + strcspn(name, " \t\n");
		*end = 0;
		if (!strcmp(name, "__bpf_call_base"))
			base = strtoull(line, NULL, 16);
		else if (!strcmp(name, "bpf_send_signal"))
			s = strtoull(line, NULL, 16);
		else if (!strcmp(name, "bpf_send_signal_thread"))
			t = strtoull(line, NULL, 16);
	}
	fclose(f);
	if (base && s && t) {
		*sig = (__s32)(s - base);
		*sig_thread = (__s32)(t - base);
	}
}

/* ---- Write access from before the lock -------------------------------- */

/*
 * Once protect_file_open refuses write opens, no new writable file can be
 * made for a protected inode: every way to one (open, openat2, io_uring,
 * open_by_handle_at, /proc/PID/fd, swapon, the kernel's own filp_open) goes
 * through security_file_open.  What can still write is a file opened for
 * writing before the lock, wherever it is held: an fd table, a unix socket
 * in flight, an io_uring, a loop device, a shared mapping.  The kernel counts
 * all of them in the inode's i_writecount, and a read lease is refused
 * exactly when that count is positive, so one fcntl per protected file tells
 * whether such a file exists.  Only then is protect_file_permission attached:
 * it runs on every read and write in the system, which costs more than every
 * other hook together.  Block devices have no such count: their holders are
 * looked for in every process's fd table and among the loop devices.
 */
static void writer(const char *path, const char *why)
{
	msg("WARNING: %s: %s since before the lock; writes through it are refused from now on",
	    path, why);
	st.writers++;
}

static void probe_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == EWOULDBLOCK)
			writer(path, "a write lease is held on it");
		else if (errno != ENOENT) {
			msg("%s: cannot check for writers: %s", path, strerror(errno));
			st.unknown++;
		}
		return;
	}
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	else if (errno == EAGAIN)
		writer(path, "open for writing");
	else
		st.unknown++; /* no leases on this file system: assume the worst */
	close(fd);
}

static int probe_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_F && S_ISREG(sb->st_mode))
		probe_file(path);
	return 0;
}

static void probe_pattern(const char *pat)
{
	glob_t g;

	if (glob(pat, GLOB_NOSORT, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			nftw(g.gl_pathv[i], probe_one, 32, FTW_PHYS | FTW_MOUNT);
	globfree(&g);
}

static bool guarded_bdev(dev_t rdev)
{
	__u64 k = kdev(rdev);
	__u32 f = 0;

	return bpf_map_lookup_elem(st.devs, &k, &f) == 0 && (f & MG_DEV_BLOCK);
}

/* Open for writing: the access mode in /proc/PID/fdinfo/FD is not O_RDONLY. */
static bool fd_writes(const char *pid, const char *fd)
{
	char path[2 * NAME_MAX + 32], line[128];
	unsigned long flags;
	bool w = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %lo", &flags) == 1)
			w = (flags & O_ACCMODE) != O_RDONLY;
	fclose(f);
	return w;
}

/* MAJ:MIN of the loop device whose /sys/block/loopN/loop/backing_file is attr. */
static int loop_dev(const char *attr, unsigned *ma, unsigned *mi)
{
	char path[PATH_MAX], *slash;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s", attr);
	if (!(slash = strstr(path, "/loop/backing_file")))
		return -1;
	snprintf(slash, sizeof(path) - (size_t)(slash - path), "/dev");
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fscanf(f, "%u:%u", ma, mi) == 2;
	fclose(f);
	return ok ? 0 : -1;
}

static void probe_blockdevs(void)
{
	char path[64 + 2 * NAME_MAX], what[PATH_MAX + 64];
	struct dirent *p, *e;
	struct stat sb;
	DIR *proc, *fds;
	glob_t g;

	/*
	 * A loop device writing through to one of them.  Since 6.12 the loop
	 * driver writes to its backing file with no file_permission check, so the
	 * loop device itself is guarded as the device under it: no write open,
	 * and the fds below, opened before the lock, refused by the write hook.
	 */
	if (glob("/sys/block/loop*/loop/backing_file", GLOB_NOSORT, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++) {
			FILE *f = fopen(g.gl_pathv[i], "re");
			unsigned ma, mi;

			if (f && fgets(what, sizeof(what), f)) {
				what[strcspn(what, "\n")] = 0;
				if (stat(what, &sb) == 0 && S_ISBLK(sb.st_mode) &&
				    guarded_bdev(sb.st_rdev)) {
					writer(what, "backs a loop device");
					if (loop_dev(g.gl_pathv[i], &ma, &mi) == 0)
						mark_dev(((__u64)ma << 20) | mi, MG_DEV_BLOCK);
				}
			}
			if (f)
				fclose(f);
		}
	globfree(&g);

	proc = opendir("/proc");
	while (proc && (p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && (e = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, e->d_name);
			if (e->d_name[0] == '.' || stat(path, &sb) || !S_ISBLK(sb.st_mode) ||
			    !guarded_bdev(sb.st_rdev) || !fd_writes(p->d_name, e->d_name))
				continue;
			snprintf(what, sizeof(what), "block device %u:%u", major(sb.st_rdev),
				 minor(sb.st_rdev));
			snprintf(path, sizeof(path), "held by pid %s", p->d_name);
			writer(what, path);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

static void probe_writers(const struct policy *pol)
{
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		probe_pattern(defaults[i]);
	for (unsigned i = 0; i < pol->n_protect; i++)
		probe_pattern(pol->protect[i]);
	probe_blockdevs();
}

/* ---- Writable shared mappings from before the lock -------------------- */

/*
 * A page fault meets no LSM hook, so a writable shared mapping made before
 * the lock keeps writing to the page cache whatever the hooks say.  It can
 * only be taken away from its holder, and the only way to do that from
 * outside is to end the process.  protect_sweep (an iterator over every
 * task's mappings) lists them; each holder is killed, and the sweep repeats
 * until it finds none, since a holder may fork before its turn.  New ones
 * cannot appear: mmap and mprotect are refused from the lock on.
 *
 * Pid reuse: the holder's pidfd is taken first and the sweep then repeated;
 * only a pid still listed in that second sweep is signalled, so the pidfd
 * names a process that holds such a mapping (if the pid was reused in
 * between, the new process holds one too, or is not listed).
 */
#define SWEEP_MAX 256
#define PROC_PID_INIT_INO 0xEFFFFFFCU /* the initial PID namespace's inode number */
#define SWEEP_ROUNDS 8

/* One pass of the iterator: the number of mappings found; the first max are stored. */
static ssize_t sweep(int link, struct mg_sweep_rec *rec, size_t max)
{
	size_t total = 0, cap = max * sizeof(*rec);
	int fd = bpf_iter_create(link);
	char buf[4096];

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		if (total < cap)
			memcpy((char *)rec + total, buf,
			       (size_t)r < cap - total ? (size_t)r : cap - total);
		total += r;
	}
	close(fd);
	return (ssize_t)(total / sizeof(*rec));
}

static bool listed(const struct mg_sweep_rec *rec, ssize_t n, __u32 tgid)
{
	for (ssize_t i = 0; i < n; i++)
		if (rec[i].tgid == tgid)
			return true;
	return false;
}

static void holder_name(const struct mg_sweep_rec *r, char *comm, size_t clen, char *path,
			size_t plen)
{
	char p[96];
	ssize_t l;
	FILE *f;

	snprintf(comm, clen, "?");
	snprintf(p, sizeof(p), "/proc/%u/comm", r->tgid);
	f = fopen(p, "re");
	if (f) {
		if (fgets(comm, (int)clen, f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	snprintf(p, sizeof(p), "/proc/%u/map_files/%llx-%llx", r->tgid,
		 (unsigned long long)r->start, (unsigned long long)r->end);
	l = readlink(p, path, plen - 1);
	if (l < 0)
		snprintf(path, plen, "inode %llu on %u:%u", (unsigned long long)r->ino,
			 (unsigned)(r->dev >> 20), (unsigned)(r->dev & 0xfffff));
	else
		path[l] = 0;
}

/* SWEEPER: the iterator program's fd. */
static void revoke_mappings(int sweeper, bool permissive)
{
	static struct mg_sweep_rec first[SWEEP_MAX], again[SWEEP_MAX];
	int link;
	pid_t self = getpid();
	struct stat ns;
	ssize_t n = 0;

	/* The iterator reports pids as the initial PID namespace numbers them. */
	if (stat("/proc/self/ns/pid", &ns) || ns.st_ino != PROC_PID_INIT_INO) {
		msg("WARNING: not in the initial PID namespace: writable shared mappings of "
		    "protected files are not looked for");
		st.unrevoked++;
		return;
	}
	link = bpf_link_create(sweeper, 0, BPF_TRACE_ITER, NULL);
	if (link < 0) {
		msg("WARNING: cannot look for writable shared mappings of protected files: %s",
		    strerror(errno));
		st.unrevoked++;
		return;
	}
	/* Permissive: refuse nothing, so kill nothing; name the holders. */
	if (permissive) {
		n = sweep(link, first, SWEEP_MAX);
		for (ssize_t i = 0; i < n && i < SWEEP_MAX; i++) {
			char comm[32], path[PATH_MAX];

			if (listed(first, i, first[i].tgid))
				continue;
			holder_name(&first[i], comm, sizeof(comm), path, sizeof(path));
			msg("WARNING: pid %u (%s) holds a writable shared mapping of %s from before "
			    "the lock: permissive mode, left running",
			    first[i].tgid, comm, path);
			st.unrevoked++;
		}
		if (n < 0)
			msg("WARNING: cannot look for writable shared mappings of protected files: %s",
			    strerror(errno));
		close(link);
		return;
	}
	for (int round = 0; round < SWEEP_ROUNDS; round++) {
		int pidfd[SWEEP_MAX];
		ssize_t m;

		n = sweep(link, first, SWEEP_MAX);
		if (n <= 0)
			break;
		n = n > SWEEP_MAX ? SWEEP_MAX : n;
		for (ssize_t i = 0; i < n; i++)
			pidfd[i] = (pid_t)first[i].tgid == self || listed(first, i, first[i].tgid) ?
					   -1 :
					   pidfd_open(first[i].tgid, 0);
		m = sweep(link, again, SWEEP_MAX);
		for (ssize_t i = 0; i < n; i++) {
			char comm[32], path[PATH_MAX];
			struct pollfd pfd = { .fd = pidfd[i], .events = POLLIN };

			if (pidfd[i] < 0)
				continue;
			if (m > 0 && listed(again, m > SWEEP_MAX ? SWEEP_MAX : m, first[i].tgid)) {
				holder_name(&first[i], comm, sizeof(comm), path, sizeof(path));
				msg("WARNING: pid %u (%s) holds a writable shared mapping of %s from "
				    "before the lock: killing it",
				    first[i].tgid, comm, path);
				/* Its memory goes before the pidfd says it has exited. */
				if (pidfd_send_signal(pidfd[i], SIGKILL, NULL, 0) == 0) {
					st.killed++;
					poll(&pfd, 1, 2000);
				}
			}
			close(pidfd[i]);
		}
	}
	if (n > 0) {
		n = sweep(link, first, SWEEP_MAX);
		if (n > 0) {
			char comm[32], path[PATH_MAX];

			holder_name(&first[0], comm, sizeof(comm), path, sizeof(path));
			msg("WARNING: %zd writable shared mappings of protected files remain, such "
			    "as pid %u (%s) on %s: they cannot be revoked; reboot to be sure",
			    n, first[0].tgid, comm, path);
			st.unrevoked += n;
		}
	}
	if (n < 0) {
		msg("WARNING: cannot look for writable shared mappings of protected files: %s",
		    strerror(errno));
		st.unrevoked++;
	}
	close(link);
}

static int pin_map(struct bpf_map *map, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", MG_PROTECT_PIN_DIR, name);
	if (bpf_map__pin(map, path)) {
		msg("%s: cannot pin: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int attach_pin(struct bpf_program *p)
{
	struct bpf_link *l = bpf_program__attach(p);
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];

	if (!l) {
		msg("self-protection: cannot attach %s: %s", bpf_program__name(p), strerror(errno));
		return -1;
	}
	if (bpf_obj_get_info_by_fd(bpf_link__fd(l), &info, &len) == 0)
		add_id(MG_ID_LINK, info.id);
	snprintf(path, sizeof(path), "%s/link_%s", MG_PROTECT_PIN_DIR, bpf_program__name(p));
	if (bpf_link__pin(l, path)) {
		msg("%s: cannot pin: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The real root's protected set (a start there, or the hand-off): the
 * trusted program, its file system, the default and policy patterns, and
 * the unit directories.
 */
static void mark_root_set(const struct policy *pol, const char *self_path)
{
	mark_inode("/proc/self/exe", true, MG_PROT_OBJECT);
	mark_fs(self_path);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		protect_pattern(defaults[i]);
	for (unsigned i = 0; i < pol->n_protect; i++)
		protect_pattern(pol->protect[i]);
	mark_unit_dirs();
}

/* Attach the write hook (program fd HOOK) and pin its link. */
static int attach_write_hook(int hook)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int l = bpf_raw_tracepoint_open(NULL, hook);

	if (l < 0 || bpf_obj_get_info_by_fd(l, &info, &len) ||
	    (add_id(MG_ID_LINK, info.id), st.err) ||
	    bpf_obj_pin(l, MG_PROTECT_PIN_DIR "/link_protect_file_permission")) {
		msg("self-protection: cannot attach the write hook: %s", strerror(errno));
		if (l >= 0)
			close(l);
		return -1;
	}
	close(l);
	return 0;
}

/*
 * Writers from before the lock, once write opens, mmap and mprotect are
 * refused: the write hook if a descriptor still writes to a protected file
 * (or one could not be checked), then the sweep of writable shared mappings.
 */
static int take_writers(const struct policy *pol, int hook, int sweeper)
{
	probe_writers(pol);
	phase("self-protection: probe for writers from before the lock");
	if (st.writers || st.unknown) {
		if (attach_write_hook(hook))
			return -1;
		printf("self-protection: write hook attached (%u writers from before the lock, "
		       "%u files unchecked)\n",
		       st.writers, st.unknown);
	}
	revoke_mappings(sweeper, pol->permissive);
	phase("self-protection: sweep for writable shared mappings");
	if (st.killed)
		printf("self-protection: holders of writable shared mappings killed: %u\n",
		       st.killed);
	return 0;
}

/*
 * Hooks whose arguments differ between kernels: load the program written
 * for the layout the running kernel's BTF gives, and only that one.  A
 * kernel that has neither layout fails the start, and the guard fails
 * closed: a program reading the wrong argument would protect nothing.
 */
int protect_start(const struct policy *pol, const struct btf *btf, int identity, bool early)
{
	struct protect_bpf *skel;
	struct bpf_program *p;
	struct bpf_map *m;
	struct stat ns;
	char self_path[PATH_MAX];
	ssize_t n;
	int ret = -1;

	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n > 0)
		self_path[n] = 0;
	if (n <= 0 || stat("/proc/self/ns/mnt", &ns)) {
		msg("self-protection: cannot identify the trusted program's root: %s",
		    strerror(errno));
		return -1;
	}
	skel = protect_bpf__open();
	if (!skel) {
		msg("self-protection: cannot open its BPF object: %s", strerror(errno));
		return -1;
	}
	/* Who the trusted program is: the guard's identity map (identity.h). */
	if (bpf_map__reuse_fd(skel->maps.identity, identity)) {
		msg("self-protection: cannot share the guard's identity map: %s", strerror(errno));
		goto out;
	}
	skel->rodata->cfg.root_mntns = ns.st_ino;
	skel->rodata->cfg.enforce = !pol->permissive;
	phase("self-protection: open");
	send_signal_offsets(&skel->rodata->cfg.send_signal_off,
			    &skel->rodata->cfg.send_signal_thread_off);
	if (!skel->rodata->cfg.send_signal_off)
		msg("WARNING: /proc/kallsyms hides bpf_send_signal: programs calling it are not refused");
	phase("self-protection: bpf_send_signal in /proc/kallsyms");
	/* Layouts and members, against the kernel's BTF (kmodel.c). */
	if (kmodel_report(btf, NULL, skel->obj))
		goto out;
	if (protect_bpf__load(skel)) {
		msg("self-protection: cannot load its BPF programs: %s", strerror(errno));
		goto out;
	}
	phase("self-protection: load its programs (verifier)");
	st.inodes = bpf_map__fd(skel->maps.prot_inodes);
	st.devs = bpf_map__fd(skel->maps.prot_devs);
	st.ids = bpf_map__fd(skel->maps.prot_ids);
	st.mnts = bpf_map__fd(skel->maps.prot_mnts);

	/* The set, before any program runs.  In the initramfs, the files are the
	 * image's and go at switch_root: the real root's are taken over at the
	 * hand-off (protect_handoff). */
	if (!early)
		mark_root_set(pol, self_path);
	mark_ancestors(MG_PIN_DIR "/x");
	mark_ancestors(MG_PROTECT_PIN_DIR "/x");

	/* The guard's objects and ours. */
	add_pinned(MG_PIN_DIR);
	bpf_object__for_each_program(p, skel->obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) == 0)
			add_prog(info.id, bpf_program__fd(p));
	}
	bpf_object__for_each_map(m, skel->obj)
	{
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len) == 0)
			add_id(MG_ID_MAP, info.id);
	}
	if (st.err)
		goto out;
	phase("self-protection: the protected set and the BPF objects");

	if (mkdir(MG_PROTECT_PIN_DIR, 0700) && errno != EEXIST) {
		msg("%s: %s", MG_PROTECT_PIN_DIR, strerror(errno));
		goto out;
	}
	if (pin_map(skel->maps.prot_inodes, "inodes") || pin_map(skel->maps.prot_devs, "devices") ||
	    pin_map(skel->maps.prot_ids, "ids") || pin_map(skel->maps.prot_stats, "stats") ||
	    pin_map(skel->maps.prot_mnts, "mounts"))
		goto out;
	/* The hand-off sweeps with the same iterator, and attaches the write hook
	 * if the real root's files have writers by then. */
	if (early &&
	    (bpf_program__pin(skel->progs.protect_sweep, MG_PROTECT_PIN_DIR "/prog_sweep") ||
	     bpf_program__pin(skel->progs.protect_file_permission,
			      MG_PROTECT_PIN_DIR "/prog_file_permission"))) {
		msg("%s: cannot pin the hand-off's programs: %s", MG_PROTECT_PIN_DIR,
		    strerror(errno));
		goto out;
	}
	/* The write hook only when writers from before the lock need it. */
	bpf_object__for_each_program(p, skel->obj) if (bpf_program__autoload(p) &&
						       p != skel->progs.protect_file_permission &&
						       p != skel->progs.protect_sweep &&
						       attach_pin(p)) goto out;
	phase("self-protection: attach and pin");
	/* Only now, with write opens refused: does anything still write? */
	if (!early && take_writers(pol, bpf_program__fd(skel->progs.protect_file_permission),
				   bpf_program__fd(skel->progs.protect_sweep)))
		goto out;
	/* Seal: the pins themselves, now that they all exist. */
	protect_path(MG_PIN_DIR);
	protect_path(MG_PROTECT_PIN_DIR);
	if (st.err)
		goto out;
	phase("self-protection: seal the pins");
	printf("self-protection locked%s: %u objects, %u ancestors, %u mounts, %u devices, %u BPF objects%s\n",
	       early ? " (initramfs: the real root's files at the hand-off)" : "", st.objects,
	       st.ancestors, st.mounts, st.devices, st.bpf_ids,
	       pol->permissive ? " (permissive: refusals reported only)" : "");
	ret = 0;
out:
	protect_bpf__destroy(skel); /* pinned links and maps stay */
	return ret;
}

/*
 * The hand-off (identity.h): the guard and its self-protection were started
 * in the initramfs, and this program, on the real root, is now the trusted
 * one.  Its files are protected as protect_start would have protected them,
 * into the pinned maps; then the writers and the writable shared mappings
 * from before the lock are dealt with, as at any start on a running system
 * (the write hook, pinned unattached in the initramfs, is attached if needed).
 */
int protect_handoff(const struct policy *pol)
{
	char self_path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	int sweeper, hook, r;

	if (n <= 0) {
		msg("self-protection: /proc/self/exe: %s", strerror(errno));
		return -1;
	}
	self_path[n] = 0;
	st.inodes = pin_open(MG_PROTECT_PIN_DIR, "inodes", "");
	st.devs = pin_open(MG_PROTECT_PIN_DIR, "devices", "");
	st.ids = pin_open(MG_PROTECT_PIN_DIR, "ids", "");
	st.mnts = pin_open(MG_PROTECT_PIN_DIR, "mounts", "");
	sweeper = pin_open(MG_PROTECT_PIN_DIR, "prog_sweep", "");
	hook = pin_open(MG_PROTECT_PIN_DIR, "prog_file_permission", "");
	if (st.inodes < 0 || st.devs < 0 || st.ids < 0 || st.mnts < 0 || sweeper < 0 || hook < 0)
		return -1;
	mark_root_set(pol, self_path);
	mark_ancestors(MG_PIN_DIR "/x");
	mark_ancestors(MG_PROTECT_PIN_DIR "/x");
	if (st.err)
		return -1;
	phase("self-protection: the protected set and the BPF objects");
	r = take_writers(pol, hook, sweeper);
	close(sweeper);
	close(hook);
	if (r)
		return -1;
	printf("self-protection taken over on the real root: %u objects, %u ancestors, %u mounts, "
	       "%u devices (%u writers from before the lock)\n",
	       st.objects, st.ancestors, st.mounts, st.devices, st.writers);
	return 0;
}

/* ---- Status (served raw: snapshot.h) ------------------------------------ */

static unsigned map_count(const char *name)
{
	char key[64], next[64];
	unsigned n = 0;
	int fd = pin_open(MG_PROTECT_PIN_DIR, name, NULL);

	if (fd < 0)
		return 0;
	for (void *prev = NULL; bpf_map_get_next_key(fd, prev, next) == 0; prev = key) {
		memcpy(key, next, sizeof(key));
		n++;
	}
	close(fd);
	return n;
}

void protect_snapshot(struct mg_snapshot *s)
{
	char path[PATH_MAX];
	int ncpu = libbpf_num_possible_cpus(), fd;

	fd = pin_open(MG_PROTECT_PIN_DIR, "stats", NULL);
	if (fd < 0 || ncpu <= 0) {
		s->protect_err = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		return;
	}
	s->protect_inodes = map_count("inodes");
	s->protect_devices = map_count("devices");
	s->protect_ids = map_count("ids");
	snprintf(path, sizeof(path), "%s/link_protect_file_permission", MG_PROTECT_PIN_DIR);
	s->write_hook = access(path, F_OK) == 0;
	for (__u32 r = 0; r < MG_PR__MAX; r++) {
		__u64 vals[ncpu], sum = 0;

		if (bpf_map_lookup_elem(fd, &r, vals) == 0)
			for (int i = 0; i < ncpu; i++)
				sum += vals[i];
		s->protect_stats[r] = sum;
	}
	close(fd);
}

/* ---- Maintenance: trust-add --------------------------------------------- */

/*
 * The one run-time change to protected state: a certificate joins the trust
 * store only when a key already in it signed the certificate.  The guard
 * lets only the trusted program write there; anything broader (removing a
 * key, changing the policy) waits for a reboot with the guard down, which is
 * the owner's, not root's, to arrange.
 */

/*
 * trust-add decides with the store verification uses (trust_open: the same
 * file filter, deny-list parser and validity rules), through
 * modguard_trust_vouch().  The certificate becomes live only by the final
 * rename, after the new file's bytes were read back as the store would read
 * them; the temporary name starts with '.', which the store never reads.
 */
int cmd_trust_add(int argc, char *argv[])
{
	struct modguard_trust *t = NULL;
	struct modguard_err err = { 0 };
	uint8_t *in = NULL, *der = NULL, fp[32];
	char fph[65], tmp[64], dst[64], *pem = NULL;
	size_t in_len = 0, der_len = 0, signer = 0;
	int r, ret = EXIT_USAGE, cfd = -1, dfd = -1, fd = -1;
	long pem_len;
	BIO *b = NULL;
	X509 *x = NULL;
	const uint8_t *p;

	if (argc != 2) {
		msg("usage: trust-add CERT (PEM or DER, signed by a key already in %s)", TRUST_DIR);
		return EXIT_USAGE;
	}
	if (modguard_file_read(argv[1], &in, &in_len, &err)) {
		msg("%s: %s", argv[1], err.msg);
		return EXIT_USAGE;
	}
	r = trust_open(NULL, true, &t);
	if (r) {
		free(in);
		return -r;
	}
	r = modguard_trust_vouch(t, in, in_len, &signer, fp, &der, &der_len, &err);
	hex(fp, 32, fph);
	if (r == 1) {
		printf("%s: already in %s (%s)\n", argv[1], TRUST_DIR,
		       modguard_trust_cert_label(t, signer));
		ret = EXIT_OK;
		goto out;
	}
	if (r < 0) {
		if (err.reason == MG_E_REVOKED_KEY)
			msg("%s: certificate %s is on the deny list %s", argv[1], fph, DENY_LIST);
		else if (err.reason == MG_E_UNKNOWN_SIGNER)
			msg("%s: %s %s; adding a new root of trust waits for a reboot with the guard down",
			    argv[1], err.msg, TRUST_DIR);
		else
			msg("%s: %s", argv[1], err.msg);
		ret = err.reason == MG_E_IO || err.reason == MG_E_NOMEM ||
				      err.reason == MG_E_TOO_BIG ?
			      EXIT_USAGE :
			      EXIT_DENIED;
		goto out;
	}
	/*
	 * The file to write: PEM of the DER.  Read back by the same decision, it
	 * must be the same certificate, still vouched for.
	 */
	p = der;
	x = d2i_X509(NULL, &p, (long)der_len);
	b = BIO_new(BIO_s_mem());
	pem_len = 0;
	if (!x || !b || !PEM_write_bio_X509(b, x) || (pem_len = BIO_get_mem_data(b, &pem)) <= 0 ||
	    !pem) {
		msg("%s: cannot encode the certificate", argv[1]);
		goto out;
	}
	{
		uint8_t fp2[32], *der2 = NULL;
		size_t s2 = 0, len2 = 0;
		struct modguard_err e2 = { 0 };
		int rr = modguard_trust_vouch(t, (const uint8_t *)pem, (size_t)pem_len, &s2, fp2,
					      &der2, &len2, &e2);

		OPENSSL_free(der2);
		if (rr != 0 || memcmp(fp2, fp, 32)) {
			msg("%s: the certificate does not read back as itself; not added", argv[1]);
			ret = EXIT_DENIED;
			goto out;
		}
	}
	snprintf(dst, sizeof(dst), "added-%.16s.crt", fph);
	snprintf(tmp, sizeof(tmp), ".added-%.16s.tmp", fph);
	cfd = conf_open(AT_FDCWD, MODGUARD_SYSCONFDIR, O_RDONLY | O_DIRECTORY);
	dfd = cfd >= 0 ? conf_open(cfd, "trust.d", O_RDONLY | O_DIRECTORY) : -1;
	if (dfd < 0) {
		msg("%s: cannot open: %s", TRUST_DIR, strerror(errno));
		goto out;
	}
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, pem, (size_t)pem_len) != pem_len || fsync(fd)) {
		msg("%s/%s: cannot write: %s", TRUST_DIR, tmp, strerror(errno ? errno : EIO));
		if (fd >= 0)
			unlinkat(dfd, tmp, 0);
		goto out;
	}
	if (renameat(dfd, tmp, dfd, dst)) {
		msg("%s/%s: cannot rename into place: %s", TRUST_DIR, dst, strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	fsync(dfd);
	printf("added %s (signed by %s) as %s/%s\n", argv[1], modguard_trust_cert_label(t, signer),
	       TRUST_DIR, dst);
	ret = EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (cfd >= 0)
		close(cfd);
	BIO_free(b);
	X509_free(x);
	OPENSSL_free(der);
	free(in);
	modguard_trust_free(t);
	return ret;
}
