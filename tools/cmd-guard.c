// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard guard start|fallback|status|log|tune: loading the BPF guard and
 * reading its maps is the trusted program's job; turning what it serves into
 * words (guard-view.c), and the kernel-hash tweak, are the CLI's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "exec.h"
#include "guard-check.h"
#include "guard-view.h"

const char *mg_loader_path(void)
{
	const char *p = getenv("MODGUARD_LOADER");

	return p && *p ? p : MODGUARD_LIBEXECDIR "/modguard-loader";
}

void mg_loader_execve(const char *const args[])
{
	mg_loader_execve_path(mg_loader_path(), args);
}

int mg_loader_exec(const char *verb, int argc, char *argv[])
{
	const char **args = calloc(argc + 1, sizeof(*args));

	if (!args) {
		mg_error("out of memory");
		return EXIT_USAGE;
	}
	args[0] = verb;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	mg_loader_execve(args);
	mg_error("%s: cannot run the trusted program: %s", mg_loader_path(), strerror(errno));
	free(args);
	return EXIT_USAGE;
}

int mg_loader_run(const char *verb, char *const args[])
{
	size_t n = 0;
	int status;
	pid_t pid;

	while (args[n])
		n++;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		mg_error("fork: %s", strerror(errno));
		return EXIT_USAGE;
	}
	if (pid == 0) {
		const char **v = calloc(n + 2, sizeof(*v));

		if (!v)
			_exit(EXIT_USAGE);
		v[0] = verb;
		for (size_t i = 0; i < n; i++)
			v[i + 1] = args[i];
		mg_loader_execve(v);
		mg_error("%s: cannot run the trusted program: %s", mg_loader_path(),
			 strerror(errno));
		_exit(EXIT_USAGE);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			mg_error("waitpid: %s", strerror(errno));
			return EXIT_USAGE;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_USAGE;
}

int cmd_guard(int argc, char *argv[])
{
	bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
	const char *verb = argc >= 2 ? argv[1] : "";

	if (!strcmp(verb, "start") && (argc == 2 || (argc == 3 && !strcmp(argv[2], "--boot")))) {
		int rc = mg_loader_run("guard", argv + 1);

		/* Speed, not trust: outside the trusted program, once the guard runs. */
		if (rc == EXIT_OK)
			mg_fast_kernel_hash();
		return rc;
	}
	if (!strcmp(verb, "fallback"))
		return mg_loader_exec("guard", argc, argv);
	if (!strcmp(verb, "status") && argc == 2)
		return mg_guard_status();
	if (!strcmp(verb, "log"))
		return mg_guard_log(argc, argv);
	if (!strcmp(verb, "tune") && argc == 2)
		return mg_fast_kernel_hash();
	if (!strcmp(verb, "check"))
		return mg_guard_check(argc, argv);
	fprintf(help ? stdout : stderr,
		"Usage: modguard guard start [--boot] | fallback [--boot] | status | log [--timeout SEC] | tune\n"
		"       modguard guard check [--kernel KVER | VMLINUX]\n"
		"  start     load, attach and pin the BPF LSM guard (policy from %s/policy);\n"
		"            if it cannot, apply the policy's fallback (--boot: in two steps);\n"
		"            then tune\n"
		"  fallback  apply the policy's fallback without starting the guard\n"
		"  status    mode, counters and recent decisions\n"
		"  log       stream decisions as JSON lines (and to syslog)\n"
		"  tune      let IMA hash modules with the fastest SHA-256 driver (policy\n"
		"            fast_kernel_hash); speed only, the guard decides the same\n"
		"  check     will the guard start on this kernel (or KVER's image, or a\n"
		"            vmlinux or BTF file), in which mode; exit 0 yes, 1 no\n",
		MODGUARD_SYSCONFDIR);
	return help ? EXIT_OK : EXIT_USAGE;
}
