#!/bin/bash
# Signing with a key on a PKCS#11 token (SoftHSM2, token in a temp dir):
# RSA signatures must equal those made with the same key from a file, and
# sign-file's own output through the same token.
. "$(dirname "$0")/lib.sh"
init "$@"

if ! command -v softhsm2-util >/dev/null || [ ! -e /usr/lib/softhsm/libsofthsm2.so ]; then
	echo "1..0 # SKIP softhsm2 not installed"
	exit 77
fi
if ! openssl engine pkcs11 >/dev/null 2>&1; then
	echo "1..0 # SKIP OpenSSL pkcs11 engine not installed (libengine-pkcs11-openssl)"
	exit 77
fi

# Under ASan: ignore what libp11 leaks at exit (see lsan.supp); the full unwinder
# is needed to see through libcrypto's frames to ENGINE_remove.
export LSAN_OPTIONS="suppressions=$SRCDIR/tests/cli/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export SOFTHSM2_CONF=$T/softhsm2.conf
mkdir -p "$T/tokens"
cat >"$SOFTHSM2_CONF" <<EOF
directories.tokendir = $T/tokens
objectstore.backend = file
log.level = ERROR
EOF
# The pkcs11 engine reaches SoftHSM through p11-kit's proxy (softhsm2 registers
# itself there); SOFTHSM2_CONF keeps the token in this test's directory.

softhsm2-util --init-token --free --label mgtest --pin 1234 --so-pin 123456 >/dev/null || {
	echo "Bail out! cannot initialise a SoftHSM token"
	exit 99
}

import_key() { # TYPE LABEL ID
	make_openssl_key "$1" "$T/$2" "pkcs11 $2"
	openssl pkcs8 -topk8 -nocrypt -in "$T/$2.key" -out "$T/$2.p8"
	softhsm2-util --import "$T/$2.p8" --token mgtest --label "$2" --id "$3" --pin 1234 >/dev/null
}
import_key rsa2048 rsakey 01 || { echo "Bail out! cannot import the RSA key"; exit 99; }
import_key p256 eckey 02 || { echo "Bail out! cannot import the EC key"; exit 99; }

URI="pkcs11:token=mgtest;object=rsakey;type=private"
for i in 0 1 2 3; do make_test_elf "$T/m$i.ko" "mgp$i" $((i * 5000)); done

# The same key from the file, through modguard and through sign-file.
for h in sha256 sha512; do
	"$MODGUARD" sign -a $h -k "$T/rsakey.key" -c "$T/rsakey.crt" --quiet "$T/m0.ko" -o "$T/file.$h.ko"
	"$SIGN_FILE" $h "$T/rsakey.key" "$T/rsakey.crt" "$T/m0.ko" "$T/sf.$h.ko"
	check "$h: modguard with a key file = sign-file" same_file "$T/file.$h.ko" "$T/sf.$h.ko"

	expect_rc "$h: modguard sign with $URI;pin-value=..." 0 \
		"$MODGUARD" sign -a $h -k "$URI;pin-value=1234" -c "$T/rsakey.crt" --quiet "$T/m0.ko" -o "$T/tok.$h.ko"
	check "$h: token signature = key-file signature (RSA is deterministic)" same_file "$T/tok.$h.ko" "$T/file.$h.ko"

	# Debian 12's sign-file reaches tokens through the OpenSSL 3 pkcs11 provider, which
	# bookworm does not ship; compare with it when it can.
	if KBUILD_SIGN_PIN=1234 "$SIGN_FILE" $h "$URI" "$T/rsakey.crt" "$T/m0.ko" "$T/sftok.$h.ko" 2>/dev/null; then
		check "$h: modguard token signature = sign-file token signature" same_file "$T/tok.$h.ko" "$T/sftok.$h.ko"
	else
		skip "$h: sign-file cannot use pkcs11 URIs here (no OpenSSL pkcs11 provider)"
	fi
done

