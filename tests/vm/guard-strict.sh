#!/bin/sh
# Policy loader_only = yes (strict): only the trusted program loads modules.
# Admitted modules are refused to busybox insmod/modprobe and raw finit_module;
# modguard load and modguard modprobe work, Debian modules included (the
# trusted program hands them to the kernel's own keys).
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d /tmp/m
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
# fast_kernel_hash = no: IMA keeps its boot-time (generic) SHA-256 for the guard.
printf 'mode = enforce\nloader_only = yes\nfast_kernel_hash = no\n' >/etc/modguard/policy
for m in hello params; do
	modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/$m.ko "$MG_MODULES/$m.ko"
done

expect_ok modguard guard start
modguard guard status >/tmp/status 2>&1
grep -q '^loader_only: yes' /tmp/status && ok "status shows loader_only yes" || not_ok "status shows loader_only yes"
# 7.x: IMA has no ahash path (no ahash_minsize) and SHA-256 is a library.
if [ ! -e /sys/module/ima/parameters/ahash_minsize ] && ! module_loaded sha256_ssse3 &&
	grep -q "^kernel_hash: IMA's boot-time transform (no ahash path in this kernel's IMA)" /tmp/status; then
	ok "fast_kernel_hash = no: no IMA ahash path in this kernel, named as such; sha256_ssse3 not loaded"
elif [ "$(cat /sys/module/ima/parameters/ahash_minsize)" = 0 ] && ! module_loaded sha256_ssse3 &&
	grep -q "^kernel_hash: IMA's boot-time transform" /tmp/status; then
	ok "fast_kernel_hash = no: IMA's ahash path unused, sha256_ssse3 not loaded"
else
	not_ok "fast_kernel_hash = no"
	sed 's/^/#   /' /tmp/status
fi
expect_ok modguard admit /tmp/m/hello.ko

dmesg_mark
expect_fail EPERM insmod /tmp/m/hello.ko
expect_fail EPERM sysload finit /tmp/m/hello.ko
expect_fail EPERM "$MG_KMOD/insmod" /tmp/m/hello.ko
expect_fail EPERM "$MG_KMOD/modprobe" vfat
expect_fail EPERM modprobe vfat
if module_loaded hello || module_loaded vfat; then not_ok "strict: nothing loaded by ordinary tools"; else ok "strict: nothing loaded by ordinary tools"; fi

expect_ok modguard load /tmp/m/hello.ko
expect_dmesg 'modguard-test: hello loaded' "strict: modguard load works"
expect_ok modguard modprobe vfat
if module_loaded vfat && module_loaded fat; then ok "strict: modguard modprobe loads Debian vfat and fat"; else not_ok "strict: modguard modprobe loads Debian vfat and fat"; fi
if modguard load "$MG_MODULES/evil.ko" >/tmp/out 2>&1; then not_ok "strict: modguard load still refuses unsigned evil"; else ok "strict: modguard load still refuses unsigned evil"; fi
if dmesg_since | grep -q MODGUARD-EVIL-LOADED; then not_ok "evil's marker never appeared"; else ok "evil's marker never appeared"; fi

done_testing
