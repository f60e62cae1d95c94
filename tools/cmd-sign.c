// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard sign: append a PKCS#7 signature the way scripts/sign-file does,
 * replacing any earlier one.  Compressed modules are signed inside and
 * recompressed.  Every output is written atomically.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "common.h"

/* Files are signed in batches: stage all, one syncfs, then rename each. */
#define BATCH 256

struct sign_ctx {
	struct modguard_signer *s;
	char **files;
	const char *out;
	bool detached;
	int *status;
	size_t base; /* index of the batch's first file */
	struct modguard_stage *stages; /* NULL: write each file durably on its own */
	bool progress;
	size_t total;
	atomic_size_t done;
	pthread_mutex_t lock;
};

static void help(FILE *f)
{
	fprintf(f,
		"Usage: modguard sign [-a HASH] -k KEY -c CERT [--keyid] [-o OUT | --detached]\n"
		"                     [-j N] [--quiet] FILE... | --tree DIR\n"
		"Sign kernel modules (.ko, .ko.gz, .ko.xz, .ko.zst) in place, or to OUT.\n\n"
		"  -a, --hash HASH   sha256 (default), sha384, sha512, sha3-256, sha3-384, sha3-512\n"
		"  -k, --key KEY     private key file (PEM or DER), or a pkcs11: URI\n"
		"                    (PIN from MODGUARD_SIGN_PIN or KBUILD_SIGN_PIN)\n"
		"  -c, --cert CERT   X.509 certificate of the key (PEM or DER)\n"
		"      --keyid       identify the signer by subject key id, not issuer and serial\n"
		"  -o, --output OUT  write the signed module to OUT (one FILE only)\n"
		"  -d, --detached    write FILE.p7s with the bare signature; FILE is not changed\n"
		"  -j, --jobs N      sign N files in parallel (default: number of CPUs)\n"
		"      --tree DIR    sign every module under DIR\n"
		"  -q, --quiet       print only errors\n"
		"  -h, --help        show this help\n"
		"Exit status: 0 all signed, 1 some file is not a signable module, 2 usage or I/O error.\n");
}

/* sign-file -d: the bare PKCS#7 of the module body goes to FILE.p7s. */
static int sign_detached(struct modguard_signer *s, const char *path, const uint8_t *img,
			 size_t img_len, struct modguard_err *e)
{
	char p7s[PATH_MAX];
	uint8_t *sig = NULL;
	size_t body, sig_len;
	int r;

	if (img_len < 4 || memcmp(img, "\177ELF", 4)) {
		e->reason = MG_E_NOT_ELF;
		snprintf(e->msg, sizeof(e->msg), "not an ELF module (no \\177ELF magic)");
		return -ENOEXEC;
	}
	r = modguard_body_len(img, img_len, &body, e);
	if (r < 0)
		return r;
	if (snprintf(p7s, sizeof(p7s), "%s.p7s", path) >= (int)sizeof(p7s)) {
		e->reason = MG_E_USAGE;
		snprintf(e->msg, sizeof(e->msg), "path too long");
		return -ENAMETOOLONG;
	}
	r = modguard_signer_sign(s, img, body, &sig, &sig_len, e);
	if (r < 0)
		return r;
	r = modguard_file_replace(p7s, sig, sig_len, 0644, e);
	OPENSSL_free(sig);
	return r;
}

