// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The initramfs reader (tcb/lib/initrd.c): any bytes as an image.  An image
 * it reads must be consistent: entries within their segments, names in
 * canonical form, each name found again as the last of its entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modguard_err err;
	struct modguard_initrd r;

	if (modguard_initrd_parse(data, size, &r, &err)) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	if (!r.narchives || !r.nsegments || r.nsegments > MODGUARD_MAX_INITRD_SEGMENTS)
		abort();
	for (size_t i = 0; i < r.n; i++) {
		const struct modguard_initrd_entry *e = &r.entries[i], *f;
		const char *n = e->name;
		unsigned c;

		if (e->segment >= r.nsegments || e->archive >= r.narchives)
			abort();
		/* Canonical: no empty, "." or ".." component ("" alone is the root). */
		for (const char *p = n; *n;) {
			const char *q = strchr(p, '/');
			size_t l = q ? (size_t)(q - p) : strlen(p);

			if (!l || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
				abort();
			if (!q)
				break;
			p = q + 1;
		}
		f = modguard_initrd_find(&r, n, &c);
		if (!f || f < e || c == 0)
			abort();
		if ((e->mode & 0170000) == 0120000 && !e->target)
			abort();
	}
	modguard_initrd_release(&r);
	return 0;
}
