// SPDX-License-Identifier: GPL-2.0-only
/*
 * mgattack: one raw system call (or a short, fixed sequence of them) per
 * attack on modguard's self-protection, for the VM attack suite.
 *
 *   mgattack CMD ARGS...
 *
 * Prints "OK" when the attack's system calls all succeeded, otherwise the
 * failing step and the errno name ("open: EPERM"), and exits 0 or 1
 * (2 on usage errors).  Built statically on the host by tests/vm/run, with
 * libbpf, so it runs in the busybox guest.
 *
 * Commands (F a file, D a directory, P a pid):
 *   state F               one line: type mode owner links ino size xattrs mount
 *   open-write F [trunc|append|rdwr]   open for writing and write one byte
 *   truncate F | fallocate F | unlink F | rmdir D | rename A B | exchange A B
 *   link A B | symlink TARGET L | mkdir D | mknod-blk F MAJ MIN | create F
 *   chmod F | chown F | utimes F | setxattr F NAME [VALUE] | removexattr F NAME
 *   setflags F | fssetxattr F | ioctl-raw F CMD
 *   file-setattr F         file_setattr(2) with FS_XFLAG_APPEND (no ioctl)
 *   iouring-write F        IORING_OP_OPENAT for write, then IORING_OP_WRITE
 *   splice F | copy-range F SRC | sendfile F SRC   (each opens F for writing)
 *   prelock F OUT          open F rdwr and map it, wait for SIGUSR1, then try
 *                          write, pwrite, ftruncate, fallocate, splice,
 *                          copy_file_range, sendfile, io_uring write, mmap,
 *                          mprotect with that fd; one line per try to OUT
 *   prelock-map F OUT      map F shared and writable, close the fd, wait for
 *                          SIGUSR1, then write "evil" through the mapping and
 *                          msync; "map OK" or "map ERRNO" to OUT
 *   move-mount FROM TO     open_tree(OPEN_TREE_CLONE) + move_mount
 *   fsmount-tmpfs TO       fsopen/fsconfig/fsmount + move_mount
 *   umount D [lazy]
 *   dm-linear DEV          device-mapper: create a linear map over DEV and open it rdwr
 *   bpf-map-rw PIN         get a writable fd of a pinned map
 *   bpf-map-byid PIN       read its id through a read-only fd, then MAP_GET_FD_BY_ID rw
 *   bpf-map-byid-all       MAP_GET_FD_BY_ID of every map: fails if one of the guard's opens
 *   bpf-map-update PIN / bpf-map-delete PIN / bpf-map-freeze PIN   with a read-only fd
 *   bpf-link-detach PIN    BPF_LINK_DETACH of a pinned link
 *   bpf-link-byid-all / bpf-prog-byid-all   *_GET_FD_BY_ID of every id: fails if one of the
 *                          guard's opens
 *   bpf-ext / bpf-fentry-prog   freplace (BPF_PROG_TYPE_EXT) or fentry aimed at a guard
 *                          program, if any of them can be opened by id
 *   bpf-fmodret FUNC       fmod_ret program on FUNC returning 0
 *   bpf-lsm HOOK [SEC]     LSM program on HOOK returning 0, attached for SEC seconds
 *   bpf-lsm-deny HOOK [SEC]  the same, returning -EPERM
 *   bpf-lsm-errno HOOK INO ERRNO SEC [DEV]  LSM program on inode_permission or
 *                          file_open returning -ERRNO for inode INO (on the file
 *                          system st_dev DEV) only; offsets from the kernel's BTF
 *   bpf-fentry FUNC        fentry program on FUNC, attached
 *   bpf-send-signal        kprobe program calling bpf_send_signal(SIGKILL)
 *   bpf-write-user         kprobe program calling bpf_probe_write_user
 *   bpf-pin-ok PATH        create an array map and pin it at PATH
 *   bpf-tracing-ok         load, attach and detach a raw tracepoint counter
 *   bpf-cgroup-ok CGDIR    load, attach and detach a cgroup skb program
 *   ptrace P | vm-writev P | proc-mem P | pidfd-getfd P FD | traced-exec PROG ARGS...
 *   seccomp-exec PROG ARGS...  exec under a filter faking ENOENT for access()
 *   threads P              into every thread of P: task/TID/mem write, process_vm_writev,
 *                          PTRACE_ATTACH, pidfd_getfd, task/TID/fd/0; one line per
 *                          thread and step; exit 0 if any got in, 1 if none did,
 *                          2 if P had no thread but its leader
 *   clonefs-exec DIR PROG ARGS...  a CLONE_FS child execs PROG (no environment);
 *                          once it runs PROG, chroot(DIR) here moves its root too;
 *                          exit: the child's status (100+errno: its execve failed)
 *   exec-argv0 ARGV0 PROG ARGS...  exec PROG with argv[0] ARGV0, no environment
 *   swap-loop A B SEC      renameat2(RENAME_EXCHANGE) A and B over and over for SEC s
 *   sleep SEC              sleep (a process to kill, e.g. under exec-argv0)
 *   kexec-file KERNEL | kexec-load
 *   iopl | ioperm | dev-write DEV OFFSET   (/dev/mem, /dev/port, msr)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <linux/kexec.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int fail(const char *step)
{
	const char *n = strerrorname_np(errno);

	printf("%s: %s\n", step, n ? n : "E?");
	return 1;
}

static int okay(void)
{
	puts("OK");
	return 0;
}

#define TRY(step, expr)                    \
	do {                               \
		if ((long)(expr) < 0)      \
			return fail(step); \
	} while (0)

/* ---- state ------------------------------------------------------------ */

static unsigned long long mount_id(const char *path)
{
	struct statx sx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx))
		return 0;
	return sx.stx_mnt_id;
}

