#!/bin/sh
# The disk under the protected files: raw writes directly, through another
# device node, a loop device or device-mapper.  Meaningful on the ext4 disk
# guest (tests/vm/run --disk); the initramfs root has no block device.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=blockdev

mg_guard_up
POL=/etc/modguard/policy

modprobe loop >/dev/null 2>&1
[ -b /dev/loop0 ] || mknod /dev/loop0 b 7 0
attempt "loop device over the policy file, then write it" $POL sh -c "losetup /dev/loop0 $POL; exec mgattack dev-write /dev/loop0 0"
losetup -d /dev/loop0 2>/dev/null

bd=$(mg_root_blockdev) || bd=
if [ -z "$bd" ]; then
	ok "$FAMILY: protected files are on $(stat -f -c %T /etc/modguard) (no block device): no disk to attack; run with --disk"
	attack_summary
	done_testing
fi
set -- $bd
DEV=$1 MAJ=$2 MIN=$3
diag "protected files on $DEV ($MAJ:$MIN)"

attempt "open $DEV O_WRONLY and write" $POL mgattack dev-write $DEV 1048576
attempt "open $DEV O_RDWR (debugfs -w)" $POL mgattack open-write $DEV rdwr
attempt "dd of=$DEV" $POL dd if=/dev/zero of=$DEV bs=512 count=1 seek=2048 conv=notrunc
attempt "a second device node for $MAJ:$MIN" $POL sh -c "mknod /tmp/disk b $MAJ $MIN && exec mgattack dev-write /tmp/disk 1048576"
attempt "BLKDISCARD on $DEV" $POL mgattack ioctl-raw $DEV 0x1277
attempt "BLKZEROOUT on $DEV" $POL mgattack ioctl-raw $DEV 0x127f
attempt "loop device over $DEV, then write it" $POL sh -c "losetup /dev/loop0 $DEV; exec mgattack dev-write /dev/loop0 1048576"
losetup -d /dev/loop0 2>/dev/null
modprobe dm_mod >/dev/null 2>&1
[ -c /dev/mapper/control ] || { mkdir -p /dev/mapper; mknod /dev/mapper/control c 10 236; }
attempt "device-mapper linear map over $DEV, then write it" $POL mgattack dm-linear $DEV

attack_summary
done_testing
