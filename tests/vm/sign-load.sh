#!/bin/sh
# vm-group: base
# modguard sign and verify inside the guest, and what the kernel makes of a
# module signed with a key it does not know: it loads, tainted E.
. /tests/lib.sh

mkdir -p /tmp/sl
cp "$MG_MODULES/hello.ko" /tmp/sl/hello.ko

expect_ok modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" /tmp/sl/hello.ko
check "the signature trailer is in place" \
	sh -c 'tail -c 28 /tmp/sl/hello.ko | grep -q "~Module signature appended~"'
modguard info /tmp/sl/hello.ko >/tmp/sl/info 2>&1
if grep -q 'signer:.*modguard test owner' /tmp/sl/info; then
	ok "modguard info names the signer"
else
	not_ok "modguard info names the signer"
	sed 's/^/#   /' /tmp/sl/info
fi
expect_ok modguard verify -C "$MG_KEYS/owner.crt" /tmp/sl/hello.ko
check "verify fails against a stranger's key" \
	sh -c '! modguard verify -q -C "$MG_KEYS/untrusted.crt" /tmp/sl/hello.ko'
check "verify fails for the unsigned module" \
	sh -c '! modguard verify -q -C "$MG_KEYS/owner.crt" "$MG_MODULES/hello.ko"'
cp /tmp/sl/hello.ko /tmp/sl/flipped.ko
printf '\377' | dd of=/tmp/sl/flipped.ko bs=1 seek=4096 conv=notrunc 2>/dev/null
check "verify fails after one byte changed" \
	sh -c '! modguard verify -q -C "$MG_KEYS/owner.crt" /tmp/sl/flipped.ko'

# The kernel prints the taint messages once per boot, for the first module
# that earns them; if an earlier script got there first, the per-module taint
# flags still tell.
first=0
[ $(($(cat /proc/sys/kernel/tainted) & 8192)) = 0 ] && first=1
dmesg_mark
expect_ok insmod /tmp/sl/hello.ko
expect_dmesg 'modguard-test: hello loaded' "the owner-signed module ran"
if [ $first = 1 ]; then
	expect_dmesg 'hello: module verification failed: signature and/or required key missing - tainting kernel' \
		"the kernel logs that it could not verify the signature"
else
	diag "an earlier module already logged 'module verification failed' in this boot"
	check "the kernel logged 'module verification failed' in this boot" \
		sh -c 'dmesg | grep -q "module verification failed: signature and/or required key missing - tainting kernel"'
fi
check "hello is tainted OE (out of tree, unverified signature)" grep -qx OE /sys/module/hello/taint
check "the kernel is tainted E" sh -c '[ $(($(cat /proc/sys/kernel/tainted) & 8192)) != 0 ]'
expect_ok rmmod hello

expect_ok modguard strip -q /tmp/sl/hello.ko
check "strip gives back the original bytes" cmp /tmp/sl/hello.ko "$MG_MODULES/hello.ko"

done_testing