/* FNV-1a over every xattr name and value. */
static unsigned long long xattr_digest(const char *path, int *count)
{
	char names[8192], val[8192];
	unsigned long long h = 1469598103934665603ULL;
	ssize_t n = llistxattr(path, names, sizeof(names));

	*count = 0;
	for (ssize_t i = 0; n > 0 && i < n; i += strlen(names + i) + 1) {
		ssize_t v = lgetxattr(path, names + i, val, sizeof(val));

		(*count)++;
		for (const char *s = names + i; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ULL;
		for (ssize_t j = 0; j < v; j++)
			h = (h ^ (unsigned char)val[j]) * 1099511628211ULL;
	}
	return h;
}

static int cmd_state(const char *path)
{
	struct stat sb;
	int nx;
	unsigned long long xd;

	if (lstat(path, &sb)) {
		puts("absent");
		return 0;
	}
	xd = xattr_digest(path, &nx);
	printf("mode=%o uid=%u gid=%u links=%lu ino=%lu size=%lld mtime=%lld.%09ld xattrs=%d:%016llx mnt=%llu\n",
	       sb.st_mode, sb.st_uid, sb.st_gid, (unsigned long)sb.st_nlink,
	       (unsigned long)sb.st_ino, (long long)sb.st_size, (long long)sb.st_mtim.tv_sec,
	       sb.st_mtim.tv_nsec, nx, xd, mount_id(path));
	return 0;
}

/* ---- io_uring, raw ---------------------------------------------------- */

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params p = {};
	void *sq, *cq;

	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned *)((char *)sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)((char *)sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)((char *)sq + p.sq_off.array);
	r->cq_head = (unsigned *)((char *)cq + p.cq_off.head);
	r->cq_tail = (unsigned *)((char *)cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)((char *)cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	return 0;
}

/* Submit one SQE and return its result (a negative errno on failure). */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe)
{
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	int res;

	r->sqes[idx] = *sqe;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static int uring_write_fd(struct ring *r, int fd)
{
	struct io_uring_sqe sqe = { .opcode = IORING_OP_WRITE };

	sqe.fd = fd;
	sqe.addr = (unsigned long)"X";
	sqe.len = 1;
	return ring_run(r, &sqe);
}

static int cmd_iouring_write(const char *path)
{
	struct io_uring_sqe sqe = { .opcode = IORING_OP_OPENAT };
	struct ring r;
	int fd;

	TRY("io_uring_setup", ring_init(&r));
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)path;
	sqe.open_flags = O_WRONLY;
	fd = ring_run(&r, &sqe);
	if (fd < 0) {
		errno = -fd;
		return fail("io_uring openat");
	}
	fd = uring_write_fd(&r, fd);
	if (fd < 0) {
		errno = -fd;
		return fail("io_uring write");
	}
	return okay();
}

/* ---- writes through an fd of the file --------------------------------- */

static int write_via(int fd, const char *how, const char *src)
{
	int p[2], s;
	loff_t off = 0;

	if (!strcmp(how, "write"))
		return write(fd, "X", 1) == 1 ? 0 : -1;
	if (!strcmp(how, "pwrite"))
		return pwrite(fd, "X", 1, 0) == 1 ? 0 : -1;
	if (!strcmp(how, "ftruncate"))
		return ftruncate(fd, 1);
	if (!strcmp(how, "fallocate"))
		return fallocate(fd, 0, 0, 1 << 20);
	if (!strcmp(how, "punch"))
		return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096);
	if (!strcmp(how, "splice")) {
		if (pipe(p) || write(p[1], "X", 1) != 1)
			return -1;
		return splice(p[0], NULL, fd, &off, 1, 0) == 1 ? 0 : -1;
	}
	if (!strcmp(how, "copy_file_range") || !strcmp(how, "sendfile")) {
		s = open(src, O_RDONLY);
		if (s < 0)
			return -1;
		if (how[0] == 'c')
			return copy_file_range(s, NULL, fd, &off, 1, 0) == 1 ? 0 : -1;
		return sendfile(fd, s, NULL, 1) == 1 ? 0 : -1;
	}
	if (!strcmp(how, "io_uring")) {
		struct ring r;
		int res;

		if (ring_init(&r))
			return -1;
		res = uring_write_fd(&r, fd);
		if (res < 0) {
			errno = -res;
			return -1;
		}
		return 0;
	}
	if (!strcmp(how, "mmap")) {
		char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (m == MAP_FAILED)
			return -1;
		munmap(m, 4096);
		return 0;
	}
	if (!strcmp(how, "mprotect")) {
		char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

		if (m == MAP_FAILED)
			return -1;
		return mprotect(m, 4096, PROT_READ | PROT_WRITE);
	}
	errno = EINVAL;
	return -1;
}

static int cmd_write_via(const char *path, const char *how, const char *src)
{
	int fd = open(path, O_WRONLY);

	TRY("open", fd);
	TRY(how, write_via(fd, how, src));
	return okay();
}

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go = 1;
}

static int cmd_prelock(const char *path, const char *out, const char *src)
{
	static const char *const hows[] = { "write",	"pwrite", "ftruncate",	     "fallocate",
					    "punch",	"splice", "copy_file_range", "sendfile",
					    "io_uring", "mmap",	  "mprotect" };
	int fd = open(path, O_RDWR);
	FILE *f;

	TRY("open", fd);
	signal(SIGUSR1, on_usr1);
	puts("READY");
	fflush(stdout);
	while (!go)
		pause();
	f = fopen(out, "we");
	if (!f)
		return fail("open out");
	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		if (write_via(fd, hows[i], src) == 0) {
			fprintf(f, "%s OK\n", hows[i]);
		} else {
			const char *n = strerrorname_np(errno);

			fprintf(f, "%s %s\n", hows[i], n ? n : "E?");
		}
	}
	fclose(f);
	return 0;
}

static int cmd_prelock_map(const char *path, const char *out)
{
	int fd = open(path, O_RDWR);
	char *p;
	FILE *f;
	int r;

	TRY("open", fd);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	close(fd); /* the mapping alone keeps the file writable */
	signal(SIGUSR1, on_usr1);
	puts("READY");
	fflush(stdout);
	while (!go)
		pause();
	memcpy(p, "evil", 4);
	r = msync(p, 4096, MS_SYNC);
	f = fopen(out, "we");
	if (!f)
		return fail("open out");
	if (r == 0) {
		fprintf(f, "map OK\n");
	} else {
		const char *n = strerrorname_np(errno);

		fprintf(f, "map %s\n", n ? n : "E?");
	}
	fclose(f);
	return 0;
}

/* ---- mounts ------------------------------------------------------------ */

static int cmd_move_mount(const char *from, const char *to)
{
	int fd = syscall(__NR_open_tree, AT_FDCWD, from, OPEN_TREE_CLONE);

	TRY("open_tree", fd);
	TRY("move_mount", syscall(__NR_move_mount, fd, "", AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH));
	return okay();
}

static int cmd_move_mount_move(const char *from, const char *to)
{
	TRY("move_mount", syscall(__NR_move_mount, AT_FDCWD, from, AT_FDCWD, to, 0));
	return okay();
}

