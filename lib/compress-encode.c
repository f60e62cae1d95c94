// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compression for .ko.gz/.ko.xz/.ko.zst, with settings the kernel's own
 * decompressors accept (Kbuild's: gzip -9, xz --check=crc32
 * --lzma2=dict=1MiB, zstd default level).  Signing tools only: the trusted
 * program never compresses (tests/tcb-check).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "internal.h"
#include "libmodguard.h"

static int gzip_buf(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
		    struct modguard_err *err)
{
	z_stream zs = { 0 };
	uLong bound;
	uint8_t *p;

	if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "cannot initialise zlib");
	bound = deflateBound(&zs, len) + 32;
	p = malloc(bound);
	if (!p) {
		deflateEnd(&zs);
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory compressing");
	}
	zs.next_in = (uint8_t *)in;
	zs.avail_in = len;
	zs.next_out = p;
	zs.avail_out = bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(p);
		return mg_fail(err, MG_E_COMPRESS, 0, "gzip compression failed");
	}
	*out_len = zs.total_out;
	deflateEnd(&zs);
	*out = p;
	return 0;
}

static int xz_buf(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
		  struct modguard_err *err)
{
	lzma_options_lzma opt;
	lzma_filter filters[2];
	size_t bound = lzma_stream_buffer_bound(len), pos = 0;
	uint8_t *p;

	if (lzma_lzma_preset(&opt, LZMA_PRESET_DEFAULT))
		return mg_fail(err, MG_E_COMPRESS, 0, "xz preset unavailable");
	opt.dict_size = 1u << 20; /* the kernel's XZ decoder is given a 1 MiB dictionary */
	filters[0] = (lzma_filter){ .id = LZMA_FILTER_LZMA2, .options = &opt };
	filters[1] = (lzma_filter){ .id = LZMA_VLI_UNKNOWN };
	p = malloc(bound);
	if (!p)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory compressing");
	if (lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL, in, len, p, &pos, bound) !=
	    LZMA_OK) {
		free(p);
		return mg_fail(err, MG_E_COMPRESS, 0, "xz compression failed");
	}
	*out = p;
	*out_len = pos;
	return 0;
}

static int zstd_buf(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
		    struct modguard_err *err)
{
	size_t bound = ZSTD_compressBound(len), n;
	uint8_t *p = malloc(bound);

	if (!p)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory compressing");
	n = ZSTD_compress(p, bound, in, len, ZSTD_CLEVEL_DEFAULT);
	if (ZSTD_isError(n)) {
		free(p);
		return mg_fail(err, MG_E_COMPRESS, 0, "zstd compression failed (%s)",
			       ZSTD_getErrorName(n));
	}
	*out = p;
	*out_len = n;
	return 0;
}

int modguard_compress(enum modguard_comp c, const uint8_t *buf, size_t len, uint8_t **out,
		      size_t *out_len, struct modguard_err *err)
{
	switch (c) {
	case MG_COMP_GZIP:
		return gzip_buf(buf, len, out, out_len, err);
	case MG_COMP_XZ:
		return xz_buf(buf, len, out, out_len, err);
	case MG_COMP_ZSTD:
		return zstd_buf(buf, len, out, out_len, err);
	default:
		return mg_fail(err, MG_E_USAGE, EINVAL, "no compression selected");
	}
}
