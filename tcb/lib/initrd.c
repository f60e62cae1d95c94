// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Initramfs images, read as the kernel's init/initramfs.c unpacks them, and
 * refused wherever the two could disagree (modguard.h says what is refused).
 *
 * The kernel's loop over the image: a '0' at a 4-aligned offset starts a cpio
 * archive; a zero byte is padding; anything else is a compressed stream,
 * whose output is cpio archives again, after which the loop goes on.  Within
 * an archive, each entry is a 110-byte "070701" header of 13 hex fields, the
 * name (with its NUL) padded so that header and name end 4-aligned, then the
 * body, padded to 4.  The entry named TRAILER!!! ends the archive.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HDR_LEN 110
#define TRAILER "TRAILER!!!"
/* The name's length (with its NUL) padded so that header and name end 4-aligned. */
#define N_ALIGN(len) ((((len) + 1) & ~(size_t)3) + 2)

#define S_IFMT_ 0170000
#define S_IFSOCK_ 0140000
#define S_IFLNK_ 0120000
#define S_IFREG_ 0100000
#define S_IFBLK_ 0060000
#define S_IFDIR_ 0040000
#define S_IFCHR_ 0020000
#define S_IFIFO_ 0010000

/* Caps: a Debian image has a few thousand entries and some dozens of links. */
#define MAX_ENTRIES (1u << 20)
#define MAX_SYMLINKS (1u << 14)

struct reader {
	struct modguard_initrd *r;
	size_t alloc;
	size_t *links, nlinks; /* indices of the symbolic links among the entries */
	unsigned seg;
	struct modguard_err *err;
};

static int hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* NAME as the kernel resolves it from "/": components without "." and empty ones. */
static int canonical(const char *name, char **out)
{
	size_t n = strlen(name);
	char *c = malloc(n + 1), *w = c;
	const char *p = name;

	if (!c)
		return -ENOMEM;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == 2 && p[0] == '.' && p[1] == '.') {
			free(c);
			return -EINVAL;
		}
		if (l && !(l == 1 && p[0] == '.')) {
			if (w != c)
				*w++ = '/';
			memcpy(w, p, l);
			w += l;
		}
		p += l;
		if (*p == '/')
			p++;
	}
	*w = 0;
	*out = c;
	return 0;
}

/*
 * The symbolic link entered earlier that is a directory on NAME's path, or
 * NULL.  The kernel follows it; this reader reads names only, so such an
 * entry is refused.
 */
static const char *via_symlink(const struct reader *rd, const char *name)
{
	for (size_t i = 0; i < rd->nlinks; i++) {
		const char *l = rd->r->entries[rd->links[i]].name;
		size_t n = strlen(l);

		if (!strncmp(name, l, n) && name[n] == '/')
			return l;
	}
	return NULL;
}

/* An earlier entry of this archive that the kernel would hard-link ENTRY to, or NULL. */
static const char *hard_link(const struct reader *rd, const struct modguard_initrd_entry *e)
{
	if (e->nlink < 2 || (e->mode & S_IFMT_) == S_IFDIR_ || (e->mode & S_IFMT_) == S_IFLNK_)
		return NULL;
	for (size_t i = rd->r->n; i-- > 0;) {
		const struct modguard_initrd_entry *o = &rd->r->entries[i];

		if (o->archive != e->archive)
			break;
		if (o->nlink >= 2 && o->ino == e->ino && o->devmajor == e->devmajor &&
		    o->devminor == e->devminor && !((o->mode ^ e->mode) & S_IFMT_))
			return o->name;
	}
	return NULL;
}

static int add_entry(struct reader *rd, struct modguard_initrd_entry *e)
{
	struct modguard_initrd *r = rd->r;

	if (r->n == MAX_ENTRIES)
		return mg_fail(rd->err, MG_E_ARCHIVE, 0, "more than %u entries", MAX_ENTRIES);
	if ((e->mode & S_IFMT_) == S_IFLNK_) {
		size_t *v;

		if (rd->nlinks == MAX_SYMLINKS)
			return mg_fail(rd->err, MG_E_ARCHIVE, 0, "more than %u symbolic links",
				       MAX_SYMLINKS);
		v = realloc(rd->links, (rd->nlinks + 1) * sizeof(*v));
		if (!v)
			return mg_fail(rd->err, MG_E_NOMEM, ENOMEM,
				       "out of memory reading the image");
		rd->links = v;
		rd->links[rd->nlinks++] = r->n;
	}
	if (r->n == rd->alloc) {
		size_t n = rd->alloc ? rd->alloc * 2 : 256;
		struct modguard_initrd_entry *v = realloc(r->entries, n * sizeof(*v));

		if (!v)
			return mg_fail(rd->err, MG_E_NOMEM, ENOMEM,
				       "out of memory reading the image");
		r->entries = v;
		rd->alloc = n;
	}
	r->entries[r->n++] = *e;
	return 0;
}

