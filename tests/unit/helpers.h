/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared helpers for the cmocka unit tests: a minimal ELF relocatable built
 * from first principles, a throw-away key and certificate made with OpenSSL,
 * and a temporary directory that is removed at the end.
 */
#ifndef MODGUARD_TEST_HELPERS_H
#define MODGUARD_TEST_HELPERS_H

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/*
 * A valid ELF64 x86-64 relocatable: header, a .shstrtab, optional filler
 * bytes (so tests can pick a size) and a section header table with the null
 * section and .shstrtab.  readelf accepts it.
 */
static inline unsigned char *test_elf_new(size_t filler, size_t *len)
{
	static const char strtab[] = "\0.shstrtab\0.data";
	size_t str_off = sizeof(Elf64_Ehdr);
	size_t data_off = str_off + sizeof(strtab);
	size_t sh_off = (data_off + filler + 7) & ~(size_t)7;
	size_t total = sh_off + 3 * sizeof(Elf64_Shdr);
	unsigned char *buf = calloc(1, total);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Shdr *sh;

	if (!buf)
		return NULL;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_REL;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_shoff = sh_off;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	eh->e_shstrndx = 1;
	memcpy(buf + str_off, strtab, sizeof(strtab));
	for (size_t i = 0; i < filler; i++)
		buf[data_off + i] = (unsigned char)(i * 131u + 7u);
	sh = (Elf64_Shdr *)(buf + sh_off);
	sh[1].sh_name = 1;
	sh[1].sh_type = SHT_STRTAB;
	sh[1].sh_offset = str_off;
	sh[1].sh_size = sizeof(strtab);
	sh[1].sh_addralign = 1;
	sh[2].sh_name = 11;
	sh[2].sh_type = SHT_PROGBITS;
	sh[2].sh_flags = SHF_ALLOC | SHF_WRITE;
	sh[2].sh_offset = data_off;
	sh[2].sh_size = filler;
	sh[2].sh_addralign = 1;
	*len = total;
	return buf;
}

static inline char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];

	snprintf(tmpl, sizeof(tmpl), "%s/mg-unit-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl))
		return NULL;
	return strdup(tmpl);
}

static inline void test_rmtree(const char *dir)
{
	char cmd[4200];

	if (!dir || !*dir || strcmp(dir, "/") == 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
}

static inline char *test_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

static inline int test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -errno;
	if (len && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) == 0 ? 0 : -EIO;
}

/*
 * Self-signed leaf certificate for key: CN=cn, the given serial, CA:FALSE,
 * digitalSignature, subject key id; written with the key as PEM files.
 * alg: "rsa" (2048 bit, fast enough for tests) or "ec" (P-256).
 */
static inline int test_make_key(const char *alg, const char *cn, long serial, const char *key_path,
				const char *cert_path, unsigned char fp[32])
{
	EVP_PKEY *pk = strcmp(alg, "ec") == 0 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	FILE *f;
	int ret = -1;
	static const char *exts[][2] = {
		{ "basicConstraints", "critical,CA:FALSE" },
		{ "keyUsage", "digitalSignature" },
		{ "subjectKeyIdentifier", "hash" },
	};

	if (!pk || !x)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_set_pubkey(x, pk);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		ext = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
		if (!ext)
			goto out;
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (!X509_sign(x, pk, EVP_sha256()))
		goto out;
	f = fopen(key_path, "w");
	if (!f)
		goto out;
	PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	f = fopen(cert_path, "w");
	if (!f)
		goto out;
	PEM_write_X509(f, x);
	fclose(f);
	if (fp) {
		unsigned int n = 32;

		X509_digest(x, EVP_sha256(), fp, &n);
	}
	ret = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	return ret;
}

static inline void test_hex(const unsigned char *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = 0;
}

#endif
