// SPDX-License-Identifier: GPL-2.0-only
/*
 * guard start|status|log: load and pin the BPF LSM guard, report on it,
 * stream its audit events.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "guard.h"
#include "protect.h"
#include "guard.skel.h"
#include "loader.h"
#include "selfprotect.h"

#define BPF_FS_MAGIC_ 0xcafe4a11
#define LSM_LIST "/sys/kernel/security/lsm"
#define SIG_ENFORCE "/sys/module/module/parameters/sig_enforce"
#define MODULES_DISABLED "/proc/sys/kernel/modules_disabled"
#define FALLBACK_PENDING MODGUARD_RUNDIR "/fallback-pending"
#define IMA_AHASH_MINSIZE "/sys/module/ima/parameters/ahash_minsize"
/* Files of at least this many bytes take IMA's ahash path: every module does. */
#define FAST_HASH_MINSIZE "4096"

static const char *const rule_names[MG_RULE__MAX] = {
	[MG_RULE_ADMITTED] = "admitted",
	[MG_RULE_KERNEL_KEYS] = "kernel-keys",
	[MG_RULE_NOT_ADMITTED] = "not-admitted",
	[MG_RULE_TRUSTED] = "trusted-loader",
	[MG_RULE_LOAD_DATA] = "init-module-untrusted",
	[MG_RULE_STRICT] = "loader-only",
	[MG_RULE_NO_HASH] = "no-hash",
	[MG_RULE_PTRACE] = "ptrace-trusted",
	[MG_RULE_TRACED_EXEC] = "steered-exec",
	[MG_RULE_REMOTE_FS] = "remote-fs",
	[MG_RULE_KERNEL_REJECTED] = "kernel-rejected",
	[MG_RULE_EXEC_ENV] = "exec-environment",
};
static const char *const decision_names[] = { "allowed", "denied", "would-deny", "deferred" };
static const char *const hook_names[] = {
	"kernel_read_file", "kernel_load_data", "locked_down", "ptrace", "exec", "module_sig_check"
};