static int cmd_fsmount_tmpfs(const char *to)
{
	int fs = syscall(__NR_fsopen, "tmpfs", 0), mnt;

	TRY("fsopen", fs);
	TRY("fsconfig", syscall(__NR_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	mnt = syscall(__NR_fsmount, fs, 0, 0);
	TRY("fsmount", mnt);
	TRY("move_mount", syscall(__NR_move_mount, mnt, "", AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH));
	return okay();
}

/* ---- device-mapper ----------------------------------------------------- */

static int dm_ioctl(int ctl, unsigned long cmd, const char *name, const char *target,
		    const char *params, uint64_t sectors)
{
	char buf[16384] = {};
	struct dm_ioctl *io = (struct dm_ioctl *)buf;

	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = sizeof(buf);
	io->data_start = sizeof(*io);
	snprintf(io->name, sizeof(io->name), "%s", name);
	if (target) {
		struct dm_target_spec *t = (struct dm_target_spec *)(buf + sizeof(*io));

		io->target_count = 1;
		t->length = sectors;
		snprintf(t->target_type, sizeof(t->target_type), "%s", target);
		strcpy((char *)(t + 1), params);
		t->next = 0;
	}
	return ioctl(ctl, cmd, io);
}

static int cmd_dm_linear(const char *dev)
{
	struct stat sb;
	char params[64];
	uint64_t bytes = 0;
	int ctl, bfd, fd;

	TRY("stat", stat(dev, &sb));
	bfd = open(dev, O_RDONLY);
	TRY("open ro", bfd);
	TRY("BLKGETSIZE64", ioctl(bfd, BLKGETSIZE64, &bytes));
	close(bfd);
	ctl = open("/dev/mapper/control", O_RDWR);
	if (ctl < 0)
		ctl = open("/dev/device-mapper", O_RDWR);
	TRY("open /dev/mapper/control", ctl);
	snprintf(params, sizeof(params), "%u:%u 0", major(sb.st_rdev), minor(sb.st_rdev));
	TRY("DM_DEV_CREATE", dm_ioctl(ctl, DM_DEV_CREATE, "mgattack", NULL, NULL, 0));
	if (dm_ioctl(ctl, DM_TABLE_LOAD, "mgattack", "linear", params, bytes / 512) < 0) {
		int e = errno;

		dm_ioctl(ctl, DM_DEV_REMOVE, "mgattack", NULL, NULL, 0);
		errno = e;
		return fail("DM_TABLE_LOAD");
	}
	TRY("DM_DEV_SUSPEND (resume)", dm_ioctl(ctl, DM_DEV_SUSPEND, "mgattack", NULL, NULL, 0));
	fd = open("/dev/mapper/mgattack", O_RDWR);
	if (fd < 0) {
		/* No udev in the guest: make the node from the map's device number. */
		char buf[16384] = {};
		struct dm_ioctl *io = (struct dm_ioctl *)buf;

		io->version[0] = DM_VERSION_MAJOR;
		io->data_size = sizeof(buf);
		snprintf(io->name, sizeof(io->name), "mgattack");
		if (ioctl(ctl, DM_DEV_STATUS, io) == 0) {
			mknod("/tmp/mgattack-dm", S_IFBLK | 0600, io->dev);
			fd = open("/tmp/mgattack-dm", O_RDWR);
		}
	}
	TRY("open dm rdwr", fd);
	TRY("write dm", pwrite(fd, "X", 1, 1024 * 1024) == 1 ? 0 : -1);
	return okay();
}

/* ---- bpf ---------------------------------------------------------------- */

static int pinned_ro(const char *pin)
{
	LIBBPF_OPTS(bpf_obj_get_opts, o, .file_flags = BPF_F_RDONLY);

	return bpf_obj_get_opts(pin, &o);
}

static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int btf_func_id(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return -1;
	return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
}

static char vlog[65536];

static int load(enum bpf_prog_type type, enum bpf_attach_type eat, int btf_id, int target_fd,
		const struct bpf_insn *insns, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = eat, .attach_btf_id = btf_id,
		    .attach_prog_fd = target_fd, .log_buf = vlog, .log_size = sizeof(vlog),
		    .log_level = 1);
	int fd = bpf_prog_load(type, "mgattack", "GPL", insns, n, &o);

	if (fd < 0 && vlog[0] && getenv("MGATTACK_VERBOSE"))
		fprintf(stderr, "%s\n", vlog);
	return fd;
}

/*
 * The byte offset of FIELD in struct ST, from the kernel's BTF (members of
 * anonymous structs and unions included); -1 if there is none.
 */
static int btf_field_off(const struct btf *btf, int id, const char *field)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;

	if (!t || (!btf_is_struct(t) && !btf_is_union(t)))
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		int off = btf_member_bit_offset(t, i) / 8, sub;

		if (n && !strcmp(n, field))
			return off;
		if (n && *n)
			continue;
		sub = btf_field_off(btf, btf__resolve_type(btf, m->type), field);
		if (sub >= 0)
			return off + sub;
	}
	return -1;
}

