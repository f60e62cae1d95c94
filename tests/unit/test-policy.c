// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy parser of the trusted program (tcb/loader/policy.c), alone:
 * "key = value" lines and '#' comments.  Every error names file:line and
 * is a failure, never a default; defaults hold only where a key is absent.
 * The expected values come from the format's definition (docs/guard.md),
 * not from the parser's output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

static char last[512];

void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
}

/* Parse text as the file "P"; the parser's return value. */
static int parse(const char *text, size_t len, struct policy *p)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int r;

	assert_non_null(f);
	last[0] = 0;
	r = policy_parse(f, "P", p);
	fclose(f);
	return r;
}

static int parse_s(const char *text, struct policy *p)
{
	return parse(text, strlen(text), p);
}

static void test_defaults(void **state)
{
	struct policy p;

	assert_int_equal(parse_s("", &p), 0);
	assert_false(p.permissive);
	assert_true(p.trust_kernel_keys);
	assert_false(p.loader_only);
	assert_true(p.fast_kernel_hash);
	assert_int_equal(p.fallback, FALLBACK_MODULES_DISABLED);
	assert_int_equal(p.n_protect, 0);
	/* A missing file is the defaults too; an unreadable one is an error. */
	assert_int_equal(policy_load("/nonexistent/modguard-policy", &p), 0);
	assert_true(p.trust_kernel_keys);
	assert_int_equal(policy_load("/", &p), -1);
	assert_non_null(strstr(last, "/"));
}

static void test_every_key(void **state)
{
	struct policy p;
	const char *text = "# all of them\n"
			   "mode = permissive\n"
			   "  trust_kernel_keys=no   # comment after a value\n"
			   "loader_only = yes\n"
			   "fast_kernel_hash = no\n"
			   "fallback = none\n"
			   "\n"
			   "protect = /opt/a\n"
			   "protect = /opt/b c\n";

	assert_int_equal(parse_s(text, &p), 0);
	assert_true(p.permissive);
	assert_false(p.trust_kernel_keys);
	assert_true(p.loader_only);
	assert_false(p.fast_kernel_hash);
	assert_int_equal(p.fallback, FALLBACK_NONE);
	assert_int_equal(p.n_protect, 2);
	assert_string_equal(p.protect[0], "/opt/a");
	assert_string_equal(p.protect[1], "/opt/b c");
	policy_free(&p);
	assert_int_equal(p.n_protect, 0);
}

/* Each bad line fails, and the message names the line and the problem. */
static void test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "mode = enforcing\n", "P:1: mode must be enforce or permissive" },
		{ "\n\ntrust_kernel_keys = true\n", "P:3: trust_kernel_keys must be yes or no" },
		{ "loader_only = YES\n", "P:1: loader_only must be yes or no" },
		{ "fast_kernel_hash =\n", "P:1: fast_kernel_hash must be yes or no" },
		{ "fallback = off\n", "P:1: fallback must be modules_disabled or none" },
		{ "protect = relative/path\n", "P:1: protect wants an absolute path" },
		{ "modes = enforce\n", "P:1: unknown key \"modes\"" },
		{ "mode = enforce\nmode = enforce\n", "P:2: \"mode\" set twice" },
		{ "loader_only = no\nloader_only = yes\n", "P:2: \"loader_only\" set twice" },
		{ "mode enforce\n", "P:1: expected \"key = value\"" },
		{ "= yes\n", "P:1: unknown key \"\"" },
	};
	struct policy p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_s(bad[i].text, &p), -1);
		if (!strstr(last, bad[i].want))
			fail_msg("\"%s\": message \"%s\", wanted \"%s\"", bad[i].text, last,
				 bad[i].want);
	}
}

/* A line longer than 256 characters is an error, not two lines; 256 is fine. */
static void test_long_lines(void **state)
{
	char text[600];
	struct policy p;

	memset(text, ' ', sizeof(text));
	memcpy(text, "mode = enforce", 14);
	text[256] = '\n';
	text[257] = 0;
	assert_int_equal(parse_s(text, &p), 0);
	memset(text, ' ', sizeof(text));
	memcpy(text, "mode = enforce", 14);
	text[300] = '\n';
	text[301] = 0;
	assert_int_equal(parse_s(text, &p), -1);
	assert_non_null(strstr(last, "P:1: line longer than 256"));
	/* A long comment smuggling a key past the cut: still one line, still an error. */
	memset(text, '#', 260);
	memcpy(text + 260, "loader_only = no\n", 18);
	assert_int_equal(parse_s(text, &p), -1);
}

/* Sixty-four protect lines are the limit; the 65th fails, and nothing leaks. */
static void test_protect_limit(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct policy p;

	for (int i = 0; i < POLICY_PROTECT_MAX; i++)
		fprintf(f, "protect = /p/%d\n", i);
	fclose(f);
	assert_int_equal(parse(text, len, &p), 0);
	assert_int_equal(p.n_protect, POLICY_PROTECT_MAX);
	assert_string_equal(p.protect[63], "/p/63");
	policy_free(&p);
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	for (int i = 0; i <= POLICY_PROTECT_MAX; i++)
		fprintf(f, "protect = /p/%d\n", i);
	fclose(f);
	assert_int_equal(parse(text, len, &p), -1);
	assert_non_null(strstr(last, "P:65: protect wants an absolute path (at most 64 lines)"));
	assert_int_equal(p.n_protect, 0); /* freed on the error */
	free(text);
}

/* A NUL byte inside a line: the line is cut there and is no valid setting. */
static void test_nul_and_crlf(void **state)
{
	static const char nul[] = "loader_only = yes\0garbage\n";
	struct policy p;

	assert_int_equal(parse(nul, sizeof(nul) - 1, &p), -1);
	assert_non_null(strstr(last, "P:1: a NUL byte"));
	/* CR is white space at the end of a value: accepted, as written on Windows. */
	assert_int_equal(parse_s("loader_only = yes\r\n", &p), 0);
	assert_true(p.loader_only);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),      cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors),	      cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_protect_limit), cmocka_unit_test(test_nul_and_crlf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