# The PIN from the environment, as sign-file takes it.
KBUILD_SIGN_PIN=1234 expect_rc "PIN from KBUILD_SIGN_PIN" 0 \
	"$MODGUARD" sign -k "$URI" -c "$T/rsakey.crt" --quiet "$T/m0.ko" -o "$T/env.ko"
check "PIN from KBUILD_SIGN_PIN: same signature" same_file "$T/env.ko" "$T/file.sha256.ko"

# --keyid through the token.
"$SIGN_FILE" -k sha256 "$T/rsakey.key" "$T/rsakey.crt" "$T/m1.ko" "$T/sf.kid.ko"
expect_rc "--keyid with a token key" 0 \
	"$MODGUARD" sign --keyid -k "$URI;pin-value=1234" -c "$T/rsakey.crt" --quiet "$T/m1.ko" -o "$T/tok.kid.ko"
check "--keyid token signature = sign-file -k" same_file "$T/tok.kid.ko" "$T/sf.kid.ko"

# Several modules in parallel on one token session.
mkdir -p "$T/tree"
for i in 0 1 2 3; do
	cp "$T/m$i.ko" "$T/tree/m$i.ko"
	"$SIGN_FILE" sha256 "$T/rsakey.key" "$T/rsakey.crt" "$T/m$i.ko" "$T/ref$i.ko"
done
expect_rc "sign --tree -j 2 with a token key" 0 \
	"$MODGUARD" sign -j 2 -k "$URI;pin-value=1234" -c "$T/rsakey.crt" --quiet --tree "$T/tree"
bad=0
for i in 0 1 2 3; do same_file "$T/tree/m$i.ko" "$T/ref$i.ko" || bad=$((bad + 1)); done
check "sign --tree with a token key: all 4 equal sign-file" [ $bad = 0 ]

# ECDSA on the token: verifies with modguard and with openssl cms.
expect_rc "ECDSA P-256 token key signs" 0 \
	"$MODGUARD" sign -a sha384 -k "pkcs11:token=mgtest;object=eckey;type=private;pin-value=1234" \
	-c "$T/eckey.crt" --quiet "$T/m2.ko" -o "$T/ec.ko"
expect_rc "modguard verify accepts the token ECDSA signature" 0 "$MODGUARD" verify -C "$T/eckey.crt" "$T/ec.ko"
extract_sig "$T/ec.ko" "$T/ec.p7"
check "openssl cms accepts the token ECDSA signature" \
	openssl cms -verify -binary -inform DER -in "$T/ec.p7" -content "$T/m2.ko" \
	-certfile "$T/eckey.crt" -noverify -nointern -out /dev/null 2>/dev/null

# Failures: exit 2, message names the problem, the module is unchanged.
cp "$T/m3.ko" "$T/keep.ko"
expect_rc "wrong PIN fails" 2 "$MODGUARD" sign -k "$URI;pin-value=9999" -c "$T/rsakey.crt" --quiet "$T/keep.ko"
check "wrong PIN: module unchanged" same_file "$T/keep.ko" "$T/m3.ko"
check "wrong PIN: error on stderr" grep -q '^modguard sign: ' "$T/err"
expect_rc "missing token object fails" 2 \
	"$MODGUARD" sign -k "pkcs11:token=mgtest;object=nosuchkey;type=private;pin-value=1234" \
	-c "$T/rsakey.crt" --quiet "$T/keep.ko"
check "missing object: module unchanged" same_file "$T/keep.ko" "$T/m3.ko"
expect_rc "token key not matching the certificate fails" 2 \
	"$MODGUARD" sign -k "pkcs11:token=mgtest;object=eckey;type=private;pin-value=1234" \
	-c "$T/rsakey.crt" --quiet "$T/keep.ko"
check "mismatch: module unchanged, no temp files" \
	[ "$(ls -A "$T" | grep -c keep)" = 1 -a "$(sha256_of "$T/keep.ko")" = "$(sha256_of "$T/m3.ko")" ]

finish
