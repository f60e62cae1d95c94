// SPDX-License-Identifier: GPL-2.0-only
/* modguard admit [-q] [-n] [-C TRUST] FILE... | --tree DIR: done by the trusted program. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "exec.h"

int cmd_admit(int argc, char *argv[])
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: modguard admit [-q] [-n] [-C TRUST] FILE... | --tree DIR\n"
		       "Verify each module against the trust store (%s/trust.d, deny list\n"
		       "%s/deny.list) and admit the SHA-256 of its exact bytes into the guard.\n"
		       "-n verifies and hashes without admitting (then -C may name any store).\n"
		       "Exit 0 if all were admitted, 1 if any was refused, 2 on usage or I/O errors.\n",
		       MODGUARD_SYSCONFDIR, MODGUARD_SYSCONFDIR);
		return EXIT_OK;
	}
	return mg_loader_exec("admit", argc, argv);
}
