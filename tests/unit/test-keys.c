// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modguard_keys_listed() against the kernel's naming rules: /proc/keys
 * prints each key as "%08x %c%c%c%c%c%c%c %5d %4s %08x %5d %5d %-9.9s "
 * (serial, flags, usage, expiry, perm, uid, gid, type cut to nine
 * characters) followed by the description and, for an asymmetric key,
 * ": " and a summary.  x509_key_preparse() names a key "SUBJECT: KEYID",
 * KEYID the hex subject key id, or the serial's content octets (a leading
 * zero octet kept) when the certificate has none.  The lines below are
 * composed from that definition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "libmodguard.h"

#define SKID "6ccece7e4c6c0d1f6149f3dd27dfcc5cbb419ea1"
#define SERIAL "9f3e2d1c"

static char listing[4096];

/* One /proc/keys line for a key of type type with description desc. */
static void add(const char *type, const char *desc, const char *summary)
{
	size_t n = strlen(listing);

	snprintf(listing + n, sizeof(listing) - n, "%08x %s %5d %4s %08x %5d %5d %-9.9s %s%s%s\n",
		 0x1234u + (unsigned)n, "I------", 1, "perm", 0x1f030000u, 0, 0, type, desc,
		 summary ? ": " : "", summary ? summary : "");
}

static bool listed(const char *skid, const char *serial)
{
	return modguard_keys_listed(listing, strlen(listing), skid, serial);
}

static int reset(void **state)
{
	(void)state;
	listing[0] = 0;
	add("keyring", ".builtin_trusted_keys: 1", NULL);
	add("keyring", ".secondary_trusted_keys: 2", NULL);
	return 0;
}

static void test_skid(void **state)
{
	(void)state;
	assert_false(listed(SKID, SERIAL));
	add("asymmetric", "Debian Secure Boot CA: " SKID, "X509.rsa 4c6c0d1f []");
	assert_true(listed(SKID, SERIAL));
	/* Hex compares without regard to case. */
	assert_true(listed("6CCECE7E4C6C0D1F6149F3DD27DFCC5CBB419EA1", SERIAL));
}

static void test_skid_names_the_key(void **state)
{
	(void)state;
	/* A certificate with a skid is named by it, never by its serial. */
	add("asymmetric", "Some CA: " SERIAL, "X509.rsa 9f3e2d1c []");
	assert_false(listed(SKID, SERIAL));
	assert_true(listed("", SERIAL));
	assert_true(listed(NULL, SERIAL));
}

static void test_not_a_prefix(void **state)
{
	(void)state;
	/* The listed key id is longer, or shorter, than the one asked for. */
	add("asymmetric", "CA: " SKID "00", "X509.rsa 4c6c0d1f []");
	add("asymmetric", "CA: 6ccece7e4c6c0d1f6149f3dd27dfcc5cbb419e", "X509.rsa 4c6c0d1f []");
	assert_false(listed(SKID, SERIAL));
	/* Nor does a key id in the middle of a subject count. */
	listing[0] = 0;
	add("asymmetric", "x" SKID ": 01", "X509.rsa 00000001 []");
	assert_false(listed(SKID, SERIAL));
}

static void test_type(void **state)
{
	(void)state;
	/* Only asymmetric keys: a user key may carry any description. */
	add("user", "fake: " SKID, NULL);
	add("blacklist", "bin: " SKID, NULL);
	assert_false(listed(SKID, SERIAL));
}

static void test_serial_leading_zero(void **state)
{
	(void)state;
	/* A positive INTEGER with its top bit set keeps a leading zero octet. */
	add("asymmetric", "Old CA: 00" SERIAL, "X509.rsa 9f3e2d1c []");
	assert_true(listed("", SERIAL));
	assert_false(listed("", "3e2d1c"));
	/* A skid has no such padding. */
	listing[0] = 0;
	add("asymmetric", "CA: 00" SKID, "X509.rsa 4c6c0d1f []");
	assert_false(listed(SKID, SERIAL));
}

static void test_edges(void **state)
{
	const char *last = "0000abcd I------     1 perm 1f030000     0     0 asymmetri CA: " SKID;

	(void)state;
	assert_false(modguard_keys_listed("", 0, SKID, SERIAL));
	assert_false(listed("", ""));
	assert_false(listed(NULL, NULL));
	/* The last line may end without a newline, and the text need not end in NUL. */
	assert_true(modguard_keys_listed(last, strlen(last), SKID, SERIAL));
	assert_false(modguard_keys_listed(last, strlen(last) - 1, SKID, SERIAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_skid, reset),
		cmocka_unit_test_setup(test_skid_names_the_key, reset),
		cmocka_unit_test_setup(test_not_a_prefix, reset),
		cmocka_unit_test_setup(test_type, reset),
		cmocka_unit_test_setup(test_serial_leading_zero, reset),
		cmocka_unit_test_setup(test_edges, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
