// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel model (kmodel.h): every assumption the BPF programs make about
 * the kernel, checked against its BTF.
 *
 * Hooks.  A BPF LSM or fexit program reads its arguments by position, and
 * its "ret" right after the last one.  A hook that gains an argument (bpf
 * gained "bool kernel") would make ret read that argument instead: the
 * verifier may refuse the program, or accept it and let it decide on the
 * wrong value.  So every program has an entry below with the argument count
 * it was written for, and the kernel's function must have exactly that
 * count.  A program without an entry is an error: a new program cannot be
 * added without saying what it assumes.
 *
 * Members and enum values.  Every struct and enum the programs declare
 * locally (tcb/bpf/kernel.h and the objects' own) is in the objects' BTF.
 * Each member and enumerator they declare must exist in the kernel's type of
 * the same name, directly or in an anonymous struct or union.  CO-RE would
 * refuse the load anyway; this names what is missing, before loading, and
 * for a kernel nobody has booted yet.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kmodel.h"

enum need {
	REQUIRED, /* the guard cannot enforce without it */
	IF_PRESENT, /* a kernel without the hook has no such path; with it, the layout must fit */
	OPTIONAL, /* without it, a documented degraded mode */
};

struct hook {
	const char *prog; /* program name in the object */
	const char *func; /* the kernel function it attaches to (BTF FUNC) */
	int nargs; /* that function's argument count this program is written for; -1: any */
	enum need need;
	const char *group; /* variants of one hook: at most one is loaded; NULL: alone */
	const char *why; /* what it guards, or what is lost without it */
};

static const struct hook hooks[] = {
	/* The guard (tcb/bpf/guard.bpf.c). */
	{ "guard_kernel_read_file", "bpf_lsm_kernel_read_file", 3, REQUIRED, NULL,
	  "finit_module's decision" },
	{ "guard_kernel_load_data", "bpf_lsm_kernel_load_data", 2, REQUIRED, NULL,
	  "init_module's decision" },
	{ "guard_pkcs7_verify", "pkcs7_verify", 2, OPTIONAL, NULL,
	  "admission by the kernel's digest of the signed part; the guard hashes each module file "
	  "itself instead" },
	{ "guard_locked_down", "bpf_lsm_locked_down", 1, REQUIRED, NULL,
	  "the decision on a module the kernel's keys did not verify" },
	{ "guard_module_sig_check", "module_sig_check", 2, OPTIONAL, NULL,
	  "the audit of the kernel's own verdict (events with hook module_sig_check)" },
	{ "guard_bprm_check_security", "bpf_lsm_bprm_check_security", 1, REQUIRED, NULL,
	  "refusing a steered exec of the trusted program" },
	{ "guard_bprm_committed_creds", "bpf_lsm_bprm_committed_creds", 1, REQUIRED, NULL,
	  "recognising the trusted program" },
	{ "guard_task_alloc", "bpf_lsm_task_alloc", 2, REQUIRED, NULL,
	  "the trusted program's threads and children" },
	{ "guard_ptrace_access_check", "bpf_lsm_ptrace_access_check", 2, REQUIRED, NULL,
	  "the trusted program's memory" },
	{ "guard_ptrace_traceme", "bpf_lsm_ptrace_traceme", 1, REQUIRED, NULL,
	  "the trusted program's memory" },
	/* The self-protection (tcb/bpf/protect.bpf.c). */
	{ "protect_file_open", "bpf_lsm_file_open", 1, REQUIRED, NULL,
	  "writes to protected files" },
	{ "protect_file_permission", "bpf_lsm_file_permission", 2, REQUIRED, NULL,
	  "writes through descriptors opened before the lock" },
	{ "protect_path_truncate", "bpf_lsm_path_truncate", 1, REQUIRED, NULL, "truncation" },
	{ "protect_path_unlink", "bpf_lsm_path_unlink", 2, REQUIRED, NULL, "unlink" },
	{ "protect_path_rmdir", "bpf_lsm_path_rmdir", 2, REQUIRED, NULL, "rmdir" },
	{ "protect_path_rename", "bpf_lsm_path_rename", 5, REQUIRED, NULL, "rename" },
	{ "protect_path_link", "bpf_lsm_path_link", 3, REQUIRED, NULL, "hard links" },
	{ "protect_path_symlink", "bpf_lsm_path_symlink", 3, REQUIRED, NULL, "new names" },
	{ "protect_path_mknod", "bpf_lsm_path_mknod", 4, REQUIRED, NULL, "new names" },
	{ "protect_path_mkdir", "bpf_lsm_path_mkdir", 3, REQUIRED, NULL, "new names" },
	{ "protect_path_chmod", "bpf_lsm_path_chmod", 2, REQUIRED, NULL, "modes" },
	{ "protect_path_chown", "bpf_lsm_path_chown", 3, REQUIRED, NULL, "owners" },
	{ "protect_inode_setattr", "bpf_lsm_inode_setattr", 2, REQUIRED, "inode_setattr",
	  "attributes (before 6.3)" },
	{ "protect_inode_setattr_idmap", "bpf_lsm_inode_setattr", 3, REQUIRED, "inode_setattr",
	  "attributes (6.3 and later: the mount's idmap first)" },
	{ "protect_inode_setxattr", "bpf_lsm_inode_setxattr", 6, REQUIRED, NULL, "xattrs" },
	{ "protect_inode_removexattr", "bpf_lsm_inode_removexattr", 3, REQUIRED, NULL, "xattrs" },
	{ "protect_inode_set_acl", "bpf_lsm_inode_set_acl", 4, IF_PRESENT, NULL,
	  "POSIX ACLs (6.2 and later; before, they are xattrs)" },
	{ "protect_inode_remove_acl", "bpf_lsm_inode_remove_acl", 3, IF_PRESENT, NULL,
	  "POSIX ACLs (6.2 and later; before, they are xattrs)" },
	{ "protect_inode_file_setattr", "bpf_lsm_inode_file_setattr", 2, IF_PRESENT, NULL,
	  "file_setattr(2): the append-only and immutable flags" },
	{ "protect_file_ioctl", "bpf_lsm_file_ioctl", 3, REQUIRED, NULL, "flags and disk ioctls" },
	{ "protect_file_ioctl_compat", "bpf_lsm_file_ioctl_compat", 3, IF_PRESENT, NULL,
	  "32-bit ioctls" },
	{ "protect_mmap_file", "bpf_lsm_mmap_file", 4, REQUIRED, NULL, "writable shared mappings" },
	{ "protect_file_mprotect", "bpf_lsm_file_mprotect", 3, REQUIRED, NULL,
	  "mappings made writable" },
	{ "protect_sweep", "bpf_iter_task_vma", -1, REQUIRED, NULL,
	  "finding writable mappings made before the lock" },
	{ "protect_sb_mount", "bpf_lsm_sb_mount", 5, REQUIRED, NULL,
	  "mounts over protected paths" },
	{ "protect_move_mount", "bpf_lsm_move_mount", 2, REQUIRED, NULL, "moved mounts" },
	{ "protect_sb_umount", "bpf_lsm_sb_umount", 2, REQUIRED, NULL, "unmounts" },
	{ "protect_sb_pivotroot", "bpf_lsm_sb_pivotroot", 2, REQUIRED, NULL, "pivot_root" },
	{ "protect_bprm_check_security", "bpf_lsm_bprm_check_security", 1, REQUIRED, NULL,
	  "the trusted program's exec" },
	{ "protect_bprm_committed_creds", "bpf_lsm_bprm_committed_creds", 1, REQUIRED, NULL,
	  "the trusted program's exec" },
	{ "protect_handoff", "bpf_lsm_bprm_check_security", 1, REQUIRED, NULL,
	  "the hand-off from a guard started in the initramfs" },
	{ "protect_task_alloc", "bpf_lsm_task_alloc", 2, REQUIRED, NULL,
	  "the trusted program's threads and children" },
	{ "protect_task_free", "bpf_lsm_task_free", 1, REQUIRED, NULL,
	  "forgetting a finished trusted program's /proc entries" },
	{ "protect_bpf", "bpf_lsm_bpf", 3, REQUIRED, "bpf", "the guard's BPF objects" },
	{ "protect_bpf_kernel", "bpf_lsm_bpf", 4, REQUIRED, "bpf",
	  "the guard's BPF objects (the hook with \"bool kernel\")" },
	{ "protect_bpf_map", "bpf_lsm_bpf_map", 2, REQUIRED, NULL, "the guard's maps" },
	{ "protect_bpf_prog", "bpf_lsm_bpf_prog", 1, REQUIRED, NULL, "the guard's programs" },
	{ "protect_locked_down", "bpf_lsm_locked_down", 1, REQUIRED, NULL,
	  "kernel integrity (lockdown reasons)" },
	{ "protect_kernel_read_file", "bpf_lsm_kernel_read_file", 3, REQUIRED, NULL, "kexec" },
	{ "protect_kernel_load_data", "bpf_lsm_kernel_load_data", 2, REQUIRED, NULL, "kexec" },
};

/*
 * Members the programs read only where bpf_core_field_exists() says the
 * kernel has them, with a variant for the other layout: their absence is
 * not an error here.  The PKCS#7 digest has its own decision below.
 */
static const char *const optional_types[] = {
	"public_key_signature", /* digest, digest_size (before 7.0); m, m_size after */
};

__attribute__((format(printf, 3, 4))) static void note(struct mg_kmodel *m, enum mg_km_level lvl,
						       const char *fmt, ...)
{
	static const char *const tag[] = { "note", "degraded", "fatal" };
	va_list ap;
	int n;

	if (lvl == MG_KM_FATAL)
		m->fatal++;
	else if (lvl == MG_KM_DEGRADED)
		m->degraded++;
	if (m->len >= sizeof(m->text) - 1)
		return;
	n = snprintf(m->text + m->len, sizeof(m->text) - m->len, "%s: ", tag[lvl]);
	if (n > 0)
		m->len += (size_t)n;
	va_start(ap, fmt);
	n = m->len < sizeof(m->text) ?
		    vsnprintf(m->text + m->len, sizeof(m->text) - m->len, fmt, ap) :
		    0;
	va_end(ap);
	if (n > 0)
		m->len += (size_t)n;
	if (m->len < sizeof(m->text) - 1) {
		m->text[m->len++] = '\n';
		m->text[m->len] = 0;
	} else {
		m->len = sizeof(m->text) - 1;
	}
}

/* The argument count of the kernel's function, or -1 if it has none of that name. */
static int func_nargs(const struct btf *btf, const char *func)
{
	const struct btf_type *t;
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);

	if (id <= 0 || !(t = btf__type_by_id(btf, id)) || !(t = btf__type_by_id(btf, t->type)) ||
	    !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t);
}

