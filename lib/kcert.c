// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The certificates a kernel image trusts for module signatures: its built-in
 * system certificate list (certs/system_certificates.S), which the kernel
 * loads into .builtin_trusted_keys at boot.
 *
 * A vmlinuz carries no symbols, so the list is found by shape.  The payload
 * of the bzImage is decompressed, every DER X.509 certificate in it is found,
 * and a run of back-to-back certificates counts as the system list only when
 * it is followed, within CONFIG_SYSTEM_EXTRA_CERTIFICATE_SIZE and alignment,
 * by the two 64-bit words the assembler emits after it:
 *
 *     system_certificate_list_size = length of the whole run
 *     module_cert_size             = length of its first certificate
 *
 * That pair tells the list apart from the revocation list (one size word, and
 * its certificates must never be trusted) and from stray certificates in
 * test vectors or firmware.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "libmodguard.h"

/* Largest decompressed kernel accepted (Debian's vmlinux is about 60 MiB). */
#define KCERT_MAX_VMLINUX (1024u << 20)
/* How far past the last certificate the size words may sit (extra cert area + alignment). */
#define KCERT_SIZE_WINDOW (64u << 10)
/* Most certificates kept from one image. */
#define KCERT_MAX_CERTS 256

/* mg_fail, but returning the errno given rather than the reason's default (-ENOENT, not -EINVAL). */
#define kfail(err, reason, errnum, ...) (mg_fail(err, reason, errnum, __VA_ARGS__), -(errnum))

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static bool is_elf(const uint8_t *p, size_t len)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	return len >= 4 && !memcmp(p, magic, 4);
}

/* Name of a compression the kernel may use and we cannot undo, for the error message. */
static const char *unsupported_comp(const uint8_t *p, size_t len)
{
	if (len >= 3 && !memcmp(p, "BZh", 3))
		return "bzip2";
	if (len >= 4 && !memcmp(p, "\x89LZO", 4))
		return "lzo";
	if (len >= 4 && !memcmp(p, "\x02\x21\x4c\x18", 4))
		return "lz4";
	if (len >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0)
		return "lzma";
	return NULL;
}

/*
 * Decompress a kernel payload.  Kbuild appends the uncompressed size as a
 * 32-bit word after xz and zstd streams, which the stream decoders take for
 * trailing garbage, so try again without it.
 */
static int unpack(enum modguard_comp c, const uint8_t *p, size_t len, uint8_t **out,
		  size_t *out_len, struct modguard_err *err)
{
	int r;

	r = modguard_decompress(c, p, len, KCERT_MAX_VMLINUX, out, out_len, err);
	if (r < 0 && len > 4 && err->reason == MG_E_COMPRESS)
		r = modguard_decompress(c, p, len - 4, KCERT_MAX_VMLINUX, out, out_len, err);
	if (r < 0)
		mg_prefix(err, "kernel payload");
	return r;
}

/*
 * Find the vmlinux inside img: a bzImage's payload (x86 boot protocol 2.08+),
 * a compressed vmlinux or Image, or a vmlinux or arm64 Image as is.  *owned is set when *vm was
 * allocated here.
 */
static int find_vmlinux(const uint8_t *img, size_t len, const uint8_t **vm, size_t *vm_len,
			uint8_t **owned, enum modguard_comp *comp, struct modguard_err *err)
{
	const uint8_t *payload = img;
	size_t plen = len;
	const char *other;
	size_t out_len;
	int r;

	*owned = NULL;
	*comp = MG_COMP_NONE;
	if (len >= 0x250 && !memcmp(img + 0x202, "HdrS", 4)) {
		unsigned setup_sects = img[0x1f1] ? img[0x1f1] : 4;
		unsigned version = img[0x206] | img[0x207] << 8;
		size_t pm = ((size_t)setup_sects + 1) * 512;
		uint32_t off = get_le32(img + 0x248), pl = get_le32(img + 0x24c);

		if (version < 0x208)
			return kfail(err, MG_E_USAGE, EOPNOTSUPP,
				     "bzImage boot protocol %u.%02u is older than 2.08 and does "
				     "not locate its payload",
				     version >> 8, version & 0xff);
		if (pm > len || off > len - pm || pl > len - pm - off || pl == 0)
			return kfail(err, MG_E_USAGE, EINVAL,
				     "bzImage header puts the payload (%u bytes at %zu) outside "
				     "the %zu-byte file",
				     pl, pm + off, len);
		payload = img + pm + off;
		plen = pl;
	}

	/* An arm64 Image (the magic at 56) is plain data like a vmlinux: scan it as is. */
	if (is_elf(payload, plen) || (plen >= 64 && !memcmp(payload + 56, "ARM\x64", 4))) {
		*vm = payload;
		*vm_len = plen;
		return 0;
	}
	*comp = modguard_comp_detect(payload, plen);
	if (*comp == MG_COMP_NONE) {
		other = unsupported_comp(payload, plen);
		if (other)
			return kfail(err, MG_E_COMPRESS, EOPNOTSUPP,
				     "kernel payload is %s-compressed; only gzip, xz and zstd "
				     "are supported",
				     other);
		return kfail(err, MG_E_USAGE, EINVAL,
			     "not a kernel image: expected a bzImage, a vmlinux or a "
			     "gzip/xz/zstd-compressed vmlinux");
	}
	r = unpack(*comp, payload, plen, owned, &out_len, err);
	if (r < 0)
		return r;
	*vm = *owned;
	*vm_len = out_len;
	return 0;
}

