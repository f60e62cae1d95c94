#!/bin/sh
# Compressed modules through the trusted program: modguard load decompresses
# .ko.xz and .ko.zst in memory, verifies the signature on the ELF inside and
# passes those decompressed bytes to init_module.
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d /tmp/m
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt

# Shell-only compressors (busybox has no xz or zstd encoder): containers with
# stored (uncompressed) data, enough to give modguard sign a compressed input
# that it then re-signs and recompresses properly.

# le N BYTES: N as BYTES little-endian bytes.
le() {
	_n=$1 _i=0
	while [ $_i -lt $2 ]; do
		printf "\\$(printf %03o $((_n & 255)))"
		_n=$((_n >> 8)) _i=$((_i + 1))
	done
}
# vli N: xz variable-length integer.
vli() {
	_n=$1
	while [ $_n -ge 128 ]; do
		printf "\\$(printf %03o $(((_n & 127) | 128)))"
		_n=$((_n >> 7))
	done
	printf "\\$(printf %03o $_n)"
}
# crc32 FILE: the 4 CRC32 bytes (little-endian) from gzip's trailer.
crc32() {
	gzip -c <"$1" | tail -c 8 | head -c 4
}
# mk_zst IN OUT: zstd frame of raw blocks, single segment, no checksum.
mk_zst() {
	_size=$(stat -c %s "$1") _off=0 _blk=131072
	{
		printf '\050\265\057\375\240'
		le "$_size" 4
		while :; do
			_len=$((_size - _off))
			[ $_len -gt $_blk ] && _len=$_blk
			_last=0
			[ $((_off + _len)) -ge "$_size" ] && _last=1
			le $(((_len << 3) | _last)) 3
			dd if="$1" bs=$_blk skip=$((_off / _blk)) count=1 2>/dev/null
			_off=$((_off + _len))
			[ $_last = 1 ] && break
		done
	} >"$2"
}
# mk_xz IN OUT: xz stream, one block of stored LZMA2 chunks, CRC32 check.
mk_xz() {
	_size=$(stat -c %s "$1") _t=${2}.tmp
	mkdir -p "$_t"
	printf '\000\001' >"$_t/flags"
	printf '\002\000\041\001\000\000\000\000' >"$_t/bh"
	_off=0 _chunk=65536 _ctl='\001' _data=0
	{
		while [ $_off -lt "$_size" ]; do
			_len=$((_size - _off))
			[ $_len -gt $_chunk ] && _len=$_chunk
			printf "$_ctl"
			printf "\\$(printf %03o $(((_len - 1) >> 8)))\\$(printf %03o $(((_len - 1) & 255)))"
			dd if="$1" bs=$_chunk skip=$((_off / _chunk)) count=1 2>/dev/null
			_off=$((_off + _len)) _ctl='\002' _data=$((_data + 3 + _len))
		done
		printf '\000'
	} >"$_t/data"
	_data=$((_data + 1))
	_unpadded=$((12 + _data + 4))
	{ printf '\000\001'; vli $_unpadded; vli "$_size"; } >"$_t/idx"
	_il=$(stat -c %s "$_t/idx")
	while [ $((_il % 4)) != 0 ]; do printf '\000' >>"$_t/idx"; _il=$((_il + 1)); done
	{ le $(((_il + 4) / 4 - 1)) 4; printf '\000\001'; } >"$_t/foot"
	{
		printf '\375\067\172\130\132\000'; cat "$_t/flags"; crc32 "$_t/flags"
		cat "$_t/bh"; crc32 "$_t/bh"
		cat "$_t/data"
		_p=$(((12 + _data) % 4))
		[ $_p != 0 ] && head -c $((4 - _p)) /dev/zero
		crc32 "$1"
		cat "$_t/idx"; crc32 "$_t/idx"
		crc32 "$_t/foot"; cat "$_t/foot"; printf 'YZ'
	} >"$2"
	rm -rf "$_t"
}

# Unsigned stored containers, then modguard sign signs inside and recompresses.
mk_xz "$MG_MODULES/params.ko" /tmp/m/params.ko.xz
mk_zst "$MG_MODULES/hello.ko" /tmp/m/hello.ko.zst
mk_xz "$MG_MODULES/evil.ko" /tmp/m/evil.ko.xz
mk_zst "$MG_MODULES/evil.ko" /tmp/m/evil.ko.zst
expect_ok modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" /tmp/m/params.ko.xz /tmp/m/hello.ko.zst
expect_ok modguard sign -q -k "$MG_KEYS/untrusted.key" -c "$MG_KEYS/untrusted.crt" /tmp/m/evil.ko.zst
# Really compressed now, by magic.
[ "$(head -c 6 /tmp/m/params.ko.xz | od -An -tx1 | tr -d ' ')" = fd377a585a00 ] && ok "params.ko.xz is xz" || not_ok "params.ko.xz is xz"
[ "$(head -c 4 /tmp/m/hello.ko.zst | od -An -tx1 | tr -d ' ')" = 28b52ffd ] && ok "hello.ko.zst is zstd" || not_ok "hello.ko.zst is zstd"

# Started from a child PID namespace: the guard starts as usual, and says it
# does not sweep for writable shared mappings (the iterator's pids are the
# initial namespace's, which the trusted program could not signal there).
unshare -p -f modguard guard start >/tmp/start.out 2>&1
rc=$?
if [ $rc = 0 ] && grep -q 'self-protection locked' /tmp/start.out &&
	grep -q 'WARNING: not in the initial PID namespace: writable shared mappings of protected files are not looked for' /tmp/start.out; then
	ok "guard start from a child PID namespace: started, no sweep, says so"
else
	not_ok "guard start from a child PID namespace (exit $rc)"
	sed 's/^/#   /' /tmp/start.out
fi

dmesg_mark
expect_ok modguard load /tmp/m/params.ko.xz word=xz number=5
expect_dmesg 'params word=xz number=5' "params.ko.xz loaded through modguard load"
expect_ok modguard load /tmp/m/hello.ko.zst
expect_dmesg 'modguard-test: hello loaded' "hello.ko.zst loaded through modguard load"

# Unsigned inside the container, and signed by an untrusted key: refused.
if modguard load /tmp/m/evil.ko.xz >/tmp/out 2>&1; then not_ok "modguard load refuses unsigned evil.ko.xz"; else ok "modguard load refuses unsigned evil.ko.xz"; fi
if modguard load /tmp/m/evil.ko.zst >/tmp/out 2>&1; then not_ok "modguard load refuses untrusted evil.ko.zst"; else ok "modguard load refuses untrusted evil.ko.zst"; fi
expect_fail EPERM insmod /tmp/m/evil.ko.xz
if dmesg_since | grep -q MODGUARD-EVIL-LOADED || module_loaded evil; then not_ok "evil's marker never appeared"; else ok "evil's marker never appeared"; fi

done_testing
