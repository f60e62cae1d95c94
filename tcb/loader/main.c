// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard-loader: the trusted program.
 *
 *   modguard-loader guard start|status|log [--timeout SEC]
 *   modguard-loader admit [-C TRUST] FILE... | --tree DIR
 *   modguard-loader load FILE [PARAM...]
 *   modguard-loader load-chain FILE PARAMS [FILE PARAMS]...   (modguard modprobe)
 *
 * Normally run through the modguard CLI.  Exit 0 ok, 1 verification failed or
 * policy denied, 2 usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "loader.h"
#include "selfprotect.h"

const char *prog = "modguard";

void msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void phase(const char *what)
{
	static struct timespec last;
	struct timespec now;

	if (!getenv("MODGUARD_DEBUG"))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (what && last.tv_sec)
		msg("%s: %.1f ms", what,
		    (now.tv_sec - last.tv_sec) * 1e3 + (now.tv_nsec - last.tv_nsec) / 1e6);
	last = now;
}

void hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = 0;
}

/*
 * openat2(2) with resolve flags: RESOLVE_NO_SYMLINKS and RESOLVE_NO_MAGICLINKS
 * always (no symlink, no /proc/self/fd/N), RESOLVE_BENEATH and
 * RESOLVE_NO_XDEV beneath a directory fd.  The trusted program runs in the
 * real root (the guard refuses its exec elsewhere, or with a file-system
 * context another process shares), so MODGUARD_SYSCONFDIR is the protected
 * one, and nothing under it can be renamed, linked or mounted on.
 */
int conf_open(int dirfd, const char *name, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   (dirfd == AT_FDCWD ? 0 : RESOLVE_BENEATH | RESOLVE_NO_XDEV),
	};

	return (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
}

/*
 * The trust store that admits into the kernel is the protected one, read
 * once, by descriptor: MODGUARD_SYSCONFDIR/trust.d, or with -C another entry
 * of MODGUARD_SYSCONFDIR named exactly as MODGUARD_SYSCONFDIR/NAME (one
 * component: the string is checked, then opened beneath the directory, so
 * no link or path trick can name anything else).  The deny list is
 * required: every failure to read it is a refusal, never "no revocations"
 * (another LSM or BPF program can make any open fail with any errno).
 * Without protected_only (a dry run, which admits nothing) -C names any
 * store and a deny list that does not exist is no deny list.
 */
int trust_open(const char *narrow, bool protected_only, struct modguard_trust **out)
{
	static const char conf[] = MODGUARD_SYSCONFDIR;
	struct modguard_trust *t = NULL;
	struct modguard_err err = { 0 };
	const char *name = "trust.d", *shown = TRUST_DIR;
	/* A dry run against a store outside the sysconfdir. */
	bool elsewhere = narrow && !protected_only;
	int cfd = -1, sfd = -1, dfd = -1, r = -EXIT_USAGE;

	if (narrow && protected_only) {
		size_t n = strlen(conf);

		if (strncmp(narrow, conf, n) || narrow[n] != '/' || !narrow[n + 1] ||
		    narrow[n + 1] == '.' || strchr(narrow + n + 1, '/')) {
			msg("%s: only a store named %s/NAME (one entry, no link) may admit modules",
			    narrow, conf);
			return -EXIT_USAGE;
		}
		name = narrow + n + 1;
		shown = narrow;
	}
	if (modguard_trust_new(&t)) {
		msg("out of memory");
		return -EXIT_USAGE;
	}
	cfd = conf_open(AT_FDCWD, conf, O_RDONLY | O_DIRECTORY);
	if (elsewhere) {
		shown = narrow;
		sfd = open(narrow, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	} else if (cfd >= 0) {
		sfd = conf_open(cfd, name, O_RDONLY | O_NONBLOCK);
	}
	if (sfd < 0) {
		msg("%s: cannot open the trust store: %s", cfd < 0 && !elsewhere ? conf : shown,
		    strerror(errno));
		goto out;
	}
	if (modguard_trust_add_fd(t, sfd, &err)) {
		msg("%s: %s", shown, err.msg);
		goto out;
	}
	/* A dry run: the deny list if there is one. */
	errno = ENOENT;
	if (cfd >= 0)
		dfd = conf_open(cfd, "deny.list", O_RDONLY | O_NONBLOCK);
	if (dfd < 0 && (protected_only || errno != ENOENT)) {
		msg("%s: cannot open the deny list: %s%s", DENY_LIST, strerror(errno),
		    errno == ENOENT ? " (required: an empty file revokes nothing; guard start and "
				      "setup create it)" :
				      "");
		goto out;
	}
	if (dfd >= 0 && modguard_trust_load_denylist_fd(t, dfd, &err)) {
		msg("%s: %s", DENY_LIST, err.msg);
		goto out;
	}
	if (modguard_trust_count(t) == 0) {
		msg("%s: no trusted certificates", shown);
		goto out;
	}
	*out = t;
	t = NULL;
	r = 0;
out:
	modguard_trust_free(t);
	if (cfd >= 0)
		close(cfd);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--debug] guard start [--boot|--early] | fallback [--boot] | status | log [--timeout SEC]\n"
		"       %s admit [-q] [-n] [-C TRUST] FILE... | --tree DIR\n"
		"       %s load FILE [PARAM...]\n"
		"       %s load-chain FILE PARAMS [FILE PARAMS]...\n"
		"       %s trust-add CERT\n",
		prog, prog, prog, prog, prog);
}

