#!/bin/sh
# Boot 8: root took bpf out of lsm= and masked modguard.service and
# modguard-fallback.service through GRUB's files (planted by
# stage-genmask.sh).  No BPF LSM, so no guard: the trusted program in the
# initramfs applies the boot fallback itself, before udev, and the first
# step needs no unit: module.sig_enforce = 1, so only modules the kernel's
# own keys verify can load.  With the fallback unit masked,
# kernel.modules_disabled stays 0, but the guarantee holds: evil, and even
# the owner's module, are refused.  At the end root's drop-in goes.
. /tests/lib.sh
. /tests/lib-system.sh

check "bpf is not an active LSM (lsm= from root's GRUB drop-in)" sh -c \
	'! grep -qw bpf /sys/kernel/security/lsm && test -f /etc/default/grub.d/zz-mg-nobpf.cfg'
check "both units are masked on the command line" sh -c \
	'[ "$(systemctl show -P LoadState modguard.service)" = masked ] &&
	 [ "$(systemctl show -P LoadState modguard-fallback.service)" = masked ]'
sed 's/^/#   /' /run/initramfs/modguard.log
check "the guard is not running" test ! -e /sys/fs/bpf/modguard/admitted
check "the initramfs's trusted program applied the fallback, and said so" \
	grep -q 'WARNING: guard not running: set module.sig_enforce = 1' /run/initramfs/modguard.log
check "module.sig_enforce = 1" grep -qx Y /sys/module/module/parameters/sig_enforce
check "module.sig_enforce cannot be turned off again" sh -c \
	'! echo 0 >/sys/module/module/parameters/sig_enforce 2>/dev/null && grep -qx Y /sys/module/module/parameters/sig_enforce'
check "udev loaded e1000 (signed by the kernel's keys)" module_loaded e1000
check "modprobe of a Debian module on demand (e1000e)" sh -c 'modprobe e1000e && grep -q "^e1000e " /proc/modules'
# Unsigned: the kernel's own signature check refuses it (ENOKEY or EKEYREJECTED).
expect_refused '!0' 'Key was rejected|Required key not available|EKEYREJECTED|ENOKEY' "insmod of evil is refused by module.sig_enforce" \
	insmod /modules/evil.ko
expect_refused '!0' 'Key was rejected|Required key not available|EKEYREJECTED|ENOKEY' "raw finit of evil is refused by module.sig_enforce" \
	sysload finit /modules/evil.ko
check "evil never loaded" evil_never_loaded
check "no unsigned or out-of-tree taint after the attempts (bits E and O clear)" taint_clean
# The owner's key is not a kernel key: without the guard, its module waits.
expect_refused '!0' 'Key was rejected|Required key not available|EKEYREJECTED|ENOKEY' "the owner's hello is refused too (availability, not the guarantee)" \
	modprobe hello
modguard status >/tmp/status.txt 2>&1
rc=$?
sed 's/^/#   /' /tmp/status.txt
check "modguard status says the guard is not running, exit non-zero ($rc)" sh -c \
	"[ $rc != 0 ] && ! grep -q '^guard: *running' /tmp/status.txt"

grub_unplant nobpf
sync
done_testing
