/* SPDX-License-Identifier: GPL-2.0-only */
/* The guard seen from outside the trusted computing base (guard-view.c). */
#ifndef MODGUARD_GUARD_VIEW_H
#define MODGUARD_GUARD_VIEW_H
#include <stdbool.h>
#include <stdio.h>

#include "snapshot.h"

/*
 * "modguard-loader guard dump" into s.  0; 1 when the guard is not running;
 * 2 on other errors.  err gets the trusted program's message, if any.
 */
int mg_guard_snapshot(struct mg_snapshot *s, char *err, size_t errlen);
/* "key: value" lines, then "recent:" and one line per decision. */
void mg_guard_status_print(FILE *out, const struct mg_snapshot *s);
/* modguard guard status / log [--timeout SEC]: exit codes as the subcommands'. */
int mg_guard_status(void);
int mg_guard_log(int argc, char *argv[]);
/* One decision as a line of text or a JSON object. */
void mg_event_format(const struct mg_event *e, char *out, size_t len, bool json);
/* After a start: IMA's hash through the fastest SHA-256 driver (policy fast_kernel_hash). */
int mg_fast_kernel_hash(void);
#endif
