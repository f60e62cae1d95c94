// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard guard: a kernel module enters the kernel only if the kernel verified
 * it with its own keys (rule a, policy trust_kernel_keys) or modguard's trusted
 * program admitted its exact content after verifying its signature (rule b).
 *
 * Hooks and default decisions (every program returns only 0 or -EPERM, and
 * passes through a non-zero verdict of an earlier LSM):
 *
 *   guard_kernel_read_file  lsm.s/kernel_read_file, READING_MODULE (finit_module;
 *                           and READING_MODULE_COMPRESSED where the kernel has it)
 *       Marks the task as loading a module.  When the kernel will check the
 *       module's signature and the guard reads the digest it takes
 *       (guard_pkcs7_verify), allows and leaves the decision to
 *       guard_locked_down, hashing nothing (unless admission left an inode
 *       hint: a signature the kernel may not hash).  Otherwise hashes the file with
 *       bpf_ima_file_hash() (never trusted on FUSE or network file systems)
 *       and decides now: admitted or not (trust_kernel_keys = no, no
 *       CONFIG_MODULE_SIG); in strict mode, the trusted program or not.
 *   guard_kernel_load_data  lsm/kernel_load_data, LOADING_MODULE (init_module)
 *       Deny unless the task is the trusted program, which verified the buffer.
 *   guard_pkcs7_verify      fexit/pkcs7_verify, VERIFYING_MODULE_SIGNATURE
 *       Remembers, for this task's in-flight module, the digest the kernel
 *       just computed of the signed part of the buffer it is loading, in the
 *       signature's hash algorithm.  Decides nothing.
 *   guard_locked_down       lsm/locked_down, LOCKDOWN_MODULE_SIGNATURE
 *       The kernel asks exactly when its own keys could not verify the module.
 *       Deny unless this task's in-flight module was admitted (its file hash,
 *       or the kernel's digest of its signed part, is in the admitted map), or
 *       the task is the trusted program loading a buffer.  Every other
 *       reason: allow.
 *   guard_bprm_check_security  lsm/bprm_check_security
 *       Deny exec of the trusted binary by a traced or seccomp-filtered task,
 *       or with a non-empty environment; allow everything else.
 *   guard_bprm_committed_creds lsm/bprm_committed_creds
 *       Tags the task as the trusted program when the new image is the trusted
 *       binary, matched on (dev, ino), the task is neither traced nor
 *       seccomp-filtered and the exec has no environment; clears the tag on
 *       any other exec.
 *   guard_ptrace_access_check  lsm/ptrace_access_check
 *       Deny attaching to (or reading the memory of) a tagged task.
 *   guard_ptrace_traceme       lsm/ptrace_traceme
 *       Deny PTRACE_TRACEME from a tagged task.
 *   guard_module_sig_check     fexit/module_sig_check (audit only, decides nothing)
 *       Reports the kernel's own verdict: allowed by its keys (rule a), or
 *       rejected by it.  Not loaded on kernels without the function.
 *
 * Permissive mode computes the same decisions, reports the refusals as
 * "would-deny" and refuses nothing.
 *
 * No vmlinux.h: only the fields read are declared (kernel.h), with preserve_access_index.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kernel.h"
#include "guard.h"
#include "identity.h"
#include "trusted.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- Kernel types: the shared ones are in kernel.h ------------------ */

struct load_info {
	bool sig_ok;
} __attribute__((preserve_access_index));

struct cred {
	__u32 uid;
} __attribute__((preserve_access_index));

/* crypto/asymmetric_keys: the parsed signature of a module being checked. */
enum key_being_used_for {
	VERIFYING_MODULE_SIGNATURE = 0,
};

struct public_key_signature {
	__u8 *digest;
	__u32 digest_size;
	const char *hash_algo;
} __attribute__((preserve_access_index));

/*
 * 7.0 and later (ML-DSA): the signature holds m, the message the algorithm
 * takes, and m_size.  Unless algo_takes_data, m is the digest as before.
 */
struct public_key_signature___m {
	__u8 *m;
	__u32 m_size;
	bool algo_takes_data;
} __attribute__((preserve_access_index));

struct pkcs7_signed_info {
	struct pkcs7_signed_info *next;
	const void *authattrs;
	struct public_key_signature *sig;
} __attribute__((preserve_access_index));