struct span {
	size_t off, len;
};

/* Every complete DER certificate in buf, in order, not overlapping. */
static int find_certs(const uint8_t *buf, size_t len, struct span **out, size_t *n)
{
	struct span *v = NULL, *nv;
	size_t cnt = 0, alloc = 0, i = 0;

	while (len >= 8 && i <= len - 8) {
		const uint8_t *p = memchr(buf + i, 0x30, len - 8 - i + 1);
		const unsigned char *q;
		size_t off, clen;
		X509 *x;

		if (!p)
			break;
		off = (size_t)(p - buf);
		i = off + 1;
		/* SEQUENCE (long form, 2 length bytes) holding a SEQUENCE (tbsCertificate). */
		if (p[1] != 0x82 || p[4] != 0x30 || (p[5] != 0x82 && p[5] != 0x81))
			continue;
		clen = ((size_t)p[2] << 8 | p[3]) + 4;
		if (clen > len - off)
			continue;
		q = p;
		x = d2i_X509(NULL, &q, (long)clen);
		if (!x)
			continue;
		X509_free(x);
		if ((size_t)(q - p) != clen)
			continue;
		if (cnt == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			nv = realloc(v, alloc * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = (struct span){ off, clen };
		i = off + clen;
	}
	ERR_clear_error();
	*out = v;
	*n = cnt;
	return 0;
}

/*
 * Is certs[a..b] the system list?  Look past its end for the size of the
 * whole run followed by the size of its first certificate.
 */
static bool size_words_follow(const uint8_t *buf, size_t len, const struct span *c, size_t a,
			      size_t b)
{
	size_t end = c[b].off + c[b].len;
	uint64_t total = end - c[a].off, first = c[a].len;
	size_t lim = len - end < KCERT_SIZE_WINDOW ? len : end + KCERT_SIZE_WINDOW;

	for (size_t i = end; i + 16 <= lim; i++)
		if (get_le64(buf + i) == total && get_le64(buf + i + 8) == first)
			return true;
	return false;
}

/* The INTEGER's content octets, as the kernel keeps raw_serial. */
static int raw_serial(X509 *x, uint8_t *out, size_t outsz, size_t *n)
{
	unsigned char *der = NULL;
	size_t hdr, clen;
	int dlen;

	dlen = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &der);
	if (dlen < 2)
		return -EINVAL;
	if (der[1] < 0x80) {
		hdr = 2;
	} else {
		hdr = 2 + (der[1] & 0x7f);
	}
	if ((size_t)dlen < hdr) {
		OPENSSL_free(der);
		return -EINVAL;
	}
	clen = (size_t)dlen - hdr;
	if (clen > outsz) {
		OPENSSL_free(der);
		return -E2BIG;
	}
	memcpy(out, der + hdr, clen);
	*n = clen;
	OPENSSL_free(der);
	return 0;
}

/* Raw value of the last name attribute with this NID, as the kernel's parser keeps it. */
static const ASN1_STRING *last_entry(const X509_NAME *name, int nid)
{
	int i = -1, last = -1;

	while ((i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0)
		last = i;
	if (last < 0)
		return NULL;
	return X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
}

static void copy_str(char *out, size_t outsz, const unsigned char *s, size_t n)
{
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	/* Control characters would corrupt a listing; the kernel would keep them. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

/* x509_fabricate_name() of crypto/asymmetric_keys/x509_cert_parser.c. */
static void kernel_subject(X509 *x, char *out, size_t outsz)
{
	const X509_NAME *name = X509_get_subject_name(x);
	const ASN1_STRING *cn = last_entry(name, NID_commonName);
	const ASN1_STRING *o = last_entry(name, NID_organizationName);
	const ASN1_STRING *email = last_entry(name, NID_pkcs9_emailAddress);
	size_t cn_len = cn ? (size_t)ASN1_STRING_length(cn) : 0;
	size_t o_len = o ? (size_t)ASN1_STRING_length(o) : 0;
	const unsigned char *cn_s = cn ? ASN1_STRING_get0_data(cn) : NULL;
	const unsigned char *o_s = o ? ASN1_STRING_get0_data(o) : NULL;
	char a[256], b[256];

	out[0] = '\0';
	if (cn_len && o_len) {
		/* Only the CN if it starts with the O, or with a good part of it. */
		if ((cn_len >= o_len && !memcmp(cn_s, o_s, o_len)) ||
		    (cn_len >= 7 && o_len >= 7 && !memcmp(cn_s, o_s, 7))) {
			copy_str(out, outsz, cn_s, cn_len);
			return;
		}
		copy_str(a, sizeof(a), o_s, o_len);
		copy_str(b, sizeof(b), cn_s, cn_len);
		/* Like the kernel, a long "O: CN" is simply cut at outsz. */
		if (snprintf(out, outsz, "%s: %s", a, b) >= (int)outsz)
			out[outsz - 1] = '\0';
	} else if (cn_len) {
		copy_str(out, outsz, cn_s, cn_len);
	} else if (o_len) {
		copy_str(out, outsz, o_s, o_len);
	} else if (email) {
		copy_str(out, outsz, ASN1_STRING_get0_data(email),
			 (size_t)ASN1_STRING_length(email));
	}
}

static int describe(struct modguard_kcert *k, struct modguard_err *err)
{
	const unsigned char *p = k->der;
	const ASN1_OCTET_STRING *skid;
	uint8_t serial[64];
	size_t serial_len;
	X509 *x;
	int r = 0;

	x = d2i_X509(NULL, &p, (long)k->der_len);
	if (!x)
		return kfail(err, MG_E_CERT, EBADMSG, "certificate no longer parses");
	kernel_subject(x, k->subject, sizeof(k->subject));
	/* The kernel names a key by its subject key id, else by its serial. */
	skid = X509_get0_subject_key_id(x);
	if (skid && ASN1_STRING_length(skid) > 0) {
		mg_hex(ASN1_STRING_get0_data(skid), (size_t)ASN1_STRING_length(skid), k->keyid,
		       sizeof(k->keyid));
	} else if (raw_serial(x, serial, sizeof(serial), &serial_len) == 0) {
		mg_hex(serial, serial_len, k->keyid, sizeof(k->keyid));
	} else {
		r = kfail(err, MG_E_CERT, EBADMSG, "certificate serial number is unusable");
	}
	snprintf(k->desc, sizeof(k->desc), "%s: %s", k->subject, k->keyid);
	X509_free(x);
	ERR_clear_error();
	return r;
}

void modguard_kcert_list_release(struct modguard_kcert_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].der);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int modguard_kcert_extract(const uint8_t *img, size_t len, struct modguard_kcert_list *out,
			   struct modguard_err *err)
{
	_cleanup_(freep) uint8_t *owned = NULL;
	_cleanup_(freep) struct span *c = NULL;
	struct modguard_kcert_list l = { 0 };
	const uint8_t *vm;
	size_t vm_len, n, a = 0, b = 0;
	bool found = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (!img || !len)
		return kfail(err, MG_E_USAGE, EINVAL, "empty kernel image");
	r = find_vmlinux(img, len, &vm, &vm_len, &owned, &l.comp, err);
	if (r < 0)
		return r;
	if (find_certs(vm, vm_len, &c, &n) < 0)
		return kfail(err, MG_E_NOMEM, ENOMEM, "out of memory scanning the kernel");

	/* Runs of back-to-back certificates; the first start that checks out wins. */
	for (size_t i = 0; i < n && !found;) {
		size_t j = i;

		while (j + 1 < n && c[j + 1].off == c[j].off + c[j].len)
			j++;
		for (size_t s = i; s <= j; s++)
			if (size_words_follow(vm, vm_len, c, s, j)) {
				a = s;
				b = j;
				found = true;
				break;
			}
		i = j + 1;
	}
	if (!found)
		return kfail(err, MG_E_CERT, ENOENT,
			     "no system certificate list in the kernel image (%zu X.509 "
			     "certificate%s found, none followed by the list's size)",
			     n, n == 1 ? "" : "s");
	l.list_off = c[a].off;
	l.list_len = c[b].off + c[b].len - c[a].off;
	if (b - a + 1 > KCERT_MAX_CERTS)
		return kfail(err, MG_E_TOO_BIG, EFBIG,
			     "system certificate list holds %zu certificates, more than %u",
			     b - a + 1, KCERT_MAX_CERTS);

	l.v = calloc(b - a + 1, sizeof(*l.v));
	if (!l.v)
		return kfail(err, MG_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = a; i <= b; i++) {
		struct modguard_kcert *k = &l.v[l.n];
		bool dup = false;

		for (size_t j = 0; j < l.n && !dup; j++)
			dup = l.v[j].der_len == c[i].len &&
			      !memcmp(l.v[j].der, vm + c[i].off, c[i].len);
		if (dup)
			continue;
		k->der = malloc(c[i].len);
		if (!k->der) {
			modguard_kcert_list_release(&l);
			return kfail(err, MG_E_NOMEM, ENOMEM, "out of memory");
		}
		memcpy(k->der, vm + c[i].off, c[i].len);
		k->der_len = c[i].len;
		l.n++;
		r = describe(k, err);
		if (r < 0) {
			modguard_kcert_list_release(&l);
			return r;
		}
	}
	*out = l;
	return 0;
}