static const struct hook *hook_of(const char *prog)
{
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!strcmp(hooks[i].prog, prog))
			return &hooks[i];
	return NULL;
}

static struct bpf_program *find_prog(struct bpf_object *const objs[2], const char *name)
{
	for (int o = 0; o < 2; o++)
		if (objs[o]) {
			struct bpf_program *p = bpf_object__find_program_by_name(objs[o], name);

			if (p)
				return p;
		}
	return NULL;
}

/* Choose the variant of each hook (or group) that fits the kernel. */
static void check_hooks(const struct btf *kbtf, struct bpf_object *const objs[2],
			struct mg_kmodel *m)
{
	struct bpf_program *p;

	/* Every program must be in the table. */
	for (int o = 0; o < 2; o++) {
		if (!objs[o])
			continue;
		bpf_object__for_each_program(p, objs[o])
		{
			if (!hook_of(bpf_program__name(p))) {
				note(m, MG_KM_FATAL,
				     "program %s has no entry in the kernel model (tcb/loader/kmodel.c)",
				     bpf_program__name(p));
				bpf_program__set_autoload(p, false);
			}
		}
	}
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		const struct hook *h = &hooks[i];
		int have = func_nargs(kbtf, h->func);
		bool fits = have >= 0 && (h->nargs < 0 || have == h->nargs), first = true,
		     chosen = false, any = false;
		char known[64] = "";

