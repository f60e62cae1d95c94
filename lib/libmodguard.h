/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmodguard, the tools' whole API: the verify half that the trusted
 * program links (tcb/lib/modguard.h), and what only the tools may use:
 * compression encoding, atomic writes, signing, the path-based trust-store
 * calls, signature descriptions and the kernel image's certificates.  The
 * trusted program cannot include this header (tests/tcb-check).
 */
#ifndef LIBMODGUARD_H
#define LIBMODGUARD_H

#include "modguard.h"

#ifdef __cplusplus
extern "C" {
#endif

struct iovec;

/* ---- Signature trailer ---- */

/* Write struct module_signature + magic for a PKCS#7 blob of sig_len bytes. */
void modguard_trailer_emit(uint8_t out[MODGUARD_TRAILER_LEN], uint32_t sig_len);

/* ---- Compression encoding ---- */

/* Compress with settings the kernel's in-kernel decompressors accept. */
int modguard_compress(enum modguard_comp c, const uint8_t *buf, size_t len, uint8_t **out,
		      size_t *out_len, struct modguard_err *err);

/* ---- Atomic writes ---- */

/*
 * Replace path atomically with data: temp file in the same directory, fsync,
 * keep mode and owner of the original (or mode if no original), rename, fsync dir.
 */
int modguard_file_replace(const char *path, const uint8_t *data, size_t len, int mode,
			  struct modguard_err *err);
/* The same from several buffers, written one after the other. */
int modguard_file_replacev(const char *path, const struct iovec *iov, int iovcnt, int mode,
			   struct modguard_err *err);

/*
 * The same in steps, for many files: stage writes the temporary file without
 * fsync; the caller makes staged data durable in one go (syncfs on st->dev's
 * filesystem), then commits each (rename), then syncs each directory once.
 */
struct modguard_stage {
	char tmp[4096];
	char path[4096];
	char dir[4096];
	uint64_t dev;
	uint64_t mnt_id; /* mount of path, 0 if unknown */
};
int modguard_file_stage(const char *path, const uint8_t *data, size_t len, int mode,
			struct modguard_stage *st, struct modguard_err *err);
int modguard_file_commit(struct modguard_stage *st, struct modguard_err *err);
void modguard_file_abort(struct modguard_stage *st);
int modguard_dir_sync(const char *dir);

/*
 * Reusing replaced files as temporary files, which saves creating and
 * deleting an inode per file (slow next to many recent deletions, as on ext4
 * without a journal).  modguard_file_commit_keep() commits by exchanging the
 * staged file with the target; st->tmp then names the replaced file (it is ""
 * if a plain rename had to be used).  Once the rename is durable,
 * modguard_file_spare() turns it into a spare: emptied, and named in *sp, if
 * it is a regular file with one link and no extended attributes; otherwise it
 * is deleted and -EINVAL or -errno returned.  modguard_file_stagev() writes
 * iov into *spare instead of a new temporary file when it is on the target's
 * mount and the target has no extended attributes, and then clears
 * spare->path; it clears it too after removing a spare that is no longer
 * usable, and leaves a spare from another mount as it is.  spare may be NULL.
 * The caller unlinks the spares it does not reuse.
 */
struct modguard_spare {
	char path[4096];
	uint64_t mnt_id;
};
int modguard_file_stagev(const char *path, const struct iovec *iov, int iovcnt, int mode,
			 struct modguard_spare *spare, struct modguard_stage *st,
			 struct modguard_err *err);
int modguard_file_commit_keep(struct modguard_stage *st, struct modguard_err *err);
int modguard_file_spare(struct modguard_stage *st, struct modguard_spare *sp);

/* ---- Signing ---------------------------------------------------------- */

enum {
	MG_SIGN_KEYID = 1 << 0, /* identify signer by subject key id, not issuer+serial */
};

struct modguard_signer;

/*
 * key: PEM/DER private key file, or a "pkcs11:" URI (through OpenSSL's pkcs11 engine).
 * cert: PEM/DER X.509 certificate matching the key.
 */
int modguard_signer_new(const char *key, const char *cert, const char *hash, unsigned flags,
			struct modguard_signer **out, struct modguard_err *err);
void modguard_signer_free(struct modguard_signer *s);

/* Detached PKCS#7 over body (DER), malloc'd. Thread-safe on one signer. */
int modguard_signer_sign(struct modguard_signer *s, const uint8_t *body, size_t len, uint8_t **sig,
			 size_t *sig_len, struct modguard_err *err);

/*
 * Sign an ELF module image: strip any existing signature, sign, return
 * body | pkcs7 | trailer in a fresh buffer.
 */
int modguard_sign_image(struct modguard_signer *s, const uint8_t *elf, size_t len, uint8_t **out,
			size_t *out_len, struct modguard_err *err);
/*
 * The same without copying the module: the signed image is the first
 * *body_len bytes of elf, then *sig (malloc'd, *sig_len bytes), then trailer.
 */
int modguard_sign_parts(struct modguard_signer *s, const uint8_t *elf, size_t len, size_t *body_len,
			uint8_t **sig, size_t *sig_len, uint8_t trailer[MODGUARD_TRAILER_LEN],
			struct modguard_err *err);

/* ---- Trust store from paths (trust-path.c) ---- */

/* Certificate file (PEM or DER, several PEM allowed) or directory of them:
 * modguard_trust_add_fd on the path opened. */
int modguard_trust_add_path(struct modguard_trust *t, const char *path, struct modguard_err *err);

/* Deny list file, by path: modguard_trust_load_denylist_fd on it opened. */
int modguard_trust_load_denylist(struct modguard_trust *t, const char *path,
				 struct modguard_err *err);

/* ---- Signature description (modinfo-style) ----------------------------- */

struct modguard_sig_desc {
	char signer[256];
	char sig_key[130]; /* hex of the serial or SKID, as modinfo prints */
	char hashalgo[16];
	uint8_t *signature; /* raw signature value, malloc'd */
	size_t signature_len;
};

/* Parse the signature of an image without verifying it. */
int modguard_sig_describe(const uint8_t *buf, size_t len, struct modguard_sig_desc *d,
			  struct modguard_err *err);
void modguard_sig_desc_release(struct modguard_sig_desc *d);

/* ---- Certificates built into a kernel image (kcert.c) ----------------- */

struct modguard_kcert {
	uint8_t *der; /* the DER X.509 certificate, malloc'd */
	size_t der_len;
	char subject[256]; /* subject name as the kernel composes it: CN, "O: CN", O or email */
	char keyid[130]; /* hex subject key id, or the serial when there is none */
	char desc[400]; /* "subject: keyid", the key's description in /proc/keys */
};

struct modguard_kcert_list {
	struct modguard_kcert *v; /* in list order, duplicates dropped */
	size_t n;
	size_t list_off; /* where the list sits in the decompressed vmlinux */
	size_t list_len;
	enum modguard_comp comp; /* compression of the image's payload */
};

/*
 * The certificates of the kernel's built-in system certificate list (those it
 * loads into .builtin_trusted_keys), from a bzImage, a vmlinux or a gzip, xz
 * or zstd-compressed vmlinux held in img.  Returns 0, or -ENOENT when the
 * image holds no such list, -EINVAL when img is not a kernel image, or
 * -EOPNOTSUPP for a compression we cannot undo.  Release with
 * modguard_kcert_list_release.
 */
int modguard_kcert_extract(const uint8_t *img, size_t len, struct modguard_kcert_list *out,
			   struct modguard_err *err);
void modguard_kcert_list_release(struct modguard_kcert_list *l);

#ifdef __cplusplus
}
#endif
#endif
