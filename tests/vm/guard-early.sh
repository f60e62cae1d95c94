#!/bin/sh
# vm-options: --early-guard
# The guard started in the initramfs (tests/vm/run --early-guard: stage 1 runs
# guard start --early, then loads the disk drivers and switch_roots onto the
# disk), and its hand-off to the real root's trusted program.
#
# Before the hand-off the guard enforces the initramfs's rules: kernel-signed
# modules load, nothing else.  Only a clean exec of the file at the trusted
# program's path, with the initramfs copy's content, is handed the guard: a
# copy elsewhere, a hard link, an exec with an environment are not, and do
# not use up the hand-off (a traced or filtered exec is never tagged:
# guard-core.sh).  After it, the real root's files
# are protected, admissions work, and mounts no longer move.
. /tests/lib.sh

L=/usr/lib/modguard/modguard-loader
mkdir -p /tmp/m
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello.ko "$MG_MODULES/hello.ko"

# ---- Started in the initramfs ----------------------------------------------
check "the guard's pins exist before anything on the real root started it" \
	test -e /sys/fs/bpf/modguard/admitted -a -e /sys/fs/bpf/modguard/identity
# The disk drivers stage 1 loaded after the guard: each one is in the kernel.
MG_BOOT_MODULES=$(sed -n 's/^MG_BOOT_MODULES=//p' /etc/mg-vm.conf | tr -d "'\"")
n=0
for m in $MG_BOOT_MODULES; do
	module_loaded "$m" && n=$((n + 1))
done
nb=$(echo $MG_BOOT_MODULES | wc -w)
[ "$nb" -gt 0 ] && [ $n = "$nb" ] && ok "the $nb disk drivers stage 1 loaded under the early guard are loaded ($MG_BOOT_MODULES)" ||
	not_ok "the disk drivers stage 1 loaded under the early guard are loaded ($n of $nb: $MG_BOOT_MODULES)"

# ---- Before the hand-off: the initramfs's rules ----------------------------
expect_fail EPERM sysload finit "$MG_MODULES/evil.ko"
module_loaded evil && not_ok "evil (unsigned) is not loaded" || ok "evil (unsigned) is not loaded"
expect_fail EPERM insmod /tmp/m/hello.ko
module_loaded hello && not_ok "hello (owner-signed, not admitted) is not loaded" ||
	ok "hello (owner-signed, not admitted) is not loaded"
debian_leaf
expect_ok modprobe "$LEAF"
module_loaded "$LEAF" && ok "$LEAF (Debian-signed) loads before the hand-off" ||
	not_ok "$LEAF (Debian-signed) loads before the hand-off"
rmmod "$LEAF" 2>/dev/null
expect_fail EPERM rm -f /sys/fs/bpf/modguard/link_guard_kernel_read_file
check "the guard's link is still pinned" test -e /sys/fs/bpf/modguard/link_guard_kernel_read_file

# Claims that must not take the hand-off.  Each is refused, and the real
# program's hand-off below still works: none of them used it up.
cp "$L" /tmp/ml
ln "$L" /root/ml-link
handoff_refused() { # TEXT CMD...
	_t=$1
	shift
	expect_refused 1 'not the trusted one|is not the program' "hand-off refused to $_t" "$@"
}
handoff_refused "a copy of the trusted program in /tmp" env -i /tmp/ml guard start --boot
handoff_refused "a hard link to it in /root" env -i /root/ml-link guard start --boot
handoff_refused "an exec with an environment" env -i X=1 "$L" guard start --boot
# A root of the attacker's with copies of the program and of the
# configuration, as a chroot: into a directory of the real root, and into a
# file system mounted elsewhere.  The configuration is the initramfs's, so
# only where the root is can tell.
fake_root() { # DIR
	mkdir -p "$1/usr/lib/modguard" "$1/etc" "$1/proc" "$1/sys" "$1/dev"
	cp "$L" "$1/usr/lib/modguard/modguard-loader"
	cp -a /etc/modguard "$1/etc/"
	mount --bind /proc "$1/proc" && mount --rbind /sys "$1/sys" && mount --bind /dev "$1/dev"
}
fake_root /root/fake
handoff_refused "a chroot into a directory with copies of the program and the configuration" \
	env -i chroot /root/fake /usr/lib/modguard/modguard-loader guard start --boot
mkdir -p /mnt/fake
mount -t tmpfs fake /mnt/fake
fake_root /mnt/fake
handoff_refused "a chroot into a tmpfs with copies of the program and the configuration" \
	env -i chroot /mnt/fake /usr/lib/modguard/modguard-loader guard start --boot
# Mounts move in the initial namespace only while the initramfs's init
# switches to the real root (it moves /dev, /run, /sys and /proc: stage 1 of
# this boot did, under the guard).  Once pid 1 has exec'd the real root's
# init they stay, hand-off or not (guard-early-pins.sh: the pins' mounts).
check "pid 1 switched with mounts moved under the guard: /proc, /sys and /dev are the initramfs's" \
	sh -c 'test -e /proc/self && test -d /sys/kernel && test -e /dev/null'
