// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The appended-signature trailer, parsed from the end with the same checks
 * as the kernel's mod_check_sig(), plus our own cap on the PKCS#7 size.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

int modguard_trailer_parse(const uint8_t *buf, size_t len, struct modguard_trailer *t,
			   struct modguard_err *err)
{
	const uint8_t *ms;
	size_t rest;
	uint32_t sig_len;

	if (len < MODGUARD_SIG_MAGIC_LEN ||
	    memcmp(buf + len - MODGUARD_SIG_MAGIC_LEN, MODGUARD_SIG_MAGIC, MODGUARD_SIG_MAGIC_LEN))
		return mg_fail(err, MG_E_UNSIGNED, 0, "no signature marker: module is unsigned");

	rest = len - MODGUARD_SIG_MAGIC_LEN;
	if (rest < MODGUARD_SIG_INFO_LEN)
		return mg_fail(err, MG_E_TRAILER, 0,
			       "signature marker present but only %zu bytes precede it, need %d",
			       rest, MODGUARD_SIG_INFO_LEN);
	ms = buf + rest - MODGUARD_SIG_INFO_LEN;
	sig_len = get_be32(ms + MS_SIG_LEN);

	if (ms[MS_ID_TYPE] != PKEY_ID_PKCS7)
		return mg_fail(
			err, MG_E_TRAILER, 0, "signature id_type is %u, expected %d (PKCS#7)%s",
			ms[MS_ID_TYPE], PKEY_ID_PKCS7,
			ms[MS_ID_TYPE] < PKEY_ID_PKCS7 ? "; legacy formats are refused" : "");
	if (ms[MS_ALGO] || ms[MS_HASH] || ms[MS_SIGNER_LEN] || ms[MS_KEY_ID_LEN] || ms[MS_PAD] ||
	    ms[MS_PAD + 1] || ms[MS_PAD + 2])
		return mg_fail(
			err, MG_E_TRAILER, 0,
			"signature info has non-zero reserved fields (must be zero for PKCS#7)");
	if (sig_len == 0)
		return mg_fail(err, MG_E_TRAILER, 0, "signature trailer claims 0 bytes");
	/* Kernel: sig_len >= file_len - sizeof(ms) is -EBADMSG, i.e. the body may not be empty. */
	if (sig_len >= rest - MODGUARD_SIG_INFO_LEN)
		return mg_fail(err, MG_E_TRAILER, 0,
			       "signature trailer claims %u bytes but only %zu precede it", sig_len,
			       rest - MODGUARD_SIG_INFO_LEN);
	if (sig_len > MODGUARD_MAX_SIG)
		return mg_fail(err, MG_E_TOO_BIG, 0,
			       "signature trailer claims %u bytes, more than the %u-byte limit",
			       sig_len, MODGUARD_MAX_SIG);

	if (t) {
		t->sig_len = sig_len;
		t->sig_off = rest - MODGUARD_SIG_INFO_LEN - sig_len;
		t->body_len = t->sig_off;
		t->id_type = ms[MS_ID_TYPE];
	}
	return 0;
}

int modguard_body_len(const uint8_t *buf, size_t len, size_t *body_len, struct modguard_err *err)
{
	struct modguard_trailer t;
	int r = modguard_trailer_parse(buf, len, &t, err);

	if (r == -ENODATA) {
		*body_len = len;
		return 0;
	}
	if (r < 0)
		return r;
	*body_len = t.body_len;
	return 0;
}
