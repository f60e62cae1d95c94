// SPDX-License-Identifier: GPL-2.0-only
/*
 * admit: verify module files against the owner's trust store and put the
 * SHA-256 of the exact bytes read into the guard's admitted map.
 * load: verify a module in memory and hand those very bytes to init_module,
 * without the appended signature when the kernel holds no key to check it.
 *
 * Each file is read once; the bytes hashed, verified and loaded are the same.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "guard.h"
#include "loader.h"
#include "params.h"

/* ---- The kernel's own check of a signature --------------------------- */

/*
 * Before anything else, the kernel checks a module's appended signature with
 * its own keys, and hashes the whole module to do so.  Signed by a key the
 * kernel does not hold, the module fails that check (ENOKEY) and loads only by
 * the guard's leave, exactly as a module with no signature does: same
 * taint, same log line.  For such a module this program hands init_module the
 * bytes before the signature, which are all the kernel loads anyway, and the
 * kernel's hash, which could only fail, is saved.  What keys the kernel holds
 * comes from /proc/keys, read once per process.  When it cannot be read, or
 * names any asymmetric key like the signer, the signature is kept: the cost
 * of a wrong answer is a second hash, never a lost signature.
 */
static char *keys_text;
static size_t keys_len;
static bool keys_read;

/* Read /proc/keys once; call before starting threads. */
static void kernel_keys_load(void)
{
	size_t cap = 0;
	int fd;

	if (keys_read)
		return;
	keys_read = true;
	fd = open("/proc/keys", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (;;) {
		ssize_t n;

		if (keys_len == cap) {
			size_t ncap = cap ? 2 * cap : 16384;
			char *p = ncap <= (1u << 20) ? realloc(keys_text, ncap) : NULL;

			if (!p)
				goto fail;
			keys_text = p;
			cap = ncap;
		}
		n = read(fd, keys_text + keys_len, cap - keys_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		keys_len += n;
	}
	close(fd);
	return;
fail:
	close(fd);
	free(keys_text);
	keys_text = NULL;
	keys_len = 0;
}

/* True only when /proc/keys was read and names no key like the signer's. */
static bool kernel_lacks_key(const char *skid, const char *serial)
{
	kernel_keys_load();
	return keys_text && !modguard_keys_listed(keys_text, keys_len, skid, serial);
}

bool is_module_name(const char *name)
{
	static const char *const ext[] = { ".ko", ".ko.gz", ".ko.xz", ".ko.zst" };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && !strcmp(name + n - e, ext[i]))
			return true;
	}
	return false;
}

struct work {
	const struct modguard_trust *trust;
	int map_fd; /* -1 in a dry run */
	bool verbose;
	char **files;
	size_t nfiles, cap;
	atomic_size_t next;
	atomic_uint admitted, refused, failed;
	pthread_mutex_t out_lock;
};

enum { ADMIT_OK, ADMIT_REFUSED, ADMIT_IOERR };

/* The MG_KEY_INODE hint for path, in the kernel's encoding; -1 if it cannot be had. */
static int inode_key(const char *path, struct mg_key *k)
{
	struct stat st;
	uint64_t dev, ino;

	if (stat(path, &st))
		return -1;
	dev = ((uint64_t)major(st.st_dev) << 20) | minor(st.st_dev);
	ino = st.st_ino;
	memset(k, 0, sizeof(*k));
	k->kind = MG_KEY_INODE;
	memcpy(k->digest, &dev, sizeof(dev));
	memcpy(k->digest + sizeof(dev), &ino, sizeof(ino));
	return 0;
}

/* The admitted map's kind for a signed part's digest; MG_KEY_NONE for an algorithm the guard does not read. */
static uint32_t signed_kind(const char *hash, unsigned len)
{
	if (!strcmp(hash, "sha256") && len == 32)
		return MG_KEY_SIGNED_SHA256;
	if (!strcmp(hash, "sha384") && len == 48)
		return MG_KEY_SIGNED_SHA384;
	if (!strcmp(hash, "sha512") && len == 64)
		return MG_KEY_SIGNED_SHA512;
	return MG_KEY_NONE;
}

