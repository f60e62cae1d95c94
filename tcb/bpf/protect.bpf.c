// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard self-protection: keeps root from changing what the guard relies on
 * (the trusted program, the trust store and policy, the boot chain, the
 * guard's pins, maps, programs and links) and from the run-time switches that
 * would take the guard out of the kernel's path.  Loaded by the trusted
 * program right after the guard, as a separate object; see
 * docs/threat-model.md for every attack and the hook that stops it.
 *
 * Protected objects are keyed on (dev, ino) in prot_inodes (inode storage is
 * freed on eviction; a hash map is not).  A protected directory covers its
 * entries, including ones made later: every file hook also looks at the
 * parent dentry.  Ancestors of
 * protected objects ("/", "/etc", a "/lib" symlink, "/sys/fs/bpf") may not be
 * renamed, removed, replaced or mounted on.
 *
 * Every program returns only 0 or -EPERM and passes through a non-zero verdict
 * of an earlier LSM.  Default decision of every program: allow, unless the
 * object is protected and the caller is not the trusted program (file rules),
 * or the request is one of the listed guard-disabling operations (everyone).
 *
 *   protect_file_open          write open of a protected file, of a block device
 *                              under protected files, of kernel/ftrace_enabled
 *   protect_file_permission    write through an fd opened before the lock (write,
 *                              splice, copy_file_range, sendfile, io_uring); attached
 *                              only when such a file exists (tcb/loader/protect.c)
 *   protect_path_truncate      truncate, ftruncate, O_TRUNC
 *   protect_path_unlink/rmdir  removal of a protected object or ancestor, or in a
 *                              protected directory
 *   protect_path_rename        rename of, over, into or out of protected places
 *   protect_path_link          hard link into or out of protected places
 *   protect_path_symlink/mknod/mkdir  new entries in protected dirs, unit masks
 *   protect_path_chmod/chown, protect_inode_setattr(_idmap)  mode, owner, times, size
 *   protect_inode_setxattr/removexattr  xattrs incl. security.capability, ACLs
 *   protect_file_ioctl(_compat) flag, fsxattr, verity, clone, block-device ioctls
 *   protect_mmap_file, protect_file_mprotect  writable shared mappings
 *   protect_sb_mount, protect_move_mount, protect_sb_umount, protect_sb_pivotroot
 *   protect_bprm_check_security  trusted binary only in the real root and
 *                              initial mount namespace, never under seccomp
 *   protect_bprm_committed_creds tag the trusted program (maintenance writes)
 *   protect_bpf, protect_bpf_map, protect_bpf_prog  the guard's objects, fmod_ret,
 *                              override programs, bpf_send_signal programs
 *   protect_locked_down        integrity lockdown reasons, except
 *                              LOCKDOWN_MODULE_SIGNATURE (the guard decides that)
 *   protect_kernel_read_file, protect_kernel_load_data  kexec images
 *   protect_sweep              (an iterator, not a hook) the writable shared
 *                              mappings made before the lock: the trusted program
 *                              kills their holders (tcb/loader/protect.c)
 *
 * No vmlinux.h: only the fields read are declared, with preserve_access_index.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kernel.h"
#include "protect.h"
#include "identity.h"
#include "trusted.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- Kernel types: the shared ones are in kernel.h ------------------ */

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
	int mnt_id;
} __attribute__((preserve_access_index));

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_flags;
	struct file *vm_file;
} __attribute__((preserve_access_index));

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__task_vma {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
	__u32 id;
	struct bpf_prog *dst_prog;
} __attribute__((preserve_access_index));

struct bpf_prog {
	__u32 len;
	struct bpf_prog_aux *aux;
	struct bpf_insn insnsi[];
} __attribute__((preserve_access_index));

struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));

/* procfs: every inode is a proc_inode; per-process ones name their struct pid. */
struct hlist_node {
	struct hlist_node *next;
} __attribute__((preserve_access_index));

struct hlist_head {
	struct hlist_node *first;
} __attribute__((preserve_access_index));

struct pid {
	struct hlist_head tasks[4];
} __attribute__((preserve_access_index));

struct proc_inode {
	struct pid *pid;
	struct inode vfs_inode;
} __attribute__((preserve_access_index));

struct signal_struct;

struct task_struct___proc {
	struct signal_struct *signal;
	struct task_struct *group_leader;
	struct hlist_node pid_links[4];
} __attribute__((preserve_access_index));

/* Constants of the kernel ABI. */
#define FMODE_WRITE 0x2
#define MAY_WRITE 0x2
#define MAY_APPEND 0x8
#define S_IFMT 0170000
#define S_IFBLK 0060000
#define PROT_WRITE 0x2
#define MAP_SHARED 0x01
#define VM_WRITE 0x02
#define VM_SHARED 0x08
#define MS_REMOUNT 32
#define MS_BIND 4096
#define MS_MOVE 8192
#define MS_UNBINDABLE (1 << 17)
#define MS_PRIVATE (1 << 18)
#define MS_SLAVE (1 << 19)
#define MS_SHARED (1 << 20)
#define SECURITYFS_MAGIC 0x73636673
#define PROC_SUPER_MAGIC 0x9fa0
#define IOC_DIR_WRITE 1
#define FS_IOC_FIEMAP 0xc020660b
#define FS_IOC_SETFLAGS 0x40086602
#define FS_IOC32_SETFLAGS 0x40046602
#define FS_IOC_FSSETXATTR 0x401c5820

