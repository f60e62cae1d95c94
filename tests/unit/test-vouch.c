// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The trust-add decision (modguard_trust_vouch) and the store it decides
 * with (modguard_trust_add_fd, modguard_trust_parse_denylist).  trust-add
 * must trust exactly what verification trusts: a certificate joins only if a
 * certificate the store itself would accept as a signer signed it, and
 * nothing on the deny list, expired, not yet valid or left out by the
 * store's file filter counts.  Certificates are made here with OpenSSL,
 * with the validity each case needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "libmodguard.h"
#include "helpers.h"

#define DAY 86400L

/* A leaf certificate for pub, CN=cn, signed by issuer_key under issuer's name
 * (self-signed when issuer is NULL), valid from nb to na seconds from now. */
static X509 *mk(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *issuer_key, long nb, long na)
{
	static long serial = 100;
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	static const char *exts[][2] = {
		{ "basicConstraints", "critical,CA:FALSE" },
		{ "keyUsage", "digitalSignature" },
	};

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), nb);
	X509_gmtime_adj(X509_getm_notAfter(x), na);
	X509_set_pubkey(x, pub);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		ext = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
		assert_non_null(ext);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

static size_t pem(X509 *x, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	assert_non_null(b);
	assert_true(PEM_write_bio_X509(b, x));
	n = BIO_get_mem_data(b, &p);
	assert_true(n > 0 && (size_t)n < size);
	memcpy(out, p, n);
	out[n] = 0;
	BIO_free(b);
	return n;
}

static void fp_hex(X509 *x, char out[65], bool upper)
{
	unsigned char d[32];
	unsigned int n = 32;

	X509_digest(x, EVP_sha256(), d, &n);
	test_hex(d, 32, out);
	for (int i = 0; upper && out[i]; i++)
		out[i] = toupper((unsigned char)out[i]);
}

struct fx {
	EVP_PKEY *rk, *ck;
	X509 *root; /* in the store, valid */
	char *dir;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->rk = EVP_EC_gen("P-256");
	f->ck = EVP_EC_gen("P-256");
	f->root = mk("root", f->rk, NULL, f->rk, -DAY, 30 * DAY);
	f->dir = test_tmpdir();
	*state = f;
	return f->rk && f->ck && f->root && f->dir ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	X509_free(f->root);
	EVP_PKEY_free(f->rk);
	EVP_PKEY_free(f->ck);
	test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A store holding the certificate x (as a file NAME in a fresh directory) and the deny text. */
static struct modguard_trust *store(struct fx *f, X509 *x, const char *name, const char *deny)
{
	static int n;
	char sub[4096], path[4200], buf[8192];
	struct modguard_trust *t = NULL;
	struct modguard_err err = { 0 };
	size_t len = pem(x, buf, sizeof(buf));
	int fd;

