#!/bin/sh
# vm-options: --early-guard
# The hand-off from a guard started in the initramfs, against root on the
# real root before it (a generator, an early unit):
#  - the trusted program's file with other content (one byte changed, same
#    size: the IMA hash decides) is not handed the guard;
#  - a configuration changed on the real root (a key of the attacker's added
#    to the trust store, the policy edited) makes the hand-off refuse: the
#    guard keeps the initramfs's rules, nothing is admitted, and the changed
#    files are protected from then on.
# Legitimate work that needs no admission (Debian's modules) goes on.
. /tests/lib.sh

L=/usr/lib/modguard/modguard-loader
mkdir -p /tmp/m
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello.ko "$MG_MODULES/hello.ko"
# The attacker's key: the harness's "untrusted" one, which the store lacks.
cp "$MG_KEYS/untrusted.crt" /tmp/m/att.crt
modguard sign -q -k "$MG_KEYS/untrusted.key" -c /tmp/m/att.crt -o /tmp/m/evil-att.ko "$MG_MODULES/evil.ko"
check "evil signed by the attacker's key exists" test -s /tmp/m/evil-att.ko

# ---- Same size, other content --------------------------------------------
size=$(stat -c %s "$L")
last=$(od -An -tu1 -j $((size - 1)) -N1 "$L" | tr -d ' ')
cp "$L" /tmp/orig
printf "\\$(printf %o $(((last + 1) % 256)))" | dd of="$L" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
if [ "$(stat -c %s "$L")" = "$size" ] && ! cmp -s "$L" /tmp/orig; then
	ok "the trusted program's file: last byte changed, size kept ($size)"
else
	not_ok "the trusted program's file: last byte changed, size kept"
fi
env -i "$L" guard start --boot >/tmp/claim.out 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'not the trusted one' /tmp/claim.out; then
	ok "a file at the trusted program's path with other content is not handed the guard (exit $rc)"
else
	not_ok "a file at the trusted program's path with other content is not handed the guard (exit $rc)"
	sed 's/^/#   /' /tmp/claim.out
fi
cat /tmp/orig >"$L"
cmp -s "$L" /tmp/orig && ok "the trusted program's content restored" || not_ok "the trusted program's content restored"

# ---- The configuration changed before the hand-off -----------------------
cp /tmp/m/att.crt /etc/modguard/trust.d/attacker.crt
echo "# edited before the hand-off" >>/etc/modguard/policy
expect_refused 1 'hand-off refused: the configuration in /etc/modguard is not the one the initramfs holds' \
	"hand-off refused: the configuration is not the initramfs's" env -i "$L" guard start --boot
# The trusted program does nothing else until a hand-off succeeds.
for c in "admit /tmp/m/evil-att.ko" "load /tmp/m/evil-att.ko" "admit /tmp/m/hello.ko"; do
	expect_refused 1 'has not completed its hand-off' "modguard $c refused before a hand-off" modguard $c
done
expect_fail EPERM insmod /tmp/m/evil-att.ko
module_loaded evil && not_ok "evil (signed by the attacker's added key) is not loaded" ||
	ok "evil (signed by the attacker's added key) is not loaded"
expect_fail EPERM insmod /tmp/m/hello.ko
module_loaded hello && not_ok "hello (not admitted) is not loaded" || ok "hello (not admitted) is not loaded"
# The real root's files were taken over before the check: they stay as found.
expect_unchanged /etc/modguard/trust.d/attacker.crt rm -f /etc/modguard/trust.d/attacker.crt
expect_unchanged /etc/modguard/policy sh -c 'echo "mode = permissive" >>/etc/modguard/policy'
expect_refused 1 'hand-off refused: the configuration' "a second try is refused the same way" \
	env -i "$L" guard start --boot
# Legitimate: Debian's modules still load by the kernel's keys.
debian_leaf
expect_ok modprobe "$LEAF"
module_loaded "$LEAF" && ok "$LEAF (Debian-signed) loads" || not_ok "$LEAF (Debian-signed) loads"
done_testing
