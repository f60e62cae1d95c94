// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gzip, xz and zstd for .ko.gz/.ko.xz/.ko.zst: detection and decompression,
 * capped so a small file cannot make us allocate without bound.  This half
 * is in the trusted program; compression is in compress-encode.c, which is
 * not.
 */
#include <errno.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "internal.h"

enum modguard_comp modguard_comp_detect(const uint8_t *buf, size_t len)
{
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
		return MG_COMP_GZIP;
	if (len >= 6 && !memcmp(buf,
				"\xfd"
				"7zXZ\0",
				6))
		return MG_COMP_XZ;
	if (len >= 4 && !memcmp(buf, "\x28\xb5\x2f\xfd", 4))
		return MG_COMP_ZSTD;
	return MG_COMP_NONE;
}

const char *modguard_comp_name(enum modguard_comp c)
{
	switch (c) {
	case MG_COMP_GZIP:
		return "gzip";
	case MG_COMP_XZ:
		return "xz";
	case MG_COMP_ZSTD:
		return "zstd";
	default:
		return "none";
	}
}

/* Output buffer that grows geometrically up to a hard cap. */
struct growbuf {
	uint8_t *p;
	size_t len, alloc, cap;
};

static int grow(struct growbuf *g)
{
	size_t n;
	uint8_t *p;

	if (g->alloc >= g->cap)
		return -EFBIG;
	n = g->alloc ? g->alloc * 2 : 1u << 20;
	if (n > g->cap)
		n = g->cap;
	p = realloc(g->p, n);
	if (!p)
		return -ENOMEM;
	g->p = p;
	g->alloc = n;
	return 0;
}

static int grow_fail(struct growbuf *g, int r, const char *what, struct modguard_err *err)
{
	free(g->p);
	g->p = NULL;
	if (r == -EFBIG)
		return mg_fail(err, MG_E_BOMB, 0,
			       "%s stream expands past the %zu-byte limit (decompression bomb?)",
			       what, g->cap);
	return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory decompressing %s", what);
}

static int gunzip(const uint8_t *in, size_t len, struct growbuf *g, struct modguard_err *err)
{
	z_stream zs = { 0 };
	const char *bad = NULL;
	int zr, r;

	if (len > UINT32_MAX || g->cap > UINT32_MAX)
		return mg_fail(err, MG_E_TOO_BIG, 0, "gzip input too large");
	/*
	 * The header as the kernel's module decompressor reads it: ID1 ID2 CM,
	 * then only FNAME (and FTEXT, which changes no layout).  It does not
	 * parse FEXTRA, FCOMMENT or FHCRC, and would inflate those header bytes
	 * as the stream: a file that decompresses one way here and another way
	 * in the kernel is refused, so that what was verified is what loads.
	 */
	if (len >= 4 && (in[3] & ~0x09))
		return mg_fail(
			err, MG_E_COMPRESS, 0,
			"gzip header has flags 0x%02x (FEXTRA, FCOMMENT, FHCRC or reserved), "
			"which the kernel's decompressor does not parse",
			in[3]);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "cannot initialise zlib");
	zs.next_in = (uint8_t *)in;
	zs.avail_in = (uInt)len;
	for (;;) {
		if (g->len == g->alloc && (r = grow(g)) < 0) {
			inflateEnd(&zs);
			return grow_fail(g, r, "gzip", err);
		}
		zs.next_out = g->p + g->len;
		zs.avail_out = (uInt)(g->alloc - g->len);
		zr = inflate(&zs, Z_NO_FLUSH);
		g->len = g->alloc - zs.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_OK || (zr == Z_BUF_ERROR && zs.avail_out == 0))
			continue;
		bad = zr == Z_BUF_ERROR ? "truncated" : "corrupt";
		break;
	}
	if (!bad && zs.avail_in)
		bad = "followed by trailing data";
	inflateEnd(&zs);
	if (bad) {
		free(g->p);
		g->p = NULL;
		return mg_fail(err, MG_E_COMPRESS, 0, "gzip stream is %s", bad);
	}
	return 0;
}