static int admit_one(struct work *w, const char *path)
{
	struct modguard_verify_result res;
	struct modguard_err err = { 0 };
	struct mg_admitted val = { 0 };
	struct mg_key fkey = { .kind = MG_KEY_FILE }, skey = { 0 }, ikey = { 0 };
	uint8_t *raw = NULL, digest[MG_HASH_LEN];
	char h[2 * MG_HASH_LEN + 1];
	size_t len;
	int ret = ADMIT_IOERR;

	if (modguard_file_read(path, &raw, &len, &err)) {
		pthread_mutex_lock(&w->out_lock);
		msg("%s: %s", path, err.msg);
		pthread_mutex_unlock(&w->out_lock);
		return ADMIT_IOERR;
	}
	memset(&res, 0, sizeof(res));
	/* MG_VERIFY_DIGEST: an uncompressed file's image digest is its file digest. */
	if (modguard_verify_buffer(w->trust, raw, len, MG_VERIFY_DIGEST, &res, &err)) {
		pthread_mutex_lock(&w->out_lock);
		printf("%s: not admitted: %s: %s\n", path, modguard_reason_name(err.reason),
		       err.msg);
		pthread_mutex_unlock(&w->out_lock);
		ret = err.reason == MG_E_IO || err.reason == MG_E_NOMEM ? ADMIT_IOERR :
									  ADMIT_REFUSED;
		goto out;
	}
	/* The kernel hashes the file as it is on disk, compressed or not. */
	if (res.comp == MG_COMP_NONE && res.have_digest)
		memcpy(digest, res.module_sha256, sizeof(digest));
	else
		modguard_sha256(raw, len, digest);
	hex(digest, sizeof(digest), h);
	{
		struct timespec ts;

		clock_gettime(CLOCK_BOOTTIME, &ts);
		val.when_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	}
	snprintf(val.signer, sizeof(val.signer), "%.*s", (int)sizeof(val.signer) - 1, res.signer);
	if (w->map_fd >= 0 && kernel_lacks_key(res.skid, res.serial))
		val.flags |= MG_ADM_NO_KERNEL_KEY;
	/*
	 * Two keys, and a hint.  The signed part's digest is what the guard looks up when the
	 * kernel checks the signature itself (busybox insmod, kmod): the kernel
	 * computes it from the buffer it loads.  The file's SHA-256 serves this
	 * program's own loads, and the guard where the kernel checks no signature
	 * or trust_kernel_keys = no.  The signed key goes in first: a failure
	 * part way leaves a module admitted on fewer paths, never on more, and
	 * is reported as a failure.
	 */
	skey.kind = signed_kind(res.hash, res.signed_digest_len);
	memcpy(skey.digest, res.signed_digest, res.signed_digest_len);
	memcpy(fkey.digest, digest, sizeof(digest));
	/*
	 * A signature that is not SHA-256 may be one the kernel cannot hash when
	 * the module loads (SHA-384/512 built as a module, SHA-3 before 6.7): the
	 * guard then hashes this file itself, told so by its inode.
	 */
	if (skey.kind != MG_KEY_SIGNED_SHA256 && inode_key(path, &ikey))
		ikey.kind = MG_KEY_NONE;
	if (w->map_fd >= 0 &&
	    ((skey.kind != MG_KEY_NONE && bpf_map_update_elem(w->map_fd, &skey, &val, BPF_ANY)) ||
	     bpf_map_update_elem(w->map_fd, &fkey, &val, BPF_ANY) ||
	     (ikey.kind != MG_KEY_NONE && bpf_map_update_elem(w->map_fd, &ikey, &val, BPF_ANY)))) {
		pthread_mutex_lock(&w->out_lock);
		msg("%s: cannot admit into the guard: %s", path, strerror(errno));
		pthread_mutex_unlock(&w->out_lock);
		goto out;
	}
	if (w->verbose) {
		char sh[2 * MG_DIGEST_MAX + 1];

		hex(res.signed_digest, res.signed_digest_len, sh);
		pthread_mutex_lock(&w->out_lock);
		printf("%s: %s sha256:%s signed-part %s:%s signer \"%s\"\n", path,
		       w->map_fd >= 0 ? "admitted" : "verified (dry run)", h, res.hash, sh,
		       res.signer);
		pthread_mutex_unlock(&w->out_lock);
	}
	ret = ADMIT_OK;
out:
	free(raw);
	return ret;
}

static void *admit_worker(void *arg)
{
	struct work *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->nfiles) {
		switch (admit_one(w, w->files[i])) {
		case ADMIT_OK:
			atomic_fetch_add(&w->admitted, 1);
			break;
		case ADMIT_REFUSED:
			atomic_fetch_add(&w->refused, 1);
			break;
		default:
			atomic_fetch_add(&w->failed, 1);
		}
	}
	return NULL;
}

