# Sourced by stage-reboot.sh: modguard initrd (the reader the trusted program
# is to check images with) on the image update-initramfs just made, against
# initramfs-tools' own lsinitramfs and unmkinitramfs; then a hand edit.
IMG=/boot/initrd.img-$KVER
modguard initrd --list "$IMG" >/tmp/ir.list 2>/tmp/ir.err
rc=$?
sed -n '1,4p' /tmp/ir.list | sed 's/^/#   /'
check "modguard initrd reads the image update-initramfs made (exit $rc)" test $rc = 0
# Names: the reader's, without the root entry, against lsinitramfs's.
grep '^[fdlcbps] ' /tmp/ir.list | awk '{ n = ($1 == "l") ? 6 : 5; s = $0; for (i = 1; i < n; i++) sub(/^[^ ]+ +/, "", s); print s }' |
	grep -vx '\.' | LC_ALL=C sort -u >/tmp/ir.names
lsinitramfs "$IMG" | sed 's|^\./||' | grep -vx '\.' | LC_ALL=C sort -u >/tmp/ls.names
# same DESC MIN WANT GOT: ok when the two files are equal and WANT has MIN lines or more.
same() {
	_n=$(wc -l <"$3")
	if [ "$_n" -ge "$2" ] && cmp -s "$3" "$4"; then
		ok "$1 ($_n)"
	else
		not_ok "$1 ($_n lines wanted, $(wc -l <"$4") got, at least $2)"
		diff "$3" "$4" | head -10 | sed 's/^/#   /'
	fi
}
same "the same names as lsinitramfs lists" 100 /tmp/ls.names /tmp/ir.names
# Contents: every file unmkinitramfs extracts has the SHA-256 the reader gives.
rm -rf /tmp/unmk && unmkinitramfs "$IMG" /tmp/unmk
# unmkinitramfs puts each segment in its own directory (early, early2, ...,
# main) when there are several; the later one's file of a name is what the
# kernel leaves.
if [ -d /tmp/unmk/main ]; then dirs="$(ls -d /tmp/unmk/early* 2>/dev/null) /tmp/unmk/main"; else dirs=/tmp/unmk; fi
for d in $dirs; do
	(cd "$d" && find . -type f | sed 's|^\./||' | while read -r f; do
		echo "$(sha256sum <"$f" | cut -d' ' -f1) $f"
	done)
done | awk '{ s = $0; sub(/^[^ ]+ /, "", s); last[s] = $1 } END { for (n in last) print last[n], n }' |
	LC_ALL=C sort -k2 >/tmp/unmk.sums
awk '$1 == "f" { s = $0; for (i = 1; i <= 4; i++) sub(/^[^ ]+ +/, "", s); last[s] = $4 }
	END { for (n in last) print last[n], n }' /tmp/ir.list | LC_ALL=C sort -k2 >/tmp/ir.sums
same "every file unmkinitramfs extracts has the content the reader gives" 50 /tmp/unmk.sums /tmp/ir.sums
loader_sum=$(sha256sum </usr/lib/modguard/modguard-loader | cut -d' ' -f1)
check "the image's trusted program is the installed one, entered once" sh -c \
	"modguard initrd --find usr/lib/modguard/modguard-loader '$IMG' | grep -q '^usr/lib/modguard/modguard-loader: 1 entry, .* $loader_sum usr/lib/modguard/modguard-loader\$'"
check "the guard's start script is in the image once" sh -c \
	"modguard initrd --find scripts/init-top/modguard '$IMG' | grep -q '^scripts/init-top/modguard: 1 entry, '"

# A hand edit, as root could make one (not installed: /boot is not sealed
# yet, and the kernel would run it).  An archive put in front whose start
# script does nothing: the image's own one comes later and replaces it, and
# the reader shows both.  An archive appended after the compressed one: the
# kernel reads it and its entries win; the reader refuses such an image.
mkdir -p /tmp/he/scripts/init-top
printf '#!/bin/sh\nexit 0\n' >/tmp/he/scripts/init-top/modguard
chmod 755 /tmp/he/scripts/init-top/modguard
(cd /tmp/he && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >/tmp/he.cpio
cat /tmp/he.cpio "$IMG" >/tmp/front.img
modguard initrd --find scripts/init-top/modguard /tmp/front.img >/tmp/front.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/front.out
check "an archive put in front: read, the start script named twice, the image's own last" sh -c \
	"[ $rc = 0 ] && grep -q '^scripts/init-top/modguard: 2 entries, the last in segment 2' /tmp/front.out"
cat "$IMG" /tmp/he.cpio >/tmp/back.img
expect_refused 1 'back.img: .*(trailing data|after the first zstd frame|neither cpio)' \
	"an archive appended after the compressed one: refused, with the offset and the reason" \
	modguard initrd /tmp/back.img
check "the image in /boot is the one update-initramfs made" sh -c "modguard initrd '$IMG' >/dev/null"
rm -rf /tmp/unmk /tmp/he /tmp/front.img /tmp/back.img
