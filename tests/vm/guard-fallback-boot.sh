#!/bin/sh
# The boot fallback in two steps (booted without the BPF LSM, default policy:
# fallback = modules_disabled, trust_kernel_keys = yes).  `guard start --boot`,
# as modguard.service runs it, cannot start the guard; it sets
# module.sig_enforce = 1 at once and leaves /run/modguard/fallback-pending.
# Until `modguard-boot settle` (modguard-fallback.service), the boot-time
# modules the kernel's own keys verify still load; nothing else does, by any
# path, and sig_enforce cannot be switched off.  After it, kernel.modules_disabled
# is 1 and nothing loads.
#   tests/vm/run --append "lsm=lockdown,capability,yama" tests/vm/guard-fallback-boot.sh
# vm-options: --append "lsm=lockdown,capability,yama"
. /tests/lib.sh

if grep -qw bpf /sys/kernel/security/lsm 2>/dev/null; then
	not_ok "boot with an lsm= list without bpf for this script ($(cat /sys/kernel/security/lsm))"
	done_testing
fi
SE=/sys/module/module/parameters/sig_enforce
MD=/proc/sys/kernel/modules_disabled
PENDING=/run/modguard/fallback-pending
Q=$MG_KMODDIR/kernel/fs/quota/quota_tree.ko # signed by Debian's key, no dependencies
mkdir -p /etc/modguard/trust.d /tmp/m
# 6.12 ships quota_tree.ko.xz, which busybox insmod cannot read: the module
# as the kernel loads it, signature and all.
if [ ! -f "$Q" ] && [ -f "$Q.xz" ]; then
	xzcat "$Q.xz" >/tmp/m/quota_tree.ko
	Q=/tmp/m/quota_tree.ko
fi
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
printf 'mode = enforce\n' >/etc/modguard/policy
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello.ko "$MG_MODULES/hello.ko"

check "before: sig_enforce off, modules enabled, no pending step" \
	sh -c "grep -qx N $SE && grep -qx 0 $MD && [ ! -e $PENDING ]"
# Without --boot (an owner starting it by hand): no second step will come, so no two steps.
# That path is tests/vm/guard-fallback.sh's; here only --boot.
/usr/lib/modguard/modguard-boot start >/tmp/start.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/start.out
if [ $rc = 1 ] && grep -q 'BPF LSM not active' /tmp/start.out && grep -q 'module.sig_enforce = 1' /tmp/start.out &&
	grep -q 'modguard-fallback.service' /tmp/start.out; then
	ok "modguard-boot start: the guard cannot start, exit 1, says why and what it did"
else
	not_ok "modguard-boot start: exit $rc, message as expected"
fi
check "step 1: module.sig_enforce = 1" grep -qx Y $SE
check "step 1: kernel.modules_disabled still 0" grep -qx 0 $MD
check "step 1: $PENDING left for modguard-fallback.service" test -f $PENDING

# Switching sig_enforce off again is refused by the kernel, whoever asks.
expect_unchanged $SE sh -c "echo 0 >$SE"
check "sig_enforce cannot be turned off" sh -c "! echo 0 >$SE 2>/dev/null && grep -qx Y $SE"
expect_unchanged $SE sh -c "echo N >$SE"

modguard status >/tmp/status.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/status.out
check "modguard status: fail-closed-pending, critical (exit 1)" \
	sh -c "[ $rc = 1 ] && grep -q '^guard: *fail-closed-pending' /tmp/status.out && grep -q '^loading: .*modules_disabled pending' /tmp/status.out"

# Between the steps: a module the kernel's keys verify loads (boot-time
# modules: udev's coldplug, modules-load.d)...
expect_ok insmod "$Q"
check "quota_tree is in the kernel, not tainted" sh -c "grep -q '^quota_tree ' /proc/modules && [ \"\$(cat /sys/module/quota_tree/taint)\" = '' ]"
expect_ok rmmod quota_tree
# ...and nothing else, by any path: the kernel itself refuses what its keys cannot verify.
dmesg_mark
expect_fail EKEYREJECTED insmod "$MG_MODULES/evil.ko"
expect_fail EKEYREJECTED sysload finit "$MG_MODULES/evil.ko"
expect_fail EKEYREJECTED sysload init "$MG_MODULES/evil.ko"
expect_fail EKEYREJECTED insmod /tmp/m/hello.ko
check "owner-signed hello: modguard load verifies it, the kernel refuses it (exit 1)" \
	sh -c 'modguard load /tmp/m/hello.ko >/tmp/load.out 2>&1; rc=$?; cat /tmp/load.out; [ $rc = 1 ] && grep -q "rejected the module" /tmp/load.out'
check "neither evil nor hello is in the kernel" sh -c "! grep -qE '^(evil|hello) ' /proc/modules"
if dmesg_since | grep -q MODGUARD-EVIL-LOADED; then
	not_ok "evil's marker never appeared in the kernel log"
else
	ok "evil's marker never appeared in the kernel log"
fi

# Step 2, as modguard-fallback.service runs it.
/usr/lib/modguard/modguard-boot settle >/tmp/settle.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/settle.out
check "modguard-boot settle: exit 0, says so" sh -c "[ $rc = 0 ] && grep -q 'modules_disabled = 1' /tmp/settle.out"
check "step 2: kernel.modules_disabled = 1" grep -qx 1 $MD
check "step 2: the pending marker is gone" test ! -e $PENDING
check "sig_enforce still on" grep -qx Y $SE
expect_fail EPERM insmod "$Q"
check "modules_disabled cannot be turned back off" sh -c "! echo 0 >$MD 2>/dev/null && grep -qx 1 $MD"
/usr/lib/modguard/modguard-boot settle >/tmp/settle2.out 2>&1
check "a second settle is a no-op (exit 0)" test $? = 0
modguard status >/tmp/status2.out 2>&1
rc=$?
check "modguard status: fail-closed, critical (exit 1)" sh -c "[ $rc = 1 ] && grep -q '^guard: *fail-closed\$' /tmp/status2.out"

# A symlink planted where the marker goes is not followed: its target stays
# as it was, and the fallback closes module loading at once instead.
echo keep >/tmp/victim
ln -s /tmp/victim $PENDING
expect_unchanged /tmp/victim /usr/lib/modguard/modguard-boot start
/usr/lib/modguard/modguard-boot start >/tmp/start2.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/start2.out
check "planted marker symlink: exit 1, named, modules_disabled set at once" \
	sh -c "[ $rc = 1 ] && grep -q 'fallback-pending' /tmp/start2.out && grep -q 'modules_disabled = 1' /tmp/start2.out && grep -qx keep /tmp/victim"
rm -f $PENDING
done_testing