/* ioctls without the _IOC_WRITE bit that still change a file, a file system or a disk. */
static const __u32 bad_ioctls[] = {
	0x00006609, /* EXT4_IOC_MIGRATE */
	0x0000660c, /* EXT4_IOC_ALLOC_DA_BLKS */
	0x00006611, /* EXT4_IOC_SWAP_BOOT */
	0x8004587d, /* EXT4_IOC_SHUTDOWN */
	0x00001269, /* BLKPG */
	0x0000125d, /* BLKROSET */
	0x0000125f, /* BLKRRPART */
	0x00001277, /* BLKDISCARD */
	0x0000127d, /* BLKSECDISCARD */
	0x0000127f, /* BLKZEROOUT */
};

/* ---- Configuration, fixed before load --------------------------------- */

const volatile struct mg_protect_config cfg = {};

/* ---- Maps ------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MG_PROT_INODES_MAX);
	__type(key, struct mg_inode_key);
	__type(value, __u32);
} prot_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MG_PROT_DEVS_MAX);
	__type(key, __u64);
	__type(value, __u32);
} prot_devs SEC(".maps");

/* Mount ids (struct mount.mnt_id) of the mounts on the way to protected objects. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MG_PROT_MNTS_MAX);
	__type(key, __u64);
	__type(value, __u32);
} prot_mnts SEC(".maps");

/* Programs, maps and links of the guard and of this object. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MG_PROT_IDS_MAX);
	__type(key, struct mg_id_key);
	__type(value, __u32);
} prot_ids SEC(".maps");

/* Refusals per rule. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MG_PR__MAX);
	__type(key, __u32);
	__type(value, __u64);
} prot_stats SEC(".maps");

/* Tasks running the trusted program: only they may change protected files. */
struct task_tag {
	__u32 trusted;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_tag);
} prot_tags SEC(".maps");

/*
 * Thread groups running the trusted program, by their signal_struct (shared
 * by every thread of a group): /proc/PID/maps and its kind are refused for
 * them.  The kernel's ptrace check covers those files too, but not on every
 * kernel (7.x lets a PTRACE_MODE_READ open of environ, auxv or maps through).
 * Set when an exec is tagged, removed when the group's leader is freed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} prot_groups SEC(".maps");

/* Entries in prot_groups: while none, a read open costs one load more. */
__u32 prot_ngroups = 0;

/* The kernel's enum hash_algo value for SHA-256 (IMA's default on Debian). */
#define HASH_ALGO_SHA256_ 4

/* ---- Helpers ---------------------------------------------------------- */

static __always_inline int refuse(__u32 rule)
{
	__u64 *v = bpf_map_lookup_elem(&prot_stats, &rule);

	if (v)
		*v += 1;
	return cfg.enforce ? -EPERM : 0;
}

/* The current task may use the trusted program's exemptions (trusted.h). */
static __always_inline bool trusted_task(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_tag *t = bpf_task_storage_get(&prot_tags, task, 0, 0);

	return t && t->trusted && mg_tag_acts(task);
}

static __always_inline __u32 inode_flags(struct inode *inode)
{
	struct mg_inode_key k;
	__u32 *f;

	if (!inode)
		return 0;
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	k.ino = BPF_CORE_READ(inode, i_ino);
	f = bpf_map_lookup_elem(&prot_inodes, &k);
	return f ? *f : 0;
}

static __always_inline __u32 dentry_flags(struct dentry *d)
{
	return d ? inode_flags(BPF_CORE_READ(d, d_inode)) : 0;
}

/* A protected object, or an entry of a protected directory (made before or after the lock). */
static __always_inline bool dentry_guarded(struct dentry *d)
{
	if (!d)
		return false;
	if (dentry_flags(d) & MG_PROT_OBJECT)
		return true;
	return dentry_flags(BPF_CORE_READ(d, d_parent)) & MG_PROT_OBJECT;
}

static __always_inline bool file_guarded(struct file *f)
{
	return dentry_guarded(BPF_CORE_READ(f, f_path.dentry));
}

static __always_inline __u32 dev_flags(__u64 dev)
{
	__u32 *f = bpf_map_lookup_elem(&prot_devs, &dev);

	return f ? *f : 0;
}

