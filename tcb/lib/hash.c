// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * SHA256_Init and friends are deprecated in OpenSSL 3 but call the
 * implementation directly.  SHA256() and EVP fetch it through the provider
 * machinery, whose first use initialises every algorithm name: a cost paid on
 * each start of the trusted program, which loads admitted modules with no
 * other OpenSSL call.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>

#include "internal.h"

/* Names as sign-file takes them and modinfo prints them. */
static const struct {
	const char *name;
	int nid;
} hashes[] = {
	{ "sha1", NID_sha1 },	      { "sha224", NID_sha224 },	    { "sha256", NID_sha256 },
	{ "sha384", NID_sha384 },     { "sha512", NID_sha512 },	    { "sha3-256", NID_sha3_256 },
	{ "sha3-384", NID_sha3_384 }, { "sha3-512", NID_sha3_512 },
};

int modguard_hash_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++)
		if (!strcasecmp(name, hashes[i].name))
			return hashes[i].nid;
	return -ENOENT;
}

const char *modguard_hash_name(int nid)
{
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++)
		if (hashes[i].nid == nid)
			return hashes[i].name;
	return NULL;
}

void modguard_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(out, &c);
}

void modguard_sha256_split(const uint8_t *data, size_t split, size_t len, uint8_t head[32],
			   uint8_t whole[32])
{
	SHA256_CTX c, h;

	SHA256_Init(&c);
	SHA256_Update(&c, data, split);
	/* The state so far is plain data: a copy finishes the head on its own. */
	h = c;
	SHA256_Final(head, &h);
	SHA256_Update(&c, data + split, len - split);
	SHA256_Final(whole, &c);
}
