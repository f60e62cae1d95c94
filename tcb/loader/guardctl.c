// SPDX-License-Identifier: GPL-2.0-only
/*
 * guard start|status|log: load and pin the BPF LSM guard, report on it,
 * stream its audit events.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "guard.h"
#include "identity.h"
#include "protect.h"
#include "guard.skel.h"
#include "loader.h"
#include "selfprotect.h"
#include "snapshot.h"
#include "kmodel.h"
#include "modguard.h"

#define BPF_FS_MAGIC_ 0xcafe4a11
#define LSM_LIST "/sys/kernel/security/lsm"
#define SIG_ENFORCE "/sys/module/module/parameters/sig_enforce"
#define MODULES_DISABLED "/proc/sys/kernel/modules_disabled"
#define FALLBACK_PENDING MODGUARD_RUNDIR "/fallback-pending"
#define LOADER_PATH MODGUARD_LIBEXECDIR "/modguard-loader"

int pin_open(const char *dir, const char *name, const char *hint)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0 && hint)
		msg("%s: %s%s", path, strerror(errno), hint);
	return fd;
}

/*
 * libbpf's warnings (a refused program's verifier log among them) always;
 * its notes with MODGUARD_DEBUG; never its debug stream, some 2000 lines per
 * start, which at boot (modguard.debug) flooded the journal and slowed the
 * step timings it was asked for.
 */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN || (level == LIBBPF_INFO && getenv("MODGUARD_DEBUG")))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int ensure_fs(const char *dir, const char *type, long magic)
{
	struct statfs sf;

	if (statfs(dir, &sf) == 0 && (long)sf.f_type == magic)
		return 0;
	if (mount(type, dir, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		msg("cannot mount %s on %s: %s", type, dir, strerror(errno));
		return -1;
	}
	return 0;
}

ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || size == 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return n;
}

static bool bpf_lsm_active(void)
{
	char buf[512] = "";

	ensure_fs("/sys/kernel/security", "securityfs", 0x73636673);
	if (read_text(LSM_LIST, buf, sizeof(buf)) < 0)
		return false;
	for (char *tok = strtok(buf, ",\n"); tok; tok = strtok(NULL, ",\n"))
		if (!strcmp(tok, "bpf"))
			return true;
	return false;
}

/* Write VAL to the sysctl or parameter file PATH; 0 or -errno. */
static int write_knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		e = -errno;
	close(fd);
	return e;
}

static bool knob_is(const char *path, char want)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == want;
}

static void modules_disabled_now(void)
{
	int e = write_knob(MODULES_DISABLED, "1");

	if (e)
		msg("WARNING: cannot set kernel.modules_disabled: %s; modules are NOT protected",
		    strerror(-e));
	else
		msg("WARNING: guard not running: set kernel.modules_disabled = 1, no module can load until reboot");
}

/*
 * The guard is not running: close module loading as the policy says.
 *
 * Outside boot, and whenever the policy does not trust the kernel's keys,
 * kernel.modules_disabled = 1 at once.  At boot (modguard.service, before
 * udev and systemd-modules-load) with trust_kernel_keys = yes, two steps, so
 * that the boot-time modules still load: first module.sig_enforce = 1, which
 * the kernel lets no one turn off again, so that from this moment only
 * modules its own keys verify can load (what the guard would allow anyway
 * by rule (a)); then, once udev's coldplug and modules-load.d are done,
 * modguard-fallback.service (modguard-boot settle) sets
 * kernel.modules_disabled = 1.  If that second step never runs, the first
 * still holds.
 */
static void fallback(const struct policy *p, bool boot)
{
	int e;

	if (p->fallback != FALLBACK_MODULES_DISABLED) {
		msg("WARNING: guard not running and policy fallback = none: modules are NOT protected");
		return;
	}
	if (!boot || !p->trust_kernel_keys || access(SIG_ENFORCE, F_OK)) {
		modules_disabled_now();
		return;
	}
	e = write_knob(SIG_ENFORCE, "1");
	if (e || !knob_is(SIG_ENFORCE, 'Y')) {
		msg("WARNING: cannot set module.sig_enforce: %s",
		    e ? strerror(-e) : "it reads back off");
		modules_disabled_now();
		return;
	}
	if ((mkdir(MODGUARD_RUNDIR, 0755) && errno != EEXIST) ||
	    (e = open(FALLBACK_PENDING, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		      0644)) < 0) {
		msg("WARNING: %s: %s", FALLBACK_PENDING, strerror(errno));
		modules_disabled_now();
		return;
	}
	close(e);
	msg("WARNING: guard not running: set module.sig_enforce = 1, only modules the kernel's own keys verify can load; kernel.modules_disabled = 1 follows once the boot-time modules are loaded (modguard-fallback.service)");
}

