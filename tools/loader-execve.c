// SPDX-License-Identifier: GPL-2.0-only
/*
 * How the CLI and the static front-end exec the trusted program: with an
 * empty environment, since the guard does not recognise an exec of it that
 * carries one (the C library and libcrypto read variables before main), and
 * with our MODGUARD_DEBUG passed on as --debug.  libc only: the front-end
 * links nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "exec.h"

void mg_loader_execve_path(const char *path, const char *const args[])
{
	static char *const no_env[] = { NULL };
	const char *debug = getenv("MODGUARD_DEBUG");
	size_t n = 0, k = 0;
	char **v;

	while (args[n])
		n++;
	v = calloc(n + 3, sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return;
	}
	v[k++] = "modguard-loader";
	if (debug && *debug)
		v[k++] = "--debug";
	for (size_t i = 0; i < n; i++)
		v[k++] = (char *)args[i];
	fflush(NULL);
	execve(path, v, no_env);
	free(v);
}
