// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deny list parser and its effect on verification.  The format is
 *   cert <64 hex>     SHA-256 of a certificate's DER
 *   module <64 hex>   SHA-256 of the uncompressed signed image
 * with '#' comments and blank lines.  Keys and certificates are made fresh
 * with OpenSSL; fingerprints are computed here, not taken from modguard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "libmodguard.h"
#include "helpers.h"

struct fixture {
	char *dir;
	char *key, *cert, *key2, *cert2;
	uint8_t cert_fp[32], cert2_fp[32];
	uint8_t *signed_img;
	size_t signed_len;
	uint8_t img_sha[32];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct modguard_signer *s = NULL;
	struct modguard_err err;
	uint8_t *elf;
	size_t elf_len;

	if (!f)
		return -1;
	f->dir = test_tmpdir();
	if (!f->dir)
		return -1;
	f->key = test_path(f->dir, "k.pem");
	f->cert = test_path(f->dir, "c.pem");
	f->key2 = test_path(f->dir, "k2.pem");
	f->cert2 = test_path(f->dir, "c2.pem");
	if (test_make_key("rsa", "unit test key", 0x1234, f->key, f->cert, f->cert_fp) ||
	    test_make_key("ec", "other key", 0x77, f->key2, f->cert2, f->cert2_fp))
		return -1;
	elf = test_elf_new(3000, &elf_len);
	if (modguard_signer_new(f->key, f->cert, "sha256", 0, &s, &err)) {
		fprintf(stderr, "signer_new: %s\n", err.msg);
		return -1;
	}
	if (modguard_sign_image(s, elf, elf_len, &f->signed_img, &f->signed_len, &err)) {
		fprintf(stderr, "sign_image: %s\n", err.msg);
		return -1;
	}
	modguard_signer_free(s);
	free(elf);
	modguard_sha256(f->signed_img, f->signed_len, f->img_sha);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	test_rmtree(f->dir);
	free(f->dir);
	free(f->key);
	free(f->cert);
	free(f->key2);
	free(f->cert2);
	free(f->signed_img);
	free(f);
	return 0;
}

static struct modguard_trust *trust_with(struct fixture *f, const char *deny_text, int *load_ret,
					 struct modguard_err *err)
{
	struct modguard_trust *t = NULL;
	struct modguard_err local;
	char *p = test_path(f->dir, "deny.list");

	if (!err)
		err = &local;
	assert_int_equal(modguard_trust_new(&t), 0);
	assert_int_equal(modguard_trust_add_path(t, f->cert, err), 0);
	if (deny_text) {
		assert_int_equal(test_write_file(p, deny_text, strlen(deny_text)), 0);
		memset(err, 0, sizeof(*err));
		*load_ret = modguard_trust_load_denylist(t, p, err);
	}
	free(p);
	return t;
}

static int verify(struct fixture *f, const struct modguard_trust *t, struct modguard_err *err)
{
	struct modguard_verify_result res;

	memset(err, 0, sizeof(*err));
	return modguard_verify_image(t, f->signed_img, f->signed_len, 0, &res, err);
}

/* Without a deny list the fixture verifies, with what the certificate says. */
static void test_baseline(void **state)
{
	struct fixture *f = *state;
	struct modguard_trust *t = trust_with(f, NULL, NULL, NULL);
	struct modguard_verify_result res;
	struct modguard_err err;

	assert_int_equal(modguard_trust_count(t), 1);
	memset(&res, 0, sizeof(res));
	assert_int_equal(modguard_verify_image(t, f->signed_img, f->signed_len, MG_VERIFY_DIGEST,
					       &res, &err),
			 0);
	assert_string_equal(res.signer, "unit test key");
	assert_true(strcasecmp(res.serial, "1234") == 0);
	assert_string_equal(res.hash, "sha256");
	assert_true(res.have_digest);
	assert_memory_equal(res.module_sha256, f->img_sha, 32);
	assert_false(res.legacy_hash);
	assert_int_equal(res.comp, MG_COMP_NONE);
	modguard_trust_free(t);
}

/*
 * With the whole digest wanted, the signed part's digest comes from the same
 * pass (modguard_sha256_split): a change anywhere in the signed part still
 * fails the signature, and the whole digest follows the bytes.
 */