static struct work *tree_work;

static int tree_visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	struct work *w = tree_work;

	if (type != FTW_F || !is_module_name(path + ftw->base))
		return 0;
	if (w->nfiles == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 1024;
		char **f = realloc(w->files, cap * sizeof(*f));

		if (!f)
			return -1;
		w->files = f;
		w->cap = cap;
	}
	w->files[w->nfiles] = strdup(path);
	if (!w->files[w->nfiles])
		return -1;
	w->nfiles++;
	return 0;
}

int cmd_admit(int argc, char *argv[])
{
	struct modguard_trust *trust = NULL;
	const char *override = NULL, *tree = NULL;
	bool dry_run = false;
	struct work w = { .out_lock = PTHREAD_MUTEX_INITIALIZER, .verbose = true };
	pthread_t th[8];
	long nth;
	int i, r, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-C") && i + 1 < argc) {
			override = argv[++i];
		} else if (!strcmp(argv[i], "--tree") && i + 1 < argc) {
			tree = argv[++i];
		} else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run")) {
			dry_run = true;
		} else if (!strcmp(argv[i], "-q")) {
			w.verbose = false;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			msg("admit: unknown option \"%s\"", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!tree == (i == argc) || (tree && i != argc)) {
		msg("usage: admit [-q] [-n] [-C TRUST] FILE... | --tree DIR");
		return EXIT_USAGE;
	}
	/* A dry run admits nothing, so it may check against any store. */
	r = trust_open(override, !dry_run, &trust);
	if (r)
		return -r;
	w.trust = trust;
	w.map_fd = dry_run ? -1 : pin_open(MG_PIN_DIR, "admitted", GUARD_HINT);
	if (w.map_fd < 0 && !dry_run) {
		modguard_trust_free(trust);
		return EXIT_USAGE;
	}
	if (tree) {
		tree_work = &w;
		w.verbose = false;
		if (nftw(tree, tree_visit, 32, FTW_PHYS)) {
			msg("%s: cannot walk: %s", tree, strerror(errno));
			ret = EXIT_USAGE;
			goto out;
		}
	} else {
		w.files = argv + i;
		w.nfiles = argc - i;
	}

	if (!dry_run)
		kernel_keys_load();
	nth = sysconf(_SC_NPROCESSORS_ONLN);
	if (nth < 1)
		nth = 1;
	if (nth > (long)(sizeof(th) / sizeof(th[0])))
		nth = sizeof(th) / sizeof(th[0]);
	if ((size_t)nth > w.nfiles)
		nth = w.nfiles ? w.nfiles : 1;
	for (long t = 1; t < nth; t++)
		if (pthread_create(&th[t], NULL, admit_worker, &w))
			nth = t;
	admit_worker(&w);
	for (long t = 1; t < nth; t++)
		pthread_join(th[t], NULL);

	if (tree)
		printf("%s: %u of %zu modules %s, %u refused, %u unreadable\n", tree,
		       (unsigned)w.admitted, w.nfiles, dry_run ? "verified (dry run)" : "admitted",
		       (unsigned)w.refused, (unsigned)w.failed);
	ret = w.failed ? EXIT_USAGE : w.refused ? EXIT_DENIED : EXIT_OK;
out:
	if (tree) {
		for (size_t k = 0; k < w.nfiles; k++)
			free(w.files[k]);
		free(w.files);
	}
	if (w.map_fd >= 0)
		close(w.map_fd);
	modguard_trust_free(trust);
	return ret;
}

/* ---- load ------------------------------------------------------------- */

static const char *load_strerror(int e)
{
	switch (e) {
	case EEXIST:
		return "module already loaded";
	case EPERM:
		return "refused by the guard or the kernel";
	case EKEYREJECTED:
		return "the kernel rejected the module's signature";
	case ENOEXEC:
		return "invalid module format";
	case ENOENT:
		return "unknown symbol in module or unknown parameter";
	case EINVAL:
		return "invalid module format or parameters (see dmesg)";
	case EBUSY:
		return "module busy";
	default:
		return strerror(e);
	}
}

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

/*
 * Whether the running kernel decompresses modules of format comp itself
 * (CONFIG_MODULE_DECOMPRESS, since 6.1): it names the one format it takes
 * in /sys/module/compression.
 */
