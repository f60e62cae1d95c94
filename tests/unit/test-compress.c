// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compression: detection by magic, round trips, interoperability with the
 * reference libraries (zlib, liblzma, libzstd) in both directions, the xz
 * settings the kernel's decoder needs, corrupt streams and the output cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "libmodguard.h"
#include "helpers.h"

static const enum modguard_comp formats[] = { MG_COMP_GZIP, MG_COMP_XZ, MG_COMP_ZSTD };

/* Somewhat compressible, not trivially: what a module looks like to a compressor. */
static uint8_t *sample(size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	uint32_t x = 2463534242u;

	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (i % 64) < 40 ? (uint8_t)(i / 64) : (uint8_t)x;
	}
	return b;
}

static void test_detect(void **state)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3 };
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 1 };
	static const uint8_t zs[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0 };
	static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };

	assert_int_equal(modguard_comp_detect(gz, sizeof(gz)), MG_COMP_GZIP);
	assert_int_equal(modguard_comp_detect(xz, sizeof(xz)), MG_COMP_XZ);
	assert_int_equal(modguard_comp_detect(zs, sizeof(zs)), MG_COMP_ZSTD);
	assert_int_equal(modguard_comp_detect(elf, sizeof(elf)), MG_COMP_NONE);
	/* Short prefixes of a magic are not that format. */
	assert_int_equal(modguard_comp_detect(gz, 1), MG_COMP_NONE);
	assert_int_equal(modguard_comp_detect(xz, 5), MG_COMP_NONE);
	assert_int_equal(modguard_comp_detect(zs, 3), MG_COMP_NONE);
	assert_int_equal(modguard_comp_detect(gz, 0), MG_COMP_NONE);
}

static void test_names(void **state)
{
	const char *n[3];

	for (int i = 0; i < 3; i++) {
		n[i] = modguard_comp_name(formats[i]);
		assert_non_null(n[i]);
		assert_true(n[i][0] != 0);
	}
	assert_string_not_equal(n[0], n[1]);
	assert_string_not_equal(n[1], n[2]);
	assert_string_not_equal(n[0], n[2]);
	assert_non_null(strstr(n[0], "gz"));
	assert_non_null(strstr(n[1], "xz"));
	assert_non_null(strstr(n[2], "zst"));
}

static void test_roundtrip(void **state)
{
	static const size_t sizes[] = { 1, 100, 4096, 1u << 20, (3u << 20) + 17 };

	for (size_t f = 0; f < 3; f++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct modguard_err err;
			uint8_t *in = sample(sizes[s]), *c = NULL, *d = NULL;
			size_t clen = 0, dlen = 0;

			assert_int_equal(
				modguard_compress(formats[f], in, sizes[s], &c, &clen, &err), 0);
			assert_true(clen > 0);
			assert_int_equal(modguard_comp_detect(c, clen), formats[f]);
			assert_int_equal(modguard_decompress(formats[f], c, clen,
							     MODGUARD_MAX_MODULE, &d, &dlen, &err),
					 0);
			assert_int_equal(dlen, sizes[s]);
			assert_memory_equal(d, in, dlen);
			free(in);
			free(c);
			free(d);
		}
	}
}

/* modguard's output decodes with the reference decoders. */
static void test_reference_decoders(void **state)
{
	size_t n = 700000;
	uint8_t *in = sample(n), *c, *out = malloc(n + 1);
	size_t clen;
	struct modguard_err err;

	assert_non_null(out);

	/* gzip through zlib (windowBits 16+15 = gzip wrapper only). */
	assert_int_equal(modguard_compress(MG_COMP_GZIP, in, n, &c, &clen, &err), 0);
	/*
	 * The kernel's module_gzip_header_len() accepts deflate (CM 8) and skips only
	 * FNAME (0x08): FTEXT, FHCRC, FEXTRA or FCOMMENT would make it misread the stream.
	 */
	assert_true(clen > 18);
	assert_int_equal(c[2], 8);
	assert_int_equal(c[3] & ~0x08, 0);
	{
		z_stream z;

		memset(&z, 0, sizeof(z));
		assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
		z.next_in = c;
		z.avail_in = (uInt)clen;
		z.next_out = out;
		z.avail_out = (uInt)n + 1;
		assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
		assert_int_equal(z.total_out, n);
		assert_int_equal(z.avail_in, 0);
		inflateEnd(&z);
		assert_memory_equal(out, in, n);
	}
	free(c);

	/* xz through liblzma; the kernel's decoder only checks CRC32 (stream flags 00 01). */
	assert_int_equal(modguard_compress(MG_COMP_XZ, in, n, &c, &clen, &err), 0);
	{
		uint64_t memlimit = UINT64_MAX;
		size_t in_pos = 0, out_pos = 0;

		assert_true(clen > 12);
		assert_int_equal(c[6], 0x00);
		assert_int_equal(c[7], LZMA_CHECK_CRC32);
		assert_int_equal(lzma_stream_buffer_decode(&memlimit, 0, NULL, c, &in_pos, clen,
							   out, &out_pos, n + 1),
				 LZMA_OK);
		assert_int_equal(out_pos, n);
		assert_int_equal(in_pos, clen);
		assert_memory_equal(out, in, n);
	}
	free(c);

	/* zstd through libzstd. */
	assert_int_equal(modguard_compress(MG_COMP_ZSTD, in, n, &c, &clen, &err), 0);
	{
		size_t r = ZSTD_decompress(out, n + 1, c, clen);

		assert_false(ZSTD_isError(r));
		assert_int_equal(r, n);
		assert_memory_equal(out, in, n);
	}
	free(c);
	free(in);
	free(out);
}

