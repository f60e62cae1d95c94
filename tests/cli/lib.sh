# Shared helpers for the CLI and compatibility tests (sourced by bash).
#
# Usage in a test:  . "$(dirname "$0")/lib.sh"; init "$@"
#   $1 is the modguard binary (meson passes the built target).
# Output is TAP, closed by "N passed, N failed[, N skipped]".

set -u
set -o pipefail

MODGUARD=${1:-${MODGUARD:-}}
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SIGN_FILE=${SIGN_FILE:-/usr/lib/linux-kbuild-6.1/scripts/sign-file}
NPASS=0
NFAIL=0
NSKIP=0
NTEST=0

init() {
	if [ -z "$MODGUARD" ] || [ ! -x "$MODGUARD" ]; then
		echo "Bail out! modguard binary not given (argument 1 or \$MODGUARD)"
		exit 99
	fi
	MODGUARD=$(readlink -f "$MODGUARD")
	T=$(mktemp -d "${TMPDIR:-/tmp}/mg-cli-XXXXXX")
	trap 'cleanup' EXIT
	trap 'exit 130' INT TERM
}

cleanup() {
	# Directories made unreadable by tests must be removable.
	chmod -R u+rwx "$T" 2>/dev/null
	for m in "$T"/mnt*; do
		[ -d "$m" ] && mountpoint -q "$m" && umount "$m" 2>/dev/null
	done
	rm -rf "$T"
}

ok() {
	NTEST=$((NTEST + 1))
	NPASS=$((NPASS + 1))
	echo "ok $NTEST - $*"
}

not_ok() {
	NTEST=$((NTEST + 1))
	NFAIL=$((NFAIL + 1))
	echo "not ok $NTEST - $*"
}

skip() {
	NTEST=$((NTEST + 1))
	NSKIP=$((NSKIP + 1))
	echo "ok $NTEST - # SKIP $*"
}

diag() { echo "# $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# Run the command, capture stdout/stderr/exit code into $T/out, $T/err, $RC.
run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# expect_rc DESCRIPTION WANT_RC COMMAND...
expect_rc() {
	local d=$1 want=$2
	shift 2
	run "$@"
	if [ "$RC" = "$want" ]; then
		ok "$d (exit $RC)"
	else
		not_ok "$d: exit $RC, want $want"
		sed 's/^/#   stdout: /' "$T/out" | head -5
		sed 's/^/#   stderr: /' "$T/err" | head -5
	fi
}

same_file() { cmp -s "$1" "$2"; }

finish() {
	echo "1..$NTEST"
	echo "$NPASS passed, $NFAIL failed, $NSKIP skipped"
	[ "$NFAIL" = 0 ]
	exit $?
}

# A tiny ELF relocatable with a .modinfo section, so modinfo can read it.
make_test_elf() {
	local out=$1 name=${2:-mgtest} pad=${3:-0}
	cat >"$T/$name.c" <<EOF
__attribute__((section(".modinfo"), used)) static const char l[] = "license=GPL";
__attribute__((section(".modinfo"), used)) static const char n[] = "name=$name";
__attribute__((used)) static const char filler[$pad + 1] = { 1 };
int $name(int x) { return x * 7 + 3; }
EOF
	gcc -c -O2 -o "$out" "$T/$name.c"
}

# Key and certificate with openssl (independent of modguard keygen): TYPE is rsa2048|rsa4096|p256|p384.
make_openssl_key() {
	local type=$1 prefix=$2 cn=${3:-modguard test $1}
	local args
	case $type in
	rsa*) args=(-newkey "rsa:${type#rsa}") ;;
	p256) args=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1) ;;
	p384) args=(-newkey ec -pkeyopt ec_paramgen_curve:secp384r1) ;;
	esac
	openssl req -new -x509 -nodes -utf8 -sha256 -days 30 "${args[@]}" \
		-subj "/CN=$cn" -keyout "$prefix.key" -out "$prefix.crt" \
		-addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=digitalSignature" \
		-addext "subjectKeyIdentifier=hash" 2>/dev/null
}

# Body length of a signed module from first principles: strip marker (28) and
# struct module_signature (12, sig_len big-endian at offset 8) and the blob.
body_len_of() {
	local f=$1 size siglen
	size=$(stat -c %s "$f")
	siglen=$(tail -c 32 "$f" | head -c 4 | od -An -tu1 | awk '{print ($1*16777216)+($2*65536)+($3*256)+$4}')
	echo $((size - 40 - siglen))
}

# The PKCS#7 blob of a signed module, as DER.
extract_sig() {
	local f=$1 out=$2 size siglen
	size=$(stat -c %s "$f")
	siglen=$(tail -c 32 "$f" | head -c 4 | od -An -tu1 | awk '{print ($1*16777216)+($2*65536)+($3*256)+$4}')
	tail -c $((siglen + 40)) "$f" | head -c "$siglen" >"$out"
}

extract_body() {
	head -c "$(body_len_of "$1")" "$1" >"$2"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Only the signature fields of modinfo-style output (and their continuation lines).
sig_fields() {
	awk '/^[^\t]/ { keep = $1 ~ /^(sig_id|signer|sig_key|sig_hashalgo|signature):$/ } keep'
}

# The modinfo signature fields of a file (kmod wants a path with a slash and .ko).
modinfo_sig() {
	local f=$1 tmp="$T/modinfo-$$.ko"
	cp "$f" "$tmp"
	modinfo "$tmp" | sig_fields
	rm -f "$tmp"
}
