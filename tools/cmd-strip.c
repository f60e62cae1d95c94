// SPDX-License-Identifier: GPL-2.0-only
/* modguard strip: remove an appended signature, atomically. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "common.h"

static void help(FILE *f)
{
	fprintf(f,
		"Usage: modguard strip [-q] FILE...\n"
		"Remove the appended signature of each module, in place and atomically.\n"
		"Unsigned modules are left untouched.\n"
		"Exit status: 0 success, 1 some file has a malformed signature, 2 usage or I/O error.\n");
}

int cmd_strip(int argc, char *argv[])
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	bool quiet = false;
	int c, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			help(stdout);
			return EXIT_OK;
		default:
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		mg_error("no module files given");
		help(stderr);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		struct modguard_err e = { 0 };
		uint8_t *raw = NULL, *img = NULL, *packed = NULL;
		size_t raw_len, img_len, body, packed_len;
		enum modguard_comp comp;
		int r;

		r = mg_read_module(argv[i], &raw, &raw_len, &img, &img_len, &comp, &e);
		if (r == 0)
			r = modguard_body_len(img, img_len, &body, &e);
		if (r == 0 && body == img_len) {
			if (!quiet)
				fprintf(stderr, "%s: not signed, left unchanged\n", argv[i]);
		} else if (r == 0) {
			if (comp != MG_COMP_NONE)
				r = modguard_compress(comp, img, body, &packed, &packed_len, &e);
			if (r == 0)
				r = modguard_file_replace(argv[i], packed ? packed : img,
							  packed ? packed_len : body, 0644, &e);
		}
		if (r < 0) {
			mg_file_error(argv[i], &e);
			if (mg_exit_for(&e) > rc)
				rc = mg_exit_for(&e);
		}
		if (img != raw)
			free(img);
		free(raw);
		free(packed);
	}
	return rc;
}
