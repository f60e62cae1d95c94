/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by the guard's BPF programs (guard.bpf.c) and the trusted
 * program that loads them.  Kernel UAPI fixed-width types only: this header is
 * compiled both by clang -target bpf and by the host compiler.
 */
#ifndef MODGUARD_GUARD_H
#define MODGUARD_GUARD_H

#include <linux/types.h>

#define MG_HASH_LEN 32
#define MG_DIGEST_MAX 64
#define MG_SIGNER_LEN 44
#define MG_NAME_LEN 64
#define MG_COMM_LEN 16

/* Capacity of the admitted-hash map (Debian ships about 4000 modules). */
#define MG_ADMITTED_MAX 32768
/* Recent decisions kept in the kernel for `guard status`. */
#define MG_RECENT_MAX 16
/* Ring buffer for the audit stream (power of two, page multiple). */
#define MG_RINGBUF_SIZE (256 * 1024)

/* Pins live here, one directory per guard. */
#define MG_PIN_DIR "/sys/fs/bpf/modguard"

enum mg_mode {
	MG_MODE_ENFORCE = 0,
	MG_MODE_PERMISSIVE = 1,
};

/* What the guard decided. */
enum mg_decision {
	MG_ALLOW = 0,
	MG_DENY = 1,
	MG_WOULD_DENY = 2, /* permissive mode: enforce would have refused */
	MG_DEFERRED = 3, /* left to the kernel's own signature check (rule a) */
};

/* Which rule produced the decision. */
enum mg_rule {
	MG_RULE_ADMITTED = 0, /* hash in the admitted map (rule b) */
	MG_RULE_KERNEL_KEYS = 1, /* kernel verified with its own keys, or will (rule a) */
	MG_RULE_NOT_ADMITTED = 2, /* kernel keys could not verify and hash not admitted */
	MG_RULE_TRUSTED = 3, /* buffer verified by the trusted program */
	MG_RULE_LOAD_DATA = 4, /* init_module(buf) from an untrusted task */
	MG_RULE_STRICT = 5, /* loader_only: only the trusted program may load */
	MG_RULE_NO_HASH = 6, /* the kernel could not hash the file */
	MG_RULE_PTRACE = 7, /* ptrace of the trusted program */
	MG_RULE_TRACED_EXEC = 8, /* exec of the trusted binary while traced or seccomp-filtered */
	MG_RULE_REMOTE_FS = 9, /* file on FUSE or a network fs: its hash proves nothing */
	MG_RULE_KERNEL_REJECTED = 10, /* the kernel's own check failed (EKEYREJECTED) */
	MG_RULE_EXEC_ENV = 11, /* exec of the trusted binary with an environment */
	MG_RULE__MAX,
};

/* Which hook decided. */
enum mg_hook {
	MG_HOOK_READ_FILE = 0,
	MG_HOOK_LOAD_DATA = 1,
	MG_HOOK_LOCKED_DOWN = 2,
	MG_HOOK_PTRACE = 3,
	MG_HOOK_EXEC = 4,
	MG_HOOK_SIG_CHECK = 5, /* the kernel's verdict, reported after module_sig_check() */
};

/* Counters in the stats map (per-CPU array, one slot each). */
enum mg_stat {
	MG_STAT_ALLOWED = 0,
	MG_STAT_DENIED,
	MG_STAT_WOULD_DENY,
	MG_STAT_DEFERRED,
	MG_STAT_DROPPED, /* audit events lost because the ring buffer was full */
	MG_STAT_TAGGED, /* execs of the trusted binary that were tagged */
	MG_STAT__MAX,
};

/*
 * What an admitted map key's digest is.  MG_KEY_FILE: the SHA-256 of the
 * file's bytes, as bpf_ima_file_hash() gives it.  MG_KEY_SIGNED_*: the digest
 * of the module's signed part (everything before the appended signature) in
 * the signature's own hash algorithm, which is what the kernel computes from
 * the very buffer it loads when it checks the signature (pkcs7_verify()).
 */
enum mg_key_kind {
	MG_KEY_NONE = 0,
	MG_KEY_FILE = 1,
	MG_KEY_SIGNED_SHA256 = 2,
	MG_KEY_SIGNED_SHA384 = 3,
	MG_KEY_SIGNED_SHA512 = 4,
	/*
	 * Not a digest: a hint, digest = dev (kernel encoding, __u64) then ino
	 * (__u64).  An admitted file whose signature is not SHA-256: the kernel
	 * may have no driver to hash it (SHA-384/512 built as a module) or may not
	 * parse it at all (SHA-3 before 6.7), so the guard hashes this inode's
	 * file itself and decides by its MG_KEY_FILE key.  It only chooses
	 * whether to hash; the decision is always by a digest.
	 */
	MG_KEY_INODE = 5,
};

/* Key of the admitted map: kind, then the digest, zero-padded to MG_DIGEST_MAX. */
struct mg_key {
	__u32 kind; /* enum mg_key_kind */
	__u8 digest[MG_DIGEST_MAX];
};

/* Set by the trusted program before load; read-only once loaded (.rodata). */
struct mg_config {
	__u64 trusted_dev; /* kernel encoding: major << 20 | minor */
	__u64 trusted_ino;
	__u32 mode; /* enum mg_mode */
	__u32 trust_kernel_keys; /* rule (a) enabled */
	__u32 loader_only; /* strict mode */
	__u32 kernel_modsig; /* kernel built with CONFIG_MODULE_SIG: asks locked_down */
	__u32 kernel_digest; /* guard_pkcs7_verify attached: the kernel's digest is the key */
	__u32 started_early; /* started in the initramfs (guard start --early); not read by the programs */
	__u32 id_state; /* guard dump only: the identity's state (identity.h) when dumped */
};

/* Value of the admitted map: one module has one MG_KEY_FILE key and one MG_KEY_SIGNED_* key. */
struct mg_admitted {
	__u64 when_ns; /* bpf_ktime_get_boot_ns()-compatible time of admission */
	char signer[MG_SIGNER_LEN];
	__u32 flags; /* MG_ADM_*; the guard reads none of them */
};

/*
 * At admission none of the kernel's keys was named like the signer's
 * certificate: the kernel's own check of the signature can only fail, so the
 * trusted program may load the module without it.
 */
#define MG_ADM_NO_KERNEL_KEY 1u

/* One audit event, ring buffer and recent-decisions map alike. */
struct mg_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 seq;
	__u8 hook; /* enum mg_hook */
	__u8 decision; /* enum mg_decision */
	__u8 rule; /* enum mg_rule */
	__u8 has_hash; /* hash holds the file's SHA-256 */
	__u32 uid;
	char comm[MG_COMM_LEN];
	char file[MG_NAME_LEN];
	__u8 hash[MG_HASH_LEN];
	char signer[MG_SIGNER_LEN];
	__u32 digest_kind; /* MG_KEY_SIGNED_*: digest holds the kernel's digest of the signed part */
	__u8 digest[MG_DIGEST_MAX];
};

#endif
