/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmodguard: kernel module appended signatures, in the kernel's own format.
 *
 *   module bytes | PKCS#7 SignedData (DER) | struct module_signature | MODULE_SIG_MAGIC
 *
 * The library never prints.  Every function returns 0 or a negative errno.
 * Functions that can fail for a reason a user must read take a
 * struct modguard_err, filled with a short human message ("signature trailer
 * claims 9000 bytes but file has 812") and a machine-readable reason.
 */
#ifndef MODGUARD_H
#define MODGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MODGUARD_SIG_MAGIC "~Module signature appended~\n"
#define MODGUARD_SIG_MAGIC_LEN 28
#define MODGUARD_SIG_INFO_LEN 12
#define MODGUARD_TRAILER_LEN (MODGUARD_SIG_INFO_LEN + MODGUARD_SIG_MAGIC_LEN)

/* Largest module accepted, compressed or not (the kernel's own limit is 2 GiB, we are stricter). */
#define MODGUARD_MAX_MODULE (512u << 20)
/* Largest PKCS#7 blob accepted in a trailer. */
#define MODGUARD_MAX_SIG (64u << 10)

/* Why something failed.  Stable: tools map these to messages and exit codes. */
enum modguard_reason {
	MG_OK = 0,
	MG_E_IO, /* read/write/open failure; errno in err->errnum */
	MG_E_USAGE, /* bad argument */
	MG_E_TOO_BIG, /* input over a cap */
	MG_E_NOT_ELF, /* body is not an ELF relocatable object */
	MG_E_UNSIGNED, /* no signature marker */
	MG_E_TRAILER, /* malformed struct module_signature */
	MG_E_SIG_FORMAT, /* PKCS#7 not parseable / not the kernel's shape */
	MG_E_SIG_CONTENT, /* PKCS#7 embeds content */
	MG_E_SIG_ATTRS, /* PKCS#7 carries signed attributes */
	MG_E_SIG_SIGNERS, /* not exactly one signer */
	MG_E_HASH_ALGO, /* hash algorithm refused (SHA-1/SHA-224 or unknown) */
	MG_E_UNKNOWN_SIGNER, /* no trusted certificate matches the signer id */
	MG_E_BAD_SIGNATURE, /* digest or signature mismatch */
	MG_E_REVOKED_KEY, /* signer certificate on deny list */
	MG_E_REVOKED_MODULE, /* module digest on deny list */
	MG_E_KEY, /* private key unusable */
	MG_E_CERT, /* certificate unusable (not X.509, expired, CA, ...) */
	MG_E_COMPRESS, /* corrupt compressed stream */
	MG_E_BOMB, /* decompressed size over the cap */
	MG_E_CRYPTO, /* OpenSSL failure not otherwise classified */
	MG_E_NOMEM,
	MG_E_ARCHIVE, /* initramfs image: malformed, or a cpio the reader refuses */
	MG_E__MAX,
};

struct modguard_err {
	enum modguard_reason reason;
	int errnum; /* positive errno where meaningful, else 0 */
	char msg[256]; /* human text, no file name, no trailing newline */
};

/* Stable short token for a reason ("unsigned", "bad-signature", ...). */
const char *modguard_reason_name(enum modguard_reason r);

/* ---- Trailer ---------------------------------------------------------- */

struct modguard_trailer {
	size_t body_len; /* bytes before the PKCS#7 blob */
	size_t sig_off; /* offset of the PKCS#7 blob */
	size_t sig_len; /* length of the PKCS#7 blob */
	uint8_t id_type; /* always 2 once parsed successfully */
};

/*
 * Parse the trailer at the end of buf, as the kernel's mod_check_sig() does.
 * Returns 0, -ENODATA when there is no marker (unsigned), -EBADMSG when the
 * trailer is malformed.
 */
int modguard_trailer_parse(const uint8_t *buf, size_t len, struct modguard_trailer *t,
			   struct modguard_err *err);

/* Length of buf without any appended signature (len if unsigned, 0 ... on malformed -EBADMSG). */
int modguard_body_len(const uint8_t *buf, size_t len, size_t *body_len, struct modguard_err *err);

/* ---- Module files ----------------------------------------------------- */

enum modguard_comp { MG_COMP_NONE = 0, MG_COMP_GZIP, MG_COMP_XZ, MG_COMP_ZSTD };

/* Compression recognised from the file's magic bytes. */
enum modguard_comp modguard_comp_detect(const uint8_t *buf, size_t len);
const char *modguard_comp_name(enum modguard_comp c);

/* Decompress buf into a fresh malloc'd buffer, refusing more than cap bytes of output. */
int modguard_decompress(enum modguard_comp c, const uint8_t *buf, size_t len, size_t cap,
			uint8_t **out, size_t *out_len, struct modguard_err *err);

/*
 * Read a whole file (O_NOFOLLOW, regular files only, size-capped).
 * *raw is what was read from disk; sha256 of it goes in raw_sha256 if non-NULL.
 */
int modguard_file_read(const char *path, uint8_t **raw, size_t *raw_len, struct modguard_err *err);
/* The same into *buf (capacity *cap), grown with realloc() when needed: reusable across calls. */
int modguard_file_read_into(const char *path, uint8_t **buf, size_t *cap, size_t *len,
			    struct modguard_err *err);
/* The whole regular file open as fd (size-capped); a file that changes size while read is an error. */
int modguard_fd_read(int fd, uint8_t **raw, size_t *raw_len, struct modguard_err *err);

/* ---- Hashes ----------------------------------------------------------- */

/* Name as sign-file/modinfo spell it ("sha256"); NULL if unknown. */
int modguard_hash_by_name(const char *name); /* returns OpenSSL NID or -ENOENT */
const char *modguard_hash_name(int nid);
/* SHA-256 of data. */
void modguard_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
/*
 * SHA-256 of data[0, split) into head and of data[0, len) into whole, in one
 * pass over the data (split <= len): a signed module's signed part and the
 * whole file, as verification and admission need them.
 */
void modguard_sha256_split(const uint8_t *data, size_t split, size_t len, uint8_t head[32],
			   uint8_t whole[32]);

/* ---- Initramfs images ------------------------------------------------- */

/*
 * An initramfs image read as the kernel unpacks it (init/initramfs.c): cpio
 * "newc" archives, each ended by TRAILER!!!, one after another with zero
 * padding, the last of them possibly gzip, xz or zstd compressed.  Later
 * entries of a name replace earlier ones, so every entry is kept, in order.
 *
 * The reader is stricter than the kernel: whatever the kernel would skip,
 * stop at or read another way is an error (MG_E_ARCHIVE), so that an image
 * it accepts unpacks to exactly the entries it lists.  Refused: the old
 * cpio formats and "070702", headers with non-hex digits, names without a
 * NUL at their end or with one inside, ".." components, names and
 * symbolic-link targets over PATH_MAX, file types the kernel does not
 * create (an entry of unknown type still removes what is at its name),
 * bodies on entries other than files and symbolic links, a TRAILER!!!
 * the kernel would not take as the end, archives cut short or not ended by
 * TRAILER!!!, broken padding, compression other than gzip, xz and zstd,
 * anything after the compressed segment, an entry reached through a
 * symbolic link entered before it, and hard links (the kernel writes every
 * name of one through the same inode).  What is left is read by name: the
 * last entry of a name is what is there.
 */
#define MODGUARD_MAX_INITRD_SEGMENTS 16
/* Largest uncompressed content accepted. */
#define MODGUARD_MAX_INITRD (1024u << 20)

struct modguard_initrd_entry {
	char *name; /* canonical: relative to "/", no "." or empty components; "" is "/" */
	uint32_t mode; /* type and permission bits, as in the header */
	uint32_t nlink;
	uint64_t size; /* body length */
	uint8_t sha256[32]; /* regular files: SHA-256 of the body */
	char *target; /* symbolic links: the target */
	unsigned segment; /* index into segments[] */
	unsigned archive; /* index of the archive, counted over the whole image */
	uint32_t ino, devmajor, devminor; /* as in the header */
};

struct modguard_initrd_segment {
	size_t offset; /* in the image */
	size_t length; /* in the image (compressed length, for a compressed segment) */
	enum modguard_comp comp;
	unsigned archives, entries;
};

struct modguard_initrd {
	struct modguard_initrd_entry *entries;
	size_t n;
	struct modguard_initrd_segment segments[MODGUARD_MAX_INITRD_SEGMENTS];
	unsigned nsegments;
	unsigned narchives;
};

int modguard_initrd_parse(const uint8_t *img, size_t len, struct modguard_initrd *out,
			  struct modguard_err *err);
void modguard_initrd_release(struct modguard_initrd *r);
/* The last entry named PATH (canonical, as in the entries), or NULL; *count gets how many name it. */
const struct modguard_initrd_entry *modguard_initrd_find(const struct modguard_initrd *r,
							 const char *path, unsigned *count);

/* ---- Trust store and verification ------------------------------------- */

struct modguard_trust;

/* An empty store. */
int modguard_trust_new(struct modguard_trust **out);
/*
 * Certificates from an open descriptor: a directory's entries named *.pem, *.crt,
 * *.der or *.cer (not starting with '.') are opened beneath it, never through
 * a symbolic link, in name order; a regular file is read whole.  The store
 * reads exactly what this reads.
 */
int modguard_trust_add_fd(struct modguard_trust *t, int fd, struct modguard_err *err);
/* Certificates that must never be accepted, by SHA-256 fingerprint of the DER cert. */
int modguard_trust_deny_cert(struct modguard_trust *t, const uint8_t fp[32]);
/* Modules that must never be accepted, by SHA-256 of the uncompressed signed image. */
int modguard_trust_deny_module(struct modguard_trust *t, const uint8_t digest[32]);
/* Deny list, open: lines "cert <64 hex>" or "module <64 hex>", '#' comments. */
int modguard_trust_load_denylist_fd(struct modguard_trust *t, int fd, struct modguard_err *err);
/* Parse deny-list text (len bytes) into t: the one parser of the format. */
int modguard_trust_parse_denylist(struct modguard_trust *t, const uint8_t *data, size_t len,
				  struct modguard_err *err);

/*
 * The trust-add decision, by the store's own rules.  buf holds one
 * certificate as a store file would (PEM or DER; exactly one).  It may join
 * t when it is not on t's deny list, is usable as a module-signing key
 * (leaf, digitalSignature, valid now: what verification asks of a signer),
 * and a certificate of t that verification would itself accept (not denied,
 * usable, valid now) signed it.  Returns 0 (*signer: index of that
 * certificate in t), 1 if t already holds it, or a negative error:
 * MG_E_REVOKED_KEY, MG_E_CERT, MG_E_UNKNOWN_SIGNER.  fp: its SHA-256.
 * *der, *der_len: its DER encoding, what to store (free with OPENSSL_free).
 */
int modguard_trust_vouch(const struct modguard_trust *t, const uint8_t *buf, size_t len,
			 size_t *signer, uint8_t fp[32], uint8_t **der, size_t *der_len,
			 struct modguard_err *err);
/* The file name (no directory) of certificate i in t's store, as loaded; "" if unknown. */
const char *modguard_trust_cert_label(const struct modguard_trust *t, size_t i);
size_t modguard_trust_count(const struct modguard_trust *t);
void modguard_trust_free(struct modguard_trust *t);

enum {
	MG_VERIFY_ALLOW_SHA1 = 1 << 0, /* accept legacy SHA-1 (result has legacy_hash set) */
	MG_VERIFY_DIGEST = 1 << 1, /* fill module_sha256 even with no module deny list */
};

struct modguard_verify_result {
	char signer[256]; /* issuer CN of the matching certificate */
	char serial[130]; /* hex, as modinfo prints sig_key, without colons */
	char skid[130]; /* hex subject key identifier, "" if none */
	char hash[16]; /* "sha256" */
	uint8_t module_sha256[32]; /* SHA-256 of the (uncompressed) image; see MG_VERIFY_DIGEST */
	uint8_t signed_digest[64]; /* digest of the signed part, in the signature's algorithm (hash) */
	unsigned signed_digest_len;
	bool have_digest;
	bool legacy_hash;
	enum modguard_comp comp;
};

/*
 * Verify an in-memory module image (uncompressed ELF with trailer).
 * Returns 0 when valid, negative errno otherwise, with err->reason set.
 */
int modguard_verify_image(const struct modguard_trust *t, const uint8_t *buf, size_t len,
			  unsigned flags, struct modguard_verify_result *res,
			  struct modguard_err *err);

/*
 * Digests of an image that the caller already computed from the very same
 * buffer, in one pass (modguard_sha256_split): the trusted program hashes a
 * module for the admitted map before it knows whether it must verify it.
 * body is the SHA-256 of buf[0, body_len), whole that of buf[0, len).
 */
struct modguard_digests {
	size_t body_len;
	uint8_t body[32];
	uint8_t whole[32];
};

/*
 * As modguard_verify_image, reusing d (may be NULL) instead of hashing
 * again: body when the signature is SHA-256 and its signed part is exactly
 * d->body_len bytes, whole when that matches too.  Otherwise d is ignored.
 * The result is the same as modguard_verify_image's whenever d holds the
 * buffer's true digests; the caller vouches for that.
 */
int modguard_verify_image_with(const struct modguard_trust *t, const uint8_t *buf, size_t len,
			       unsigned flags, const struct modguard_digests *d,
			       struct modguard_verify_result *res, struct modguard_err *err);

/* As above, but buf may be compressed; decompressed with MODGUARD_MAX_MODULE cap. */
int modguard_verify_buffer(const struct modguard_trust *t, const uint8_t *buf, size_t len,
			   unsigned flags, struct modguard_verify_result *res,
			   struct modguard_err *err);

/* ---- Keys the running kernel holds (keys.c) --------------------------- */

/*
 * Whether a /proc/keys listing (text, len; need not end in a newline or a
 * NUL) holds an asymmetric key named after a certificate with subject key id
 * skid (hex, "" or NULL when it has none) and serial (hex, as
 * modguard_verify_result.serial): the name is the skid when there is one,
 * else the serial.  Hex compares without regard to case.
 */
bool modguard_keys_listed(const char *text, size_t len, const char *skid, const char *serial);

#ifdef __cplusplus
}
#endif
#endif
