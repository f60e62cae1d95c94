// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Trailer parser and emitter against the kernel's rules (mod_check_sig() and
 * module_sig_check() in 6.1):
 *   - the marker must be the last 28 bytes, else the module is unsigned;
 *   - struct module_signature is the 12 bytes before it, sig_len big-endian;
 *   - sig_len must be < file_len - 12 (file_len without the marker), so at
 *     least one body byte remains;
 *   - id_type must be 2 (PKEY_ID_PKCS7) and every other field zero.
 * Expectations are written from that definition, not from the library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "libmodguard.h"
#include "helpers.h"

#define MAGIC "~Module signature appended~\n"

/* body(body_len bytes) | sig(sig_len bytes of 0x30) | info | magic, info written by hand. */
static uint8_t *mk(size_t body_len, size_t sig_len, const uint8_t info[12], size_t *len)
{
	size_t n = body_len + sig_len + 12 + 28;
	uint8_t *b = malloc(n ? n : 1);

	assert_non_null(b);
	for (size_t i = 0; i < body_len; i++)
		b[i] = (uint8_t)(i ^ 0x5a);
	memset(b + body_len, 0x30, sig_len);
	memcpy(b + body_len + sig_len, info, 12);
	memcpy(b + body_len + sig_len + 12, MAGIC, 28);
	*len = n;
	return b;
}

static void info_for(uint8_t info[12], uint32_t sig_len)
{
	memset(info, 0, 12);
	info[2] = 2;
	info[8] = (uint8_t)(sig_len >> 24);
	info[9] = (uint8_t)(sig_len >> 16);
	info[10] = (uint8_t)(sig_len >> 8);
	info[11] = (uint8_t)sig_len;
}

static void expect_bad(const uint8_t *b, size_t len)
{
	struct modguard_trailer t;
	struct modguard_err err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(modguard_trailer_parse(b, len, &t, &err), -EBADMSG);
	assert_int_equal(err.reason, MG_E_TRAILER);
	assert_true(err.msg[0] != 0);
}

static void test_emit_layout(void **state)
{
	uint8_t out[MODGUARD_TRAILER_LEN];
	static const uint8_t want[12] = { 0, 0, 2, 0, 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04 };

	assert_int_equal(MODGUARD_TRAILER_LEN, 40);
	assert_int_equal(MODGUARD_SIG_MAGIC_LEN, strlen(MAGIC));
	assert_memory_equal(MODGUARD_SIG_MAGIC, MAGIC, 28);
	memset(out, 0xee, sizeof(out));
	modguard_trailer_emit(out, 0x01020304u);
	assert_memory_equal(out, want, 12);
	assert_memory_equal(out + 12, MAGIC, 28);

	modguard_trailer_emit(out, 0);
	assert_int_equal(out[8] | out[9] | out[10] | out[11], 0);
	modguard_trailer_emit(out, 0xffffffffu);
	assert_int_equal(out[8] & out[9] & out[10] & out[11], 0xff);
	assert_int_equal(out[2], 2);
}

static void test_parse_valid(void **state)
{
	uint8_t info[12];
	struct modguard_trailer t;
	struct modguard_err err;
	size_t len, body;
	uint8_t *b;

	info_for(info, 77);
	b = mk(500, 77, info, &len);
	memset(&t, 0xff, sizeof(t));
	assert_int_equal(modguard_trailer_parse(b, len, &t, &err), 0);
	assert_int_equal(t.body_len, 500);
	assert_int_equal(t.sig_off, 500);
	assert_int_equal(t.sig_len, 77);
	assert_int_equal(t.id_type, 2);
	assert_int_equal(modguard_body_len(b, len, &body, &err), 0);
	assert_int_equal(body, 500);
	free(b);
}

/* sig_len is big-endian: 0x00000100 is 256, read little-endian it would be 65536. */
static void test_parse_big_endian(void **state)
{
	uint8_t info[12];
	struct modguard_trailer t;
	struct modguard_err err;
	size_t len;
	uint8_t *b;

	info_for(info, 0x100);
	assert_int_equal(info[10], 1);
	b = mk(300, 256, info, &len);
	assert_int_equal(modguard_trailer_parse(b, len, &t, &err), 0);
	assert_int_equal(t.sig_len, 256);
	assert_int_equal(t.body_len, 300);
	free(b);

	/* 0x01000000 big-endian is far more than the file: malformed. */
	info_for(info, 0x01000000u);
	b = mk(300, 1, info, &len);
	expect_bad(b, len);
	free(b);
}

