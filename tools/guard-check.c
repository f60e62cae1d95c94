// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard guard check [--kernel KVER | FILE]: will the guard start on this
 * kernel, in which mode, with which degradations?  Before anyone boots it.
 *
 * The answer comes from the kernel model (tcb/loader/kmodel.c), the very
 * code guard start runs, applied to the kernel's BTF and to the BPF objects
 * the trusted program embeds.  The BTF comes from the running kernel, or
 * from an image: a bzImage (its xz, zstd or gzip payload is unpacked in
 * memory), a vmlinux ELF (its .BTF section) or raw BTF.  Nothing here is
 * trusted: this program only reads, and a wrong answer here changes nothing
 * at the start, which checks again.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "common.h"
#include "guard-check.h"
#include "guard.h"
#include "protect.h"
#include "guard.skel.h"
#include "kmodel.h"
#include "protect.skel.h"

#define MAX_VMLINUX (1024u << 20) /* an unpacked kernel image is far smaller */

static int slurp(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > MAX_VMLINUX) {
		int e = errno ? errno : EINVAL;

		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -e;
	}
	*buf = malloc((size_t)st.st_size);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size && (n = read(fd, *buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	*len = got;
	return got == (size_t)st.st_size ? 0 : -EIO;
}

/* Double the output buffer of unpack(), up to MAX_VMLINUX: false when it cannot. */
static bool grow(uint8_t **out, size_t *cap)
{
	uint8_t *n = *cap < MAX_VMLINUX ? realloc(*out, *cap * 2) : NULL;

	if (!n)
		return false;
	*out = n;
	*cap *= 2;
	return true;
}

/* Unpack one compressed stream at in (trailing bytes ignored): a malloc'd image, or NULL. */
static uint8_t *unpack(const uint8_t *in, size_t inlen, int kind, size_t *outlen)
{
	size_t cap = 64u << 20, len = 0;
	uint8_t *out = malloc(cap);
	bool done = false;

	if (!out)
		return NULL;
	if (kind == 0) { /* zstd */
		ZSTD_DStream *z = ZSTD_createDStream();
		ZSTD_inBuffer ib = { in, inlen, 0 };

		while (z && !done) {
			ZSTD_outBuffer ob = { out + len, cap - len, 0 };
			size_t r = ZSTD_decompressStream(z, &ob, &ib);

			len += ob.pos;
			if (ZSTD_isError(r))
				break;
			done = r == 0;
			if (!done && ib.pos == ib.size && ob.pos < ob.size)
				break; /* truncated */
			if (!done && len == cap && !grow(&out, &cap))
				break;
		}
		ZSTD_freeDStream(z);
	} else if (kind == 1) { /* xz */
		lzma_stream s = LZMA_STREAM_INIT;

		if (lzma_stream_decoder(&s, UINT64_MAX, 0) == LZMA_OK) {
			s.next_in = in;
			s.avail_in = inlen;
			while (!done) {
				lzma_ret r;

				s.next_out = out + len;
				s.avail_out = cap - len;
				r = lzma_code(&s, LZMA_FINISH);
				len = cap - s.avail_out;
				done = r == LZMA_STREAM_END;
				if (r != LZMA_OK && !done)
					break;
				if (!done && len == cap && !grow(&out, &cap))
					break;
			}
			lzma_end(&s);
		}
	} else { /* gzip */
		z_stream s = { 0 };

		if (inflateInit2(&s, 16 + MAX_WBITS) == Z_OK) {
			s.next_in = (Bytef *)in;
			s.avail_in = inlen > UINT_MAX ? UINT_MAX : (unsigned)inlen;
			while (!done) {
				int r;

				s.next_out = out + len;
				s.avail_out = (unsigned)(cap - len);
				r = inflate(&s, Z_NO_FLUSH);
				len = cap - s.avail_out;
				done = r == Z_STREAM_END;
				if (r != Z_OK && !done)
					break;
				if (!done && len == cap && !grow(&out, &cap))
					break;
			}
			inflateEnd(&s);
		}
	}
	if (!done || len < 4 || memcmp(out, ELFMAG, SELFMAG)) {
		free(out);
		return NULL;
	}
	*outlen = len;
	return out;
}

/* The .BTF section of a 64-bit ELF image: BTF, or NULL. */
static struct btf *elf_btf(const uint8_t *img, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Shdr *sh, *strs;

	if (len < sizeof(*eh) || memcmp(img, ELFMAG, SELFMAG) || img[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
	    eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (const void *)(img + eh->e_shoff);
	strs = &sh[eh->e_shstrndx];
	if (strs->sh_offset > len || strs->sh_size > len - strs->sh_offset)
		return NULL;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name >= strs->sh_size ||
		    strnlen((const char *)img + strs->sh_offset + sh[i].sh_name,
			    strs->sh_size - sh[i].sh_name) == strs->sh_size - sh[i].sh_name)
			continue;
		if (strcmp((const char *)img + strs->sh_offset + sh[i].sh_name, ".BTF"))
			continue;
		if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset)
			return NULL;
		return btf__new(img + sh[i].sh_offset, (__u32)sh[i].sh_size);
	}
	return NULL;
}

