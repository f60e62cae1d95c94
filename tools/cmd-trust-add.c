// SPDX-License-Identifier: GPL-2.0-only
/* modguard trust-add CERT: the one run-time change to the trust store (trusted program). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "exec.h"

int cmd_trust_add(int argc, char *argv[])
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: modguard trust-add CERT\n"
		       "Add CERT (PEM or DER) to %s/trust.d, if a key already in the trust store\n"
		       "signed it.  This is the only change to the trust store, the deny list or the\n"
		       "policy that the guard allows while it runs; anything else waits for a reboot.\n"
		       "Exit 0 added (or already present), 1 refused, 2 usage or I/O error.\n",
		       MODGUARD_SYSCONFDIR);
		return EXIT_OK;
	}
	if (argc != 2) {
		mg_error("usage: modguard trust-add CERT");
		return EXIT_USAGE;
	}
	return mg_loader_exec("trust-add", argc, argv);
}
