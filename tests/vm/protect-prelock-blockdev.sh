#!/bin/sh
# vm-options: --disk
# Block devices opened for writing before the lock.  The root file system's
# disk (/dev/vdb) is held open O_RDWR by a shell, mapped shared and writable
# by another process, and a loop device writes through to it, all before
# `modguard guard start`.  The mapping cannot be refused (page faults meet no
# hook): its holder must be killed at the lock.  The guard must find
# both (block devices have no i_writecount: it looks in every fd table and at
# the loop devices), name them, attach its write hook, and then refuse the
# writes through them.  The bytes written go to sector 0, which ext4 leaves
# unused, so a write that got through would be seen without harming the file
# system.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=prelock-blockdev

DISK=/dev/vdb
check "/ is ext4 on $DISK" grep -q "^$DISK / ext4 rw" /proc/mounts
sector() { dd if=$DISK bs=512 count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1; }
head -c 512 /dev/zero | tr '\0' 'E' >/tmp/evil-sector
before=$(sector)

# Held open for writing before the lock; writes through that same fd (no new open) on a signal.
(
	exec 3<>$DISK
	while [ ! -e /tmp/go ]; do sleep 0.2; done
	if cat /tmp/evil-sector >&3 2>/tmp/fd.err; then echo OK >/tmp/fd.res; else echo FAIL >/tmp/fd.res; fi
) &
holder=$!
# Mapped shared and writable, fd closed; writes "evil" to offset 0 on SIGUSR1.
mgattack prelock-map $DISK /tmp/map.res >/tmp/map.ready 2>&1 &
mapper=$!
modprobe loop >/dev/null 2>&1
[ -b /dev/loop0 ] || mknod /dev/loop0 b 7 0
LOOP=/dev/loop0
check "a loop device over $DISK, read-write, before the lock ($LOOP)" losetup "$LOOP" $DISK
sleep 1

mg_install
modguard guard start >/tmp/start.out 2>&1
sed 's/^/#   /' /tmp/start.out
dev=$(cat /sys/class/block/vdb/dev)
check "guard start names the block device held by the shell ($dev, pid $holder)" \
	grep -q "WARNING: block device $dev: held by pid $holder since before the lock" /tmp/start.out
check "guard start names the loop device's backing device" \
	grep -q "WARNING: $DISK: backs a loop device since before the lock" /tmp/start.out
check "guard start attached the write hook" grep -q 'write hook attached' /tmp/start.out
kill -USR1 $mapper 2>/dev/null
wait $mapper
mst=$?
after=$(sector)
if [ $mst = 137 ] && [ ! -e /tmp/map.res ] && [ "$after" = "$before" ] &&
	grep -q "WARNING: pid $mapper (mgattack) holds a writable shared mapping of $DISK from before the lock: killing it" /tmp/start.out; then
	ok "$FAMILY: write to $DISK through a shared mapping made before the lock: holder killed at the lock (exit $mst), sector 0 unchanged: BLOCKED"
else
	not_ok "$FAMILY: write to $DISK through a shared mapping made before the lock: exit $mst, $(cat /tmp/map.res 2>/dev/null), sector 0 ${after}: BYPASSED"
fi
modguard guard status >/tmp/gs.out 2>&1
check "guard status: write hook attached" grep -q '^write hook: attached' /tmp/gs.out

touch /tmp/go
wait $holder
res=$(cat /tmp/fd.res 2>/dev/null)
after=$(sector)
if [ "$res" = FAIL ] && [ "$after" = "$before" ]; then
	ok "$FAMILY: write to $DISK through an fd opened O_RDWR before the lock: refused ($(cat /tmp/fd.err)), sector 0 unchanged: BLOCKED"
else
	not_ok "$FAMILY: write to $DISK through an fd opened O_RDWR before the lock: $res, sector 0 ${after}: BYPASSED"
fi
# The loop device is guarded as the disk under it: its write open is refused.
# (Since 6.12 the loop driver writes to its backing device with no
# file_permission check, so refusing the driver's own write is not enough.)
dd if=/tmp/evil-sector of="$LOOP" bs=512 count=1 conv=notrunc,fsync 2>/tmp/loop.err
rc=$?
after=$(sector)
if [ $rc != 0 ] && [ "$after" = "$before" ]; then
	ok "$FAMILY: write and fsync to $LOOP (over $DISK, set up before the lock): refused ($(tail -n1 /tmp/loop.err)), sector 0 unchanged: BLOCKED"
else
	not_ok "$FAMILY: write and fsync to $LOOP (over $DISK, set up before the lock): exit $rc, sector 0 ${after}: BYPASSED"
	sed 's/^/#   /' /tmp/loop.err
fi
modguard guard status >/tmp/gs.out 2>&1
check "the guard counted the refused block-device writes" sh -c \
	"grep '^protection refused:' /tmp/gs.out | grep -Eq 'blockdev [1-9]'"
check "the root file system still reads" cat /etc/modguard/policy
done_testing