static int btf_offset(const struct btf *btf, const char *st, const char *field)
{
	int id = btf__find_by_name_kind(btf, st, BTF_KIND_STRUCT);

	if (id < 0)
		return -1;
	return btf_field_off(btf, id, field);
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/*
 * bpf-lsm-errno HOOK INO ERRNO SECONDS [DEV]: an LSM program on HOOK
 * (inode_permission: ctx[0] is the inode; file_open: ctx[0] is the file, then
 * file->f_inode) returning -ERRNO for the inode numbered INO (and, with DEV,
 * only on the file system whose st_dev is DEV), 0 for every other.  Field
 * offsets come from the running kernel's BTF.  Prints OK once attached and
 * keeps it attached SECONDS.
 */
static int cmd_bpf_lsm_errno(int argc, char **argv)
{
	const char *hook = argc > 2 ? argv[2] : "";
	unsigned long long ino, udev;
	unsigned int kdev;
	int err, secs;
	bool by_dev = argc > 6;
	struct bpf_insn p[32];
	int n = 0, jumps[8], nj = 0, off_ino, off_finode = -1, off_sb = -1, off_sdev = -1;
	struct btf *btf;
	char name[128];
	int id, fd;

	if (argc < 6 || (strcmp(hook, "inode_permission") && strcmp(hook, "file_open"))) {
		fprintf(stderr,
			"usage: mgattack bpf-lsm-errno inode_permission|file_open INO ERRNO "
			"SECONDS [DEV]\n");
		return 2;
	}
	ino = strtoull(argv[3], NULL, 0);
	err = atoi(argv[4]);
	secs = atoi(argv[5]);
	udev = by_dev ? strtoull(argv[6], NULL, 0) : 0;
	/* The kernel's dev_t (MKDEV: 12 bits of major, 20 of minor) of that st_dev. */
	kdev = (unsigned int)(major(udev) << 20 | minor(udev));
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return fail("btf__load_vmlinux_btf");
	off_ino = btf_offset(btf, "inode", "i_ino");
	if (hook[0] == 'f')
		off_finode = btf_offset(btf, "file", "f_inode");
	if (by_dev) {
		off_sb = btf_offset(btf, "inode", "i_sb");
		off_sdev = btf_offset(btf, "super_block", "s_dev");
	}
	if (off_ino < 0 || (hook[0] == 'f' && off_finode < 0) ||
	    (by_dev && (off_sb < 0 || off_sdev < 0))) {
		errno = ENOENT;
		return fail("btf offsets");
	}
	printf("btf: inode.i_ino at %d", off_ino);
	if (off_finode >= 0)
		printf(", file.f_inode at %d", off_finode);
	if (by_dev)
		printf(", inode.i_sb at %d, super_block.s_dev at %d (dev %u:%u)", off_sb, off_sdev,
		       major(udev), minor(udev));
	printf("\n");

	/* r6 = the inode (the hook's first argument, or its file's f_inode). */
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_6, BPF_REG_1, 0, 0);
	if (off_finode >= 0)
		p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_6, BPF_REG_6, off_finode, 0);
	jumps[nj++] = n;
	p[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_6, 0, 0, 0);
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_6, off_ino, 0);
	p[n++] = INSN(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_3, 0, 0, (__s32)(ino & 0xffffffffu));
	p[n++] = INSN(0, 0, 0, 0, (__s32)(ino >> 32));
	jumps[nj++] = n;
	p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_2, BPF_REG_3, 0, 0);
	if (by_dev) {
		p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_4, BPF_REG_6, off_sb, 0);
		jumps[nj++] = n;
		p[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_4, 0, 0, 0);
		p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_4, off_sdev, 0);
		jumps[nj++] = n;
		p[n++] = INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (__s32)kdev);
	}
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, -err);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* out: */
	for (int j = 0; j < nj; j++)
		p[jumps[j]].off = n - jumps[j] - 1;
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	snprintf(name, sizeof(name), "bpf_lsm_%s", hook);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	TRY("btf", id);
	fd = load(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, id, 0, p, n);
	TRY("BPF_PROG_LOAD", fd);
	TRY("BPF_RAW_TRACEPOINT_OPEN (attach)", bpf_raw_tracepoint_open(NULL, fd));
	printf("OK: %s returns -%d for inode %llu\n", name, err, ino);
	fflush(stdout);
	sleep(secs);
	return 0;
}