static void test_digest_one_pass(void **state)
{
	struct fixture *f = *state;
	struct modguard_trust *t = trust_with(f, NULL, NULL, NULL);
	struct modguard_verify_result res;
	struct modguard_err err;
	size_t at[] = { 0x40, f->signed_len / 2, f->signed_len - 1 };
	uint8_t *copy = malloc(f->signed_len), want[32];

	assert_non_null(copy);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memcpy(copy, f->signed_img, f->signed_len);
		copy[at[i]] ^= 0x01;
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(modguard_verify_image(t, copy, f->signed_len, MG_VERIFY_DIGEST,
							   &res, &err),
				     0);
		assert_int_not_equal(err.reason, 0);
	}
	/* A flipped byte in the signed part: the signature no longer matches. */
	memcpy(copy, f->signed_img, f->signed_len);
	copy[f->signed_len / 2] ^= 0x01;
	modguard_verify_image(t, copy, f->signed_len, MG_VERIFY_DIGEST, &res, &err);
	assert_int_equal(err.reason, MG_E_BAD_SIGNATURE);
	/* Unchanged: verifies, and the digest is the whole file's. */
	assert_int_equal(modguard_verify_image(t, f->signed_img, f->signed_len, MG_VERIFY_DIGEST,
					       &res, &err),
			 0);
	modguard_sha256(f->signed_img, f->signed_len, want);
	assert_true(res.have_digest);
	assert_memory_equal(res.module_sha256, want, 32);
	free(copy);
	modguard_trust_free(t);
}

/*
 * The signed part's digest in the signature's algorithm, which the guard's
 * admitted map holds and the kernel computes in pkcs7_verify: equal to
 * OpenSSL's digest of the bytes before the signature, whose length comes
 * from the trailer's own fields here (big-endian signature length, 12-byte
 * struct module_signature, 28-byte marker), not from modguard's parser.
 */
static void test_signed_digest(void **state)
{
	struct fixture *f = *state;
	static const char *const algs[] = { "sha256", "sha384", "sha512" };
	struct modguard_trust *t = trust_with(f, NULL, NULL, NULL);

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct modguard_signer *s = NULL;
		struct modguard_verify_result res;
		struct modguard_err err = { 0 };
		uint8_t *elf, *img = NULL, want[EVP_MAX_MD_SIZE];
		size_t elf_len = 0, img_len = 0, body;
		unsigned want_len = 0;
		uint32_t sig_len;

		elf = test_elf_new(2000 + 100 * i, &elf_len);
		assert_non_null(elf);
		assert_int_equal(modguard_signer_new(f->key, f->cert, algs[i], 0, &s, &err), 0);
		assert_int_equal(modguard_sign_image(s, elf, elf_len, &img, &img_len, &err), 0);
		modguard_signer_free(s);
		sig_len = (uint32_t)img[img_len - 32] << 24 | (uint32_t)img[img_len - 31] << 16 |
			  (uint32_t)img[img_len - 30] << 8 | img[img_len - 29];
		body = img_len - 28 - 12 - sig_len;
		assert_int_equal(body, elf_len);
		assert_int_equal(EVP_Digest(img, body, want, &want_len,
					    EVP_get_digestbyname(algs[i]), NULL),
				 1);
		memset(&res, 0, sizeof(res));
		assert_int_equal(
			modguard_verify_image(t, img, img_len, MG_VERIFY_DIGEST, &res, &err), 0);
		assert_string_equal(res.hash, algs[i]);
		assert_int_equal(res.signed_digest_len, want_len);
		assert_memory_equal(res.signed_digest, want, want_len);
		free(img);
		free(elf);
	}
	modguard_trust_free(t);
}

/*
 * Digests handed in by the caller (the trusted program's one pass): used
 * when they fit the signature, ignored when they do not.
 */
