/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MODGUARD_INTERNAL_H
#define MODGUARD_INTERNAL_H

#include <stdlib.h>
#include <unistd.h>

#include "modguard.h"

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Record why something failed; returns the matching negative errno. */
__attribute__((format(printf, 4, 5))) int mg_fail(struct modguard_err *err, enum modguard_reason r,
						  int errnum, const char *fmt, ...);
/* Append the first queued OpenSSL error to err->msg and clear the queue. */
void mg_append_ssl(struct modguard_err *err);
/* Prefix err->msg with "what: " (a file name the caller knows and the callee did not). */
void mg_prefix(struct modguard_err *err, const char *what);

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A certificate verification accepts as a signer: leaf, digitalSignature, valid now. */
struct x509_st;
int mg_cert_usable(const struct x509_st *x, struct modguard_err *err);

/* Layout of struct module_signature (include/linux/module_signature.h). */
enum {
	MS_ALGO = 0,
	MS_HASH = 1,
	MS_ID_TYPE = 2,
	MS_SIGNER_LEN = 3,
	MS_KEY_ID_LEN = 4,
	MS_PAD = 5, /* 3 bytes */
	MS_SIG_LEN = 8,
	PKEY_ID_PKCS7 = 2,
};

/*
 * The PKCS#7 blob of an appended signature, with its shape checked (one
 * signer, detached, no signed attributes); *si is that signer (verify.c).
 * Declared here with incomplete types so that users need not include CMS.
 */
struct CMS_ContentInfo_st;
struct CMS_SignerInfo_st;
int mg_parse_pkcs7(const uint8_t *sig, size_t sig_len, struct CMS_ContentInfo_st **out,
		   struct CMS_SignerInfo_st **si, struct modguard_err *err);
void mg_hex(const uint8_t *in, size_t len, char *out, size_t outsz);

#endif
