#!/bin/sh
# Boot 7: root's generator (planted by stage-offdefault.sh) masked
# modguard.service and modguard-fallback.service in
# /run/systemd/generator.early, where a mask overrides every unit file.
# The guard was started in the initramfs before systemd ran any generator,
# so the masks only keep the hand-off from happening: the initramfs's rules
# hold all boot.  At the end, root's next try: bpf taken out of lsm= and
# both units masked, through GRUB's files (stage-nobpf.sh).
. /tests/lib.sh
. /tests/lib-system.sh

check "root's generator ran in this boot" test -f /run/mg-persist/generator
sed 's/^/#   /' /run/mg-persist/masked /run/mg-persist/mask.err 2>/dev/null
if [ "$(systemctl show -P LoadState modguard.service)" = masked ]; then
	say "generator mask: modguard.service is masked (the guard from the initramfs is not handed over)"
	check "the mask is the generator's" test -L /run/systemd/generator.early/modguard.service
	check "modguard.service never ran" sh -c \
		'[ "$(systemctl show -P ExecMainStartTimestampMonotonic modguard.service)" = 0 ]'
	check "modguard-fallback.service is masked too, and never ran" sh -c \
		'[ "$(systemctl show -P LoadState modguard-fallback.service)" = masked ] &&
		 [ "$(systemctl show -P ExecMainStartTimestampMonotonic modguard-fallback.service)" = 0 ]'
	modguard guard status >/tmp/gs.txt 2>&1
	sed 's/^/#   /' /tmp/gs.txt
	check "guard status: started in the initramfs, hand-off unfinished" \
		grep -q '^started: in the initramfs; hand-off REFUSED or unfinished' /tmp/gs.txt
	expect_fail EPERM modprobe hello
else
	say "generator mask: not in effect (modguard.service: $(systemctl show -P LoadState modguard.service)); the unit handed the guard over"
	check "the guard started in the initramfs and was handed over" guard_from_initramfs
fi
check "the guard is running and sealed" guard_sealed
check "the initramfs started it" grep -q '^guard started in the initramfs' /run/initramfs/modguard.log
check "the guard decides, not the fallback: kernel.modules_disabled = 0" grep -qx 0 /proc/sys/kernel/modules_disabled
check "udev loaded e1000 under the guard (signed by the kernel's keys)" module_loaded e1000
expect_fail EPERM insmod /modules/evil.ko
expect_fail EPERM sysload finit /modules/evil.ko
check "evil never loaded" evil_never_loaded
check "no unsigned or out-of-tree taint after the attempts (bits E and O clear)" taint_clean
expect_refused 1 'has not completed its hand-off|the guard is running: no fallback in this boot' "guard fallback is refused" \
	env -i /usr/lib/modguard/modguard-loader guard fallback

# Root's next try: the BPF LSM taken out of lsm= (the kernel takes the last
# lsm=), and both units masked, so that neither the guard nor the fallback's
# second step can run.
check "remove the generator" rm -f /etc/systemd/system-generators/mg-mask
nobpf=$(tr ',' '\n' </sys/kernel/security/lsm | grep -vx bpf | paste -sd, -)
grub_plant nobpf "lsm=$nobpf systemd.mask=modguard.service systemd.mask=modguard-fallback.service"
sync
done_testing