/*
 * Nothing from the caller's environment reaches the libraries: OPENSSL_CONF,
 * OPENSSL_MODULES and friends could make libcrypto dlopen() a provider into
 * this process, and openssl.cnf can do the same, so it is never read either.
 * The trusted program's behaviour depends on its arguments and on the
 * protected files in the sysconfdir only.  What runs before main (the C
 * library's start-up reads GLIBC_TUNABLES, libcrypto's CPU detection
 * OPENSSL_ia32cap) is closed by the guard: it refuses an exec of this
 * program that carries any environment, so callers pass none.
 */
static void harden(bool keep_debug, bool lean)
{
	const char *debug = getenv("MODGUARD_DEBUG");

	keep_debug = keep_debug || (debug && *debug);
	clearenv();
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	if (keep_debug)
		setenv("MODGUARD_DEBUG", "1", 1);
	/*
	 * lean (admit, load): no legacy cipher and digest name tables either.
	 * Filling them, and then copying them into the provider name map on the
	 * first fetch, was a quarter of the instructions of a one-module admit;
	 * lib/verify fetches its digests from the provider by name.  trust-add
	 * keeps them: X509_verify() looks its digest up in those tables.
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT |
				    (lean ? OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
						     OPENSSL_INIT_NO_ADD_ALL_DIGESTS :
					    0),
			    NULL);
}

/* The verbs; lean: start OpenSSL without its legacy name tables (see harden). */
static const struct verb {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	bool lean;
} verbs[] = {
	{ "guard", cmd_guard, false },
	{ "admit", cmd_admit, true },
	{ "load", cmd_load, true },
	{ "load-chain", cmd_load_chain, true },
	{ "trust-add", cmd_trust_add, false },
};

/*
 * What the caller leaves in the process that exec keeps: core-dump settings,
 * descriptors, ignored signals, rlimits, personality.  docs/threat-model.md
 * has the whole surface; this closes what user space can.  0, or -1 after a
 * message (the process must not go on).
 */
static int process_harden(void)
{
	struct rlimit unl = { RLIM_INFINITY, RLIM_INFINITY }, none = { 0, 0 };
	struct rlimit nofile;
	int pers;

	/*
	 * Never dump core: the kernel would write the core as this task, to a
	 * path root chose with core_pattern (the guard also stops exempting a
	 * dumping task, which covers the instructions before this one).
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || setrlimit(RLIMIT_CORE, &none)) {
		msg("cannot turn core dumps off: %s", strerror(errno));
		return -1;
	}
	/*
	 * 0, 1 and 2 open (else the first file opened would become stdout and
	 * take the messages); nothing else inherited.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) {
			msg("cannot open /dev/null as fd %d: %s", fd, strerror(errno));
			return -1;
		}
	if (syscall(SYS_close_range, 3U, ~0U, 0) < 0) {
		msg("cannot close inherited descriptors: %s", strerror(errno));
		return -1;
	}
	/* A write over RLIMIT_FSIZE fails with EFBIG instead of killing us. */
	signal(SIGXFSZ, SIG_IGN);
	umask(022);
	/* Limits root set to make an open or a write fail where it must not: raised.
	 * (Lowered again from outside, they only make an operation fail.) */
	setrlimit(RLIMIT_FSIZE, &unl);
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < 1024) {
		nofile.rlim_cur = nofile.rlim_max = 1024;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	/* ADDR_NO_RANDOMIZE and friends survive exec; they only weaken us. */
	pers = personality(0xffffffff);
	if (pers != -1 && (pers & ~PER_MASK)) {
		msg("refusing to run with personality flags 0x%x (setarch): they survive exec and weaken this program",
		    (unsigned)(pers & ~PER_MASK));
		return -1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	/* --debug: MODGUARD_DEBUG, which the callers cannot pass as a variable. */
	bool debug = argc >= 2 && !strcmp(argv[1], "--debug");
	const struct verb *v = NULL;

	if (process_harden())
		return EXIT_USAGE;

	if (debug) {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	for (size_t i = 0; argc >= 2 && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			v = &verbs[i];
	harden(debug, v && v->lean);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Handed off from the initramfs, not yet checked (identity.h): only the
	 * hand-off itself and the read-only views run. */
	if (v &&
	    !(v->fn == cmd_guard && argc >= 3 &&
	      (!strcmp(argv[2], "start") || !strcmp(argv[2], "dump") ||
	       !strcmp(argv[2], "events"))) &&
	    handoff_pending()) {
		msg("refused: the guard started in the initramfs has not completed its hand-off to this program (guard start --boot does it; see the journal of modguard.service)");
		return EXIT_DENIED;
	}
	if (v)
		return v->fn(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	msg("unknown command \"%s\"", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
