/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the trusted program serves to the CLI, raw: "guard dump" writes one
 * struct mg_snapshot to stdout, "guard events" writes struct mg_event
 * records as the guard reports them.  No text, no formatting, no syslog: the
 * guard's maps are the trusted program's alone, and everything that turns
 * their contents into words is the CLI's (tools/guard-view.c), outside the
 * trusted computing base.  Both sides are built from one tree and installed
 * together; magic and size catch a mismatch.
 */
#ifndef MODGUARD_SNAPSHOT_H
#define MODGUARD_SNAPSHOT_H
#include <linux/types.h>

#include "guard.h"
#include "protect.h"

#define MG_SNAP_MAGIC 0x31504e5344474d4dull /* "MMGDSNP1" little-endian */
#define MG_SNAP_PROGS 64
#define MG_SNAP_NAME 48

/* One pinned link of the guard or of the self-protection. */
struct mg_prog_stat {
	char name[MG_SNAP_NAME]; /* the pin's name without "link_", NUL-terminated */
	__u64 run_cnt; /* kernel.bpf_stats_enabled = 1, or 0 */
	__u64 run_time_ns;
	__s32 err; /* 0, or the errno that kept its figures out */
	__u32 protect; /* 1: a self-protection program */
};

struct mg_snapshot {
	__u64 magic;
	__u32 size; /* sizeof(struct mg_snapshot) */
	__u32 nrecent; /* recent[] entries, oldest first */
	struct mg_config cfg;
	__u32 admitted; /* modules: MG_KEY_FILE keys */
	__u32 nprogs;
	__u64 stats[MG_STAT__MAX];
	/* The self-protection: protect_err 0 when its stats map was read. */
	__s32 protect_err;
	__u32 protect_inodes, protect_devices, protect_ids;
	__u32 write_hook; /* protect_file_permission attached */
	__u32 pad;
	__u64 protect_stats[MG_PR__MAX];
	struct mg_prog_stat progs[MG_SNAP_PROGS];
	struct mg_event recent[MG_RECENT_MAX];
};

#endif
