// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard setup: one guided command that turns modguard on for a fresh
 * install.  It makes (or imports) the owner's key, fills the sysconfdir
 * (trust store, policy, admit list), checks that the BPF LSM is active and
 * arranges it through GRUB if not, points DKMS at the owner's key, enables
 * the unit, and signs the third-party modules already installed, which the
 * unit then admits at every boot.  Nothing starts before the next boot: the
 * guard, once started, holds until reboot, so that step is the owner's.
 *
 * Idempotent: an existing key, policy or admit list is kept.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"

#define ETC MODGUARD_SYSCONFDIR
#define TRUST ETC "/trust.d"
#define OWNER_CRT TRUST "/owner.crt"
#define KEY_DIR_DEFAULT "/var/lib/modguard"
#define UNIT "modguard.service"
#define UNIT_LINK "/etc/systemd/system/sysinit.target.wants/" UNIT
#define GRUB_DROPIN_DIR "/etc/default/grub.d"
#define DKMS_CONF_DIR "/etc/dkms/framework.conf.d"

static const char deny_text[] =
	"# modguard deny list: lines \"cert <sha256 of the DER certificate>\" or\n"
	"# \"module <sha256 of the module>\".  Read at every admission; protected while\n"
	"# the guard runs.\n";

static const char policy_text[] =
	"# modguard policy: \"key = value\" lines; see modguard-guard(1) and docs/admin.md.\n"
	"# Read once per boot by the trusted program; protected while the guard runs.\n"
	"mode = enforce\n"
	"trust_kernel_keys = yes\n"
	"loader_only = no\n"
	"# The kernel's SHA-256 of each module with its fastest driver (IMA's ahash path).\n"
	"fast_kernel_hash = yes\n"
	"# What happens if the guard cannot start: modules_disabled (fail closed) or none.\n"
	"fallback = modules_disabled\n"
	"# Also protected until reboot: the record of modules loaded before the guard,\n"
	"# the hooks and the DKMS settings modguard setup wrote, the signing key's directory.\n"
	"protect = /run/modguard\n"
	"protect = /etc/kernel/postinst.d/zz-modguard\n"
	"protect = /etc/dkms/framework.conf.d/modguard.conf\n"
	"protect = " KEY_DIR_DEFAULT "\n";

static const char admit_text[] =
	"# Directories whose modules modguard.service admits at every boot, one per line,\n"
	"# besides /lib/modules/KVER/{updates,extra,misc}.  %k stands for the running\n"
	"# kernel release.  Only modules signed by a key in trust.d are admitted.\n";

static bool quiet;

