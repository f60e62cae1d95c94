#!/bin/sh
# Persistence attempts of root's, planted in the guarded boot
# (tests/vm/system/run --guarded-script): ways to load evil at the next boot
# that run after the guard is up.  check-late.sh (--reboot-script) proves
# at that boot that evil never entered the kernel, and removes the plants.
. /tests/lib.sh
. /tests/lib-system.sh

# udev loads e1000 at coldplug (the guest has an e1000 NIC): kmod runs the
# install command instead, which loads evil first, then e1000 itself.
check "plant: a modprobe.d install command for e1000 that loads evil first" sh -c \
	'echo "install e1000 /sbin/insmod /modules/evil.ko; /sbin/modprobe --ignore-install e1000" >/etc/modprobe.d/zz-plant.conf'
# systemd's rc-local generator runs an executable /etc/rc.local at every boot.
check "plant: an executable /etc/rc.local that loads evil" sh -c \
	'printf "#!/bin/sh\n/sbin/insmod /modules/evil.ko\nexit 0\n" >/etc/rc.local && chmod 755 /etc/rc.local'
# A kernel postinst hook: run as root by every kernel package's postinst.
check "plant: an /etc/kernel/postinst.d hook that loads evil" sh -c \
	'printf "#!/bin/sh\n/sbin/insmod /modules/evil.ko 2>>/root/mg-postinst.log\necho \"ran \$1 rc=\$?\" >>/root/mg-postinst.log\nexit 0\n" >/etc/kernel/postinst.d/00-mg-evil && chmod 755 /etc/kernel/postinst.d/00-mg-evil'
check "evil not loaded now either" evil_never_loaded
sync
done_testing
