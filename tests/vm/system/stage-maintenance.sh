#!/bin/sh
# Boot 5, the owner's maintenance boot ("modguard.off" on the kernel command
# line): the guard is not started and the boot fallback closes module
# loading instead, in two steps: module.sig_enforce = 1 at once, so udev's
# coldplug still loads the drivers the kernel's keys verify (e1000 for the
# emulated NIC), then kernel.modules_disabled = 1 from
# modguard-fallback.service, before sysinit.target.  The upgrade refused
# while locked now applies, and purge removes every trace of modguard and of
# modguard setup.
. /tests/lib.sh
. /tests/lib-system.sh

check "modguard.off is on the kernel command line" grep -qw modguard.off /proc/cmdline
check "the guard is not running" test ! -e /sys/fs/bpf/modguard/admitted
check "the initramfs had the maintenance boot confirmed at the console" \
	grep -q 'maintenance boot (modguard.off), confirmed at the console' /run/initramfs/modguard.log
check "fallback applied: kernel.modules_disabled = 1" grep -qx 1 /proc/sys/kernel/modules_disabled
check "fallback step 1 held: module.sig_enforce = 1" grep -qx Y /sys/module/module/parameters/sig_enforce
check "the unit said so loudly" sh -c 'journalctl -b -q -u modguard.service | grep -q "maintenance boot (modguard.off)" &&
	journalctl -b -q -u modguard.service | grep -q "module.sig_enforce = 1"'
check "modguard-fallback.service ran and said so" sh -c 'systemctl is-active -q modguard-fallback.service &&
	journalctl -b -q -u modguard-fallback.service | grep -q "boot-time modules loaded, set kernel.modules_disabled = 1"'
check "the boot-time modules loaded first: udev autoloaded e1000 (signed by the kernel's keys)" module_loaded e1000
check "modguard-fallback.service finished before sysinit.target" sh -c '
	a=$(systemctl show -P ExecMainExitTimestampMonotonic modguard-fallback.service)
	b=$(systemctl show -P ActiveEnterTimestampMonotonic sysinit.target)
	echo "fallback done at $a us, sysinit.target at $b us"; [ "$a" -gt 0 ] && [ "$a" -le "$b" ]'
check "no fallback step pending" test ! -e /run/modguard/fallback-pending
modguard status >/tmp/status.txt 2>&1
rc=$?
check "modguard status: maintenance, exit 1" sh -c "[ $rc = 1 ] && grep -q '^guard: *maintenance' /tmp/status.txt"
expect_fail EPERM modprobe e1000e
check "upgrade applies in the maintenance boot" dpkg -i /tests/modguard-up.deb
check "upgraded version installed" sh -c "dpkg-query -W -f='\${Version}' modguard | grep -q '+up1'"
check "the upgraded file is in place" grep -q '^# upgraded' /usr/lib/modguard/modguard-boot
check "purge" dpkg --purge modguard
for f in /etc/modguard /var/lib/modguard /etc/systemd/system/sysinit.target.wants/modguard.service \
	/etc/dkms/framework.conf.d/modguard.conf /usr/lib/modguard /usr/bin/modguard \
	/usr/lib/systemd/system/modguard.service /usr/lib/systemd/system/modguard-fallback.service \
	/etc/kernel/postinst.d/zz-modguard; do
	check "purge removed $f" test ! -e "$f"
done
# The same RestrictFileSystems= probe as in the guarded boot, with the BPF LSM
# active and no guard: tells whether systemd enforces it at all here.
if grep -qw bpf /sys/kernel/security/lsm; then
	r=$(run_unit rfs2 "$RFS_PROBE" -p "$RFS_PROPERTY")
	check "a unit with $RFS_PROPERTY starts and runs without the guard ($r)" sh -c "echo '$r' | grep -q 'rc='"
	rfs_report "maintenance boot, no guard" "$r"
	rm -f /root/rfs.out
fi
done_testing
