// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard keys extract-kernel: the certificates a kernel image trusts for
 * module signatures, written one per file so that `modguard verify -C DIR`
 * accepts the distribution's own modules.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "commands.h"
#include "common.h"

static void help(FILE *f)
{
	fprintf(f,
		"Usage: modguard keys extract-kernel [-o DIR] [--pem] [-q] VMLINUZ\n"
		"Find the system certificate list built into a kernel image (bzImage, vmlinux,\n"
		"or gzip/xz/zstd-compressed vmlinux): the keys the kernel loads into\n"
		".builtin_trusted_keys and checks its own modules against.\n"
		"\n"
		"  -o, --output DIR  write each certificate to DIR/NAME-KEYID.der (created if\n"
		"                    missing; files are replaced atomically)\n"
		"      --pem         write NAME-KEYID.pem instead of DER\n"
		"  -q, --quiet       print only errors\n"
		"  -h, --help        show this help\n"
		"Without -o, list the certificates as /proc/keys describes them: 'NAME: KEYID'.\n"
		"Exit status: 0 success, 1 no certificate list in the image, 2 usage or I/O error.\n");
}

/* File name part from a subject: letters, digits, '.', '-' and '_' only, at most 64 bytes. */
static void sanitize(const char *in, char *out, size_t outsz)
{
	size_t n = 0;
	bool sep = false;

	for (const char *p = in; *p && n + 1 < outsz && n < 64; p++) {
		unsigned char ch = (unsigned char)*p;
		bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';

		if (keep) {
			/* No leading dots: the file must never be hidden or "..". */
			if (n == 0 && ch == '.')
				continue;
			out[n++] = (char)ch;
			sep = false;
		} else if (n && !sep) {
			out[n++] = '_';
			sep = true;
		}
	}
	while (n && out[n - 1] == '_')
		n--;
	if (!n) {
		snprintf(out, outsz, "cert");
		return;
	}
	out[n] = '\0';
}

static int to_pem(const struct modguard_kcert *k, uint8_t **out, size_t *out_len)
{
	const unsigned char *p = k->der;
	X509 *x = d2i_X509(NULL, &p, (long)k->der_len);
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int r = -ENOMEM;

	if (x && bio && PEM_write_bio_X509(bio, x)) {
		len = BIO_get_mem_data(bio, &data);
		*out = malloc((size_t)len);
		if (*out) {
			memcpy(*out, data, (size_t)len);
			*out_len = (size_t)len;
			r = 0;
		}
	}
	X509_free(x);
	BIO_free(bio);
	return r;
}

static int write_certs(const struct modguard_kcert_list *l, const char *dir, bool pem, bool quiet)
{
	struct stat st;
	int rc = EXIT_OK;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		mg_error("%s: cannot create directory: %s", dir, strerror(errno));
		return EXIT_USAGE;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		mg_error("%s: not a directory", dir);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct modguard_kcert *k = &l->v[i];
		struct modguard_err e = { 0 };
		char name[80], path[PATH_MAX];
		uint8_t *data = NULL;
		size_t len = 0;

		sanitize(k->subject, name, sizeof(name));
		if (snprintf(path, sizeof(path), "%s/%s-%s.%s", dir, name, k->keyid,
			     pem ? "pem" : "der") >= (int)sizeof(path)) {
			mg_error("%s: path too long", dir);
			return EXIT_USAGE;
		}
		if (pem && to_pem(k, &data, &len) < 0) {
			mg_error("%s: cannot encode the certificate as PEM", path);
			return EXIT_USAGE;
		}
		if (modguard_file_replace(path, pem ? data : k->der, pem ? len : k->der_len, 0644,
					  &e) < 0) {
			mg_file_error(path, &e);
			rc = EXIT_USAGE;
		} else if (!quiet) {
			printf("%s: %s\n", path, k->desc);
		}
		free(data);
	}
	return rc;
}

static int extract_kernel(int argc, char *argv[])
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "pem", no_argument, NULL, 'p' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct modguard_kcert_list l = { 0 };
	struct modguard_err e = { 0 };
	const char *outdir = NULL;
	bool pem = false, quiet = false;
	char real[PATH_MAX];
	uint8_t *img = NULL;
	size_t len;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'p':
			pem = true;
			break;
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
	if (argc - optind != 1) {
		mg_error(argc == optind ? "no kernel image given" :
					  "give exactly one kernel image");
		help(stderr);
		return EXIT_USAGE;
	}
	/* /vmlinuz and /boot/vmlinuz are usually symbolic links; the reader refuses those. */
	if (!realpath(argv[optind], real)) {
		mg_error("%s: %s", argv[optind], strerror(errno));
		return EXIT_USAGE;
	}
	if (modguard_file_read(real, &img, &len, &e) < 0) {
		mg_file_error(argv[optind], &e);
		return EXIT_USAGE;
	}
	if (modguard_kcert_extract(img, len, &l, &e) < 0) {
		mg_file_error(argv[optind], &e);
		free(img);
		return e.reason == MG_E_CERT ? EXIT_INVALID : mg_exit_for(&e);
	}
	free(img);

	if (outdir) {
		rc = write_certs(&l, outdir, pem, quiet);
	} else {
		for (size_t i = 0; i < l.n; i++)
			printf("%s\n", l.v[i].desc);
		rc = EXIT_OK;
	}
	modguard_kcert_list_release(&l);
	return rc;
}

int cmd_keys(int argc, char *argv[])
{
	if (argc < 2) {
		mg_error("no subcommand given");
		help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "extract-kernel")) {
		mg_cmdname = "keys extract-kernel";
		return extract_kernel(argc - 1, argv + 1);
	}
	mg_error("unknown subcommand '%s' (known: extract-kernel)", argv[1]);
	return EXIT_USAGE;
}
