#!/bin/sh
# Boot 3, after the attacks: the guard is back first, evil never loaded (the
# modules-load.d entry was refused), every protected file unchanged.  Then
# root rebuilds the initramfs so that it loads evil (the guard starts there first).
. /tests/lib.sh
. /tests/lib-system.sh

check "modguard.service is active" systemctl is-active --quiet modguard.service
# This boot has modguard.debug: guard start logged each step's time, the
# sweep for writable shared mappings among them, at its place in a real boot.
journalctl -b -q -u modguard.service -o cat >/tmp/unit.log
steps=$(grep -Ec ': [0-9.]+ ms$' /tmp/unit.log)
sweep=$(sed -n 's/.*sweep for writable shared mappings: \([0-9.]*\) ms$/\1/p' /tmp/unit.log | tail -n1)
check "modguard.debug: guard start logged its steps' times ($steps lines)" test "$steps" -ge 5
if [ -n "$sweep" ]; then
	ok "modguard.debug: the sweep's time is logged"
	figure guard_sweep_ms "$sweep"
	figure guard_steps_ms "$(awk -F': ' '/: [0-9.]+ ms$/ { sub(/ ms$/, "", $NF); s += $NF } END { printf "%.1f", s }' /tmp/unit.log)"
else
	not_ok "modguard.debug: the sweep's time is logged"
	sed 's/^/#   /' /tmp/unit.log
fi
check "the guard is running and sealed" guard_sealed
# The start in the initramfs, with modguard.debug: its steps' times.
early_ms=$(awk -F': ' '/: [0-9.]+ ms$/ { sub(/ ms$/, "", $NF); s += $NF } END { printf "%.1f", s }' /run/initramfs/modguard.log 2>/dev/null)
if grep -q '^guard started in the initramfs' /run/initramfs/modguard.log 2>/dev/null && [ "${early_ms%.*}" -gt 0 ] 2>/dev/null; then
	ok "modguard.debug: the start in the initramfs logged its steps' times"
	figure guard_early_steps_ms "$early_ms"
else
	not_ok "modguard.debug: the start in the initramfs logged its steps' times"
	sed 's/^/#   /' /run/initramfs/modguard.log 2>/dev/null
fi
check "evil never loaded" evil_never_loaded
check "systemd-modules-load tried evil and the guard refused it" sh -c \
	'journalctl -b -q -u systemd-modules-load.service | grep -i "evil" | grep -qi "not permitted"'
check "the guard counted the refusal" sh -c '! modguard guard status | grep -qx "denied: 0"'
protected_states >/tmp/states.now
if cmp -s "$STATES" /tmp/states.now; then ok "every protected file unchanged after reboot"; else
	not_ok "every protected file unchanged after reboot"; diff "$STATES" /tmp/states.now | sed 's/^/#   /'; fi
modguard status >/tmp/status.txt 2>&1
rc=$?
sed 's/^/#   /' /tmp/status.txt
check "modguard status: clean (exit 0)" test $rc = 0
check "hello (admitted at boot) still loads" modprobe hello
# The kernel upgrade hook (as the kernel's postinst runs it): names what the guard would refuse.
/etc/kernel/postinst.d/zz-modguard "$KVER" "/boot/vmlinuz-$KVER" >/tmp/hook.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/hook.out
check "kernel postinst hook exits 0" test $rc = 0
check "kernel postinst hook names evil as refused, not hello or mgdkms" sh -c \
	'grep -q "evil.ko" /tmp/hook.out && grep -q WARNING /tmp/hook.out && ! grep -Eq "(hello|mgdkms).ko: FAIL" /tmp/hook.out'
check "kernel postinst hook says the guard starts on $KVER (guard check)" \
	grep -q "modguard: $KVER: guard: starts" /tmp/hook.out
check "kernel postinst hook warns loudly of a kernel the guard cannot start on" sh -c \
	'! grep -q "will NOT start" /tmp/hook.out'

# The initramfs attack: the image and its regeneration are not protected
# (kernel upgrades and every package with an initramfs hook rewrite it), so
# root can rebuild it; the hook warns, and the next boot must report it.
echo evil >>/etc/initramfs-tools/modules
update-initramfs -u -k "$KVER" >/tmp/initramfs.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/initramfs.out
if [ $rc = 0 ]; then
	say "initramfs attack: update-initramfs with evil succeeded (not refused: the image is not sealed yet; the guard in it refuses evil at the next boot)"
	check "the initramfs now holds evil" sh -c "lsinitramfs /boot/initrd.img-$KVER | grep -q 'evil.ko'"
	check "the modguard initramfs hook warned about the unsigned module" grep -q "modguard: WARNING: .*evil.ko.*unsigned" /tmp/initramfs.out
else
	say "initramfs attack: refused"
	ok "initramfs rebuild refused"
fi
. /tests/initrd-read.sh
check "evil still not loaded in this boot" evil_never_loaded
done_testing
