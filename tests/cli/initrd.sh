#!/bin/bash
# modguard initrd: the reader of initramfs images (tcb/lib/initrd.c), against
# GNU cpio and the real compressors on the same trees, then against crafted
# archives that the kernel would read another way, skip, or stop at.
. "$(dirname "$0")/lib.sh"
init "$@"
M=$MODGUARD

# ---- Images made by the real tools --------------------------------------------
# A tree as mkinitramfs makes one: directories, files, a merged-/usr symbolic
# link, an empty file, a file with spaces in its name.
R=$T/root
mkdir -p "$R/usr/bin" "$R/scripts/init-top" "$R/conf" "$R/usr/lib/modguard"
printf '#!/bin/sh\necho real init\n' >"$R/init"
chmod 755 "$R/init"
head -c 70000 /dev/urandom >"$R/usr/lib/modguard/modguard-loader"
chmod 755 "$R/usr/lib/modguard/modguard-loader"
printf 'modguard\n' >"$R/scripts/init-top/ORDER"
: >"$R/conf/empty"
echo spaced >"$R/conf/a name with spaces"
ln -s usr/bin "$R/bin"
# newc, as mkinitramfs runs cpio: find's names, sorted, from the tree's root.
mkcpio() { (cd "$1" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0); }
mkcpio "$R" >"$T/plain.cpio"
# Every file's SHA-256, and every name, as GNU cpio extracts them.
expected() { # ARCHIVE...
	rm -rf "$T/x" && mkdir "$T/x"
	for a in "$@"; do (cd "$T/x" && cpio --quiet -idmu --no-absolute-filenames <"$a") || return 1; done
	(cd "$T/x" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
		echo "$(sha256sum <"$f" | cut -d' ' -f1) $f"
	done)
}
# The same from the reader: the last entry of each file name.
ours() { # IMAGE
	"$M" initrd --list "$1" | awk '$1 == "f" { s = $0; for (i = 1; i <= 4; i++) sub(/^[^ ]+ +/, "", s); last[s] = $4 }
		END { for (n in last) print last[n], n }' | LC_ALL=C sort -k2
}
cmp_files() { # DESC IMAGE ARCHIVE...
	local d=$1 img=$2
	shift 2
	expected "$@" | LC_ALL=C sort -k2 >"$T/want"
	ours "$img" >"$T/got"
	local n
	n=$(wc -l <"$T/want")
	if [ "$n" -ge 5 ] && cmp -s "$T/want" "$T/got"; then
		ok "$d: the same $n files and contents as GNU cpio extracts"
	else
		not_ok "$d: files and contents as GNU cpio extracts ($n files)"
		diff "$T/want" "$T/got" | head -10 | sed 's/^/#   /'
	fi
}

expect_rc "uncompressed archive is read" 0 "$M" initrd "$T/plain.cpio"
check "it is one segment, uncompressed, one archive" grep -q '^segment 1: offset 0, [0-9]* bytes, uncompressed, 1 archive, ' "$T/out"
names_cpio=$(cpio --quiet -t <"$T/plain.cpio" | wc -l)
names_ours=$("$M" initrd --list "$T/plain.cpio" | grep -c '^[fdlcbps?] ')
check "as many entries as cpio -t lists ($names_cpio)" [ "$names_cpio" = "$names_ours" -a "$names_ours" -ge 10 ]
cmp_files "uncompressed" "$T/plain.cpio" "$T/plain.cpio"
check "the symbolic link and its target" grep -q '^l 0777 *7 -> usr/bin bin$' <("$M" initrd --list "$T/plain.cpio")
check "the root directory entry is listed as ." grep -q '^d [0-7]* *0 - \.$' <("$M" initrd --list "$T/plain.cpio")

for z in "gzip -n -9" "xz --check=crc32" "zstd -q -19"; do
	name=${z%% *}
	$z <"$T/plain.cpio" >"$T/main.$name"
	expect_rc "$name-compressed archive is read" 0 "$M" initrd "$T/main.$name"
	check "$name: one segment, $name, one archive" grep -q "^segment 1: offset 0, [0-9]* bytes, $name, 1 archive" "$T/out"
	cmp_files "$name" "$T/main.$name" "$T/plain.cpio"
