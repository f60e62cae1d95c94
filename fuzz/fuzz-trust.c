// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The trust store's text parsers, as the trusted program uses them: the
 * first byte picks the target.
 *   0: modguard_trust_parse_denylist on the rest (the deny list)
 *   1: modguard_trust_vouch of the rest against the certificates in
 *      trust.pem, plus a deny list naming the first of them (trust-add's
 *      decision on an arbitrary candidate file)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "libmodguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct modguard_trust *store;

static struct modguard_trust *get_store(void)
{
	struct modguard_err err;

	if (!store &&
	    (modguard_trust_new(&store) || modguard_trust_add_path(store, FUZZ_TRUST_PATH, &err)))
		abort();
	return store;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modguard_err err = { 0 };
	struct modguard_trust *t;
	uint8_t fp[32], *der = NULL;
	size_t signer = 0, der_len = 0;
	int r;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		r = modguard_trust_vouch(get_store(), data + 1, size - 1, &signer, fp, &der,
					 &der_len, &err);
		if (r >= 0 && (!der || !der_len || signer >= modguard_trust_count(get_store())))
			abort();
		if (r < 0 && (der || err.reason == MG_OK || err.reason >= MG_E__MAX || !err.msg[0]))
			abort();
		OPENSSL_free(der);
		return 0;
	}
	if (modguard_trust_new(&t))
		abort();
	r = modguard_trust_parse_denylist(t, data + 1, size - 1, &err);
	if (r < 0 && (err.reason == MG_OK || !err.msg[0] ||
		      strnlen(err.msg, sizeof(err.msg)) == sizeof(err.msg)))
		abort();
	modguard_trust_free(t);
	return 0;
}
