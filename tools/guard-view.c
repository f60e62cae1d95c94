// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guard seen from outside the trusted computing base: "modguard guard
 * status", "guard log" and "modguard status" turn what the trusted program
 * serves raw (tcb/loader/snapshot.h) into words, JSON and syslog; and after
 * a start, the kernel-hash tweak.  Nothing here is trusted: a wrong word
 * here misreports, it cannot admit a module.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "exec.h"
#include "guard-view.h"
#include "policy.h"

#define IMA_AHASH_MINSIZE "/sys/module/ima/parameters/ahash_minsize"
/* Files of at least this many bytes take IMA's ahash path: every module does. */
#define FAST_HASH_MINSIZE "4096"
#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

/* policy.c's messages. */
void msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "modguard: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

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
static const char *const protect_rule_names[MG_PR__MAX] = {
	[MG_PR_WRITE] = "write",       [MG_PR_NAMESPACE] = "namespace", [MG_PR_ATTR] = "attributes",
	[MG_PR_MOUNT] = "mount",       [MG_PR_BLOCKDEV] = "blockdev",	[MG_PR_BPF] = "bpf",
	[MG_PR_LOCKDOWN] = "lockdown", [MG_PR_KEXEC] = "kexec",		[MG_PR_SYSCTL] = "sysctl",
	[MG_PR_EXEC] = "exec",	       [MG_PR_PROC] = "proc",
};

static void hexs(const __u8 *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = 0;
}

/* A kernel string of at most n bytes, with anything outside printable ASCII, '"' and '\' as '?'. */
static void clean(char *out, size_t size, const char *in, size_t n)
{
	snprintf(out, size, "%.*s", (int)n, in);
	for (char *s = out; *s; s++)
		if (*s < 0x20 || *s == '"' || *s == '\\' || (unsigned char)*s > 0x7e)
			*s = '?';
}

void mg_event_format(const struct mg_event *e, char *out, size_t len, bool json)
{
	char h[2 * MG_HASH_LEN + 1] = "", dg[8 + 2 * MG_DIGEST_MAX + 1] = "";
	char comm[MG_COMM_LEN + 1], file[MG_NAME_LEN + 1], signer[MG_SIGNER_LEN + 1];
	const char *rule = e->rule < MG_RULE__MAX && rule_names[e->rule] ? rule_names[e->rule] :
									   "?";
	const char *dec = e->decision < 4 ? decision_names[e->decision] : "?";
	const char *hook =
		e->hook < sizeof(hook_names) / sizeof(hook_names[0]) ? hook_names[e->hook] : "?";

	if (e->has_hash)
		hexs(e->hash, MG_HASH_LEN, h);
	if (e->digest_kind >= MG_KEY_SIGNED_SHA256 && e->digest_kind <= MG_KEY_SIGNED_SHA512) {
		static const char *const alg[] = { "sha256", "sha384", "sha512" };
		static const unsigned dlen[] = { 32, 48, 64 };
		unsigned k = e->digest_kind - MG_KEY_SIGNED_SHA256;
		int n = snprintf(dg, sizeof(dg), "%s:", alg[k]);

		hexs(e->digest, dlen[k], dg + n);
	}
	/* Kernel strings: bound them, and keep JSON valid whatever a file is called. */
	clean(comm, sizeof(comm), e->comm, MG_COMM_LEN);
	clean(file, sizeof(file), e->file, MG_NAME_LEN);
	clean(signer, sizeof(signer), e->signer, MG_SIGNER_LEN);
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

/*
 * Run the trusted program with verb and args, stdout into a pipe whose read
 * end is returned, stderr into errfd's pipe (NULL: inherited).  -1 after a
 * message in err.
 */
static pid_t loader_spawn(const char *const argv[], int *out, int *errfd, char *err, size_t errlen)
{
	int p[2], e[2] = { -1, -1 };
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) || (errfd && pipe2(e, O_CLOEXEC))) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		if (errfd) {
			close(e[0]);
			close(e[1]);
		}
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		if (errfd)
			dup2(e[1], STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		mg_loader_execve(argv);
		fprintf(stderr, "modguard: %s: cannot run the trusted program: %s\n",
			mg_loader_path(), strerror(errno));
		_exit(EXIT_USAGE);
	}
	close(p[1]);
	*out = p[0];
	if (errfd) {
		close(e[1]);
		*errfd = e[0];
	}
	return pid;
}

