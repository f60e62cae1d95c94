// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hash names as sign-file and modinfo spell them, SHA-256 against the FIPS
 * 180-2 test vectors, and the stable reason tokens of the CLI contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/obj_mac.h>

#include "libmodguard.h"
#include "helpers.h"

static void test_by_name(void **state)
{
	static const struct {
		const char *name;
		int nid;
	} known[] = {
		{ "sha256", NID_sha256 },     { "sha384", NID_sha384 },
		{ "sha512", NID_sha512 },     { "sha3-256", NID_sha3_256 },
		{ "sha3-384", NID_sha3_384 }, { "sha3-512", NID_sha3_512 },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_int_equal(modguard_hash_by_name(known[i].name), known[i].nid);
		assert_string_equal(modguard_hash_name(known[i].nid), known[i].name);
	}
}

static void test_unknown_names(void **state)
{
	static const char *bad[] = { "",    "md5",	 "sha",	       "sha256x", "sha-256x",
				     "rsa", "sha3-1024", "blake2b512", "sha256 " };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(modguard_hash_by_name(bad[i]), -ENOENT);
	assert_null(modguard_hash_name(NID_md5));
	assert_null(modguard_hash_name(NID_undef));
	assert_null(modguard_hash_name(-1));
}

/* Legacy hashes keep their names so that results and errors can say what was refused. */
static void test_legacy_names(void **state)
{
	assert_string_equal(modguard_hash_name(NID_sha1), "sha1");
	assert_string_equal(modguard_hash_name(NID_sha224), "sha224");
}

static void test_sha256_vectors(void **state)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t d[32];
	char hex[65];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		modguard_sha256((const uint8_t *)v[i].in, strlen(v[i].in), d);
		test_hex(d, 32, hex);
		assert_string_equal(hex, v[i].hex);
	}
	/* One million 'a': exercises more than one internal block buffer. */
	{
		uint8_t *a = malloc(1000000);

		assert_non_null(a);
		memset(a, 'a', 1000000);
		modguard_sha256(a, 1000000, d);
		test_hex(d, 32, hex);
		assert_string_equal(
			hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
		free(a);
	}
}

/*
 * The one-pass split gives what two separate hashes give, at every split
 * around SHA-256's 64-byte blocks and at both ends.
 */
static void test_sha256_split(void **state)
{
	static const size_t lens[] = { 0, 1, 63, 64, 65, 127, 128, 129, 1000, 4096 + 17 };
	uint8_t *buf = malloc(4200), head[32], whole[32], want_head[32], want_whole[32];

	assert_non_null(buf);
	for (size_t i = 0; i < 4200; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		size_t len = lens[l];

		for (size_t split = 0; split <= len;
		     split += (split < 140 || len - split < 140) ? 1 : 61) {
			modguard_sha256_split(buf, split, len, head, whole);
			modguard_sha256(buf, split, want_head);
			modguard_sha256(buf, len, want_whole);
			assert_memory_equal(head, want_head, 32);
			assert_memory_equal(whole, want_whole, 32);
		}
	}
	/* And a known answer: "abc" as the head of "abcdbcdecdef...". */
	{
		static const char *s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
		char hex[65];

		modguard_sha256_split((const uint8_t *)s, 3, strlen(s), head, whole);
		test_hex(head, 32, hex);
		assert_string_equal(
			hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		test_hex(whole, 32, hex);
		assert_string_equal(
			hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
	free(buf);
}

/* The tokens are part of the CLI and JSON contract: fixed by the spec, in enum order. */
static void test_reason_tokens(void **state)
{
	static const char *want[] = {
		[MG_E_IO] = "io",
		[MG_E_USAGE] = "usage",
		[MG_E_TOO_BIG] = "too-big",
		[MG_E_NOT_ELF] = "not-elf",
		[MG_E_UNSIGNED] = "unsigned",
		[MG_E_TRAILER] = "bad-trailer",
		[MG_E_SIG_FORMAT] = "bad-pkcs7",
		[MG_E_SIG_CONTENT] = "embedded-content",
		[MG_E_SIG_ATTRS] = "signed-attributes",
		[MG_E_SIG_SIGNERS] = "signer-count",
		[MG_E_HASH_ALGO] = "hash-algo",
		[MG_E_UNKNOWN_SIGNER] = "unknown-signer",
		[MG_E_BAD_SIGNATURE] = "bad-signature",
		[MG_E_REVOKED_KEY] = "revoked-key",
		[MG_E_REVOKED_MODULE] = "revoked-module",
		[MG_E_KEY] = "bad-key",
		[MG_E_CERT] = "bad-cert",
		[MG_E_COMPRESS] = "bad-compression",
		[MG_E_BOMB] = "decompression-bomb",
		[MG_E_CRYPTO] = "crypto",
		[MG_E_NOMEM] = "nomem",
		[MG_E_ARCHIVE] = "bad-archive",
	};

	assert_int_equal(sizeof(want) / sizeof(want[0]), MG_E__MAX);
	for (int r = MG_E_IO; r < MG_E__MAX; r++)
		assert_string_equal(modguard_reason_name((enum modguard_reason)r), want[r]);
	/* Out of range never crashes and never aliases a real token. */
	{
		const char *s = modguard_reason_name(MG_E__MAX);

		if (s)
			for (int r = MG_E_IO; r < MG_E__MAX; r++)
				assert_string_not_equal(s, want[r]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_name),	     cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_legacy_names), cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_split), cmocka_unit_test(test_reason_tokens),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