/* Offsets are in the image for an uncompressed segment, in the stream's output otherwise. */
__attribute__((format(printf, 3, 4))) static int FAIL(struct reader *rd, size_t off,
						      const char *fmt, ...)
{
	enum modguard_comp c = rd->r->segments[rd->seg].comp;
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return mg_fail(rd->err, MG_E_ARCHIVE, 0, "segment %u (%s), offset %zu%s: %s", rd->seg + 1,
		       c ? modguard_comp_name(c) : "uncompressed", off, c ? " of its output" : "",
		       what);
}

/*
 * The cpio archives in buf[*pos, len), up to and with the TRAILER!!! of the
 * last one; *pos ends after it and the zero padding that follows.  For the
 * uncompressed part, buf is the whole image and alignment is counted from
 * its start; for a compressed segment, buf is the stream's output.
 */
static int read_archive(struct reader *rd, const uint8_t *buf, size_t len, size_t *pos)
{
	struct modguard_initrd_segment *s = &rd->r->segments[rd->seg];
	size_t p = *pos;

	for (;;) {
		struct modguard_initrd_entry e = { 0 };
		uint32_t f[13];
		size_t name_len, body_len, body, next;
		const char *raw;
		uint32_t type;
		int rc;

		if (len - p < HDR_LEN)
			return FAIL(rd, p, "cpio header cut short (%zu bytes left, 110 needed)",
				    len - p);
		if (memcmp(buf + p, "070701", 6)) {
			if (!memcmp(buf + p, "070707", 6) || !memcmp(buf + p, "070702", 6))
				return FAIL(rd, p,
					    "cpio format \"%.6s\": only \"070701\" (newc) is read",
					    (const char *)buf + p);
			return FAIL(rd, p, "no cpio magic (\"070701\")");
		}
		for (int i = 0; i < 13; i++)
			if (hex8(buf + p + 6 + 8 * i, &f[i]))
				return FAIL(rd, p, "cpio header field %d is not 8 hex digits",
					    i + 1);
		/* ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check */
		e.mode = f[1];
		e.nlink = f[4];
		body_len = f[6];
		name_len = f[11];
		if (name_len < 2 || name_len > PATH_MAX)
			return FAIL(rd, p, "cpio name length %zu (2 to %d allowed)", name_len,
				    PATH_MAX);
		body = p + HDR_LEN + N_ALIGN(name_len);
		if (body > len || len - body < body_len)
			return FAIL(rd, p, "cpio entry runs past the end of the %s",
				    s->comp ? "compressed stream's output" : "image");
		next = (body + body_len + 3) & ~(size_t)3;
		raw = (const char *)buf + p + HDR_LEN;
		if (raw[name_len - 1] || memchr(raw, 0, name_len - 1))
			return FAIL(rd, p,
				    "cpio name is not one NUL-terminated string of its length");
		if (!strcmp(raw, TRAILER)) {
			/*
			 * The kernel ends the archive here only if it reads the
			 * name: not for a symbolic link, nor for a body on anything
			 * but a file.  Such a "trailer" is refused.
			 */
			if (body_len || (e.mode & S_IFMT_) == S_IFLNK_)
				return FAIL(
					rd, p,
					"a TRAILER!!! entry with a body or of type symbolic link "
					"(the kernel would not end the archive there)");
			/* Then zeros, as the kernel's Reset state eats them, to a 4-aligned offset. */
			p = next > len ? len : next;
			while (p < len && !buf[p])
				p++;
			if (p < len && (p & 3))
				return FAIL(rd, p, "broken padding after TRAILER!!!");
			s->archives++;
			rd->r->narchives++;
			*pos = p;
			return 0;
		}
		type = e.mode & S_IFMT_;
		switch (type) {
		case S_IFREG_:
			break;
		case S_IFLNK_:
			if (body_len > PATH_MAX)
				return FAIL(rd, p, "%s: symbolic link target of %zu bytes", raw,
					    body_len);
			if (!body_len || memchr(buf + body, 0, body_len))
				return FAIL(rd, p,
					    "%s: symbolic link target is empty or holds a NUL",
					    raw);
			break;
		case S_IFDIR_:
		case S_IFCHR_:
		case S_IFBLK_:
		case S_IFIFO_:
		case S_IFSOCK_:
			if (body_len)
				return FAIL(
					rd, p,
					"%s: a body of %zu bytes on an entry that is not a file "
					"(the kernel skips the entry)",
					raw, body_len);
			break;
		default:
			return FAIL(rd, p,
				    "%s: file type 0%o, which the kernel does not create (it "
				    "would still remove what is at that name)",
				    raw, (unsigned)type);
		}
		rc = canonical(raw, &e.name);
		if (rc == -ENOMEM)
			return mg_fail(rd->err, MG_E_NOMEM, ENOMEM,
				       "out of memory reading the image");
		if (rc)
			return FAIL(rd, p, "%s: a \"..\" component", raw);
		if (!*e.name && type != S_IFDIR_) {
			free(e.name);
			return FAIL(rd, p, "%s: names the root, and is not a directory", raw);
		}
		e.size = body_len;
		e.segment = rd->seg;
		e.archive = rd->r->narchives;
		e.ino = f[0];
		e.devmajor = f[7];
		e.devminor = f[8];
		{
			const char *l = via_symlink(rd, e.name), *h = l ? NULL : hard_link(rd, &e);

			if (l || h) {
				rc = l ? FAIL(rd, p,
					      "%s: reached through the symbolic link %s (entries are "
					      "read by name only)",
					      raw, l) :
					 FAIL(rd, p,
					      "%s: a hard link to %s (the kernel writes both through "
					      "one inode; not read)",
					      raw, h);
				free(e.name);
				return rc;
			}
		}
		if (type == S_IFREG_) {
			modguard_sha256(buf + body, body_len, e.sha256);
		} else if (type == S_IFLNK_) {
			e.target = strndup((const char *)buf + body, body_len);
			if (!e.target) {
				free(e.name);
				return mg_fail(rd->err, MG_E_NOMEM, ENOMEM,
					       "out of memory reading the image");
			}
		}
		if ((rc = add_entry(rd, &e))) {
			free(e.name);
			free(e.target);
			return rc;
		}
		s->entries++;
		if (next > len)
			return FAIL(rd, p, "%s: the padding after the body runs past the end", raw);
		p = next;
	}
}

