/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /etc/modguard/policy (policy.c): the trusted program reads it at guard
 * start; the CLI reads it too, for what it does outside the trusted
 * computing base (the kernel-hash tweak after a start).  Tested and fuzzed
 * alone (tests/unit/test-policy.c, fuzz/fuzz-policy.c).
 */
#ifndef MODGUARD_POLICY_H
#define MODGUARD_POLICY_H
#include <stdbool.h>
#include <stdio.h>

enum fallback { FALLBACK_MODULES_DISABLED = 0, FALLBACK_NONE = 1 };

#define POLICY_PROTECT_MAX 64

struct policy {
	bool permissive;
	bool trust_kernel_keys;
	bool loader_only;
	/* Let IMA hash with the accelerated SHA-256 driver (guard start). */
	bool fast_kernel_hash;
	enum fallback fallback;
	/* "protect = PATH" lines (repeatable): added to the protected set. */
	char *protect[POLICY_PROTECT_MAX];
	unsigned n_protect;
};

/* Parse path into p (defaults when the file does not exist).  0, or -1 after printing file:line. */
int policy_load(const char *path, struct policy *p);
/* The same on an open stream; name is what messages call it.  f stays open. */
int policy_parse(FILE *f, const char *name, struct policy *p);
/* The strings policy_load allocated; p is then empty. */
void policy_free(struct policy *p);
/* Each caller prints messages its own way ("modguard-loader: ...", "modguard: ..."). */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
