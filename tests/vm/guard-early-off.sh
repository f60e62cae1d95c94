#!/bin/sh
# vm-options: --early-guard --append modguard.off
# modguard.off on the kernel command line, with nobody at the console: root
# can write GRUB's files, so from the initramfs the maintenance boot needs a
# confirmation typed at the console.  None comes: after 30 s the guard
# starts, the fallback is refused while it runs (sig_enforce and
# modules_disabled unchanged), and the real root takes the guard over.
. /tests/lib.sh

L=/usr/lib/modguard/modguard-loader
check "modguard.off is on the kernel command line" grep -qw modguard.off /proc/cmdline
check "the initramfs asked at the console and, unanswered, started the guard" \
	grep -q 'modguard.off was not confirmed at the console: starting the guard' /root/mg-early.log
sed 's/^/#   early: /' /root/mg-early.log | grep -v 'digest\|^#   early: [fd] '
check "the guard runs" test -e /sys/fs/bpf/modguard/admitted
se=$(cat /sys/module/module/parameters/sig_enforce)
md=$(cat /proc/sys/kernel/modules_disabled)
fallback_refused() { # WHEN MESSAGE
	env -i "$L" guard fallback --boot >/tmp/fb.out 2>&1
	_rc=$?
	if [ $_rc -ne 0 ] && grep -q "$2" /tmp/fb.out &&
		[ "$(cat /sys/module/module/parameters/sig_enforce)" = "$se" ] &&
		[ "$(cat /proc/sys/kernel/modules_disabled)" = "$md" ]; then
		ok "guard fallback --boot $1 refused (exit $_rc); sig_enforce ($se) and modules_disabled ($md) unchanged"
	else
		not_ok "guard fallback --boot $1 refused (exit $_rc)"
		sed 's/^/#   /' /tmp/fb.out
	fi
}
# Before the hand-off the trusted program does nothing but the hand-off.
fallback_refused "before the hand-off" "has not completed its hand-off"
expect_fail EPERM sysload finit "$MG_MODULES/evil.ko"
module_loaded evil && not_ok "evil is not loaded" || ok "evil is not loaded"
# Legitimate: the hand-off, then an owner-signed module.
expect_ok env -i "$L" guard start --boot
fallback_refused "after the hand-off" "the guard is running: no maintenance boot in this boot"
mkdir -p /tmp/m
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello.ko "$MG_MODULES/hello.ko"
expect_ok modguard admit /tmp/m/hello.ko
expect_ok insmod /tmp/m/hello.ko
module_loaded hello && ok "an owner-signed hello loads" || not_ok "an owner-signed hello loads"
done_testing
