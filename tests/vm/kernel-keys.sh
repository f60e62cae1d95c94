#!/bin/sh
# vm-group: base
# modguard keys extract-kernel finds exactly the keys the running kernel
# built in, and with them modguard verify accepts every Debian module.
. /tests/lib.sh

kk=/tmp/kernel-keys
# Decompressing the image takes a while under TCG: extract once, list from the output.
start=$(cut -d' ' -f1 /proc/uptime)
modguard keys extract-kernel "$MG_VMLINUZ" -o "$kk" >/tmp/kk.out 2>&1
rc=$?
end=$(cut -d' ' -f1 /proc/uptime)
if [ $rc = 0 ]; then
	ok "modguard keys extract-kernel $MG_VMLINUZ -o $kk ($(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s)"
else
	not_ok "modguard keys extract-kernel $MG_VMLINUZ -o $kk (exit $rc)"
	sed 's/^/#   /' /tmp/kk.out
fi
n=$(ls "$kk" | grep -c '\.der$')
if [ "$n" -ge 1 ]; then ok "extracted $n certificate(s)"; else not_ok "extracted at least one certificate"; fi

# /proc/keys: "... asymmetri NAME: KEYID: X509.rsa ..." and the keyring line
# "... keyring   .builtin_trusted_keys: N".
sed -n "s|^$kk/[^:]*\.der: ||p" /tmp/kk.out >/tmp/kk.list
check "one line per written file" sh -c "[ \$(wc -l </tmp/kk.list) = $n ]"
while read -r desc; do
	if grep -q -F " asymmetri $desc: X509." /proc/keys; then
		ok "kernel has the key '$desc'"
	else
		not_ok "kernel has the key '$desc'"
		grep asymmetri /proc/keys | sed 's/^/#   /'
	fi
done </tmp/kk.list
links=$(sed -n 's/.* keyring *\.builtin_trusted_keys: \([0-9]*\).*/\1/p' /proc/keys)
if [ "$links" = "$n" ]; then
	ok ".builtin_trusted_keys holds $links key(s), as many as extracted"
else
	not_ok ".builtin_trusted_keys holds ${links:-?} key(s), $n extracted"
	grep -E 'keyring|asymmetri' /proc/keys | sed 's/^/#   /'
fi
for f in "$kk"/*.der; do
	base=$(basename "$f" .der)
	keyid=${base##*-}
	check "$base.der is named by the key id the kernel shows" grep -q -F ": $keyid:" /proc/keys
done

# Every module file, compressed or not (6.12 and later ship .ko.xz): a
# tree of a few thousand, never "all 0".  verify prints one line per file.
total=$(find "$MG_KMODDIR/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' | wc -l)
start=$(cut -d' ' -f1 /proc/uptime)
modguard verify -C "$kk" --tree "$MG_KMODDIR/kernel" >/tmp/kk.verify 2>&1
rc=$?
end=$(cut -d' ' -f1 /proc/uptime)
good=$(grep -c ': OK' /tmp/kk.verify)
if [ $rc = 0 ] && [ "$total" -ge 1000 ] && [ "$good" = "$total" ]; then
	ok "modguard verify accepts all $total Debian modules with the kernel's keys, $good OK lines ($(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s)"
else
	not_ok "modguard verify accepts all Debian modules with the kernel's keys (exit $rc, $total files, $good OK lines)"
	grep -v ': OK' /tmp/kk.verify | head -n 20 | sed 's/^/#   /'
fi

# One module, chosen by property on every kernel: a leaf of lib/.
debian_leaf || not_ok "a leaf module of lib/ among Debian's (debian_leaf)"
mod=$LEAF_FILE
case $mod in
*.xz) xzcat "$mod" >/tmp/one.ko ;;
*) cp "$mod" /tmp/one.ko ;;
esac
check "control: $(basename "$mod") verifies with the kernel's keys, as shipped and decompressed" \
	sh -c "modguard verify -q -C '$kk' '$mod' && modguard verify -q -C '$kk' /tmp/one.ko"
check "a Debian module does not verify against the owner's key" \
	sh -c "! modguard verify -q -C '$MG_KEYS/owner.crt' '$mod'"
printf '\377' | dd of=/tmp/one.ko bs=1 seek=100 conv=notrunc 2>/dev/null
check "a Debian module with one byte changed does not verify" \
	sh -c "! modguard verify -q -C '$kk' /tmp/one.ko"
check "a file that is no kernel gives no keys" sh -c '! modguard keys extract-kernel /bin/busybox'

done_testing
