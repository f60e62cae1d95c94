// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard status [--json]: is the guard up, how is it set, what does it
 * trust, and where did every module in the kernel come from.
 *
 * The guard's maps are readable by the trusted program only, so the guard's
 * own figures come from "modguard-loader guard dump", formatted as
 * "modguard guard status" formats them (guard-view.c).  Provenance of loaded modules comes from what
 * the kernel says about each of them (its taint flags: 'E' means the
 * kernel's own keys did not verify it) and from the list of modules present
 * before the guard started, which modguard.service records in
 * /run/modguard/before-guard.  Any module the kernel did not verify and that
 * the owner's trust store does not verify either is critical: it can only
 * have entered before the guard, or with the guard down.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libkmod.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "commands.h"
#include "common.h"
#include "exec.h"
#include "guard-view.h"

#define RUN_DIR MODGUARD_RUNDIR
#define BEFORE_GUARD RUN_DIR "/before-guard"
#define PIN_GUARD "/sys/fs/bpf/modguard/admitted"
#define PIN_PROTECT "/sys/fs/bpf/modguard-protect/inodes"
#define UNIT_LINK "/etc/systemd/system/sysinit.target.wants/modguard.service"
#define MAX_LINES 256

struct kv {
	char key[64];
	char val[448];
};

struct guard_info {
	bool running, locked, bpf_lsm, unit_enabled, modules_disabled, maintenance;
	bool sig_enforce, fallback_pending; /* the boot fallback's first step */
	struct kv kv[64];
	unsigned nkv;
	char denials[16][512];
	unsigned ndenials;
	char error[512];
};

struct mod {
	char name[64];
	char taint[16];
	char path[512];
	char provenance[32];
	char signer[256];
	bool before_guard, out_of_tree, critical;
};

struct cert {
	char file[256];
	char subject[256];
	char fingerprint[65];
	char not_after[64];
};

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static const char *kv_get(const struct guard_info *g, const char *key)
{
	for (unsigned i = 0; i < g->nkv; i++)
		if (!strcmp(g->kv[i].key, key))
			return g->kv[i].val;
	return NULL;
}

/*
 * The guard's state from "modguard-loader guard dump", as the "key: value"
 * lines and denials of "modguard guard status" (one formatter for both).
 */
static void guard_query(struct guard_info *g)
{
	struct mg_snapshot *s = calloc(1, sizeof(*s));
	char line[1024], *text = NULL;
	bool in_recent = false;
	size_t tlen = 0;
	FILE *f;

	if (!s) {
		snprintf(g->error, sizeof(g->error), "out of memory");
		return;
	}
	if (mg_guard_snapshot(s, g->error, sizeof(g->error)) != EXIT_OK ||
	    !(f = open_memstream(&text, &tlen))) {
		free(s);
		return;
	}
	mg_guard_status_print(f, s);
	free(s);
	if (fclose(f))
		return;
	f = fmemopen(text, tlen, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *c;

		line[strcspn(line, "\r\n")] = 0;
		if (!strcmp(line, "recent:")) {
			in_recent = true;
			continue;
		}
		if (in_recent && line[0] == ' ') {
			const char *t = line + strspn(line, " ");

			if ((!strncmp(t, "denied", 6) || !strncmp(t, "would-deny", 10)) &&
			    g->ndenials < 16)
				snprintf(g->denials[g->ndenials++], sizeof(g->denials[0]), "%s", t);
			continue;
		}
		in_recent = false;
		c = strstr(line, ": ");
		if (line[0] != ' ' && c && g->nkv < 64) {
			*c = 0;
			snprintf(g->kv[g->nkv].key, sizeof(g->kv[0].key), "%.63s", line);
			snprintf(g->kv[g->nkv].val, sizeof(g->kv[0].val), "%.447s", c + 2);
			g->nkv++;
		}
	}
	if (f)
		fclose(f);
	free(text);
	g->running = kv_get(g, "guard") != NULL;
}

static void guard_probe(struct guard_info *g)
{
	char buf[512];

	g->locked = access(PIN_PROTECT, F_OK) == 0;
	g->unit_enabled = access(UNIT_LINK, F_OK) == 0;
	if (read_line("/proc/sys/kernel/modules_disabled", buf, sizeof(buf)))
		g->modules_disabled = buf[0] == '1';
	if (read_line("/sys/module/module/parameters/sig_enforce", buf, sizeof(buf)))
		g->sig_enforce = buf[0] == 'Y';
	g->fallback_pending = access(RUN_DIR "/fallback-pending", F_OK) == 0;
	if (read_line("/sys/kernel/security/lsm", buf, sizeof(buf))) {
		for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
			if (!strcmp(t, "bpf"))
				g->bpf_lsm = true;
	}
	{
		char cmd[4096] = "";
		FILE *f = fopen("/proc/cmdline", "re");

		if (f) {
			if (fgets(cmd, sizeof(cmd), f))
				for (char *t = strtok(cmd, " \n"); t; t = strtok(NULL, " \n"))
					if (!strcmp(t, "modguard.off"))
						g->maintenance = true;
			fclose(f);
		}
	}
	if (access(PIN_GUARD, F_OK) == 0 || g->locked)
		guard_query(g);
}

static void cert_load(const char *dir, const char *name, struct cert *c)
{
	char path[512];
	unsigned char md[32];
	unsigned int n = 0;
	X509 *x = NULL;
	BIO *b;

	snprintf(c->file, sizeof(c->file), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	b = BIO_new_file(path, "rb");
	if (b) {
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (!x && BIO_reset(b) == 0)
			x = d2i_X509_bio(b, NULL);
		BIO_free(b);
	}
	if (!x) {
		snprintf(c->subject, sizeof(c->subject), "(not a certificate)");
		return;
	}
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, c->subject,
				  sizeof(c->subject));
	if (X509_digest(x, EVP_sha256(), md, &n) && n == 32)
		for (unsigned i = 0; i < 32; i++)
			sprintf(c->fingerprint + 2 * i, "%02x", md[i]);
	{
		BIO *m = BIO_new(BIO_s_mem());
		char *p;
		long len;

		if (m && ASN1_TIME_print(m, X509_get0_notAfter(x))) {
			len = BIO_get_mem_data(m, &p);
			snprintf(c->not_after, sizeof(c->not_after), "%.*s", (int)len, p);
		}
		BIO_free(m);
	}
	X509_free(x);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned trust_list(struct cert *certs, unsigned max)
{
	const char *dir = MODGUARD_SYSCONFDIR "/trust.d";
	char *names[256];
	unsigned n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < 256 && n < max)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (unsigned i = 0; i < n; i++) {
		memset(&certs[i], 0, sizeof(certs[i]));
		cert_load(dir, names[i], &certs[i]);
		free(names[i]);
	}
	return n;
}

static bool in_before(char before[][64], unsigned nbefore, const char *name)
{
	for (unsigned i = 0; i < nbefore; i++)
		if (!strcmp(before[i], name))
			return true;
	return false;
}

/* Every loaded module, with what the kernel and the trust store say about it. */
static unsigned modules_scan(struct mod **out, const struct guard_info *g, bool *have_snapshot)
{
	static char before[2048][64];
	unsigned nbefore = 0, n = 0, cap = 256;
	struct modguard_trust *trust = NULL;
	struct kmod_ctx *ctx;
	struct mod *mods = calloc(cap, sizeof(*mods));
	char line[512];
	FILE *f;

	*have_snapshot = false;
	f = fopen(BEFORE_GUARD, "re");
	if (f) {
		*have_snapshot = true;
		while (fgets(line, sizeof(line), f) && nbefore < 2048)
			if (line[0] != '#' && sscanf(line, "%63s", before[nbefore]) == 1)
				nbefore++;
		fclose(f);
	}
	if (access(MODGUARD_SYSCONFDIR "/trust.d", F_OK) == 0) {
		char *c[] = { MODGUARD_SYSCONFDIR "/trust.d" },
		     *dl[] = { MODGUARD_SYSCONFDIR "/deny.list" };
		bool deny = access(dl[0], F_OK) == 0;
		FILE *saved = stderr;

		/* A broken store is reported by the loader; here it only means "cannot attribute". */
		stderr = fopen("/dev/null", "we");
		if (!stderr)
			stderr = saved;
		if (mg_trust_load(&trust, c, 1, dl, deny ? 1 : 0) != EXIT_OK)
			trust = NULL;
		if (stderr != saved)
			fclose(stderr);
		stderr = saved;
	}
	ctx = kmod_new(NULL, NULL);
	f = fopen("/proc/modules", "re");
	while (mods && f && fgets(line, sizeof(line), f)) {
		struct mod *m;
		char path[128];

		if (n == cap) {
			struct mod *nm = realloc(mods, 2 * cap * sizeof(*mods));

			if (!nm)
				break;
			mods = nm;
			memset(mods + cap, 0, cap * sizeof(*mods));
			cap *= 2;
		}
		m = &mods[n];
		if (sscanf(line, "%63s", m->name) != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/module/%s/taint", m->name);
		if (!read_line(path, m->taint, sizeof(m->taint)))
			m->taint[0] = 0;
		m->out_of_tree = strchr(m->taint, 'O') != NULL;
		m->before_guard = *have_snapshot && in_before(before, nbefore, m->name);
		if (ctx) {
			struct kmod_module *km = NULL;

			if (kmod_module_new_from_name(ctx, m->name, &km) == 0 && km) {
				const char *p = kmod_module_get_path(km);

				if (p)
					snprintf(m->path, sizeof(m->path), "%s", p);
				kmod_module_unref(km);
			}
		}
		if (!strchr(m->taint, 'E')) {
			/* The kernel verified it with its own keys (built-in, secondary, machine). */
			snprintf(m->provenance, sizeof(m->provenance), "kernel-keys");
		} else {
			struct modguard_verify_result res = { 0 };
			struct modguard_err err = { 0 };
			uint8_t *buf = NULL;
			size_t len = 0;
			bool verified = false;

			if (trust && m->path[0] &&
			    modguard_file_read(m->path, &buf, &len, &err) == 0) {
				verified = modguard_verify_buffer(trust, buf, len, 0, &res, &err) ==
					   0;
				free(buf);
			}
			if (verified)
				snprintf(m->signer, sizeof(m->signer), "%s", res.signer);
			if (verified && !m->before_guard && g->running)
				snprintf(m->provenance, sizeof(m->provenance), "admitted");
			else if (verified)
				snprintf(m->provenance, sizeof(m->provenance), "owner-signed");
			else {
				snprintf(m->provenance, sizeof(m->provenance), "unverified");
				m->critical = true;
			}
		}
		n++;
	}
	if (f)
		fclose(f);
	if (ctx)
		kmod_unref(ctx);
	modguard_trust_free(trust);
	*out = mods;
	return n;
}

static void json_kv(const char *k, const char *v, bool comma)
{
	mg_json_str(k);
	putchar(':');
	mg_json_str(v ? v : "");
	if (comma)
		putchar(',');
}

static void json_bool(const char *k, bool v, bool comma)
{
	mg_json_str(k);
	printf(":%s%s", v ? "true" : "false", comma ? "," : "");
}

static unsigned policy_lines(char lines[][256], unsigned max)
{
	char buf[512];
	unsigned n = 0;
	FILE *f = fopen(MODGUARD_SYSCONFDIR "/policy", "re");

	if (!f)
		return 0;
	while (n < max && fgets(buf, sizeof(buf), f)) {
		char *h = strchr(buf, '#'), *s = buf, *e;

		if (h)
			*h = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		if (*s)
			snprintf(lines[n++], 256, "%s", s);
	}
	fclose(f);
	return n;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: modguard status [--json]\n"
		"  Guard state and mode, policy, trust store, counters, last denials, and\n"
		"  the provenance of every module in the kernel.\n"
		"  Exit 0 when the guard runs and nothing is critical, 1 otherwise, 2 on errors.\n");
}

int cmd_status(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct guard_info g = { 0 };
	struct cert certs[64];
	char policy[64][256], critical[64][320], taint[32] = "";
	unsigned ncerts, npolicy, ncrit = 0, nmods;
	unsigned c_kernel = 0, c_admitted = 0, c_owner = 0, c_unverified = 0, c_before = 0,
		 c_oot = 0;
	struct mod *mods = NULL;
	bool json = false, snapshot;
	const char *state;
	int c;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	guard_probe(&g);
	ncerts = trust_list(certs, 64);
	npolicy = policy_lines(policy, 64);
	nmods = modules_scan(&mods, &g, &snapshot);
	read_line("/proc/sys/kernel/tainted", taint, sizeof(taint));

	if (g.running && g.locked)
		state = "running";
	else if (g.running)
		state = "running-unsealed";
	else if (g.maintenance && (g.modules_disabled || (g.sig_enforce && g.fallback_pending)))
		state = "maintenance";
	else if (g.modules_disabled)
		state = "fail-closed";
	else if (g.sig_enforce && g.fallback_pending)
		state = "fail-closed-pending";
	else
		state = "not-running";

	if (!g.running)
		snprintf(
			critical[ncrit++], sizeof(critical[0]), "%s",
			g.modules_disabled ?
				"guard not running: kernel.modules_disabled = 1 (no module can load until reboot)" :
			g.sig_enforce && g.fallback_pending ?
				"guard not running: module.sig_enforce = 1 (only modules the kernel's own keys verify can load); kernel.modules_disabled = 1 follows once the boot-time modules are loaded (modguard-fallback.service)" :
				"guard not running: modules are NOT protected");
	else if (!g.locked)
		snprintf(critical[ncrit++], sizeof(critical[0]),
			 "guard running without its self-protection: root can undo it");
	if (!g.bpf_lsm)
		snprintf(
			critical[ncrit++], sizeof(critical[0]),
			"bpf is not in the active LSM list (/sys/kernel/security/lsm): run modguard setup, then reboot");
	if (!g.unit_enabled && access(UNIT_LINK, F_OK) != 0)
		snprintf(
			critical[ncrit++], sizeof(critical[0]),
			"modguard.service is not enabled: the guard will not start at the next boot");
	if (g.running && kv_get(&g, "mode") && strcmp(kv_get(&g, "mode"), "enforce"))
		snprintf(critical[ncrit++], sizeof(critical[0]),
			 "guard in %s mode: refusals are reported, not enforced",
			 kv_get(&g, "mode"));
	for (unsigned i = 0; i < nmods; i++) {
		struct mod *m = &mods[i];

		c_kernel += !strcmp(m->provenance, "kernel-keys");
		c_admitted += !strcmp(m->provenance, "admitted");
		c_owner += !strcmp(m->provenance, "owner-signed");
		c_unverified += m->critical;
		c_before += m->before_guard;
		c_oot += m->out_of_tree;
		if (m->critical && ncrit < 64)
			snprintf(
				critical[ncrit++], sizeof(critical[0]),
				"module %s (taint %s) is in the kernel unverified: neither the kernel's keys nor the trust store vouch for it%s",
				m->name, m->taint[0] ? m->taint : "-",
				m->before_guard ?
					"; it was loaded before the guard started (initramfs?)" :
					"");
	}

	if (json) {
		printf("{\"guard\":{");
		json_kv("state", state, true);
		json_bool("running", g.running, true);
		json_bool("sealed", g.locked, true);
		json_bool("bpf_lsm", g.bpf_lsm, true);
		json_bool("unit_enabled", g.unit_enabled, true);
		json_bool("modules_disabled", g.modules_disabled, true);
		json_bool("sig_enforce", g.sig_enforce, true);
		json_bool("fallback_pending", g.fallback_pending, true);
		json_bool("before_guard_snapshot", snapshot, true);
		printf("\"figures\":{");
		for (unsigned i = 0; i < g.nkv; i++) {
			if (!strcmp(g.kv[i].key, "guard"))
				continue;
			json_kv(g.kv[i].key, g.kv[i].val, i + 1 < g.nkv);
		}
		printf("}},\"policy\":[");
		for (unsigned i = 0; i < npolicy; i++) {
			mg_json_str(policy[i]);
			if (i + 1 < npolicy)
				putchar(',');
		}
		printf("],\"trust_store\":[");
		for (unsigned i = 0; i < ncerts; i++) {
			putchar('{');
			json_kv("file", certs[i].file, true);
			json_kv("subject", certs[i].subject, true);
			json_kv("sha256", certs[i].fingerprint, true);
			json_kv("not_after", certs[i].not_after, false);
			printf("}%s", i + 1 < ncerts ? "," : "");
		}
		printf("],\"counts\":{\"modules\":%u,\"kernel_keys\":%u,\"admitted\":%u,"
		       "\"owner_signed\":%u,\"unverified\":%u,\"before_guard\":%u,\"out_of_tree\":%u},",
		       nmods, c_kernel, c_admitted, c_owner, c_unverified, c_before, c_oot);
		json_kv("kernel_tainted", taint, true);
		printf("\"denials\":[");
		for (unsigned i = 0; i < g.ndenials; i++) {
			mg_json_str(g.denials[i]);
			if (i + 1 < g.ndenials)
				putchar(',');
		}
		printf("],\"modules\":[");
		for (unsigned i = 0; i < nmods; i++) {
			struct mod *m = &mods[i];

			putchar('{');
			json_kv("name", m->name, true);
			json_kv("provenance", m->provenance, true);
			json_kv("signer", m->signer, true);
			json_kv("taint", m->taint, true);
			json_kv("file", m->path, true);
			json_bool("before_guard", m->before_guard, true);
			json_bool("out_of_tree", m->out_of_tree, true);
			json_bool("critical", m->critical, false);
			printf("}%s", i + 1 < nmods ? "," : "");
		}
		printf("],\"critical\":[");
		for (unsigned i = 0; i < ncrit; i++) {
			mg_json_str(critical[i]);
			if (i + 1 < ncrit)
				putchar(',');
		}
		printf("]}\n");
	} else {
		const char *v;

		printf("guard:        %s%s\n", state,
		       g.running && g.locked ? " (sealed until reboot)" : "");
		if ((v = kv_get(&g, "mode")))
			printf("mode:         %s, trust_kernel_keys %s, loader_only %s\n", v,
			       kv_get(&g, "trust_kernel_keys") ?: "?",
			       kv_get(&g, "loader_only") ?: "?");
		printf("bpf LSM:      %s\n", g.bpf_lsm ? "active" : "NOT ACTIVE");
		if (!g.running)
			printf("loading:      kernel.modules_disabled %d, module.sig_enforce %s%s\n",
			       g.modules_disabled, g.sig_enforce ? "Y" : "N",
			       g.fallback_pending && !g.modules_disabled ?
				       ", modules_disabled pending (modguard-fallback.service)" :
				       "");
		printf("unit:         modguard.service %s\n",
		       g.unit_enabled ? "enabled" : "NOT ENABLED");
		/* Attached only when a protected file was open for writing at the lock. */
		if ((v = kv_get(&g, "write hook")))
			printf("write hook:   %s\n", v);
		if ((v = kv_get(&g, "kernel_digest")))
			printf("admission:    %s\n",
			       !strncmp(v, "yes", 3) ?
				       "by the kernel's digest of the signed part" :
				       "by the file's SHA-256 (the guard hashes each file)");
		if ((v = kv_get(&g, "kernel_hash")))
			printf("kernel hash:  %s\n", v);
		if (g.error[0] && !g.running)
			printf("loader:       %s\n", g.error);
		printf("policy:       %s/policy%s\n", MODGUARD_SYSCONFDIR,
		       npolicy ? "" : " (absent or empty: defaults)");
		for (unsigned i = 0; i < npolicy; i++)
			printf("              %s\n", policy[i]);
		printf("trust store:  %s/trust.d, %u certificate%s\n", MODGUARD_SYSCONFDIR, ncerts,
		       ncerts == 1 ? "" : "s");
		for (unsigned i = 0; i < ncerts; i++)
			printf("              %s: CN=%s sha256:%.16s… until %s\n", certs[i].file,
			       certs[i].subject, certs[i].fingerprint, certs[i].not_after);
		if (g.running)
			printf("counters:     admitted %s, allowed %s, denied %s, would-deny %s, deferred %s\n",
			       kv_get(&g, "admitted") ?: "?", kv_get(&g, "allowed") ?: "?",
			       kv_get(&g, "denied") ?: "?", kv_get(&g, "would_deny") ?: "?",
			       kv_get(&g, "deferred") ?: "?");
		printf("modules:      %u loaded: %u kernel-keys, %u admitted, %u owner-signed, %u UNVERIFIED; "
		       "%u before the guard%s, %u out-of-tree\n",
		       nmods, c_kernel, c_admitted, c_owner, c_unverified, c_before,
		       snapshot ? "" : " (no record of what loaded before the guard)", c_oot);
		printf("kernel taint: %s\n", taint[0] ? taint : "?");
		printf("last denials:%s\n", g.ndenials ? "" : " none");
		for (unsigned i = 0; i < g.ndenials; i++)
			printf("  %s\n", g.denials[i]);
		printf("\n%-24s %-13s %-6s %s\n", "MODULE", "PROVENANCE", "TAINT", "SIGNER / NOTE");
		for (unsigned i = 0; i < nmods; i++) {
			struct mod *m = &mods[i];

			printf("%s%-22s %-13s %-6s %s%s%s\n",
			       m->critical    ? "!!" :
			       m->out_of_tree ? "! " :
						"  ",
			       m->name, m->provenance, m->taint[0] ? m->taint : "-", m->signer,
			       m->before_guard ?
				       (m->signer[0] ? " (before guard)" : "before guard") :
				       "",
			       m->critical ? " CRITICAL" : "");
		}
		if (ncrit) {
			printf("\nCRITICAL:\n");
			for (unsigned i = 0; i < ncrit; i++)
				printf("  %s\n", critical[i]);
		} else {
			printf("\nstatus: clean\n");
		}
	}
	free(mods);
	return ncrit ? EXIT_INVALID : EXIT_OK;
}