/* A block device whose writes would reach protected files. */
static __always_inline bool guarded_blockdev(struct inode *inode)
{
	if (!inode || (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFBLK)
		return false;
	return dev_flags(BPF_CORE_READ(inode, i_rdev)) & MG_DEV_BLOCK;
}

/*
 * Whether a writable shared mapping of file is refused, and why (*why:
 * MG_PR_BLOCKDEV or MG_PR_WRITE).  Its page faults meet no hook, so this is
 * asked where the mapping is made writable (mmap, mprotect) and, for
 * mappings made before the lock, by the sweep, which exempts no one.
 */
static __always_inline bool shared_write_refused(struct file *file, bool exempt_trusted, __u32 *why)
{
	if (guarded_blockdev(BPF_CORE_READ(file, f_inode))) {
		*why = MG_PR_BLOCKDEV;
		return true;
	}
	*why = MG_PR_WRITE;
	return file_guarded(file) && !(exempt_trusted && trusted_task());
}

static __always_inline bool id_protected(__u32 kind, __u32 id)
{
	struct mg_id_key k = { .kind = kind, .id = id };

	return id && bpf_map_lookup_elem(&prot_ids, &k);
}

/* Name starts with "modguard": a unit of ours, a mask of it or a drop-in for it. */
static __always_inline bool modguard_name(struct dentry *d)
{
	char name[9] = {};

	if (!d)
		return false;
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
	return name[0] == 'm' && name[1] == 'o' && name[2] == 'd' && name[3] == 'g' &&
	       name[4] == 'u' && name[5] == 'a' && name[6] == 'r' && name[7] == 'd';
}

/* A new entry named NEW in the directory DIR. */
static __always_inline bool new_entry_refused(struct dentry *dir, struct dentry *new)
{
	__u32 f = dentry_flags(dir);

	if (f & MG_PROT_OBJECT)
		return true;
	return (f & MG_PROT_UNIT_DIR) && modguard_name(new);
}

static __always_inline bool same(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static __always_inline bool in_initial_mntns(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum) == cfg.root_mntns;
}

/*
 * Started in the initramfs, and its init has not switched to the real root
 * yet (identity.h): mounts move.  Not for the rest of a boot whose hand-off
 * never comes (modguard.service masked): moved mounts could put pins of
 * root's own where the trusted program looks for the guard's.
 */
static __always_inline bool early(void)
{
	struct mg_identity *id = mg_ident();

	return id && id->state == MG_ID_EARLY && !id->switched;
}

/* ---- Files ------------------------------------------------------------ */

/* The per-process files that show a process's memory or its layout. */
static __always_inline bool proc_layout_file(const char *n)
{
	return same(n, "maps", 5) || same(n, "smaps", 6) || same(n, "smaps_rollup", 13) ||
	       same(n, "numa_maps", 10) || same(n, "pagemap", 8) || same(n, "auxv", 5) ||
	       same(n, "environ", 8) || same(n, "mem", 4) || same(n, "map_files", 10);
}

/* Whether the procfs inode belongs to a process (or thread) of a trusted group. */
static __always_inline bool proc_of_trusted(struct inode *inode)
{
	struct proc_inode *pi = (void *)inode - bpf_core_field_offset(struct proc_inode, vfs_inode);
	struct hlist_node *first;
	struct task_struct___proc *t;
	__u64 sig;

	first = BPF_CORE_READ(pi, pid, tasks[0].first);
	if (!first)
		return false;
	t = (void *)first - bpf_core_field_offset(struct task_struct___proc, pid_links);
	sig = (__u64)BPF_CORE_READ(t, signal);
	return sig && bpf_map_lookup_elem(&prot_groups, &sig);
}

SEC("lsm/file_open")
int BPF_PROG(protect_file_open, struct file *file, int ret)
{
	struct inode *inode;
	char name[16] = {}, parent[8] = {};
	unsigned long magic;

	if (ret)
		return ret;
	if (!(BPF_CORE_READ(file, f_mode) & FMODE_WRITE)) {
		if (!prot_ngroups)
			return 0;
		inode = BPF_CORE_READ(file, f_inode);
		if (BPF_CORE_READ(inode, i_sb, s_magic) != PROC_SUPER_MAGIC)
			return 0;
		bpf_probe_read_kernel_str(name, sizeof(name),
					  BPF_CORE_READ(file, f_path.dentry, d_name.name));
		if (proc_layout_file(name) && proc_of_trusted(inode) && !trusted_task())
			return refuse(MG_PR_PROC);
		return 0;
	}
	inode = BPF_CORE_READ(file, f_inode);
	if (guarded_blockdev(inode))
		return refuse(MG_PR_BLOCKDEV);
	if (file_guarded(file) && !trusted_task())
		return refuse(MG_PR_WRITE);
	/*
	 * kernel.ftrace_enabled = 0 would turn off every ftrace-managed call
	 * site, the BPF trampolines of the LSM hooks among them.  Sysctl inodes
	 * have no stable number; their names are fixed by the kernel.
	 *
	 * IMA's policy: once a policy is loaded, bpf_ima_file_hash() returns
	 * IMA's cached digest of a file, which a write beneath its file system
	 * (a raw write to an unguarded device or loop file) leaves stale.  No
	 * policy may be loaded after the lock (securityfs ima/policy).
	 */
	magic = BPF_CORE_READ(inode, i_sb, s_magic);
	if (magic != PROC_SUPER_MAGIC && magic != SECURITYFS_MAGIC)
		return 0;
	bpf_probe_read_kernel_str(name, sizeof(name),
				  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	bpf_probe_read_kernel_str(parent, sizeof(parent),
				  BPF_CORE_READ(file, f_path.dentry, d_parent, d_name.name));
	if (magic == PROC_SUPER_MAGIC && same(name, "ftrace_enabled", 15) &&
	    same(parent, "kernel", 7))
		return refuse(MG_PR_SYSCTL);
	if (magic == SECURITYFS_MAGIC && same(name, "policy", 7) && same(parent, "ima", 4))
		return refuse(MG_PR_SYSCTL);
	return 0;
}

SEC("lsm/file_permission")
int BPF_PROG(protect_file_permission, struct file *file, int mask, int ret)
{
	if (ret)
		return ret;
	if (!(mask & (MAY_WRITE | MAY_APPEND)))
		return 0;
	if (guarded_blockdev(BPF_CORE_READ(file, f_inode)))
		return refuse(MG_PR_BLOCKDEV);
	if (file_guarded(file) && !trusted_task())
		return refuse(MG_PR_WRITE);
	return 0;
}

SEC("lsm/path_truncate")
int BPF_PROG(protect_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	if (dentry_guarded(BPF_CORE_READ(path, dentry)) && !trusted_task())
		return refuse(MG_PR_WRITE);
	return 0;
}

/* Removing DENTRY from DIR. */
static __always_inline int removal(const struct path *dir, struct dentry *dentry)
{
	if (dentry_flags(dentry) & MG_PROT_ANCESTOR)
		return refuse(MG_PR_NAMESPACE);
	if (trusted_task())
		return 0;
	if ((dentry_flags(dentry) & MG_PROT_OBJECT) ||
	    (dentry_flags(BPF_CORE_READ(dir, dentry)) & MG_PROT_OBJECT))
		return refuse(MG_PR_NAMESPACE);
	return 0;
}

SEC("lsm/path_unlink")
int BPF_PROG(protect_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return removal(dir, dentry);
}

SEC("lsm/path_rmdir")
int BPF_PROG(protect_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return removal(dir, dentry);
}

SEC("lsm/path_rename")
int BPF_PROG(protect_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	__u32 of, nf;

	if (ret)
		return ret;
	of = dentry_flags(old_dentry);
	nf = dentry_flags(new_dentry); /* 0 when the target does not exist */
	if ((of | nf) & MG_PROT_ANCESTOR)
		return refuse(MG_PR_NAMESPACE);
	if (trusted_task())
		return 0;
	if ((of | nf) & MG_PROT_OBJECT)
		return refuse(MG_PR_NAMESPACE);
	if (dentry_flags(BPF_CORE_READ(old_dir, dentry)) & MG_PROT_OBJECT)
		return refuse(MG_PR_NAMESPACE);
	if (new_entry_refused(BPF_CORE_READ(new_dir, dentry), new_dentry))
		return refuse(MG_PR_NAMESPACE);
	return 0;
}

SEC("lsm/path_link")
int BPF_PROG(protect_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	if (trusted_task())
		return 0;
	if (dentry_guarded(old_dentry) ||
	    new_entry_refused(BPF_CORE_READ(new_dir, dentry), new_dentry))
		return refuse(MG_PR_NAMESPACE);
	return 0;
}

SEC("lsm/path_symlink")
int BPF_PROG(protect_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	if (!trusted_task() && new_entry_refused(BPF_CORE_READ(dir, dentry), dentry))
		return refuse(MG_PR_NAMESPACE);
	return 0;
}

/* Also reached by open(O_CREAT) of a new file. */
SEC("lsm/path_mknod")
int BPF_PROG(protect_path_mknod, const struct path *dir, struct dentry *dentry, unsigned short mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	if (!trusted_task() && new_entry_refused(BPF_CORE_READ(dir, dentry), dentry))
		return refuse(MG_PR_NAMESPACE);
	return 0;
}

SEC("lsm/path_mkdir")
int BPF_PROG(protect_path_mkdir, const struct path *dir, struct dentry *dentry, unsigned short mode,
	     int ret)
{
	if (ret)
		return ret;
	if (!trusted_task() && new_entry_refused(BPF_CORE_READ(dir, dentry), dentry))
		return refuse(MG_PR_NAMESPACE);
	return 0;
}

/* ---- Attributes ------------------------------------------------------- */

static __always_inline int attr_change(struct dentry *d)
{
	if (dentry_guarded(d) && !trusted_task())
		return refuse(MG_PR_ATTR);
	return 0;
}

SEC("lsm/path_chmod")
int BPF_PROG(protect_path_chmod, const struct path *path, unsigned short mode, int ret)
{
	return ret ? ret : attr_change(BPF_CORE_READ(path, dentry));
}

SEC("lsm/path_chown")
int BPF_PROG(protect_path_chown, const struct path *path, __u32 uid, __u32 gid, int ret)
{
	return ret ? ret : attr_change(BPF_CORE_READ(path, dentry));
}

/*
 * utimes, and every other notify_change(): size, mode, owner, times.  The
 * hook gained a first argument, the mount's idmap, in 6.3; user space loads
 * the program whose layout the running kernel's BTF has (protect.c).
 */
SEC("lsm/inode_setattr")
int BPF_PROG(protect_inode_setattr, struct dentry *dentry, void *attr, int ret)
{
	return ret ? ret : attr_change(dentry);
}

SEC("lsm/inode_setattr")
int BPF_PROG(protect_inode_setattr_idmap, void *idmap, struct dentry *dentry, void *attr, int ret)
{
	return ret ? ret : attr_change(dentry);
}

/* Every xattr: security.capability, security.ima, system.posix_acl_*, user.*, trusted.* */
SEC("lsm/inode_setxattr")
int BPF_PROG(protect_inode_setxattr, void *mnt_userns, struct dentry *dentry, const char *name,
	     const void *value, __u64 size, int flags, int ret)
{
	return ret ? ret : attr_change(dentry);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(protect_inode_removexattr, void *mnt_userns, struct dentry *dentry, const char *name,
	     int ret)
{
	return ret ? ret : attr_change(dentry);
}

/*
 * POSIX ACLs: since 6.2 setfacl goes through these hooks, not setxattr's.
 * Loaded only where the kernel has them (protect.c).
 */
SEC("lsm/inode_set_acl")
int BPF_PROG(protect_inode_set_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     void *kacl, int ret)
{
	return ret ? ret : attr_change(dentry);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(protect_inode_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     int ret)
{
	return ret ? ret : attr_change(dentry);
}

/*
 * file_setattr(2) (6.17 and later): the attributes FS_IOC_FSSETXATTR sets,
 * without an ioctl: the append-only and immutable flags among them.
 * Refused on a protected object, and on an ancestor, whose flags stay as
 * they are, exactly as the ioctl.  Loaded where the kernel has the hook.
 */
SEC("lsm/inode_file_setattr")
int BPF_PROG(protect_inode_file_setattr, struct dentry *dentry, void *fa, int ret)
{
	if (ret)
		return ret;
	if (trusted_task())
		return 0;
	if (dentry_guarded(dentry) ||
	    (inode_flags(BPF_CORE_READ(dentry, d_inode)) & MG_PROT_ANCESTOR))
		return refuse(MG_PR_ATTR);
	return 0;
}

/* ---- ioctl and mmap --------------------------------------------------- */

static __always_inline int ioctl_check(struct file *file, unsigned int cmd)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	bool bad = ((cmd >> 30) & IOC_DIR_WRITE) && cmd != FS_IOC_FIEMAP;

	for (int i = 0; i < sizeof(bad_ioctls) / sizeof(bad_ioctls[0]); i++)
		if (cmd == bad_ioctls[i])
			bad = true;
	if (!bad)
		return 0;
	if (guarded_blockdev(inode))
		return refuse(MG_PR_BLOCKDEV);
	if (trusted_task())
		return 0;
	if (file_guarded(file))
		return refuse(MG_PR_WRITE);
	/* An ancestor keeps its flags; file-system-wide ioctls through it (fstrim,
	 * freeze, online grow on "/") change no protected object and stay allowed. */
	if ((inode_flags(inode) & MG_PROT_ANCESTOR) &&
	    (cmd == FS_IOC_SETFLAGS || cmd == FS_IOC32_SETFLAGS || cmd == FS_IOC_FSSETXATTR))
		return refuse(MG_PR_WRITE);
	return 0;
}

SEC("lsm/file_ioctl")
int BPF_PROG(protect_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return ret ? ret : ioctl_check(file, cmd);
}

SEC("lsm/file_ioctl_compat")
int BPF_PROG(protect_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg,
	     int ret)
{
	return ret ? ret : ioctl_check(file, cmd);
}

SEC("lsm/mmap_file")
int BPF_PROG(protect_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	__u32 why;

	if (ret)
		return ret;
	if (!file || !(prot & PROT_WRITE) || !(flags & MAP_SHARED))
		return 0;
	return shared_write_refused(file, true, &why) ? refuse(why) : 0;
}

SEC("lsm/file_mprotect")
int BPF_PROG(protect_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file;
	__u32 why;

	if (ret)
		return ret;
	file = BPF_CORE_READ(vma, vm_file);
	if (!file || !(prot & PROT_WRITE) || !(BPF_CORE_READ(vma, vm_flags) & VM_SHARED))
		return 0;
	return shared_write_refused(file, true, &why) ? refuse(why) : 0;
}

/*
 * Writable shared mappings made before the lock.  Their page faults meet no
 * hook, so they cannot be refused; they can only be found.  Run once by the
 * trusted program after the lock, over every process's address space: each
 * record names a holder, which the trusted program then kills.  Only a
 * process with a mapping that is writable now (VM_WRITE) counts: making a
 * VM_MAYWRITE mapping writable goes through protect_file_mprotect.
 */
SEC("iter/task_vma")
int protect_sweep(struct bpf_iter__task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	struct task_struct *task = ctx->task;
	struct mg_sweep_rec r = {};
	struct inode *inode;
	struct file *file;
	__u32 why;

	if (!vma || !task)
		return 0;
	if ((BPF_CORE_READ(vma, vm_flags) & (VM_SHARED | VM_WRITE)) != (VM_SHARED | VM_WRITE))
		return 0;
	file = BPF_CORE_READ(vma, vm_file);
	if (!file)
		return 0;
	if (!shared_write_refused(file, false, &why))
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	r.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	r.ino = BPF_CORE_READ(inode, i_ino);
	r.start = BPF_CORE_READ(vma, vm_start);
	r.end = BPF_CORE_READ(vma, vm_end);
	r.tgid = BPF_CORE_READ(task, tgid);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

/* ---- Mounts ----------------------------------------------------------- */

static __always_inline int mount_id(struct vfsmount *mnt)
{
	struct mount *m = (void *)mnt - bpf_core_field_offset(struct mount, mnt);

	return BPF_CORE_READ(m, mnt_id);
}

/*
 * One of the mounts, recorded at start, through which the protected objects
 * are reached ("/", /sys, /sys/fs/bpf...).  Other views of the same file
 * systems (a bind elsewhere, a copy in another namespace) may come and go:
 * the recorded mounts keep the objects and the pins alive.
 */
static __always_inline bool mount_guarded(struct vfsmount *mnt)
{
	__u64 id;

	if (!mnt)
		return false;
	id = mount_id(mnt);
	return bpf_map_lookup_elem(&prot_mnts, &id);
}

/* PATH is the calling task's root directory (what "/" resolves to). */
static __always_inline bool at_task_root(const struct path *path)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return BPF_CORE_READ(path, dentry) == BPF_CORE_READ(task, fs, root.dentry) &&
	       BPF_CORE_READ(path, mnt) == BPF_CORE_READ(task, fs, root.mnt);
}

/*
 * Nothing may be mounted on a protected object or an ancestor: it would hide
 * or replace it.  In a new mount namespace a bind onto an ancestor stays
 * allowed (systemd's ProtectSystem= binds /usr and /etc onto themselves); the
 * trusted program never runs there (protect_bprm_check_security), and a new
 * file system or a bind onto a protected object is refused everywhere.
 * Propagation changes and remounts add nothing and stay allowed.
 */
SEC("lsm/sb_mount")
int BPF_PROG(protect_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	__u32 f;

	if (ret)
		return ret;
	if (flags & (MS_REMOUNT | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))
		return 0;
	/* Started in the initramfs: its init moves /dev, /run, /sys and /proc to
	 * the real root, and the real root onto "/".  No file of the real root
	 * is protected before the hand-off, and the pins stay where bpffs is
	 * mounted, wherever that is moved (unmounting it stays refused). */
	if ((flags & MS_MOVE) && early())
		return 0;
	/* mount(2)'s MS_MOVE names its source as a string this hook cannot
	 * resolve: refuse it where the trusted program lives (move_mount(2) is
	 * checked on both ends). */
	if ((flags & MS_MOVE) && in_initial_mntns())
		return refuse(MG_PR_MOUNT);
	f = dentry_flags(BPF_CORE_READ(path, dentry));
	if (f & MG_PROT_OBJECT)
		return refuse(MG_PR_MOUNT);
	/* systemd's namespaces (PrivateMounts=, ProtectSystem=..., as udevd and
	 * logind use them) end with mount(".", "/", MS_MOVE) and chroot("."): a
	 * new root for that namespace only, which gives no more than a chroot
	 * does, and the trusted program never runs there. */
	if ((flags & MS_MOVE) && !in_initial_mntns() && at_task_root(path))
		return 0;
	if ((f & MG_PROT_ANCESTOR) && (!(flags & MS_BIND) || in_initial_mntns()))
		return refuse(MG_PR_MOUNT);
	return 0;
}

/* move_mount(2) and fsmount: both ends are known. */
SEC("lsm/move_mount")
int BPF_PROG(protect_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	if (early())
		return 0; /* as MS_MOVE in protect_sb_mount */
	if (dentry_flags(BPF_CORE_READ(to_path, dentry)) & (MG_PROT_OBJECT | MG_PROT_ANCESTOR))
		return refuse(MG_PR_MOUNT);
	if (mount_guarded(BPF_CORE_READ(from_path, mnt)) &&
	    BPF_CORE_READ(from_path, dentry) == BPF_CORE_READ(from_path, mnt, mnt_root))
		return refuse(MG_PR_MOUNT);
	return 0;
}

/* Unmounting bpffs drops the pins (and with them the guard); unmounting the
 * file system of the protected files would let another take its place.
 * A lazy umount of a parent (/sys) is refused too: it is recorded. */
SEC("lsm/sb_umount")
int BPF_PROG(protect_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	if (mount_guarded(mnt))
		return refuse(MG_PR_MOUNT);
	return 0;
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(protect_sb_pivotroot, const struct path *old_path, const struct path *new_path,
	     int ret)
{
	if (ret)
		return ret;
	if (in_initial_mntns() && !early())
		return refuse(MG_PR_MOUNT);
	return 0;
}

/* ---- The trusted program ---------------------------------------------- */

/* The real root and mount namespace: a chroot or a private namespace could
 * show the trusted program another trust store. */
static __always_inline bool in_real_root(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vfsmount *mnt = BPF_CORE_READ(task, fs, root.mnt);
	struct inode *root = BPF_CORE_READ(task, fs, root.dentry, d_inode);
	struct mg_identity *id = mg_ident();
	struct mount *m;

	if (!mnt || !root || !id || !in_initial_mntns())
		return false;
	m = (void *)mnt - bpf_core_field_offset(struct mount, mnt);
	return BPF_CORE_READ(m, mnt_id) == id->root_mnt_id &&
	       BPF_CORE_READ(root, i_ino) == id->root_ino &&
	       BPF_CORE_READ(root, i_sb, s_dev) == id->root_dev;
}

/* ---- The hand-off from the initramfs (identity.h) ----------------------- */

/* The name of dentry D is WANT (NUL-terminated, within MG_ID_COMP_LEN). */
static __always_inline bool name_is(struct dentry *d, const char *want)
{
	char buf[MG_ID_COMP_LEN] = {};

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), BPF_CORE_READ(d, d_name.name)) <= 0)
		return false;
	for (int i = 0; i < MG_ID_COMP_LEN; i++) {
		if (buf[i] != want[i])
			return false;
		if (!buf[i])
			return true;
	}
	return false;
}

/*
 * FILE was reached by the recorded path from the task's root: each component
 * by name, across mounts, and nothing above that root.  A hard link, a copy
 * or a bind mount elsewhere is not the path.
 */
static __always_inline bool at_recorded_path(struct file *file, struct mg_identity *id,
					     struct task_struct *task)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *mnt = BPF_CORE_READ(file, f_path.mnt);
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *rmnt = BPF_CORE_READ(task, fs, root.mnt);
	__u32 c = 0, n = id->ncomps;

	for (int step = 0; step < 2 * MG_ID_COMPS + 2; step++) {
		if (d == root && mnt == rmnt)
			return c == n;
		if (d == BPF_CORE_READ(mnt, mnt_root)) {
			struct mount *m = (void *)mnt - bpf_core_field_offset(struct mount, mnt);
			struct mount *p = BPF_CORE_READ(m, mnt_parent);

			if (!p || p == m)
				return false;
			d = BPF_CORE_READ(m, mnt_mountpoint);
			mnt = (void *)p + bpf_core_field_offset(struct mount, mnt);
			continue;
		}
		if (c >= n || c >= MG_ID_COMPS)
			return false;
		if (!name_is(d, id->comps[c]))
			return false;
		c++;
		d = BPF_CORE_READ(d, d_parent);
	}
	return false;
}