/* Exactly len bytes, or fewer at end of file: the count, or -1. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_USAGE;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_USAGE;
}

int mg_guard_snapshot(struct mg_snapshot *s, char *err, size_t errlen)
{
	static const char *const argv[] = { "guard", "dump", NULL };
	char text[1024];
	int out, efd, rc;
	ssize_t n, m;
	pid_t pid;

	err[0] = 0;
	pid = loader_spawn(argv, &out, &efd, err, errlen);
	if (pid < 0)
		return EXIT_USAGE;
	n = read_full(out, s, sizeof(*s));
	close(out);
	m = read_full(efd, text, sizeof(text) - 1);
	close(efd);
	rc = reap(pid);
	if (m > 0) {
		text[m] = 0;
		text[strcspn(text, "\n")] = 0;
		snprintf(err, errlen, "%s", text);
	}
	if (rc != EXIT_OK)
		return rc == EXIT_INVALID ? EXIT_INVALID : EXIT_USAGE;
	if (n != (ssize_t)sizeof(*s) || s->magic != MG_SNAP_MAGIC || s->size != sizeof(*s) ||
	    s->nrecent > MG_RECENT_MAX || s->nprogs > MG_SNAP_PROGS) {
		snprintf(err, errlen,
			 "%s: guard dump: %zd bytes, not a snapshot of this version (%zu bytes): "
			 "is the trusted program from another build?",
			 mg_loader_path(), n, sizeof(*s));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ima.ahash_minsize: its value, or -1 when IMA has no such parameter. */
static long ahash_minsize(void)
{
	char cur[32] = "";
	FILE *f = fopen(IMA_AHASH_MINSIZE, "re");
	bool ok;

	if (!f)
		return -1;
	ok = fgets(cur, sizeof(cur), f) != NULL;
	fclose(f);
	return ok ? atol(cur) : -1;
}

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

void mg_guard_status_print(FILE *o, const struct mg_snapshot *s)
{
	const struct mg_config *cfg = &s->cfg;
	bool enforce = cfg->mode != MG_MODE_PERMISSIVE;
	char line[512], driver[64];
	long min = ahash_minsize();

	fprintf(o, "guard: running\n");
	fprintf(o, "mode: %s\n", enforce ? "enforce" : "permissive");
	fprintf(o, "trust_kernel_keys: %s\n", cfg->trust_kernel_keys ? "yes" : "no");
	fprintf(o, "loader_only: %s\n", cfg->loader_only ? "yes" : "no");
	fprintf(o, "kernel_module_sig: %s\n", cfg->kernel_modsig ? "yes" : "no");
	fprintf(o, "kernel_digest: %s\n",
		cfg->kernel_digest ? "yes (admission by the kernel's digest of the signed part)" :
				     "no (admission by the file's SHA-256)");
	if (min > 0 && fast_sha256(driver, sizeof(driver)))
		fprintf(o, "kernel_hash: %s (IMA's ahash path, files of %ld bytes and more)\n",
			driver, min);
	else if (min < 0)
		fprintf(o, "kernel_hash: IMA's boot-time transform (no ahash path in this "
			   "kernel's IMA)\n");
	else
		fprintf(o, "kernel_hash: IMA's boot-time transform\n");
	fprintf(o, "started: %s\n",
		!cfg->started_early ?
			"on the real root" :
		cfg->id_state == 0 ?
			"in the initramfs, handed over to the real root" :
		cfg->id_state == 2 ?
			"in the initramfs; hand-off REFUSED or unfinished: its rules hold, nothing can be admitted (journal of modguard.service)" :
			"in the initramfs; not yet handed over to the real root");
	fprintf(o, "trusted_binary: dev %u:%u ino %llu\n", (unsigned)(cfg->trusted_dev >> 20),
		(unsigned)(cfg->trusted_dev & 0xfffff), (unsigned long long)cfg->trusted_ino);
	fprintf(o, "admitted: %u\n", s->admitted);
	fprintf(o,
		"allowed: %llu\ndenied: %llu\nwould_deny: %llu\ndeferred: %llu\n"
		"events_dropped: %llu\ntrusted_execs: %llu\n",
		(unsigned long long)s->stats[MG_STAT_ALLOWED],
		(unsigned long long)s->stats[MG_STAT_DENIED],
		(unsigned long long)s->stats[MG_STAT_WOULD_DENY],
		(unsigned long long)s->stats[MG_STAT_DEFERRED],
		(unsigned long long)s->stats[MG_STAT_DROPPED],
		(unsigned long long)s->stats[MG_STAT_TAGGED]);
	fprintf(o, "programs (runs, mean ns; needs kernel.bpf_stats_enabled=1):\n");
	for (unsigned i = 0; i < s->nprogs; i++) {
		const struct mg_prog_stat *p = &s->progs[i];
		char name[MG_SNAP_NAME + 1];

		clean(name, sizeof(name), p->name, MG_SNAP_NAME);
		if (p->err)
			fprintf(o, "  %-32s no information: %s\n", name, strerror(p->err));
		else
			fprintf(o, "  %-32s %llu %llu\n", name, (unsigned long long)p->run_cnt,
				p->run_cnt ? (unsigned long long)(p->run_time_ns / p->run_cnt) :
					     0ull);
	}
	if (s->protect_err) {
		fprintf(o, "protection: not running (%s/stats: %s)\n", MG_PROTECT_PIN_DIR,
			strerror(s->protect_err));
	} else {
		fprintf(o, "protection: %s, %u inodes, %u devices, %u BPF objects\n",
			enforce ? "locked" :
				  "permissive (counts what it would refuse, refuses nothing)",
			s->protect_inodes, s->protect_devices, s->protect_ids);
		fprintf(o, "write hook: %s\n",
			s->write_hook ?
				"attached (files were open for writing before the lock)" :
				"not needed (nothing was open for writing before the lock)");
		fprintf(o, "protection %s:", enforce ? "refused" : "would refuse");
		for (unsigned r = 0; r < MG_PR__MAX; r++)
			fprintf(o, " %s %llu", protect_rule_names[r],
				(unsigned long long)s->protect_stats[r]);
		fprintf(o, "\n");
	}
	/* Oldest first, by sequence number. */
	{
		struct mg_event ev[MG_RECENT_MAX];
		unsigned n = s->nrecent;

		memcpy(ev, s->recent, n * sizeof(ev[0]));
		for (unsigned i = 1; i < n; i++)
			for (unsigned j = i; j > 0 && ev[j - 1].seq > ev[j].seq; j--) {
				struct mg_event t = ev[j];

				ev[j] = ev[j - 1];
				ev[j - 1] = t;
			}
		fprintf(o, "recent:\n");
		for (unsigned i = 0; i < n; i++) {
			mg_event_format(&ev[i], line, sizeof(line), false);
			fprintf(o, "  %s\n", line);
		}
	}
}