	snprintf(sub, sizeof(sub), "%s/s%d", f->dir, n++);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s", sub, name);
	assert_int_equal(test_write_file(path, buf, len), 0);
	assert_int_equal(modguard_trust_new(&t), 0);
	fd = open(sub, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(modguard_trust_add_fd(t, fd, &err), 0);
	close(fd);
	if (deny)
		assert_int_equal(modguard_trust_parse_denylist(t, (const uint8_t *)deny,
							       strlen(deny), &err),
				 0);
	return t;
}

static int vouch(struct modguard_trust *t, X509 *cand, enum modguard_reason *why)
{
	char buf[8192];
	size_t len = pem(cand, buf, sizeof(buf)), signer = 99, der_len = 0;
	uint8_t fp[32], *der = NULL;
	struct modguard_err err = { 0 };
	int r = modguard_trust_vouch(t, (const uint8_t *)buf, len, &signer, fp, &der, &der_len,
				     &err);

	*why = r < 0 ? err.reason : MG_OK;
	if (r < 0)
		assert_true(err.msg[0] != 0);
	if (r >= 0) {
		assert_non_null(der);
		assert_true(der_len > 0);
		assert_int_equal(signer, 0);
	} else {
		assert_null(der);
	}
	OPENSSL_free(der);
	return r;
}

static void test_signed_by_root(void **state)
{
	struct fx *f = *state;
	struct modguard_trust *t = store(f, f->root, "root.crt", NULL);
	X509 *c = mk("child", f->ck, f->root, f->rk, -60, DAY);
	enum modguard_reason why;

	assert_int_equal(vouch(t, c, &why), 0);
	/* the same certificate, already in the store */
	assert_int_equal(vouch(t, f->root, &why), 1);
	X509_free(c);
	modguard_trust_free(t);
}

static void test_not_signed(void **state)
{
	struct fx *f = *state;
	struct modguard_trust *t = store(f, f->root, "root.crt", NULL);
	X509 *c = mk("rogue", f->ck, NULL, f->ck, -60, DAY);
	enum modguard_reason why;

	assert_true(vouch(t, c, &why) < 0);
	assert_int_equal(why, MG_E_UNKNOWN_SIGNER);
	X509_free(c);
	modguard_trust_free(t);
}

/* The deny list as the store parses it: any spelling it accepts counts. */
static void test_revoked_signer_spellings(void **state)
{
	/* before and after the fingerprint */
	static const char *const forms[][2] = { { "cert ", "\n" },
						{ "  cert ", "\n" },
						{ "\tcert\t", "\n" },
						{ "cert ", " # revoked\n" },
						{ "# c\n\ncert ", "" } };
	struct fx *f = *state;
	X509 *c = mk("child", f->ck, f->root, f->rk, -60, DAY);
	enum modguard_reason why;
	char hexl[65], hexu[65], deny[256];

	fp_hex(f->root, hexl, false);
	fp_hex(f->root, hexu, true);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		for (int u = 0; u < 2; u++) {
			struct modguard_trust *t;

			snprintf(deny, sizeof(deny), "%s%s%s", forms[i][0], u ? hexu : hexl,
				 forms[i][1]);
			t = store(f, f->root, "root.crt", deny);
			assert_true(vouch(t, c, &why) < 0);
			assert_int_equal(why, MG_E_UNKNOWN_SIGNER);
			modguard_trust_free(t);
		}
	X509_free(c);
}

static void test_revoked_candidate(void **state)
{
	struct fx *f = *state;
	X509 *c = mk("child", f->ck, f->root, f->rk, -60, DAY);
	enum modguard_reason why;
	char hexu[65], deny[256];
	struct modguard_trust *t;

	fp_hex(c, hexu, true);
	snprintf(deny, sizeof(deny), " cert %s\n", hexu);
	t = store(f, f->root, "root.crt", deny);
	assert_true(vouch(t, c, &why) < 0);
	assert_int_equal(why, MG_E_REVOKED_KEY);
	modguard_trust_free(t);
	X509_free(c);
}

static void test_signer_validity(void **state)
{
	struct fx *f = *state;
	X509 *expired = mk("old root", f->rk, NULL, f->rk, -30 * DAY, -DAY);
	X509 *future = mk("new root", f->rk, NULL, f->rk, DAY, 30 * DAY);
	X509 *c1 = mk("child", f->ck, expired, f->rk, -60, DAY);
	X509 *c2 = mk("child", f->ck, future, f->rk, -60, DAY);
	struct modguard_trust *t1 = store(f, expired, "root.crt", NULL);
	struct modguard_trust *t2 = store(f, future, "root.crt", NULL);
	enum modguard_reason why;

	assert_true(vouch(t1, c1, &why) < 0);
	assert_int_equal(why, MG_E_UNKNOWN_SIGNER);
	assert_true(vouch(t2, c2, &why) < 0);
	assert_int_equal(why, MG_E_UNKNOWN_SIGNER);
	modguard_trust_free(t1);
	modguard_trust_free(t2);
	X509_free(c1);
	X509_free(c2);
	X509_free(expired);
	X509_free(future);
}

static void test_candidate_validity(void **state)
{
	struct fx *f = *state;
	X509 *old = mk("child", f->ck, f->root, f->rk, -30 * DAY, -DAY);
	X509 *early = mk("child", f->ck, f->root, f->rk, DAY, 30 * DAY);
	struct modguard_trust *t = store(f, f->root, "root.crt", NULL);
	enum modguard_reason why;

	assert_true(vouch(t, old, &why) < 0);
	assert_int_equal(why, MG_E_CERT);
	assert_true(vouch(t, early, &why) < 0);
	assert_int_equal(why, MG_E_CERT);
	modguard_trust_free(t);
	X509_free(old);
	X509_free(early);
}

/* A file the store does not read does not vouch: disabled, hidden. */
static void test_filtered_signer(void **state)
{
	static const char *const names[] = { "root.crt.disabled", ".root.crt", "root.txt",
					     "root.pem~" };
	struct fx *f = *state;
	X509 *c = mk("child", f->ck, f->root, f->rk, -60, DAY);
	enum modguard_reason why;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct modguard_trust *t = store(f, f->root, names[i], NULL);

		assert_int_equal(modguard_trust_count(t), 0);
		assert_true(vouch(t, c, &why) < 0);
		assert_int_equal(why, MG_E_UNKNOWN_SIGNER);
		modguard_trust_free(t);
	}
	X509_free(c);
}

/* Exactly one certificate; junk is no certificate. */
static void test_candidate_shape(void **state)
{
	struct fx *f = *state;
	struct modguard_trust *t = store(f, f->root, "root.crt", NULL);
	X509 *c = mk("child", f->ck, f->root, f->rk, -60, DAY);
	char two[16384], *p = two;
	size_t signer, dl;
	uint8_t fp[32], *der = NULL;
	struct modguard_err err = { 0 };

	p += pem(c, p, 8192);
	p += pem(f->root, p, 8192);
	assert_true(modguard_trust_vouch(t, (uint8_t *)two, p - two, &signer, fp, &der, &dl, &err) <
		    0);
	assert_int_equal(err.reason, MG_E_CERT);
	assert_true(modguard_trust_vouch(t, (const uint8_t *)"junk", 4, &signer, fp, &der, &dl,
					 &err) < 0);
	assert_int_equal(err.reason, MG_E_CERT);
	assert_null(der);
	X509_free(c);
	modguard_trust_free(t);
}

/* The store never follows a symbolic link out of its directory. */
static void test_store_symlink(void **state)
{
	struct fx *f = *state;
	char sub[4096], link[4200], tgt[4200], buf[8192];
	struct modguard_trust *t = NULL;
	struct modguard_err err = { 0 };
	size_t len = pem(f->root, buf, sizeof(buf));
	int fd;

	snprintf(sub, sizeof(sub), "%s/ln", f->dir);
	snprintf(tgt, sizeof(tgt), "%s/outside.crt", f->dir);
	snprintf(link, sizeof(link), "%s/root.crt", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(test_write_file(tgt, buf, len), 0);
	assert_int_equal(symlink(tgt, link), 0);
	assert_int_equal(modguard_trust_new(&t), 0);
	fd = open(sub, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_true(modguard_trust_add_fd(t, fd, &err) < 0);
	assert_int_equal(err.errnum, ELOOP);
	assert_non_null(strstr(err.msg, "root.crt"));
	close(fd);
	modguard_trust_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_by_root),
		cmocka_unit_test(test_not_signed),
		cmocka_unit_test(test_revoked_signer_spellings),
		cmocka_unit_test(test_revoked_candidate),
		cmocka_unit_test(test_signer_validity),
		cmocka_unit_test(test_candidate_validity),
		cmocka_unit_test(test_filtered_signer),
		cmocka_unit_test(test_candidate_shape),
		cmocka_unit_test(test_store_symlink),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