/*
 * While the guard started in the initramfs waits for the real root's trusted
 * program: the first clean exec, in the initial mount namespace and outside
 * the initramfs's root, of the file at the recorded path whose content is
 * the initramfs's trusted binary (size, then IMA's SHA-256 of it: the file
 * is open for exec, so nobody writes it meanwhile) becomes the trusted
 * binary, and the task's root the trusted program's root.  The exec is then
 * tagged as any exec of the trusted binary is (bprm_committed_creds).
 */
SEC("lsm.s/bprm_check_security")
int BPF_PROG(protect_handoff, struct linux_binprm *bprm, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mg_identity *id = mg_ident();
	struct file *file;
	struct inode *inode, *root;
	struct vfsmount *rmnt;
	struct mount *m;
	__u8 h[64] = {};

	if (ret || !id || id->state != MG_ID_EARLY)
		return ret;
	/*
	 * The switch to the real root is over when pid 1 execs from a root other
	 * than the initramfs's (the real init, after run-init's or switch_root's
	 * chroot): from then on mounts stay where they are (early()).
	 */
	if ((bpf_get_current_pid_tgid() >> 32) == 1 && !id->switched && !in_real_root())
		id->switched = 1;
	/* A BTF pointer, as bpf_ima_file_hash() wants it (not a probed value). */
	file = bprm->file;
	inode = BPF_CORE_READ(file, f_inode);
	if (!inode || (__u64)BPF_CORE_READ(inode, i_size) != id->size)
		return 0;
	if (!in_initial_mntns() || !mg_exec_clean(bprm, task))
		return 0;
	root = BPF_CORE_READ(task, fs, root.dentry, d_inode);
	rmnt = BPF_CORE_READ(task, fs, root.mnt);
	if (!root || !rmnt)
		return 0;
	m = (void *)rmnt - bpf_core_field_offset(struct mount, mnt);
	/*
	 * The real root is what switch_root put over the initramfs's root: the
	 * root of a mount whose parent is the initramfs's mount and whose
	 * mountpoint is the initramfs's root.  A chroot (into a directory, or
	 * into a file system mounted anywhere else) with copies of the program
	 * and of the configuration is not.
	 */
	{
		struct mount *parent = BPF_CORE_READ(m, mnt_parent);
		struct inode *mp = BPF_CORE_READ(m, mnt_mountpoint, d_inode);

		if (BPF_CORE_READ(task, fs, root.dentry) != BPF_CORE_READ(rmnt, mnt_root) ||
		    !parent || parent == m || !mp ||
		    BPF_CORE_READ(parent, mnt_id) != id->root_mnt_id ||
		    BPF_CORE_READ(mp, i_ino) != id->root_ino ||
		    BPF_CORE_READ(mp, i_sb, s_dev) != id->root_dev)
			return 0;
	}
	if (!at_recorded_path(file, id, task))
		return 0;
	if (bpf_ima_file_hash(file, h, sizeof(h)) != HASH_ALGO_SHA256_)
		return 0;
	for (int i = 0; i < 32; i++)
		if (h[i] != id->hash[i])
			return 0;
	id->trusted_dev = BPF_CORE_READ(inode, i_sb, s_dev);
	id->trusted_ino = BPF_CORE_READ(inode, i_ino);
	id->root_dev = BPF_CORE_READ(root, i_sb, s_dev);
	id->root_ino = BPF_CORE_READ(root, i_ino);
	id->root_mnt_id = BPF_CORE_READ(m, mnt_id);
	id->state = MG_ID_PENDING;
	return 0;
}

