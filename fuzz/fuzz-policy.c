// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trusted program's policy parser (tcb/loader/policy.c) on arbitrary
 * bytes: no crash, no leak, and a parsed policy that keeps its invariants.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void msg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	FILE *f;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (policy_parse(f, "fuzz", &p) == 0) {
		if (p.n_protect > POLICY_PROTECT_MAX)
			abort();
		for (unsigned i = 0; i < p.n_protect; i++)
			if (!p.protect[i] || p.protect[i][0] != '/')
				abort();
		policy_free(&p);
	} else if (p.n_protect != 0) {
		abort(); /* an error frees what it parsed */
	}
	fclose(f);
	return 0;
}
