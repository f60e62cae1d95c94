// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decompression of every format.  The first byte picks the decoder (so each
 * one sees every input, whatever its magic) and whether to round-trip; the
 * rest is the stream.  A
 * successful decode must respect the cap, and compressing the output again
 * must round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libmodguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum modguard_comp fmts[] = { MG_COMP_GZIP, MG_COMP_XZ, MG_COMP_ZSTD };
	struct modguard_err err;
	enum modguard_comp c;
	uint8_t *out = NULL, *re = NULL, *back = NULL;
	size_t out_len = 0, re_len = 0, back_len = 0;
	int r;

	if (size < 1)
		return 0;
	c = fmts[data[0] % 3];
	(void)modguard_comp_detect(data + 1, size - 1);
	r = modguard_decompress(c, data + 1, size - 1, CAP, &out, &out_len, &err);
	if (r < 0) {
		if (out || (err.reason != MG_E_COMPRESS && err.reason != MG_E_BOMB &&
			    err.reason != MG_E_NOMEM && err.reason != MG_E_TOO_BIG))
			abort();
		return 0;
	}
	if (out_len > CAP)
		abort();
	/*
	 * Round trip through modguard's own encoder, for one input in eight (the xz
	 * encoder's set-up dominates a run) and small outputs only, to keep speed.
	 */
	if ((data[0] >> 2) % 8 == 0 && out_len <= (64u << 10)) {
		if (modguard_compress(c, out, out_len, &re, &re_len, &err) < 0)
			abort();
		if (modguard_comp_detect(re, re_len) != c)
			abort();
		if (modguard_decompress(c, re, re_len, CAP, &back, &back_len, &err) < 0)
			abort();
		if (back_len != out_len || (out_len && memcmp(back, out, out_len)))
			abort();
	}
	free(out);
	free(re);
	free(back);
	return 0;
}