/* Every emitted trailer parses back to the same lengths. */
static void test_roundtrip(void **state)
{
	static const size_t sigs[] = { 1, 2, 255, 256, 257, 1000, 4095, 65535 };
	static const size_t bodies[] = { 1, 64, 4096 };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		for (size_t j = 0; j < sizeof(bodies) / sizeof(bodies[0]); j++) {
			uint8_t tr[MODGUARD_TRAILER_LEN];
			struct modguard_trailer t;
			struct modguard_err err;
			size_t len = bodies[j] + sigs[i] + MODGUARD_TRAILER_LEN;
			uint8_t *b = calloc(1, len);

			assert_non_null(b);
			modguard_trailer_emit(tr, (uint32_t)sigs[i]);
			memcpy(b + bodies[j] + sigs[i], tr, sizeof(tr));
			assert_int_equal(modguard_trailer_parse(b, len, &t, &err), 0);
			assert_int_equal(t.sig_len, sigs[i]);
			assert_int_equal(t.body_len, bodies[j]);
			assert_int_equal(t.sig_off, bodies[j]);
			free(b);
		}
	}
}

static void test_unsigned(void **state)
{
	struct modguard_trailer t;
	struct modguard_err err;
	size_t elf_len, body;
	uint8_t *elf = test_elf_new(100, &elf_len);
	uint8_t one = 0x7f;
	uint8_t partial[27];

	memset(&err, 0, sizeof(err));
	assert_int_equal(modguard_trailer_parse(elf, elf_len, &t, &err), -ENODATA);
	assert_int_equal(err.reason, MG_E_UNSIGNED);
	assert_int_equal(modguard_body_len(elf, elf_len, &body, &err), 0);
	assert_int_equal(body, elf_len);

	assert_int_equal(modguard_trailer_parse(&one, 0, &t, &err), -ENODATA);
	assert_int_equal(modguard_trailer_parse(&one, 1, &t, &err), -ENODATA);
	assert_int_equal(modguard_body_len(&one, 0, &body, &err), 0);
	assert_int_equal(body, 0);

	/* A marker cut by one byte is not a marker. */
	memcpy(partial, MAGIC + 1, 27);
	assert_int_equal(modguard_trailer_parse(partial, 27, &t, &err), -ENODATA);
	free(elf);
}

/* Any single changed byte of the marker means "no marker". */
static void test_magic_each_byte(void **state)
{
	uint8_t info[12];
	struct modguard_trailer t;
	struct modguard_err err;
	size_t len;
	uint8_t *b;

	info_for(info, 10);
	b = mk(100, 10, info, &len);
	for (size_t i = 0; i < 28; i++) {
		b[len - 28 + i] ^= 0x20;
		assert_int_equal(modguard_trailer_parse(b, len, &t, &err), -ENODATA);
		b[len - 28 + i] ^= 0x20;
	}
	assert_int_equal(modguard_trailer_parse(b, len, &t, &err), 0);
	/* The marker anywhere but at the very end does not count. */
	b = realloc(b, len + 1);
	assert_non_null(b);
	b[len] = '\n';
	assert_int_equal(modguard_trailer_parse(b, len + 1, &t, &err), -ENODATA);
	free(b);
}

/* Between 29 and 40 bytes a marker cannot carry a whole struct module_signature. */
static void test_too_short_for_info(void **state)
{
	struct modguard_trailer t;
	struct modguard_err err;
	uint8_t b[40];
	int r;

	for (size_t n = 29; n <= 40; n++) {
		memset(b, 0, sizeof(b));
		memcpy(b + n - 28, MAGIC, 28);
		if (n >= 40)
			b[n - 28 - 12 + 2] = 2;
		expect_bad(b, n);
	}
	/* Marker alone: the kernel treats it as unsigned, a stricter parser as malformed. */
	memcpy(b, MAGIC, 28);
	r = modguard_trailer_parse(b, 28, &t, &err);
	assert_true(r == -ENODATA || r == -EBADMSG);
}

