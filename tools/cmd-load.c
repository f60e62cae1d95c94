// SPDX-License-Identifier: GPL-2.0-only
/* modguard load FILE [PARAM...]: verify in memory, init_module those bytes (trusted program). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "exec.h"

int cmd_load(int argc, char *argv[])
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: modguard load FILE [PARAM...]\n"
		       "Verify FILE (.ko, .ko.gz, .ko.xz, .ko.zst) in memory against the trust store\n"
		       "and pass the verified bytes to init_module.\n");
		return EXIT_OK;
	}
	return mg_loader_exec("load", argc, argv);
}