/*
 * The kernel model's findings, as messages: "guard start: ..." for each
 * degradation and each thing missing.  0, or -1 when enforcement is
 * impossible on this kernel.
 */
int kmodel_report(const struct btf *btf, struct bpf_object *guard, struct bpf_object *protect)
{
	struct mg_kmodel *m = calloc(1, sizeof(*m));
	int r;

	if (!m) {
		msg("out of memory");
		return -1;
	}
	r = mg_kmodel_check(btf, guard, protect, m);
	for (char *l = m->text, *e; *l; l = e + 1) {
		e = strchr(l, '\n');
		if (!e)
			break;
		*e = 0;
		if (strncmp(l, "note: ", 6) || getenv("MODGUARD_DEBUG"))
			msg("kernel model: %s", l);
	}
	free(m);
	return r;
}

static int pin_all(struct guard_bpf *skel)
{
	struct {
		struct bpf_map *map;
		const char *name;
	} maps[] = {
		{ skel->maps.admitted, "admitted" }, { skel->maps.stats, "stats" },
		{ skel->maps.recent, "recent" },     { skel->maps.events, "events" },
		{ skel->maps.rodata, "config" },     { skel->maps.identity, "identity" },
	};
	struct bpf_program *p;
	char path[256];

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", MG_PIN_DIR, maps[i].name);
		if (bpf_map__pin(maps[i].map, path)) {
			msg("%s: cannot pin: %s", path, strerror(errno));
			return -1;
		}
	}
	bpf_object__for_each_program(p, skel->obj)
	{
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);

		if (!l) {
			msg("cannot attach %s: %s", bpf_program__name(p), strerror(errno));
			return -1;
		}
		snprintf(path, sizeof(path), "%s/link_%s", MG_PIN_DIR, bpf_program__name(p));
		if (bpf_link__pin(l, path)) {
			msg("%s: cannot pin: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * The deny list the trusted program requires (trust_open): an empty one when
 * there is none, made before the lock (after it, nobody may add an entry to
 * the sysconfdir).  0, or -1 after a message.
 */
static int ensure_deny_list(void)
{
	static const char head[] =
		"# modguard deny list: lines \"cert <sha256 of the DER certificate>\"\n"
		"# or \"module <sha256 of the module>\".  Read at every admission.\n";
	int fd;

	if (mkdir(MODGUARD_SYSCONFDIR, 0755) && errno != EEXIST) {
		msg("%s: %s", MODGUARD_SYSCONFDIR, strerror(errno));
		return -1;
	}
	fd = open(DENY_LIST, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0) {
		msg("%s: %s", DENY_LIST, strerror(errno));
		return -1;
	}
	if (write(fd, head, sizeof(head) - 1) != (ssize_t)sizeof(head) - 1 || fsync(fd)) {
		msg("%s: cannot write: %s", DENY_LIST, strerror(errno ? errno : EIO));
		close(fd);
		unlink(DENY_LIST);
		return -1;
	}
	close(fd);
	return 0;
}

/* ---- The maintenance boot, confirmed at the console ---------------------- */

/* WORD is a whole word of the kernel command line. */
static bool cmdline_has(const char *word)
{
	char buf[4096];
	size_t n = strlen(word);

	if (read_text("/proc/cmdline", buf, sizeof(buf)) < 0)
		return false;
	for (char *p = buf; (p = strstr(p, word)); p += n)
		if ((p == buf || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == 0))
			return true;
	return false;
}

#define MAINTENANCE_WORD "maintenance"
#define MAINTENANCE_WAIT_MS 30000

/*
 * modguard.off asks for a boot without the guard.  Root can put it on the
 * command line (GRUB's files are not sealed), so from the initramfs it
 * counts only when someone at the console confirms it: the word typed
 * there within 30 s.  No console, no answer, or another answer: the guard
 * starts.  Nothing of the real root runs yet, so only the console's user
 * can answer.
 */
static bool maintenance_confirmed(void)
{
	static const char ask[] =
		"\nmodguard: maintenance boot requested (modguard.off on the kernel command line):\n"
		"modguard: no guard in this boot, only modules the kernel's keys verify.\n"
		"modguard: type \"" MAINTENANCE_WORD "\" and Enter within 30 s to confirm;\n"
		"modguard: anything else, or nothing, starts the guard.\n";
	char line[64];
	size_t len = 0;
	struct timespec t0, t;
	bool yes = false;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		msg("modguard.off: /dev/console: %s: starting the guard", strerror(errno));
		return false;
	}
	if (write(fd, ask, sizeof(ask) - 1) < 0) {
		close(fd);
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The first line that is not empty is the answer. */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = MAINTENANCE_WAIT_MS -
		       ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0 || read(fd, &c, 1) != 1)
			break;
		if (c != '\n' && c != '\r') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			continue;
		}
		if (len == 0)
			continue;
		line[len] = 0;
		yes = !strcmp(line, MAINTENANCE_WORD);
		break;
	}
	close(fd);
	return yes;
}