struct pkcs7_message {
	struct pkcs7_signed_info *signed_infos;
} __attribute__((preserve_access_index));

/*
 * File systems whose content can differ between two reads without a write
 * through this kernel (a FUSE daemon, a network server).  A hash taken in
 * kernel_read_file says nothing about the bytes read right after it, so an
 * admitted hash is not honoured there; rule (a) still works, because the
 * kernel checks the signature of the buffer it actually read.
 */
static __always_inline bool content_unstable(unsigned long magic)
{
	switch (magic) {
	case 0x65735546: /* FUSE, virtiofs */
	case 0x6969: /* NFS */
	case 0xFF534D42: /* CIFS */
	case 0xFE534D42: /* SMB2 */
	case 0x01021997: /* 9P */
	case 0x00c36400: /* Ceph */
	case 0x5346414F: /* AFS */
	case 0x6B414653: /* kAFS */
	case 0x47504653: /* GPFS */
	case 0x0BD00BD0: /* Lustre */
		return true;
	}
	return false;
}

/* The kernel's enum hash_algo value for SHA-256. */
#define HASH_ALGO_SHA256 4

/* ---- Configuration, fixed before load --------------------------------- */

const volatile struct mg_config cfg = {};

/* ---- Maps ------------------------------------------------------------- */

/* Per-task state: the trusted-program tag and the in-flight module load. */
struct task_state {
	__u32 trusted; /* exec'd the trusted binary, untraced */
	__u32 buffer_ok; /* trusted task inside init_module */
	__u32 admitted; /* in-flight finit_module file's hash is admitted */
	__u32 has_hash;
	__u32 loading; /* between the module's read or load_data and the kernel's verdict */
	__u32 via_buffer; /* the in-flight load is an untrusted init_module(buf): rule (a) only */
	__u8 hash[MG_HASH_LEN];
	char file[MG_NAME_LEN];
	char signer[MG_SIGNER_LEN];
	struct mg_key signed_key; /* the kernel's digest of the signed part, kind 0 if none */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

/*
 * A digest of an admitted module (struct mg_key: its file's SHA-256, or its
 * signed part's digest) -> admission record.  Written only by the trusted program.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MG_ADMITTED_MAX);
	__type(key, struct mg_key);
	__type(value, struct mg_admitted);
} admitted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MG_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MG_RECENT_MAX);
	__type(key, __u32);
	__type(value, struct mg_event);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MG_RINGBUF_SIZE);
} events SEC(".maps");

/* Sequence number of the next event; also indexes the recent ring. */
__u32 event_seq = 0;

/* ---- Helpers ---------------------------------------------------------- */

static __always_inline void count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &stat);

	if (v)
		*v += 1;
}