static void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void step(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	fputs("setup: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Run argv; its exit status, or -1. */
static int run(char *const argv[], bool silent)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (silent) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int write_bytes(const char *path, const char *text, size_t len, mode_t mode)
{
	char tmp[512];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.setup-tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd)) {
		mg_error("%s: cannot write: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path)) {
		mg_error("%s: cannot rename into place: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	return write_bytes(path, text, strlen(text), mode);
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	FILE *f = fopen(from, "re");
	size_t n, len = 0;
	char *text = NULL;
	int ret;

	if (!f) {
		mg_error("%s: %s", from, strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		char *t = realloc(text, len + n + 1);

		if (!t) {
			free(text);
			fclose(f);
			return -1;
		}
		text = t;
		memcpy(text + len, buf, n);
		len += n;
	}
	fclose(f);
	if (!text || len > 1 << 20) {
		mg_error("%s: expected a key or certificate, found %s", from,
			 text ? "a large file" : "nothing");
		free(text);
		return -1;
	}
	ret = write_bytes(to, text, len, mode);
	free(text);
	return ret;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -1;
	return 0;
}

static bool lsm_has_bpf(char *list, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "re");
	bool found = false;
	char copy[512];

	list[0] = 0;
	if (!f)
		return false;
	if (fgets(list, (int)len, f))
		list[strcspn(list, "\n")] = 0;
	fclose(f);
	snprintf(copy, sizeof(copy), "%s", list);
	for (char *t = strtok(copy, ","); t; t = strtok(NULL, ","))
		if (!strcmp(t, "bpf"))
			found = true;
	return found;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: modguard setup [--cn NAME] [--key-dir DIR]\n"
		"                      [--import-cert CERT [--import-key KEY]]\n"
		"                      [--no-sign] [--no-enable] [--quiet]\n"
		"Turn modguard on: owner key, %s, BPF LSM check, DKMS signing, the unit,\n"
		"third-party modules.  The guard starts at the next boot.\n\n"
		"      --cn NAME          common name of a generated key\n"
		"      --key-dir DIR      where the owner's signing key lives (default %s)\n"
		"      --import-cert CERT trust this certificate instead of generating a key\n"
		"      --import-key KEY   its private key (for DKMS signing); omit to keep it offline\n"
		"      --no-sign          do not sign installed third-party modules\n"
		"      --no-enable        do not enable %s\n"
		"  -q, --quiet            print only warnings and errors\n"
		"Exit status: 0 done, 1 done but a reboot or an action is needed, 2 error.\n",
		ETC, KEY_DIR_DEFAULT, UNIT);
}

int cmd_setup(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "cn", required_argument, NULL, 'n' },
		{ "key-dir", required_argument, NULL, 'd' },
		{ "import-cert", required_argument, NULL, 'c' },
		{ "import-key", required_argument, NULL, 'k' },
		{ "no-sign", no_argument, NULL, 'S' },
		{ "no-enable", no_argument, NULL, 'E' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cn = NULL, *key_dir = KEY_DIR_DEFAULT, *imp_cert = NULL, *imp_key = NULL;
	char key[512], crt[512], prefix[480], lsm[512], buf[2048];
	bool do_sign = true, do_enable = true, have_key, action = false;
	struct utsname u;
	int c;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			cn = optarg;
			break;
		case 'd':
			key_dir = optarg;
			break;
		case 'c':
			imp_cert = optarg;
			break;
		case 'k':
			imp_key = optarg;
			break;
		case 'S':
			do_sign = false;
			break;
		case 'E':
			do_enable = false;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || (imp_key && !imp_cert)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		mg_error("must run as root: it writes %s and enables %s", ETC, UNIT);
		return EXIT_USAGE;
	}
	if (access("/sys/fs/bpf/modguard-protect/inodes", F_OK) == 0) {
		mg_error(
			"the guard is running and protects %s until reboot; setup changes nothing now "
			"(boot with modguard.off on the kernel command line to reconfigure)",
			ETC);
		return EXIT_INVALID;
	}
	if (uname(&u)) {
		mg_error("uname: %s", strerror(errno));
		return EXIT_USAGE;
	}

	/* 1. The owner's key and the trust store. */
	if (mkdir_p(TRUST, 0755) || mkdir_p(key_dir, 0700)) {
		mg_error("cannot create %s and %s: %s", TRUST, key_dir, strerror(errno));
		return EXIT_USAGE;
	}
	chmod(key_dir, 0700);
	snprintf(prefix, sizeof(prefix), "%.470s/owner", key_dir);
	snprintf(key, sizeof(key), "%.500s.key", prefix);
	snprintf(crt, sizeof(crt), "%.500s.crt", prefix);
	if (imp_cert) {
		if (copy_file(imp_cert, OWNER_CRT, 0644))
			return EXIT_USAGE;
		step("trusting %s (as %s)", imp_cert, OWNER_CRT);
		if (imp_key) {
			if (copy_file(imp_key, key, 0600) || copy_file(imp_cert, crt, 0644))
				return EXIT_USAGE;
			step("signing key for DKMS: %s", key);
		}
	} else if (access(key, F_OK) == 0 && access(crt, F_OK) == 0) {
		step("keeping the existing owner key %s", key);
		if (access(OWNER_CRT, F_OK) != 0 && copy_file(crt, OWNER_CRT, 0644))
			return EXIT_USAGE;
	} else {
		char *kg[] = { "/proc/self/exe",
			       "keygen",
			       "-o",
			       prefix,
			       "--cn",
			       (char *)(cn ? cn : "modguard owner module signing key"),
			       NULL };

		if (run(kg, false) != 0) {
			mg_error("key generation failed");
			return EXIT_USAGE;
		}
		if (copy_file(crt, OWNER_CRT, 0644))
			return EXIT_USAGE;
		step("generated the owner key %s (keep a copy offline: whoever holds it can sign modules)",
		     key);
	}
	have_key = access(key, R_OK) == 0;

	/* 2. Policy and admit list, kept if present. */
	if (access(ETC "/policy", F_OK) != 0) {
		if (write_file(ETC "/policy", policy_text, 0644))
			return EXIT_USAGE;
		step("wrote %s/policy (enforce, trust the kernel's keys, fail closed)", ETC);
	} else {
		step("keeping %s/policy", ETC);
	}
	if (access(ETC "/admit.list", F_OK) != 0 && write_file(ETC "/admit.list", admit_text, 0644))
		return EXIT_USAGE;
	/* The trusted program requires a deny list: an empty one revokes nothing. */
	if (access(ETC "/deny.list", F_OK) != 0) {
		if (write_file(ETC "/deny.list", deny_text, 0644))
			return EXIT_USAGE;
		step("wrote an empty %s/deny.list (\"cert SHA256\" or \"module SHA256\" lines revoke)",
		     ETC);
	}

	/* 3. The BPF LSM. */
	if (lsm_has_bpf(lsm, sizeof(lsm))) {
		step("bpf is in the active LSM list (%s)", lsm);
	} else {
		const char *list = lsm[0] ? lsm : "lockdown,capability,landlock,yama,apparmor";

		action = true;
		if (access("/etc/default/grub", F_OK) == 0 || access(GRUB_DROPIN_DIR, F_OK) == 0) {
			snprintf(buf, sizeof(buf),
				 "# Written by modguard setup: the guard is a BPF LSM program.\n"
				 "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX lsm=%s,bpf\"\n",
				 list);
			if (mkdir_p(GRUB_DROPIN_DIR, 0755) ||
			    write_file(GRUB_DROPIN_DIR "/modguard.cfg", buf, 0644))
				return EXIT_USAGE;
			printf("setup: bpf is NOT an active LSM (%s). Wrote %s/modguard.cfg adding lsm=%s,bpf;\n"
			       "setup: run update-grub and REBOOT: until then the guard cannot start.\n",
			       lsm[0] ? lsm : "none listed", GRUB_DROPIN_DIR, list);
		} else {
			printf("setup: bpf is NOT an active LSM (%s) and GRUB is not in use: add\n"
			       "setup:   lsm=%s,bpf\n"
			       "setup: to the kernel command line of your boot loader and REBOOT.\n",
			       lsm[0] ? lsm : "none listed", list);
		}
	}

	/* 4. DKMS signs with the owner's key, then admits (packaging/dkms/dkms-sign). */
	if (have_key) {
		snprintf(
			buf, sizeof(buf),
			"# Written by modguard setup: DKMS signs what it builds with the owner's key,\n"
			"# and modguard admits it into the running guard.\n"
			"mok_signing_key=\"%s\"\nmok_certificate=\"%s\"\n"
			"sign_file=\"%s/dkms-sign\"\n",
			key, crt, MODGUARD_LIBEXECDIR);
		if (mkdir_p(DKMS_CONF_DIR, 0755) ||
		    write_file(DKMS_CONF_DIR "/modguard.conf", buf, 0644))
			return EXIT_USAGE;
		step("DKMS signs with the owner key (%s/modguard.conf)", DKMS_CONF_DIR);
	} else {
		step("no private key on this machine: DKMS modules must be signed elsewhere");
	}

	/* 5. Third-party modules already installed: signed by the owner, admitted at each boot. */
	for (const char *const *d = (const char *const[]){ "updates", "extra", "misc", NULL }; *d;
	     d++) {
		char dir[512];
		char *vf[] = { "/proc/self/exe", "verify", "-q", "-C", TRUST, "--tree", dir, NULL };
		char *sg[] = { "/proc/self/exe", "sign", "-q", "-k", key, "-c", crt,
			       "--tree",	 dir,	 NULL };

		snprintf(dir, sizeof(dir), "/lib/modules/%s/%s", u.release, *d);
		if (access(dir, F_OK) != 0)
			continue;
		if (run(vf, true) == 0) {
			step("%s: every module is signed by a trusted key (admitted at each boot)",
			     dir);
			continue;
		}
		if (do_sign && have_key && run(sg, false) == 0) {
			step("%s: signed with the owner key (admitted at each boot)", dir);
			continue;
		}
		action = true;
		printf("setup: %s: some modules are not signed by a trusted key and will be refused;\n"
		       "setup: sign them with 'modguard sign' (see 'modguard verify -C %s --tree %s')\n",
		       dir, TRUST, dir);
	}

	/* 6. The unit. */
	if (do_enable) {
		char *en[] = { "systemctl", "enable", "--quiet", UNIT, NULL };

		if (run(en, false) != 0 && access(UNIT_LINK, F_OK) != 0) {
			mkdir_p("/etc/systemd/system/sysinit.target.wants", 0755);
			if (symlink("/lib/systemd/system/" UNIT, UNIT_LINK) && errno != EEXIST) {
				mg_error("cannot enable %s: %s", UNIT, strerror(errno));
				return EXIT_USAGE;
			}
		}
		step("enabled %s: the guard starts before udev at every boot", UNIT);
	}
	/* 7. The initramfs: the guard starts there, from this configuration. */
	if (access("/usr/sbin/update-initramfs", X_OK) == 0) {
		char *ui[] = { "update-initramfs", "-u", "-k", "all", NULL };

		if (run(ui, quiet) == 0) {
			step("initramfs rebuilt: the guard starts in it, before udev");
		} else {
			action = true;
			printf("setup: update-initramfs -u -k all failed: until it succeeds, the guard starts "
			       "only after the initramfs (run it again and read its messages)\n");
		}
	} else {
		step("no initramfs-tools: the guard starts on the real root (modguard.service)");
	}
	if (!quiet) {
		printf("setup: done. Reboot to start the guard; then 'modguard status' shows it.\n");
		if (action)
			printf("setup: some steps above need your action first.\n");
	}
	return action ? EXIT_INVALID : EXIT_OK;
}