/* ---- The trusted program's identity (identity.h) ------------------------ */

/* SHA-256 of the file at PATH, and its size.  0, or -1 with errno set. */
static int file_sha256(const char *path, uint8_t out[32], __u64 *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	void *p;

	if (fd < 0 && errno == ELOOP && !strncmp(path, "/proc/", 6))
		fd = open(path, O_RDONLY | O_CLOEXEC); /* /proc/self/exe is a link */
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		if (!errno)
			errno = EINVAL;
		close(fd);
		return -1;
	}
	if (size)
		*size = (__u64)sb.st_size;
	if (sb.st_size == 0) {
		modguard_sha256((const uint8_t *)"", 0, out);
		close(fd);
		return 0;
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	modguard_sha256(p, (size_t)sb.st_size, out);
	munmap(p, (size_t)sb.st_size);
	return 0;
}

struct digest_buf {
	char *b;
	size_t len, cap;
};

static int dig_add(struct digest_buf *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(d->b ? d->b + d->len : NULL, d->b ? d->cap - d->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if (d->b && d->len + (size_t)n < d->cap) {
			d->len += (size_t)n;
			return 0;
		}
		size_t cap = (d->cap ? d->cap * 2 : 4096) + (size_t)n;
		char *nb = realloc(d->b, cap);

		if (!nb)
			return -1;
		d->b = nb;
		d->cap = cap;
	}
}

/* Every entry under DIR (REL from the configuration's top), sorted, with its content's hash. */
static int config_walk(struct digest_buf *d, const char *dir, const char *rel, int depth)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), r = 0;

	if (n < 0)
		return depth == 0 && errno == ENOENT ? 0 : -1;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		char path[PATH_MAX], sub[PATH_MAX], tgt[PATH_MAX], hex[65];
		uint8_t h[32];
		struct stat sb;
		ssize_t l;

		if (r || !strcmp(nm, ".") || !strcmp(nm, ".."))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", nm);
		if (lstat(path, &sb)) {
			r = -1;
			goto next;
		}
		if (S_ISDIR(sb.st_mode)) {
			r = dig_add(d, "d %zu:%s %o\n", strlen(sub), sub, sb.st_mode & 07777);
			if (!r)
				r = depth > 16 ? (errno = ELOOP, -1) :
						 config_walk(d, path, sub, depth + 1);
		} else if (S_ISREG(sb.st_mode)) {
			if (file_sha256(path, h, NULL)) {
				r = -1;
				goto next;
			}
			for (int k = 0; k < 32; k++)
				snprintf(hex + 2 * k, 3, "%02x", h[k]);
			r = dig_add(d, "f %zu:%s %o %s\n", strlen(sub), sub, sb.st_mode & 07777,
				    hex);
		} else if (S_ISLNK(sb.st_mode)) {
			l = readlink(path, tgt, sizeof(tgt) - 1);
			if (l < 0) {
				r = -1;
				goto next;
			}
			tgt[l] = 0;
			r = dig_add(d, "l %zu:%s %zu:%s\n", strlen(sub), sub, (size_t)l, tgt);
		} else {
			r = dig_add(d, "o %zu:%s %o\n", strlen(sub), sub, sb.st_mode);
		}