static __always_inline void event_init(struct mg_event *e, __u8 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();

	e->ts_ns = bpf_ktime_get_boot_ns();
	e->pid = task->tgid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->hook = hook;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/*
 * Publish an event: recent ring and audit stream.  The ring buffer is best
 * effort: enforcement never waits for a reader, lost events are counted.
 */
static __always_inline void publish(struct mg_event *e)
{
	__u32 idx;

	e->seq = __sync_fetch_and_add(&event_seq, 1);
	idx = e->seq % MG_RECENT_MAX;
	bpf_map_update_elem(&recent, &idx, e, BPF_ANY);
	if (bpf_ringbuf_output(&events, e, sizeof(*e), 0))
		count(MG_STAT_DROPPED);
}

/* Turn "should deny" into the verdict for the current mode, account for it and publish it. */
static __always_inline int verdict(struct mg_event *e, bool deny, bool deferred)
{
	int ret = 0;

	if (deny && cfg.mode != MG_MODE_PERMISSIVE) {
		e->decision = MG_DENY;
		count(MG_STAT_DENIED);
		ret = -EPERM;
	} else if (deny) {
		e->decision = MG_WOULD_DENY;
		count(MG_STAT_WOULD_DENY);
	} else if (deferred) {
		e->decision = MG_DEFERRED;
		count(MG_STAT_DEFERRED);
	} else {
		e->decision = MG_ALLOW;
		count(MG_STAT_ALLOWED);
	}
	publish(e);
	return ret;
}

static __always_inline struct task_state *state_of_current(bool create)
{
	return bpf_task_storage_get(&task_states, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/*
 * The trusted program's exemptions for loading: a tagged task, not dumping
 * its core, and the identity final (identity.h).  Until a guard from the
 * initramfs is handed over, its rules decide every load, the trusted
 * program's too: what that program reads of the guard's state goes through
 * pins, and only the kernel's side of the state cannot be forged.
 */
static __always_inline bool trusted_loader(struct task_state *st)
{
	struct mg_identity *id = mg_ident();

	return st && st->trusted && mg_tag_acts(bpf_get_current_task_btf()) && id &&
	       id->state == MG_ID_FIXED;
}

/* ---- Module loading --------------------------------------------------- */

/*
 * Whether admission left an MG_KEY_INODE hint for this file: its signature's
 * digest is one the kernel may not compute, so the guard hashes the file.
 */
static __always_inline bool hash_hinted(struct file *file)
{
	struct mg_key key = { .kind = MG_KEY_INODE };
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u64 dev = BPF_CORE_READ(inode, i_sb, s_dev);
	__u64 ino = BPF_CORE_READ(inode, i_ino);

	__builtin_memcpy(key.digest, &dev, sizeof(dev));
	__builtin_memcpy(key.digest + sizeof(dev), &ino, sizeof(ino));
	return bpf_map_lookup_elem(&admitted, &key) != NULL;
}

/*
 * A module file the kernel reads: READING_MODULE, and on 7.0 and later
 * READING_MODULE_COMPRESSED, the compressed file that
 * finit_module(MODULE_INIT_COMPRESSED_FILE) reads before decompressing it.
 * The guard hashes the file either way (the bytes on disk, as admission
 * recorded them); missing the second id would let such a load skip the
 * decision.
 */
static __always_inline bool module_read(enum kernel_read_file_id id)
{
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE))
		return true;
	return bpf_core_enum_value_exists(enum kernel_read_file_id, READING_MODULE_COMPRESSED) &&
	       id == bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE_COMPRESSED);
}