done

# Early and main, as mkinitramfs with microcode: an uncompressed archive,
# then a compressed one.  A later entry of a name replaces the earlier one.
E=$T/early
mkdir -p "$E/kernel/x86/microcode"
head -c 5000 /dev/urandom >"$E/kernel/x86/microcode/GenuineIntel.bin"
mkcpio "$E" >"$T/early.cpio"
cat "$T/early.cpio" "$T/main.zstd" >"$T/two.img"
expect_rc "early uncompressed + zstd main is read" 0 "$M" initrd "$T/two.img"
check "two segments: uncompressed then zstd" sh -c "grep -q '^segment 1: offset 0, .*uncompressed, 1 archive' '$T/out' &&
	grep -q '^segment 2: offset $(stat -c %s "$T/early.cpio"), .*zstd, 1 archive' '$T/out'"
cmp_files "early + main" "$T/two.img" "$T/early.cpio" "$T/plain.cpio"

# A hand-edited image: root's own archive appended, whose init replaces the
# image's.  The reader reads it (the kernel does), and shows who wins.
H=$T/hand
mkdir -p "$H"
printf '#!/bin/sh\ninsmod /evil.ko\nexec /init.real\n' >"$H/init"
chmod 755 "$H/init"
mkcpio "$H" >"$T/hand.cpio"
cat "$T/two.img" "$T/hand.cpio" >"$T/edited.img"
expect_rc "an image with an archive appended after the compressed one is refused" 1 "$M" initrd "$T/edited.img"
check "the refusal names the offset and the reason" grep -q "edited.img: .*neither cpio nor gzip, xz or zstd\|edited.img: .*trailing data\|edited.img: .*after the first zstd frame" "$T/err"
cat "$T/early.cpio" "$T/hand.cpio" "$T/main.zstd" >"$T/edited2.img"
expect_rc "root's archive between early and main is read" 0 "$M" initrd --find init "$T/edited2.img"
check "--find init: two entries; the last, in segment 2 (zstd), is what the kernel leaves" \
	grep -q '^init: 2 entries, the last in segment 2, archive 3: f 0755 ' "$T/out"
cat "$T/early.cpio" "$T/main.zstd" >"$T/x.img"
cat "$T/hand.cpio" "$T/plain.cpio" >"$T/edited3.img"
expect_rc "root's archive before the main one" 0 "$M" initrd --find /init "$T/edited3.img"
check "--find: the main archive's init replaces root's" sh -c \
	"grep -q '^/init: 2 entries, the last in segment 1, archive 2: f 0755 *$(stat -c %s "$R/init") $(sha256sum <"$R/init" | cut -d' ' -f1) init\$' '$T/out'"
expect_rc "--find of an absent name: exit 1" 1 "$M" initrd --find no/such "$T/plain.cpio"
check "--find says it is not there" grep -q '^no/such: not in the image$' "$T/out"

# GNU cpio writes a hard-linked file's names with one inode number.
mkdir -p "$T/hl"
echo linked >"$T/hl/a"
ln "$T/hl/a" "$T/hl/b"
mkcpio "$T/hl" >"$T/hl.cpio"
expect_rc "hard links are refused" 1 "$M" initrd "$T/hl.cpio"
check "the refusal names both names" grep -q 'hl.cpio: segment 1 (uncompressed), offset [0-9]*: b: a hard link to a ' "$T/err"

# ---- Crafted archives ------------------------------------------------------------
# newc.py writes archives entry by entry (name, mode, body, and overrides of
# the header's fields), so that each case differs from a good one in one thing.
cat >"$T/newc.py" <<'EOF'
import sys

def entry(name, mode=0o100644, body=b"", nlink=1, ino=None, namesize=None, magic=b"070701", rawname=None):
    entry.ino += 1
    n = rawname if rawname is not None else name.encode() + b"\0"
    fields = [ino if ino is not None else entry.ino, mode, 0, 0, nlink, 0, len(body), 0, 0, 0, 0,
              namesize if namesize is not None else len(n), 0]
    h = magic + b"".join(b"%08X" % f for f in fields)
    out = h + n
    out += b"\0" * (-len(out) % 4)
    out += body + b"\0" * (-len(body) % 4)
    return out