/* Streams made by the reference encoders decode with modguard. */
static void test_reference_encoders(void **state)
{
	size_t n = 300000;
	uint8_t *in = sample(n), *c = malloc(n + 4096), *d;
	size_t clen, dlen;
	struct modguard_err err;

	assert_non_null(c);
	{
		z_stream z;

		memset(&z, 0, sizeof(z));
		assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
					      Z_DEFAULT_STRATEGY),
				 Z_OK);
		z.next_in = in;
		z.avail_in = (uInt)n;
		z.next_out = c;
		z.avail_out = (uInt)(n + 4096);
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		clen = z.total_out;
		deflateEnd(&z);
	}
	assert_int_equal(modguard_comp_detect(c, clen), MG_COMP_GZIP);
	assert_int_equal(modguard_decompress(MG_COMP_GZIP, c, clen, n, &d, &dlen, &err), 0);
	assert_int_equal(dlen, n);
	assert_memory_equal(d, in, n);
	free(d);

	clen = 0;
	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, n, c, &clen,
						 n + 4096),
			 LZMA_OK);
	assert_int_equal(modguard_decompress(MG_COMP_XZ, c, clen, n, &d, &dlen, &err), 0);
	assert_int_equal(dlen, n);
	assert_memory_equal(d, in, n);
	free(d);

	clen = ZSTD_compress(c, n + 4096, in, n, 19);
	assert_false(ZSTD_isError(clen));
	assert_int_equal(modguard_decompress(MG_COMP_ZSTD, c, clen, n, &d, &dlen, &err), 0);
	assert_int_equal(dlen, n);
	assert_memory_equal(d, in, n);
	free(d);
	free(c);
	free(in);
}

/* The cap is on decompressed bytes: exactly the size passes, one byte less is a bomb. */
static void test_cap(void **state)
{
	size_t n = 8u << 20;
	uint8_t *zero = calloc(1, n);

	assert_non_null(zero);
	for (size_t f = 0; f < 3; f++) {
		struct modguard_err err;
		uint8_t *c, *d = NULL;
		size_t clen, dlen;

		assert_int_equal(modguard_compress(formats[f], zero, n, &c, &clen, &err), 0);
		assert_true(clen < n / 100);
		assert_int_equal(modguard_decompress(formats[f], c, clen, n, &d, &dlen, &err), 0);
		assert_int_equal(dlen, n);
		free(d);
		d = NULL;
		memset(&err, 0, sizeof(err));
		assert_true(modguard_decompress(formats[f], c, clen, n - 1, &d, &dlen, &err) < 0);
		assert_int_equal(err.reason, MG_E_BOMB);
		assert_null(d);
		memset(&err, 0, sizeof(err));
		assert_true(modguard_decompress(formats[f], c, clen, 1u << 20, &d, &dlen, &err) <
			    0);
		assert_int_equal(err.reason, MG_E_BOMB);
		free(c);
	}
	free(zero);
}

static void expect_corrupt(enum modguard_comp f, const uint8_t *c, size_t clen)
{
	struct modguard_err err;
	uint8_t *d = NULL;
	size_t dlen;

	memset(&err, 0, sizeof(err));
	assert_true(modguard_decompress(f, c, clen, MODGUARD_MAX_MODULE, &d, &dlen, &err) < 0);
	assert_int_equal(err.reason, MG_E_COMPRESS);
	assert_true(err.msg[0] != 0);
	assert_null(d);
}

