#!/bin/sh
# Boot 6: root made the maintenance boot the default through GRUB's files
# ("modguard.off" in GRUB_CMDLINE_LINUX, planted at the end of stage-masked.sh).
# No one answers at the console, so the initramfs starts the guard as in any
# boot and modguard.service hands it over: a boot without the guard needs
# the owner at the console.  At the end, root's next try for the boot after:
# a generator that masks both of modguard's units (stage-genmask.sh).
. /tests/lib.sh
. /tests/lib-system.sh

check "modguard.off is on the command line, from root's GRUB drop-in" sh -c \
	'grep -qw modguard.off /proc/cmdline && test -f /etc/default/grub.d/zz-mg-off.cfg'
sed 's/^/#   /' /run/initramfs/modguard.log
check "the initramfs asked at the console, had no answer, and started the guard" sh -c \
	'grep -q "modguard.off was not confirmed at the console: starting the guard" /run/initramfs/modguard.log &&
	 grep -q "^guard started in the initramfs" /run/initramfs/modguard.log'
check "the guard started in the initramfs and was handed over" guard_from_initramfs
check "no maintenance boot: kernel.modules_disabled = 0, module.sig_enforce off" sh -c \
	'grep -qx 0 /proc/sys/kernel/modules_disabled && grep -qx N /sys/module/module/parameters/sig_enforce'
check "modguard-fallback.service did not run (nothing pending)" sh -c \
	'test ! -e /run/modguard/fallback-pending &&
	 [ "$(systemctl show -P ExecMainStartTimestampMonotonic modguard-fallback.service)" = 0 ]'
modguard status >/tmp/status.txt 2>&1
rc=$?
sed 's/^/#   /' /tmp/status.txt
check "modguard status: the guard running (exit $rc)" grep -q '^guard: *running' /tmp/status.txt
expect_fail EPERM insmod /modules/evil.ko
expect_fail EPERM sysload finit /modules/evil.ko
check "evil never loaded" evil_never_loaded
check "no unsigned or out-of-tree taint after the attempts (bits E and O clear)" taint_clean
check "the owner's hello (admitted at boot) loads" modprobe hello
check "udev loaded e1000 under the guard" module_loaded e1000

# Root's next try: a generator (it runs before any unit) that masks both
# units in /run/systemd/generator.early, the directory that overrides /etc.
grub_unplant off
mkdir -p /etc/systemd/system-generators
cat >/etc/systemd/system-generators/mg-mask <<'EOS'
#!/bin/sh
# $2: generator.early.  Masks modguard.service and modguard-fallback.service.
mkdir -p /run/mg-persist
for u in modguard.service modguard-fallback.service; do
	ln -sf /dev/null "$2/$u" 2>>/run/mg-persist/mask.err && echo "$u" >>/run/mg-persist/masked
done
echo ran >/run/mg-persist/generator
exit 0
EOS
chmod 755 /etc/systemd/system-generators/mg-mask
check "plant: a generator that masks both units in generator.early" test -x /etc/systemd/system-generators/mg-mask
sync
done_testing