static bool kernel_decompresses(enum modguard_comp comp)
{
	char buf[16];

	if (read_text("/sys/module/compression", buf, sizeof(buf)) < 0)
		return false;
	buf[strcspn(buf, "\n")] = 0;
	return strcmp(buf, modguard_comp_name(comp)) == 0;
}

int kernel_decides(const char *path, const char *params)
{
	uint8_t magic[8];
	enum modguard_comp comp;
	int fd, r, e, flags = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The format only picks the flag: the kernel checks what it reads. */
	n = pread(fd, magic, sizeof(magic), 0);
	comp = modguard_comp_detect(magic, n > 0 ? (size_t)n : 0);
	if (comp != MG_COMP_NONE) {
		if (!kernel_decompresses(comp)) {
			close(fd);
			return -ENOTSUP;
		}
		flags = MODULE_INIT_COMPRESSED_FILE;
	}
	r = syscall(SYS_finit_module, fd, params, flags);
	e = errno;
	close(fd);
	return r ? e : 0;
}

/*
 * Whether the guard's admitted map holds digest, the SHA-256 of the exact
 * bytes read (an MG_KEY_FILE key).  An admitted hash is a verification this program already made,
 * against the same trust store and deny list (both change only at boot, or
 * grow through trust-add), kept where only this program writes.  Checking it
 * needs one SHA-256 and no trust store or certificate parsing, so loading an
 * admitted module costs little more than insmod.  False when the guard is not
 * running.  *flags gets the entry's MG_ADM_* flags.
 */
static bool already_admitted(const uint8_t digest[MG_HASH_LEN], uint32_t *flags)
{
	/* Opened once per process: load-chain asks for every module of a modprobe plan. */
	static int fd = -2;
	struct mg_key key = { .kind = MG_KEY_FILE };
	struct mg_admitted val;

	if (fd == -2) {
		LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);

		fd = bpf_obj_get_opts(MG_PIN_DIR "/admitted", &ro);
	}
	if (fd < 0)
		return false;
	memcpy(key.digest, digest, MG_HASH_LEN);
	if (bpf_map_lookup_elem(fd, &key, &val))
		return false;
	*flags = val.flags;
	return true;
}

/*
 * Verify one module in memory and load it.  With chain set (modprobe), a
 * module that is already there counts as loaded, as modprobe has it.
 */
