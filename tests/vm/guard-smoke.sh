#!/bin/sh
# The guard on any Debian kernel, with nothing but Debian's own modules (no
# test modules: trixie's and sid's kbuild cannot run on the host), under
# trust_kernel_keys = no, where every module needs admission:
# - guard start says what this kernel offers (kernel model) and starts;
# - a Debian module, as shipped (.ko.xz on 6.12 and 7.x, which the kernel
#   reads with READING_MODULE_COMPRESSED on 7.x), is refused by finit_module
#   until admitted, then loads (through MODULE_INIT_COMPRESSED_FILE);
# - its signature stripped, it is refused even once the original is admitted;
# - init_module of its bytes by anyone but the trusted program is refused,
#   and modguard load of the admitted module works;
# - the status is served by the trusted program and formatted by the CLI.
# The module is chosen by property, so that it exists on every kernel: a
# leaf (no dependencies) of lib/, not built in, not loaded.
. /tests/lib.sh

debian_leaf && ok "module for the test: $LEAF ($LEAF_FILE)" || { not_ok "no leaf module of lib/ among Debian's (debian_leaf)"; done_testing; }
mod=$LEAF file=$LEAF_FILE

mkdir -p /etc/modguard/trust.d /tmp/s
printf 'trust_kernel_keys = no\n' >/etc/modguard/policy
expect_ok modguard keys extract-kernel -q "$MG_VMLINUZ" -o /etc/modguard/kernel-certs
modguard guard check >/tmp/check 2>&1
rc=$?
[ $rc = 0 ] && grep -q '^guard: starts' /tmp/check && ok "guard check on the running kernel: $(grep '^guard:' /tmp/check)" ||
	{ not_ok "guard check on the running kernel (exit $rc)"; sed 's/^/#   /' /tmp/check; }
MODGUARD_DEBUG=1 modguard guard start >/tmp/start 2>&1
rc=$?
[ $rc = 0 ] && grep -q 'self-protection locked' /tmp/start && ok "guard start (exit 0), self-protection locked" ||
	{ not_ok "guard start (exit $rc)"; sed 's/^/#   /' /tmp/start; done_testing; }
grep 'kernel model' /tmp/start | sed 's/^/# /'
modguard guard status >/tmp/status 2>&1
grep -q '^guard: running' /tmp/status && grep -q '^trust_kernel_keys: no' /tmp/status &&
	ok "guard status: running, trust_kernel_keys no ($(grep '^kernel_digest' /tmp/status))" ||
	{ not_ok "guard status"; sed 's/^/#   /' /tmp/status; }

# The self-protection on this kernel, by paths that differ between kernels.
# file_setattr(2) exists from 6.17 (ENOSYS before): refused like the ioctl.
for f in /etc/modguard/policy /usr/lib/modguard/modguard-loader; do
	before=$(mgattack state "$f")
	mgattack file-setattr "$f" >/tmp/fsa 2>&1
	case $(cat /tmp/fsa) in
	*EPERM*) ok "file_setattr(FS_XFLAG_APPEND) on $f refused" ;;
	*ENOSYS*) ok "file_setattr on $f: no such system call on this kernel" ;;
	*) not_ok "file_setattr(FS_XFLAG_APPEND) on $f: $(cat /tmp/fsa)" ;;
	esac
	expect_fail EPERM mgattack fssetxattr "$f"
	[ "$(mgattack state "$f")" = "$before" ] && ok "$f unchanged" || not_ok "$f changed: $(mgattack state "$f")"
done
# The trusted program's memory and layout: /proc/PID/{mem,maps,...} of a
# running one (guard log's reader), and of its thread, refused; its status
# (what ps reads) is not.  7.x lets a PTRACE_MODE_READ open of these files
# through without the ptrace hook: the self-protection refuses them itself.
modguard guard log --timeout 30 >/dev/null 2>&1 &
cli=$!
sleep 1
lp=
for st in /proc/[0-9]*/stat; do
	read -r cpid _ _ ppid _ <"$st" 2>/dev/null && [ "$ppid" = "$cli" ] && lp=$cpid
done
if [ -n "$lp" ]; then
	for f in mem maps smaps smaps_rollup numa_maps pagemap auxv environ; do
		mgattack state /proc/$lp/$f >/dev/null 2>&1
		if dd if=/proc/$lp/$f of=/dev/null count=1 2>/tmp/dd; then
			not_ok "/proc/$lp/$f of the trusted program readable"
		else
			ok "/proc/$lp/$f of the trusted program refused ($(sed 's/.*: //' /tmp/dd | head -n 1))"
		fi
	done
	expect_fail EPERM dd if=/proc/$lp/task/$lp/maps of=/dev/null count=1
	expect_ok dd if=/proc/$lp/status of=/dev/null count=1
else
	not_ok "no trusted reader under guard log"
fi
kill $cli 2>/dev/null
wait $cli 2>/dev/null
# Its entry goes with it: an ordinary process's maps stay readable.
sleep 5 &
sp=$!
expect_ok dd if=/proc/$sp/maps of=/dev/null count=1
kill $sp

# Not admitted: refused, whatever the kernel's keys say.
expect_fail EPERM sysload finit "$file"
module_loaded "$mod" && not_ok "$mod not loaded after the refusal" || ok "$mod not loaded after the refusal"

# Its signature stripped: refused, also once the original is admitted.
case $file in
*.xz) xzcat "$file" >/tmp/s/plain.ko ;;
*) cp "$file" /tmp/s/plain.ko ;;
esac
cp /tmp/s/plain.ko /tmp/s/unsigned.ko
expect_ok modguard strip -q /tmp/s/unsigned.ko
expect_ok modguard admit -q -C /etc/modguard/kernel-certs "$file"
expect_fail EPERM sysload finit /tmp/s/unsigned.ko
# init_module of the admitted module's bytes by an untrusted task: refused.
expect_fail EPERM sysload init /tmp/s/plain.ko
module_loaded "$mod" && not_ok "$mod still not loaded" || ok "$mod still not loaded"

# Admitted, as shipped: finit_module (compressed flag for a compressed file) loads it.
expect_ok sysload finit "$file"
module_loaded "$mod" && ok "$mod loaded after admission" || not_ok "$mod loaded after admission"
expect_ok sysload delete "$mod"
# Under trust_kernel_keys = no admission is by the file's SHA-256 as the
# kernel reads it: a decompressed copy is another file, refused until it is
# admitted itself (on 6.1 the module is not compressed: the copy is the same).
if [ "$file" != "${file%.xz}" ]; then
	expect_fail EPERM sysload finit /tmp/s/plain.ko
	expect_ok modguard admit -q -C /etc/modguard/kernel-certs /tmp/s/plain.ko
	expect_ok sysload finit /tmp/s/plain.ko
	expect_ok sysload delete "$mod"
fi
# And through the trusted program.
expect_ok modguard load "$file"
module_loaded "$mod" && ok "$mod loaded by modguard load" || not_ok "$mod loaded by modguard load"
expect_ok sysload delete "$mod"

modguard guard status >/tmp/status 2>&1
denied=$(sed -n 's/^denied: //p' /tmp/status)
[ "${denied:-0}" -ge 3 ] && grep -q 'denied .*not-admitted' /tmp/status &&
	ok "guard status counts the refusals ($denied) and lists them" ||
	{ not_ok "guard status counts the refusals"; sed 's/^/#   /' /tmp/status; }
done_testing
