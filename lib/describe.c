// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a module's signature says about itself (modinfo's signer, sig_key,
 * sig_hashalgo, signature): for the tools' info and describe, never for a
 * decision, so not part of the trusted computing base (tcb/lib verifies).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "libmodguard.h"

static void cms_freep(CMS_ContentInfo **c)
{
	CMS_ContentInfo_free(*c);
}

int modguard_sig_describe(const uint8_t *buf, size_t len, struct modguard_sig_desc *d,
			  struct modguard_err *err)
{
	_cleanup_(cms_freep) CMS_ContentInfo *cms = NULL;
	struct modguard_trailer tr;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *kid = NULL, *sig;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	X509_ALGOR *dig_alg;
	int r;

	memset(d, 0, sizeof(*d));
	r = modguard_trailer_parse(buf, len, &tr, err);
	if (r < 0)
		return r;
	r = mg_parse_pkcs7(buf + tr.sig_off, tr.sig_len, &cms, &si, err);
	if (r < 0)
		return r;
	if (!CMS_SignerInfo_get0_signer_id(si, &kid, &issuer, &sno))
		return mg_fail(err, MG_E_SIG_FORMAT, 0, "PKCS#7 signer has no identifier");
	if (issuer) {
		/* As kmod's x509_name_to_str(): the first CN, else the name's last entry. */
		int i = X509_NAME_get_index_by_NID(issuer, NID_commonName, -1);

		if (i < 0)
			i = X509_NAME_entry_count(issuer) - 1;
		if (i >= 0) {
			const ASN1_STRING *s =
				X509_NAME_ENTRY_get_data(X509_NAME_get_entry(issuer, i));

			snprintf(d->signer, sizeof(d->signer), "%.*s", ASN1_STRING_length(s),
				 (const char *)ASN1_STRING_get0_data(s));
		}
	}
	if (sno) {
		/*
		 * modinfo prints the serial as a positive big number (BN_bn2bin): no leading
		 * zero bytes, and nothing at all for serial 0.
		 */
		const uint8_t *p = ASN1_STRING_get0_data(sno);
		int n = ASN1_STRING_length(sno);

		while (n > 0 && p[0] == 0) {
			p++;
			n--;
		}
		mg_hex(p, n, d->sig_key, sizeof(d->sig_key));
	} else if (kid) {
		mg_hex(ASN1_STRING_get0_data(kid), ASN1_STRING_length(kid), d->sig_key,
		       sizeof(d->sig_key));
	}
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig_alg, NULL);
	OBJ_obj2txt(d->hashalgo, sizeof(d->hashalgo), dig_alg->algorithm, 0);
	sig = CMS_SignerInfo_get0_signature(si);
	d->signature_len = ASN1_STRING_length(sig);
	d->signature = malloc(d->signature_len ? d->signature_len : 1);
	if (!d->signature)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	memcpy(d->signature, ASN1_STRING_get0_data(sig), d->signature_len);
	return 0;
}

void modguard_sig_desc_release(struct modguard_sig_desc *d)
{
	free(d->signature);
	d->signature = NULL;
}
