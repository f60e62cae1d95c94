/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MODGUARD_GUARD_CHECK_H
#define MODGUARD_GUARD_CHECK_H
/* modguard guard check [--kernel KVER | VMLINUX]: 0 starts, 1 cannot start, 2 errors. */
int mg_guard_check(int argc, char *argv[]);
#endif
