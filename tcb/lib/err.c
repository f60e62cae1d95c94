// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "internal.h"

static const char *const reason_names[MG_E__MAX] = {
	[MG_OK] = "ok",
	[MG_E_IO] = "io",
	[MG_E_USAGE] = "usage",
	[MG_E_TOO_BIG] = "too-big",
	[MG_E_NOT_ELF] = "not-elf",
	[MG_E_UNSIGNED] = "unsigned",
	[MG_E_TRAILER] = "bad-trailer",
	[MG_E_SIG_FORMAT] = "bad-pkcs7",
	[MG_E_SIG_CONTENT] = "embedded-content",
	[MG_E_SIG_ATTRS] = "signed-attributes",
	[MG_E_SIG_SIGNERS] = "signer-count",
	[MG_E_HASH_ALGO] = "hash-algo",
	[MG_E_UNKNOWN_SIGNER] = "unknown-signer",
	[MG_E_BAD_SIGNATURE] = "bad-signature",
	[MG_E_REVOKED_KEY] = "revoked-key",
	[MG_E_REVOKED_MODULE] = "revoked-module",
	[MG_E_KEY] = "bad-key",
	[MG_E_CERT] = "bad-cert",
	[MG_E_COMPRESS] = "bad-compression",
	[MG_E_BOMB] = "decompression-bomb",
	[MG_E_CRYPTO] = "crypto",
	[MG_E_NOMEM] = "nomem",
	[MG_E_ARCHIVE] = "bad-archive",
};

const char *modguard_reason_name(enum modguard_reason r)
{
	if ((unsigned)r >= MG_E__MAX)
		return "unknown";
	return reason_names[r];
}

/* The errno each reason surfaces as; chosen to match what the kernel returns for the same fault. */
static int reason_errno(enum modguard_reason r, int errnum)
{
	switch (r) {
	case MG_OK:
		return 0;
	case MG_E_IO:
		return errnum ? errnum : EIO;
	case MG_E_USAGE:
	case MG_E_KEY:
	case MG_E_CERT:
		return EINVAL;
	case MG_E_TOO_BIG:
	case MG_E_BOMB:
		return EFBIG;
	case MG_E_NOT_ELF:
		return ENOEXEC;
	case MG_E_UNSIGNED:
		return ENODATA;
	case MG_E_HASH_ALGO:
		return ENOPKG;
	case MG_E_UNKNOWN_SIGNER:
		return ENOKEY;
	case MG_E_BAD_SIGNATURE:
		return EKEYREJECTED;
	case MG_E_REVOKED_KEY:
	case MG_E_REVOKED_MODULE:
		return EKEYREVOKED;
	case MG_E_NOMEM:
		return ENOMEM;
	case MG_E_CRYPTO:
		return EPROTO;
	default:
		return EBADMSG;
	}
}

int mg_fail(struct modguard_err *err, enum modguard_reason r, int errnum, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		err->reason = r;
		err->errnum = errnum;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -reason_errno(r, errnum);
}

void mg_append_ssl(struct modguard_err *err)
{
	unsigned long e = ERR_get_error();

	if (err && e) {
		size_t n = strlen(err->msg);
		const char *why = ERR_reason_error_string(e);

		if (why && n + 3 < sizeof(err->msg))
			snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", why);
	}
	ERR_clear_error();
}

void mg_hex(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len && 2 * i + 2 < outsz; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	if (outsz)
		out[2 * i < outsz ? 2 * i : outsz - 1] = '\0';
}

void mg_prefix(struct modguard_err *err, const char *what)
{
	size_t w, m;

	if (!err)
		return;
	w = strlen(what);
	m = strlen(err->msg);
	if (w + 2 + m >= sizeof(err->msg))
		m = sizeof(err->msg) - 1 > w + 2 ? sizeof(err->msg) - 1 - w - 2 : 0;
	if (w + 2 >= sizeof(err->msg))
		return;
	memmove(err->msg + w + 2, err->msg, m);
	memcpy(err->msg, what, w);
	memcpy(err->msg + w, ": ", 2);
	err->msg[w + 2 + m] = '\0';
}