static void sign_one(size_t k, void *arg)
{
	struct sign_ctx *c = arg;
	size_t i = c->base + k;
	const char *path = c->files[i];
	struct modguard_err e = { 0 };
	uint8_t *raw = NULL, *img = NULL, *signed_img = NULL, *packed = NULL;
	size_t raw_len, img_len, signed_len, packed_len;
	enum modguard_comp comp;
	int r;

	r = mg_read_module(path, &raw, &raw_len, &img, &img_len, &comp, &e);
	if (r < 0)
		goto fail;
	if (c->detached) {
		r = sign_detached(c->s, path, img, img_len, &e);
		if (r < 0)
			goto fail;
		goto out;
	}
	r = modguard_sign_image(c->s, img, img_len, &signed_img, &signed_len, &e);
	if (r < 0)
		goto fail;
	if (comp != MG_COMP_NONE) {
		r = modguard_compress(comp, signed_img, signed_len, &packed, &packed_len, &e);
		if (r < 0)
			goto fail;
	} else {
		packed = signed_img;
		packed_len = signed_len;
		signed_img = NULL;
	}
	if (c->stages)
		r = modguard_file_stage(path, packed, packed_len, 0644, &c->stages[k], &e);
	else
		r = modguard_file_replace(c->out ? c->out : path, packed, packed_len, 0644, &e);
	if (r < 0) {
		if (c->out)
			path = c->out;
		goto fail;
	}
	goto out;
fail:
	mg_file_error(path, &e);
	c->status[i] = mg_exit_for(&e);
out:
	if (img != raw)
		free(img);
	free(raw);
	free(signed_img);
	free(packed);
	if (c->progress) {
		size_t d = atomic_fetch_add(&c->done, 1) + 1;

		if (d == c->total || d % 16 == 0) {
			pthread_mutex_lock(&c->lock);
			mg_progress(d, c->total);
			pthread_mutex_unlock(&c->lock);
		}
	}
}

/* A staged batch being committed while the next one is signed. */
struct batch {
	struct sign_ctx *c;
	struct modguard_stage *stages;
	size_t base, n;
	pthread_t th;
	bool running;
};

/* Make a batch durable with one syncfs per filesystem, then rename each file into place. */
static void commit_batch(struct batch *b)
{
	struct sign_ctx *c = b->c;
	size_t n = b->n;
	uint64_t synced[8];
	size_t nsynced = 0;
	const char *lastdir = NULL;

	for (size_t k = 0; k < n; k++) {
		struct modguard_stage *st = &b->stages[k];
		bool seen = false;
		int fd;

		if (!st->tmp[0])
			continue;
		for (size_t j = 0; j < nsynced; j++)
			seen |= synced[j] == st->dev;
		if (seen)
			continue;
		fd = open(st->tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd) < 0) {
			/* Fall back to per-file durability rather than renaming unsynced data. */
			for (size_t j = 0; j < n; j++) {
				int f = b->stages[j].tmp[0] ?
						open(b->stages[j].tmp, O_WRONLY | O_CLOEXEC) :
						-1;

				if (f >= 0) {
					fsync(f);
					close(f);
				}
			}
			if (fd >= 0)
				close(fd);
			break;
		}
		close(fd);
		if (nsynced < sizeof(synced) / sizeof(synced[0]))
			synced[nsynced++] = st->dev;
	}
	for (size_t k = 0; k < n; k++) {
		struct modguard_stage *st = &b->stages[k];
		struct modguard_err e = { 0 };

		if (!st->tmp[0])
			continue;
		if (modguard_file_commit(st, &e) < 0) {
			mg_file_error(c->files[b->base + k], &e);
			c->status[b->base + k] = EXIT_USAGE;
			continue;
		}
		/* Files come sorted, so a directory's files are adjacent. */
		if (!lastdir || strcmp(lastdir, st->dir)) {
			if (lastdir)
				modguard_dir_sync(lastdir);
			lastdir = st->dir;
		}
	}
	if (lastdir)
		modguard_dir_sync(lastdir);
}

static void *commit_thread(void *arg)
{
	commit_batch(arg);
	return NULL;
}

static void batch_wait(struct batch *b)
{
	if (b->running)
		pthread_join(b->th, NULL);
	b->running = false;
}

/* Commit b in the background (or here, if no thread can be had). */
static void batch_start(struct batch *b)
{
	b->running = pthread_create(&b->th, NULL, commit_thread, b) == 0;
	if (!b->running)
		commit_batch(b);
}