mkdir -p /mnt/a /mnt/b
mount -t tmpfs mga /mnt/a
if ! mount --move /mnt/a /mnt/b 2>/tmp/mv.err && grep -q ' /mnt/a tmpfs ' /proc/mounts &&
	! grep -q ' /mnt/b tmpfs ' /proc/mounts; then
	ok "mount --move in the initial namespace is refused before the hand-off, after the switch ($(cat /tmp/mv.err)); the mount stays"
else
	not_ok "mount --move in the initial namespace is refused before the hand-off, after the switch"
fi

# Writers from before the hand-off, on the real root's files: a descriptor
# open for appending to the policy, and a writable shared mapping of the
# owner's certificate.  Neither writes yet (the configuration must be the
# initramfs's); both try after the hand-off.
POL=/etc/modguard/policy CRT=/etc/modguard/trust.d/owner.crt
pol_before=$(file_state $POL)
crt_before=$(file_state $CRT)
mkfifo /tmp/go
(
	exec 5>>$POL
	read -r _ </tmp/go
	if echo "mode = permissive" >&5; then echo WROTE; else echo REFUSED; fi >/tmp/w.res
) 2>/dev/null &
WPID=$!
mgattack prelock-map $CRT /tmp/map.res >/tmp/map.ready 2>&1 &
MPID=$!
n=0
while [ $n -lt 100 ] && ! grep -q READY /tmp/map.ready; do sleep 0.1; n=$((n + 1)); done
check "a writable shared mapping of $CRT is held before the hand-off" grep -q READY /tmp/map.ready

# ---- The hand-off ------------------------------------------------------------
env -i "$L" --debug guard start --boot >/tmp/handoff.out 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^guard handed over from the initramfs' /tmp/handoff.out &&
	grep -q '^self-protection taken over on the real root' /tmp/handoff.out; then
	ok "guard start --boot on the real root takes the guard over (exit 0)"
else
	not_ok "guard start --boot on the real root takes the guard over (exit $rc)"
fi
sed 's/^/#   /' /tmp/handoff.out

# ---- After it ----------------------------------------------------------------
grep -q "write hook attached ([1-9][0-9]* writers" /tmp/handoff.out &&
	ok "the hand-off found the descriptor open for writing and attached the write hook" ||
	not_ok "the hand-off found the descriptor open for writing and attached the write hook"
echo go >/tmp/go
wait $WPID
[ "$(cat /tmp/w.res 2>/dev/null)" = REFUSED ] && ok "the write through the descriptor from before the hand-off is refused" ||
	not_ok "the write through the descriptor from before the hand-off is refused ($(cat /tmp/w.res 2>/dev/null))"
[ "$(file_state $POL)" = "$pol_before" ] && ok "$POL unchanged" || not_ok "$POL unchanged"
kill -USR1 $MPID 2>/dev/null
sleep 1
if ! kill -0 $MPID 2>/dev/null && ! grep -q "map OK" /tmp/map.res 2>/dev/null &&
	grep -q "holders of writable shared mappings killed: 1" /tmp/handoff.out; then
	ok "the holder of the writable mapping was killed at the hand-off, before it wrote"
else
	not_ok "the holder of the writable mapping was killed at the hand-off, before it wrote ($(cat /tmp/map.res 2>/dev/null))"
fi
[ "$(file_state $CRT)" = "$crt_before" ] && ok "$CRT unchanged" || not_ok "$CRT unchanged"
expect_ok modguard admit /tmp/m/hello.ko
expect_ok insmod /tmp/m/hello.ko
module_loaded hello && ok "an admitted owner-signed hello loads after the hand-off" ||
	not_ok "an admitted owner-signed hello loads after the hand-off"
rmmod hello 2>/dev/null
expect_fail EPERM sysload finit "$MG_MODULES/evil.ko"
module_loaded evil && not_ok "evil is still not loaded" || ok "evil is still not loaded"
expect_unchanged /etc/modguard/policy sh -c 'echo "mode = permissive" >>/etc/modguard/policy'
expect_unchanged "$L" sh -c "echo x >>$L"
if ! mount --move /mnt/a /mnt/b 2>/tmp/mv.err && grep -q ' /mnt/a tmpfs ' /proc/mounts &&
	! grep -q ' /mnt/b tmpfs ' /proc/mounts; then
	ok "mount --move in the initial namespace is refused after the hand-off ($(cat /tmp/mv.err)); the mount stays"
else
	not_ok "mount --move in the initial namespace is refused after the hand-off"
fi
expect_fail EPERM env -i /tmp/ml guard dump
env -i "$L" guard start --boot >/tmp/again.out 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'already started' /tmp/again.out && ok "a second guard start --boot: already started (exit $rc)" ||
	not_ok "a second guard start --boot: already started (exit $rc: $(head -n 1 /tmp/again.out))"
modguard guard status >/tmp/status 2>&1
grep -q "^trusted_binary: dev .* ino $(stat -c %i "$L")\$" /tmp/status &&
	ok "guard status names the real root's trusted program (inode $(stat -c %i "$L"))" ||
	{ not_ok "guard status names the real root's trusted program"; sed 's/^/#   /' /tmp/status; }
done_testing
