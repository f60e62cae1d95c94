/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who the trusted program is: the one entry of the "identity" map, shared by
 * the guard (guard.bpf.c, which makes it) and the self-protection
 * (protect.bpf.c, which reuses it), and written by the trusted program.
 *
 * A guard started on the real root is MG_ID_FIXED from the start.  A guard
 * started in the initramfs (guard start --early) knows the trusted binary
 * there, which is gone after switch_root, and records what it hands off to:
 * the SHA-256 and size of its own binary and the path it has on the real
 * root.  The first clean exec of a file with that content at that path in
 * the real root, in the initial mount namespace (protect_handoff), becomes
 * the trusted binary and the real root becomes the trusted program's root:
 * MG_ID_PENDING.  That program takes over the self-protection of the real
 * root's files, checks that the configuration there is the one the
 * initramfs held (config), and only then sets MG_ID_FIXED.  Until then it
 * refuses every other command.
 */
#ifndef MODGUARD_BPF_IDENTITY_H
#define MODGUARD_BPF_IDENTITY_H

#include <linux/types.h>

enum mg_id_state {
	MG_ID_FIXED = 0, /* the trusted binary and its root are final */
	MG_ID_EARLY = 1, /* started in the initramfs: the hand-off is open */
	MG_ID_PENDING = 2, /* handed off; the real root's configuration is not yet checked */
};

#define MG_ID_COMPS 6 /* path components of the binary on the real root, at most */
#define MG_ID_COMP_LEN 32

struct mg_identity {
	__u64 trusted_dev; /* kernel encoding: major << 20 | minor */
	__u64 trusted_ino;
	__u64 root_dev; /* "/" of the trusted program */
	__u64 root_ino;
	__u64 root_mnt_id;
	__u64 size; /* MG_ID_EARLY: i_size of the binary handed off to */
	__u32 state; /* enum mg_id_state */
	__u32 ncomps;
	__u8 hash[32]; /* MG_ID_EARLY: SHA-256 of that binary (IMA's hash of it) */
	__u8 config[32]; /* SHA-256 of the configuration the guard started with */
	char comps[MG_ID_COMPS][MG_ID_COMP_LEN]; /* its path on the real root, leaf first */
	__u32 switched; /* MG_ID_EARLY: pid 1 exec'd from another root; mounts no longer move */
	__u32 pad;
};

#ifdef __bpf__
/*
 * The map, declared once for both objects (after kernel.h and libbpf's
 * headers): the guard's object creates it, the self-protection's reuses its
 * descriptor (protect_start), and the trusted program fills it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mg_identity);
} identity SEC(".maps");

static __always_inline struct mg_identity *mg_ident(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&identity, &zero);
}

/* FILE is the trusted binary: the one both objects recognise by. */
static __always_inline bool mg_trusted_file(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct mg_identity *id = mg_ident();

	return id && id->trusted_ino && BPF_CORE_READ(inode, i_ino) == id->trusted_ino &&
	       BPF_CORE_READ(inode, i_sb, s_dev) == id->trusted_dev;
}
#endif

#endif