int cmd_sign(int argc, char *argv[])
{
	static const struct option opts[] = { { "hash", required_argument, NULL, 'a' },
					      { "key", required_argument, NULL, 'k' },
					      { "cert", required_argument, NULL, 'c' },
					      { "keyid", no_argument, NULL, 'K' },
					      { "output", required_argument, NULL, 'o' },
					      { "detached", no_argument, NULL, 'd' },
					      { "jobs", required_argument, NULL, 'j' },
					      { "tree", required_argument, NULL, 'T' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	const char *hash = "sha256", *key = NULL, *cert = NULL, *out = NULL, *tree = NULL;
	struct sign_ctx ctx = { 0 };
	struct batch batches[2] = { 0 };
	struct modguard_stage *stagebuf = NULL;
	struct mg_list files = { 0 };
	struct modguard_err e = { 0 };
	unsigned flags = 0;
	bool quiet = false;
	int jobs = mg_default_jobs(), c, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "a:k:c:o:dj:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			hash = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'K':
			flags |= MG_SIGN_KEYID;
			break;
		case 'o':
			out = optarg;
			break;
		case 'd':
			ctx.detached = true;
			break;
		case 'j':
			jobs = mg_parse_jobs(optarg);
			if (jobs < 0) {
				mg_error("-j: expected 1 to 256, got '%s'", optarg);
				return EXIT_USAGE;
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
			return EXIT_OK;
		default:
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if (!key || !cert) {
		mg_error("missing %s", !key ? "-k KEY" : "-c CERT");
		help(stderr);
		return EXIT_USAGE;
	}
	if (out && ctx.detached) {
		mg_error("-o and --detached cannot be used together");
		return EXIT_USAGE;
	}
	if (tree && optind != argc) {
		mg_error("give either FILE... or --tree DIR, not both");
		return EXIT_USAGE;
	}
	if (!tree && optind == argc) {
		mg_error("no module files given");
		help(stderr);
		return EXIT_USAGE;
	}
	if (out && (tree || argc - optind != 1)) {
		mg_error("-o takes exactly one input FILE");
		return EXIT_USAGE;
	}
	if (tree) {
		if (mg_collect_tree(tree, &files) < 0)
			return EXIT_USAGE;
	} else {
		for (int i = optind; i < argc; i++)
			if (mg_list_add(&files, argv[i]) < 0) {
				mg_error("out of memory");
				return EXIT_USAGE;
			}
	}

	if (modguard_signer_new(key, cert, hash, flags, &ctx.s, &e) < 0) {
		mg_error("%s", e.msg);
		mg_list_free(&files);
		return mg_exit_for(&e) == EXIT_INVALID ? EXIT_USAGE : mg_exit_for(&e);
	}
	ctx.files = files.v;
	ctx.out = out;
	ctx.status = calloc(files.n ? files.n : 1, sizeof(int));
	if (!ctx.status) {
		mg_error("out of memory");
		rc = EXIT_USAGE;
		goto out;
	}
	ctx.total = files.n;
	ctx.progress = !quiet && isatty(STDERR_FILENO);
	pthread_mutex_init(&ctx.lock, NULL);
	/*
	 * Several files: two stage buffers, so batch k is synced and renamed by a
	 * committer thread while batch k+1 is signed; the cores never wait on the disk.
	 */
	if (files.n > 1) {
		stagebuf = calloc(2 * BATCH, sizeof(*stagebuf));
		if (!stagebuf) {
			mg_error("out of memory");
			rc = EXIT_USAGE;
			goto out;
		}
	}
	for (ctx.base = 0; ctx.base < files.n; ctx.base += BATCH) {
		size_t n = files.n - ctx.base < BATCH ? files.n - ctx.base : BATCH;
		struct batch *b = &batches[(ctx.base / BATCH) & 1];

		if (stagebuf) {
			/* The buffer's previous batch must be committed before it is reused. */
			batch_wait(b);
			ctx.stages = stagebuf + ((ctx.base / BATCH) & 1) * BATCH;
			memset(ctx.stages, 0, n * sizeof(*ctx.stages));
		}
		mg_parallel(n, jobs, false, sign_one, &ctx);
		if (stagebuf) {
			*b = (struct batch){
				.c = &ctx, .stages = ctx.stages, .base = ctx.base, .n = n
			};
			batch_start(b);
		}
	}
	batch_wait(&batches[0]);
	batch_wait(&batches[1]);
	free(stagebuf);
	for (size_t i = 0; i < files.n; i++)
		if (ctx.status[i] > rc)
			rc = ctx.status[i];
	if (!quiet && tree) {
		size_t bad = 0;

		for (size_t i = 0; i < files.n; i++)
			bad += ctx.status[i] != 0;
		fprintf(stderr, "signed %zu of %zu modules under %s\n", files.n - bad, files.n,
			tree);
	}
out:
	free(ctx.status);
	modguard_signer_free(ctx.s);
	mg_list_free(&files);
	return rc;
}