/*
 * The BTF in path: raw BTF, a vmlinux ELF, or a bzImage whose payload
 * unpacks to one.  NULL after a message naming path.
 */
static struct btf *file_btf(const char *path)
{
	static const struct {
		const char *magic;
		size_t len;
	} magics[] = { { "\x28\xb5\x2f\xfd", 4 },
		       { "\xfd"
			 "7zXZ\0",
			 6 },
		       { "\x1f\x8b\x08", 3 } };
	uint8_t *buf = NULL;
	size_t len = 0;
	struct btf *btf = NULL;
	int r = slurp(path, &buf, &len);

	if (r) {
		mg_error("%s: %s", path, strerror(-r));
		return NULL;
	}
	if (len >= 2 && buf[0] == 0x9f && buf[1] == 0xeb)
		btf = btf__new(buf, (__u32)len);
	else if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		btf = elf_btf(buf, len);
	else
		for (size_t k = 0; k < 3 && !btf; k++) {
			const uint8_t *p = memmem(buf, len, magics[k].magic, magics[k].len);
			size_t ilen;
			uint8_t *img;

			if (!p)
				continue;
			img = unpack(p, len - (size_t)(p - buf), (int)k, &ilen);
			if (img) {
				btf = elf_btf(img, ilen);
				free(img);
			}
		}
	free(buf);
	if (!btf || libbpf_get_error(btf)) {
		mg_error("%s: no BTF found (not raw BTF, a vmlinux with .BTF, or a kernel image "
			 "whose zstd, xz or gzip payload holds one)",
			 path);
		return NULL;
	}
	return btf;
}

/* The image of release kver, where Debian puts it. */
static int kernel_image(const char *kver, char *path, size_t size)
{
	const char *const dirs[][2] = { { "/boot/vmlinuz-", "" },
					{ "/usr/lib/modules/", "/vmlinuz" },
					{ "/lib/modules/", "/vmlinuz" } };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, size, "%s%s%s", dirs[i][0], kver, dirs[i][1]);
		if (access(path, R_OK) == 0)
			return 0;
	}
	mg_error("kernel %s: no image at /boot/vmlinuz-%s or /usr/lib/modules/%s/vmlinuz", kver,
		 kver, kver);
	return -1;
}