/*
 * The trusted program runs only in the real root and initial mount
 * namespace, and never under a seccomp filter: filters survive exec, and
 * one returning a fake errno (access() of the deny list) or answering
 * syscalls in user space (SECCOMP_RET_USER_NOTIF, with an fd of the
 * attacker's trust store injected) would steer it without ptrace.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(protect_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (ret)
		return ret;
	if (!mg_trusted_file(BPF_CORE_READ(bprm, file)))
		return 0;
	if (!in_real_root() || mg_steered(task) || mg_exec_shares_fs(bprm))
		return refuse(MG_PR_EXEC);
	return 0;
}

SEC("lsm/bprm_committed_creds")
int BPF_PROG(protect_bprm_committed_creds, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	bool match = mg_trusted_file(BPF_CORE_READ(bprm, file)) && mg_exec_clean(bprm, task) &&
		     in_real_root();
	struct task_tag *t = bpf_task_storage_get(&prot_tags, task, 0,
						  match ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);

	if (t)
		t->trusted = match;
	/* The thread group's procfs files (proc_of_trusted). */
	{
		__u64 sig = (__u64)BPF_CORE_READ((struct task_struct___proc *)task, signal);
		__u32 one = 1;

		if (match) {
			if (!bpf_map_update_elem(&prot_groups, &sig, &one, BPF_NOEXIST))
				__sync_fetch_and_add(&prot_ngroups, 1);
		} else if (t && !bpf_map_delete_elem(&prot_groups, &sig)) {
			__sync_fetch_and_add(&prot_ngroups, -1);
		}
	}
	return 0;
}

