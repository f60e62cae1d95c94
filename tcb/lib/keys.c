// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whether the running kernel holds a certificate's key, from its /proc/keys
 * listing.  The kernel names a key it loads from an X.509 certificate
 * "SUBJECT: KEYID", KEYID being the hex subject key identifier or, for a
 * certificate without one, the hex content octets of the serial number
 * (x509_key_preparse()).  /proc/keys prints the type cut to nine characters
 * ("asymmetri"), then the description, ": ", and a summary.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "modguard.h"

/* Case-insensitive prefix match of the hex string want at p, bounded by end. */
static bool hex_at(const char *p, const char *end, const char *want, size_t n)
{
	if ((size_t)(end - p) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)p[i]) != tolower((unsigned char)want[i]))
			return false;
	return true;
}

/* Does the line [p, end) describe an asymmetric key named by keyid? */
static bool line_names(const char *p, const char *end, const char *keyid, size_t n, bool serial)
{
	static const char type[] = " asymmetri ";
	const char *q = NULL;

	for (const char *s = p; s + sizeof(type) - 1 <= end; s++)
		if (!memcmp(s, type, sizeof(type) - 1)) {
			q = s + sizeof(type) - 1;
			break;
		}
	if (!q)
		return false;
	for (; q + 2 <= end; q++) {
		const char *k;

		if (q[0] != ':' || q[1] != ' ')
			continue;
		k = q + 2;
		/* The kernel keeps a serial's leading zero octet (a positive INTEGER). */
		while (serial && k + 2 <= end && k[0] == '0' && k[1] == '0' &&
		       !hex_at(k, end, keyid, n))
			k += 2;
		if (hex_at(k, end, keyid, n) && (k + n == end || k[n] == ':'))
			return true;
	}
	return false;
}

bool modguard_keys_listed(const char *text, size_t len, const char *skid, const char *serial)
{
	const char *keyid = skid && *skid ? skid : serial;
	const char *p = text, *end = text + len;
	size_t n;

	if (!keyid || !*keyid)
		return false;
	n = strlen(keyid);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *le = nl ? nl : end;

		if (line_names(p, le, keyid, n, keyid != skid))
			return true;
		p = le + 1;
	}
	return false;
}
