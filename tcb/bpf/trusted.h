/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one definition of the trusted task, shared by the guard (guard.bpf.c)
 * and the self-protection (protect.bpf.c).  Each keeps its own per-task tag
 * in its own task storage, but both tag, inherit and honour it by these
 * rules:
 *
 *  - A task is tagged when it execs the trusted binary and nothing outside
 *    the new image can steer it: no tracer, no seccomp filter, no
 *    environment, and no file-system context (root, cwd, umask) shared with
 *    a task outside its thread group.  A CLONE_FS sibling could chroot the
 *    running trusted program into a tree of its own; exec does not unshare
 *    fs_struct, it only marks the exec LSM_UNSAFE_SHARE.  (Exec does unshare
 *    the file table and the signal handlers.)
 *  - Every task a tagged task makes (threads, and children until they exec
 *    something else) is tagged too: their memory is the trusted program's.
 *  - A tagged task that is dumping core is not exempt from anything: the
 *    kernel writes the core file in its context, to core_pattern's path.
 *    It stays protected as a target (ptrace, /proc) all the same.
 */
#ifndef MODGUARD_BPF_TRUSTED_H
#define MODGUARD_BPF_TRUSTED_H

/* include/linux/sched.h, include/linux/security.h: stable values */
#define MG_PF_DUMPCORE 0x00000200
#define MG_LSM_UNSAFE_SHARE 1

/* Someone else can steer the task's system calls: a tracer, or a seccomp
 * filter inherited across exec (SECCOMP_RET_ERRNO fakes errors, a
 * user-notification supervisor answers open() with its own files). */
static __always_inline bool mg_steered(struct task_struct *task)
{
	return BPF_CORE_READ(task, ptrace) || BPF_CORE_READ(task, seccomp.mode);
}

/* The exec shares the file-system context with a task outside the group. */
static __always_inline bool mg_exec_shares_fs(struct linux_binprm *bprm)
{
	return BPF_CORE_READ(bprm, unsafe) & MG_LSM_UNSAFE_SHARE;
}

/* An exec of the trusted binary that may be tagged (the file is checked by the
 * caller against its own configuration). */
static __always_inline bool mg_exec_clean(struct linux_binprm *bprm, struct task_struct *task)
{
	return !mg_steered(task) && !BPF_CORE_READ(bprm, envc) && !mg_exec_shares_fs(bprm);
}

/* A tagged task may use its exemptions: not while the kernel dumps its core. */
static __always_inline bool mg_tag_acts(struct task_struct *task)
{
	return !(BPF_CORE_READ(task, flags) & MG_PF_DUMPCORE);
}

/*
 * The task_alloc rule, for each object's own task storage MAP of TYPE (with a
 * __u32 member trusted): the new task inherits a tagged parent's tag.  No
 * storage, no task: the fork fails rather than make an untagged thread of
 * the trusted program.
 */
#define MG_INHERIT_TAG(map, type, task)                                                           \
	({                                                                                        \
		type *_p = bpf_task_storage_get(&map, bpf_get_current_task_btf(), 0, 0);          \
		type *_c = NULL;                                                                  \
		int _r = 0;                                                                       \
		if (_p && _p->trusted) {                                                          \
			_c = bpf_task_storage_get(&map, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE); \
			if (_c)                                                                   \
				_c->trusted = 1;                                                  \
			else                                                                      \
				_r = -ENOMEM;                                                     \
		}                                                                                 \
		_r;                                                                               \
	})

#endif
