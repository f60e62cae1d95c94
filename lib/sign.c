// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Signing, with the CMS calls and flags of the kernel's scripts/sign-file so
 * that RSA output is byte-identical.  Not linked into the trusted program.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* the pkcs11 engine API, as sign-file uses it */
#include <errno.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "libmodguard.h"

struct modguard_signer {
	EVP_PKEY *key;
	X509 *cert;
	const EVP_MD *md;
	unsigned flags;
};

void modguard_signer_free(struct modguard_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	free(s);
}

static EVP_PKEY *load_pkcs11(const char *uri, struct modguard_err *err)
{
	EVP_PKEY *k = NULL;
	ENGINE *e;
	const char *pin;

	ENGINE_load_builtin_engines();
	e = ENGINE_by_id("pkcs11");
	if (!e) {
		mg_fail(err, MG_E_KEY, 0,
			"pkcs11 URI given but OpenSSL's pkcs11 engine is not available "
			"(install libengine-pkcs11-openssl)");
		mg_append_ssl(err);
		return NULL;
	}
	if (!ENGINE_init(e)) {
		ENGINE_free(e);
		mg_fail(err, MG_E_KEY, 0, "cannot initialise the pkcs11 engine");
		mg_append_ssl(err);
		return NULL;
	}
	/* Same variable as sign-file, so existing build setups keep working. */
	pin = getenv("MODGUARD_SIGN_PIN");
	if (!pin)
		pin = getenv("KBUILD_SIGN_PIN");
	if (pin && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
		mg_fail(err, MG_E_KEY, 0, "pkcs11 engine refused the PIN");
		mg_append_ssl(err);
	} else {
		k = ENGINE_load_private_key(e, uri, NULL, NULL);
		if (!k) {
			mg_fail(err, MG_E_KEY, 0, "cannot load private key from the token");
			mg_append_ssl(err);
		}
	}
	ENGINE_finish(e);
	ENGINE_free(e);
	return k;
}

static EVP_PKEY *load_key(const char *path, struct modguard_err *err)
{
	uint8_t *data = NULL;
	size_t len;
	EVP_PKEY *k = NULL;
	BIO *b;

	if (!strncmp(path, "pkcs11:", 7))
		return load_pkcs11(path, err);
	if (modguard_file_read(path, &data, &len, err) < 0)
		return NULL;
	b = BIO_new_mem_buf(data, len);
	if (b) {
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		if (!k) {
			const uint8_t *p = data;

			ERR_clear_error();
			k = d2i_AutoPrivateKey(NULL, &p, len);
		}
		BIO_free(b);
	}
	OPENSSL_cleanse(data, len);
	free(data);
	if (!k) {
		ERR_clear_error();
		mg_fail(err, MG_E_KEY, 0, "not a private key (expected unencrypted PEM or DER)");
	}
	return k;
}

static X509 *load_cert(const char *path, struct modguard_err *err)
{
	uint8_t *data = NULL;
	size_t len;
	X509 *x = NULL;
	BIO *b;

	if (modguard_file_read(path, &data, &len, err) < 0)
		return NULL;
	b = BIO_new_mem_buf(data, len);
	if (b) {
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (!x) {
			const uint8_t *p = data;

			ERR_clear_error();
			x = d2i_X509(NULL, &p, len);
		}
		BIO_free(b);
	}
	free(data);
	if (!x) {
		ERR_clear_error();
		mg_fail(err, MG_E_CERT, 0, "not an X.509 certificate (expected PEM or DER)");
	}
	return x;
}

int modguard_signer_new(const char *key, const char *cert, const char *hash, unsigned flags,
			struct modguard_signer **out, struct modguard_err *err)
{
	struct modguard_signer *s;
	int nid, r = 0;

	nid = modguard_hash_by_name(hash ? hash : "sha256");
	if (nid < 0)
		return mg_fail(err, MG_E_USAGE, EINVAL, "unknown hash algorithm '%s'", hash);
	if (nid == NID_sha1 || nid == NID_sha224)
		return mg_fail(err, MG_E_HASH_ALGO, 0,
			       "%s is legacy and refused for signing; use sha256 or stronger",
			       hash);
	s = calloc(1, sizeof(*s));
	if (!s)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	s->flags = flags;
	s->md = EVP_get_digestbynid(nid);
	if (!s->md) {
		r = mg_fail(err, MG_E_HASH_ALGO, 0, "hash '%s' is not available in this OpenSSL",
			    hash);
		goto out;
	}
	s->cert = load_cert(cert, err);
	if (!s->cert) {
		r = -EINVAL;
		if (err && err->reason == MG_E_IO)
			r = -(err->errnum ? err->errnum : EIO);
		mg_prefix(err, cert);
		goto out;
	}
	if (X509_check_ca(s->cert) == 1 && (X509_get_extension_flags(s->cert) & EXFLAG_CA)) {
		r = mg_fail(err, MG_E_CERT, 0,
			    "%s: is a CA certificate (CA:TRUE); sign with a leaf key", cert);
		goto out;
	}
	if (X509_cmp_time(X509_get0_notAfter(s->cert), NULL) < 0) {
		r = mg_fail(err, MG_E_CERT, 0, "%s: certificate has expired", cert);
		goto out;
	}
	s->key = load_key(key, err);
	if (!s->key) {
		r = -EINVAL;
		mg_prefix(err, key);
		goto out;
	}
	if (!X509_check_private_key(s->cert, s->key)) {
		ERR_clear_error();
		r = mg_fail(err, MG_E_KEY, 0, "%s does not match the certificate %s", key, cert);
		goto out;
	}
out:
	if (r < 0)
		modguard_signer_free(s);
	else
		*out = s;
	return r;
}