static void test_corrupt(void **state)
{
	size_t n = 200000;
	uint8_t *in = sample(n);

	for (size_t f = 0; f < 3; f++) {
		struct modguard_err err;
		uint8_t *c;
		size_t clen;

		assert_int_equal(modguard_compress(formats[f], in, n, &c, &clen, &err), 0);
		/* Truncations: header only, half, all but the last byte. */
		expect_corrupt(formats[f], c, 4);
		expect_corrupt(formats[f], c, clen / 2);
		expect_corrupt(formats[f], c, clen - 1);
		/* Empty input. */
		expect_corrupt(formats[f], c, 0);
		/* gzip and xz carry a CRC of the data: a flipped byte in the last check is caught. */
		if (formats[f] != MG_COMP_ZSTD) {
			size_t at = formats[f] == MG_COMP_GZIP ? clen - 6 : clen / 2;

			c[at] ^= 0x01;
			expect_corrupt(formats[f], c, clen);
			c[at] ^= 0x01;
		}
		/* Garbage with the right magic. */
		memset(c + 6, 0xa5, clen - 6);
		expect_corrupt(formats[f], c, clen);
		free(c);
	}
	free(in);
}

/* gzip of in with a header zlib writes from hdr (name, extra, comment, hcrc). */
static uint8_t *gzip_with(const uint8_t *in, size_t n, gz_header *hdr, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap = n + 4096;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	assert_int_equal(deflateSetHeader(&zs, hdr), Z_OK);
	zs.next_in = (uint8_t *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/*
 * Only what the kernel's module decompressor reads the same way: a gzip
 * header with FNAME at most (FEXTRA, FCOMMENT and FHCRC are header bytes
 * the kernel would inflate as data), one zstd data frame (no skippable
 * frame, no second frame).  zlib and libzstd, the reference tools, accept
 * every one of these files.
 */
static void test_kernel_grammar(void **state)
{
	size_t n = 50000, clen, dlen;
	uint8_t *in = sample(n), *c, *d = NULL, extra[16] = "evil-extra";
	struct modguard_err err;
	gz_header h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.name = (Bytef *)"hello.ko";
	c = gzip_with(in, n, &h, &clen);
	assert_int_equal(modguard_decompress(MG_COMP_GZIP, c, clen, n * 2, &d, &dlen, &err), 0);
	assert_int_equal(dlen, n);
	assert_memory_equal(d, in, n);
	free(d);
	free(c);
	for (int k = 0; k < 3; k++) {
		memset(&h, 0, sizeof(h));
		if (k == 0) {
			h.extra = extra;
			h.extra_len = sizeof(extra);
		} else if (k == 1) {
			h.comment = (Bytef *)"comment";
		} else {
			h.hcrc = 1;
		}
		c = gzip_with(in, n, &h, &clen);
		expect_corrupt(MG_COMP_GZIP, c, clen);
		free(c);
	}
	/* zstd: two frames; a skippable frame first. */
	{
		size_t bound = ZSTD_compressBound(n), a, b;
		uint8_t *z = malloc(2 * bound + 64);

		assert_non_null(z);
		a = ZSTD_compress(z, bound, in, n, 3);
		assert_false(ZSTD_isError(a));
		b = ZSTD_compress(z + a, bound, in, n / 2, 3);
		assert_false(ZSTD_isError(b));
		assert_int_equal(ZSTD_getFrameContentSize(z, a), n);
		expect_corrupt(MG_COMP_ZSTD, z, a + b);
		/* A skippable frame (magic 0x184D2A50, length 4) before the data frame. */
		memmove(z + 12, z, a);
		memcpy(z, "\x50\x2a\x4d\x18\x04\x00\x00\x00skip", 12);
		expect_corrupt(MG_COMP_ZSTD, z, a + 12);
		memmove(z, z + 12, a);
		assert_int_equal(modguard_decompress(MG_COMP_ZSTD, z, a, n * 2, &d, &dlen, &err),
				 0);
		assert_int_equal(dlen, n);
		free(d);
		free(z);
	}
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_grammar),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_reference_decoders),
		cmocka_unit_test(test_reference_encoders),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests_name("compress", tests, NULL, NULL);
}
