#!/bin/sh
# vm-options: --early-guard
# Forging the guard's pins before the hand-off.  The trusted program finds
# the guard by its pins (/sys/fs/bpf/modguard).  Before the hand-off the
# real root's files are not protected yet, and the initramfs's init moves
# mounts, so the mounts may move while the guard is in the initramfs's
# hands.  If that lasted past the switch to the real root (a boot with
# modguard.service masked keeps the hand-off from happening, all boot),
# root could move /sys away, put a bpffs of its own where the pins were,
# with an "identity" that says the hand-off is done, and a trust store of
# its own on the real root: the trusted program would then verify the
# attacker's module against the attacker's key and load it.
#
# Each attempt to hide or replace the pins must fail, the pins and their
# mount must be unchanged, and the module must not load; the hand-off still
# works afterwards.
. /tests/lib.sh

L=/usr/lib/modguard/modguard-loader
P=/sys/fs/bpf/modguard
mkdir -p /tmp/m /mnt/s /mnt/x
cp "$MG_KEYS/untrusted.crt" /tmp/m/att.crt
modguard sign -q -k "$MG_KEYS/untrusted.key" -c /tmp/m/att.crt -o /tmp/m/evil-att.ko "$MG_MODULES/evil.ko"
check "evil signed by the attacker's key exists" test -s /tmp/m/evil-att.ko
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello.ko "$MG_MODULES/hello.ko"

# What must not change: the pins' bpffs mount and the identity pin's inode.
pins_state() { echo "$(stat -c '%d %i' $P/identity $P/admitted 2>&1) $(awk '$5 == "/sys/fs/bpf" { print $1, $3, $9 }' /proc/self/mountinfo)"; }
before=$(pins_state)
check "the pins are there before the hand-off ($before)" test -e $P/identity -a -e $P/admitted
tries=0
mount_refused() { # TEXT CMD...
	_t=$1
	shift
	tries=$((tries + 1))
	expect_refused '!0' "$MG_EPERM" "pins: $_t is refused" "$@"
	_now=$(pins_state)
	[ "$_now" = "$before" ] && ok "pins: unchanged after: $_t" || not_ok "pins: unchanged after: $_t (now $_now)"
}
mount -t tmpfs mgx /mnt/x
mkdir -p /mnt/x/modguard
mount_refused "mount --move of /sys (the pins' parent mount)" mount --move /sys /mnt/s
mount_refused "mount --move of the bpffs at /sys/fs/bpf" mount --move /sys/fs/bpf /mnt/s
mount_refused "a tmpfs mounted over /sys" mount -t tmpfs mgt /sys
mount_refused "a second bpffs mounted over /sys/fs/bpf" mount -t bpf bpf /sys/fs/bpf
mount_refused "a tmpfs mounted over $P" mount -t tmpfs mgt $P
mount_refused "a bind mount over $P" mount --bind /mnt/x/modguard $P
mount_refused "a bind mount over /sys/fs" mount --bind /mnt/x /sys/fs
mount_refused "a lazy unmount of /sys/fs/bpf" umount -l /sys/fs/bpf
mount_refused "a lazy unmount of /sys" umount -l /sys
mount_refused "move_mount(2) of /sys/fs/bpf" mgattack move-mount-move /sys/fs/bpf /mnt/s
mount_refused "fsmount(2) of a tmpfs over /sys" mgattack fsmount-tmpfs /sys
# Whatever happened to the mounts: the attacker's key in the real root's
# store, and the trusted program asked to load the module it signed.
cp /tmp/m/att.crt /etc/modguard/trust.d/attacker.crt
env -i "$L" load /tmp/m/evil-att.ko >/tmp/load.out 2>&1
rc=$?
[ $rc != 0 ] && ok "the trusted program does not load evil-att.ko (exit $rc: $(head -c 150 /tmp/load.out | tr '\n' ' '))" ||
	not_ok "the trusted program does not load evil-att.ko (exit 0)"
module_loaded evil && not_ok "evil is not loaded" || ok "evil is not loaded"
expect_fail EPERM insmod /tmp/m/evil-att.ko
rm -f /etc/modguard/trust.d/attacker.crt

# Legitimate work afterwards: the hand-off, an admission, a load.
env -i "$L" guard start --boot >/tmp/handoff.out 2>&1
rc=$?
[ $rc = 0 ] && grep -q '^guard handed over from the initramfs' /tmp/handoff.out &&
	ok "the hand-off still works after the attempts (exit 0)" || {
	not_ok "the hand-off still works after the attempts (exit $rc)"
	sed 's/^/#   /' /tmp/handoff.out
}
expect_ok modguard admit /tmp/m/hello.ko
expect_ok insmod /tmp/m/hello.ko
module_loaded hello && ok "an admitted owner-signed hello loads after the hand-off" ||
	not_ok "an admitted owner-signed hello loads after the hand-off"
[ $tries = 11 ] && ok "all 11 mount attempts were made" || not_ok "all 11 mount attempts were made ($tries)"
done_testing
