#!/bin/sh
# The boot after plant-boot.sh (tests/vm/system/run --reboot-script): the
# guard started in the initramfs, every plant ran and tried to load evil,
# every try failed, and evil never entered the kernel.  Then the plants go
# (the initramfs plant stays in this boot's image; its source goes).
. /tests/lib.sh
. /tests/lib-system.sh

LOG=/run/mg-persist/log
check "the guard started in the initramfs and was handed over" guard_from_initramfs
sed 's/^/#   /' $LOG 2>/dev/null
# Each vector: it ran (its line is there) and its load failed.
for v in generator early-unit ld-so-preload default-environment sbin-init init-param \
	udev-rule udevd-dropin initramfs-script; do
	line=$(grep "^$v rc=" $LOG 2>/dev/null | head -n1)
	if [ -z "$line" ]; then
		not_ok "$v: the plant ran at boot"
	elif echo "$line" | grep -q "^$v rc=0 "; then
		not_ok "$v: the plant ran at boot and its insmod of evil FAILED to be refused: $line"
	else
		ok "$v: the plant ran at boot; its insmod of evil was refused (${line#"$v "})"
	fi
done
# systemd loads autofs4 itself only when it is a module not yet loaded.
line=$(grep "^modprobe-autofs4 rc=" $LOG 2>/dev/null | head -n1)
if [ -n "$line" ]; then
	echo "$line" | grep -q "rc=0 " && not_ok "modprobe-autofs4: evil loaded: $line" ||
		ok "modprobe-autofs4: systemd ran the install command; its insmod of evil was refused"
else
	say "modprobe-autofs4: systemd did not load autofs4 in this boot (built in or loaded earlier): the install command did not run"
	ok "modprobe-autofs4: nothing ran, nothing loaded"
fi
check "/etc/modules: systemd-modules-load tried evil and the guard refused it" sh -c \
	'journalctl -b -q -u systemd-modules-load.service | grep -i "evil" | grep -qi "not permitted"'
check "evil not in /sys/module" test ! -e /sys/module/evil
check "evil never loaded (/proc/modules, the kernel log)" evil_never_loaded
check "the init= plant is what the boot ran" grep -q 'init=/usr/local/sbin/mg-evil-init' /proc/cmdline

# The plants go.
systemctl disable mg-evil-early.service >/dev/null 2>&1
check "remove the plants" sh -c '
	rm -f /etc/systemd/system-generators/mg-evil /etc/systemd/system/mg-evil-early.service \
		/etc/modprobe.d/zz-mg-autofs4.conf /etc/ld.so.preload /etc/systemd/system.conf.d/mg-evil.conf \
		/usr/local/sbin/mg-evil-init /etc/udev/rules.d/99-mg-evil.rules \
		/etc/systemd/system/systemd-udevd.service.d/mg-evil.conf \
		/etc/initramfs-tools/hooks/mg-evil /etc/initramfs-tools/scripts/init-premount/mg-evil &&
	sed -i "/^evil\$/d" /etc/modules &&
	rm -f /sbin/init && cp -a /root/mg-sbin-init.orig /sbin/init'
check "/sbin/init is systemd's again" sh -c 'test "$(readlink -f /sbin/init)" = "$(readlink -f /lib/systemd/systemd)"'
grub_unplant init
sync
done_testing
