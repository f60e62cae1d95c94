/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MODGUARD_LOADER_EXEC_H
#define MODGUARD_LOADER_EXEC_H

/*
 * The trusted program, MODGUARD_LIBEXECDIR/modguard-loader, or
 * $MODGUARD_LOADER (below).
 */
const char *mg_loader_path(void);

/*
 * Exec the trusted program at PATH with ARGS (NULL-terminated, argv[0]
 * excluded) and an empty environment: the guard does not recognise an exec
 * of it that carries one, since the C library and libcrypto read variables
 * before main.  MODGUARD_DEBUG in ours becomes --debug.  Returns only on
 * failure, with errno set.  (tools/loader-execve.c, shared with the
 * front-end.)
 */
void mg_loader_execve_path(const char *path, const char *const args[]);

/* The same, at mg_loader_path(). */
void mg_loader_execve(const char *const args[]);

/*
 * Replace the CLI with the trusted program: MODGUARD_LIBEXECDIR/modguard-loader
 * VERB ARGS...  Only that binary is tagged by the guard, so the verified work
 * (admission, init_module, reading the guard's maps) happens there.
 * $MODGUARD_LOADER overrides the path for tests from a build tree: an
 * untagged copy can do nothing the guard would not let anyone do.
 * Returns only on failure, with an exit code.
 */
int mg_loader_exec(const char *verb, int argc, char *argv[]);

/* Same, but run as a child and return its exit code (2 if it could not run). */
int mg_loader_run(const char *verb, char *const args[]);

#endif