next:
		free(names[i]);
	}
	free(names);
	return r;
}

/*
 * The configuration as the trusted program reads it: SHA-256 over every
 * entry of the sysconfdir (name, mode, content's SHA-256 or link target),
 * in order.  The initramfs's and the real root's must be equal for the
 * hand-off.  0, or -1 after a message.
 */
static int config_digest(uint8_t out[32])
{
	struct digest_buf d = { 0 };
	int r = config_walk(&d, MODGUARD_SYSCONFDIR, "", 0);

	if (r)
		msg("%s: cannot read the configuration: %s", MODGUARD_SYSCONFDIR, strerror(errno));
	else
		modguard_sha256((const uint8_t *)(d.b ? d.b : ""), d.len, out);
	/* --debug: what was hashed, to compare an initramfs's with the real root's. */
	if (!r && getenv("MODGUARD_DEBUG"))
		fprintf(stderr, "configuration digest over:\n%.*s", (int)d.len, d.b ? d.b : "");
	free(d.b);
	return r;
}

/*
 * This program as the guard will know it: itself and its root; from the
 * initramfs (early), also what it hands off to: its content, and its path
 * on the real root, which is this one's.  0, or -1 after a message.
 */
static int identity_fill(struct mg_identity *id, bool early)
{
	struct statx sx;
	char path[] = LOADER_PATH, *save = NULL, *comps[16];
	unsigned n = 0;

	memset(id, 0, sizeof(*id));
	if (kernel_file_id("/proc/self/exe", true, &id->trusted_dev, &id->trusted_ino) ||
	    kernel_file_id("/", true, &id->root_dev, &id->root_ino) ||
	    statx(AT_FDCWD, "/", 0, STATX_MNT_ID, &sx) || !(sx.stx_mask & STATX_MNT_ID)) {
		msg("cannot identify the trusted program and its root: %s", strerror(errno));
		return -1;
	}
	id->root_mnt_id = sx.stx_mnt_id;
	id->state = early ? MG_ID_EARLY : MG_ID_FIXED;
	if (!early)
		return 0;
	if (config_digest(id->config))
		return -1;
	if (file_sha256("/proc/self/exe", id->hash, &id->size)) {
		msg("/proc/self/exe: cannot hash: %s", strerror(errno));
		return -1;
	}
	for (char *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (n >= MG_ID_COMPS || strlen(c) >= MG_ID_COMP_LEN) {
			msg("%s: the path is too long for the hand-off (%d components of %d bytes at most)",
			    LOADER_PATH, MG_ID_COMPS, MG_ID_COMP_LEN - 1);
			return -1;
		}
		comps[n++] = c;
	}
	id->ncomps = n;
	for (unsigned i = 0; i < n; i++)
		snprintf(id->comps[i], MG_ID_COMP_LEN, "%s", comps[n - 1 - i]);
	return 0;
}

