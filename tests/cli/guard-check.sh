#!/bin/bash
# modguard guard check: the kernel model (tcb/loader/kmodel.c) on real Debian
# kernels' BTF, and on copies of one whose names were changed byte for byte,
# so that a hook, a member, an enum value or the PKCS#7 digest is missing.
# Each expectation comes from what the guard needs (tcb/README.md), not from
# the program's output.
# Usage: tests/cli/guard-check.sh MODGUARD [SUITE...]
#   SUITE: bookworm (6.1), bookworm-6.12, trixie, sid (default: all four);
#   each kernel is fetched with tests/kernel/fetch (cached).
set -u
mg=$1
shift
suites=${*:-bookworm bookworm-6.12 trixie sid}
top=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
# check DESC EXIT PATTERN... FILE: guard check FILE exits EXIT and prints every PATTERN.
check() {
	local d=$1 want=$2 f=${*: -1} rc
	shift 2
	"$mg" guard check "$f" >"$T/out" 2>&1
	rc=$?
	for p in "${@:1:$#-1}"; do
		grep -qE -- "$p" "$T/out" || { not_ok "$d: no line matching '$p' (exit $rc)"; sed 's/^/#   /' "$T/out"; return; }
	done
	[ $rc = "$want" ] && ok "$d (exit $rc)" || { not_ok "$d: exit $rc, wanted $want"; sed 's/^/#   /' "$T/out"; }
}

fetch() {
	case $1 in
	bookworm) env -u MG_SUITE MG_KERNEL=linux-image-amd64 "$top/tests/kernel/fetch" ;;
	bookworm-6.12) env -u MG_SUITE MG_KERNEL=linux-image-6.12-amd64 \
		MODGUARD_KERNEL_CACHE=${MODGUARD_KERNEL_CACHE:-/var/cache/modguard-test/kernel}-6.12 "$top/tests/kernel/fetch" ;;
	*) MG_SUITE=$1 "$top/tests/kernel/fetch" ;;
	esac
}

# Raw BTF out of a bzImage (xz or zstd payload, then the ELF's .BTF section).
extract_btf() {
	python3 - "$1" "$2" <<'PY'
import lzma, struct, subprocess, sys
img = open(sys.argv[1], 'rb').read()
elf = None
i = img.find(b'\xfd7zXZ\x00')
if i >= 0:
    elf = lzma.LZMADecompressor().decompress(img[i:])
else:
    i = img.find(b'\x28\xb5\x2f\xfd')
    elf = subprocess.run(['zstd', '-dc'], input=img[i:], capture_output=True).stdout
assert elf[:4] == b'\x7fELF', 'no ELF payload'
shoff, = struct.unpack_from('<Q', elf, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)
sh = [struct.unpack_from('<IIQQQQIIQQ', elf, shoff + k * shentsize) for k in range(shnum)]
stro = sh[shstrndx][4]
for s in sh:
    name = elf[stro + s[0]:elf.index(b'\0', stro + s[0])]
    if name == b'.BTF':
        open(sys.argv[2], 'wb').write(elf[s[4]:s[4] + s[5]])
        break
else:
    sys.exit('no .BTF')
PY
}

# patch IN OUT OLD NEW: a copy of raw BTF whose string OLD (a whole name) reads NEW (same length).
patch() {
	python3 - "$@" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
old, new = sys.argv[3].encode() + b'\0', sys.argv[4].encode() + b'\0'
assert len(old) == len(new)
k, count = 0, 0
while True:
    k = b.find(old, k)
    if k < 0:
        break
    if k == 0 or b[k - 1] == 0:  # a whole string, not another's tail
        b[k:k + len(old)] = new
        count += 1
    k += 1
assert count >= 1, 'string not found'
open(sys.argv[2], 'wb').write(b)
PY
}

base_btf=
for s in $suites; do
	if ! env=$(fetch "$s" 2>"$T/fetch.err"); then
		not_ok "$s: cannot fetch the kernel: $(tail -n 1 "$T/fetch.err")"
		continue
	fi
	eval "$env"
	case $s in
	sid) check "$s ($MG_KVER): starts; m/m_size digest and READING_MODULE_COMPRESSED recognised" 0 \
		'^guard: starts' 'public_key_signature has m and m_size' 'READING_MODULE_COMPRESSED' \
		'^admission: by the kernel.s digest' "$MG_VMLINUZ" ;;
	*) check "$s ($MG_KVER): starts with every mechanism" 0 '^guard: starts, every mechanism' \
		'^admission: by the kernel.s digest' "$MG_VMLINUZ" ;;
	esac
	if [ "$s" = bookworm ] && extract_btf "$MG_VMLINUZ" "$T/base.btf"; then
		base_btf=$T/base.btf
	fi