static int cmd_bpf(int argc, char **argv)
{
	const char *c = argv[1];
	struct bpf_link_info li;
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	int fd, id;

	if (!strcmp(c, "bpf-map-byid-all")) {
		/* Every map id in the system: none of the guard's may open. */
		static const char *const ours[] = { "admitted",	   "stats",  "recent", "events",
						    "task_states", "guard_", "prot_",  "protect_" };
		__u32 next = 0;
		int refused = 0, opened = 0, err = 0;

		while (bpf_map_get_next_id(next, &next) == 0) {
			struct bpf_map_info info = {};
			__u32 il = sizeof(info);

			fd = bpf_map_get_fd_by_id(next);
			if (fd < 0) {
				refused++;
				err = errno;
				continue;
			}
			opened++;
			bpf_obj_get_info_by_fd(fd, &info, &il);
			close(fd);
			for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
				if (!strncmp(info.name, ours[i], strlen(ours[i]))) {
					printf("OK: opened map %u \"%s\"\n", next, info.name);
					return 0;
				}
		}
		errno = err;
		printf("%d of %d maps refused, none of the guard's opened\n", refused,
		       refused + opened);
		return refused ? fail("BPF_MAP_GET_FD_BY_ID") : okay();
	}
	if (!strcmp(c, "bpf-map-rw")) {
		TRY("BPF_OBJ_GET rw", bpf_obj_get(argv[2]));
		return okay();
	}
	if (!strncmp(c, "bpf-map-", 8)) {
		char key[256] = {}, val[65536] = {};

		fd = pinned_ro(argv[2]);
		TRY("BPF_OBJ_GET ro", fd);
		TRY("info", bpf_obj_get_info_by_fd(fd, &mi, &len));
		if (!strcmp(c, "bpf-map-byid")) {
			TRY("BPF_MAP_GET_FD_BY_ID", bpf_map_get_fd_by_id(mi.id));
			return okay();
		}
		if (!strcmp(c, "bpf-map-update")) {
			bpf_map_get_next_key(fd, NULL, key);
			TRY("BPF_MAP_UPDATE_ELEM", bpf_map_update_elem(fd, key, val, BPF_ANY));
			return okay();
		}
		if (!strcmp(c, "bpf-map-delete")) {
			TRY("BPF_MAP_GET_NEXT_KEY", bpf_map_get_next_key(fd, NULL, key));
			TRY("BPF_MAP_DELETE_ELEM", bpf_map_delete_elem(fd, key));
			return okay();
		}
		if (!strcmp(c, "bpf-map-freeze")) {
			TRY("BPF_MAP_FREEZE", bpf_map_freeze(fd));
			return okay();
		}
	}
	if (!strcmp(c, "bpf-link-detach")) {
		fd = bpf_obj_get(argv[2]);
		TRY("BPF_OBJ_GET", fd);
		TRY("BPF_LINK_DETACH", bpf_link_detach(fd));
		return okay();
	}
	if (!strcmp(c, "bpf-link-byid-all")) {
		/* Every link id: a link whose program cannot be opened is the guard's. */
		__u32 next = 0;
		int refused = 0, opened = 0, err = 0;

		while (bpf_link_get_next_id(next, &next) == 0) {
			__u32 il = sizeof(li);
			int pfd;

			fd = bpf_link_get_fd_by_id(next);
			if (fd < 0) {
				refused++;
				err = errno;
				continue;
			}
			opened++;
			memset(&li, 0, sizeof(li));
			bpf_obj_get_info_by_fd(fd, &li, &il);
			pfd = bpf_prog_get_fd_by_id(li.prog_id);
			if (pfd < 0 && errno == EPERM) {
				printf("OK: opened link %u of protected program %u\n", next,
				       li.prog_id);
				return 0;
			}
			close(pfd);
			close(fd);
		}
		errno = err;
		printf("%d of %d links refused, none of the guard's opened\n", refused,
		       refused + opened);
		return refused ? fail("BPF_LINK_GET_FD_BY_ID") : okay();
	}
	if (!strcmp(c, "bpf-prog-byid-all") || !strcmp(c, "bpf-ext") ||
	    !strcmp(c, "bpf-fentry-prog")) {
		/* Every program id: none of the guard's may open; with one, aim at it. */
		__u32 next = 0;
		int refused = 0, opened = 0, err = 0;

		fd = -1;
		while (bpf_prog_get_next_id(next, &next) == 0) {
			struct bpf_prog_info pi = {};
			__u32 pl = sizeof(pi);
			int f = bpf_prog_get_fd_by_id(next);

			if (f < 0) {
				refused++;
				err = errno;
				continue;
			}
			opened++;
			bpf_obj_get_info_by_fd(f, &pi, &pl);
			if (!strncmp(pi.name, "guard_", 6) || !strncmp(pi.name, "protect_", 8)) {
				fd = f;
				break;
			}
			close(f);
		}
		if (fd < 0) {
			errno = err;
			printf("%d of %d programs refused, none of the guard's opened\n", refused,
			       refused + opened);
			return refused ? fail("BPF_PROG_GET_FD_BY_ID") : okay();
		}
		if (!strcmp(c, "bpf-prog-byid-all")) {
			printf("OK: opened a guard program\n");
			return 0;
		}
		/* The guard's programs are the only function in their BTF: id 0 is void,
		 * the program's FUNC is found by name in the program's own BTF. */
		{
			struct bpf_prog_info pi = {};
			__u32 pl = sizeof(pi);
			struct btf *b;
			int tid;

			TRY("info", bpf_obj_get_info_by_fd(fd, &pi, &pl));
			b = btf__load_from_kernel_by_id(pi.btf_id);
			if (!b)
				return fail("btf");
			tid = btf__find_by_name_kind(b, pi.name, BTF_KIND_FUNC);
			TRY("btf func", tid);
			if (!strcmp(c, "bpf-ext"))
				TRY("BPF_PROG_LOAD ext",
				    load(BPF_PROG_TYPE_EXT, 0, tid, fd, ret0, 2));
			else
				TRY("BPF_PROG_LOAD fentry",
				    load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, tid, fd, ret0,
					 2));
			return okay();
		}
	}
	if (!strcmp(c, "bpf-lsm-errno"))
		return cmd_bpf_lsm_errno(argc, argv);
	if (!strcmp(c, "bpf-fmodret") || !strcmp(c, "bpf-fentry") || !strncmp(c, "bpf-lsm", 7)) {
		bool lsm = !strncmp(c, "bpf-lsm", 7);
		/* bpf-lsm-deny: the program returns -EPERM (a probe of whether LSM programs run). */
		const struct bpf_insn deny[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -EPERM },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		char name[128];

		snprintf(name, sizeof(name), "%s%s", lsm ? "bpf_lsm_" : "", argv[2]);
		id = btf_func_id(name);
		TRY("btf", id);
		if (lsm)
			fd = load(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, id, 0,
				  !strcmp(c, "bpf-lsm-deny") ? deny : ret0, 2);
		else
			fd = load(BPF_PROG_TYPE_TRACING,
				  c[5] == 'm' ? BPF_MODIFY_RETURN : BPF_TRACE_FENTRY, id, 0, ret0,
				  2);
		TRY("BPF_PROG_LOAD", fd);
		TRY("BPF_RAW_TRACEPOINT_OPEN (attach)", bpf_raw_tracepoint_open(NULL, fd));
		puts("OK");
		fflush(stdout);
		if (argc > 3)
			sleep(atoi(argv[3])); /* keep it attached while the caller tests */
		return 0;
	}
	if (!strcmp(c, "bpf-send-signal")) {
		const struct bpf_insn p[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
			  .dst_reg = BPF_REG_1,
			  .imm = SIGKILL },
			{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_send_signal },
			ret0[0],
			ret0[1],
		};

		TRY("BPF_PROG_LOAD", load(BPF_PROG_TYPE_KPROBE, 0, 0, 0, p, 4));
		return okay();
	}
	if (!strcmp(c, "bpf-write-user")) {
		const struct bpf_insn p[] = {
			{ .code = BPF_ST | BPF_MEM | BPF_DW,
			  .dst_reg = BPF_REG_10,
			  .off = -8,
			  .imm = 0 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 0 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_X,
			  .dst_reg = BPF_REG_2,
			  .src_reg = BPF_REG_10 },
			{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -8 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 8 },
			{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_probe_write_user },
			ret0[0],
			ret0[1],
		};

		TRY("BPF_PROG_LOAD", load(BPF_PROG_TYPE_KPROBE, 0, 0, 0, p, 8));
		return okay();
	}
	if (!strcmp(c, "bpf-pin-ok")) {
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mgattack", 4, 8, 1, NULL);
		TRY("BPF_MAP_CREATE", fd);
		TRY("BPF_OBJ_PIN", bpf_obj_pin(fd, argv[2]));
		return okay();
	}
	if (!strcmp(c, "bpf-tracing-ok")) {
		int lfd;

		fd = load(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, 0, ret0, 2);
		TRY("BPF_PROG_LOAD raw_tp", fd);
		lfd = bpf_raw_tracepoint_open("sys_enter", fd);
		TRY("attach sys_enter", lfd);
		close(lfd);
		close(fd);
		return okay();
	}
	if (!strcmp(c, "bpf-cgroup-ok")) {
		const struct bpf_insn p[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		int cg = open(argv[2], O_RDONLY | O_DIRECTORY);

		TRY("open cgroup", cg);
		fd = load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0, 0, p, 2);
		TRY("BPF_PROG_LOAD cgroup_skb", fd);
		TRY("BPF_PROG_ATTACH",
		    bpf_prog_attach(fd, cg, BPF_CGROUP_INET_EGRESS, BPF_F_ALLOW_MULTI));
		TRY("BPF_PROG_DETACH", bpf_prog_detach2(fd, cg, BPF_CGROUP_INET_EGRESS));
		return okay();
	}
	fprintf(stderr, "mgattack: unknown bpf command %s\n", c);
	return 2;
}

/* ---- the trusted program ------------------------------------------------ */

