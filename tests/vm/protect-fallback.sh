#!/bin/sh
# vm-options: --append "lsm=lockdown,capability,yama"
# Fail closed: booted without the BPF LSM (tests/vm/attacks/run passes
# lsm= without bpf), `modguard guard start --boot` cannot start the guard.
# With fallback = none it says so and leaves modules alone; with the default
# fallback and trust_kernel_keys = no it sets kernel.modules_disabled = 1 at
# once (no two-step boot fallback: the kernel's keys are not enough for this
# policy) and says why and how to fix it.  The two-step fallback of
# trust_kernel_keys = yes is in tests/vm/guard-fallback-boot.sh.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=fallback

if grep -qw bpf /sys/kernel/security/lsm 2>/dev/null; then
	not_ok "$FAMILY: boot with an lsm= list without bpf for this script ($(cat /sys/kernel/security/lsm))"
	done_testing
fi
mg_install
printf 'mode = enforce\nfallback = none\n' >/etc/modguard/policy
modguard guard start --boot >/tmp/start1.out 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'lsm=' /tmp/start1.out && [ "$(cat /proc/sys/kernel/modules_disabled)" = 0 ]; then
	ok "$FAMILY: fallback = none: start fails (exit $rc), says how to fix it, modules stay enabled"
else
	not_ok "$FAMILY: fallback = none: exit $rc, modules_disabled $(cat /proc/sys/kernel/modules_disabled)"
fi
sed 's/^/#   /' /tmp/start1.out

check "$FAMILY: fallback = none left module.sig_enforce off" grep -qx N /sys/module/module/parameters/sig_enforce
printf 'mode = enforce\ntrust_kernel_keys = no\n' >/etc/modguard/policy
modguard guard start --boot >/tmp/start2.out 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'lsm=' /tmp/start2.out && grep -q 'modules_disabled = 1' /tmp/start2.out &&
	[ "$(cat /proc/sys/kernel/modules_disabled)" = 1 ] && [ ! -e /run/modguard/fallback-pending ]; then
	ok "$FAMILY: default fallback, trust_kernel_keys = no: start fails (exit $rc), kernel.modules_disabled = 1 at once, loud message"
else
	not_ok "$FAMILY: default fallback: exit $rc, modules_disabled $(cat /proc/sys/kernel/modules_disabled)"
fi
sed 's/^/#   /' /tmp/start2.out
debian_leaf
expect_fail EPERM modprobe "$LEAF"
check "modules_disabled cannot be turned back off" sh -c '! sysctl -w kernel.modules_disabled=0'

done_testing
