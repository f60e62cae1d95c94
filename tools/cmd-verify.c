// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard verify: check module signatures against the owner's trust store.
 * Results are printed in input order whatever the parallelism.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

struct verify_item {
	int rc;
	struct modguard_verify_result res;
	struct modguard_err err;
};

/* Files are verified in batches so memory stays bounded whatever the tree's size. */
#define BATCH 256

struct verify_ctx {
	const struct modguard_trust *t;
	char **files;
	unsigned flags;
	size_t base;
	struct verify_item *items; /* BATCH entries, for files[base...] */
};

static void help(FILE *f)
{
	fprintf(f,
		"Usage: modguard verify -C CERT|DIR [--deny FILE] [--allow-sha1] [--json] [-j N]\n"
		"                       FILE... | --tree DIR\n"
		"Verify the appended signatures of kernel modules (.ko, .ko.gz, .ko.xz, .ko.zst).\n\n"
		"  -C, --trust PATH   trusted certificate file (PEM or DER) or directory; repeatable\n"
		"      --deny FILE    deny list: lines 'cert <sha256>' or 'module <sha256>'; repeatable\n"
		"      --allow-sha1   accept legacy SHA-1 signatures (with a warning)\n"
		"      --json         one JSON object per line instead of text\n"
		"  -j, --jobs N       verify N files in parallel (default: number of CPUs)\n"
		"      --tree DIR     verify every module under DIR\n"
		"  -q, --quiet        print only failures\n"
		"  -h, --help         show this help\n"
		"Output: 'FILE: OK signer=CN key=SERIAL hash=ALGO' or 'FILE: FAIL REASON: message'.\n"
		"Exit status: 0 all valid, 1 any invalid or unsigned, 2 usage or I/O error.\n");
}

static void verify_one(size_t k, void *arg)
{
	struct verify_ctx *c = arg;
	struct verify_item *it = &c->items[k];
	size_t i = c->base + k;
	uint8_t *raw = NULL;
	size_t len;

	if (modguard_file_read(c->files[i], &raw, &len, &it->err) < 0) {
		it->rc = mg_exit_for(&it->err);
		return;
	}
	if (modguard_verify_buffer(c->t, raw, len, c->flags, &it->res, &it->err) < 0)
		it->rc = mg_exit_for(&it->err);
	free(raw);
}

/* One line per file: a newline in a file name must not start a forged "OK" line. */
static void put_name(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_json(const char *file, const struct verify_item *it)
{
	char hex[65];

	printf("{\"file\":");
	mg_json_str(file);
	if (it->rc == 0) {
		printf(",\"ok\":true,\"signer\":");
		mg_json_str(it->res.signer);
		printf(",\"key\":\"%s\",\"skid\":\"%s\",\"hash\":\"%s\"", it->res.serial,
		       it->res.skid, it->res.hash);
		if (it->res.have_digest) {
			for (int k = 0; k < 32; k++)
				sprintf(hex + 2 * k, "%02x", it->res.module_sha256[k]);
			printf(",\"sha256\":\"%s\"", hex);
		}
		printf(",\"compression\":\"%s\"", modguard_comp_name(it->res.comp));
		if (it->res.legacy_hash)
			printf(",\"legacy\":true");
	} else {
		printf(",\"ok\":false,\"reason\":\"%s\",\"error\":",
		       modguard_reason_name(it->err.reason));
		mg_json_str(it->err.msg);
	}
	printf("}\n");
}

int cmd_verify(int argc, char *argv[])
{
	static const struct option opts[] = { { "trust", required_argument, NULL, 'C' },
					      { "deny", required_argument, NULL, 'D' },
					      { "allow-sha1", no_argument, NULL, 'S' },
					      { "json", no_argument, NULL, 'J' },
					      { "jobs", required_argument, NULL, 'j' },
					      { "tree", required_argument, NULL, 'T' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct mg_list certs = { 0 }, deny = { 0 }, files = { 0 };
	struct verify_ctx ctx = { 0 };
	struct modguard_trust *t = NULL;
	const char *tree = NULL;
	bool json = false, quiet = false;
	int jobs = mg_default_jobs(), c, rc;
	size_t bad = 0;

	while ((c = getopt_long(argc, argv, "C:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			mg_list_add(&certs, optarg);
			break;
		case 'D':
			mg_list_add(&deny, optarg);
			break;
		case 'S':
			ctx.flags |= MG_VERIFY_ALLOW_SHA1;
			break;
		case 'J':
			json = true;
			ctx.flags |= MG_VERIFY_DIGEST;
			break;
		case 'j':
			jobs = mg_parse_jobs(optarg);
			if (jobs < 0) {
				mg_error("-j: expected 1 to 256, got '%s'", optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'T':
			tree = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			help(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			help(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	rc = EXIT_USAGE;
	if (!certs.n) {
		mg_error("missing -C CERT|DIR (the trust store)");
		help(stderr);
		goto out;
	}
	if (tree && optind != argc) {
		mg_error("give either FILE... or --tree DIR, not both");
		goto out;
	}
	if (!tree && optind == argc) {
		mg_error("no module files given");
		help(stderr);
		goto out;
	}
	if (tree ? mg_collect_tree(tree, &files) < 0 : 0)
		goto out;
	for (int i = optind; i < argc; i++)
		mg_list_add(&files, argv[i]);
	rc = mg_trust_load(&t, certs.v, certs.n, deny.v, deny.n);
	if (rc)
		goto out;

	ctx.t = t;
	ctx.files = files.v;
	ctx.items = calloc(BATCH, sizeof(*ctx.items));
	if (!ctx.items) {
		mg_error("out of memory");
		rc = EXIT_USAGE;
		goto out;
	}
	for (ctx.base = 0; ctx.base < files.n; ctx.base += BATCH) {
		size_t n = files.n - ctx.base < BATCH ? files.n - ctx.base : BATCH;

		memset(ctx.items, 0, n * sizeof(*ctx.items));
		mg_parallel(n, jobs, false, verify_one, &ctx);
		for (size_t k = 0; k < n; k++) {
			const char *file = files.v[ctx.base + k];
			struct verify_item *it = &ctx.items[k];

			if (it->rc > rc)
				rc = it->rc;
			bad += it->rc != 0;
			if (json) {
				print_json(file, it);
			} else if (it->rc) {
				put_name(file);
				printf(": FAIL %s: %s\n", modguard_reason_name(it->err.reason),
				       it->err.msg);
			} else if (!quiet) {
				put_name(file);
				printf(": OK signer=%s key=%s hash=%s\n", it->res.signer,
				       it->res.serial, it->res.hash);
			}
			if (!it->rc && it->res.legacy_hash)
				mg_warn("%s: accepted a legacy SHA-1 signature", file);
		}
	}
	if (tree && !json && !quiet)
		fprintf(stderr, "verified %zu of %zu modules under %s\n", files.n - bad, files.n,
			tree);
	free(ctx.items);
out:
	modguard_trust_free(t);
	mg_list_free(&certs);
	mg_list_free(&deny);
	mg_list_free(&files);
	return rc;
}
