#!/bin/sh
# Policy trust_kernel_keys = no: the kernel's own keys are not enough.  Debian
# modules load only after modguard admit --tree admitted them against a trust
# store that holds the Debian key (extracted from the kernel image).
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d /tmp/m
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
expect_ok modguard keys extract-kernel -q -o /etc/modguard/trust.d "$MG_VMLINUZ"
printf 'mode = enforce\ntrust_kernel_keys = no   # admission for everything\n' >/etc/modguard/policy

expect_ok modguard guard start
modguard guard status >/tmp/status 2>&1
grep -q '^trust_kernel_keys: no' /tmp/status && ok "status shows trust_kernel_keys no" || not_ok "status shows trust_kernel_keys no"

# Before admission: Debian-signed modules are refused at kernel_read_file.
debian_leaf || not_ok "a leaf module of lib/ among Debian's (debian_leaf)"
crc7=$LEAF_FILE
expect_fail EPERM sysload finit "$crc7"
expect_fail EPERM insmod "$crc7"
expect_fail EPERM modprobe vfat
expect_fail EPERM "$MG_KMOD/modprobe" vfat
if module_loaded vfat || module_loaded fat || module_loaded "$LEAF"; then not_ok "no Debian module loaded"; else ok "no Debian module loaded"; fi

# Admit the whole Debian tree.
start=$(date +%s)
modguard admit --tree "$MG_KMODDIR/kernel" >/tmp/admit 2>&1
rc=$?
end=$(date +%s)
sed 's/^/# /' /tmp/admit | tail -n 3
say "modguard admit --tree over $(find "$MG_KMODDIR/kernel" -name '*.ko*' | wc -l) Debian modules in the VM: $((end - start)) s"
[ $rc = 0 ] && ok "admit --tree of the Debian tree exits 0" || not_ok "admit --tree of the Debian tree exits 0 (exit $rc)"

expect_ok sysload finit "$crc7"
case $crc7 in
*.ko.xz)
	# kmod 30 (Debian 12's) reads a compressed module itself and hands the
	# kernel a buffer: no file to hash, and with trust_kernel_keys = no the
	# kernel's keys vouch for nothing, so only the trusted program may.
	expect_fail EPERM "$MG_KMOD/modprobe" vfat
	expect_ok modguard modprobe vfat
	;;
*) expect_ok "$MG_KMOD/modprobe" vfat ;;
esac
if module_loaded vfat && module_loaded fat; then ok "vfat and fat loaded after admission"; else not_ok "vfat and fat loaded after admission"; fi
expect_ok modguard modprobe udf
module_loaded udf && ok "udf loaded through the trusted program" || not_ok "udf loaded through the trusted program"

# Still refused: anything not admitted.
dmesg_mark
expect_fail EPERM insmod "$MG_MODULES/evil.ko"
expect_fail EPERM sysload finit "$MG_MODULES/evil.ko"
if dmesg_since | grep -q MODGUARD-EVIL-LOADED || module_loaded evil; then not_ok "evil's marker never appeared"; else ok "evil's marker never appeared"; fi

done_testing