static void test_digests_reused(void **state)
{
	struct fixture *f = *state;
	struct modguard_trust *t = trust_with(f, NULL, NULL, NULL);
	struct modguard_verify_result want, res;
	struct modguard_trailer tr;
	struct modguard_digests d;
	struct modguard_err err = { 0 };

	assert_int_equal(modguard_trailer_parse(f->signed_img, f->signed_len, &tr, &err), 0);
	assert_int_equal(modguard_verify_image(t, f->signed_img, f->signed_len, MG_VERIFY_DIGEST,
					       &want, &err),
			 0);
	modguard_sha256_split(f->signed_img, tr.body_len, f->signed_len, d.body, d.whole);
	d.body_len = tr.body_len;
	/* The true digests: the same answer as hashing again. */
	assert_int_equal(modguard_verify_image_with(t, f->signed_img, f->signed_len,
						    MG_VERIFY_DIGEST, &d, &res, &err),
			 0);
	assert_string_equal(res.signer, want.signer);
	assert_memory_equal(res.module_sha256, want.module_sha256, 32);
	/* A wrong signed-part digest is used, so the signature fails: proof of reuse. */
	d.body[7] ^= 0x01;
	memset(&err, 0, sizeof(err));
	assert_int_not_equal(modguard_verify_image_with(t, f->signed_img, f->signed_len,
							MG_VERIFY_DIGEST, &d, &res, &err),
			     0);
	assert_int_equal(err.reason, MG_E_BAD_SIGNATURE);
	/* Digests of another length of signed part do not fit: hashed afresh. */
	d.body_len = tr.body_len - 1;
	memset(&err, 0, sizeof(err));
	assert_int_equal(modguard_verify_image_with(t, f->signed_img, f->signed_len,
						    MG_VERIFY_DIGEST, &d, &res, &err),
			 0);
	assert_memory_equal(res.module_sha256, want.module_sha256, 32);
	/* No digests at all: as modguard_verify_image. */
	assert_int_equal(modguard_verify_image_with(t, f->signed_img, f->signed_len,
						    MG_VERIFY_DIGEST, NULL, &res, &err),
			 0);
	assert_memory_equal(res.module_sha256, want.module_sha256, 32);
	modguard_trust_free(t);
}

static void test_deny_module(void **state)
{
	struct fixture *f = *state;
	struct modguard_err err;
	char hex[65], text[256];
	int r = 1;
	struct modguard_trust *t;

	test_hex(f->img_sha, 32, hex);
	snprintf(text, sizeof(text), "# revoked build\n\nmodule %s\n", hex);
	t = trust_with(f, text, &r, &err);
	assert_int_equal(r, 0);
	assert_true(verify(f, t, &err) < 0);
	assert_int_equal(err.reason, MG_E_REVOKED_MODULE);
	modguard_trust_free(t);
}

static void test_deny_cert(void **state)
{
	struct fixture *f = *state;
	struct modguard_err err;
	char hex[65], hex2[65], text[512];
	int r = 1;
	struct modguard_trust *t;

	test_hex(f->cert_fp, 32, hex);
	test_hex(f->cert2_fp, 32, hex2);
	snprintf(text, sizeof(text), "cert %s\n# a comment line\ncert %s\n", hex2, hex);
	t = trust_with(f, text, &r, &err);
	assert_int_equal(r, 0);
	assert_true(verify(f, t, &err) < 0);
	assert_int_equal(err.reason, MG_E_REVOKED_KEY);
	modguard_trust_free(t);
}

/* Entries for other things do not affect this module. */
static void test_deny_unrelated(void **state)
{
	struct fixture *f = *state;
	struct modguard_err err;
	char hex[65], text[512];
	uint8_t other[32];
	int r = 1;
	struct modguard_trust *t;

	memcpy(other, f->img_sha, 32);
	other[31] ^= 1;
	test_hex(other, 32, hex);
	snprintf(text, sizeof(text), "module %s\ncert %s\n", hex, hex);
	t = trust_with(f, text, &r, &err);
	assert_int_equal(r, 0);
	assert_int_equal(verify(f, t, &err), 0);
	modguard_trust_free(t);

	t = trust_with(f, "", &r, &err);
	assert_int_equal(r, 0);
	assert_int_equal(verify(f, t, &err), 0);
	modguard_trust_free(t);

	t = trust_with(f, "# only comments\n\n#\n", &r, &err);
	assert_int_equal(r, 0);
	assert_int_equal(verify(f, t, &err), 0);
	modguard_trust_free(t);
}