int mg_guard_status(void)
{
	struct mg_snapshot *s = calloc(1, sizeof(*s));
	char err[1024];
	int rc;

	if (!s) {
		mg_error("out of memory");
		return EXIT_USAGE;
	}
	rc = mg_guard_snapshot(s, err, sizeof(err));
	if (rc == EXIT_OK)
		mg_guard_status_print(stdout, s);
	else
		fprintf(stderr, "%s\n", err[0] ? err : "modguard: guard dump failed");
	free(s);
	return rc;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int mg_guard_log(int argc, char *argv[])
{
	const char *args[5] = { "guard", "events", NULL };
	char err[256], line[1024];
	struct mg_event e;
	int out, rc;
	pid_t pid;

	/*
	 * The longest line: 128 bytes of names and punctuation, then at most
	 * 10 + 20 (seq, ts_ns), 10 + 21 + 16 (decision, rule, hook), 10 + 10
	 * (pid, uid), 15 + 63 (comm, file), 64 (sha256), 135 (signed_digest,
	 * sha512) and 43 (signer): 545.  Room to spare, so that no line is ever
	 * cut short into invalid JSON.
	 */
	_Static_assert(sizeof(line) > 128 + 10 + 20 + 10 + 21 + 16 + 10 + 10 + (MG_COMM_LEN - 1) +
					      (MG_NAME_LEN - 1) + 2 * MG_HASH_LEN +
					      (7 + 2 * MG_DIGEST_MAX) + (MG_SIGNER_LEN - 1),
		       "an audit line fits");
	if (argc == 4 && !strcmp(argv[2], "--timeout")) {
		char *end;
		long t;

		errno = 0;
		t = strtol(argv[3], &end, 10);
		if (errno || end == argv[3] || *end || t < 0) {
			mg_error("--timeout: expected seconds, found \"%s\"", argv[3]);
			return EXIT_USAGE;
		}
		args[2] = "--timeout";
		args[3] = argv[3];
	} else if (argc != 2) {
		mg_error("usage: modguard guard log [--timeout SEC]");
		return EXIT_USAGE;
	}
	pid = loader_spawn(args, &out, NULL, err, sizeof(err));
	if (pid < 0) {
		mg_error("%s", err);
		return EXIT_USAGE;
	}
	/* A signal ends the stream: the trusted program sees the pipe close and stops. */
	{
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	openlog("modguard", LOG_PID, LOG_AUTHPRIV);
	while (!stop) {
		ssize_t n = read_full(out, &e, sizeof(e));

		if (n != (ssize_t)sizeof(e))
			break;
		mg_event_format(&e, line, sizeof(line), true);
		puts(line);
		fflush(stdout);
		syslog(e.decision == MG_ALLOW || e.decision == MG_DEFERRED ? LOG_INFO : LOG_WARNING,
		       "%s", line);
	}
	close(out);
	rc = reap(pid);
	return stop ? EXIT_OK : rc;
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
 * (no dependencies) is taken.  0 with PATH set, or -1.
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
		if (mg_is_module_name(base) && strspn(colon + 1, " \t\n") == strlen(colon + 1) &&
		    line[0] != '/' && !strstr(line, "..") &&
		    snprintf(path, size, "/lib/modules/%s/%s", release, line) < (int)size)
			ret = 0;
		break;
	}
	fclose(f);
	free(line);
	return ret;
}

/*
 * finit_module(2) on path, compressed files with MODULE_INIT_COMPRESSED_FILE:
 * the kernel and the guard decide, as for any caller.  0, or an errno.
 */
static int finit_path(const char *path)
{
	uint8_t magic[8];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r, e;

	if (fd < 0)
		return errno;
	n = pread(fd, magic, sizeof(magic), 0);
	r = syscall(SYS_finit_module, fd, "",
		    modguard_comp_detect(magic, n > 0 ? (size_t)n : 0) != MG_COMP_NONE ?
			    MODULE_INIT_COMPRESSED_FILE :
			    0);
	e = errno;
	close(fd);
	return r ? e : 0;
}

/*
 * The guard hashes every module the kernel reads (bpf_ima_file_hash).  That
 * goes through IMA's hash transform, allocated at boot before any module
 * could bring a faster SHA-256: IMA's generic C code, about twice the
 * instructions per byte of the AVX2 code and many times those of the SHA
 * extensions.  IMA's other path, for files of at least ima.ahash_minsize
 * bytes, allocates its transform on first use and so gets the fastest
 * driver registered by then.  The digest is the same either way, and
 * writing the parameter back (root can) only makes hashing slower again:
 * speed, not trust, which is why this runs here, after the trusted program's
 * start, and not in it.
 *
 * The faster driver is a module (sha256-ssse3 on x86), which udev would load
 * later; it is loaded now, through finit_module, and the guard decides on it
 * as on any other (the kernel's own keys, rule a).  Policy fast_kernel_hash
 * = no leaves IMA as it is.
 */
int mg_fast_kernel_hash(void)
{
	char driver[64], path[PATH_MAX];
	struct policy pol;
	struct utsname u;
	int r;

	if (policy_load(MODGUARD_SYSCONFDIR "/policy", &pol))
		return EXIT_USAGE;
	policy_free(&pol);
	if (!pol.fast_kernel_hash)
		return EXIT_OK;
	if (ahash_minsize() < 0) {
		printf("kernel hash: IMA's boot-time transform (this kernel's IMA has no ahash "
		       "path)\n");
		return EXIT_OK;
	}
	/* With trust_kernel_keys = no nothing is admitted yet: it would be refused. */
	if (!fast_sha256(driver, sizeof(driver)) && pol.trust_kernel_keys && uname(&u) == 0 &&
	    crypto_module_path(u.release, "sha256", path, sizeof(path)) == 0 &&
	    (r = finit_path(path)) && r != EEXIST)
		mg_warn("kernel hash: %s: %s", path, strerror(r));
	if (!fast_sha256(driver, sizeof(driver))) {
		printf("kernel hash: IMA's generic SHA-256 (no faster driver registered)\n");
		return EXIT_OK;
	}
	if (ahash_minsize() == 0) {
		FILE *f = fopen(IMA_AHASH_MINSIZE, "we");

		if (!f || fputs(FAST_HASH_MINSIZE, f) < 0 || fclose(f)) {
			mg_warn("kernel hash: %s: %s", IMA_AHASH_MINSIZE, strerror(errno));
			return EXIT_OK;
		}
	}
	printf("kernel hash: %s, through IMA's ahash path\n", driver);
	return EXIT_OK;
}
