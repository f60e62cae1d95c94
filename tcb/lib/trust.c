// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The owner's trust store: X.509 certificates from one file or a directory,
 * and deny lists of certificate fingerprints and module digests.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "trust.h"

int modguard_trust_new(struct modguard_trust **out)
{
	struct modguard_trust *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	*out = t;
	return 0;
}

void modguard_trust_free(struct modguard_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		X509_free(t->certs[i].x509);
	free(t->certs);
	free(t->deny_cert);
	free(t->deny_mod);
	free(t);
}

size_t modguard_trust_count(const struct modguard_trust *t)
{
	return t->n;
}

static void name_cn(const X509_NAME *name, char *out, size_t outsz)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);

	out[0] = '\0';
	if (i >= 0) {
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
		int n = ASN1_STRING_length(d);

		if (n >= (int)outsz)
			n = outsz - 1;
		memcpy(out, ASN1_STRING_get0_data(d), n);
		out[n] = '\0';
	}
}

void mg_cert_describe(const X509 *x, char *issuer_cn, size_t cnsz, char *serial, size_t sersz,
		      char *skid, size_t skidsz)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	const ASN1_OCTET_STRING *kid = X509_get0_subject_key_id((X509 *)x);

	if (issuer_cn)
		name_cn(X509_get_issuer_name(x), issuer_cn, cnsz);
	if (serial) {
		/* As modinfo prints sig_key: the serial's magnitude, no leading zero bytes. */
		const uint8_t *p = ASN1_STRING_get0_data(sn);
		int n = ASN1_STRING_length(sn);

		while (n > 1 && p[0] == 0) {
			p++;
			n--;
		}
		mg_hex(p, n, serial, sersz);
	}
	if (skid) {
		skid[0] = '\0';
		if (kid)
			mg_hex(ASN1_STRING_get0_data(kid), ASN1_STRING_length(kid), skid, skidsz);
	}
}

static int add_cert(struct modguard_trust *t, X509 *x, const char *label)
{
	struct mg_cert *c;
	unsigned int n = 32;

	if (t->n == t->alloc) {
		size_t na = t->alloc ? t->alloc * 2 : 8;
		struct mg_cert *p = realloc(t->certs, na * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->certs = p;
		t->alloc = na;
	}
	c = &t->certs[t->n];
	memset(c, 0, sizeof(*c));
	if (!X509_digest(x, EVP_sha256(), c->fp, &n))
		return -ENOMEM;
	/* The same certificate twice (say, PEM and DER copies) is one entry. */
	for (size_t i = 0; i < t->n; i++)
		if (!memcmp(t->certs[i].fp, c->fp, 32)) {
			X509_free(x);
			return 0;
		}
	c->x509 = x;
	c->pkey = X509_get0_pubkey(x);
	if (!c->pkey)
		return -EINVAL;
	snprintf(c->label, sizeof(c->label), "%s", label ? label : "");
	t->n++;
	return 0;
}

/* The certificates in data (PEM, several allowed, or one DER), as a store file. */
static int load_bytes(struct modguard_trust *t, const uint8_t *data, size_t len, const char *label,
		      struct modguard_err *err)
{
	size_t found = 0;
	BIO *bio;
	X509 *x;
	int r;

	bio = BIO_new_mem_buf(data, len);
	if (!bio)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	if (len && memmem(data, len, "-----BEGIN", 10)) {
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
			if ((r = add_cert(t, x, label)) < 0) {
				X509_free(x);
				goto out;
			}
			found++;
		}
	} else {
		const uint8_t *p = data;

		x = d2i_X509(NULL, &p, len);
		if (x) {
			if ((r = add_cert(t, x, label)) < 0) {
				X509_free(x);
				goto out;
			}
			found++;
		}
	}
	ERR_clear_error();
	r = found ? 0 :
		    mg_fail(err, MG_E_CERT, 0, "not an X.509 certificate (expected PEM or DER)");
out:
	if (r < 0 && err && !err->msg[0])
		mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	BIO_free(bio);
	return r;
}

static int load_fd(struct modguard_trust *t, int fd, const char *label, struct modguard_err *err)
{
	uint8_t *data = NULL;
	size_t len;
	int r;

	r = modguard_fd_read(fd, &data, &len, err);
	if (r < 0)
		return r;
	r = load_bytes(t, data, len, label, err);
	free(data);
	return r;
}

static bool cert_name(const char *n)
{
	static const char *const exts[] = { ".pem", ".crt", ".der", ".cer" };
	size_t l = strlen(n);

	if (n[0] == '.')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (l > 4 && !strcmp(n + l - 4, exts[i]))
			return true;
	return false;
}

static int cert_entry(const struct dirent *e)
{
	return cert_name(e->d_name);
}

