// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard modprobe [-r] [-n] [-q] [-v] [-b] [-a] NAME [PARAM...]
 *
 * modprobe-compatible front-end.  libkmod resolves aliases, dependencies,
 * softdeps, /etc/modprobe.d options, install commands and the blacklist in a
 * dry run; every module of the resulting plan is then loaded by the trusted
 * program (verify in memory, init_module), in order.  Works as argv[0]
 * "modprobe" too, so it can stand in for /sbin/modprobe.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <unistd.h>

#include <libkmod.h>

#include "commands.h"
#include "common.h"
#include "params.h"
#include "exec.h"

struct step {
	char *path; /* module file, or NULL for an install command */
	char *name;
	char *arg; /* options, or the install command */
};

struct plan {
	struct step *v;
	size_t n, alloc;
	int err;
};

static bool quiet, verbose, dry_run;
/* The plan being filled: libkmod's print_action callback takes no context pointer. */
static struct plan *cur_plan;

static void plan_add(struct kmod_module *m, bool install, const char *options)
{
	/* Called by libkmod in the order the modules would be inserted. */
	struct plan *p = cur_plan;
	const char *path = kmod_module_get_path(m);
	struct step *s;

	if (p->n == p->alloc) {
		size_t a = p->alloc ? 2 * p->alloc : 16;
		struct step *v = realloc(p->v, a * sizeof(*v));

		if (!v) {
			p->err = -ENOMEM;
			return;
		}
		p->v = v;
		p->alloc = a;
	}
	s = &p->v[p->n];
	s->name = strdup(kmod_module_get_name(m));
	s->path = !install && path ? strdup(path) : NULL;
	s->arg = strdup(options ? options : "");
	if (!s->name || !s->arg || (!install && path && !s->path)) {
		p->err = -ENOMEM;
		return;
	}
	if (!install && !path) {
		/* Built in or unknown to modules.dep: nothing to load. */
		free(s->name);
		free(s->arg);
		return;
	}
	p->n++;
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].name);
		free(p->v[i].arg);
	}
	free(p->v);
}

/*
 * Run the plan from step *i: an install command alone, or the run of module
 * loads that follows, in one trusted-program process (load-chain).
 */
static int run_steps(const struct plan *p, size_t *i)
{
	const struct step *s = &p->v[*i];
	size_t n = 0, j;
	char **args;
	int r;

	if (!s->path) {
		/* An install command from modprobe.d, run as modprobe runs it. */
		(*i)++;
		if (verbose || dry_run)
			printf("install %s\n", s->arg);
		if (dry_run)
			return 0;
		return system(s->arg) == 0 ? 0 : EXIT_INVALID;
	}
	while (*i + n < p->n && p->v[*i + n].path)
		n++;
	args = calloc(2 * n + 1, sizeof(*args));
	if (!args) {
		mg_error("out of memory");
		return EXIT_USAGE;
	}
	for (j = 0; j < n; j++) {
		s = &p->v[*i + j];
		if (verbose || dry_run)
			printf("load %s %s\n", s->path, s->arg);
		args[2 * j] = s->path;
		args[2 * j + 1] = s->arg;
	}
	*i += n;
	r = dry_run ? 0 : mg_loader_run("load-chain", args);
	free(args);
	return r;
}

static int insert(struct kmod_ctx *ctx, const char *name, const char *params, unsigned flags)
{
	struct kmod_list *list = NULL, *l;
	int ret = EXIT_OK, found = 0;

	if (kmod_module_new_from_lookup(ctx, name, &list) < 0 || !list) {
		if (!quiet)
			mg_error("module %s not found in directory /lib/modules/%s", name,
				 kmod_get_dirname(ctx) ? strrchr(kmod_get_dirname(ctx), '/') + 1 :
							 "?");
		return EXIT_INVALID;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		struct plan p = { 0 };
		int r;

		cur_plan = &p;
		r = kmod_module_probe_insert_module(m, flags | KMOD_PROBE_DRY_RUN, params, NULL,
						    NULL, plan_add);
		if (r > 0) { /* KMOD_PROBE_APPLY_BLACKLIST*: blacklisted */
			if (verbose)
				printf("%s is blacklisted\n", kmod_module_get_name(m));
			kmod_module_unref(m);
			plan_free(&p);
			continue;
		}
		found++;
		if (r < 0 || p.err) {
			if (!quiet)
				mg_error("%s: cannot resolve: %s", kmod_module_get_name(m),
					 strerror(-(r < 0 ? r : p.err)));
			ret = EXIT_INVALID;
		}
		for (size_t i = 0; i < p.n && ret == EXIT_OK;) {
			r = run_steps(&p, &i);
			if (r)
				ret = r;
		}
		kmod_module_unref(m);
		plan_free(&p);
		if (ret)
			break;
	}
	kmod_module_unref_list(list);
	if (!found && !quiet && ret == EXIT_OK)
		mg_error("module %s is blacklisted", name);
	return found || ret ? ret : EXIT_INVALID;
}

