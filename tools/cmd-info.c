// SPDX-License-Identifier: GPL-2.0-only
/* modguard info: the signature fields modinfo prints, in modinfo's layout. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "common.h"

static void help(FILE *f)
{
	fprintf(f,
		"Usage: modguard info FILE...\n"
		"Print sig_id, signer, sig_key, sig_hashalgo and signature as modinfo does.\n"
		"Exit status: 0 all signed, 1 some file unsigned or malformed, 2 usage or I/O error.\n");
}

/* modinfo: colon-separated upper-case hex, 20 bytes a line, continued with two tabs. */
static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	printf("%-16s", label);
	for (size_t i = 0; i < n; i++) {
		printf("%02X", p[i]);
		if (i + 1 < n)
			fputs((i + 1) % 20 ? ":" : ":\n\t\t", stdout);
	}
	putchar('\n');
}

static int unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; s[0] && s[1] && n < max; s += 2) {
		unsigned v;

		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = v;
	}
	return (int)n;
}

int cmd_info(int argc, char *argv[])
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			help(stdout);
			return EXIT_OK;
		}
		help(stderr);
		return EXIT_USAGE;
	}
	if (optind == argc) {
		mg_error("no module files given");
		help(stderr);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		struct modguard_err e = { 0 };
		struct modguard_sig_desc d;
		uint8_t *raw = NULL, *img = NULL, key[64];
		size_t raw_len, img_len;
		enum modguard_comp comp;
		int r;

		r = mg_read_module(argv[i], &raw, &raw_len, &img, &img_len, &comp, &e);
		if (r == 0)
			r = modguard_sig_describe(img, img_len, &d, &e);
		if (img != raw)
			free(img);
		free(raw);
		if (r < 0) {
			mg_file_error(argv[i], &e);
			if (mg_exit_for(&e) > rc)
				rc = mg_exit_for(&e);
			continue;
		}
		if (argc - optind > 1)
			printf("filename:       %s\n", argv[i]);
		printf("%-16s%s\n", "sig_id:", "PKCS#7");
		printf("%-16s%s\n", "signer:", d.signer);
		print_hex("sig_key:", key, unhex(d.sig_key, key, sizeof(key)));
		printf("%-16s%s\n", "sig_hashalgo:", d.hashalgo);
		print_hex("signature:", d.signature, d.signature_len);
		modguard_sig_desc_release(&d);
	}
	return rc;
}