SEC("lsm.s/kernel_read_file")
int BPF_PROG(guard_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents,
	     int ret)
{
	struct mg_event e = {};
	struct mg_admitted *adm = NULL;
	struct task_state *st;
	bool trusted, deny, deferred = false, unstable, later;
	long algo;

	if (ret)
		return ret;
	if (!module_read(id))
		return 0;

	event_init(&e, MG_HOOK_READ_FILE);
	bpf_probe_read_kernel_str(e.file, sizeof(e.file),
				  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	st = state_of_current(true);
	trusted = trusted_loader(st);

	/*
	 * Rule (b) decided at locked_down, by the digest the kernel takes of the
	 * buffer it loads: nothing to hash here, and no file system to distrust.
	 */
	later = st && cfg.kernel_digest && cfg.kernel_modsig && cfg.trust_kernel_keys &&
		!cfg.loader_only;
	unstable = false;
	if (!later || hash_hinted(file)) {
		struct mg_key key = { .kind = MG_KEY_FILE };

		unstable = content_unstable(BPF_CORE_READ(file, f_inode, i_sb, s_magic));
		algo = bpf_ima_file_hash(file, e.hash, sizeof(e.hash));
		if (algo == HASH_ALGO_SHA256) {
			e.has_hash = 1;
			__builtin_memcpy(key.digest, e.hash, sizeof(e.hash));
			if (!unstable)
				adm = bpf_map_lookup_elem(&admitted, &key);
		}
		if (adm)
			__builtin_memcpy(e.signer, adm->signer, sizeof(e.signer));
	}

	if (st) {
		/* Every module load starts here or in kernel_load_data: no stale grant survives. */
		st->buffer_ok = 0;
		st->loading = 1;
		st->via_buffer = 0;
		st->signed_key.kind = MG_KEY_NONE;
		st->admitted = adm != NULL;
		st->has_hash = e.has_hash;
		__builtin_memcpy(st->hash, e.hash, sizeof(st->hash));
		__builtin_memcpy(st->file, e.file, sizeof(st->file));
		__builtin_memcpy(st->signer, e.signer, sizeof(st->signer));
	}

	if (cfg.loader_only) {
		deny = !trusted;
		e.rule = deny ? MG_RULE_STRICT : MG_RULE_TRUSTED;
	} else if (adm) {
		deny = false;
		e.rule = MG_RULE_ADMITTED;
	} else if (!later) {
		/*
		 * The kernel will not ask locked_down for a module its own keys verify
		 * (or at all without CONFIG_MODULE_SIG), and without task storage the
		 * later decision could not find this answer: decide now.
		 */
		deny = !cfg.trust_kernel_keys || !cfg.kernel_modsig || !st;
		deferred = !deny;
		e.rule = !deny	    ? MG_RULE_KERNEL_KEYS :
			 unstable   ? MG_RULE_REMOTE_FS :
			 e.has_hash ? MG_RULE_NOT_ADMITTED :
				      MG_RULE_NO_HASH;
	} else {
		deny = false;
		deferred = true;
		e.rule = MG_RULE_KERNEL_KEYS;
	}
	return verdict(&e, deny, deferred);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(guard_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	struct mg_event e = {};
	struct task_state *st;
	bool trusted, kernel_keys;

	if (ret)
		return ret;
	if (id != bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE) &&
	    !(bpf_core_enum_value_exists(enum kernel_load_data_id, LOADING_MODULE_COMPRESSED) &&
	      id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE_COMPRESSED)))
		return 0;

	event_init(&e, MG_HOOK_LOAD_DATA);
	st = state_of_current(true);
	trusted = trusted_loader(st);
	/*
	 * A buffer from anyone else can still pass rule (a) when trust_kernel_keys
	 * holds: the kernel checks its signature against its own keys as for a
	 * file, and asks locked_down when they do not verify it, where via_buffer
	 * refuses it.  Admission (rule b) is never granted to an untrusted
	 * init_module: such a buffer goes through the trusted program.  kmod
	 * before version 31 decompresses a .ko.xz itself and loads it this way:
	 * every Debian module on 6.12, loaded by udev.
	 */
	kernel_keys = !trusted && st && cfg.trust_kernel_keys && cfg.kernel_modsig &&
		      !cfg.loader_only;
	if (st) {
		st->admitted = 0;
		st->has_hash = 0;
		st->loading = 1;
		st->via_buffer = !trusted;
		st->signed_key.kind = MG_KEY_NONE;
		st->buffer_ok = trusted;
		st->file[0] = 0;
		st->signer[0] = 0;
	}
	e.rule = trusted ? MG_RULE_TRUSTED : kernel_keys ? MG_RULE_KERNEL_KEYS : MG_RULE_LOAD_DATA;
	return verdict(&e, !trusted && !kernel_keys, kernel_keys);
}

/*
 * The kernel has just hashed the signed part of the module it is loading
 * (pkcs7_digest(), from module_sig_check()), whatever key signed it.  That
 * digest is of the very buffer the kernel goes on to load: keep it for
 * guard_locked_down.  Only for a load this task has in flight (every module
 * load passes kernel_read_file or kernel_load_data first), only for a message
 * the kernel accepted this far (ret 0: digest computed, not on the kernel's
 * hash blacklist), and only for one signer without authenticated attributes,
 * whose digest is then the signed part's own.  Anything else leaves no
 * digest, and no admission.  (IMA's appraisal of an appended signature uses
 * the same usage on the same buffer; the kernel's own check comes after it,
 * and its answer replaces IMA's.)
 */
