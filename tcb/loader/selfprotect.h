/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MODGUARD_LOADER_SELFPROTECT_H
#define MODGUARD_LOADER_SELFPROTECT_H

#include "loader.h"

/*
 * Load the self-protection programs (bpf/protect.bpf.c) after the guard is
 * pinned: fill the protected set (defaults plus the policy's "protect = PATH"
 * lines), record the ids of the guard's and our own BPF objects, attach, pin,
 * and finally seal the pin directories.  From then on, until reboot, only the
 * trusted program may change a protected file, and nobody may undo any of it.
 * 0, or -1 after a message saying what failed.
 */
struct btf;
struct bpf_object;
/* The kernel model's findings as messages (kmodel.h): 0, or -1 when enforcement is impossible. */
int kmodel_report(const struct btf *btf, struct bpf_object *guard, struct bpf_object *protect);
/*
 * btf: the kernel's, as guard start parsed it (NULL: unreadable); identity:
 * the guard's identity map (identity.h), which the programs share; early:
 * started in the initramfs, so only the pins and the BPF objects are
 * protected until the hand-off.
 */
int protect_start(const struct policy *pol, const struct btf *btf, int identity, bool early);
/* The hand-off on the real root (identity.h): its files, its writers.  0 or -1. */
int protect_handoff(const struct policy *pol);

struct mg_snapshot;
/*
 * For `guard dump`: the protected set's size, the write hook and refusals
 * per rule (counted, not refused, under mode = permissive); protect_err set
 * when the self-protection is not running.
 */
void protect_snapshot(struct mg_snapshot *s);

/*
 * The kernel's identity of PATH (follow: through a last symlink): its
 * superblock's device, kernel encoding (major << 20 | minor), as
 * inode->i_sb->s_dev reads, and its inode number.  Not stat()'s st_dev,
 * which differs on btrfs.  0, or -1 with errno.
 */
int kernel_file_id(const char *path, bool follow, __u64 *dev, __u64 *ino);

/* trust-add CERT: the maintenance verb.  Exit 0 added, 1 refused, 2 usage or I/O. */
int cmd_trust_add(int argc, char *argv[]);

#endif
