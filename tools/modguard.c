// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard: sign, verify and admit kernel modules.  One binary; each
 * subcommand lives in its own file and is listed in the table below.
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static const struct mg_cmd commands[] = {
	{ "keygen", cmd_keygen, "generate a module signing key and certificate" },
	{ "sign", cmd_sign, "sign modules in the kernel's appended-signature format" },
	{ "verify", cmd_verify, "verify module signatures against a trust store" },
	{ "info", cmd_info, "print a module's signature fields, as modinfo does" },
	{ "strip", cmd_strip, "remove a module's signature" },
	{ "keys", cmd_keys, "manage keys (extract-kernel)" },
	{ "guard", cmd_guard, "start the BPF LSM guard, show its status, stream its log" },
	{ "admit", cmd_admit, "verify modules and admit their exact content into the guard" },
	{ "load", cmd_load, "verify a module in memory and load those bytes" },
	{ "modprobe", cmd_modprobe, "modprobe through the trusted program" },
	{ "setup", cmd_setup, "turn modguard on: owner key, policy, BPF LSM, DKMS, unit" },
	{ "status", cmd_status, "guard state, policy, trust store, every loaded module's origin" },
	{ "trust-add", cmd_trust_add,
	  "add a certificate that a trusted key signed to the trust store" },
	{ "initrd", cmd_initrd, "read an initramfs image as the kernel unpacks it" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: modguard [--version] [--help] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\nRun 'modguard COMMAND --help' for a command's options.\n"
		"Exit status: 0 success, 1 verification failed or denied, 2 usage or I/O error.\n");
}

int main(int argc, char *argv[])
{
	const char *self = basename(argv[0]);

	/* kmod style: the binary may be invoked under a command's own name. */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(self, commands[i].name)) {
			mg_cmdname = commands[i].name;
			return commands[i].fn(argc, argv);
		}

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("modguard %s\n", MODGUARD_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			char name[64];

			/* getopt names argv[0] in its messages: make it "modguard CMD". */
			snprintf(name, sizeof(name), "modguard %s", commands[i].name);
			argv[1] = name;
			mg_cmdname = commands[i].name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "modguard: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
