// SPDX-License-Identifier: GPL-2.0-only
/* guard check in a build without the BPF objects (no clang or bpftool). */
#include "common.h"
#include "guard-check.h"

int mg_guard_check(int argc, char *argv[])
{
	mg_error("guard check: this build has no BPF objects (clang and bpftool were missing)");
	return EXIT_USAGE;
}
