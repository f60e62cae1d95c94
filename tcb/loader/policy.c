// SPDX-License-Identifier: GPL-2.0-only
/*
 * /etc/modguard/policy: "key = value" lines, '#' comments, nothing else.
 * Strict on purpose: an unknown key, a duplicate or a bad value is an error
 * naming file:line, never a silent default, because a typo in a security
 * policy must not quietly weaken it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define POLICY_MAX_LINE 256

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no")) {
		*out = false;
		return 0;
	}
	return -1;
}

static void policy_defaults(struct policy *p)
{
	*p = (struct policy){ .trust_kernel_keys = true,
			      .fast_kernel_hash = true,
			      .fallback = FALLBACK_MODULES_DISABLED };
}

void policy_free(struct policy *p)
{
	for (unsigned i = 0; i < p->n_protect; i++)
		free(p->protect[i]);
	p->n_protect = 0;
}

int policy_load(const char *path, struct policy *p)
{
	FILE *f;
	int ret;

	policy_defaults(p);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		msg("%s: %s", path, strerror(errno));
		return -1;
	}
	ret = policy_parse(f, path, p);
	fclose(f);
	return ret;
}

int policy_parse(FILE *f, const char *path, struct policy *p)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned seen = 0, lineno = 0;
	int ret = -1;

	policy_defaults(p);
	while ((n = getline(&line, &cap, f)) > 0) {
		char *k, *v, *eq, *hash;
		unsigned bit;
		bool b;

		lineno++;
		if (n > POLICY_MAX_LINE + 1 || (n == POLICY_MAX_LINE + 1 && line[n - 1] != '\n')) {
			msg("%s:%u: line longer than %d characters", path, lineno, POLICY_MAX_LINE);
			goto out;
		}
		if (memchr(line, 0, (size_t)n)) {
			msg("%s:%u: a NUL byte (not a text file?)", path, lineno);
			goto out;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		k = trim(line);
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			msg("%s:%u: expected \"key = value\", found \"%s\"", path, lineno, k);
			goto out;
		}
		*eq = 0;
		k = trim(k);
		v = trim(eq + 1);

		if (!strcmp(k, "mode")) {
			bit = 1;
			if (!strcmp(v, "enforce"))
				p->permissive = false;
			else if (!strcmp(v, "permissive"))
				p->permissive = true;
			else {
				msg("%s:%u: mode must be enforce or permissive, found \"%s\"", path,
				    lineno, v);
				goto out;
			}
		} else if (!strcmp(k, "trust_kernel_keys") || !strcmp(k, "loader_only")) {
			bit = k[0] == 't' ? 2 : 4;
			if (parse_bool(v, &b)) {
				msg("%s:%u: %s must be yes or no, found \"%s\"", path, lineno, k,
				    v);
				goto out;
			}
			if (bit == 2)
				p->trust_kernel_keys = b;
			else
				p->loader_only = b;
		} else if (!strcmp(k, "fast_kernel_hash")) {
			bit = 16;
			if (parse_bool(v, &b)) {
				msg("%s:%u: %s must be yes or no, found \"%s\"", path, lineno, k,
				    v);
				goto out;
			}
			p->fast_kernel_hash = b;
		} else if (!strcmp(k, "fallback")) {
			bit = 8;
			if (!strcmp(v, "modules_disabled"))
				p->fallback = FALLBACK_MODULES_DISABLED;
			else if (!strcmp(v, "none"))
				p->fallback = FALLBACK_NONE;
			else {
				msg("%s:%u: fallback must be modules_disabled or none, found \"%s\"",
				    path, lineno, v);
				goto out;
			}
		} else if (!strcmp(k, "protect")) {
			/* Repeatable: each line adds a path to the protected set. */
			if (v[0] != '/' || p->n_protect >= POLICY_PROTECT_MAX) {
				msg("%s:%u: protect wants an absolute path (at most %d lines), found \"%s\"",
				    path, lineno, POLICY_PROTECT_MAX, v);
				goto out;
			}
			p->protect[p->n_protect] = strdup(v);
			if (!p->protect[p->n_protect++]) {
				msg("out of memory");
				goto out;
			}
			continue;
		} else {
			msg("%s:%u: unknown key \"%s\" (known: mode, trust_kernel_keys, loader_only, fast_kernel_hash, fallback, protect)",
			    path, lineno, k);
			goto out;
		}
		if (seen & bit) {
			msg("%s:%u: \"%s\" set twice", path, lineno, k);
			goto out;
		}
		seen |= bit;
	}
	if (ferror(f)) {
		msg("%s: read error", path);
		goto out;
	}
	ret = 0;
out:
	free(line);
	if (ret)
		policy_free(p);
	return ret;
}