int modguard_trust_add_fd(struct modguard_trust *t, int fd, struct modguard_err *err)
{
	struct dirent **ents = NULL;
	struct stat st;
	int n, r = 0;

	if (fstat(fd, &st) < 0)
		return mg_fail(err, MG_E_IO, errno, "cannot stat trust store: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return load_fd(t, fd, "", err);
	n = scandirat(fd, ".", &ents, cert_entry, alphasort);
	if (n < 0)
		return mg_fail(err, MG_E_IO, errno, "cannot read trust directory: %s",
			       strerror(errno));
	for (int i = 0; i < n; i++) {
		if (r == 0) {
			/* One component, no symlink: the entry itself, beneath fd. */
			int f = openat(fd, ents[i]->d_name,
				       O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

			if (f < 0)
				r = mg_fail(
					err, MG_E_IO, errno, "%s",
					errno == ELOOP ?
						"is a symbolic link (not followed in a trust store)" :
						strerror(errno));
			else {
				r = load_fd(t, f, ents[i]->d_name, err);
				close(f);
			}
			/* Name the offending entry: the caller only knows the directory. */
			if (r < 0)
				mg_prefix(err, ents[i]->d_name);
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

const char *modguard_trust_cert_label(const struct modguard_trust *t, size_t i)
{
	return i < t->n ? t->certs[i].label : "";
}

static int deny_add(uint8_t (**set)[32], size_t *n, const uint8_t d[32])
{
	uint8_t(*p)[32] = realloc(*set, (*n + 1) * sizeof(**set));

	if (!p)
		return -ENOMEM;
	memcpy(p[*n], d, 32);
	*set = p;
	(*n)++;
	return 0;
}

int modguard_trust_deny_cert(struct modguard_trust *t, const uint8_t fp[32])
{
	return deny_add(&t->deny_cert, &t->n_deny_cert, fp);
}

int modguard_trust_deny_module(struct modguard_trust *t, const uint8_t digest[32])
{
	return deny_add(&t->deny_mod, &t->n_deny_mod, digest);
}

bool mg_deny_has(uint8_t (*set)[32], size_t n, const uint8_t d[32])
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(set[i], d, 32))
			return true;
	return false;
}

static int unhex32(const char *s, uint8_t out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 || !isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]))
			return -EINVAL;
		out[i] = v;
	}
	return s[64] == '\0' ? 0 : -EINVAL;
}

int modguard_trust_parse_denylist(struct modguard_trust *t, const uint8_t *data, size_t len,
				  struct modguard_err *err)
{
	size_t lineno = 0;
	char *p, *save = NULL, *line;
	int r = 0;

	if (memchr(data, '\0', len))
		return mg_fail(err, MG_E_USAGE, EINVAL, "deny list contains a NUL byte");
	p = malloc(len + 1);
	if (!p)
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	memcpy(p, data, len);
	p[len] = '\0';

	/* Parse line by line, keeping empty lines so numbers stay right. */
	for (line = p; line; line = save) {
		char kind[16], hex[80], extra[2];
		uint8_t d[32];
		int fields;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		line[strcspn(line, "#")] = '\0';
		fields = sscanf(line, "%15s %79s %1s", kind, hex, extra);
		if (fields <= 0)
			continue;
		if (fields != 2 || unhex32(hex, d) < 0 ||
		    (strcmp(kind, "cert") && strcmp(kind, "module"))) {
			r = mg_fail(
				err, MG_E_USAGE, EINVAL,
				"line %zu: expected 'cert <sha256 hex>' or 'module <sha256 hex>'",
				lineno);
			break;
		}
		r = !strcmp(kind, "cert") ? modguard_trust_deny_cert(t, d) :
					    modguard_trust_deny_module(t, d);
		if (r < 0) {
			r = mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
			break;
		}
	}
	free(p);
	return r;
}

int modguard_trust_load_denylist_fd(struct modguard_trust *t, int fd, struct modguard_err *err)
{
	uint8_t *data = NULL;
	size_t len;
	int r;

	r = modguard_fd_read(fd, &data, &len, err);
	if (r < 0)
		return r;
	r = modguard_trust_parse_denylist(t, data, len, err);
	free(data);
	return r;
}

/* ---- trust-add: the store's own decision ---------------------------------- */

int modguard_trust_vouch(const struct modguard_trust *t, const uint8_t *buf, size_t len,
			 size_t *signer, uint8_t fp[32], uint8_t **der, size_t *der_len,
			 struct modguard_err *err)
{
	struct modguard_trust *one = NULL;
	EVP_PKEY *pub;
	X509 *x;
	int r, n;

	*der = NULL;
	*der_len = 0;
	if (modguard_trust_new(&one))
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	/* Read exactly as a store file is read. */
	r = load_bytes(one, buf, len, "", err);
	if (r < 0)
		goto out;
	if (one->n != 1) {
		r = mg_fail(err, MG_E_CERT, 0, "holds %zu certificates; give exactly one", one->n);
		goto out;
	}
	x = one->certs[0].x509;
	memcpy(fp, one->certs[0].fp, 32);
	n = i2d_X509(x, der);
	if (n <= 0) {
		r = mg_fail(err, MG_E_CRYPTO, 0, "cannot encode the certificate");
		goto out;
	}
	*der_len = n;
	if (mg_deny_has(t->deny_cert, t->n_deny_cert, fp)) {
		r = mg_fail(err, MG_E_REVOKED_KEY, 0, "certificate is on the deny list");
		goto out;
	}
	for (size_t i = 0; i < t->n; i++)
		if (!memcmp(t->certs[i].fp, fp, 32)) {
			*signer = i;
			r = 1;
			goto out;
		}
	r = mg_cert_usable(x, err);
	if (r < 0)
		goto out;
	r = mg_fail(err, MG_E_UNKNOWN_SIGNER, 0,
		    "not signed by any usable certificate of the store");
	for (size_t i = 0; i < t->n; i++) {
		struct modguard_err e2 = { 0 };

		if (mg_deny_has(t->deny_cert, t->n_deny_cert, t->certs[i].fp) ||
		    mg_cert_usable(t->certs[i].x509, &e2) < 0)
			continue;
		pub = t->certs[i].pkey;
		if (X509_verify(x, pub) == 1) {
			*signer = i;
			if (err)
				memset(err, 0, sizeof(*err));
			r = 0;
			break;
		}
	}
	ERR_clear_error();
out:
	if (r < 0) {
		OPENSSL_free(*der);
		*der = NULL;
		*der_len = 0;
	}
	modguard_trust_free(one);
	return r;
}