/* sig_len must leave at least one body byte: sig_len < len - 40 + sig_len... */
static void test_sig_len_bounds(void **state)
{
	uint8_t info[12];
	struct modguard_trailer t;
	struct modguard_err err;
	size_t len;
	uint8_t *b;

	/* body 100, blob 50: the largest legal sig_len is 149 (body of 1 byte). */
	info_for(info, 149);
	b = mk(100, 50, info, &len);
	assert_int_equal(modguard_trailer_parse(b, len, &t, &err), 0);
	assert_int_equal(t.sig_len, 149);
	assert_int_equal(t.body_len, 1);
	assert_int_equal(t.sig_off, 1);
	free(b);

	/* 150 would leave no body: the kernel's check is sig_len >= file_len - 12. */
	info_for(info, 150);
	b = mk(100, 50, info, &len);
	expect_bad(b, len);
	free(b);

	static const uint32_t huge[] = { 151,	      1000,	   0x7fffffffu,
					 0x80000000u, 0xfffffff0u, 0xffffffffu };
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		info_for(info, huge[i]);
		b = mk(100, 50, info, &len);
		expect_bad(b, len);
		free(b);
	}
}

/* sig_len 0 passes the kernel's trailer check; it must never give a usable blob. */
static void test_sig_len_zero(void **state)
{
	uint8_t info[12];
	struct modguard_trailer t;
	struct modguard_err err;
	size_t len;
	uint8_t *b;
	int r;

	info_for(info, 0);
	b = mk(100, 0, info, &len);
	r = modguard_trailer_parse(b, len, &t, &err);
	if (r == 0) {
		assert_int_equal(t.sig_len, 0);
		assert_int_equal(t.body_len, 100);
	} else {
		assert_int_equal(r, -EBADMSG);
		assert_int_equal(err.reason, MG_E_TRAILER);
	}
	free(b);
}

static void test_id_type(void **state)
{
	static const uint8_t bad[] = { 0, 1, 3, 4, 0x80, 0xff };
	uint8_t info[12];
	size_t len;
	uint8_t *b;

	for (size_t i = 0; i < sizeof(bad); i++) {
		info_for(info, 20);
		info[2] = bad[i];
		b = mk(100, 20, info, &len);
		expect_bad(b, len);
		free(b);
	}
}

/* algo, hash, signer_len, key_id_len and the 3 pad bytes must all be zero. */
static void test_reserved_bytes(void **state)
{
	static const int fields[] = { 0, 1, 3, 4, 5, 6, 7 };
	uint8_t info[12];
	size_t len;
	uint8_t *b;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		for (int v = 1; v <= 0x80; v <<= 7) {
			info_for(info, 20);
			info[fields[i]] = (uint8_t)v;
			b = mk(100, 20, info, &len);
			expect_bad(b, len);
			free(b);
		}
	}
}

static void test_body_len_malformed(void **state)
{
	uint8_t info[12];
	struct modguard_err err;
	size_t len, body = 12345;
	uint8_t *b;

	info_for(info, 5000);
	b = mk(10, 10, info, &len);
	assert_int_equal(modguard_body_len(b, len, &body, &err), -EBADMSG);
	assert_int_equal(err.reason, MG_E_TRAILER);
	free(b);
}

/* A blob over MODGUARD_MAX_SIG is refused even when it fits in the file. */
static void test_sig_cap(void **state)
{
	uint8_t info[12];
	struct modguard_trailer t;
	struct modguard_err err;
	size_t len;
	uint8_t *b;
	int r;

	info_for(info, MODGUARD_MAX_SIG + 1);
	b = mk(100, MODGUARD_MAX_SIG + 1, info, &len);
	r = modguard_trailer_parse(b, len, &t, &err);
	assert_true(r < 0);
	assert_true(err.reason == MG_E_TRAILER || err.reason == MG_E_TOO_BIG);
	free(b);

	info_for(info, MODGUARD_MAX_SIG);
	b = mk(100, MODGUARD_MAX_SIG, info, &len);
	assert_int_equal(modguard_trailer_parse(b, len, &t, &err), 0);
	assert_int_equal(t.sig_len, MODGUARD_MAX_SIG);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emit_layout),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_big_endian),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_magic_each_byte),
		cmocka_unit_test(test_too_short_for_info),
		cmocka_unit_test(test_sig_len_bounds),
		cmocka_unit_test(test_sig_len_zero),
		cmocka_unit_test(test_id_type),
		cmocka_unit_test(test_reserved_bytes),
		cmocka_unit_test(test_body_len_malformed),
		cmocka_unit_test(test_sig_cap),
	};

	return cmocka_run_group_tests_name("trailer", tests, NULL, NULL);
}
