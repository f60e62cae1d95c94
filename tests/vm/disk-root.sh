#!/bin/sh
# vm-group: disk
# vm-options: --disk
# The guest can run from an ext4 root on a virtio disk (tests/vm/run --disk),
# for protections that need a real on-disk file system (by hand:
# tests/vm/run --disk tests/vm/disk-root.sh).  Scenarios that need
# one join this group.
. /tests/lib.sh

check "/ is ext4 on /dev/vdb" grep -q '^/dev/vdb / ext4 rw' /proc/mounts
check "/ is the staged tree" test -e /.mg-disk-root
check "the module tree is mounted read-only from /dev/vda" \
	grep -q "^/dev/vda $MG_KMODDIR ext4 ro" /proc/mounts
check "modguard runs from the disk" modguard --version

# A module file on the disk: signed in place, loaded through finit_module.
cp "$MG_MODULES/hello.ko" /root/hello.ko
expect_ok modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" /root/hello.ko
expect_ok modguard verify -q -C "$MG_KEYS/owner.crt" /root/hello.ko
expect_ok insmod /root/hello.ko
expect_ok rmmod hello

# expect_unchanged notices every kind of change on a real inode.
echo data >/root/f
expect_unchanged /root/f true
expect_unchanged /root/f sync
for change in 'echo more >>/root/f' 'chmod 600 /root/f' 'chown 1:1 /root/f' 'ln /root/f /root/f2' \
	'cp /root/f /root/f.new && mv /root/f.new /root/f' 'rm /root/f'; do
	rm -f /root/f /root/f2
	echo data >/root/f
	before=$(file_state /root/f)
	sh -c "$change"
	if [ "$(file_state /root/f)" != "$before" ]; then
		ok "file_state notices: $change"
	else
		not_ok "file_state notices: $change"
	fi
done
rm -f /root/f2

done_testing
