#!/bin/sh
# File identity on other file systems.  The self-protection keys inodes by
# the kernel's identity, inode->i_sb->s_dev and i_ino; stat()'s st_dev is
# not that on btrfs (every subvolume, the top level too, reports its own
# anonymous device).  Protected trees on btrfs (top level and a subvolume),
# XFS, ext4 and overlayfs: each refuses writes, unlinks and renames with
# the guard locked, and stays readable; the block devices under them refuse
# write opens.  The images are loop devices over files in /tmp: the backing
# files themselves are not what this checks.
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d /mnt/fs /tmp/img
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
modprobe loop 2>/dev/null
policy="mode = enforce"
mounted=

# mkimg NAME FSTYPE SIZE_MB: a loop device with a new file system, mounted on /mnt/fs/NAME.
mkimg() {
	_img=/tmp/img/$1.img
	dd if=/dev/zero of="$_img" bs=1M count=0 seek="$3" 2>/dev/null
	case $2 in
	btrfs) mkfs.btrfs -q -f "$_img" >/dev/null 2>&1 ;;
	xfs) mkfs.xfs -q -f "$_img" >/dev/null 2>&1 ;;
	ext4) mkfs.ext4 -q -F "$_img" >/dev/null 2>&1 ;;
	esac || { not_ok "mkfs.$2 of $_img"; return 1; }
	modprobe "$2" 2>/dev/null
	_dev=$(losetup -f) && losetup "$_dev" "$_img" || { not_ok "losetup for $1"; return 1; }
	mkdir -p "/mnt/fs/$1"
	if mount -t "$2" "$_dev" "/mnt/fs/$1"; then
		ok "$2 on $_dev mounted at /mnt/fs/$1"
		mounted="$mounted $1:$_dev"
	else
		not_ok "mount -t $2 $_dev /mnt/fs/$1"
		return 1
	fi
}

# site DIR: a protected tree with a file and a subdirectory.
site() {
	mkdir -p "$1/sub" && echo "site data" >"$1/data" && echo nested >"$1/sub/nested" &&
		policy="$policy
protect = $1"
}

mkimg btrfs btrfs 160 && site /mnt/fs/btrfs/site
if [ -d /mnt/fs/btrfs ] && btrfs subvolume create /mnt/fs/btrfs/@sub >/dev/null 2>&1; then
	ok "btrfs subvolume @sub"
	site /mnt/fs/btrfs/@sub/site
else
	not_ok "btrfs subvolume create /mnt/fs/btrfs/@sub"
fi
mkimg xfs xfs 320 && site /mnt/fs/xfs/site
mkimg ext4 ext4 32 && site /mnt/fs/ext4/site
# overlayfs: lower and upper on tmpfs, the tree merged.
modprobe overlay 2>/dev/null
mkdir -p /tmp/ovl/lower/site /tmp/ovl/upper /tmp/ovl/work /mnt/fs/ovl
echo "lower data" >/tmp/ovl/lower/site/lower
if mount -t overlay overlay -o lowerdir=/tmp/ovl/lower,upperdir=/tmp/ovl/upper,workdir=/tmp/ovl/work /mnt/fs/ovl; then
	ok "overlayfs mounted at /mnt/fs/ovl"
	site /mnt/fs/ovl/site
else
	not_ok "mount -t overlay on /mnt/fs/ovl"
fi
printf '%s\n' "$policy" >/etc/modguard/policy

# The evidence that st_dev is not the superblock's device on btrfs: keyed
# by st_dev, these trees would be protected by nothing.
for d in /mnt/fs/btrfs/site /mnt/fs/btrfs/@sub/site; do
	[ -d "$d" ] || continue
	sd=$(stat -c %d "$d")
	sd="$((sd >> 8)):$(((sd & 255) | ((sd >> 12) & ~255)))"
	mi=$(awk '$5 == "/mnt/fs/btrfs" { print $3 }' /proc/self/mountinfo)
	if [ -n "$mi" ] && [ "$sd" != "$mi" ]; then
		ok "$d: stat's st_dev $sd is not the superblock's device $mi (mountinfo)"
	else
		not_ok "$d: stat's st_dev '$sd', the superblock's device '$mi'"
	fi
done

expect_ok modguard guard start

for d in /mnt/fs/btrfs/site /mnt/fs/btrfs/@sub/site /mnt/fs/xfs/site /mnt/fs/ext4/site /mnt/fs/ovl/site; do
	[ -d "$d" ] || continue
	expect_fail EPERM mgattack open-write "$d/data"
	expect_unchanged "$d/data" sh -c "echo evil >$d/data"
	expect_fail EPERM mgattack unlink "$d/sub/nested"
	expect_fail EPERM mgattack rename "$d/data" "$d/../moved"
	expect_fail EPERM mgattack create "$d/new"
	expect_fail EPERM mgattack chmod "$d/data"
	check "$d/data still reads" grep -q "site data" "$d/data"
	# Next to the tree, ordinary work goes on.
	check "a file next to $d is written and removed" sh -c "echo x >$d/../other && rm $d/../other"
done
[ -d /mnt/fs/ovl/site ] && expect_fail EPERM mgattack open-write /mnt/fs/ovl/site/lower

# The block devices under the protected trees: no write open.
for m in $mounted; do
	dev=${m#*:}
	expect_fail EPERM mgattack dev-write "$dev" 65536
done
done_testing
