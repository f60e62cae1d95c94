// SPDX-License-Identifier: GPL-2.0-only
/*
 * modguard initrd: read an initramfs image as the kernel unpacks it, with
 * the reader the trusted program will check images with (tcb/lib/initrd.c),
 * and say what is in it.  Read-only.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static void help(FILE *f)
{
	fprintf(f, "Usage: modguard initrd [--list] [--find PATH]... IMAGE\n"
		   "Read an initramfs image as the kernel unpacks it: cpio \"newc\" archives,\n"
		   "uncompressed or gzip, xz or zstd compressed, one after another.  The reader\n"
		   "refuses whatever the kernel would skip or could read another way (see\n"
		   "modguard-initrd(1)).  Prints the image's segments.\n"
		   "\n"
		   "  -l, --list       also print every entry, in the order the kernel unpacks\n"
		   "                   them: type, mode, size, SHA-256 or link target, name\n"
		   "  -f, --find PATH  print the entry that PATH holds once unpacked (the last\n"
		   "                   of that name), and how many entries name it; exit 1 if\n"
		   "                   none does\n"
		   "  -h, --help       show this help\n"
		   "Exit status: 0 read, 1 refused (the message names the segment, the offset\n"
		   "and the reason) or a --find PATH absent, 2 usage or I/O error.\n");
}

static char type_char(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000:
		return 'f';
	case 0040000:
		return 'd';
	case 0120000:
		return 'l';
	case 0020000:
		return 'c';
	case 0060000:
		return 'b';
	case 0010000:
		return 'p';
	case 0140000:
		return 's';
	default:
		return '?';
	}
}

static void print_entry(const struct modguard_initrd_entry *e)
{
	char hex[65];

	printf("%c %04o %8llu ", type_char(e->mode), e->mode & 07777, (unsigned long long)e->size);
	if (e->target) {
		printf("-> %s ", e->target);
	} else if (type_char(e->mode) == 'f') {
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", e->sha256[i]);
		printf("%s ", hex);
	} else {
		printf("- ");
	}
	printf("%s\n", *e->name ? e->name : ".");
}

int cmd_initrd(int argc, char *argv[])
{
	static const struct option opts[] = { { "list", no_argument, NULL, 'l' },
					      { "find", required_argument, NULL, 'f' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct mg_list finds = { 0 };
	struct modguard_initrd r;
	struct modguard_err e = { 0 };
	bool list = false;
	uint8_t *img = NULL;
	size_t len;
	int c, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "lf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			list = true;
			break;
		case 'f':
			if (mg_list_add(&finds, optarg)) {
				mg_error("out of memory");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			help(stdout);
			mg_list_free(&finds);
			return EXIT_OK;
		default:
			help(stderr);
			mg_list_free(&finds);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		mg_error("give exactly one image");
		help(stderr);
		mg_list_free(&finds);
		return EXIT_USAGE;
	}
	if (modguard_file_read(argv[optind], &img, &len, &e) ||
	    modguard_initrd_parse(img, len, &r, &e)) {
		mg_file_error(argv[optind], &e);
		free(img);
		mg_list_free(&finds);
		return mg_exit_for(&e);
	}
	printf("%s: %u segment%s, %u archive%s, %zu entries\n", argv[optind], r.nsegments,
	       r.nsegments == 1 ? "" : "s", r.narchives, r.narchives == 1 ? "" : "s", r.n);
	for (unsigned i = 0; i < r.nsegments; i++) {
		const struct modguard_initrd_segment *s = &r.segments[i];

		printf("segment %u: offset %zu, %zu bytes, %s, %u archive%s, %u entries\n", i + 1,
		       s->offset, s->length, s->comp ? modguard_comp_name(s->comp) : "uncompressed",
		       s->archives, s->archives == 1 ? "" : "s", s->entries);
	}
	if (list)
		for (size_t i = 0; i < r.n; i++)
			print_entry(&r.entries[i]);
	for (size_t i = 0; i < finds.n; i++) {
		char *want;
		const char *p = finds.v[i];
		unsigned n;
		const struct modguard_initrd_entry *f;

		/* The same spelling as the entries: no leading "/" or "./". */
		while (*p == '/' || (p[0] == '.' && p[1] == '/'))
			p += *p == '/' ? 1 : 2;
		want = strdup(p);
		if (!want) {
			rc = EXIT_USAGE;
			break;
		}
		while (*want && want[strlen(want) - 1] == '/')
			want[strlen(want) - 1] = 0;
		f = modguard_initrd_find(&r, want, &n);
		if (!f) {
			printf("%s: not in the image\n", finds.v[i]);
			if (rc == EXIT_OK)
				rc = EXIT_INVALID;
		} else {
			printf("%s: %u entr%s, the last in segment %u, archive %u: ", finds.v[i], n,
			       n == 1 ? "y" : "ies", f->segment + 1, f->archive + 1);
			print_entry(f);
		}
		free(want);
	}
	modguard_initrd_release(&r);
	free(img);
	mg_list_free(&finds);
	return rc;
}
