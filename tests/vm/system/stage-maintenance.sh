#!/bin/sh
# Boot 5, the owner's maintenance boot ("modguard.off" on the kernel command
# line): the guard is not started and the fallback closes module loading
# instead; the upgrade refused while locked now applies, and purge removes
# every trace of modguard and of modguard setup.
. /tests/lib.sh
. /tests/lib-system.sh

check "modguard.off is on the kernel command line" grep -qw modguard.off /proc/cmdline
check "the guard is not running" test ! -e /sys/fs/bpf/modguard/admitted
check "fallback applied: kernel.modules_disabled = 1" grep -qx 1 /proc/sys/kernel/modules_disabled
check "the unit said so loudly" sh -c 'journalctl -b -q -u modguard.service | grep -q "maintenance boot (modguard.off)"'
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
	/usr/lib/systemd/system/modguard.service /etc/kernel/postinst.d/zz-modguard; do
	check "purge removed $f" test ! -e "$f"
done
done_testing
