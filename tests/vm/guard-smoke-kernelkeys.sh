#!/bin/sh
# The default policy (trust_kernel_keys = yes) on any Debian kernel, with
# Debian's modules only (see guard-smoke.sh):
# - a Debian module loads without admission, by finit_module as shipped
#   (MODULE_INIT_COMPRESSED_FILE for .ko.xz: READING_MODULE_COMPRESSED on
#   7.x), by finit_module of its decompressed bytes, and by init_module of
#   them (the kernel's keys verify it: rule a);
# - the same module without its signature is refused by all three paths;
# - the owner's own certificate is not needed for any of it.
. /tests/lib.sh

debian_leaf && ok "module for the test: $LEAF ($LEAF_FILE)" || { not_ok "no leaf module of lib/ among Debian's (debian_leaf)"; done_testing; }
mod=$LEAF file=$LEAF_FILE
mkdir -p /etc/modguard/trust.d /tmp/s
case $file in
*.xz) xzcat "$file" >/tmp/s/plain.ko ;;
*) cp "$file" /tmp/s/plain.ko ;;
esac
cp /tmp/s/plain.ko /tmp/s/unsigned.ko
expect_ok modguard strip -q /tmp/s/unsigned.ko
expect_ok modguard guard start

loads() {
	expect_ok "$@"
	module_loaded "$mod" && ok "$mod loaded ($*)" || not_ok "$mod loaded ($*)"
	expect_ok sysload delete "$mod"
}
loads sysload finit "$file"
loads sysload finit /tmp/s/plain.ko
loads sysload init /tmp/s/plain.ko
expect_fail EPERM sysload finit /tmp/s/unsigned.ko
expect_fail EPERM sysload init /tmp/s/unsigned.ko
module_loaded "$mod" && not_ok "unsigned $mod not loaded" || ok "unsigned $mod not loaded"
modguard guard status >/tmp/status 2>&1
grep -q 'allowed .*kernel-keys' /tmp/status && grep -q 'denied .*' /tmp/status &&
	ok "guard status: kernel-keys allowances and the refusals listed" ||
	{ not_ok "guard status lists the decisions"; sed 's/^/#   /' /tmp/status; }
done_testing
