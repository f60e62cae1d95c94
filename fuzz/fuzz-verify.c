// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Trailer and PKCS#7 parsing on the verification path: the input is a whole
 * module image, checked against a fixed trust store (fuzz/trust.pem, whose
 * keys signed the seed corpus, so mutations reach signature checking).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmodguard.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct modguard_trust *trust;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct modguard_err err;
	const char *path = getenv("MODGUARD_FUZZ_TRUST");

	if (!path)
		path = FUZZ_TRUST_PATH;
	if (modguard_trust_new(&trust) < 0 || modguard_trust_add_path(trust, path, &err) < 0) {
		fprintf(stderr, "fuzz-verify: cannot load %s: %s\n", path, err.msg);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modguard_verify_result res;
	struct modguard_trailer t;
	struct modguard_err err, err2 = { 0 };
	size_t body;
	int r;

	r = modguard_trailer_parse(data, size, &t, &err);
	if (r == 0 &&
	    (t.body_len + t.sig_len + MODGUARD_TRAILER_LEN != size || t.sig_off != t.body_len))
		abort();
	r = modguard_body_len(data, size, &body, &err);
	if (r == 0 && body > size)
		abort();
	memset(&res, 0, sizeof(res));
	r = modguard_verify_image(trust, data, size, MG_VERIFY_DIGEST, &res, &err);
	if (r == 0 && (!res.signer[0] || !res.hash[0]))
		abort();
	if (r < 0 && (err.reason == MG_OK || err.reason >= MG_E__MAX || !err.msg[0]))
		abort();
	/*
	 * The one-pass digests the trusted program hands in must not change the
	 * answer: same verdict, same reason, same whole-file digest.
	 */
	if (modguard_trailer_parse(data, size, &t, &err2) == 0) {
		struct modguard_verify_result res2;
		struct modguard_digests d = { .body_len = t.body_len };
		int r2;

		memset(&res2, 0, sizeof(res2));
		modguard_sha256_split(data, t.body_len, size, d.body, d.whole);
		r2 = modguard_verify_image_with(trust, data, size, MG_VERIFY_DIGEST, &d, &res2,
						&err2);
		if (r2 != r || (r < 0 && err2.reason != err.reason) ||
		    (r == 0 && memcmp(res.module_sha256, res2.module_sha256, 32)))
			abort();
	}
	r = modguard_verify_image(trust, data, size, MG_VERIFY_ALLOW_SHA1, &res, &err);
	(void)r;
	return 0;
}