entry.ino = 100

def trailer(**kw):
    return entry("TRAILER!!!", mode=0, **kw)

def good(*extra):
    return (entry(".", 0o40755) + entry("usr", 0o40755) + entry("usr/bin", 0o40755) +
            entry("init", 0o100755, b"#!/bin/sh\n") + b"".join(extra) + trailer())

case = sys.argv[1]
o = sys.stdout.buffer
if case == "good": o.write(good())
elif case == "crc": o.write(entry("init", magic=b"070702") + trailer())
elif case == "odc": o.write(b"070707" + b"0" * 200)
elif case == "nonhex": o.write(good()[:6 + 8 * 6] + b"0000001G" + good()[6 + 8 * 7:])
elif case == "dotdot": o.write(good(entry("usr/../init", 0o100755, b"evil")))
elif case == "nul-inside": o.write(good(entry("", rawname=b"init\0evil\0", body=b"x")))
elif case == "no-nul": o.write(good(entry("", rawname=b"initx", body=b"x")))
elif case == "type-zero": o.write(good(entry("init", 0o000644)))
elif case == "dir-body": o.write(good(entry("etc", 0o40755, b"abcd")))
elif case == "trailer-body": o.write(good()[:-len(trailer())] + trailer(body=b"x") + entry("init", 0o100755, b"evil") + trailer())
elif case == "trailer-link": o.write(good()[:-len(trailer())] + entry("TRAILER!!!", 0o120777, b"x") + trailer())
elif case == "truncated": o.write(good()[:-len(trailer()) - 6])
elif case == "no-trailer": o.write(good()[:-len(trailer())])
elif case == "body-short": g = good(); o.write(g[:g.index(b"#!/bin/sh")+4])
elif case == "bad-padding": o.write(good() + b"\0\0\0" + good())
elif case == "junk": o.write(good() + b"JUNK")
elif case == "via-link": o.write(good(entry("lib", 0o120777, b"usr"), entry("lib/init", 0o100755, b"evil")))
elif case == "link-to-root": o.write(good(entry("r", 0o120777, b"/"), entry("r/init", 0o100755, b"evil")))
elif case == "root-file": o.write(good(entry("/", 0o100644, b"x")))
elif case == "long-name": o.write(good(entry("a" * 5000)))
elif case == "long-target": o.write(good(entry("l", 0o120777, b"a" * 5000)))
elif case == "empty-target": o.write(good(entry("l", 0o120777, b"")))
elif case == "namesize-1": o.write(good(entry("", rawname=b"\0")))
elif case == "two": o.write(good() + good(entry("init", 0o100755, b"second")))
elif case == "lz4": o.write(b"\x02\x21\x4c\x18" + b"\0" * 64)
elif case == "hardlink-mode": o.write(
    (entry(".", 0o40755) + entry("init", 0o100755, b"#!/bin/sh\n", nlink=2, ino=9) + entry("x", 0o100644, b"evil", nlink=2, ino=9) + trailer()))
elif case == "hardlink-dev": o.write(good(entry("dev/a", 0o20644, nlink=2, ino=7), entry("dev/b", 0o20644, nlink=2, ino=7)))
else: sys.exit("unknown case " + case)
EOF
mk() { python3 "$T/newc.py" "$1" >"$T/c-$1.img"; }
mk good
expect_rc "crafted: the good archive is read" 0 "$M" initrd --list "$T/c-good.img"
check "crafted: the good archive's 4 entries" [ "$(grep -c '^[fdl] ' "$T/out")" = 4 ]
check "crafted: GNU cpio reads it too" sh -c "cpio --quiet -t <'$T/c-good.img' | grep -qx init"
mk two
expect_rc "crafted: two archives back to back" 0 "$M" initrd --find init "$T/c-two.img"
check "crafted: one segment of 2 archives; init's last entry is the second's" sh -c \
	"grep -q '^segment 1: .*uncompressed, 2 archives, 9 entries' '$T/out' && grep -q '^init: 3 entries, the last in segment 1, archive 2: f 0755 *6 ' '$T/out'"