/* The pinned identity, read: 0 (fd kept in *fdp if given), or -1 with errno. */
static int identity_read(struct mg_identity *id, int *fdp)
{
	__u32 zero = 0;
	int fd = pin_open(MG_PIN_DIR, "identity", NULL);

	if (fd < 0)
		return -1;
	if (bpf_map_lookup_elem(fd, &zero, id)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return 0;
}

bool handoff_pending(void)
{
	struct mg_identity id;

	return identity_read(&id, NULL) == 0 && id.state == MG_ID_PENDING;
}

/*
 * guard start --boot with the guard already running.  Started in the
 * initramfs, the guard recognised this program at its exec (identity.h):
 * take over the real root's files, check that its configuration is the
 * initramfs's, and only then fix the identity.  A refusal leaves the
 * initramfs's guard enforcing, its rules unchanged; the trusted program
 * refuses every other command until a hand-off succeeds.
 */
static int guard_handoff(void)
{
	struct mg_identity id;
	struct policy pol;
	__u64 dev, ino, sdev, sino;
	uint8_t dig[32];
	__u32 zero = 0;
	int fd;

	if (identity_read(&id, &fd)) {
		if (errno == EPERM || errno == EACCES)
			msg("guard already started, and this program is not the trusted one: if the guard was started in the initramfs, %s is not the program the initramfs holds (run update-initramfs in a maintenance boot)",
			    LOADER_PATH);
		else
			msg("guard already started (%s exists)", MG_PIN_DIR);
		return EXIT_DENIED;
	}
	if (id.state != MG_ID_PENDING) {
		msg("guard already started%s",
		    id.state == MG_ID_EARLY ? " (in the initramfs)" : "");
		close(fd);
		return EXIT_DENIED;
	}
	phase(NULL);
	if (kernel_file_id(LOADER_PATH, false, &dev, &ino) ||
	    kernel_file_id("/proc/self/exe", true, &sdev, &sino)) {
		msg("hand-off refused: %s: %s", LOADER_PATH, strerror(errno));
		goto refused;
	}
	if (dev != sdev || ino != sino || dev != id.trusted_dev || ino != id.trusted_ino) {
		msg("hand-off refused: this program is not %s", LOADER_PATH);
		goto refused;
	}
	if (policy_load(POLICY_PATH, &pol))
		goto refused;
	/* The files first, then their content: nobody can change it in between. */
	if (protect_handoff(&pol))
		goto refused;
	if (config_digest(dig))
		goto refused;
	phase("hand-off: the configuration's digest");
	if (memcmp(dig, id.config, sizeof(dig))) {
		msg("hand-off refused: the configuration in %s is not the one the initramfs holds (it changed after update-initramfs last ran): the guard keeps enforcing the initramfs's rules, and no module can be admitted until a boot whose initramfs holds this configuration",
		    MODGUARD_SYSCONFDIR);
		goto refused;
	}
	if (ensure_deny_list())
		goto refused;
	id.state = MG_ID_FIXED;
	if (bpf_map_update_elem(fd, &zero, &id, BPF_ANY)) {
		msg("hand-off: cannot fix the identity: %s", strerror(errno));
		goto refused;
	}
	close(fd);
	phase("hand-off: the identity fixed");
	printf("guard handed over from the initramfs: trusted program %s (inode %llu on %u:%u)\n",
	       LOADER_PATH, (unsigned long long)ino, (unsigned)(dev >> 20),
	       (unsigned)(dev & 0xfffff));
	return EXIT_OK;
refused:
	close(fd);
	return EXIT_DENIED;
}

/*
 * One failure path: whatever stops the guard from starting (no valid policy,
 * no BPF LSM, no bpffs, no pin directory, no BPF object, a program the
 * verifier refuses, no self-protection) applies the policy's fallback.
 * Only a guard that is already running is left alone.
 */
static int guard_start(bool boot, bool early)
{
	struct policy pol;
	struct guard_bpf *skel = NULL;
	struct btf *btf = NULL;
	struct mg_identity id;
	__u32 zero = 0;
	int ret = EXIT_USAGE;

	/* Already running: from the initramfs, this may be the hand-off. */
	if (access(MG_PIN_DIR "/admitted", F_OK) == 0)
		return boot ? guard_handoff() :
			      (msg("guard already started (%s exists)", MG_PIN_DIR), EXIT_DENIED);
	phase(NULL);
	if (early && cmdline_has("modguard.off")) {
		if (maintenance_confirmed()) {
			if (policy_load(POLICY_PATH, &pol))
				pol = (struct policy){ .fallback = FALLBACK_MODULES_DISABLED };
			msg("WARNING: maintenance boot (modguard.off), confirmed at the console: guard not started");
			fallback(&pol, true);
			return EXIT_OK;
		}
		msg("modguard.off was not confirmed at the console: starting the guard");
	}
	/* Before the deny list is made: the configuration as it was found. */
	if (identity_fill(&id, early)) {
		pol = (struct policy){ .fallback = FALLBACK_MODULES_DISABLED };
		goto fail;
	}
	/* First: whatever happens next, the trusted program's loads need it. */
	if (ensure_deny_list()) {
		pol = (struct policy){ .fallback = FALLBACK_MODULES_DISABLED };
		goto fail;
	}
	if (policy_load(POLICY_PATH, &pol)) {
		/* No valid policy, no guard: fail closed with the default fallback. */
		pol = (struct policy){ .fallback = FALLBACK_MODULES_DISABLED };
		goto fail;
	}
	if (!bpf_lsm_active()) {
		msg("BPF LSM not active (%s lacks \"bpf\"): build with CONFIG_BPF_LSM=y and boot with bpf in lsm=",
		    LSM_LIST);
		ret = EXIT_DENIED;
		goto fail;
	}
	if (ensure_fs("/sys/fs/bpf", "bpf", BPF_FS_MAGIC_))
		goto fail;
	if (mkdir(MG_PIN_DIR, 0700) && errno != EEXIST) {
		msg("%s: %s", MG_PIN_DIR, strerror(errno));
		goto fail;
	}
	if (access(MG_PIN_DIR "/admitted", F_OK) == 0) {
		msg("guard already started (%s exists)", MG_PIN_DIR);
		return EXIT_DENIED;
	}

	libbpf_set_print(libbpf_quiet);
	skel = guard_bpf__open();
	if (!skel) {
		msg("cannot open the guard's BPF object: %s", strerror(errno));
		goto fail;
	}
	/* Identified by what was exec'd, not by a path that could be swapped, and
	 * as the kernel does (superblock device, not stat()'s st_dev). */
	skel->rodata->cfg.trusted_dev = id.trusted_dev;
	skel->rodata->cfg.trusted_ino = id.trusted_ino;
	skel->rodata->cfg.mode = pol.permissive ? MG_MODE_PERMISSIVE : MG_MODE_ENFORCE;
	skel->rodata->cfg.trust_kernel_keys = pol.trust_kernel_keys;
	skel->rodata->cfg.loader_only = pol.loader_only;
	skel->rodata->cfg.started_early = early;
	skel->rodata->cfg.kernel_modsig = access(SIG_ENFORCE, F_OK) == 0;
	/* Parsed once, for the guard and the self-protection: a few MB, tens of milliseconds. */
	btf = btf__load_vmlinux_btf();
	/*
	 * Every assumption the programs make about this kernel, checked against
	 * its BTF (kmodel.c): the variant that fits is loaded, a degraded mode
	 * is said, and what makes enforcement impossible fails the start.
	 */
	if (kmodel_report(btf, skel->obj, NULL)) {
		ret = EXIT_DENIED;
		goto fail;
	}
	skel->rodata->cfg.kernel_digest = bpf_program__autoload(skel->progs.guard_pkcs7_verify);

	phase("guard start: policy, open");
	if (guard_bpf__load(skel)) {
		msg("cannot load the guard's BPF programs: %s", strerror(errno));
		goto fail;
	}
	phase("guard start: load the guard's programs (verifier)");
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.identity), &zero, &id, BPF_ANY)) {
		msg("cannot set the guard's identity map: %s", strerror(errno));
		goto fail;
	}
	if (pin_all(skel))
		goto fail;
	phase("guard start: attach and pin the guard");
	/* A guard that root can unpin protects nothing: without self-protection, fail closed. */
	if (protect_start(&pol, btf, bpf_map__fd(skel->maps.identity), early))
		goto fail;
	printf("guard started%s: mode %s, trust_kernel_keys %s, loader_only %s%s\n",
	       early ? " in the initramfs" : "", pol.permissive ? "permissive" : "enforce",
	       pol.trust_kernel_keys ? "yes" : "no", pol.loader_only ? "yes" : "no",
	       skel->rodata->cfg.kernel_modsig ?
		       "" :
		       ", kernel without CONFIG_MODULE_SIG: enforcing at read");
	btf__free(btf);
	guard_bpf__destroy(skel); /* pinned links and maps stay */
	return EXIT_OK;
