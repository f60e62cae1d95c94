// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * User-space verification of a module's appended PKCS#7 signature.
 *
 * We accept exactly the shape scripts/sign-file makes and the kernel's
 * pkcs7 parser wants: detached SignedData, one signer, no signed attributes,
 * signer named by issuer+serial or subject key id.  Anything else is refused
 * with a reason, before any public-key work.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "trust.h"

static void cms_freep(CMS_ContentInfo **c)
{
	CMS_ContentInfo_free(*c);
}

static void md_freep(EVP_MD **md)
{
	EVP_MD_free(*md);
}

static bool is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "\177ELF", 4);
}

/* Parse the blob and check its shape; on success *si is the single signer. */
int mg_parse_pkcs7(const uint8_t *sig, size_t sig_len, CMS_ContentInfo **out, CMS_SignerInfo **si,
		   struct modguard_err *err)
{
	const uint8_t *p = sig;
	CMS_ContentInfo *cms;
	STACK_OF(CMS_SignerInfo) * sis;
	ASN1_OCTET_STRING **content;
	int n;

	cms = d2i_CMS_ContentInfo(NULL, &p, sig_len);
	if (!cms) {
		ERR_clear_error();
		return mg_fail(err, MG_E_SIG_FORMAT, 0,
			       "signature is not a DER PKCS#7 message (%zu bytes)", sig_len);
	}
	if ((size_t)(p - sig) != sig_len) {
		CMS_ContentInfo_free(cms);
		return mg_fail(err, MG_E_SIG_FORMAT, 0,
			       "%zu stray bytes follow the PKCS#7 message inside the signature",
			       sig_len - (size_t)(p - sig));
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		return mg_fail(err, MG_E_SIG_FORMAT, 0, "PKCS#7 message is not SignedData");
	}
	content = CMS_get0_content(cms);
	if (content && *content) {
		CMS_ContentInfo_free(cms);
		return mg_fail(err, MG_E_SIG_CONTENT, 0,
			       "PKCS#7 message embeds content; module signatures must be detached");
	}
	sis = CMS_get0_SignerInfos(cms);
	n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	if (n != 1) {
		CMS_ContentInfo_free(cms);
		return mg_fail(err, MG_E_SIG_SIGNERS, 0,
			       "PKCS#7 message has %d signers, expected 1", n);
	}
	*si = sk_CMS_SignerInfo_value(sis, 0);
	if (CMS_signed_get_attr_count(*si) > 0) {
		CMS_ContentInfo_free(cms);
		return mg_fail(
			err, MG_E_SIG_ATTRS, 0,
			"PKCS#7 signer carries signed attributes; the kernel's format has none");
	}
	*out = cms;
	return 0;
}

static int check_hash(int nid, unsigned flags, bool *legacy, struct modguard_err *err)
{
	*legacy = false;
	switch (nid) {
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
	case NID_sha3_256:
	case NID_sha3_384:
	case NID_sha3_512:
		return 0;
	case NID_sha1:
		if (flags & MG_VERIFY_ALLOW_SHA1) {
			*legacy = true;
			return 0;
		}
		return mg_fail(
			err, MG_E_HASH_ALGO, 0,
			"signed with SHA-1, a legacy hash (accepted only with --allow-sha1)");
	case NID_sha224:
		return mg_fail(err, MG_E_HASH_ALGO, 0, "signed with SHA-224, which is refused");
	default:
		return mg_fail(err, MG_E_HASH_ALGO, 0, "signed with unsupported digest %s",
			       nid == NID_undef ? "(unknown OID)" : OBJ_nid2sn(nid));
	}
}

