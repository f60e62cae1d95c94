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
#include <sys/stat.h>

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

static int add_cert(struct modguard_trust *t, X509 *x)
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
	t->n++;
	return 0;
}

static int load_file(struct modguard_trust *t, const char *path, struct modguard_err *err)
{
	uint8_t *data = NULL;
	size_t len, found = 0;
	BIO *bio;
	X509 *x;
	int r;

	r = modguard_file_read(path, &data, &len, err);
	if (r < 0)
		return r;

	bio = BIO_new_mem_buf(data, len);
	if (!bio) {
		free(data);
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	}
	if (len && memmem(data, len, "-----BEGIN", 10)) {
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
			if ((r = add_cert(t, x)) < 0) {
				X509_free(x);
				goto out;
			}
			found++;
		}
	} else {
		const uint8_t *p = data;

		x = d2i_X509(NULL, &p, len);
		if (x) {
			if ((r = add_cert(t, x)) < 0) {
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
	BIO_free(bio);
	free(data);
	return r;
}

static bool cert_name(const char *n)
{
	static const char *const exts[] = { ".pem", ".crt", ".der", ".cer" };
	size_t l = strlen(n);

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (l > 4 && !strcmp(n + l - 4, exts[i]))
			return true;
	return false;
}

int modguard_trust_add_path(struct modguard_trust *t, const char *path, struct modguard_err *err)
{
	struct dirent **ents = NULL;
	struct stat st;
	int n, r = 0;

	if (stat(path, &st) < 0)
		return mg_fail(err, MG_E_IO, errno, "cannot open trust store: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return load_file(t, path, err);

	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0)
		return mg_fail(err, MG_E_IO, errno, "cannot read trust directory: %s",
			       strerror(errno));
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (r == 0 && ents[i]->d_name[0] != '.' && cert_name(ents[i]->d_name)) {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			r = load_file(t, sub, err);
			/* Name the offending entry: the caller only knows the directory. */
			if (r < 0)
				mg_prefix(err, ents[i]->d_name);
		}
		free(ents[i]);
	}
	free(ents);
	return r;
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

int modguard_trust_load_denylist(struct modguard_trust *t, const char *path,
				 struct modguard_err *err)
{
	uint8_t *data = NULL;
	size_t len, lineno = 0;
	char *p, *save = NULL, *line;
	int r;

	r = modguard_file_read(path, &data, &len, err);
	if (r < 0)
		return r;
	if (memchr(data, '\0', len)) {
		free(data);
		return mg_fail(err, MG_E_USAGE, EINVAL, "deny list contains a NUL byte");
	}
	p = realloc(data, len + 1);
	if (!p) {
		free(data);
		return mg_fail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	}
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