fail:
	btf__free(btf);
	guard_bpf__destroy(skel);
	fallback(&pol, boot);
	return ret;
}

/* ---- Read-only views, served raw (snapshot.h) ---------------------------- */

/* All of buf to fd: 0, or -1 with errno set. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static __u64 stat_sum(int fd, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu > 0 ? ncpu : 1], sum = 0;

	if (ncpu <= 0 || bpf_map_lookup_elem(fd, &key, vals))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

/* Run counts and time of every pinned link of the guard and the self-protection. */
static void snap_progs(struct mg_snapshot *s)
{
	static const char *const dirs[] = { MG_PIN_DIR, MG_PROTECT_PIN_DIR };
	char path[512];

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		struct dirent **names;
		int n = scandir(dirs[d], &names, NULL, alphasort);

		for (int i = 0; i < n; i++) {
			struct mg_prog_stat *p = &s->progs[s->nprogs];
			struct bpf_link_info li = { 0 };
			struct bpf_prog_info pi = { 0 };
			__u32 len = sizeof(li);
			int lfd, pfd = -1;

			if (strncmp(names[i]->d_name, "link_", 5) || s->nprogs >= MG_SNAP_PROGS)
				goto next;
			s->nprogs++;
			snprintf(p->name, sizeof(p->name), "%s", names[i]->d_name + 5);
			p->protect = d == 1;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], names[i]->d_name);
			lfd = bpf_obj_get(path);
			if (lfd < 0 || bpf_obj_get_info_by_fd(lfd, &li, &len) ||
			    (pfd = bpf_prog_get_fd_by_id(li.prog_id)) < 0 ||
			    (len = sizeof(pi), bpf_obj_get_info_by_fd(pfd, &pi, &len)))
				p->err = errno ? errno : EIO;
			p->run_cnt = pi.run_cnt;
			p->run_time_ns = pi.run_time_ns;
			if (pfd >= 0)
				close(pfd);
			if (lfd >= 0)
				close(lfd);
