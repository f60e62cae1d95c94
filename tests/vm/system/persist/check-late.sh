#!/bin/sh
# The boot after plant-late.sh (tests/vm/system/run --reboot-script): the
# guard came up first, both plants ran and evil never entered the kernel;
# the module the install command wraps still loads.  Then the plants go.
. /tests/lib.sh
. /tests/lib-system.sh

check "the guard is running and sealed" guard_sealed
check "the plants are in place" test -s /etc/modprobe.d/zz-plant.conf -a -x /etc/rc.local
check "rc.local ran in this boot" sh -c 'systemctl show -P InactiveExitTimestampMonotonic rc-local.service | grep -qv "^0*$"'
# udevd runs kmod's install command as it loads e1000 at coldplug; what the
# command printed is in udevd's journal.
check "udevd ran the install command, and its insmod of evil was refused" sh -c \
	'journalctl -b -q -u systemd-udevd.service | grep -i "evil" | grep -qi "not permitted"'
check "evil not in /sys/module" test ! -e /sys/module/evil
check "evil never loaded (/proc/modules, the kernel log)" evil_never_loaded
check "e1000 loaded all the same (the install command's second half)" module_loaded e1000
check "rc.local's insmod of evil was refused (its journal)" sh -c \
	'journalctl -b -q -u rc-local.service | grep -i "evil" | grep -qi "not permitted"'
# The kernel postinst hook, run as a kernel package's postinst runs the
# directory (the regex leaves out the image's rebuild, which this boot's
# later checks do not want).
rm -f /root/mg-postinst.log
check "run-parts runs /etc/kernel/postinst.d as a kernel's postinst does" \
	run-parts --regex '^00-mg-evil$' --arg="$KVER" --arg="/boot/vmlinuz-$KVER" /etc/kernel/postinst.d
sed 's/^/#   /' /root/mg-postinst.log 2>/dev/null
check "the postinst hook ran, and its insmod of evil was refused" sh -c \
	"grep -q '^ran $KVER rc=[1-9]' /root/mg-postinst.log && grep -qi 'not permitted' /root/mg-postinst.log"
check "evil never loaded after the hook" evil_never_loaded
check "remove the plants" rm -f /etc/modprobe.d/zz-plant.conf /etc/rc.local /etc/kernel/postinst.d/00-mg-evil
done_testing
