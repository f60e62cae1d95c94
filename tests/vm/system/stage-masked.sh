#!/bin/sh
# Boot 5, with "systemd.mask=modguard.service systemd.mask=modguard-fallback.service"
# on the kernel command line, as root could put there through GRUB's files.
# The guard was started in the initramfs, not by the unit: the masks only
# keep the hand-off from happening.  The initramfs's rules then hold for the
# whole boot: the modules the kernel's keys signed load, evil does not, the
# owner's module waits for an admission that cannot happen, and the guard
# cannot be switched off or swapped for the fallback.
. /tests/lib.sh
. /tests/lib-system.sh

check "both units are masked on the kernel command line" sh -c \
	'grep -qw systemd.mask=modguard.service /proc/cmdline && grep -qw systemd.mask=modguard-fallback.service /proc/cmdline'
check "systemd loaded modguard.service as masked, and it never ran" sh -c \
	'[ "$(systemctl show -P LoadState modguard.service)" = masked ] &&
	 [ "$(systemctl show -P ExecMainStartTimestampMonotonic modguard.service)" = 0 ]'
check "modguard-fallback.service is masked too, and never ran" sh -c \
	'[ "$(systemctl show -P LoadState modguard-fallback.service)" = masked ] &&
	 [ "$(systemctl show -P ExecMainStartTimestampMonotonic modguard-fallback.service)" = 0 ]'
check "the guard is running and sealed" guard_sealed
check "the initramfs started it" grep -q '^guard started in the initramfs' /run/initramfs/modguard.log
# The first clean exec of the trusted program at its path claims the hand-off
# (here modguard's own, for the status); without guard start --boot it stays
# unfinished, and the initramfs's rules hold.
modguard guard status >/tmp/gs.txt 2>&1
sed 's/^/#   /' /tmp/gs.txt
check "guard status: started in the initramfs, hand-off unfinished" \
	grep -q '^started: in the initramfs; hand-off REFUSED or unfinished' /tmp/gs.txt
check "the guard decides, not the fallback: kernel.modules_disabled = 0" grep -qx 0 /proc/sys/kernel/modules_disabled
check "udev loaded e1000 under the guard (signed by the kernel's keys)" module_loaded e1000
check "modprobe of a Debian module on demand (e1000e)" sh -c 'modprobe e1000e && grep -q "^e1000e " /proc/modules'

# The attacker's aims: evil in, the guard off.
expect_fail EPERM insmod /modules/evil.ko
expect_fail EPERM sysload finit /modules/evil.ko
check "evil never loaded" evil_never_loaded
check "no unsigned or out-of-tree taint after the attempts (bits E and O clear)" taint_clean
# Both run with no environment, as the guard wants any exec of the trusted
# program: the refusal is the program's own, not the guard's refusal of the exec.
expect_refused 1 'has not completed its hand-off' "the trusted program refuses to admit before the hand-off" \
	env -i /usr/lib/modguard/modguard-loader admit /modules/evil.ko
# An exec with an environment is the guard's to refuse (EPERM), before the program runs.
expect_fail EPERM /usr/lib/modguard/modguard-loader admit /modules/evil.ko
expect_refused 1 'has not completed its hand-off' "guard fallback is refused before the hand-off" \
	env -i /usr/lib/modguard/modguard-loader guard fallback
check "kernel.modules_disabled is still 0, module.sig_enforce unchanged" sh -c \
	"grep -qx 0 /proc/sys/kernel/modules_disabled && grep -qx N /sys/module/module/parameters/sig_enforce"
check "the guard's pins cannot be removed" sh -c \
	'! rm /sys/fs/bpf/modguard/admitted 2>/dev/null && test -e /sys/fs/bpf/modguard/admitted'
check "the self-protection's pins cannot be removed" sh -c \
	'! rm /sys/fs/bpf/modguard-protect/inodes 2>/dev/null && test -e /sys/fs/bpf/modguard-protect/inodes'
# The owner's module needs the hand-off, which the mask keeps from happening:
# it is refused, and said so (the price of the mask is availability only).
expect_fail EPERM modprobe hello
check "hello not loaded" sh -c '! grep -q "^hello " /proc/modules'
check "evil still refused at the end, and the guard still running" sh -c \
	'! insmod /modules/evil.ko 2>/dev/null && test -e /sys/fs/bpf/modguard/admitted'

# Root's next try, for the boot after (stage-offdefault.sh): the maintenance
# boot made the default through GRUB's files.
grub_plant off modguard.off
sync
done_testing