		if (!find_prog(objs, h->prog))
			continue; /* the other object's, or not being checked */
		/* A group is decided at its first member. */
		for (size_t j = 0; j < i; j++)
			if (h->group && hooks[j].group && !strcmp(hooks[j].group, h->group))
				first = false;
		if (!first)
			continue;
		for (size_t j = i; j < sizeof(hooks) / sizeof(hooks[0]); j++) {
			const struct hook *v = &hooks[j];
			struct bpf_program *vp;

			if (j != i && (!h->group || !v->group || strcmp(v->group, h->group)))
				continue;
			vp = find_prog(objs, v->prog);
			fits = have >= 0 && (v->nargs < 0 || have == v->nargs);
			if (vp)
				bpf_program__set_autoload(vp, fits && !chosen);
			if (fits && vp && !chosen) {
				chosen = true;
				any = true;
			}
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%d",
				 known[0] ? " or " : "", v->nargs);
		}
		if (any)
			continue;
		if (have < 0 && h->need == IF_PRESENT)
			continue;
		if (have < 0)
			note(m, h->need == OPTIONAL ? MG_KM_DEGRADED : MG_KM_FATAL,
			     "the kernel has no %s: %s%s", h->func, h->why,
			     h->need == OPTIONAL ? "" : " is impossible");
		else
			note(m, h->need == OPTIONAL ? MG_KM_DEGRADED : MG_KM_FATAL,
			     "%s has %d arguments, the guard knows layouts of %s: %s%s", h->func,
			     have, known, h->why, h->need == OPTIONAL ? "" : " is impossible");
	}
}