SEC("fexit/pkcs7_verify")
int BPF_PROG(guard_pkcs7_verify, struct pkcs7_message *pkcs7, enum key_being_used_for usage,
	     int ret)
{
	struct pkcs7_signed_info *si;
	struct public_key_signature *sig;
	struct task_state *st;
	char name[8] = {};
	__u32 size, kind;
	__u8 *digest;

	if (usage != bpf_core_enum_value(enum key_being_used_for, VERIFYING_MODULE_SIGNATURE))
		return 0;
	st = state_of_current(false);
	if (!st || !st->loading)
		return 0;
	/* The last check of this load decides: a failed one leaves no digest. */
	st->signed_key.kind = MG_KEY_NONE;
	if (ret)
		return 0;
	si = BPF_CORE_READ(pkcs7, signed_infos);
	if (!si || BPF_CORE_READ(si, next) || BPF_CORE_READ(si, authattrs))
		return 0;
	sig = BPF_CORE_READ(si, sig);
	if (bpf_core_field_exists(sig->digest)) {
		digest = BPF_CORE_READ(sig, digest);
		size = BPF_CORE_READ(sig, digest_size);
	} else {
		struct public_key_signature___m *sm = (void *)sig;

		/* The whole message, not a digest (ML-DSA): no admission by digest. */
		if (bpf_core_field_exists(sm->algo_takes_data) &&
		    BPF_CORE_READ_BITFIELD_PROBED(sm, algo_takes_data))
			return 0;
		digest = BPF_CORE_READ(sm, m);
		size = BPF_CORE_READ(sm, m_size);
	}
	if (!digest ||
	    bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(sig, hash_algo)) != 7)
		return 0;
	if (name[0] != 's' || name[1] != 'h' || name[2] != 'a')
		return 0;
	if (name[3] == '2' && name[4] == '5' && name[5] == '6' && size == 32)
		kind = MG_KEY_SIGNED_SHA256;
	else if (name[3] == '3' && name[4] == '8' && name[5] == '4' && size == 48)
		kind = MG_KEY_SIGNED_SHA384;
	else if (name[3] == '5' && name[4] == '1' && name[5] == '2' && size == 64)
		kind = MG_KEY_SIGNED_SHA512;
	else
		return 0;
	__builtin_memset(st->signed_key.digest, 0, sizeof(st->signed_key.digest));
	/* The digest's allocation is exactly digest_size bytes: read no more. */
	if (size == 32)
		ret = bpf_probe_read_kernel(st->signed_key.digest, 32, digest);
	else if (size == 48)
		ret = bpf_probe_read_kernel(st->signed_key.digest, 48, digest);
	else
		ret = bpf_probe_read_kernel(st->signed_key.digest, 64, digest);
	if (!ret)
		st->signed_key.kind = kind;
	return 0;
}

/* The event's record of the in-flight module, from task storage. */
static __always_inline void event_from_state(struct mg_event *e, struct task_state *st)
{
	__builtin_memcpy(e->file, st->file, sizeof(e->file));
	__builtin_memcpy(e->hash, st->hash, sizeof(e->hash));
	__builtin_memcpy(e->signer, st->signer, sizeof(e->signer));
	e->has_hash = st->has_hash;
	e->digest_kind = st->signed_key.kind;
	__builtin_memcpy(e->digest, st->signed_key.digest, sizeof(e->digest));
}

SEC("lsm/locked_down")
int BPF_PROG(guard_locked_down, enum lockdown_reason what, int ret)
{
	struct mg_event e = {};
	struct mg_admitted *adm = NULL;
	struct task_state *st;
	bool deny;

	if (ret)
		return ret;
	if (what != bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_MODULE_SIGNATURE))
		return 0;

	event_init(&e, MG_HOOK_LOCKED_DOWN);
	st = state_of_current(false);
	if (!st) {
		deny = true;
		e.rule = MG_RULE_NOT_ADMITTED;
		return verdict(&e, deny, false);
	}

	if (st->loading && !st->via_buffer && st->signed_key.kind != MG_KEY_NONE)
		adm = bpf_map_lookup_elem(&admitted, &st->signed_key);
	if (adm)
		__builtin_memcpy(st->signer, adm->signer, sizeof(st->signer));
	event_from_state(&e, st);

	if (st->buffer_ok && trusted_loader(st)) {
		deny = false;
		e.rule = MG_RULE_TRUSTED;
	} else if ((st->admitted || adm) && !st->via_buffer && !cfg.loader_only) {
		deny = false;
		e.rule = MG_RULE_ADMITTED;
	} else {
		deny = true;
		e.rule = cfg.loader_only ? MG_RULE_STRICT :
			 st->via_buffer	 ? MG_RULE_LOAD_DATA :
					   MG_RULE_NOT_ADMITTED;
	}
	/* One answer per load: the grant is consumed. */
	st->buffer_ok = 0;
	st->admitted = 0;
	st->loading = 0;
	st->via_buffer = 0;
	st->signed_key.kind = MG_KEY_NONE;
	return verdict(&e, deny, false);
}

/*
 * The kernel's own verdict on the module's signature, for the audit trail.
 * A refusal by guard_locked_down (-EPERM) and a load it allowed (0 without
 * sig_ok) were reported there already.
 */