int modguard_signer_sign(struct modguard_signer *s, const uint8_t *body, size_t len, uint8_t **sig,
			 size_t *sig_len, struct modguard_err *err)
{
	unsigned use_keyid = (s->flags & MG_SIGN_KEYID) ? CMS_USE_KEYID : 0;
	CMS_ContentInfo *cms;
	BIO *in;
	uint8_t *der = NULL;
	int n, r = 0;

	if (len > INT32_MAX)
		return mg_fail(err, MG_E_TOO_BIG, 0, "module too large to sign");
	in = BIO_new_mem_buf(body, (int)len);
	if (!in)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	cms = CMS_sign(NULL, NULL, NULL, NULL,
		       CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED | CMS_STREAM);
	if (!cms ||
	    !CMS_add1_signer(cms, s->cert, s->key, s->md,
			     CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | use_keyid | CMS_NOATTR) ||
	    CMS_final(cms, in, NULL, CMS_NOCERTS | CMS_BINARY) != 1) {
		r = mg_fail(err, MG_E_CRYPTO, 0, "CMS signing failed");
		mg_append_ssl(err);
		goto out;
	}
	n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0) {
		r = mg_fail(err, MG_E_CRYPTO, 0, "cannot encode the PKCS#7 message");
		mg_append_ssl(err);
		goto out;
	}
	*sig = der;
	*sig_len = n;
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return r;
}

int modguard_sign_parts(struct modguard_signer *s, const uint8_t *elf, size_t len, size_t *body_len,
			uint8_t **sig, size_t *sig_len, uint8_t trailer[MODGUARD_TRAILER_LEN],
			struct modguard_err *err)
{
	int r;

	if (len == 0)
		return mg_fail(err, MG_E_NOT_ELF, 0, "file is empty");
	if (len < 4 || memcmp(elf, "\177ELF", 4))
		return mg_fail(err, MG_E_NOT_ELF, 0, "not an ELF module (no \\177ELF magic)");
	/* Re-signing replaces the old signature rather than stacking a second one. */
	r = modguard_body_len(elf, len, body_len, err);
	if (r < 0)
		return r;
	r = modguard_signer_sign(s, elf, *body_len, sig, sig_len, err);
	if (r < 0)
		return r;
	modguard_trailer_emit(trailer, (uint32_t)*sig_len);
	return 0;
}

int modguard_sign_image(struct modguard_signer *s, const uint8_t *elf, size_t len, uint8_t **out,
			size_t *out_len, struct modguard_err *err)
{
	uint8_t *sig = NULL, *img, trailer[MODGUARD_TRAILER_LEN];
	size_t body, sig_len;
	int r;

	r = modguard_sign_parts(s, elf, len, &body, &sig, &sig_len, trailer, err);
	if (r < 0)
		return r;
	img = malloc(body + sig_len + MODGUARD_TRAILER_LEN);
	if (!img) {
		OPENSSL_free(sig);
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	}
	memcpy(img, elf, body);
	memcpy(img + body, sig, sig_len);
	memcpy(img + body + sig_len, trailer, MODGUARD_TRAILER_LEN);
	OPENSSL_free(sig);
	*out = img;
	*out_len = body + sig_len + MODGUARD_TRAILER_LEN;
	return 0;
}

/* The trailer sign-file appends (signing only: the trusted program parses, never emits). */
void modguard_trailer_emit(uint8_t out[MODGUARD_TRAILER_LEN], uint32_t sig_len)
{
	memset(out, 0, MODGUARD_SIG_INFO_LEN);
	out[MS_ID_TYPE] = PKEY_ID_PKCS7;
	out[MS_SIG_LEN] = sig_len >> 24;
	out[MS_SIG_LEN + 1] = sig_len >> 16;
	out[MS_SIG_LEN + 2] = sig_len >> 8;
	out[MS_SIG_LEN + 3] = sig_len;
	memcpy(out + MODGUARD_SIG_INFO_LEN, MODGUARD_SIG_MAGIC, MODGUARD_SIG_MAGIC_LEN);
}
