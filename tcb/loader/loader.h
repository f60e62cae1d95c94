/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * modguard-loader: the trusted program.  Statically linked, verification code
 * only.  The guard recognises it at exec by (dev, ino) and lets only it write
 * the admitted-hash map and call init_module.
 */
#ifndef MODGUARD_LOADER_H
#define MODGUARD_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "modguard.h"

/* Exit codes, as every modguard tool. */
enum {
	EXIT_OK = 0,
	EXIT_DENIED = 1, /* verification failed or policy denied */
	EXIT_USAGE = 2, /* usage or I/O error */
};

#define POLICY_PATH MODGUARD_SYSCONFDIR "/policy"
#define TRUST_DIR MODGUARD_SYSCONFDIR "/trust.d"
#define DENY_LIST MODGUARD_SYSCONFDIR "/deny.list"

#include "policy.h"

/*
 * Trust store: trust.d (or, with narrow, MODGUARD_SYSCONFDIR/NAME) plus the
 * required deny list, each opened once by descriptor (main.c).  Without
 * protected_only (dry runs) narrow may be any path.  0 or -EXIT_*.
 */
int trust_open(const char *narrow, bool protected_only, struct modguard_trust **out);

/* openat2 with no symlinks and no magic links; beneath dirfd unless AT_FDCWD. */
int conf_open(int dirfd, const char *name, int flags);

/* The first size - 1 bytes of the small file path, NUL-terminated: its length, or -1. */
ssize_t read_text(const char *path, char *buf, size_t size);

/* A module's file name: a stem and .ko, .ko.gz, .ko.xz or .ko.zst. */
bool is_module_name(const char *name);

/* A pinned BPF object DIR/NAME; a failure is reported, with HINT after the
 * error, unless HINT is NULL (a caller that reports it itself, or need not). */
int pin_open(const char *dir, const char *name, const char *hint);
#define GUARD_HINT " (is the guard started?)"

/*
 * Hand the module file at path to the kernel with finit_module(2): the
 * kernel's own keys and the guard decide, exactly as for any other caller;
 * this program vouches for nothing.  A compressed file goes with
 * MODULE_INIT_COMPRESSED_FILE, and only if the kernel decompresses its
 * format (-ENOTSUP otherwise).  0 when loaded, a positive errno when
 * finit_module failed, a negative one when path could not be opened.
 */
int kernel_decides(const char *path, const char *params);

int cmd_guard(int argc, char *argv[]);
/* The guard was handed off from the initramfs and has not checked this root yet (identity.h). */
bool handoff_pending(void);
int cmd_admit(int argc, char *argv[]);
int cmd_load(int argc, char *argv[]);
int cmd_load_chain(int argc, char *argv[]);

extern const char *prog;
/* msg(): "modguard-loader: ..." on stderr (main.c; declared in policy.h). */
/* With MODGUARD_DEBUG: how long since the previous call took, as "WHAT: N ms"
 * (phase(NULL) only starts the clock). */
void phase(const char *what);
void hex(const uint8_t *in, size_t len, char *out);

#endif