static void describe_signer_id(CMS_SignerInfo *si, char *out, size_t outsz)
{
	ASN1_OCTET_STRING *kid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	char hex[130], cn[128] = "";

	if (!CMS_SignerInfo_get0_signer_id(si, &kid, &issuer, &sno)) {
		snprintf(out, outsz, "unidentified signer");
		return;
	}
	if (kid) {
		mg_hex(ASN1_STRING_get0_data(kid), ASN1_STRING_length(kid), hex, sizeof(hex));
		snprintf(out, outsz, "key id %s", hex);
		return;
	}
	if (issuer) {
		int i = X509_NAME_get_index_by_NID(issuer, NID_commonName, -1);

		if (i >= 0) {
			const ASN1_STRING *d =
				X509_NAME_ENTRY_get_data(X509_NAME_get_entry(issuer, i));

			snprintf(cn, sizeof(cn), "%.*s", ASN1_STRING_length(d),
				 (const char *)ASN1_STRING_get0_data(d));
		}
	}
	/*
	 * The name comes from an unverified signature: keep control characters out of
	 * the message, or a newline in it forges a "FILE: OK" line in verify's output.
	 */
	for (char *p = cn; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	hex[0] = '\0';
	if (sno)
		mg_hex(ASN1_STRING_get0_data(sno), ASN1_STRING_length(sno), hex, sizeof(hex));
	snprintf(out, outsz, "issuer \"%s\", serial %s", cn, hex);
}

int mg_cert_usable(const X509 *x, struct modguard_err *err)
{
	uint32_t ku;

	if (X509_check_ca((X509 *)x) == 1 && (X509_get_extension_flags((X509 *)x) & EXFLAG_CA))
		return mg_fail(err, MG_E_CERT, 0,
			       "signer certificate is a CA certificate (CA:TRUE); "
			       "module signing keys must be leaf keys");
	ku = X509_get_key_usage((X509 *)x);
	if (ku != UINT32_MAX && !(ku & KU_DIGITAL_SIGNATURE))
		return mg_fail(err, MG_E_CERT, 0,
			       "signer certificate's keyUsage does not allow digitalSignature");
	if (X509_cmp_time(X509_get0_notAfter(x), NULL) < 0)
		return mg_fail(err, MG_E_CERT, 0, "signer certificate has expired");
	if (X509_cmp_time(X509_get0_notBefore(x), NULL) > 0)
		return mg_fail(err, MG_E_CERT, 0, "signer certificate is not valid yet");
	return 0;
}

static int verify_sig(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *digest, unsigned dlen,
		      const ASN1_OCTET_STRING *sig, struct modguard_err *err)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	int ok = 0;

	if (!ctx)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	if (EVP_PKEY_verify_init(ctx) > 0 && EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
	    (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA ||
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0))
		ok = EVP_PKEY_verify(ctx, ASN1_STRING_get0_data(sig), ASN1_STRING_length(sig),
				     digest, dlen);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	if (ok != 1)
		return mg_fail(err, MG_E_BAD_SIGNATURE, 0,
			       "signature does not match the module's contents "
			       "(module modified, or signed by another key with the same name)");
	return 0;
}

int modguard_verify_image(const struct modguard_trust *t, const uint8_t *buf, size_t len,
			  unsigned flags, struct modguard_verify_result *res,
			  struct modguard_err *err)
{
	return modguard_verify_image_with(t, buf, len, flags, NULL, res, err);
}

int modguard_verify_image_with(const struct modguard_trust *t, const uint8_t *buf, size_t len,
			       unsigned flags, const struct modguard_digests *d,
			       struct modguard_verify_result *res, struct modguard_err *err)
{
	_cleanup_(cms_freep) CMS_ContentInfo *cms = NULL;
	_cleanup_(md_freep) EVP_MD *md = NULL;
	struct modguard_trailer tr;
	CMS_SignerInfo *si;
	X509_ALGOR *dig_alg, *sig_alg;
	const struct mg_cert *c = NULL;
	uint8_t digest[EVP_MAX_MD_SIZE], whole[32];
	unsigned dlen;
	bool legacy, want_whole, have_whole = false;
	int r, nid;

