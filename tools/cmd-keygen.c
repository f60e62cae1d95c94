// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard keygen: a module signing key and a self-signed certificate with
 * the extensions of the kernel's certs/default_x509.genkey.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "commands.h"
#include "common.h"

static const struct {
	const char *name;
	const char *alg; /* "RSA" or an EC group */
	int bits;
	const char *md;
} types[] = {
	{ "rsa4096", "RSA", 4096, "sha256" },	{ "rsa3072", "RSA", 3072, "sha256" },
	{ "rsa2048", "RSA", 2048, "sha256" },	{ "ecdsa-p384", "P-384", 0, "sha384" },
	{ "ecdsa-p256", "P-256", 0, "sha256" },
};

static void help(FILE *f)
{
	fprintf(f,
		"Usage: modguard keygen -o PREFIX [--type TYPE] [--cn NAME] [--days N]\n"
		"Write PREFIX.key (PEM private key, mode 0600) and PREFIX.crt (PEM X.509).\n\n"
		"  -o, --output PREFIX  file name prefix (required)\n"
		"  -t, --type TYPE      rsa4096 (default), rsa3072, rsa2048, ecdsa-p384, ecdsa-p256\n"
		"      --cn NAME        subject and issuer common name (default: modguard module signing key)\n"
		"      --days N         validity in days (default 36500)\n"
		"  -h, --help           show this help\n"
		"Existing files are never overwritten.\n");
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, long days, const char *mdname)
{
	X509 *x = X509_new();
	X509_NAME *name;
	BIGNUM *bn = BN_new();
	uint8_t serial[20];
	bool ok = x && bn;

	/* A random positive 159-bit serial, as openssl req does. */
	ok = ok && RAND_bytes(serial, sizeof(serial)) == 1;
	serial[0] &= 0x7f;
	serial[0] |= 0x01;
	ok = ok && BN_bin2bn(serial, sizeof(serial), bn) &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	ok = ok && X509_set_version(x, X509_VERSION_3) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
	     X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) && X509_set_pubkey(x, key);
	if (ok) {
		name = X509_get_subject_name(x);
		ok = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
						(const uint8_t *)"modguard", -1, -1, 0) &&
		     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const uint8_t *)cn, -1,
						-1, 0) &&
		     X509_set_issuer_name(x, name);
	}
	ok = ok && add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
	     add_ext(x, NID_key_usage, "digitalSignature") &&
	     add_ext(x, NID_subject_key_identifier, "hash") &&
	     add_ext(x, NID_authority_key_identifier, "keyid:always");
	ok = ok && X509_sign(x, key, EVP_get_digestbyname(mdname)) > 0;
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Create path exclusively with mode and write a PEM object through fn. */
static int write_new(const char *path, int mode, int (*fn)(BIO *, void *), void *obj)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	BIO *b;
	int ok;

	if (fd < 0) {
		mg_error("%s: %s", path,
			 errno == EEXIST ? "already exists, refusing to overwrite" :
					   strerror(errno));
		return -1;
	}
	b = BIO_new_fd(fd, BIO_NOCLOSE);
	ok = b && fn(b, obj) && BIO_flush(b) == 1;
	BIO_free(b);
	ok = ok && fsync(fd) == 0;
	if (close(fd) < 0)
		ok = 0;
	if (!ok) {
		mg_error("%s: write failed: %s", path, strerror(errno ? errno : EIO));
		unlink(path);
		return -1;
	}
	return 0;
}

static int pem_key(BIO *b, void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static int pem_cert(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

int cmd_keygen(int argc, char *argv[])
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "type", required_argument, NULL, 't' },
					      { "cn", required_argument, NULL, 'n' },
					      { "days", required_argument, NULL, 'd' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	const char *prefix = NULL, *type = "rsa4096", *cn = "modguard module signing key";
	char keypath[PATH_MAX], crtpath[PATH_MAX];
	long days = 36500;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	size_t ti;
	int c, rc = EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "o:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			prefix = optarg;
			break;
		case 't':
			type = optarg;
			break;
		case 'n':
			cn = optarg;
			break;
		case 'd': {
			char *end;

			errno = 0;
			days = strtol(optarg, &end, 10);
			if (errno || *end || days < 1 || days > 36500 * 2) {
				mg_error(
					"--days: expected a number of days between 1 and 73000, got '%s'",
					optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'h':
			help(stdout);
			return EXIT_OK;
		default:
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if (!prefix || optind != argc) {
		mg_error(!prefix ? "missing -o PREFIX" : "unexpected argument '%s'", argv[optind]);
		help(stderr);
		return EXIT_USAGE;
	}
	if (!*cn || strlen(cn) > 64) {
		mg_error("--cn: must be 1 to 64 characters");
		return EXIT_USAGE;
	}
	for (ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++)
		if (!strcmp(type, types[ti].name))
			break;
	if (ti == sizeof(types) / sizeof(types[0])) {
		mg_error(
			"--type: unknown key type '%s' (rsa4096, rsa3072, rsa2048, ecdsa-p384, ecdsa-p256)",
			type);
		return EXIT_USAGE;
	}
	if (snprintf(keypath, sizeof(keypath), "%s.key", prefix) >= (int)sizeof(keypath) ||
	    snprintf(crtpath, sizeof(crtpath), "%s.crt", prefix) >= (int)sizeof(crtpath)) {
		mg_error("%s: prefix too long", prefix);
		return EXIT_USAGE;
	}
	/* Check both names before generating, so we never leave one of the pair behind. */
	if (access(keypath, F_OK) == 0 || access(crtpath, F_OK) == 0) {
		mg_error("%s: already exists, refusing to overwrite",
			 access(keypath, F_OK) == 0 ? keypath : crtpath);
		return EXIT_USAGE;
	}

	if (types[ti].bits)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)types[ti].bits);
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", types[ti].alg);
	if (!key || !(x = make_cert(key, cn, days, types[ti].md))) {
		mg_error("key generation failed: %s", ERR_reason_error_string(ERR_get_error()));
		goto out;
	}
	if (write_new(keypath, 0600, pem_key, key) < 0)
		goto out;
	if (write_new(crtpath, 0644, pem_cert, x) < 0) {
		unlink(keypath);
		goto out;
	}
	rc = EXIT_OK;
out:
	X509_free(x);
	EVP_PKEY_free(key); /* OpenSSL clears private key material on free */
	return rc;
}