/* The group's leader freed: its entry goes (the other threads went before it). */
SEC("lsm/task_free")
int BPF_PROG(protect_task_free, struct task_struct *task)
{
	struct task_struct___proc *tp = (void *)task;
	__u64 sig;

	if ((void *)BPF_CORE_READ(tp, group_leader) != (void *)task)
		return 0;
	sig = (__u64)BPF_CORE_READ(tp, signal);
	if (!bpf_map_delete_elem(&prot_groups, &sig))
		__sync_fetch_and_add(&prot_ngroups, -1);
	return 0;
}

/* Threads and children of the trusted program carry its tag (trusted.h). */
SEC("lsm/task_alloc")
int BPF_PROG(protect_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	return ret ? ret : MG_INHERIT_TAG(prot_tags, struct task_tag, task);
}

/* ---- bpf() ------------------------------------------------------------ */

struct scan_ctx {
	const struct bpf_insn *insns;
	__s32 sig, sig_thread;
	bool found;
};

static long scan_insn(__u32 i, struct scan_ctx *c)
{
	struct bpf_insn insn;

	if (bpf_probe_read_kernel(&insn, sizeof(insn), &c->insns[i]))
		return 1;
	if (insn.code == (BPF_JMP | BPF_CALL) && insn.src_reg == 0 &&
	    (insn.imm == c->sig || insn.imm == c->sig_thread)) {
		c->found = true;
		return 1;
	}
	return 0;
}

