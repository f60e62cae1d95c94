// SPDX-License-Identifier: GPL-2.0-only
/* modguard trust-add CERT: the one run-time change to the trust store (trusted program). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "exec.h"

int cmd_trust_add(int argc, char *argv[])
{
	int rc;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: modguard trust-add CERT\n"
		       "Add CERT (PEM or DER) to %s/trust.d, if a key already in the trust store\n"
		       "signed it.  This is the only change to the trust store, the deny list or the\n"
		       "policy that the guard allows while it runs; anything else waits for a reboot.\n"
		       "The initramfs images are then rebuilt (update-initramfs -u -k all): the guard\n"
		       "starts in them from the configuration they hold.\n"
		       "Exit 0 added (or already present), 1 refused, 2 usage or I/O error.\n",
		       MODGUARD_SYSCONFDIR);
		return EXIT_OK;
	}
	if (argc != 2) {
		mg_error("usage: modguard trust-add CERT");
		return EXIT_USAGE;
	}
	rc = mg_loader_run("trust-add", argv + 1);
	if (rc != EXIT_OK)
		return rc;
	/*
	 * The guard starts in the initramfs from the configuration the image
	 * holds, and hands over only to a real root with the same one: the
	 * image must hold the new store, or the next boot keeps the
	 * initramfs's rules and admits nothing.
	 */
	if (access("/usr/sbin/update-initramfs", X_OK) == 0) {
		pid_t pid;
		int status;

		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			execl("/usr/sbin/update-initramfs", "update-initramfs", "-u", "-k", "all",
			      (char *)NULL);
			_exit(127);
		}
		while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			mg_error(
				"%s: added, but update-initramfs -u -k all failed: run it again before "
				"the next boot, or the guard there keeps the old store and admits nothing",
				argv[1]);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}