static int cmd_traced_exec(char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		execv(argv[0], argv);
		_exit(100 + errno);
	}
	waitpid(pid, &status, 0);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	/* An exec under a tracer stops with SIGTRAP: that means it ran. */
	waitpid(pid, &status, 0);
	if (WIFSTOPPED(status)) {
		kill(pid, SIGKILL);
		puts("exec: OK (ran traced)");
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 100) {
		errno = WEXITSTATUS(status) - 100;
		return fail("execve");
	}
	puts("OK");
	return 0;
}

/* Exec under a seccomp filter that fakes ENOENT for access() and friends. */
static int cmd_seccomp_exec(char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0 /* offsetof(struct seccomp_data, nr) */),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_access, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_faccessat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_faccessat2, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOENT),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	TRY("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	TRY("seccomp", syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
	execv(argv[0], argv);
	return fail("execve");
}

/* ---- side doors: threads, a shared fs_struct, argv[0] -------------------- */

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/* The start of the first writable mapping in MAPS, or 0 (errno set). */
static unsigned long writable_mapping(const char *maps)
{
	char line[512];
	unsigned long lo = 0, a, b;
	char perm[8];
	FILE *f = fopen(maps, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perm) == 3 && perm[0] == 'r' &&
		    perm[1] == 'w') {
			lo = a;
			break;
		}
	fclose(f);
	if (!lo)
		errno = ENOENT;
	return lo;
}

/*
 * Every way in to one thread TID of PID: write its memory through
 * /proc/PID/task/TID/mem and process_vm_writev (8 bytes, written back as
 * read), PTRACE_ATTACH, pidfd_getfd of fds 0 to 5, its fd/0.  One line per
 * step; returns how many steps got in.
 */
static int thread_steps(int pid, int tid)
{
	char path[96], buf[8] = {};
	unsigned long addr;
	int got = 0, fd, e;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/maps", pid, tid);
	addr = writable_mapping(path);
	if (!addr)
		printf("tid %d maps: %s\n", tid, ename(errno));
	/* Without the maps, still try mem, at the static binary's usual base. */
	{
		unsigned long at = addr ? addr : 0x400000;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/mem", pid, tid);
		fd = open(path, O_RDWR);
		if (fd < 0) {
			printf("tid %d mem: open O_RDWR: %s\n", tid, ename(errno));
		} else {
			/* Write back what is there: the way in is the point, not damage. */
			if (pread(fd, buf, 8, at) != 8)
				memset(buf, 0, sizeof(buf));
			if (pwrite(fd, buf, 8, at) == 8) {
				printf("tid %d mem: OK (wrote 8 bytes at %#lx)\n", tid, at);
				got++;
			} else {
				printf("tid %d mem: pwrite: %s\n", tid, ename(errno));
			}
			close(fd);
		}
	}

	{
		struct iovec l = { buf, 8 }, r = { (void *)(addr ? addr : 0x400000), 8 };

		if (process_vm_readv(tid, &l, 1, &r, 1, 0) != 8)
			memset(buf, 0, sizeof(buf));
		if (process_vm_writev(tid, &l, 1, &r, 1, 0) == 8) {
			printf("tid %d process_vm_writev: OK\n", tid);
			got++;
		} else if (errno == EFAULT) {
			/* Past the permission check; only the address was wrong. */
			printf("tid %d process_vm_writev: OK (access granted, EFAULT)\n", tid);
			got++;
		} else {
			printf("tid %d process_vm_writev: %s\n", tid, ename(errno));
		}
	}

	if (ptrace(PTRACE_ATTACH, tid, NULL, NULL) == 0) {
		int st;

		printf("tid %d PTRACE_ATTACH: OK\n", tid);
		got++;
		for (int i = 0; i < 100 && waitpid(tid, &st, __WALL | WNOHANG) == 0; i++)
			usleep(10000);
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
	} else {
		printf("tid %d PTRACE_ATTACH: %s\n", tid, ename(errno));
	}

	fd = syscall(__NR_pidfd_open, tid, 0);
	if (fd < 0 && errno == EINVAL && tid != pid) {
		/* Before 6.9, a pidfd names a thread-group leader only. */
		printf("tid %d pidfd_open: skipped (EINVAL: not a thread-group leader)\n", tid);
	} else if (fd < 0) {
		printf("tid %d pidfd_open: %s\n", tid, ename(errno));
	} else {
		int taken = -1, last = 0;

		for (int t = 0; t <= 5 && taken < 0; t++) {
			int f = syscall(__NR_pidfd_getfd, fd, t, 0);

			if (f >= 0) {
				taken = t;
				close(f);
			} else if (errno != EBADF || !last) {
				last = errno;
			}
		}
		if (taken >= 0) {
			printf("tid %d pidfd_getfd: OK (took its fd %d)\n", tid, taken);
			got++;
		} else {
			printf("tid %d pidfd_getfd fds 0-5: %s\n", tid, ename(last));
		}
		close(fd);
	}

	snprintf(path, sizeof(path), "/proc/%d/task/%d/fd/0", pid, tid);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	e = errno;
	if (fd >= 0) {
		printf("tid %d open fd/0: OK\n", tid);
		got++;
		close(fd);
	} else {
		printf("tid %d open fd/0: %s\n", tid, ename(e));
	}
	return got;
}

/* threads P: thread_steps on every thread of P, the leader too.  Exit 0 if
 * any step got in, 1 if all were refused, 2 if P had no thread but its leader. */
static int cmd_threads(int pid)
{
	char path[64];
	struct dirent *d;
	int tids[256], nt = 0, got = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return fail("opendir /proc/PID/task");
	while ((d = readdir(dir)) && nt < 256)
		if (d->d_name[0] >= '0' && d->d_name[0] <= '9')
			tids[nt++] = atoi(d->d_name);
	closedir(dir);
	printf("pid %d: %d threads\n", pid, nt);
	for (int i = 0; i < nt; i++)
		got += thread_steps(pid, tids[i]);
	if (got) {
		printf("OK: %d steps got in\n", got);
		return 0;
	}
	if (nt < 2) {
		puts("no thread but the leader: nothing to attack");
		return 2;
	}
	puts("every step on every thread refused");
	return 1;
}

static char *const no_env[] = { NULL };
static char clone_stack[65536] __attribute__((aligned(16)));

static int clonefs_child(void *arg)
{
	char **argv = arg;

	execve(argv[0], argv, no_env);
	_exit(100 + errno);
}