/* Whether struct or union type id of btf has member name, directly or in an anonymous member. */
static bool has_member(const struct btf *btf, __u32 id, const char *name, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *mb;

	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_composite(t) || depth > 8)
		return false;
	mb = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, mb++) {
		const char *n = btf__name_by_offset(btf, mb->name_off);

		if (n && *n) {
			if (!strcmp(n, name))
				return true;
		} else if (has_member(btf, mb->type, name, depth + 1)) {
			return true;
		}
	}
	return false;
}

static bool has_enumerator(const struct btf *btf, int id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	if (!t)
		return false;
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		for (unsigned i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
				return true;
	} else if (btf_is_enum64(t)) {
		const struct btf_enum64 *e = btf_enum64(t);

		for (unsigned i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
				return true;
	}
	return false;
}

static int kernel_enum(const struct btf *kbtf, const char *name)
{
	int id = btf__find_by_name_kind(kbtf, name, BTF_KIND_ENUM);

	return id > 0 ? id : btf__find_by_name_kind(kbtf, name, BTF_KIND_ENUM64);
}

/*
 * Enumerators the programs use only where bpf_core_enum_value_exists() says
 * the kernel has them.
 */
static bool optional_enumerator(const char *name)
{
	return !strcmp(name, "READING_MODULE_COMPRESSED") ||
	       !strcmp(name, "LOADING_MODULE_COMPRESSED");
}

/* The kernel-facing types of one object: members and enumerators it declares. */
static void check_types(const struct btf *kbtf, const struct btf *obtf, const char *what,
			struct mg_kmodel *m)
{
	__u32 n = btf__type_cnt(obtf);

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(obtf, id);
		const char *name = btf__name_by_offset(obtf, t->name_off);
		bool optional = false;
		int kid;

		if (!name || !*name || strstr(name, "___"))
			continue; /* anonymous, or a flavour: alternatives, guarded in the program */
		for (size_t i = 0; i < sizeof(optional_types) / sizeof(optional_types[0]); i++)
			optional |= !strcmp(name, optional_types[i]);
		if (btf_is_composite(t) && btf_vlen(t) && !optional) {
			const struct btf_member *mb = btf_members(t);

			kid = btf__find_by_name_kind(kbtf, name, btf_kind(t));
			if (kid <= 0)
				continue; /* the object's own type (maps, events), not the kernel's */
			for (unsigned i = 0; i < btf_vlen(t); i++, mb++) {
				const char *mn = btf__name_by_offset(obtf, mb->name_off);

				if (mn && *mn && !has_member(kbtf, kid, mn, 0))
					note(m, MG_KM_FATAL,
					     "%s reads %s %s.%s, which this kernel lacks", what,
					     btf_is_struct(t) ? "struct" : "union", name, mn);
			}
		} else if ((btf_is_enum(t) || btf_is_enum64(t)) && btf_vlen(t)) {
			kid = kernel_enum(kbtf, name);
			if (kid <= 0) {
				note(m, MG_KM_FATAL, "%s uses enum %s, which this kernel lacks",
				     what, name);
				continue;
			}
			for (unsigned i = 0; i < btf_vlen(t); i++) {
				const char *en =
					btf_is_enum(t) ?
						btf__name_by_offset(obtf, btf_enum(t)[i].name_off) :
						btf__name_by_offset(obtf,
								    btf_enum64(t)[i].name_off);

				if (!has_enumerator(kbtf, kid, en) && !optional_enumerator(en))
					note(m, MG_KM_FATAL,
					     "%s uses %s of enum %s, which this kernel lacks", what,
					     en, name);
			}
		}
	}
}

