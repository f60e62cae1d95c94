#!/bin/sh
# Mounts over protected paths and their parents, in the initial mount
# namespace and in a new one; unmounting bpffs and the protected file system.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=mounts

mg_guard_up

DIR=/etc/modguard
POL=$DIR/policy
mkdir -p /tmp/fake/trust.d /tmp/ovl/upper /tmp/ovl/work /tmp/mnt
echo "mode = permissive" >/tmp/fake/policy
echo "fake" >/tmp/fakefile
modprobe overlay >/dev/null 2>&1

attempt "tmpfs over /etc/modguard" $DIR mount -t tmpfs none $DIR
attempt "tmpfs over the parent /etc" /etc mount -t tmpfs none /etc
attempt "tmpfs over /" / mount -t tmpfs none /
attempt "tmpfs over /usr/lib/modguard" /usr/lib/modguard mount -t tmpfs none /usr/lib/modguard
attempt "tmpfs over the unit directory" /lib/systemd/system mount -t tmpfs none /lib/systemd/system
attempt "bind mount over /etc/modguard" $DIR mount --bind /tmp/fake $DIR
attempt "bind mount over the policy file" $POL mount --bind /tmp/fakefile $POL
attempt "bind mount over the trusted program" $MG_LOADER mount --bind /bin/busybox $MG_LOADER
attempt "bind mount over the parent /etc" /etc mount --bind /tmp/fake /etc
attempt "overlayfs over /etc/modguard" $DIR mount -t overlay overlay -o lowerdir=$DIR,upperdir=/tmp/ovl/upper,workdir=/tmp/ovl/work $DIR
attempt "overlayfs over /etc" /etc mount -t overlay overlay -o lowerdir=/etc,upperdir=/tmp/ovl/upper,workdir=/tmp/ovl/work /etc
attempt "tmpfs over /sys/fs/bpf" /sys/fs/bpf mount -t tmpfs none /sys/fs/bpf
attempt "tmpfs over the pin directory" /sys/fs/bpf/modguard mount -t tmpfs none /sys/fs/bpf/modguard
attempt "new bpffs over /sys/fs/bpf" /sys/fs/bpf mount -t bpf bpf /sys/fs/bpf
attempt "move_mount(2) of a clone of /tmp/fake onto /etc/modguard" $DIR mgattack move-mount /tmp/fake $DIR
attempt "fsmount(2) tmpfs onto /etc/modguard" $DIR mgattack fsmount-tmpfs $DIR
attempt "fsmount(2) tmpfs onto /etc" /etc mgattack fsmount-tmpfs /etc
attempt "move_mount(2) of /sys/fs/bpf away" /sys/fs/bpf mgattack move-mount-move /sys/fs/bpf /tmp/mnt
attempt "mount --move /sys/fs/bpf away" /sys/fs/bpf mount --move /sys/fs/bpf /tmp/mnt

# A new mount namespace: same refusals (the trusted program never runs there
# either, see the trusted family).
attempt "unshare -m: tmpfs over /etc/modguard" $DIR unshare -m sh -c "mount -t tmpfs none $DIR && echo 'mode = permissive' >$POL"
attempt "unshare -m: tmpfs over /etc" /etc unshare -m mount -t tmpfs none /etc
attempt "unshare -m: bind over /etc/modguard" $DIR unshare -m mount --bind /tmp/fake $DIR
attempt "unshare -m: bind over the trusted program" $MG_LOADER unshare -m mount --bind /bin/busybox $MG_LOADER
attempt "unshare -m: overlayfs over /etc/modguard" $DIR unshare -m mount -t overlay overlay -o lowerdir=$DIR,upperdir=/tmp/ovl/upper,workdir=/tmp/ovl/work $DIR
# Unmounting the private copy is allowed (systemd's namespaces do such
# things) and harmless: the recorded mount in the initial namespace keeps the
# bpffs superblock, and with it the pins, alive.
attempt_switch "unshare -m: umount -l /sys/fs/bpf (the private copy)" unshare -m umount -l /sys/fs/bpf

# Unmounting.
attempt "umount /sys/fs/bpf" /sys/fs/bpf umount /sys/fs/bpf
attempt "umount -l /sys/fs/bpf" /sys/fs/bpf mgattack umount /sys/fs/bpf lazy
attempt "umount -l /sys (above bpffs)" /sys/fs/bpf mgattack umount /sys lazy
attempt "umount -l / (the file system of the protected files)" $POL mgattack umount / lazy
attempt "pivot_root in the initial namespace" / sh -c "mkdir -p /tmp/pr/old && mount -t tmpfs none /tmp/pr && mkdir -p /tmp/pr/old && cd /tmp/pr && pivot_root . old"

attack_summary
done_testing