next:
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
}

/*
 * guard dump: the guard's and the self-protection's state as one struct
 * mg_snapshot on stdout.  Exit 1 when the guard is not running.
 */
static int guard_dump(void)
{
	struct mg_snapshot *s = calloc(1, sizeof(*s));
	struct mg_key key, next;
	__u32 zero = 0;
	char ro[4096] = { 0 };
	int cfd, sfd, afd, rfd, ret = EXIT_USAGE;

	if (!s) {
		msg("out of memory");
		return EXIT_USAGE;
	}
	cfd = pin_open(MG_PIN_DIR, "config", GUARD_HINT);
	if (cfd < 0) {
		free(s);
		return EXIT_DENIED;
	}
	sfd = pin_open(MG_PIN_DIR, "stats", GUARD_HINT);
	afd = pin_open(MG_PIN_DIR, "admitted", GUARD_HINT);
	rfd = pin_open(MG_PIN_DIR, "recent", GUARD_HINT);
	if (sfd < 0 || afd < 0 || rfd < 0)
		goto out;
	/* .rodata holds the struct at offset 0: the object has no other constants. */
	if (bpf_map_lookup_elem(cfd, &zero, ro)) {
		msg("cannot read the guard's configuration: %s", strerror(errno));
		goto out;
	}
	s->magic = MG_SNAP_MAGIC;
	s->size = sizeof(*s);
	memcpy(&s->cfg, ro, sizeof(s->cfg));
	{
		/* The trusted binary now: after a hand-off, not the one started with. */
		struct mg_identity id;

		if (identity_read(&id, NULL) == 0) {
			s->cfg.trusted_dev = id.trusted_dev;
			s->cfg.trusted_ino = id.trusted_ino;
			s->cfg.id_state = id.state;
		}
	}
	/* One file key per admitted module; the signed part's key is its twin. */
	for (void *prev = NULL; bpf_map_get_next_key(afd, prev, &next) == 0; prev = &key) {
		key = next;
		s->admitted += key.kind == MG_KEY_FILE;
	}
	for (__u32 i = 0; i < MG_STAT__MAX; i++)
		s->stats[i] = stat_sum(sfd, i);
	for (__u32 i = 0; i < MG_RECENT_MAX; i++)
		if (bpf_map_lookup_elem(rfd, &i, &s->recent[s->nrecent]) == 0 &&
		    s->recent[s->nrecent].ts_ns)
			s->nrecent++;
	protect_snapshot(s);
	snap_progs(s);
	if (write_all(STDOUT_FILENO, s, sizeof(*s))) {
		msg("writing the snapshot: %s", strerror(errno));
		goto out;
	}
	ret = EXIT_OK;
out:
	free(s);
	close(cfd);
	if (sfd >= 0)
		close(sfd);
	if (afd >= 0)
		close(afd);
	if (rfd >= 0)
		close(rfd);
	return ret;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int emit_event(void *ctx, void *data, size_t size)
{
	struct mg_event e = { 0 };

	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	if (write_all(STDOUT_FILENO, &e, sizeof(e)))
		stop = 1;
	return 0;
}

/* Whether whoever reads stdout has gone (a pipe's reader closed it). */
static bool reader_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

/*
 * guard events [--timeout SEC]: the guard's event ring, as raw struct
 * mg_event records on stdout, until the timeout, a signal or the reader
 * closing its end.
 */
static int guard_events(int argc, char *argv[])
{
	struct ring_buffer *rb;
	long timeout = -1;
	time_t end = 0;
	int fd, ret = EXIT_OK;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			char *e;

			errno = 0;
			timeout = strtol(argv[++i], &e, 10);
			if (errno || e == argv[i] || *e || timeout < 0) {
				msg("--timeout: expected seconds, found \"%s\"", argv[i]);
				return EXIT_USAGE;
			}
		} else {
			msg("guard events: unexpected argument \"%s\"", argv[i]);
			return EXIT_USAGE;
		}
	}
	fd = pin_open(MG_PIN_DIR, "events", GUARD_HINT);
	if (fd < 0)
		return EXIT_DENIED;
	rb = ring_buffer__new(fd, emit_event, NULL, NULL);
	if (!rb) {
		msg("cannot read the guard's event ring: %s", strerror(errno));
		close(fd);
		return EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (timeout >= 0)
		end = time(NULL) + timeout;
	while (!stop && (!end || time(NULL) < end) && !reader_gone()) {
		int r = ring_buffer__poll(rb, 200);

		if (r < 0 && r != -EINTR) {
			msg("reading events: %s", strerror(-r));
			ret = EXIT_USAGE;
			break;
		}
	}
	ring_buffer__free(rb);
	close(fd);
	return ret;
}

