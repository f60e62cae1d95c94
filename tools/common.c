// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"

const char *mg_cmdname = NULL;

static void vmsg(const char *level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	/* One write per message, so lines from worker threads never interleave. */
	n = snprintf(line, sizeof(line), "modguard%s%s: %s", mg_cmdname ? " " : "",
		     mg_cmdname ? mg_cmdname : "", level);
	if (n < 0 || n >= (int)sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	strcat(line, "\n");
	fputs(line, stderr);
}

void mg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void mg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void mg_file_error(const char *file, const struct modguard_err *e)
{
	mg_error("%s: %s", file, e->msg);
}

int mg_exit_for(const struct modguard_err *e)
{
	switch (e->reason) {
	case MG_E_IO:
	case MG_E_USAGE:
	case MG_E_NOMEM:
	case MG_E_KEY:
		return EXIT_USAGE;
	default:
		return EXIT_INVALID;
	}
}

int mg_list_add(struct mg_list *l, const char *s)
{
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 64;
		char **v = realloc(l->v, na * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->alloc = na;
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

void mg_list_free(struct mg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool mg_is_module_name(const char *name)
{
	static const char *const suffixes[] = { ".ko", ".ko.gz", ".ko.xz", ".ko.zst" };
	size_t l = strlen(name);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t s = strlen(suffixes[i]);

		if (l > s && !strcmp(name + l - s, suffixes[i]))
			return true;
	}
	return false;
}

static struct mg_list *walk_list;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_F && S_ISREG(st->st_mode) && mg_is_module_name(path + ftw->base))
		return mg_list_add(walk_list, path) < 0 ? -1 : 0;
	if (type == FTW_DNR) {
		mg_error("%s: cannot read directory", path);
		return -1;
	}
	return 0;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int mg_collect_tree(const char *dir, struct mg_list *l)
{
	struct stat st;
	int r;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		mg_error("%s: not a directory", dir);
		return -ENOTDIR;
	}
	walk_list = l;
	r = nftw(dir, walk_one, 64, FTW_PHYS);
	walk_list = NULL;
	if (r != 0)
		return -EIO;
	qsort(l->v, l->n, sizeof(*l->v), cmpstr);
	return 0;
}

struct pool {
	void (*fn)(size_t i, void *ctx);
	void *ctx;
	size_t n;
	atomic_size_t next, done;
	bool progress;
	pthread_mutex_t lock;
};

void mg_progress(size_t done, size_t total)
{
	struct winsize ws;
	int width = 40;
	size_t filled;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 30)
		width = ws.ws_col - 30 > 60 ? 60 : ws.ws_col - 30;
	filled = total ? done * (size_t)width / total : (size_t)width;
	fprintf(stderr, "\r[%.*s%*s] %zu/%zu", (int)filled,
		"############################################################",
		(int)(width - filled), "", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		size_t d;

		p->fn(i, p->ctx);
		d = atomic_fetch_add(&p->done, 1) + 1;
		if (p->progress && (d == p->n || d % 16 == 0)) {
			pthread_mutex_lock(&p->lock);
			mg_progress(d, p->n);
			pthread_mutex_unlock(&p->lock);
		}
	}
	return NULL;
}

void mg_run_threads(size_t n, int jobs, void *(*fn)(void *arg), void *arg)
{
	pthread_t th[256];
	int started = 0;

	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = n ? n : 1;
	if (jobs > 256)
		jobs = 256;
	for (int i = 1; i < jobs; i++)
		if (pthread_create(&th[started], NULL, fn, arg) == 0)
			started++;
	fn(arg);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

void mg_parallel(size_t n, int jobs, bool progress, void (*fn)(size_t i, void *ctx), void *ctx)
{
	struct pool p = { .fn = fn, .ctx = ctx, .n = n, .progress = progress && isatty(2) };

	pthread_mutex_init(&p.lock, NULL);
	mg_run_threads(n, jobs, worker, &p);
	pthread_mutex_destroy(&p.lock);
}

int mg_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

int mg_parse_jobs(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 256)
		return -1;
	return (int)v;
}

void mg_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int mg_trust_load(struct modguard_trust **out, char **certs, size_t ncerts, char **deny,
		  size_t ndeny)
{
	struct modguard_trust *t;
	struct modguard_err e = { 0 };

	if (modguard_trust_new(&t) < 0) {
		mg_error("out of memory");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < ncerts; i++)
		if (modguard_trust_add_path(t, certs[i], &e) < 0) {
			mg_error("%s: %s", certs[i], e.msg);
			modguard_trust_free(t);
			return EXIT_USAGE;
		}
	for (size_t i = 0; i < ndeny; i++)
		if (modguard_trust_load_denylist(t, deny[i], &e) < 0) {
			mg_error("%s: %s", deny[i], e.msg);
			modguard_trust_free(t);
			return EXIT_USAGE;
		}
	if (modguard_trust_count(t) == 0) {
		mg_error("trust store holds no certificates");
		modguard_trust_free(t);
		return EXIT_USAGE;
	}
	*out = t;
	return EXIT_OK;
}

int mg_read_module(const char *path, uint8_t **raw, size_t *raw_len, uint8_t **img, size_t *img_len,
		   enum modguard_comp *comp, struct modguard_err *err)
{
	int r = modguard_file_read(path, raw, raw_len, err);

	if (r < 0)
		return r;
	*comp = modguard_comp_detect(*raw, *raw_len);
	if (*comp == MG_COMP_NONE) {
		*img = *raw;
		*img_len = *raw_len;
		return 0;
	}
	r = modguard_decompress(*comp, *raw, *raw_len, MODGUARD_MAX_MODULE, img, img_len, err);
	if (r < 0) {
		free(*raw);
		*raw = NULL;
	}
	return r;
}
