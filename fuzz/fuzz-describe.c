// SPDX-License-Identifier: LGPL-2.1-or-later
/* modguard_sig_describe (what `modguard info` prints) on arbitrary images. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libmodguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modguard_sig_desc d;
	struct modguard_err err;
	int r;

	r = modguard_sig_describe(data, size, &d, &err);
	if (r == 0) {
		/* Every field is a terminated string; the signature lies inside the input. */
		if (strnlen(d.signer, sizeof(d.signer)) == sizeof(d.signer) ||
		    strnlen(d.sig_key, sizeof(d.sig_key)) == sizeof(d.sig_key) ||
		    strnlen(d.hashalgo, sizeof(d.hashalgo)) == sizeof(d.hashalgo) ||
		    d.signature_len > size)
			abort();
		if (d.signature_len)
			(void)d.signature[d.signature_len - 1];
		modguard_sig_desc_release(&d);
	} else if (err.reason == MG_OK || err.reason >= MG_E__MAX) {
		abort();
	}
	return 0;
}
