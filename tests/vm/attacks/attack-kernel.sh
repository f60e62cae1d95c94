#!/bin/sh
# Kernel integrity: kexec, /dev/mem, /dev/port, MSRs, port I/O, hibernation,
# PCI config space: every integrity lockdown reason refused.  The guard's own
# reason, LOCKDOWN_MODULE_SIGNATURE, stays a per-module decision.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=kernel

mg_guard_up

attempt_refused "kexec_file_load of the running kernel" mgattack kexec-file "$MG_VMLINUZ"
attempt_refused "kexec_load" mgattack kexec-load
attempt_refused "write /dev/mem" mgattack dev-write /dev/mem 0x100000
attempt_refused "open /dev/mem read-only" dd if=/dev/mem of=/dev/null bs=1 count=1 skip=1048576
attempt_refused "write /dev/port" mgattack dev-write /dev/port 0x80
[ -e /dev/kmem ] && attempt_refused "write /dev/kmem" mgattack dev-write /dev/kmem 0
modprobe msr >/dev/null 2>&1
[ -e /dev/cpu/0/msr ] || { mkdir -p /dev/cpu/0; mknod /dev/cpu/0/msr c 202 0; }
attempt_refused "write an MSR (/dev/cpu/0/msr)" mgattack dev-write /dev/cpu/0/msr 0x10
attempt_refused "iopl(3)" mgattack iopl
attempt_refused "ioperm(0x80)" mgattack ioperm
attempt_refused "hibernate (echo disk >/sys/power/state)" sh -c "echo disk >/sys/power/state"
# Accepted, but software_resume() asks hibernation_available(), which asks
# the integrity lockdown reason: no image is ever read.
attempt_switch "resume from a hibernation image (echo 254:16 >/sys/power/resume)" sh -c "echo 254:16 >/sys/power/resume"
pci=$(ls -d /sys/bus/pci/devices/* 2>/dev/null | head -n 1)
[ -n "$pci" ] && attempt_refused "write PCI config space ($pci/config)" sh -c "printf '\\000' | dd of=$pci/config bs=1 seek=4 conv=notrunc"

_att_n=$((_att_n + 1))
if ! grep -qw disk /sys/power/state; then
	_att_blocked=$((_att_blocked + 1))
	ok "$FAMILY: /sys/power/state offers no hibernation ($(cat /sys/power/state)): BLOCKED"
else
	_att_bypassed=$((_att_bypassed + 1))
	not_ok "$FAMILY: /sys/power/state offers hibernation: BYPASSED"
fi

# Not blanket-denied: a module the kernel verifies with its own keys loads
# (the kernel asks LOCKDOWN_MODULE_SIGNATURE only for the others).
dmesg_mark
debian_leaf
if modprobe "$LEAF" >/tmp/leaf.out 2>&1 && module_loaded "$LEAF"; then
	ok "$FAMILY: LOCKDOWN_MODULE_SIGNATURE not blanket-denied: Debian-signed $LEAF loads"
	rmmod "$LEAF"
else
	not_ok "$FAMILY: Debian-signed ${LEAF:-(no leaf module)} loads"
	sed 's/^/#   /' /tmp/leaf.out
fi
mkdir -p /tmp/m
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello.ko "$MG_MODULES/hello.ko"
if modguard admit /tmp/m/hello.ko >/tmp/adm.out 2>&1 && insmod /tmp/m/hello.ko >>/tmp/adm.out 2>&1 && module_loaded hello; then
	ok "$FAMILY: LOCKDOWN_MODULE_SIGNATURE decided per load: an owner-signed, admitted module loads"
	rmmod hello
else
	not_ok "$FAMILY: an owner-signed, admitted module loads"
	sed 's/^/#   /' /tmp/adm.out
fi

attack_summary
done_testing