/*
 * bpf_send_signal() signals the current task with SEND_SIG_PRIV, which no LSM
 * hook sees: a program attached anywhere the trusted program passes could
 * kill it.  The verified program is final here (helper calls hold their
 * offset from __bpf_call_base): refuse any that calls it.
 */
static __always_inline bool calls_send_signal(struct bpf_prog *prog)
{
	struct scan_ctx c = {};
	__u32 len;

	if (!cfg.send_signal_off || !cfg.send_signal_thread_off)
		return false;
	c.insns = (void *)prog + bpf_core_field_offset(struct bpf_prog, insnsi);
	c.sig = cfg.send_signal_off;
	c.sig_thread = cfg.send_signal_thread_off;
	len = BPF_CORE_READ(prog, len);
	if (len > 1000000)
		return true;
	bpf_loop(len, scan_insn, &c, 0);
	return c.found;
}

static __always_inline int bpf_cmd(int cmd, union bpf_attr *attr)
{
	switch (cmd) {
	case BPF_PROG_GET_FD_BY_ID:
		if (id_protected(MG_ID_PROG, BPF_CORE_READ(attr, prog_id)) && !trusted_task())
			return refuse(MG_PR_BPF);
		break;
	case BPF_LINK_GET_FD_BY_ID:
		if (id_protected(MG_ID_LINK, BPF_CORE_READ(attr, link_id)) && !trusted_task())
			return refuse(MG_PR_BPF);
		break;
	case BPF_PROG_LOAD:
		/* fmod_ret attaches only to security_* functions here (no error
		 * injection): its one use is to override LSM decisions. */
		if (BPF_CORE_READ(attr, prog_type) == BPF_PROG_TYPE_TRACING &&
		    BPF_CORE_READ(attr, expected_attach_type) == BPF_MODIFY_RETURN)
			return refuse(MG_PR_BPF);
		break;
	}
	return 0;
}