/* The API calls the list file is built on. */
static void test_deny_api(void **state)
{
	struct fixture *f = *state;
	struct modguard_err err;
	struct modguard_trust *t = trust_with(f, NULL, NULL, &err);

	assert_int_equal(modguard_trust_deny_module(t, f->img_sha), 0);
	assert_true(verify(f, t, &err) < 0);
	assert_int_equal(err.reason, MG_E_REVOKED_MODULE);
	modguard_trust_free(t);

	t = trust_with(f, NULL, NULL, &err);
	assert_int_equal(modguard_trust_deny_cert(t, f->cert_fp), 0);
	assert_true(verify(f, t, &err) < 0);
	assert_int_equal(err.reason, MG_E_REVOKED_KEY);
	modguard_trust_free(t);
}

/* A malformed list is an error as a whole: a typo must not silently un-revoke. */
static void test_malformed(void **state)
{
	struct fixture *f = *state;
	char good[65];
	char lines[16][256];
	int n = 0;

	test_hex(f->img_sha, 32, good);
	snprintf(lines[n++], 256, "module %.63s\n", good); /* 63 hex */
	snprintf(lines[n++], 256, "module %s0\n", good); /* 65 hex */
	snprintf(lines[n++], 256, "module %.63sg\n", good); /* non-hex */
	snprintf(lines[n++], 256, "modules %s\n", good); /* unknown keyword */
	snprintf(lines[n++], 256, "key %s\n", good); /* unknown keyword */
	snprintf(lines[n++], 256, "module\n"); /* missing digest */
	snprintf(lines[n++], 256, "cert\n"); /* missing digest */
	snprintf(lines[n++], 256, "%s\n", good); /* missing keyword */
	snprintf(lines[n++], 256, "cert %s %s\n", good, good); /* two digests */
	snprintf(lines[n++], 256, "module %s\nmodule xyz\n", good); /* good then bad */

	for (int i = 0; i < n; i++) {
		struct modguard_err err;
		int r = 0;
		struct modguard_trust *t = trust_with(f, lines[i], &r, &err);

		if (r >= 0)
			fail_msg("deny list line accepted: %s", lines[i]);
		assert_true(err.msg[0] != 0);
		modguard_trust_free(t);
	}
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct modguard_trust *t = NULL;
	struct modguard_err err;
	char *p = test_path(f->dir, "no-such.list");

	assert_int_equal(modguard_trust_new(&t), 0);
	memset(&err, 0, sizeof(err));
	assert_true(modguard_trust_load_denylist(t, p, &err) < 0);
	assert_int_equal(err.reason, MG_E_IO);
	assert_int_equal(err.errnum, ENOENT);
	modguard_trust_free(t);
	free(p);
}

/* The verifier itself, around the deny list: tampering and unknown signers. */
static void test_verify_negative(void **state)
{
	struct fixture *f = *state;
	struct modguard_trust *t = trust_with(f, NULL, NULL, NULL), *t2 = NULL;
	struct modguard_verify_result res;
	struct modguard_err err;
	uint8_t *copy = malloc(f->signed_len);

	assert_non_null(copy);
	memcpy(copy, f->signed_img, f->signed_len);
	copy[100] ^= 1;
	assert_true(modguard_verify_image(t, copy, f->signed_len, 0, &res, &err) < 0);
	assert_int_equal(err.reason, MG_E_BAD_SIGNATURE);

	assert_int_equal(modguard_trust_new(&t2), 0);
	assert_int_equal(modguard_trust_add_path(t2, f->cert2, &err), 0);
	assert_true(modguard_verify_image(t2, f->signed_img, f->signed_len, 0, &res, &err) < 0);
	assert_int_equal(err.reason, MG_E_UNKNOWN_SIGNER);

	/* Body without its signature. */
	{
		size_t body;

		assert_int_equal(modguard_body_len(f->signed_img, f->signed_len, &body, &err), 0);
		assert_true(modguard_verify_image(t, f->signed_img, body, 0, &res, &err) < 0);
		assert_int_equal(err.reason, MG_E_UNSIGNED);
	}
	free(copy);
	modguard_trust_free(t);
	modguard_trust_free(t2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline),	cmocka_unit_test(test_digest_one_pass),
		cmocka_unit_test(test_digests_reused),	cmocka_unit_test(test_signed_digest),
		cmocka_unit_test(test_deny_module),	cmocka_unit_test(test_deny_cert),
		cmocka_unit_test(test_deny_unrelated),	cmocka_unit_test(test_deny_api),
		cmocka_unit_test(test_malformed),	cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_verify_negative),
	};

	return cmocka_run_group_tests_name("denylist", tests, setup, teardown);
}