refused() { # CASE PATTERN DESC
	mk "$1"
	expect_rc "crafted $1: $3" 1 "$M" initrd "$T/c-$1.img"
	check "crafted $1: the message says why" grep -Eq "c-$1.img: segment [0-9]+ \(.*\), offset [0-9]+.*: .*$2|c-$1.img: .*$2" "$T/err"
	check "crafted $1: nothing on standard output" [ ! -s "$T/out" ]
}
refused crc 'only "070701" \(newc\) is read' "the checksummed newc format (070702)"
refused odc 'only "070701"' "the old portable format (070707)"
refused nonhex 'field 7 is not 8 hex digits' "a header field with a non-hex digit"
refused dotdot 'a ".." component' "a name with .."
refused nul-inside 'not one NUL-terminated string' "a name with a NUL inside (the kernel reads \"init\")"
refused no-nul 'not one NUL-terminated string' "a name without its NUL"
refused type-zero 'file type 00, which the kernel does not create' "an entry of no type (it would remove init)"
refused dir-body 'a body of 4 bytes on an entry that is not a file' "a directory with a body (the kernel skips it)"
refused trailer-body 'TRAILER!!! entry with a body' "a TRAILER!!! with a body (the kernel reads on)"
refused trailer-link 'TRAILER!!! entry with a body or of type symbolic link' "a TRAILER!!! of type symbolic link"
refused truncated 'cut short|runs past the end' "an archive cut short"
refused no-trailer 'cut short' "an archive without TRAILER!!!"
refused body-short 'runs past the end' "a body that runs past the end"
refused bad-padding 'broken padding' "an archive not 4-aligned after the previous one"
refused junk 'neither cpio nor gzip, xz or zstd' "junk after the last archive"
refused via-link 'lib/init: reached through the symbolic link lib' "an entry through a symbolic link (to usr)"
refused link-to-root 'r/init: reached through the symbolic link r' "an entry through a symbolic link (to /)"
refused root-file 'names the root, and is not a directory' "a file named /"
refused long-name 'name length 5001' "a name over PATH_MAX"
refused long-target 'symbolic link target of 5000 bytes' "a symbolic link target over PATH_MAX"
refused empty-target 'target is empty' "a symbolic link with no target"
refused namesize-1 'name length 1' "an empty name"
refused lz4 'neither cpio nor gzip, xz or zstd' "lz4 (not read)"
refused hardlink-dev 'dev/b: a hard link to dev/a' "a hard-linked device node"
refused hardlink-mode 'x: a hard link to init' "a hard link with other permission bits (the kernel links by type, and writes init)"
# A compressed segment that is followed by anything, or is corrupt.
{ cat "$T/main.zstd"; printf 'x'; } >"$T/zx.img"
expect_rc "zstd followed by a byte is refused" 1 "$M" initrd "$T/zx.img"
head -c $(($(stat -c %s "$T/main.zstd") - 9)) "$T/main.zstd" >"$T/zcut.img"
expect_rc "zstd cut short is refused" 1 "$M" initrd "$T/zcut.img"
check "it says so" grep -q 'zstd stream is truncated\|zstd stream is corrupt' "$T/err"
printf 'not a cpio' | zstd -q >"$T/znot.img"
expect_rc "zstd of something that is not cpio is refused" 1 "$M" initrd "$T/znot.img"
check "it names the segment" grep -q 'segment 1 (zstd), offset 0 of its output: not a cpio archive' "$T/err"
: >"$T/empty.img"
expect_rc "an empty file is refused" 1 "$M" initrd "$T/empty.img"
check "it says there is no archive" grep -q 'no cpio archive in the image' "$T/err"

# ---- Usage --------------------------------------------------------------------
expect_rc "no image: usage error" 2 "$M" initrd
expect_rc "two images: usage error" 2 "$M" initrd "$T/plain.cpio" "$T/plain.cpio"
expect_rc "a missing image: I/O error" 2 "$M" initrd "$T/missing.img"
check "it names the file" grep -q 'missing.img' "$T/err"
expect_rc "--help" 0 "$M" initrd --help
check "--help names the command" grep -q '^Usage: modguard initrd' "$T/out"

echo "$NPASS passed, $NFAIL failed, $NSKIP skipped"
[ "$NFAIL" = 0 ]
