#!/bin/bash
# The CLI contract: keygen, sign (in place, -o, --detached, re-sign, -j),
# verify (text, --json, directories of certificates), info, strip, --help and
# exit codes.  Certificates are inspected with openssl, signatures compared
# with sign-file.
. "$(dirname "$0")/lib.sh"
init "$@"
M=$MODGUARD

# ---- --help and dispatch ------------------------------------------------------
for c in keygen sign verify info strip keys guard admit load modprobe setup status trust-add initrd; do
	expect_rc "$c --help" 0 "$M" "$c" --help
	check "$c --help prints a usage line naming the command" grep -q "^Usage: modguard $c" "$T/out"
done
expect_rc "modguard --help" 0 "$M" --help
expect_rc "unknown subcommand" 2 "$M" frobnicate
expect_rc "no subcommand" 2 "$M"
expect_rc "trust-add without a certificate" 2 "$M" trust-add

# ---- keygen -------------------------------------------------------------------
declare -A BITS=([rsa4096]="Private-Key: (4096 bit" [rsa3072]="Private-Key: (3072 bit"
	[rsa2048]="Private-Key: (2048 bit" [ecdsa-p384]="ASN1 OID: secp384r1" [ecdsa-p256]="ASN1 OID: prime256v1")
for type in rsa4096 rsa3072 rsa2048 ecdsa-p384 ecdsa-p256; do
	P=$T/kg-$type
	expect_rc "keygen --type $type" 0 "$M" keygen -o "$P" --type "$type" --cn "kg $type" --days 10
	check "$type: key is mode 0600" [ "$(stat -c %a "$P.key")" = 600 ]
	check "$type: key is PEM" grep -q -- '-----BEGIN .*PRIVATE KEY-----' "$P.key"
	check "$type: key type and size" grep -qF "${BITS[$type]}" <(openssl pkey -in "$P.key" -noout -text 2>/dev/null)
	openssl x509 -in "$P.crt" -noout -text >"$T/x509" 2>/dev/null
	check "$type: certificate is PEM X.509" [ -s "$T/x509" ]
	check "$type: subject CN" grep -q "Subject: .*CN *= *kg $type\$" "$T/x509"
	check "$type: self-issued" grep -q "Issuer: .*CN *= *kg $type\$" "$T/x509"
	check "$type: CA:FALSE" grep -q "CA:FALSE" "$T/x509"
	check "$type: keyUsage digitalSignature" grep -A1 "Key Usage" "$T/x509" | grep -q "Digital Signature"
	check "$type: subject key identifier" grep -q "Subject Key Identifier" "$T/x509"
	nb=$(date -d "$(openssl x509 -in "$P.crt" -noout -startdate | cut -d= -f2)" +%s)
	na=$(date -d "$(openssl x509 -in "$P.crt" -noout -enddate | cut -d= -f2)" +%s)
	check "$type: --days 10 is 10 days (+-1)" [ $(((na - nb) / 86400)) -ge 9 -a $(((na - nb) / 86400)) -le 11 ]
	check "$type: certificate matches the key" \
		[ "$(openssl pkey -in "$P.key" -pubout 2>/dev/null)" = "$(openssl x509 -in "$P.crt" -noout -pubkey)" ]
done
P=$T/kg-rsa2048
sum=$(cat "$P.key" "$P.crt" | sha256sum)
expect_rc "keygen refuses to overwrite" 2 "$M" keygen -o "$P" --type rsa2048
check "keygen refused: both files unchanged" [ "$(cat "$P.key" "$P.crt" | sha256sum)" = "$sum" ]
echo precious >"$T/victim"
ln -s "$T/victim" "$T/kg-link.key"
expect_rc "keygen does not follow a symlink at PREFIX.key" 2 "$M" keygen -o "$T/kg-link" --type ecdsa-p256
check "keygen symlink: target untouched" [ "$(cat "$T/victim")" = precious ]
check "keygen symlink: no certificate left behind" [ ! -e "$T/kg-link.crt" ]
touch "$T/kg-half.crt"
expect_rc "keygen refuses when only PREFIX.crt exists" 2 "$M" keygen -o "$T/kg-half" --type ecdsa-p256
check "keygen refused: no key left behind" [ ! -e "$T/kg-half.key" -a ! -s "$T/kg-half.crt" ]
expect_rc "keygen with an unknown type" 2 "$M" keygen -o "$T/kg-bad" --type rsa1024
expect_rc "keygen without -o" 2 "$M" keygen --type rsa2048
expect_rc "keygen --days 0" 2 "$M" keygen -o "$T/kg-zero" --days 0
check "keygen failures leave no files" [ -z "$(ls "$T" | grep -e kg-bad -e kg-zero)" ]