static int load_one(struct modguard_trust **trust, const struct policy *pol, const char *path,
		    const char *params, bool chain)
{
	struct modguard_verify_result res;
	struct modguard_err err = { 0 };
	uint8_t *raw = NULL, *image = NULL;
	size_t raw_len, image_len;
	enum modguard_comp comp;
	uint8_t digest[MG_HASH_LEN];
	struct modguard_digests dg = { 0 }, *known = NULL;
	struct modguard_trailer tr;
	uint32_t adm_flags = 0;
	bool admitted, unsigned_load;
	int r, e, ret = EXIT_USAGE;

	phase(NULL);
	if (modguard_file_read(path, &raw, &raw_len, &err)) {
		msg("%s: %s", path, err.msg);
		return EXIT_USAGE;
	}
	phase("load: read the file");
	/*
	 * One pass over the file gives its SHA-256 (the admitted map's key) and,
	 * for an uncompressed module, the signed part's, which verification
	 * needs if the module is not admitted.
	 */
	comp = modguard_comp_detect(raw, raw_len);
	if (comp == MG_COMP_NONE && modguard_trailer_parse(raw, raw_len, &tr, &err) == 0) {
		modguard_sha256_split(raw, tr.body_len, raw_len, dg.body, dg.whole);
		dg.body_len = tr.body_len;
		known = &dg;
	} else {
		modguard_sha256(raw, raw_len, dg.whole);
		memset(&err, 0, sizeof(err)); /* verification reports it again, fully */
	}
	memcpy(digest, dg.whole, sizeof(digest));
	admitted = already_admitted(digest, &adm_flags);
	phase("load: SHA-256 and the admitted map");
	if (comp != MG_COMP_NONE) {
		if (modguard_decompress(comp, raw, raw_len, MODGUARD_MAX_MODULE, &image, &image_len,
					&err)) {
			msg("%s: %s: %s", path, modguard_comp_name(comp), err.msg);
			ret = EXIT_DENIED;
			goto out;
		}
	} else {
		image = raw;
		image_len = raw_len;
		raw = NULL;
	}
	if (admitted) {
		unsigned_load = adm_flags & MG_ADM_NO_KERNEL_KEY;
		if (getenv("MODGUARD_DEBUG")) {
			char h[2 * MG_HASH_LEN + 1];

			hex(digest, MG_HASH_LEN, h);
			msg("%s: sha256 %s is admitted: loading without a second verification",
			    path, h);
		}
		goto load;
	}
	/* The trust store is read once per process, and only when needed. */
	phase(NULL);
	if (!*trust && (r = trust_open(NULL, true, trust))) {
		ret = -r;
		goto out;
	}
	phase("load: read the trust store");
	memset(&res, 0, sizeof(res));
	r = modguard_verify_image_with(*trust, image, image_len, 0, known, &res, &err);
	phase("load: verify the signature");
	if (r) {
		/*
		 * Not ours to vouch for.  If policy trusts the kernel's keys, the kernel
		 * may still accept it by its own check: hand it the file, not our buffer,
		 * so the guard decides exactly as for any other finit_module.  A
		 * compressed file goes to the kernel only if the kernel decompresses
		 * that format itself (6.12's Debian modules are all .ko.xz).
		 */
		if (err.reason != MG_E_UNKNOWN_SIGNER || !pol->trust_kernel_keys ||
		    (comp != MG_COMP_NONE && !kernel_decompresses(comp))) {
			msg("%s: not loaded: %s: %s", path, modguard_reason_name(err.reason),
			    err.msg);
			ret = err.reason == MG_E_IO || err.reason == MG_E_NOMEM ? EXIT_USAGE :
										  EXIT_DENIED;
			goto out;
		}
		e = kernel_decides(path, params);
		if (e < 0) {
			msg("%s: %s", path, strerror(-e));
			goto out;
		}
		if (e && !(chain && e == EEXIST)) {
			msg("%s: signer not in the trust store, and the kernel refused it: %s",
			    path, load_strerror(e));
			ret = EXIT_DENIED;
			goto out;
		}
		ret = EXIT_OK;
		goto out;
	}
	unsigned_load = kernel_lacks_key(res.skid, res.serial);
load:
	if (unsigned_load && modguard_trailer_parse(image, image_len, &tr, &err) == 0) {
		if (getenv("MODGUARD_DEBUG"))
			msg("%s: the kernel holds no key of the signer: loading the %zu bytes before the signature",
			    path, tr.body_len);
		image_len = tr.body_len;
	}
	phase(NULL);
	r = syscall(SYS_init_module, image, image_len, params);
	e = errno;
	phase("load: init_module");
	if (r && !(chain && e == EEXIST)) {
		msg("%s: init_module: %s", path, load_strerror(e));
		ret = EXIT_DENIED;
		goto out;
	}
	ret = EXIT_OK;
out:
	free(raw);
	free(image);
	return ret;
}

/* load FILE [PARAM...] */
int cmd_load(int argc, char *argv[])
{
	struct modguard_trust *trust = NULL;
	struct policy pol;
	char *params;
	int r;

	if (argc < 2 || argv[1][0] == '-') {
		msg("usage: load FILE [PARAM...]");
		return EXIT_USAGE;
	}
	if (policy_load(POLICY_PATH, &pol))
		return EXIT_USAGE;
	params = modguard_join_params(argc - 2, argv + 2);
	if (!params) {
		msg("out of memory");
		r = EXIT_USAGE;
	} else {
		r = load_one(&trust, &pol, argv[1], params, false);
	}
	free(params);
	modguard_trust_free(trust);
	return r;
}

/*
 * load-chain FILE PARAMS [FILE PARAMS]...: a modprobe plan, in order, in one
 * process (the trust store and libcrypto are set up once).  PARAMS is one
 * argument, "" for none.  Stops at the first module that does not load.
 */
int cmd_load_chain(int argc, char *argv[])
{
	struct modguard_trust *trust = NULL;
	struct policy pol;
	int r = EXIT_OK;

	if (argc < 3 || (argc - 1) % 2) {
		msg("usage: load-chain FILE PARAMS [FILE PARAMS]...");
		return EXIT_USAGE;
	}
	if (policy_load(POLICY_PATH, &pol))
		return EXIT_USAGE;
	for (int i = 1; i + 1 < argc && r == EXIT_OK; i += 2)
		r = load_one(&trust, &pol, argv[i], argv[i + 1], true);
	modguard_trust_free(trust);
	return r;
}
