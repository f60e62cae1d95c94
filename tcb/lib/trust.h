/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MODGUARD_TRUST_H
#define MODGUARD_TRUST_H

#include <openssl/x509.h>

#include "modguard.h"

struct mg_cert {
	X509 *x509;
	EVP_PKEY *pkey; /* borrowed from x509 */
	uint8_t fp[32]; /* SHA-256 of the DER certificate */
	char label[64]; /* the file it came from (no directory), truncated */
};

struct modguard_trust {
	struct mg_cert *certs;
	size_t n, alloc;
	uint8_t (*deny_cert)[32];
	size_t n_deny_cert;
	uint8_t (*deny_mod)[32];
	size_t n_deny_mod;
};

bool mg_deny_has(uint8_t (*set)[32], size_t n, const uint8_t d[32]);
void mg_cert_describe(const X509 *x, char *issuer_cn, size_t cnsz, char *serial, size_t sersz,
		      char *skid, size_t skidsz);

#endif