SEC("lsm/bpf")
int BPF_PROG(protect_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	return ret ? ret : bpf_cmd(cmd, attr);
}

/*
 * The same where the hook has a fourth argument, whether the kernel itself
 * makes the call (7.0 and later): ret comes after it.  User space loads the
 * one whose layout the kernel's BTF has (kmodel.c).  A call by the kernel
 * is checked too: it acts for a task, and the ids are ours either way.
 */
SEC("lsm/bpf")
int BPF_PROG(protect_bpf_kernel, int cmd, union bpf_attr *attr, unsigned int size, bool kernel,
	     int ret)
{
	return ret ? ret : bpf_cmd(cmd, attr);
}

/*
 * Every new fd of a map: the guard's maps are the trusted program's alone.
 * Not even a read-only fd for others: BPF_MAP_FREEZE checks no fd mode, and
 * a frozen admitted map would stop admissions.
 */
SEC("lsm/bpf_map")
int BPF_PROG(protect_bpf_map, struct bpf_map *map, unsigned int fmode, int ret)
{
	if (ret)
		return ret;
	if (id_protected(MG_ID_MAP, BPF_CORE_READ(map, id)) && !trusted_task())
		return refuse(MG_PR_BPF);
	return 0;
}

/* Every new fd of a program, including the one BPF_PROG_LOAD returns: none of
 * ours for others, no program aimed at ours, none that signals. */
SEC("lsm/bpf_prog")
int BPF_PROG(protect_bpf_prog, struct bpf_prog *prog, int ret)
{
	struct bpf_prog *dst;

	if (ret)
		return ret;
	/* The trusted program may look at them (guard status): it runs no program of its own. */
	if (id_protected(MG_ID_PROG, BPF_CORE_READ(prog, aux, id)) && !trusted_task())
		return refuse(MG_PR_BPF);
	/* freplace, fentry, fexit targeting one of ours */
	dst = BPF_CORE_READ(prog, aux, dst_prog);
	if (dst && id_protected(MG_ID_PROG, BPF_CORE_READ(dst, aux, id)))
		return refuse(MG_PR_BPF);
	if (calls_send_signal(prog))
		return refuse(MG_PR_BPF);
	return 0;
}

/* ---- Kernel integrity ------------------------------------------------- */

/*
 * Integrity reasons: /dev/mem, /dev/port, MSR, iopl/ioperm, PCI BARs,
 * hibernation, ACPI tables, debugfs, bpf_probe_write_user, kexec...  Deny.
 * LOCKDOWN_MODULE_SIGNATURE is the guard's per-load decision: never touched
 * here.  Confidentiality reasons stay allowed (tracing keeps working).
 */
SEC("lsm/locked_down")
int BPF_PROG(protect_locked_down, enum lockdown_reason what, int ret)
{
	if (ret)
		return ret;
	if (what == bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_MODULE_SIGNATURE))
		return 0;
	if (what > 0 && what < bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_INTEGRITY_MAX))
		return refuse(MG_PR_LOCKDOWN);
	return 0;
}

/* kexec_file_load: a kernel signed by the distribution would boot without the guard. */
SEC("lsm/kernel_read_file")
int BPF_PROG(protect_kernel_read_file, struct file *file, enum kernel_read_file_id id,
	     bool contents, int ret)
{
	if (ret)
		return ret;
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_KEXEC_IMAGE) ||
	    id == bpf_core_enum_value(enum kernel_read_file_id, READING_KEXEC_INITRAMFS))
		return refuse(MG_PR_KEXEC);
	return 0;
}

/* kexec_load */
SEC("lsm/kernel_load_data")
int BPF_PROG(protect_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret)
		return ret;
	if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_KEXEC_IMAGE) ||
	    id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_KEXEC_INITRAMFS))
		return refuse(MG_PR_KEXEC);
	return 0;
}
