/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the guard's and the self-protection's BPF programs assume about the
 * kernel, checked against a kernel's BTF before anything is loaded
 * (kmodel.c): every hook's argument layout, every struct member and enum
 * value the programs read.  Where a kernel differs, a variant is chosen or
 * a documented degraded mode taken; only when enforcement itself is
 * impossible does the check fail, naming what is missing.
 *
 * The trusted program runs it at guard start on the running kernel; the CLI
 * runs the very same code for "modguard guard check" on any kernel's BTF,
 * before anyone boots it.
 */
#ifndef MODGUARD_KMODEL_H
#define MODGUARD_KMODEL_H
#include <stdbool.h>
#include <stddef.h>

struct btf;
struct bpf_object;

enum mg_km_level { MG_KM_INFO = 0, MG_KM_DEGRADED = 1, MG_KM_FATAL = 2 };

struct mg_kmodel {
	unsigned fatal, degraded;
	/* guard_pkcs7_verify loads: admission by the kernel's digest of the signed part. */
	bool kernel_digest;
	/* The kernel reads compressed modules with their own read id (READING_MODULE_COMPRESSED). */
	bool read_compressed_id;
	char text[8192]; /* one line per finding: "fatal: ...", "degraded: ...", "note: ..." */
	size_t len;
};

/*
 * Check guard and protect (either may be NULL) against the kernel BTF kbtf,
 * and set every program's autoload to the variant that fits.  0 when the
 * guard can start (degraded or not), -1 when it cannot enforce; m tells.
 */
int mg_kmodel_check(const struct btf *kbtf, struct bpf_object *guard, struct bpf_object *protect,
		    struct mg_kmodel *m);
#endif
