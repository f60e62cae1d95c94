// SPDX-License-Identifier: LGPL-2.1-or-later
/* Module parameters joined as init_module(2) takes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "params.h"

static void check(int argc, char *const argv[], const char *want)
{
	char *s = modguard_join_params(argc, argv);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_none(void **state)
{
	(void)state;
	check(0, NULL, "");
}

static void test_one(void **state)
{
	char *const argv[] = { "word=trusted" };

	(void)state;
	check(1, argv, "word=trusted");
}

static void test_several(void **state)
{
	/* Values with spaces stay as given: quoting is the caller's, as with insmod. */
	char *const argv[] = { "a=1", "b=\"x y\"", "", "c" };

	(void)state;
	check(4, argv, "a=1 b=\"x y\"  c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_several),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