/*
 * clonefs-exec DIR PATH ARG...: a child sharing our fs_struct (CLONE_FS)
 * execs PATH with no environment; once its comm shows the new program (or it
 * exited, or 2 s passed), chroot(DIR) here moves the running child's root
 * too.  Exits with the child's status (100+errno if its execve failed).
 */
static int cmd_clonefs_exec(const char *dir, char **argv)
{
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char want[16], path[64], cur[32] = "";
	const char *note;
	struct timespec t0, t;
	long polls = 0, us = 0;
	int status = 0, fd, r;
	bool exited = false;
	pid_t pid;

	snprintf(want, sizeof(want), "%s", base); /* TASK_COMM_LEN - 1 */
	pid = clone(clonefs_child, clone_stack + sizeof(clone_stack), CLONE_FS | SIGCHLD, argv);
	TRY("clone CLONE_FS", pid);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		polls++;
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			r = read(fd, cur, sizeof(cur) - 1);
			close(fd);
			cur[r > 0 ? r : 0] = 0;
			cur[strcspn(cur, "\n")] = 0;
			if (!strcmp(cur, want))
				break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		us = (t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec - t0.tv_nsec) / 1000;
		if (us > 2000000)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	us = (t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec - t0.tv_nsec) / 1000;
	note = exited ? " (already exited)" : strcmp(cur, want) ? " (timed out)" : "";
	printf("child %d: comm \"%s\" after %ld polls, %ld us%s\n", pid, cur, polls, us, note);
	if (chroot(dir))
		printf("chroot %s: %s\n", dir, ename(errno));
	else
		printf("chroot %s: OK (shared with the running child)\n", dir);
	if (!exited)
		waitpid(pid, &status, 0);
	if (WIFSIGNALED(status)) {
		printf("child killed by signal %d\n", WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	if (WEXITSTATUS(status) >= 100) {
		printf("child execve: %s\n", ename(WEXITSTATUS(status) - 100));
		return WEXITSTATUS(status);
	}
	printf("child exit %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/* exec-argv0 ARGV0 PATH ARG...: exec PATH, no environment, argv[0] ARGV0. */
static int cmd_exec_argv0(char **argv)
{
	const char *path = argv[1];

	argv[1] = argv[0];
	execve(path, argv + 1, no_env);
	return fail("execve");
}

/* swap-loop A B SECONDS: renameat2(RENAME_EXCHANGE) of A and B, over and over. */
static int cmd_swap_loop(const char *a, const char *b, int secs)
{
	time_t end = time(NULL) + secs;
	long n = 0;

	while (time(NULL) < end) {
		for (int i = 0; i < 256; i++, n++)
			TRY("renameat2 RENAME_EXCHANGE",
			    renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE));
	}
	printf("OK: %ld exchanges\n", n);
	return 0;
}

static int cmd_dev_write(const char *dev, long long off)
{
	int fd = open(dev, O_WRONLY);

	TRY("open", fd);
	TRY("pwrite", pwrite(fd, "\0\0\0\0\0\0\0\0", 8, off) == 8 ? 0 : -1);
	return okay();
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : "";
	const char *b = argc > 3 ? argv[3] : "";
	struct timeval tv[2] = {};
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: mgattack CMD ARGS... (see the source)\n");
		return 2;
	}
	if (!strcmp(c, "state"))
		return cmd_state(a);
	if (!strcmp(c, "open-write")) {
		int fl = O_WRONLY;

		if (!strcmp(b, "trunc"))
			fl |= O_TRUNC;
		else if (!strcmp(b, "append"))
			fl |= O_APPEND;
		else if (!strcmp(b, "rdwr"))
			fl = O_RDWR;
		else if (!strcmp(b, "rdonly-trunc"))
			fl = O_RDONLY | O_TRUNC;
		fd = open(a, fl);
		TRY("open", fd);
		TRY("write", write(fd, "X", 1) == 1 ? 0 : -1);
		return okay();
	}
	if (!strcmp(c, "create")) {
		TRY("open O_CREAT", open(a, O_WRONLY | O_CREAT | O_EXCL, 0644));
		return okay();
	}
	if (!strcmp(c, "truncate")) {
		TRY("truncate", truncate(a, 0));
		return okay();
	}
	if (!strcmp(c, "fallocate") || !strcmp(c, "splice") || !strcmp(c, "copy-range") ||
	    !strcmp(c, "sendfile"))
		return cmd_write_via(a, c[0] == 'c' ? "copy_file_range" : c, b);
	if (!strcmp(c, "unlink")) {
		TRY("unlink", unlink(a));
		return okay();
	}
	if (!strcmp(c, "rmdir")) {
		TRY("rmdir", rmdir(a));
		return okay();
	}
	if (!strcmp(c, "rename")) {
		TRY("rename", rename(a, b));
		return okay();
	}
	if (!strcmp(c, "exchange")) {
		TRY("renameat2 RENAME_EXCHANGE",
		    renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE));
		return okay();
	}
	if (!strcmp(c, "link")) {
		TRY("link", link(a, b));
		return okay();
	}
	if (!strcmp(c, "symlink")) {
		TRY("symlink", symlink(a, b));
		return okay();
	}
	if (!strcmp(c, "mkdir")) {
		TRY("mkdir", mkdir(a, 0755));
		return okay();
	}
	if (!strcmp(c, "mknod-blk")) {
		TRY("mknod", mknod(a, S_IFBLK | 0600, makedev(atoi(b), atoi(argv[4]))));
		return okay();
	}
	if (!strcmp(c, "chmod")) {
		TRY("chmod", chmod(a, 06777));
		return okay();
	}
	if (!strcmp(c, "chown")) {
		TRY("chown", lchown(a, 1234, 1234));
		return okay();
	}
	if (!strcmp(c, "utimes")) {
		TRY("utimes", utimes(a, tv));
		return okay();
	}
	if (!strcmp(c, "setxattr")) {
		const char *v = argc > 4 ? argv[4] : "x";
		size_t n = strlen(v);
		/* security.capability wants a vfs_cap_data: cap_setuid, revision 2. */
		static const unsigned char cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x80 };
		/* system.posix_acl_access: version 2, user::rwx, group::rwx, other::rwx. */
		static const unsigned char acl[28] = { 2, 0,	0,    0,    1,	  0,	7,
						       0, 0xff, 0xff, 0xff, 0xff, 4,	0,
						       7, 0,	0xff, 0xff, 0xff, 0xff, 0x20,
						       0, 7,	0,    0xff, 0xff, 0xff, 0xff };

		if (!strcmp(b, "security.capability"))
			TRY("setxattr", lsetxattr(a, b, cap, sizeof(cap), 0));
		else if (!strncmp(b, "system.posix_acl", 16))
			TRY("setxattr", lsetxattr(a, b, acl, sizeof(acl), 0));
		else
			TRY("setxattr", lsetxattr(a, b, v, n, 0));
		return okay();
	}
	if (!strcmp(c, "removexattr")) {
		TRY("removexattr", lremovexattr(a, b));
		return okay();
	}
	if (!strcmp(c, "setflags") || !strcmp(c, "fssetxattr") || !strcmp(c, "ioctl-raw")) {
		fd = open(a, O_RDONLY | O_NONBLOCK);
		TRY("open", fd);
		if (c[0] == 's') {
			int fl = 0;

			ioctl(fd, FS_IOC_GETFLAGS, &fl);
			fl |= FS_APPEND_FL;
			TRY("FS_IOC_SETFLAGS", ioctl(fd, FS_IOC_SETFLAGS, &fl));
		} else if (c[0] == 'f') {
			struct fsxattr x = {};

			ioctl(fd, FS_IOC_FSGETXATTR, &x);
			x.fsx_xflags |= FS_XFLAG_APPEND;
			TRY("FS_IOC_FSSETXATTR", ioctl(fd, FS_IOC_FSSETXATTR, &x));
		} else {
			long arg = 0;

			TRY("ioctl", ioctl(fd, strtoul(b, NULL, 0), &arg));
		}
		return okay();
	}
	if (!strcmp(c, "file-setattr")) {
		/* file_setattr(2) (6.17 and later, x86-64 469; file_getattr 468):
		 * FS_XFLAG_APPEND without an ioctl. */
		struct {
			__u64 fa_xflags;
			__u32 fa_extsize, fa_nextents, fa_projid, fa_cowextsize;
		} fa = { 0 };

		syscall(468, AT_FDCWD, a, &fa, sizeof(fa), 0);
		fa.fa_xflags |= FS_XFLAG_APPEND;
		TRY("file_setattr", syscall(469, AT_FDCWD, a, &fa, sizeof(fa), 0));
		return okay();
	}
	if (!strcmp(c, "iouring-write"))
		return cmd_iouring_write(a);
	if (!strcmp(c, "prelock"))
		return cmd_prelock(a, b, argc > 4 ? argv[4] : "/proc/self/exe");
	if (!strcmp(c, "prelock-map"))
		return cmd_prelock_map(a, b);
	if (!strcmp(c, "move-mount"))
		return cmd_move_mount(a, b);
	if (!strcmp(c, "move-mount-move"))
		return cmd_move_mount_move(a, b);
	if (!strcmp(c, "fsmount-tmpfs"))
		return cmd_fsmount_tmpfs(a);
	if (!strcmp(c, "umount")) {
		TRY("umount2", umount2(a, !strcmp(b, "lazy") ? MNT_DETACH : 0));
		return okay();
	}
	if (!strcmp(c, "dm-linear"))
		return cmd_dm_linear(a);
	if (!strncmp(c, "bpf-", 4))
		return cmd_bpf(argc, argv);
	if (!strcmp(c, "ptrace")) {
		TRY("PTRACE_ATTACH", ptrace(PTRACE_ATTACH, atoi(a), NULL, NULL));
		return okay();
	}
	if (!strcmp(c, "seize")) {
		TRY("PTRACE_SEIZE", ptrace(PTRACE_SEIZE, atoi(a), NULL, NULL));
		return okay();
	}
	if (!strcmp(c, "vm-writev")) {
		char buf[8] = {};
		struct iovec l = { buf, 8 }, r = { (void *)0x400000, 8 };

		TRY("process_vm_writev", process_vm_writev(atoi(a), &l, 1, &r, 1, 0));
		return okay();
	}
	if (!strcmp(c, "vm-readv")) {
		char buf[8] = {};
		struct iovec l = { buf, 8 }, r = { (void *)0x400000, 8 };

		TRY("process_vm_readv", process_vm_readv(atoi(a), &l, 1, &r, 1, 0));
		return okay();
	}
	if (!strcmp(c, "proc-mem")) {
		char p[64];

		snprintf(p, sizeof(p), "/proc/%s/mem", a);
		TRY("open /proc/PID/mem", open(p, O_RDWR));
		return okay();
	}
	if (!strcmp(c, "pidfd-getfd")) {
		int pfd = syscall(__NR_pidfd_open, atoi(a), 0);

		TRY("pidfd_open", pfd);
		TRY("pidfd_getfd", syscall(__NR_pidfd_getfd, pfd, atoi(b), 0));
		return okay();
	}
	if (!strcmp(c, "threads"))
		return cmd_threads(atoi(a));
	if (!strcmp(c, "clonefs-exec") && argc > 3)
		return cmd_clonefs_exec(a, argv + 3);
	if (!strcmp(c, "exec-argv0") && argc > 3)
		return cmd_exec_argv0(argv + 2);
	if (!strcmp(c, "sleep")) {
		sleep(atoi(a));
		return okay();
	}
	if (!strcmp(c, "swap-loop") && argc > 4)
		return cmd_swap_loop(a, b, atoi(argv[4]));
	if (!strcmp(c, "traced-exec"))
		return cmd_traced_exec(argv + 2);
	if (!strcmp(c, "seccomp-exec"))
		return cmd_seccomp_exec(argv + 2);
	if (!strcmp(c, "kexec-file")) {
		fd = open(a, O_RDONLY);
		TRY("open", fd);
		TRY("kexec_file_load",
		    syscall(__NR_kexec_file_load, fd, -1, 1, "", KEXEC_FILE_NO_INITRAMFS));
		return okay();
	}
	if (!strcmp(c, "kexec-load")) {
		static char page[4096];
		struct kexec_segment seg = { page, sizeof(page), (void *)0x1000000, sizeof(page) };

		TRY("kexec_load", syscall(__NR_kexec_load, 0x1000000, 1, &seg, KEXEC_ARCH_DEFAULT));
		return okay();
	}
	if (!strcmp(c, "iopl")) {
		TRY("iopl", iopl(3));
		return okay();
	}
	if (!strcmp(c, "ioperm")) {
		TRY("ioperm", ioperm(0x80, 1, 1));
		return okay();
	}
	if (!strcmp(c, "dev-write"))
		return cmd_dev_write(a, strtoll(b, NULL, 0));
	fprintf(stderr, "mgattack: unknown command %s\n", c);
	return 2;
}