/*
 * Admission by the kernel's own digest of the signed part: pkcs7_verify()
 * and the PKCS#7 types, with the digest as digest/digest_size (up to 6.x)
 * or as m/m_size when the algorithm does not take the whole data (7.x).
 */
static bool pkcs7_digest(const struct btf *kbtf, struct mg_kmodel *m)
{
	int pks = btf__find_by_name_kind(kbtf, "public_key_signature", BTF_KIND_STRUCT);
	int si = btf__find_by_name_kind(kbtf, "pkcs7_signed_info", BTF_KIND_STRUCT);
	int msg = btf__find_by_name_kind(kbtf, "pkcs7_message", BTF_KIND_STRUCT);

	if (func_nargs(kbtf, "pkcs7_verify") != 2 || pks <= 0 || si <= 0 || msg <= 0 ||
	    !has_member(kbtf, si, "next", 0) || !has_member(kbtf, si, "authattrs", 0) ||
	    !has_member(kbtf, si, "sig", 0) || !has_member(kbtf, msg, "signed_infos", 0) ||
	    !has_member(kbtf, pks, "hash_algo", 0))
		return false;
	if (has_member(kbtf, pks, "digest", 0) && has_member(kbtf, pks, "digest_size", 0))
		return true;
	if (has_member(kbtf, pks, "m", 0) && has_member(kbtf, pks, "m_size", 0)) {
		note(m, MG_KM_INFO,
		     "public_key_signature has m and m_size: the guard takes m as the digest when "
		     "the algorithm hashes first (algo_takes_data false)");
		return true;
	}
	return false;
}

int mg_kmodel_check(const struct btf *kbtf, struct bpf_object *guard, struct bpf_object *protect,
		    struct mg_kmodel *m)
{
	struct bpf_object *const objs[2] = { guard, protect };
	int id;

	memset(m, 0, sizeof(*m));
	if (!kbtf) {
		note(m, MG_KM_FATAL, "no kernel BTF (CONFIG_DEBUG_INFO_BTF): the guard needs it");
		return -1;
	}
	check_hooks(kbtf, objs, m);
	if (guard) {
		struct bpf_program *p =
			bpf_object__find_program_by_name(guard, "guard_pkcs7_verify");

		m->kernel_digest = pkcs7_digest(kbtf, m) && p && bpf_program__autoload(p);
		if (p && !m->kernel_digest) {
			bpf_program__set_autoload(p, false);
			note(m, MG_KM_DEGRADED,
			     "no usable pkcs7_verify() digest: admission is by each module file's "
			     "SHA-256, as IMA hashes it");
		}
	}
	id = kernel_enum(kbtf, "kernel_read_file_id");
	m->read_compressed_id = id > 0 && has_enumerator(kbtf, id, "READING_MODULE_COMPRESSED");
	if (m->read_compressed_id && guard)
		note(m, MG_KM_INFO,
		     "the kernel reads compressed modules as READING_MODULE_COMPRESSED: decided "
		     "as READING_MODULE");
	for (int o = 0; o < 2; o++)
		if (objs[o] && bpf_object__btf(objs[o]))
			check_types(kbtf, bpf_object__btf(objs[o]),
				    o ? "the self-protection" : "the guard", m);
	return m->fatal ? -1 : 0;
}