/*
 * guard fallback --boot: the maintenance boot (modguard.off on the kernel
 * command line).  No guard, on purpose: the policy's fallback, as if the
 * guard could not start.
 */
static int guard_fallback(bool boot)
{
	struct policy pol;

	/* Started in the initramfs (modguard.off not confirmed there): it stays. */
	if (access(MG_PIN_DIR "/admitted", F_OK) == 0) {
		msg("the guard is running: no %s in this boot (from the initramfs, modguard.off needs a confirmation at the console)",
		    boot ? "maintenance boot" : "fallback");
		return EXIT_DENIED;
	}

	if (policy_load(POLICY_PATH, &pol))
		pol = (struct policy){ .fallback = FALLBACK_MODULES_DISABLED };
	msg("WARNING: %s: guard not started",
	    boot ? "maintenance boot (modguard.off)" : "guard fallback");
	fallback(&pol, boot);
	return EXIT_OK;
}

int cmd_guard(int argc, char *argv[])
{
	bool boot = argc == 3 && !strcmp(argv[2], "--boot");
	bool early = argc == 3 && !strcmp(argv[2], "--early");

	if (argc >= 2 && !strcmp(argv[1], "start") && (argc == 2 || boot || early))
		return guard_start(boot || early, early);
	if (argc >= 2 && !strcmp(argv[1], "fallback") && (argc == 2 || boot))
		return guard_fallback(boot);
	if (argc >= 2 && !strcmp(argv[1], "dump") && argc == 2)
		return guard_dump();
	if (argc >= 2 && !strcmp(argv[1], "events"))
		return guard_events(argc, argv);
	msg("usage: guard start [--boot|--early] | fallback [--boot] | dump | events [--timeout SEC]");
	return EXIT_USAGE;
}