	memset(res, 0, sizeof(*res));
	if (len == 0)
		return mg_fail(err, MG_E_NOT_ELF, 0, "file is empty");
	if (!is_elf(buf, len))
		return mg_fail(err, MG_E_NOT_ELF, 0, "not an ELF module (no \\177ELF magic)");
	r = modguard_trailer_parse(buf, len, &tr, err);
	if (r < 0)
		return r;
	r = mg_parse_pkcs7(buf + tr.sig_off, tr.sig_len, &cms, &si, err);
	if (r < 0)
		return r;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig_alg, &sig_alg);
	nid = OBJ_obj2nid(dig_alg->algorithm);
	r = check_hash(nid, flags, &legacy, err);
	if (r < 0)
		return r;
	if (OBJ_obj2nid(sig_alg->algorithm) == NID_rsassaPss)
		return mg_fail(err, MG_E_HASH_ALGO, 0, "RSA-PSS signatures are not supported");

	for (size_t i = 0; i < t->n && !c; i++)
		if (CMS_SignerInfo_cert_cmp(si, t->certs[i].x509) == 0)
			c = &t->certs[i];
	if (!c) {
		char who[300];

		describe_signer_id(si, who, sizeof(who));
		return mg_fail(err, MG_E_UNKNOWN_SIGNER, 0, "signer is not in the trust store (%s)",
			       who);
	}

	/*
	 * The whole image's SHA-256 is wanted too (admission, the module deny
	 * list): with a SHA-256 signature both come from one pass over the module.
	 */
	want_whole = t->n_deny_mod || (flags & MG_VERIFY_DIGEST);
	/* Fetched, not looked up by NID: the trusted program has no legacy name tables. */
	md = EVP_MD_fetch(NULL, OBJ_nid2sn(nid), NULL);
	if (md && nid == NID_sha256 && d && d->body_len == tr.body_len) {
		memcpy(digest, d->body, 32);
		memcpy(whole, d->whole, 32);
		dlen = 32;
		have_whole = true;
	} else if (md && nid == NID_sha256 && want_whole) {
		modguard_sha256_split(buf, tr.body_len, len, digest, whole);
		dlen = 32;
		have_whole = true;
	} else if (!md || !EVP_Digest(buf, tr.body_len, digest, &dlen, md, NULL)) {
		ERR_clear_error();
		return mg_fail(err, MG_E_HASH_ALGO, 0, "digest %s unavailable in this OpenSSL",
			       OBJ_nid2sn(nid));
	}
	/*
	 * Several trusted certificates may carry the same issuer and serial (keys
	 * regenerated with a fixed serial): the signer is the one whose key verifies,
	 * whatever order the trust store lists them in.
	 */
	for (size_t i = c - t->certs; i < t->n; i++) {
		if (CMS_SignerInfo_cert_cmp(si, t->certs[i].x509) != 0)
			continue;
		r = verify_sig(t->certs[i].pkey, md, digest, dlen,
			       CMS_SignerInfo_get0_signature(si), err);
		if (r == 0) {
			c = &t->certs[i];
			break;
		}
	}
	if (r < 0)
		return r;
	if (mg_deny_has(t->deny_cert, t->n_deny_cert, c->fp))
		return mg_fail(err, MG_E_REVOKED_KEY, 0, "signer certificate is on the deny list");
	r = mg_cert_usable(c->x509, err);
	if (r < 0)
		return r;

	if (want_whole) {
		if (have_whole)
			memcpy(res->module_sha256, whole, sizeof(res->module_sha256));
		else
			modguard_sha256(buf, len, res->module_sha256);
		res->have_digest = true;
		if (mg_deny_has(t->deny_mod, t->n_deny_mod, res->module_sha256))
			return mg_fail(err, MG_E_REVOKED_MODULE, 0, "module is on the deny list");
	}

	mg_cert_describe(c->x509, res->signer, sizeof(res->signer), res->serial,
			 sizeof(res->serial), res->skid, sizeof(res->skid));
	snprintf(res->hash, sizeof(res->hash), "%s", modguard_hash_name(nid));
	res->legacy_hash = legacy;
	if (dlen <= sizeof(res->signed_digest)) {
		memcpy(res->signed_digest, digest, dlen);
		res->signed_digest_len = dlen;
	}
	return 0;
}

int modguard_verify_buffer(const struct modguard_trust *t, const uint8_t *buf, size_t len,
			   unsigned flags, struct modguard_verify_result *res,
			   struct modguard_err *err)
{
	enum modguard_comp comp = modguard_comp_detect(buf, len);
	uint8_t *elf = NULL, raw_digest[32];
	size_t elf_len;
	int r;

	if (comp == MG_COMP_NONE)
		return modguard_verify_image(t, buf, len, flags, res, err);

	r = modguard_decompress(comp, buf, len, MODGUARD_MAX_MODULE, &elf, &elf_len, err);
	if (r < 0) {
		memset(res, 0, sizeof(*res));
		return r;
	}
	r = modguard_verify_image(t, elf, elf_len, flags, res, err);
	free(elf);
	res->comp = comp;
	if (r == 0 && t->n_deny_mod) {
		/* A deny entry may name the compressed file as shipped, too. */
		modguard_sha256(buf, len, raw_digest);
		if (mg_deny_has(t->deny_mod, t->n_deny_mod, raw_digest))
			return mg_fail(err, MG_E_REVOKED_MODULE, 0, "module is on the deny list");
	}
	return r;
}
