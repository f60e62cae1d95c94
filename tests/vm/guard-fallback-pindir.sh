#!/bin/sh
# Every way guard start can fail applies the fallback: here the pin
# directory cannot be made (bpffs mounted read-only before the start), a
# path that once returned without it and left modules unguarded.  guard
# start exits non-zero, names the directory and the error, and
# kernel.modules_disabled is 1: no module loads, signed or not.
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
printf 'mode = enforce\n' >/etc/modguard/policy
mountpoint -q /sys/fs/bpf && umount /sys/fs/bpf
mkdir -p /sys/fs/bpf
expect_ok mount -t bpf -o ro bpf /sys/fs/bpf
expect_fail EROFS mkdir /sys/fs/bpf/probe

modguard guard start >/tmp/out 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q '/sys/fs/bpf/modguard: Read-only file system' /tmp/out &&
	grep -q 'modules_disabled = 1' /tmp/out; then
	ok "guard start fails (exit $rc), names the pin directory, and applies the fallback"
else
	not_ok "guard start fails, names the pin directory, and applies the fallback (exit $rc)"
	sed 's/^/#   /' /tmp/out
fi
[ "$(cat /proc/sys/kernel/modules_disabled)" = 1 ] && ok "kernel.modules_disabled is 1" ||
	not_ok "kernel.modules_disabled is 1 ($(cat /proc/sys/kernel/modules_disabled))"
expect_fail EPERM insmod "$MG_MODULES/hello.ko"
expect_fail EPERM sysload finit "$MG_MODULES/evil.ko"
module_loaded evil && not_ok "evil is not loaded" || ok "evil is not loaded"
done_testing
