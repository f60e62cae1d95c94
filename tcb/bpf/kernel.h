/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel types the guard's BPF programs read, shared by guard.bpf.c and
 * protect.bpf.c.  No vmlinux.h: only the fields read are declared, and
 * preserve_access_index makes libbpf relocate each access against the
 * running kernel's BTF.
 */
#ifndef MODGUARD_BPF_KERNEL_H
#define MODGUARD_BPF_KERNEL_H

enum lockdown_reason {
	LOCKDOWN_MODULE_SIGNATURE = 1,
	LOCKDOWN_INTEGRITY_MAX = 21,
};

enum kernel_read_file_id {
	READING_MODULE = 2,
	READING_KEXEC_IMAGE = 3,
	READING_KEXEC_INITRAMFS = 4,
	/* 7.0 and later: finit_module(MODULE_INIT_COMPRESSED_FILE) reads the
	 * compressed file with this id.  Used only where it exists (CO-RE). */
	READING_MODULE_COMPRESSED = 7,
};

enum kernel_load_data_id {
	LOADING_MODULE = 2,
	LOADING_KEXEC_IMAGE = 3,
	LOADING_KEXEC_INITRAMFS = 4,
	LOADING_MODULE_COMPRESSED = 8, /* where it exists (CO-RE), as LOADING_MODULE */
};

struct super_block {
	__u32 s_dev;
	unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	long long i_size;
	__u32 i_rdev;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct qstr {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
} __attribute__((preserve_access_index));

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
} __attribute__((preserve_access_index));

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_mode;
} __attribute__((preserve_access_index));

struct linux_binprm {
	struct file *file;
	int envc;
	unsigned int unsafe;
} __attribute__((preserve_access_index));

struct fs_struct {
	struct path root;
} __attribute__((preserve_access_index));

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct mnt_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct nsproxy {
	struct mnt_namespace *mnt_ns;
} __attribute__((preserve_access_index));

struct seccomp {
	int mode;
} __attribute__((preserve_access_index));

struct task_struct {
	unsigned int ptrace;
	unsigned int flags;
	int tgid;
	char comm[16];
	struct fs_struct *fs;
	struct nsproxy *nsproxy;
	struct seccomp seccomp;
} __attribute__((preserve_access_index));

#endif