static int remove_one(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL, *l, *deps;
	int ret = EXIT_OK, loaded = 0;

	if (kmod_module_new_from_lookup(ctx, name, &list) < 0 || !list) {
		if (!quiet)
			mg_error("module %s not found", name);
		return EXIT_INVALID;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l), *d;
		int r;

		if (kmod_module_get_initstate(m) < 0) {
			kmod_module_unref(m);
			continue;
		}
		loaded++;
		if (verbose || dry_run)
			printf("rmmod %s\n", kmod_module_get_name(m));
		r = dry_run ? 0 : kmod_module_remove_module(m, 0);
		if (r < 0) {
			if (!quiet)
				mg_error("%s: cannot remove: %s", kmod_module_get_name(m),
					 strerror(-r));
			ret = EXIT_INVALID;
		} else {
			/* Then every dependency nobody uses any more, as modprobe -r does. */
			deps = kmod_module_get_dependencies(m);
			for (struct kmod_list *dl = deps; dl; dl = kmod_list_next(deps, dl)) {
				d = kmod_module_get_module(dl);
				if (kmod_module_get_initstate(d) == KMOD_MODULE_LIVE &&
				    kmod_module_get_refcnt(d) == 0 && !kmod_module_get_holders(d)) {
					if (verbose || dry_run)
						printf("rmmod %s\n", kmod_module_get_name(d));
					if (!dry_run)
						kmod_module_remove_module(d, 0);
				}
				kmod_module_unref(d);
			}
			kmod_module_unref_list(deps);
		}
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	if (!loaded) {
		/* As modprobe -r: naming a module that is not there is an error. */
		if (!quiet)
			mg_error("module %s is not currently loaded", name);
		return EXIT_INVALID;
	}
	return ret;
}

int cmd_modprobe(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "remove", no_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "use-blacklist", no_argument, NULL, 'b' },
		{ "all", no_argument, NULL, 'a' },
		{ "syslog", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool remove = false, all = false, blacklist = false;
	struct kmod_ctx *ctx;
	int c, ret = EXIT_OK;
	char *params;

	while ((c = getopt_long(argc, argv, "+rnqvbash", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			remove = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'b':
			blacklist = true;
			break;
		case 'a':
			all = true;
			break;
		case 's':
			break; /* messages go to stderr; the guard logs decisions itself */
		case 'h':
			printf("Usage: modguard modprobe [-r] [-n] [-q] [-v] [-b] [-a] NAME [PARAM...]\n"
			       "Resolve NAME as modprobe does and load every module of the chain\n"
			       "through the trusted program.\n");
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		mg_error("missing module name");
		return EXIT_USAGE;
	}
	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		mg_error("cannot open the module index");
		return EXIT_USAGE;
	}
	kmod_load_resources(ctx);

	if (remove || all) {
		for (int i = optind; i < argc; i++) {
			int r = remove ? remove_one(ctx, argv[i]) :
					 insert(ctx, argv[i], NULL,
						blacklist ? KMOD_PROBE_APPLY_BLACKLIST :
							    KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY);
			if (r)
				ret = r;
		}
	} else {
		params = modguard_join_params(argc - optind - 1, argv + optind + 1);
		if (!params) {
			kmod_unref(ctx);
			return EXIT_USAGE;
		}
		ret = insert(ctx, argv[optind], params,
			     blacklist ? KMOD_PROBE_APPLY_BLACKLIST :
					 KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY);
		free(params);
	}
	kmod_unref(ctx);
	return ret;
}
