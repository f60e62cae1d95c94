// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard, as installed in the bindir: a small static front-end.
 *
 * The verbs that the trusted program carries out itself (load, admit,
 * trust-add) go
 * straight to it.  Everything else, and every invocation under another name
 * (modprobe), goes to the full CLI in the libexecdir.  The full CLI is
 * dynamically linked against libcrypto, libkmod and libbpf: starting it costs
 * more than loading a small module does, so `modguard load` must not pass
 * through it.  Nothing here parses more than the verb; the programs exec'd
 * do all the work and print all the messages.
 *
 * The trusted program gets no environment at all: the guard does not
 * recognise an exec of it that carries one (the C library and libcrypto
 * read variables before main).  MODGUARD_DEBUG becomes --debug.  Both are
 * mg_loader_execve_path()'s, which the CLI uses as well.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"

#define LOADER MODGUARD_LIBEXECDIR "/modguard-loader"
#define CLI MODGUARD_LIBEXECDIR "/modguard"

/* "modguard load|admit|trust-add ARGS", with no request for help: the trusted program's. */
static bool for_loader(int argc, char *argv[])
{
	const char *self = strrchr(argv[0], '/');

	self = self ? self + 1 : argv[0];
	if (strcmp(self, "modguard") || argc < 3)
		return false;
	if (strcmp(argv[1], "load") && strcmp(argv[1], "admit") && strcmp(argv[1], "trust-add"))
		return false;
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return false;
	return true;
}

int main(int argc, char *argv[])
{
	if (argc < 1)
		return 2;
	if (!for_loader(argc, argv)) {
		execv(CLI, argv);
		fprintf(stderr, "modguard: %s: cannot run: %s\n", CLI, strerror(errno));
		return 2;
	}
	mg_loader_execve_path(LOADER, (const char *const *)argv + 1);
	fprintf(stderr, "modguard: %s: cannot run: %s\n", LOADER, strerror(errno));
	return 2;
}