done

if [ -z "$base_btf" ]; then
	not_ok "no 6.1 BTF to alter (bookworm not fetched or not extracted)"
else
	check "raw BTF of 6.1: the same answer as its image" 0 '^guard: starts, every mechanism' "$base_btf"
	patch "$base_btf" "$T/no-open.btf" bpf_lsm_file_open bpf_lsm_file_opeX
	check "no file_open hook: cannot start, and says which hook and what it guards" 1 \
		'^fatal: the kernel has no bpf_lsm_file_open: writes to protected files is impossible' \
		'^guard: cannot start' "$T/no-open.btf"
	# The kernel postinst hook, as installed (@bindir@ and @sysconfdir@ filled in).
	mkdir -p "$T/bin" "$T/etc/modguard/trust.d"
	ln -s "$(readlink -f "$mg")" "$T/bin/modguard"
	sed -e "s|@bindir@|$T/bin|g" -e "s|@sysconfdir@|$T/etc|g" "$top/packaging/kernel/zz-modguard.in" >"$T/hook"
	sh "$T/hook" 9.9.9-test "$T/no-open.btf" >"$T/hook.out" 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q 'WARNING: the guard will NOT start on kernel 9.9.9-test' "$T/hook.out" &&
		grep -q 'no bpf_lsm_file_open' "$T/hook.out" &&
		ok "kernel postinst hook: a kernel the guard cannot start on is named, loudly (exit 0)" ||
		{ not_ok "kernel postinst hook on a kernel without file_open (exit $rc)"; sed 's/^/#   /' "$T/hook.out"; }
	sh "$T/hook" 9.9.9-test "$base_btf" >"$T/hook.out" 2>&1
	grep -q 'modguard: 9.9.9-test: guard: starts, every mechanism' "$T/hook.out" && ! grep -q WARNING "$T/hook.out" &&
		ok "kernel postinst hook: a kernel it starts on gets one quiet line" ||
		{ not_ok "kernel postinst hook on 6.1's BTF"; sed 's/^/#   /' "$T/hook.out"; }
	patch "$base_btf" "$T/no-bpf.btf" bpf_lsm_bpf bpf_lsm_bpX
	check "no bpf hook (neither layout): cannot start" 1 \
		'^fatal: the kernel has no bpf_lsm_bpf: the guard.s BPF objects is impossible' "$T/no-bpf.btf"
	patch "$base_btf" "$T/no-pkcs7.btf" pkcs7_verify pkcs7_verifX
	check "no pkcs7_verify: starts degraded, admission by file hash" 0 \
		'^degraded: the kernel has no pkcs7_verify' '^guard: starts, degraded' \
		'^admission: by each module file.s SHA-256' "$T/no-pkcs7.btf"
	patch "$base_btf" "$T/no-digest.btf" digest_size digest_sizX
	check "public_key_signature without digest_size (and no m): degraded" 0 \
		'^degraded: no usable pkcs7_verify' '^admission: by each module file.s SHA-256' "$T/no-digest.btf"
	patch "$base_btf" "$T/no-magic.btf" s_magic s_magiX
	check "super_block without s_magic: cannot start, names the member" 1 \
		'^fatal: the (guard|self-protection) reads struct super_block.s_magic' "$T/no-magic.btf"
	patch "$base_btf" "$T/no-readmod.btf" READING_MODULE READING_MODULX
	check "kernel_read_file_id without READING_MODULE: cannot start, names the value" 1 \
		'^fatal: the guard uses READING_MODULE of enum kernel_read_file_id' "$T/no-readmod.btf"
	patch "$base_btf" "$T/no-sigcheck.btf" module_sig_check module_sig_checX
	check "no module_sig_check: degraded (audit only)" 0 \
		'^degraded: the kernel has no module_sig_check: the audit' "$T/no-sigcheck.btf"
fi
head -c 4096 /dev/urandom >"$T/junk"
"$mg" guard check "$T/junk" >"$T/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "$T/junk: no BTF found" "$T/out" && ok "junk: exit 2, names the file" || { not_ok "junk: exit $rc"; cat "$T/out"; }
"$mg" guard check --kernel no-such-kernel >"$T/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q 'kernel no-such-kernel: no image' "$T/out" && ok "--kernel unknown: exit 2, says where it looked" || { not_ok "--kernel unknown: exit $rc"; cat "$T/out"; }
"$mg" guard check --kernel ../x >"$T/out" 2>&1
[ $? = 2 ] && ok "--kernel with a slash: usage error" || not_ok "--kernel with a slash"
echo "1..$n"
echo "$((n - fails)) passed, $fails failed, 0 skipped"
[ $fails = 0 ]