static int unxz(const uint8_t *in, size_t len, struct growbuf *g, struct modguard_err *err)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_ret lr;
	int r;

	/* 256 MiB of decoder memory is ample for any dictionary a module uses. */
	if (lzma_stream_decoder(&ls, 256u << 20, 0) != LZMA_OK)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "cannot initialise liblzma");
	ls.next_in = in;
	ls.avail_in = len;
	do {
		if (g->len == g->alloc && (r = grow(g)) < 0) {
			lzma_end(&ls);
			return grow_fail(g, r, "xz", err);
		}
		ls.next_out = g->p + g->len;
		ls.avail_out = g->alloc - g->len;
		lr = lzma_code(&ls, LZMA_FINISH);
		g->len = g->alloc - ls.avail_out;
	} while (lr == LZMA_OK);
	lzma_end(&ls);
	if (lr != LZMA_STREAM_END) {
		free(g->p);
		g->p = NULL;
		return mg_fail(err, MG_E_COMPRESS, 0, "xz stream is %s",
			       lr == LZMA_BUF_ERROR	 ? "truncated" :
			       lr == LZMA_DATA_ERROR	 ? "corrupt" :
			       lr == LZMA_FORMAT_ERROR	 ? "not in .xz format" :
			       lr == LZMA_MEMLIMIT_ERROR ? "asking for too much decoder memory" :
							   "unreadable");
	}
	if (ls.avail_in) {
		free(g->p);
		g->p = NULL;
		return mg_fail(err, MG_E_COMPRESS, 0, "%zu bytes of trailing data after xz stream",
			       ls.avail_in);
	}
	return 0;
}

static int unzstd(const uint8_t *in, size_t len, struct growbuf *g, struct modguard_err *err)
{
	ZSTD_DStream *zd = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t zr = 1;
	int r;

	if (!zd)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "cannot initialise libzstd");
	/* Refuse frames that want a window over 128 MiB. */
	ZSTD_DCtx_setParameter(zd, ZSTD_d_windowLogMax, 27);
	/*
	 * One data frame, as the kernel's module decompressor reads it: it
	 * stops at the end of the first frame.  Skippable frames and a second
	 * frame are refused, so that what was verified is what loads.
	 */
	if (len < 4 || in[0] != 0x28 || in[1] != 0xb5 || in[2] != 0x2f || in[3] != 0xfd) {
		ZSTD_freeDStream(zd);
		return mg_fail(err, MG_E_COMPRESS, 0,
			       "zstd stream does not start with a data frame (skippable frame?)");
	}
	while (ib.pos < ib.size || zr != 0) {
		ZSTD_outBuffer ob;

		if (g->len == g->alloc && (r = grow(g)) < 0) {
			ZSTD_freeDStream(zd);
			return grow_fail(g, r, "zstd", err);
		}
		ob = (ZSTD_outBuffer){ g->p, g->alloc, g->len };
		zr = ZSTD_decompressStream(zd, &ob, &ib);
		g->len = ob.pos;
		if (ZSTD_isError(zr)) {
			const char *why = ZSTD_getErrorName(zr);

			ZSTD_freeDStream(zd);
			free(g->p);
			g->p = NULL;
			return mg_fail(err, MG_E_COMPRESS, 0, "zstd stream is corrupt (%s)", why);
		}
		if (zr != 0 && ib.pos == ib.size && ob.pos < ob.size) {
			ZSTD_freeDStream(zd);
			free(g->p);
			g->p = NULL;
			return mg_fail(err, MG_E_COMPRESS, 0, "zstd stream is truncated");
		}
		if (zr == 0 && ib.pos < ib.size) {
			ZSTD_freeDStream(zd);
			free(g->p);
			g->p = NULL;
			return mg_fail(
				err, MG_E_COMPRESS, 0,
				"%zu bytes after the first zstd frame (one frame is read, as the kernel's module decompressor reads one)",
				ib.size - ib.pos);
		}
	}
	ZSTD_freeDStream(zd);
	return 0;
}

int modguard_decompress(enum modguard_comp c, const uint8_t *buf, size_t len, size_t cap,
			uint8_t **out, size_t *out_len, struct modguard_err *err)
{
	struct growbuf g = { .cap = cap ? cap : MODGUARD_MAX_MODULE };
	int r;

	switch (c) {
	case MG_COMP_GZIP:
		r = gunzip(buf, len, &g, err);
		break;
	case MG_COMP_XZ:
		r = unxz(buf, len, &g, err);
		break;
	case MG_COMP_ZSTD:
		r = unzstd(buf, len, &g, err);
		break;
	default:
		return mg_fail(err, MG_E_USAGE, EINVAL, "not a compressed stream");
	}
	if (r < 0)
		return r;
	if (g.len == 0) {
		free(g.p);
		return mg_fail(err, MG_E_COMPRESS, 0, "%s stream decompresses to nothing",
			       modguard_comp_name(c));
	}
	*out = g.p;
	*out_len = g.len;
	return 0;
}
