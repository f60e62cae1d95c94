/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MODGUARD_TOOLS_COMMON_H
#define MODGUARD_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "libmodguard.h"

/* Exit codes every subcommand uses. */
enum {
	EXIT_OK = 0,
	EXIT_INVALID = 1, /* verification failed, policy denied, or bad module content */
	EXIT_USAGE = 2, /* usage or I/O error */
};

struct mg_cmd {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *help;
};

extern const char *mg_cmdname; /* "sign", "verify", ...: prefixes messages */

__attribute__((format(printf, 1, 2))) void mg_error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void mg_warn(const char *fmt, ...);
/* "modguard sign: FILE: message" for a library error. */
void mg_file_error(const char *file, const struct modguard_err *e);
/* Exit code for a library error: 2 for I/O and usage, 1 for content. */
int mg_exit_for(const struct modguard_err *e);

/* A list of file names. */
struct mg_list {
	char **v;
	size_t n, alloc;
};
int mg_list_add(struct mg_list *l, const char *s);
void mg_list_free(struct mg_list *l);
/* Every module file (.ko, .ko.gz, .ko.xz, .ko.zst) under dir, without following symlinks, sorted. */
int mg_collect_tree(const char *dir, struct mg_list *l);
bool mg_is_module_name(const char *name);

/*
 * Run fn(arg) on min(jobs, n, 256) threads, the caller's among them, and
 * wait for all (fewer if a thread cannot be created).
 */
void mg_run_threads(size_t n, int jobs, void *(*fn)(void *arg), void *arg);
/* Run fn(i, ctx) for i in [0, n) on up to jobs threads; progress on stderr if wanted. */
void mg_parallel(size_t n, int jobs, bool progress, void (*fn)(size_t i, void *ctx), void *ctx);
int mg_default_jobs(void);
/* Draw a progress bar on stderr (callers check isatty). */
void mg_progress(size_t done, size_t total);
int mg_parse_jobs(const char *s);

/* JSON string escaping to stdout. */
void mg_json_str(const char *s);

/* Load -C paths and --deny lists into a trust store; prints errors, returns exit code. */
int mg_trust_load(struct modguard_trust **t, char **certs, size_t ncerts, char **deny,
		  size_t ndeny);

/* Read a module file and return the uncompressed image. */
int mg_read_module(const char *path, uint8_t **raw, size_t *raw_len, uint8_t **img, size_t *img_len,
		   enum modguard_comp *comp, struct modguard_err *err);

#endif
