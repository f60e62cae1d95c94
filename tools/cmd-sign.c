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
#include <sys/uio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "common.h"

/*
 * Several files are signed in batches: each staged without fsync, then one
 * syncfs for the batch and a rename each, by a committer thread while the
 * workers sign the next batch.  NRING batches are in flight at most.
 */
#define BATCH 256
#define NRING 2
/* Replaced files kept for reuse as temporary files (see modguard_file_commit_keep). */
#define NSPARE (NRING * BATCH)

struct spare {
	char *path;
	uint64_t mnt_id;
};

struct sign_ctx {
	struct modguard_signer *s;
	char **files;
	size_t n;
	const char *out;
	bool detached;
	int *status;
	struct modguard_stage *stages; /* NRING * BATCH; NULL: write each file durably on its own */
	atomic_size_t next; /* next file to sign */
	pthread_mutex_t lock; /* protects what follows */
	pthread_cond_t cond;
	size_t finished[NRING]; /* files of the batch in each ring slot done */
	size_t committed; /* batches committed */
	struct spare spares[NSPARE];
	size_t nspares;
	bool progress;
	size_t done;
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

static size_t batch_len(const struct sign_ctx *c, size_t b)
{
	return c->n - b * BATCH < BATCH ? c->n - b * BATCH : BATCH;
}

/* Take a spare for staging, if any; false if none. */
static bool spare_get(struct sign_ctx *c, struct modguard_spare *sp)
{
	bool got = false;

	pthread_mutex_lock(&c->lock);
	if (c->nspares) {
		struct spare *e = &c->spares[--c->nspares];

		snprintf(sp->path, sizeof(sp->path), "%s", e->path);
		sp->mnt_id = e->mnt_id;
		free(e->path);
		got = true;
	}
	pthread_mutex_unlock(&c->lock);
	return got;
}

/* Keep a spare for later, or remove it if there is no room. */
static void spare_put(struct sign_ctx *c, const struct modguard_spare *sp)
{
	char *path = strdup(sp->path);

	pthread_mutex_lock(&c->lock);
	if (path && c->nspares < NSPARE) {
		c->spares[c->nspares++] = (struct spare){ .path = path, .mnt_id = sp->mnt_id };
		path = NULL;
	} else {
		unlink(sp->path);
	}
	pthread_mutex_unlock(&c->lock);
	free(path);
}

/*
 * Sign file i.  *buf (capacity *cap) is the worker's read buffer, reused from
 * file to file; st is where to stage the output, NULL to write it durably now.
 */
static void sign_one(struct sign_ctx *c, size_t i, struct modguard_stage *st, uint8_t **buf,
		     size_t *cap)
{
	const char *path = c->files[i];
	struct modguard_err e = { 0 };
	struct modguard_spare spare;
	uint8_t *img = NULL, *sig = NULL, *signed_img = NULL, *packed = NULL;
	uint8_t trailer[MODGUARD_TRAILER_LEN];
	size_t raw_len, img_len, body_len, sig_len, len;
	struct iovec iov[3];
	enum modguard_comp comp;
	int niov, r;

	r = modguard_file_read_into(path, buf, cap, &raw_len, &e);
	if (r < 0)
		goto fail;
	img = *buf;
	img_len = raw_len;
	comp = modguard_comp_detect(img, raw_len);
	if (comp != MG_COMP_NONE) {
		r = modguard_decompress(comp, *buf, raw_len, MODGUARD_MAX_MODULE, &img, &img_len,
					&e);
		if (r < 0) {
			img = NULL;
			goto fail;
		}
	}
	if (c->detached) {
		r = sign_detached(c->s, path, img, img_len, &e);
		if (r < 0)
			goto fail;
		goto out;
	}
	if (comp == MG_COMP_NONE) {
		/* Written straight from the read buffer: module body, signature, trailer. */
		r = modguard_sign_parts(c->s, img, img_len, &body_len, &sig, &sig_len, trailer, &e);
		if (r < 0)
			goto fail;
		iov[0] = (struct iovec){ .iov_base = img, .iov_len = body_len };
		iov[1] = (struct iovec){ .iov_base = sig, .iov_len = sig_len };
		iov[2] = (struct iovec){ .iov_base = trailer, .iov_len = sizeof(trailer) };
		niov = 3;
	} else {
		r = modguard_sign_image(c->s, img, img_len, &signed_img, &len, &e);
		if (r < 0)
			goto fail;
		r = modguard_compress(comp, signed_img, len, &packed, &len, &e);
		if (r < 0)
			goto fail;
		iov[0] = (struct iovec){ .iov_base = packed, .iov_len = len };
		niov = 1;
	}
	if (st) {
		bool have_spare = spare_get(c, &spare);

		r = modguard_file_stagev(path, iov, niov, 0644, have_spare ? &spare : NULL, st, &e);
		if (have_spare && spare.path[0])
			spare_put(c, &spare); /* on another mount */
	} else {
		r = modguard_file_replacev(c->out ? c->out : path, iov, niov, 0644, &e);
	}
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
	if (img != *buf)
		free(img);
	OPENSSL_free(sig);
	free(signed_img);
	free(packed);
}

/*
 * syncfs once on each filesystem the batch's files are on (through path or
 * directory of each); false if that failed somewhere.
 */
static bool sync_filesystems(struct modguard_stage *stages, size_t n, bool dirs)
{
	uint64_t synced[8];
	size_t nsynced = 0;

	for (size_t k = 0; k < n; k++) {
		struct modguard_stage *st = &stages[k];
		bool seen = false;
		int fd, r;

		if (!st->path[0] || (!dirs && !st->tmp[0]))
			continue;
		for (size_t j = 0; j < nsynced; j++)
			seen |= synced[j] == st->dev;
		if (seen)
			continue;
		fd = open(dirs ? st->dir : st->tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		r = syncfs(fd);
		close(fd);
		if (r < 0)
			return false;
		if (nsynced < sizeof(synced) / sizeof(synced[0]))
			synced[nsynced++] = st->dev;
	}
	return true;
}

/*
 * Commit batch b: make the staged data durable, exchange each file into
 * place, make the renames durable, and only then reuse the replaced files.
 */
static void commit_batch(struct sign_ctx *c, size_t b)
{
	struct modguard_stage *stages = &c->stages[(b % NRING) * BATCH];
	size_t n = batch_len(c, b), base = b * BATCH;
	const char *lastdir = NULL;

	if (!sync_filesystems(stages, n, false)) {
		/* Per-file durability rather than renaming unsynced data. */
		for (size_t k = 0; k < n; k++) {
			int f = stages[k].tmp[0] ? open(stages[k].tmp, O_WRONLY | O_CLOEXEC) : -1;

			if (f >= 0) {
				fsync(f);
				close(f);
			}
		}
	}
	for (size_t k = 0; k < n; k++) {
		struct modguard_stage *st = &stages[k];
		struct modguard_err e = { 0 };

		if (!st->tmp[0]) {
			st->path[0] = '\0';
			continue;
		}
		if (modguard_file_commit_keep(st, &e) < 0) {
			mg_file_error(c->files[base + k], &e);
			c->status[base + k] = EXIT_USAGE;
			st->path[0] = '\0';
		}
	}
	if (!sync_filesystems(stages, n, true)) {
		/* Each directory; files come sorted, so a directory's files are adjacent. */
		for (size_t k = 0; k < n; k++) {
			if (!stages[k].path[0] || (lastdir && !strcmp(lastdir, stages[k].dir)))
				continue;
			lastdir = stages[k].dir;
			modguard_dir_sync(lastdir);
		}
	}
	for (size_t k = 0; k < n; k++) {
		struct modguard_spare sp;

		if (stages[k].tmp[0] && modguard_file_spare(&stages[k], &sp) == 0)
			spare_put(c, &sp);
	}
}

/* Commit the batches in order, each as soon as its last file is staged. */
static void *committer(void *arg)
{
	struct sign_ctx *c = arg;
	size_t nbatch = (c->n + BATCH - 1) / BATCH;

	for (size_t b = 0; b < nbatch; b++) {
		pthread_mutex_lock(&c->lock);
		while (c->finished[b % NRING] < batch_len(c, b))
			pthread_cond_wait(&c->cond, &c->lock);
		pthread_mutex_unlock(&c->lock);
		commit_batch(c, b);
		pthread_mutex_lock(&c->lock);
		c->finished[b % NRING] = 0;
		c->committed = b + 1;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
	return NULL;
}

/* Sign files in index order until none is left; no barrier between batches. */
static void *worker(void *arg)
{
	struct sign_ctx *c = arg;
	uint8_t *buf = NULL;
	size_t cap = 0, i;

	while ((i = atomic_fetch_add(&c->next, 1)) < c->n) {
		size_t b = i / BATCH;
		struct modguard_stage *st = NULL;

		if (c->stages) {
			/* The ring slot is free once the batch NRING before is committed. */
			pthread_mutex_lock(&c->lock);
			while (c->committed + NRING <= b)
				pthread_cond_wait(&c->cond, &c->lock);
			pthread_mutex_unlock(&c->lock);
			st = &c->stages[(b % NRING) * BATCH + i % BATCH];
			st->tmp[0] = '\0';
		}
		sign_one(c, i, st, &buf, &cap);
		pthread_mutex_lock(&c->lock);
		c->done++;
		if (c->progress && (c->done == c->n || c->done % 16 == 0))
			mg_progress(c->done, c->n);
		if (c->stages && ++c->finished[b % NRING] == batch_len(c, b))
			pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
	free(buf);
	return NULL;
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
	pthread_t commit_th;
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
	ctx.n = files.n;
	ctx.progress = !quiet && isatty(STDERR_FILENO);
	pthread_mutex_init(&ctx.lock, NULL);
	pthread_cond_init(&ctx.cond, NULL);
	if (files.n > 1) {
		ctx.stages = calloc(NRING * BATCH, sizeof(*ctx.stages));
		if (!ctx.stages) {
			mg_error("out of memory");
			rc = EXIT_USAGE;
			goto out;
		}
		/* Without a committer thread, each file is written durably on its own. */
		if (pthread_create(&commit_th, NULL, committer, &ctx) != 0) {
			free(ctx.stages);
			ctx.stages = NULL;
		}
	}
	mg_run_threads(files.n, jobs, worker, &ctx);
	if (ctx.stages)
		pthread_join(commit_th, NULL);
	free(ctx.stages);
	for (size_t i = 0; i < ctx.nspares; i++) {
		unlink(ctx.spares[i].path);
		free(ctx.spares[i].path);
	}
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