SEC("fexit/module_sig_check")
int BPF_PROG(guard_module_sig_check, struct load_info *info, int flags, int ret)
{
	struct mg_event e = {};
	struct task_state *st;

	st = state_of_current(false);
	if (ret == -EPERM || (ret == 0 && !BPF_CORE_READ(info, sig_ok))) {
		if (st) {
			st->loading = 0;
			st->via_buffer = 0;
			st->signed_key.kind = MG_KEY_NONE;
		}
		return 0;
	}
	event_init(&e, MG_HOOK_SIG_CHECK);
	if (st) {
		event_from_state(&e, st);
		st->loading = 0;
		st->via_buffer = 0;
		st->signed_key.kind = MG_KEY_NONE;
	}
	if (ret == 0) {
		e.decision = MG_ALLOW;
		e.rule = MG_RULE_KERNEL_KEYS;
		count(MG_STAT_ALLOWED);
	} else {
		e.decision = MG_DENY;
		e.rule = MG_RULE_KERNEL_REJECTED;
		count(MG_STAT_DENIED);
	}
	publish(&e);
	return 0;
}

/* ---- Identifying the trusted program ---------------------------------- */

/*
 * Variables are read before main: the C library's start-up parses
 * GLIBC_TUNABLES, libcrypto's CPU detection OPENSSL_ia32cap.  A memory-safety
 * bug there would run in a tagged task, so the trusted program is
 * recognised only when exec'd with no environment at all; its callers pass
 * none.
 */
static __always_inline bool with_environment(struct linux_binprm *bprm)
{
	return BPF_CORE_READ(bprm, envc) != 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(guard_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mg_event e = {};
	bool s, env;

	if (ret)
		return ret;
	if (!mg_trusted_file(BPF_CORE_READ(bprm, file)))
		return 0;
	/* steered: traced, seccomp-filtered, or its root and cwd shared with another process */
	s = mg_steered(task) || mg_exec_shares_fs(bprm);
	env = with_environment(bprm);
	if (!s && !env)
		return 0;
	event_init(&e, MG_HOOK_EXEC);
	e.rule = s ? MG_RULE_TRACED_EXEC : MG_RULE_EXEC_ENV;
	return verdict(&e, true, false);
}

SEC("lsm/bprm_committed_creds")
int BPF_PROG(guard_bprm_committed_creds, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st;
	/*
	 * A steered task, or an exec with an environment or a shared fs
	 * context, is never tagged, whatever bprm_check_security said
	 * (permissive mode lets it run).  trusted.h has the rules.
	 */
	bool match = mg_trusted_file(BPF_CORE_READ(bprm, file)) && mg_exec_clean(bprm, task);

	st = state_of_current(match);
	if (!st)
		return 0;
	st->trusted = match;
	st->buffer_ok = 0;
	st->admitted = 0;
	if (match)
		count(MG_STAT_TAGGED);
	return 0;
}

/*
 * Threads and children of the trusted program are the trusted program: they
 * share or copy its memory, and the tag is per task.  Untagged, a worker
 * thread's /proc/PID/task/TID/mem was writable.  A child that execs
 * something else loses the tag at bprm_committed_creds.  No storage, no
 * task: the fork fails rather than make an unprotected trusted thread.
 */
SEC("lsm/task_alloc")
int BPF_PROG(guard_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	return ret ? ret : MG_INHERIT_TAG(task_states, struct task_state, task);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(guard_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct mg_event e = {};
	struct task_state *st;

	if (ret)
		return ret;
	st = bpf_task_storage_get(&task_states, child, 0, 0);
	if (!st || !st->trusted)
		return 0;
	event_init(&e, MG_HOOK_PTRACE);
	e.rule = MG_RULE_PTRACE;
	return verdict(&e, true, false);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(guard_ptrace_traceme, struct task_struct *parent, int ret)
{
	struct task_state *st;
	struct mg_event e = {};

	if (ret)
		return ret;
	st = state_of_current(false);
	if (!st || !st->trusted)
		return 0;
	event_init(&e, MG_HOOK_PTRACE);
	e.rule = MG_RULE_PTRACE;
	return verdict(&e, true, false);
}
