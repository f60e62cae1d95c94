#!/bin/bash
# The trusted program's verification, outside any guard: `admit -n` (a dry
# run: verify, report, admit nothing).  It runs with OpenSSL's legacy name
# tables left out, so every signature hash that the kernel accepts is
# checked here, against the SHA-256 that coreutils computes of the file.
# The program clears its own environment; the sanitizer options of the
# ASan build are read before that, so they are left in place.
# Usage: loader.sh MODGUARD MODGUARD-LOADER
. "$(dirname "$0")/lib.sh"
MODGUARD=$1
LOADER=$(readlink -f "${2:-}")
init
[ -x "$LOADER" ] || { echo "Bail out! trusted program not given (argument 2)"; exit 99; }
M=$MODGUARD

mkdir -p "$T/trust"
make_openssl_key rsa2048 "$T/rsa"
make_openssl_key p256 "$T/ec"
cp "$T/rsa.crt" "$T/ec.crt" "$T/trust/"
make_test_elf "$T/m.ko" mgloader 2000

# admit_dry DESCRIPTION FILE: exit 0, and the digest it reports is the file's.
admit_dry() {
	local d=$1 f=$2 want
	want=$(sha256sum "$f" | cut -d' ' -f1)
	run "$LOADER" admit -n -C "$T/trust" "$f"
	if [ "$RC" = 0 ] && grep -q "verified (dry run) sha256:$want " "$T/out"; then
		ok "$d"
	else
		not_ok "$d: exit $RC"
		sed 's/^/#   /' "$T/out" "$T/err" | head -5
	fi
}

for h in sha256 sha384 sha512 sha3-256 sha3-384 sha3-512; do
	"$M" sign -q -a "$h" -k "$T/rsa.key" -c "$T/rsa.crt" -o "$T/m-$h.ko" "$T/m.ko" ||
		not_ok "sign with $h"
	admit_dry "RSA, $h: verified, with the file's SHA-256" "$T/m-$h.ko"
	# A flipped byte in the signed part: refused, whatever the hash.
	cp "$T/m-$h.ko" "$T/bad-$h.ko"
	printf '\001' | dd of="$T/bad-$h.ko" bs=1 seek=100 conv=notrunc status=none
	expect_rc "RSA, $h, one byte flipped: refused" 1 "$LOADER" admit -n -C "$T/trust" "$T/bad-$h.ko"
	check "RSA, $h, one byte flipped: the reason is bad-signature" grep -q 'not admitted: bad-signature' "$T/out"
done
"$M" sign -q -k "$T/ec.key" -c "$T/ec.crt" -o "$T/m-ec.ko" "$T/m.ko" || not_ok "sign with the EC key"
admit_dry "ECDSA P-256, sha256: verified" "$T/m-ec.ko"
# Signed by a key that is not in the store.
make_openssl_key rsa2048 "$T/other"
"$M" sign -q -k "$T/other.key" -c "$T/other.crt" -o "$T/m-other.ko" "$T/m.ko" || not_ok "sign with another key"
expect_rc "signer not in the trust store: refused" 1 "$LOADER" admit -n -C "$T/trust" "$T/m-other.ko"
check "signer not in the trust store: the reason is unknown-signer" grep -q 'not admitted: unknown-signer' "$T/out"

# What exec leaves to the program, closed at its start (process_harden).
# Inherited descriptors: fd 7 on the store, named through /proc/self/fd/7,
# is gone by the time the program opens it.  The control: without the
# program's closing, the same path names the store for a shell.
exec 7<"$T/trust"
check "control: /proc/self/fd/7 names the store for the shell" test -d /proc/self/fd/7/.
expect_rc "an inherited fd (7, the store) is closed at start: -C /proc/self/fd/7 cannot be opened" 2 \
	"$LOADER" admit -n -C /proc/self/fd/7 "$T/m-ec.ko"
check "... and says so, naming the path" grep -q '/proc/self/fd/7: cannot open the trust store' "$T/err"
exec 7<&-
# stdout closed: the program opens /dev/null in its place, so nothing it
# opens becomes fd 1; it still verifies.
if "$LOADER" admit -n -C "$T/trust" "$T/m-ec.ko" >&- 2>"$T/err"; then
	ok "stdout closed: admit -n still verifies (exit 0)"
else
	not_ok "stdout closed: admit -n exits $?"
	sed 's/^/#   /' "$T/err"
fi
# Personality flags survive exec (setarch -R turns address randomisation off).
if command -v setarch >/dev/null && setarch "$(uname -m)" -R true 2>/dev/null; then
	expect_rc "personality ADDR_NO_RANDOMIZE (setarch -R): refused" 2 \
		setarch "$(uname -m)" -R "$LOADER" admit -n -C "$T/trust" "$T/m-ec.ko"
	check "... and says why" grep -q 'refusing to run with personality flags 0x40000' "$T/err"
else
	not_ok "setarch -R is not available or not permitted here"
fi

finish