int guard_map_open(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", MG_PIN_DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		msg("%s: %s (is the guard started?)", path, strerror(errno));
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

/* ---- The kernel's SHA-256 of each module --------------------------------- */

/*
 * The fastest SHA-256 driver the kernel has besides its generic C code
 * (sha256-ni, sha256-avx2...), from /proc/crypto; false if there is none.
 */
static bool fast_sha256(char *driver, size_t len)
{
	char line[256], name[64] = "", drv[64] = "", internal[8] = "";
	int prio = 0, best = -1;
	FILE *f = fopen("/proc/crypto", "re");

	if (!f)
		return false;
	for (bool more = true; more;) {
		more = fgets(line, sizeof(line), f) != NULL;
		if (more && line[0] != '\n') {
			if (sscanf(line, "name : %63s", name) != 1 &&
			    sscanf(line, "driver : %63s", drv) != 1 &&
			    sscanf(line, "priority : %d", &prio) != 1)
				sscanf(line, "internal : %7s", internal);
			continue;
		}
		/* The end of one algorithm's block. */
		if (!strcmp(name, "sha256") && strcmp(drv, "sha256-generic") &&
		    strcmp(internal, "yes") && prio > best) {
			best = prio;
			snprintf(driver, len, "%s", drv);
		}
		name[0] = drv[0] = internal[0] = 0;
		prio = 0;
	}
	fclose(f);
	return best >= 0;
}

/* Module names compare with '-' and '_' alike, as the kernel's and kmod's do. */
static bool same_module_name(const char *a, const char *b, size_t blen)
{
	size_t i = 0;

	for (; a[i] && i < blen; i++)
		if (a[i] != b[i] && !((a[i] == '-' || a[i] == '_') && (b[i] == '-' || b[i] == '_')))
			return false;
	return !a[i] && i == blen;
}

/*
 * The module that brings ALG to the kernel's crypto API, found as the
 * kernel's own request_module("crypto-ALG") would find it: its name from
 * modules.alias, then its file from modules.dep.  Only a module of its own
 * (no dependencies) and uncompressed is taken; anything else, and a path that
 * leaves the module directory, is left to udev.  What the files say cannot
 * widen what loads: the guard decides on the module by the kernel's keys.
 * 0 with PATH set, or -1.
 */
static int crypto_module_path(const char *release, const char *alg, char *path, size_t size)
{
	char file[PATH_MAX], name[64] = "", want[80], *line = NULL;
	size_t cap = 0, wl;
	ssize_t n;
	FILE *f;
	int ret = -1;

	snprintf(want, sizeof(want), "alias crypto-%s ", alg);
	wl = strlen(want);
	snprintf(file, sizeof(file), "/lib/modules/%s/modules.alias", release);
	if (!(f = fopen(file, "re")))
		return -1;
	while ((n = getline(&line, &cap, f)) > 0)
		if (!strncmp(line, want, wl) && sscanf(line + wl, "%63s", name) == 1)
			break;
	fclose(f);
	snprintf(file, sizeof(file), "/lib/modules/%s/modules.dep", release);
	if (!name[0] || !(f = fopen(file, "re"))) {
		free(line);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		char *colon = strchr(line, ':'), *base, *dot;

		if (!colon)
			continue;
		*colon = 0;
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		dot = strstr(base, ".ko");
		if (!dot || !same_module_name(name, base, dot - base))
			continue;
		/* Compressed too: kernel_decides() hands it over for the kernel to decompress. */
		if (is_module_name(base) && strspn(colon + 1, " \t\n") == strlen(colon + 1) &&
		    line[0] != '/' && !strstr(line, "..") &&
		    snprintf(path, size, "/lib/modules/%s/%s", release, line) < (int)size)
			ret = 0;
		break;
	}
	fclose(f);
	free(line);
	return ret;
}

/* ima.ahash_minsize: 0 (the ahash path unused), or -1 when IMA has no such parameter. */
static long ahash_minsize(void)
{
	char cur[32];

	return read_text(IMA_AHASH_MINSIZE, cur, sizeof(cur)) > 0 ? atol(cur) : -1;
}

/*
 * The guard hashes every module the kernel reads (bpf_ima_file_hash).  That
 * goes through IMA's hash transform, allocated at boot before any module
 * could bring a faster SHA-256: IMA's generic C code, about twice the
 * instructions per byte of the AVX2 code and many times those of the SHA
 * extensions.  IMA's other path, for files of at least ima.ahash_minsize
 * bytes, allocates its transform on first use and so gets the fastest
 * driver registered by then.  The digest is the same either way, and writing
 * the parameter back (root can) only makes hashing slower again.
 *
 * The faster driver is a module (sha256-ssse3 on x86, sha2-ce on arm64),
 * which udev would load after the guard has started.  It is loaded here
 * instead, before any other module, through finit_module: the guard decides
 * on it as on any other (the kernel's own keys, rule a).  Policy
 * fast_kernel_hash = no leaves IMA as it is.
 */
static void fast_kernel_hash(const struct policy *pol)
{
	char driver[64], path[PATH_MAX];
	struct utsname u;
	int r;

	if (!pol->fast_kernel_hash)
		return;
	if (ahash_minsize() < 0) {
		/* An IMA without the parameter hashes with its boot-time transform only. */
		printf("kernel hash: IMA's boot-time transform (this kernel's IMA has no ahash "
		       "path)\n");
		return;
	}
	/* With trust_kernel_keys = no nothing is admitted yet: it would be refused. */
	if (!fast_sha256(driver, sizeof(driver)) && pol->trust_kernel_keys && uname(&u) == 0 &&
	    crypto_module_path(u.release, "sha256", path, sizeof(path)) == 0) {
		r = kernel_decides(path, "");
		if (r > 0 && r != EEXIST)
			msg("kernel hash: %s: %s", path, strerror(r));
	}
	if (!fast_sha256(driver, sizeof(driver))) {
		printf("kernel hash: IMA's generic SHA-256 (no faster driver registered)\n");
		return;
	}
	if (ahash_minsize() == 0 && (r = write_knob(IMA_AHASH_MINSIZE, FAST_HASH_MINSIZE))) {
		msg("kernel hash: %s: %s", IMA_AHASH_MINSIZE, strerror(-r));
		return;
	}
	printf("kernel hash: %s, through IMA's ahash path\n", driver);
}

/* Whether the kernel's BTF (btf may be NULL: unreadable) has NAME of KIND. */
static bool btf_has(const struct btf *btf, const char *name, __u32 kind)
{
	return btf && btf__find_by_name_kind(btf, name, kind) > 0;
}

static int pin_all(struct guard_bpf *skel)
{
	struct {
		struct bpf_map *map;
		const char *name;
	} maps[] = {
		{ skel->maps.admitted, "admitted" }, { skel->maps.stats, "stats" },
		{ skel->maps.recent, "recent" },     { skel->maps.events, "events" },
		{ skel->maps.rodata, "config" },
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

/*
 * One failure path: whatever stops the guard from starting (no valid policy,
 * no BPF LSM, no bpffs, no pin directory, no BPF object, a program the
 * verifier refuses, no self-protection) applies the policy's fallback.
 * Only a guard that is already running is left alone.
 */
static int guard_start(bool boot)
{
	struct policy pol;
	struct guard_bpf *skel = NULL;
	struct btf *btf = NULL;
	__u64 self_dev, self_ino;
	int ret = EXIT_USAGE;

	phase(NULL);
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
	/* Identify ourselves by what was exec'd, not by a path that could be swapped,
	 * and as the kernel does (superblock device, not stat()'s st_dev). */
	if (kernel_file_id("/proc/self/exe", true, &self_dev, &self_ino)) {
		msg("/proc/self/exe: %s", strerror(errno));
		goto fail;
	}

	libbpf_set_print(libbpf_quiet);
	skel = guard_bpf__open();
	if (!skel) {
		msg("cannot open the guard's BPF object: %s", strerror(errno));
		goto fail;
	}
	skel->rodata->cfg.trusted_dev = self_dev;
	skel->rodata->cfg.trusted_ino = self_ino;
	skel->rodata->cfg.mode = pol.permissive ? MG_MODE_PERMISSIVE : MG_MODE_ENFORCE;
	skel->rodata->cfg.trust_kernel_keys = pol.trust_kernel_keys;
	skel->rodata->cfg.loader_only = pol.loader_only;
	skel->rodata->cfg.kernel_modsig = access(SIG_ENFORCE, F_OK) == 0;
	/* Parsed once, for the guard and the self-protection: a few MB, tens of milliseconds. */
	btf = btf__load_vmlinux_btf();
	/* The audit of the kernel's own verdict needs module_sig_check() in BTF. */
	if (!btf_has(btf, "module_sig_check", BTF_KIND_FUNC))
		bpf_program__set_autoload(skel->progs.guard_module_sig_check, false);
	/*
	 * Reading the digest the kernel takes for its own signature check needs
	 * pkcs7_verify() and the PKCS#7 types in BTF.  Without them the guard
	 * hashes each module file itself, as bpf_ima_file_hash() gives it.
	 */
	skel->rodata->cfg.kernel_digest = btf_has(btf, "pkcs7_verify", BTF_KIND_FUNC) &&
					  btf_has(btf, "pkcs7_message", BTF_KIND_STRUCT) &&
					  btf_has(btf, "pkcs7_signed_info", BTF_KIND_STRUCT) &&
					  btf_has(btf, "public_key_signature", BTF_KIND_STRUCT);
	if (!skel->rodata->cfg.kernel_digest)
		bpf_program__set_autoload(skel->progs.guard_pkcs7_verify, false);

	phase("guard start: policy, open");
	if (guard_bpf__load(skel)) {
		msg("cannot load the guard's BPF programs: %s", strerror(errno));
		goto fail;
	}
	phase("guard start: load the guard's programs (verifier)");
	if (pin_all(skel))
		goto fail;
	phase("guard start: attach and pin the guard");
	/* A guard that root can unpin protects nothing: without self-protection, fail closed. */
	if (protect_start(&pol, btf))
		goto fail;
	printf("guard started: mode %s, trust_kernel_keys %s, loader_only %s%s\n",
	       pol.permissive ? "permissive" : "enforce", pol.trust_kernel_keys ? "yes" : "no",
	       pol.loader_only ? "yes" : "no",
	       skel->rodata->cfg.kernel_modsig ?
		       "" :
		       ", kernel without CONFIG_MODULE_SIG: enforcing at read");
	btf__free(btf);
	guard_bpf__destroy(skel); /* pinned links and maps stay */
	fast_kernel_hash(&pol);
	return EXIT_OK;
fail:
	btf__free(btf);
	guard_bpf__destroy(skel);
	fallback(&pol, boot);
	return ret;
}

static void fmt_event(const struct mg_event *e, char *out, size_t len, bool json)
{
	char h[2 * MG_HASH_LEN + 1] = "", dg[8 + 2 * MG_DIGEST_MAX + 1] = "";
	char comm[MG_COMM_LEN + 1], file[MG_NAME_LEN + 1], signer[MG_SIGNER_LEN + 1];
	const char *rule = e->rule < MG_RULE__MAX ? rule_names[e->rule] : "?";
	const char *dec = e->decision < 4 ? decision_names[e->decision] : "?";
	const char *hook =
		e->hook < sizeof(hook_names) / sizeof(hook_names[0]) ? hook_names[e->hook] : "?";

	if (e->has_hash)
		hex(e->hash, MG_HASH_LEN, h);
	if (e->digest_kind >= MG_KEY_SIGNED_SHA256 && e->digest_kind <= MG_KEY_SIGNED_SHA512) {
		static const char *const alg[] = { "sha256", "sha384", "sha512" };
		static const unsigned dlen[] = { 32, 48, 64 };
		unsigned k = e->digest_kind - MG_KEY_SIGNED_SHA256;
		int n = snprintf(dg, sizeof(dg), "%s:", alg[k]);

		hex(e->digest, dlen[k], dg + n);
	}
	/* Kernel strings: bound them, and keep JSON valid whatever a file is called. */
	snprintf(comm, sizeof(comm), "%.*s", MG_COMM_LEN, e->comm);
	snprintf(file, sizeof(file), "%.*s", MG_NAME_LEN, e->file);
	snprintf(signer, sizeof(signer), "%.*s", MG_SIGNER_LEN, e->signer);
	for (char *s = comm; *s; s++)
		if (*s < 0x20 || *s == '"' || *s == '\\' || (unsigned char)*s > 0x7e)
			*s = '?';
	for (char *s = file; *s; s++)
		if (*s < 0x20 || *s == '"' || *s == '\\' || (unsigned char)*s > 0x7e)
			*s = '?';
	for (char *s = signer; *s; s++)
		if (*s < 0x20 || *s == '"' || *s == '\\' || (unsigned char)*s > 0x7e)
			*s = '?';
	if (json)
		snprintf(
			out, len,
			"{\"seq\":%u,\"ts_ns\":%llu,\"decision\":\"%s\",\"rule\":\"%s\",\"hook\":\"%s\","
			"\"pid\":%u,\"uid\":%u,\"comm\":\"%s\",\"file\":\"%s\",\"sha256\":\"%s\","
			"\"signed_digest\":\"%s\",\"signer\":\"%s\"}",
			e->seq, (unsigned long long)e->ts_ns, dec, rule, hook, e->pid, e->uid, comm,
			file, h, dg, signer);
	else
		snprintf(out, len, "%-10s %-14s %-16s pid %-6u %-15s %s%s%s%s%s", dec, rule, hook,
			 e->pid, comm, file, *h ? " sha256:" : "", h, *dg ? " signed-part " : "",
			 dg);
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

/*
 * Per-program run counts and time, from the kernel's BPF statistics
 * (sysctl kernel.bpf_stats_enabled = 1; zero otherwise): every pinned link of
 * the guard and of the self-protection.
 */
static void print_prog_stats(void)
{
	static const char *const dirs[] = { MG_PIN_DIR, MG_PROTECT_PIN_DIR };
	char path[512];

	printf("programs (runs, mean ns; needs kernel.bpf_stats_enabled=1):\n");
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		struct dirent **names;
		int n = scandir(dirs[d], &names, NULL, alphasort);

		for (int i = 0; i < n; i++) {
			const char *prog_name = names[i]->d_name + 5;
			struct bpf_link_info li = { 0 };
			struct bpf_prog_info pi = { 0 };
			__u32 len = sizeof(li);
			int lfd, pfd;

			if (strncmp(names[i]->d_name, "link_", 5))
				goto next;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], names[i]->d_name);
			lfd = bpf_obj_get(path);
			if (lfd < 0) {
				printf("  %-32s not attached: %s\n", prog_name, strerror(errno));
				goto next;
			}
			if (bpf_obj_get_info_by_fd(lfd, &li, &len) ||
			    (pfd = bpf_prog_get_fd_by_id(li.prog_id)) < 0) {
				printf("  %-32s no program: %s\n", prog_name, strerror(errno));
				close(lfd);
				goto next;
			}
			len = sizeof(pi);
			if (bpf_obj_get_info_by_fd(pfd, &pi, &len) == 0)
				printf("  %-32s %llu %llu\n", prog_name,
				       (unsigned long long)pi.run_cnt,
				       pi.run_cnt ?
					       (unsigned long long)(pi.run_time_ns / pi.run_cnt) :
					       0ull);
			else
				printf("  %-32s no information: %s\n", prog_name, strerror(errno));
			close(pfd);
			close(lfd);
next:
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
}

static int cmp_seq(const void *a, const void *b)
{
	const struct mg_event *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int guard_status(void)
{
	int cfd, sfd, afd, rfd;
	struct mg_config cfg;
	struct mg_event ev[MG_RECENT_MAX];
	struct mg_key key, next;
	unsigned admitted = 0, n = 0;
	__u32 zero = 0;
	char line[512];

	cfd = guard_map_open("config");
	if (cfd < 0)
		return EXIT_DENIED;
	sfd = guard_map_open("stats");
	afd = guard_map_open("admitted");
	rfd = guard_map_open("recent");
	if (sfd < 0 || afd < 0 || rfd < 0)
		return EXIT_USAGE;
	/* .rodata holds the struct at offset 0: the object has no other constants. */
	{
		char ro[4096] = { 0 };

		if (bpf_map_lookup_elem(cfd, &zero, ro)) {
			msg("cannot read the guard's configuration: %s", strerror(errno));
			return EXIT_USAGE;
		}
		memcpy(&cfg, ro, sizeof(cfg));
	}
	/* One file key per admitted module; the signed part's key is its twin. */
	for (void *prev = NULL; bpf_map_get_next_key(afd, prev, &next) == 0; prev = &key) {
		key = next;
		admitted += key.kind == MG_KEY_FILE;
	}
	printf("guard: running\n");
	printf("mode: %s\n", cfg.mode == MG_MODE_PERMISSIVE ? "permissive" : "enforce");
	printf("trust_kernel_keys: %s\n", cfg.trust_kernel_keys ? "yes" : "no");
	printf("loader_only: %s\n", cfg.loader_only ? "yes" : "no");
	printf("kernel_module_sig: %s\n", cfg.kernel_modsig ? "yes" : "no");
	printf("kernel_digest: %s\n",
	       cfg.kernel_digest ? "yes (admission by the kernel's digest of the signed part)" :
				   "no (admission by the file's SHA-256)");
	{
		char driver[64];
		long min = ahash_minsize();

		if (min > 0 && fast_sha256(driver, sizeof(driver)))
			printf("kernel_hash: %s (IMA's ahash path, files of %ld bytes and more)\n",
			       driver, min);
		else if (min < 0)
			printf("kernel_hash: IMA's boot-time transform (no ahash path in this "
			       "kernel's IMA)\n");
		else
			printf("kernel_hash: IMA's boot-time transform\n");
	}
	printf("trusted_binary: dev %u:%u ino %llu\n", (unsigned)(cfg.trusted_dev >> 20),
	       (unsigned)(cfg.trusted_dev & 0xfffff), (unsigned long long)cfg.trusted_ino);
	printf("admitted: %u\n", admitted);
	printf("allowed: %llu\ndenied: %llu\nwould_deny: %llu\ndeferred: %llu\n"
	       "events_dropped: %llu\ntrusted_execs: %llu\n",
	       (unsigned long long)stat_sum(sfd, MG_STAT_ALLOWED),
	       (unsigned long long)stat_sum(sfd, MG_STAT_DENIED),
	       (unsigned long long)stat_sum(sfd, MG_STAT_WOULD_DENY),
	       (unsigned long long)stat_sum(sfd, MG_STAT_DEFERRED),
	       (unsigned long long)stat_sum(sfd, MG_STAT_DROPPED),
	       (unsigned long long)stat_sum(sfd, MG_STAT_TAGGED));
	print_prog_stats();
	for (__u32 i = 0; i < MG_RECENT_MAX; i++)
		if (bpf_map_lookup_elem(rfd, &i, &ev[n]) == 0 && ev[n].ts_ns)
			n++;
	qsort(ev, n, sizeof(ev[0]), cmp_seq);
	/* One policy set both objects' mode at one start. */
	protect_status(cfg.mode != MG_MODE_PERMISSIVE);
	printf("recent:\n");
	for (unsigned i = 0; i < n; i++) {
		fmt_event(&ev[i], line, sizeof(line), false);
		printf("  %s\n", line);
	}
	return EXIT_OK;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int log_event(void *ctx, void *data, size_t size)
{
	const struct mg_event *e = data;
	/*
	 * The longest line: 128 bytes of names and punctuation, then at
	 * most 10 + 20 (seq, ts_ns), 10 + 21 + 16 (decision, rule, hook),
	 * 10 + 10 (pid, uid), 15 + 63 (comm, file), 64 (sha256), 135
	 * (signed_digest, sha512) and 43 (signer): 545.  Room to spare, so that
	 * no line is ever cut short into invalid JSON.
	 */
	char line[1024];

	_Static_assert(sizeof(line) > 128 + 10 + 20 + 10 + 21 + 16 + 10 + 10 + (MG_COMM_LEN - 1) +
					      (MG_NAME_LEN - 1) + 2 * MG_HASH_LEN +
					      (7 + 2 * MG_DIGEST_MAX) + (MG_SIGNER_LEN - 1),
		       "an audit line fits");
	if (size < sizeof(*e))
		return 0;
	fmt_event(e, line, sizeof(line), true);
	puts(line);
	fflush(stdout);
	syslog(e->decision == MG_ALLOW || e->decision == MG_DEFERRED ? LOG_INFO : LOG_WARNING, "%s",
	       line);
	return 0;
}

static int guard_log(int argc, char *argv[])
{
	struct ring_buffer *rb;
	long timeout = -1;
	time_t end = 0;
	int fd;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			char *e;

			timeout = strtol(argv[++i], &e, 10);
			if (*e || timeout < 0) {
				msg("--timeout: expected seconds, found \"%s\"", argv[i]);
				return EXIT_USAGE;
			}
		} else {
			msg("guard log: unexpected argument \"%s\"", argv[i]);
			return EXIT_USAGE;
		}
	}
	fd = guard_map_open("events");
	if (fd < 0)
		return EXIT_USAGE;
	rb = ring_buffer__new(fd, log_event, NULL, NULL);
	if (!rb) {
		msg("cannot read the guard's event ring: %s", strerror(errno));
		return EXIT_USAGE;
	}
	openlog("modguard", LOG_PID, LOG_AUTHPRIV);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (timeout >= 0)
		end = time(NULL) + timeout;
	while (!stop && (!end || time(NULL) < end)) {
		int r = ring_buffer__poll(rb, 200);

		if (r < 0 && r != -EINTR) {
			msg("reading events: %s", strerror(-r));
			break;
		}
	}
	ring_buffer__free(rb);
	return EXIT_OK;
}

/*
 * guard fallback --boot: the maintenance boot (modguard.off on the kernel
 * command line).  No guard, on purpose: the policy's fallback, as if the
 * guard could not start.
 */
static int guard_fallback(bool boot)
{
	struct policy pol;

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

	if (argc >= 2 && !strcmp(argv[1], "start") && (argc == 2 || boot))
		return guard_start(boot);
	if (argc >= 2 && !strcmp(argv[1], "fallback") && (argc == 2 || boot))
		return guard_fallback(boot);
	if (argc >= 2 && !strcmp(argv[1], "status") && argc == 2)
		return guard_status();
	if (argc >= 2 && !strcmp(argv[1], "log"))
		return guard_log(argc, argv);
	msg("usage: guard start [--boot] | fallback [--boot] | status | log [--timeout SEC]");
	return EXIT_USAGE;
}
