#!/bin/sh
# vm-options: --early-guard --append modguard.off --console-input maintenance
# The owner's maintenance boot from the initramfs: modguard.off on the
# command line, and "maintenance" typed at the console when asked.  No
# guard; the boot fallback's first step holds at once (module.sig_enforce
# = 1), so the kernel's keys still load Debian's modules and nothing
# unsigned loads.
. /tests/lib.sh

check "the initramfs had the maintenance boot confirmed at the console" \
	grep -q 'maintenance boot (modguard.off), confirmed at the console: guard not started' /root/mg-early.log
sed 's/^/#   early: /' /root/mg-early.log
check "the guard is not running" test ! -e /sys/fs/bpf/modguard/admitted
check "fallback step 1: module.sig_enforce = 1" grep -qx Y /sys/module/module/parameters/sig_enforce
expect_fail EKEYREJECTED sysload finit "$MG_MODULES/evil.ko"
module_loaded evil && not_ok "evil is not loaded" || ok "evil is not loaded"
debian_leaf
expect_ok modprobe "$LEAF"
module_loaded "$LEAF" && ok "$LEAF (Debian-signed) loads in the maintenance boot" ||
	not_ok "$LEAF (Debian-signed) loads in the maintenance boot"
done_testing