# keygen's key works with sign-file, and modguard signs identically with it.
K=$T/kg-rsa2048.key C=$T/kg-rsa2048.crt
make_test_elf "$T/m.ko" mgbasic 3000
"$SIGN_FILE" sha256 "$K" "$C" "$T/m.ko" "$T/m.sf.ko"
expect_rc "sign -o" 0 "$M" sign -k "$K" -c "$C" "$T/m.ko" -o "$T/m.mg.ko"
check "keygen key: modguard = sign-file" same_file "$T/m.sf.ko" "$T/m.mg.ko"

# ---- sign in place, mode kept, re-sign replaces -------------------------------
cp "$T/m.ko" "$T/inplace.ko"
chmod 640 "$T/inplace.ko"
expect_rc "sign in place" 0 "$M" sign -k "$K" -c "$C" --quiet "$T/inplace.ko"
check "in place: equals sign-file" same_file "$T/inplace.ko" "$T/m.sf.ko"
check "in place: mode 0640 kept" [ "$(stat -c %a "$T/inplace.ko")" = 640 ]
check "in place: --quiet prints nothing" [ ! -s "$T/out" ]
if [ "$(id -u)" = 0 ]; then
	cp "$T/m.ko" "$T/owned.ko"
	chown nobody:nogroup "$T/owned.ko"
	chmod 604 "$T/owned.ko"
	"$M" sign -q -k "$K" -c "$C" "$T/owned.ko"
	check "in place: owner, group and mode kept" [ "$(stat -c '%U:%G %a' "$T/owned.ko")" = "nobody:nogroup 604" ]
	check "in place on another user's file: equals sign-file" same_file "$T/owned.ko" "$T/m.sf.ko"
	rm -f "$T/owned.ko"
else
	skip "owner kept (needs root)"
fi
K2=$T/kg-rsa3072.key C2=$T/kg-rsa3072.crt
"$SIGN_FILE" sha384 "$K2" "$C2" "$T/m.ko" "$T/m.sf2.ko"
expect_rc "re-sign with another key and hash" 0 "$M" sign -a sha384 -k "$K2" -c "$C2" --quiet "$T/inplace.ko"
check "re-sign: old signature replaced, equals sign-file of the body" same_file "$T/inplace.ko" "$T/m.sf2.ko"
expect_rc "re-signed: old key no longer verifies" 1 "$M" verify -C "$C" "$T/inplace.ko"
check "re-signed: reason is unknown-signer" grep -q ": FAIL unknown-signer: " "$T/out"
expect_rc "re-signed: new key verifies" 0 "$M" verify -C "$C2" "$T/inplace.ko"
serial2=$(openssl x509 -in "$C2" -noout -serial | cut -d= -f2)
check "verify line: FILE: OK signer=CN key=SERIAL hash=sha384 (hex case-insensitive)" \
	[ "$(tr A-F a-f <"$T/out")" = "$(echo "$T/inplace.ko: OK signer=kg rsa3072 key=$serial2 hash=sha384" | tr A-F a-f)" ]
cp "$T/m.ko" "$T/ro.ko"
"$M" sign -k "$K" -c "$C" --quiet "$T/m.ko" -o "$T/m.copy.ko"
check "sign -o leaves the input unchanged" cmp -s "$T/m.ko" "$T/ro.ko"

