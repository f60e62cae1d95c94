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
 * The trust store that admits into the kernel must be the protected one: a
 * store anywhere else would let whoever writes it admit anything.  -C may
 * narrow the store to a file or directory inside the sysconfdir, nothing more.
 */
int trust_open(const char *override, bool protected_only, struct modguard_trust **out)
{
	char real[PATH_MAX], base[PATH_MAX];
	struct modguard_trust *t = NULL;
	struct modguard_err err = { 0 };
	const char *path = override ? override : TRUST_DIR;
	size_t n;

	if (override && protected_only) {
		if (!realpath(override, real)) {
			msg("%s: %s", override, strerror(errno));
			return -EXIT_USAGE;
		}
		if (!realpath(MODGUARD_SYSCONFDIR, base))
			snprintf(base, sizeof(base), "%s", MODGUARD_SYSCONFDIR);
		n = strlen(base);
		if (strncmp(real, base, n) || (real[n] != '/' && real[n] != 0)) {
			msg("%s: trust store is outside %s; only the protected store may admit modules",
			    override, MODGUARD_SYSCONFDIR);
			return -EXIT_USAGE;
		}
	}
	if (modguard_trust_new(&t)) {
		msg("out of memory");
		return -EXIT_USAGE;
	}
	if (modguard_trust_add_path(t, path, &err)) {
		msg("%s: %s", path, err.msg);
		modguard_trust_free(t);
		return -EXIT_USAGE;
	}
	if (access(DENY_LIST, F_OK) == 0 && modguard_trust_load_denylist(t, DENY_LIST, &err)) {
		msg("%s: %s", DENY_LIST, err.msg);
		modguard_trust_free(t);
		return -EXIT_USAGE;
	}
	if (modguard_trust_count(t) == 0) {
		msg("%s: no trusted certificates", path);
		modguard_trust_free(t);
		return -EXIT_USAGE;
	}
	*out = t;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--debug] guard start [--boot] | fallback [--boot] | status | log [--timeout SEC]\n"
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

int main(int argc, char *argv[])
{
	/* --debug: MODGUARD_DEBUG, which the callers cannot pass as a variable. */
	bool debug = argc >= 2 && !strcmp(argv[1], "--debug");
	const struct verb *v = NULL;

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
