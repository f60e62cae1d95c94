#!/bin/sh
# vm-group: base
# The kernel boots with the BPF LSM active, and without the guard the test
# modules load and unload as usual through every path: busybox insmod/rmmod,
# modprobe with dependencies, raw finit_module/init_module.  Also the "before"
# picture: the evil module loads and runs.
. /tests/lib.sh

# ---- The kernel and the guest --------------------------------------------------
if grep -qw bpf /sys/kernel/security/lsm; then
	ok "BPF LSM active: $(cat /sys/kernel/security/lsm)"
else
	not_ok "BPF LSM active (lsm=$(cat /sys/kernel/security/lsm 2>&1))"
fi
check "securityfs, bpffs, debugfs and tmpfs mounted" \
	sh -c 'grep -q " /sys/kernel/security securityfs " /proc/mounts &&
		grep -q " /sys/fs/bpf bpf " /proc/mounts &&
		grep -q " /sys/kernel/debug debugfs " /proc/mounts &&
		grep -q " /tmp tmpfs " /proc/mounts'
check "the Debian module tree is at $MG_KMODDIR" test -s "$MG_KMODDIR/modules.dep"
check "the running kernel's image is at $MG_VMLINUZ" test -s "$MG_VMLINUZ"

# ---- insmod / rmmod -------------------------------------------------------------
dmesg_mark
expect_ok insmod "$MG_MODULES/hello.ko"
check "hello is in /proc/modules" module_loaded hello
expect_dmesg 'modguard-test: hello loaded' "hello's init ran"
check "hello is tainted O (out of tree)" grep -q O /sys/module/hello/taint
expect_fail EEXIST insmod "$MG_MODULES/hello.ko"
expect_ok rmmod hello
check "hello is gone" sh -c '! grep -q "^hello " /proc/modules'

# ---- A module without module_exit is permanent ---------------------------------------
expect_ok insmod "$MG_MODULES/permanent.ko"
check "/proc/modules marks permanent [permanent]" grep -q '^permanent .*\[permanent\]' /proc/modules
expect_fail EBUSY rmmod permanent
expect_fail EBUSY sysload delete permanent
check "permanent is still loaded" module_loaded permanent

# ---- Dependencies ------------------------------------------------------------------
expect_fail ENOENT insmod "$MG_MODULES/dep_b.ko"
dmesg_mark
expect_ok modprobe dep_b
check "modprobe loaded dep_a first" module_loaded dep_a
expect_dmesg 'dep_b loaded, dep_a says 42' "dep_b called into dep_a"
expect_fail EAGAIN rmmod dep_a
expect_ok modprobe -r dep_b
check "modprobe -r removed both" sh -c '! grep -q "^dep_[ab] " /proc/modules'

# ---- Parameters --------------------------------------------------------------------
dmesg_mark
expect_ok insmod "$MG_MODULES/params.ko" word=guard number=7
expect_dmesg 'params word=guard number=7' "the parameters reached the module"
check "params shows word=guard in sysfs" grep -qx guard /sys/module/params/parameters/word
expect_ok rmmod params

# ---- Raw syscalls ----------------------------------------------------------------
expect_ok sysload finit "$MG_MODULES/hello.ko"
expect_ok sysload delete hello
dmesg_mark
expect_ok sysload init "$MG_MODULES/params.ko" "word=raw"
expect_dmesg 'params word=raw' "init_module passed the parameters"
expect_ok sysload delete params
expect_fail ENOENT sysload delete no_such_module

# ---- A Debian module, signed by the kernel's own key -------------------------------
expect_ok modprobe crc7
check "crc7 (Debian-signed) loaded without taint" sh -c '[ -z "$(cat /sys/module/crc7/taint)" ]'
expect_ok modprobe -r crc7

# ---- Without the guard, the rootkit gets in ---------------------------------------------
dmesg_mark
expect_ok insmod "$MG_MODULES/evil.ko"
expect_dmesg 'MODGUARD-EVIL-LOADED' "evil's init ran (no guard yet)"
expect_ok rmmod evil

done_testing