# ---- --detached equals sign-file -d ---------------------------------------------
cp "$T/m.ko" "$T/det.ko"
cp "$T/m.ko" "$T/det-sf.ko"
"$SIGN_FILE" -d sha256 "$K" "$C" "$T/det-sf.ko"
expect_rc "sign --detached" 0 "$M" sign --detached -k "$K" -c "$C" --quiet "$T/det.ko"
check "--detached: FILE.p7s equals sign-file -d" same_file "$T/det.ko.p7s" "$T/det-sf.ko.p7s"
check "--detached: module unchanged" same_file "$T/det.ko" "$T/m.ko"
extract_sig "$T/m.sf.ko" "$T/m.sf.p7"
check "--detached: .p7s is the appended blob" same_file "$T/det.ko.p7s" "$T/m.sf.p7"

# ---- many files, -j ------------------------------------------------------------
mkdir -p "$T/many"
for i in $(seq 1 12); do
	make_test_elf "$T/many/m$i.ko" "mgmany$i" $((i * 700))
	"$SIGN_FILE" sha512 "$K" "$C" "$T/many/m$i.ko" "$T/many/m$i.ref"
done
expect_rc "sign 12 files -j 2" 0 "$M" sign -a sha512 -j 2 -k "$K" -c "$C" --quiet "$T"/many/*.ko
bad=0
for i in $(seq 1 12); do same_file "$T/many/m$i.ko" "$T/many/m$i.ref" || bad=$((bad + 1)); done
check "-j 2: every file equals sign-file" [ $bad = 0 ]
expect_rc "sign -o with two files is a usage error" 2 "$M" sign -k "$K" -c "$C" -o "$T/x.ko" "$T/many/m1.ko" "$T/many/m2.ko"
expect_rc "sign without -c" 2 "$M" sign -k "$K" "$T/many/m1.ko"
expect_rc "sign without files" 2 "$M" sign -k "$K" -c "$C"

# ---- --tree: symlinks are not followed, FIFOs do not block ---------------------------
mkdir -p "$T/symtree"
cp "$T/m.ko" "$T/outside.ko"
ln -s "$T/outside.ko" "$T/symtree/link.ko"
mkfifo "$T/symtree/fifo.ko"
cp "$T/m.ko" "$T/symtree/real.ko"
expect_rc "sign --tree with a symlink and a FIFO in it (no hang)" 0 \
	timeout 60 "$M" sign -q -k "$K" -c "$C" --tree "$T/symtree"
check "--tree: symlinked module outside the tree untouched" same_file "$T/outside.ko" "$T/m.ko"
check "--tree: the real module is signed" same_file "$T/symtree/real.ko" "$T/m.sf.ko"
check "--tree: symlink and FIFO still what they were" [ -L "$T/symtree/link.ko" -a -p "$T/symtree/fifo.ko" ]
rm -rf "$T/symtree" "$T/outside.ko"

# ---- one output line per file, whatever the file is called ----------------------------
mkdir -p "$T/nltree"
cp "$T/m.ko" "$T/nltree/"$'x\nforged.ko: OK signer=kg rsa2048 key=00 hash=sha256 y.ko'
expect_rc "verify --tree with a newline in a file name" 1 "$M" verify -C "$C" --tree "$T/nltree"
check "newline in a file name: one line, no forged OK line" \
	[ "$(wc -l <"$T/out")" = 1 -a "$(grep -c '^forged' "$T/out")" = 0 ]
rm -rf "$T/nltree"

# ---- verify: directories, JSON, quiet ---------------------------------------------
mkdir -p "$T/certs"
cp "$C" "$T/certs/a.crt"
openssl x509 -in "$C2" -outform DER -out "$T/certs/b.der"
cp "$T/inplace.ko" "$T/by-k2.ko"
expect_rc "verify with a certificate directory (PEM and DER)" 0 "$M" verify -C "$T/certs" "$T/many/m1.ko" "$T/by-k2.ko"
check "directory: two OK lines" [ "$(grep -c ': OK ' "$T/out")" = 2 ]
cat "$C" "$C2" >"$T/bundle.pem"
expect_rc "verify with a PEM bundle" 0 "$M" verify -C "$T/bundle.pem" "$T/many/m1.ko" "$T/by-k2.ko"
expect_rc "verify with two -C" 0 "$M" verify -C "$C" -C "$C2" "$T/many/m1.ko" "$T/by-k2.ko"
expect_rc "verify --json" 0 "$M" verify --json -C "$T/certs" "$T/many/m1.ko" "$T/by-k2.ko"
python3 - "$T/out" "$T/many/m1.ko" "$(sha256_of "$T/many/m1.ko")" "$(openssl x509 -in "$C" -noout -serial | cut -d= -f2)" \
	"$(openssl x509 -in "$C" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :')" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
o = json.loads(lines[0])
want = {"file": sys.argv[2], "ok": True, "signer": "kg rsa2048", "hash": "sha512"}
for k, v in want.items():
    assert o[k] == v, (k, o)
assert o["sha256"].lower() == sys.argv[3], o
assert o["key"].upper().lstrip("0") == sys.argv[4].upper().lstrip("0"), o
assert o["skid"].upper() == sys.argv[5].upper(), o
assert isinstance(o["compression"], str), o
assert json.loads(lines[1])["signer"] == "kg rsa3072"
EOF
check "--json: file, ok, signer, hash, sha256, key, skid, compression" [ $? = 0 ]
expect_rc "verify --quiet of valid files" 0 "$M" verify -q -C "$T/certs" "$T/many/m1.ko"
check "verify --quiet prints nothing for valid files" [ ! -s "$T/out" ]
expect_rc "verify of an unsigned module" 1 "$M" verify -C "$C" "$T/m.ko"
check "unsigned: FAIL unsigned line" grep -q "^$T/m.ko: FAIL unsigned: ." "$T/out"
expect_rc "verify without files" 2 "$M" verify -C "$C"

# ---- info -------------------------------------------------------------------------
expect_rc "info on a signed module" 0 "$M" info "$T/m.sf.ko"
modinfo_sig "$T/m.sf.ko" >"$T/mi.ref"
check "info = modinfo's signature fields" diff -u "$T/mi.ref" "$T/out"
expect_rc "info on an unsigned module" 1 "$M" info "$T/m.ko"

# ---- strip ------------------------------------------------------------------------
cp "$T/m.sf.ko" "$T/s1.ko"
cp "$T/m.sf2.ko" "$T/s2.ko"
chmod 600 "$T/s2.ko"
expect_rc "strip two files" 0 "$M" strip "$T/s1.ko" "$T/s2.ko"
check "strip: first equals the unsigned object" same_file "$T/s1.ko" "$T/m.ko"
check "strip: second equals the unsigned object" same_file "$T/s2.ko" "$T/m.ko"
check "strip: mode kept" [ "$(stat -c %a "$T/s2.ko")" = 600 ]
expect_rc "strip of an unsigned module succeeds" 0 "$M" strip "$T/s1.ko"
check "strip of an unsigned module: unchanged" same_file "$T/s1.ko" "$T/m.ko"
for ext in gz xz zst; do
	case $ext in gz) c="gzip -n" d="gzip -dc" ;; xz) c="xz --check=crc32" d="xz -dc" ;; zst) c="zstd -q" d="zstd -qdc" ;; esac
	$c <"$T/m.sf.ko" >"$T/s.ko.$ext"
	expect_rc "strip a signed .ko.$ext" 0 "$M" strip "$T/s.ko.$ext"
	$d <"$T/s.ko.$ext" >"$T/s.inner" 2>/dev/null
	check "strip .ko.$ext: still $ext, inner module unsigned" same_file "$T/s.inner" "$T/m.ko"
done
check "no temporary files left in the work directory" [ -z "$(ls -A "$T" | grep -v -e '\.ko' -e '\.c$' -e '\.p7' -e '^kg-' -e '^many$' -e '^certs$' -e '^bundle.pem$' -e '^victim$' -e '^out$' -e '^err$' -e '^x509$' -e '^mi.ref$' -e '^s.inner$' -e '\.ref$')" ]
ls -A "$T" | grep -v -e '\.ko' -e '\.c$' -e '\.p7' -e '^kg-' -e '^many$' -e '^certs$' -e '^bundle.pem$' -e '^victim$' -e '^out$' -e '^err$' -e '^x509$' -e '^mi.ref$' -e '^s.inner$' | sed 's/^/# left: /'

finish
