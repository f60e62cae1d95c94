/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by the self-protection programs (protect.bpf.c) and the
 * trusted program that loads them (tcb/loader/protect.c).  Kernel UAPI
 * fixed-width types only: compiled by clang -target bpf and the host compiler.
 */
#ifndef MODGUARD_PROTECT_H
#define MODGUARD_PROTECT_H

#include <linux/types.h>

/* Capacities.  Inodes: every entry of every protected directory, plus ancestors. */
#define MG_PROT_INODES_MAX 16384
#define MG_PROT_DEVS_MAX 64
#define MG_PROT_MNTS_MAX 256
#define MG_PROT_IDS_MAX 256

/* Pins of the protection live next to the guard's, in their own directory. */
#define MG_PROTECT_PIN_DIR "/sys/fs/bpf/modguard-protect"

/* Flags of a protected inode (value of prot_inodes). */
enum mg_prot_flags {
	/* Nothing about it may change: content, metadata, name, links, mounts on it.
	 * For a directory, also the set of its entries (create, unlink, rename in or out). */
	MG_PROT_OBJECT = 1 << 0,
	/* On the way to a protected object ("/", "/etc", "/sys/fs/bpf", a symlink such as
	 * "/lib"): it may not be renamed, removed, replaced or mounted on, nor its
	 * mount unmounted; its other entries are ordinary. */
	MG_PROT_ANCESTOR = 1 << 1,
	/* A systemd unit directory: no new entry named "modguard*" (mask, drop-in). */
	MG_PROT_UNIT_DIR = 1 << 2,
};

/* Flags of a protected device number (value of prot_devs). */
enum mg_dev_flags {
	MG_DEV_FS = 1 << 0, /* a file system holding protected objects (reported) */
	MG_DEV_BLOCK = 1 << 1, /* a block device under such a file system: no write open */
};

/* Kinds of BPF objects in prot_ids. */
enum mg_id_kind {
	MG_ID_PROG = 1,
	MG_ID_MAP = 2,
	MG_ID_LINK = 3,
};

struct mg_inode_key {
	__u64 dev; /* kernel encoding: major << 20 | minor */
	__u64 ino;
};

struct mg_id_key {
	__u32 kind; /* enum mg_id_kind */
	__u32 id;
};

/* Set by the trusted program before load; read-only once loaded (.rodata). */
struct mg_protect_config {
	/* The trusted binary and its root are in the identity map (identity.h). */
	__u64 root_mntns; /* inode number of the trusted program's mount namespace */
	__u32 enforce; /* 0: permissive (report only) */
	/* Offsets of bpf_send_signal and bpf_send_signal_thread from __bpf_call_base
	 * (kallsyms), as a verified program's helper calls hold them; 0: unknown. */
	__s32 send_signal_off;
	__s32 send_signal_thread_off;
	__u32 pad;
};

/* Which rule refused (protect events and counters). */
enum mg_prot_rule {
	MG_PR_WRITE = 0, /* open for write, write, truncate, fallocate, mmap, ioctl */
	MG_PR_NAMESPACE, /* unlink, rename, link, create in a protected directory */
	MG_PR_ATTR, /* chmod, chown, utimes, xattrs */
	MG_PR_MOUNT, /* mount on, move, umount, pivot_root */
	MG_PR_BLOCKDEV, /* write open of a block device under protected files */
	MG_PR_BPF, /* fd of the guard's objects, override programs, signals */
	MG_PR_LOCKDOWN, /* an integrity lockdown reason */
	MG_PR_KEXEC, /* kexec_load, kexec_file_load */
	MG_PR_SYSCTL, /* a run-time switch that would turn BPF programs off */
	MG_PR_EXEC, /* the trusted binary outside the real root */
	MG_PR_PROC, /* /proc/PID/{maps,auxv,environ,...} of the trusted program */
	MG_PR__MAX,
};

/*
 * One writable shared mapping of a protected file, or of a block device under
 * protected files, as the sweep at the lock reports it (protect_sweep, read
 * through a task_vma iterator).
 */
struct mg_sweep_rec {
	__u64 dev; /* of the mapped inode, kernel encoding */
	__u64 ino;
	__u64 start; /* the mapping, in the holder's address space */
	__u64 end;
	__u32 tgid; /* the holder */
	__u32 pad;
};

#endif