/* CONFIG_BPF_LSM and CONFIG_LSM from the kernel's config file, when there is one. */
static void config_notes(const char *kver)
{
	char path[PATH_MAX], line[512];
	FILE *f = NULL;
	const char *const dirs[][2] = { { "/boot/config-", "" },
					{ "/usr/lib/modules/", "/config" } };
	bool bpf_lsm = false, in_default = false, seen = false;

	for (size_t i = 0; i < 2 && !f; i++) {
		snprintf(path, sizeof(path), "%s%s%s", dirs[i][0], kver, dirs[i][1]);
		f = fopen(path, "re");
	}
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "CONFIG_BPF_LSM=y\n"))
			bpf_lsm = true;
		if (!strncmp(line, "CONFIG_LSM=\"", 12)) {
			seen = true;
			for (char *t = strtok(line + 12, ",\"\n"); t; t = strtok(NULL, ",\"\n"))
				in_default |= !strcmp(t, "bpf");
		}
	}
	fclose(f);
	if (!bpf_lsm)
		printf("fatal: %s: CONFIG_BPF_LSM is not set: no BPF LSM, the fallback applies\n",
		       path);
	else if (seen && !in_default)
		printf("note: %s: bpf is not in CONFIG_LSM: boot with lsm=...,bpf\n", path);
}

int mg_guard_check(int argc, char *argv[])
{
	const char *kver = NULL, *file = NULL;
	char path[PATH_MAX], running[256] = "";
	struct bpf_object *g = NULL, *p = NULL;
	struct mg_kmodel *m = NULL;
	struct btf *btf = NULL;
	const void *bytes;
	size_t sz;
	int rc = EXIT_USAGE, r;

	if (argc == 4 && !strcmp(argv[2], "--kernel"))
		kver = argv[3];
	else if (argc == 3 && argv[2][0] != '-')
		file = argv[2];
	else if (argc != 2) {
		mg_error("usage: modguard guard check [--kernel KVER | VMLINUX]");
		return EXIT_USAGE;
	}
	if (kver && (strchr(kver, '/') || !*kver)) {
		mg_error("--kernel: a release name such as 6.12.118+deb13-amd64, found \"%s\"",
			 kver);
		return EXIT_USAGE;
	}
	if (kver) {
		if (kernel_image(kver, path, sizeof(path)))
			return EXIT_USAGE;
		file = path;
	}
	libbpf_set_print(NULL);
	if (file) {
		btf = file_btf(file);
	} else {
		FILE *f = fopen("/proc/sys/kernel/osrelease", "re");

		if (f) {
			if (fgets(running, sizeof(running), f))
				running[strcspn(running, "\n")] = 0;
			fclose(f);
		}
		btf = btf__load_vmlinux_btf();
		if (libbpf_get_error(btf)) {
			mg_error("/sys/kernel/btf/vmlinux: %s (a kernel without "
				 "CONFIG_DEBUG_INFO_BTF: the guard cannot start)",
				 strerror(errno));
			btf = NULL;
		}
	}
	if (!btf)
		goto out;
	bytes = guard_bpf__elf_bytes(&sz);
	g = bpf_object__open_mem(bytes, sz, NULL);
	bytes = protect_bpf__elf_bytes(&sz);
	p = bpf_object__open_mem(bytes, sz, NULL);
	m = calloc(1, sizeof(*m));
	if (libbpf_get_error(g) || libbpf_get_error(p) || !m) {
		mg_error("cannot open the embedded BPF objects: %s", strerror(errno));
		goto out;
	}
	r = mg_kmodel_check(btf, g, p, m);
	printf("kernel: %s\n", kver ? kver : file ? file : running);
	fputs(m->text, stdout);
	if (kver || running[0])
		config_notes(kver ? kver : running);
	if (r)
		printf("guard: cannot start on this kernel (%u problems above): the policy's "
		       "fallback applies\n",
		       m->fatal);
	else if (m->degraded)
		printf("guard: starts, degraded (%u above)\n", m->degraded);
	else
		printf("guard: starts, every mechanism available\n");
	printf("admission: %s\n", m->kernel_digest ? "by the kernel's digest of the signed part" :
						     "by each module file's SHA-256");
	rc = r ? EXIT_INVALID : EXIT_OK;
out:
	free(m);
	if (g && !libbpf_get_error(g))
		bpf_object__close(g);
	if (p && !libbpf_get_error(p))
		bpf_object__close(p);
	btf__free(btf);
	return rc;
}