int modguard_initrd_parse(const uint8_t *img, size_t len, struct modguard_initrd *out,
			  struct modguard_err *err)
{
	struct modguard_initrd r = { 0 };
	struct reader rd = { .r = &r, .err = err };
	size_t p = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	while (p < len) {
		struct modguard_initrd_segment *s;

		if (!img[p]) {
			p++;
			continue;
		}
		if (r.nsegments == MODGUARD_MAX_INITRD_SEGMENTS) {
			rc = mg_fail(err, MG_E_ARCHIVE, 0, "more than %d segments",
				     MODGUARD_MAX_INITRD_SEGMENTS);
			break;
		}
		rd.seg = r.nsegments++;
		s = &r.segments[rd.seg];
		s->offset = p;
		if (img[p] == '0') {
			size_t q = p;

			if (p & 3) {
				rc = mg_fail(err, MG_E_ARCHIVE, 0,
					     "offset %zu: a cpio archive not 4-aligned (the kernel "
					     "reads it as a compressed stream)",
					     p);
				break;
			}
			s->comp = MG_COMP_NONE;
			/* Archives back to back form one segment. */
			do {
				if ((rc = read_archive(&rd, img, len, &q)))
					break;
			} while (q < len && img[q] == '0');
			if (rc)
				break;
			s->length = q - p;
			p = q;
			continue;
		}
		/* A compressed stream: the last thing in the image. */
		{
			enum modguard_comp c = modguard_comp_detect(img + p, len - p);
			uint8_t *plain = NULL;
			size_t plain_len = 0, q = 0;

			if (c == MG_COMP_NONE) {
				rc = mg_fail(
					err, MG_E_ARCHIVE, 0,
					"offset %zu: neither cpio nor gzip, xz or zstd (bytes %02x "
					"%02x): other compressions are not read",
					p, img[p], len - p > 1 ? img[p + 1] : 0);
				break;
			}
			s->comp = c;
			s->length = len - p;
			if ((rc = modguard_decompress(c, img + p, len - p, MODGUARD_MAX_INITRD,
						      &plain, &plain_len, err))) {
				size_t l = strlen(err->msg);

				snprintf(
					err->msg + l, sizeof(err->msg) - l,
					" (segment %u at offset %zu: an image ends with its compressed stream)",
					rd.seg + 1, p);
				break;
			}
			while (q < plain_len) {
				if (!plain[q]) {
					q++;
					continue;
				}
				if (plain[q] != '0' || (q & 3)) {
					rc = mg_fail(
						err, MG_E_ARCHIVE, 0,
						"segment %u (%s), offset %zu of its output: not a cpio "
						"archive (no \"070701\" at a 4-aligned offset)",
						rd.seg + 1, modguard_comp_name(c), q);
					break;
				}
				if ((rc = read_archive(&rd, plain, plain_len, &q)))
					break;
			}
			free(plain);
			if (!rc && !s->archives)
				rc = mg_fail(err, MG_E_ARCHIVE, 0,
					     "segment %u (%s): no cpio archive in it", rd.seg + 1,
					     modguard_comp_name(c));
			p = len;
		}
		if (rc)
			break;
	}
	if (!rc && !r.narchives)
		rc = mg_fail(err, MG_E_ARCHIVE, 0, "no cpio archive in the image");
	free(rd.links);
	if (rc) {
		modguard_initrd_release(&r);
		return rc;
	}
	*out = r;
	return 0;
}

void modguard_initrd_release(struct modguard_initrd *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->entries[i].name);
		free(r->entries[i].target);
	}
	free(r->entries);
	memset(r, 0, sizeof(*r));
}

const struct modguard_initrd_entry *modguard_initrd_find(const struct modguard_initrd *r,
							 const char *path, unsigned *count)
{
	const struct modguard_initrd_entry *last = NULL;
	unsigned n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->entries[i].name, path)) {
			last = &r->entries[i];
			n++;
		}
	if (count)
		*count = n;
	return last;
}
