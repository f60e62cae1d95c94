#!/bin/bash
# Compatibility with the reference tools: scripts/sign-file, modinfo (kmod),
# openssl cms, xz/zstd/gzip.  Every expectation comes from those tools.
#
# Usage: compat.sh MODGUARD local          test-built ELF objects (fast, runs under ASan)
#        compat.sh MODGUARD debian [N]     N (default 20) real Debian 6.1 modules
. "$(dirname "$0")/lib.sh"
init "$@"
MODE=${2:-local}
NMOD=${3:-20}

HASHES="sha256 sha384 sha512 sha3-256 sha3-384 sha3-512"

if [ ! -x "$SIGN_FILE" ]; then
	echo "1..0 # SKIP sign-file not installed ($SIGN_FILE)"
	exit 77
fi

mkdir -p "$T/corpus" "$T/keys" "$T/o"

# ---- corpus: unsigned bodies ------------------------------------------------
if [ "$MODE" = debian ]; then
	if ! env=$("$SRCDIR/tests/kernel/fetch" 2>"$T/fetch.err"); then
		echo "1..0 # SKIP kernel module tree not available: $(tail -1 "$T/fetch.err")"
		exit 77
	fi
	eval "$env"
	# Evenly spaced over the size distribution: the smallest, the largest and between.
	find "$MG_MODDIR" -name '*.ko' -printf '%s %p\n' | sort -n >"$T/all"
	total=$(wc -l <"$T/all")
	for i in $(seq 0 $((NMOD - 1))); do
		sed -n "$((1 + i * (total - 1) / (NMOD - 1)))p" "$T/all"
	done | awk '{print $2}' | sort -u >"$T/picked"
	diag "corpus: $(wc -l <"$T/picked") of $total Debian modules from $MG_KVER"
	while read -r m; do
		b=$(basename "$m" .ko)
		cp "$m" "$T/corpus/$b.signed.ko"
	done <"$T/picked"
	KEYTYPES="rsa4096 p256 p384"
else
	for i in 0 1 2 3 4; do
		make_test_elf "$T/corpus/mgt$i.o" "mgt$i" $((i * i * 3000)) || {
			echo "Bail out! gcc cannot build a test object"
			exit 99
		}
	done
	KEYTYPES="rsa2048 rsa4096 p256 p384"
fi

for k in $KEYTYPES; do
	make_openssl_key "$k" "$T/keys/$k" "modguard compat $k" || {
		echo "Bail out! openssl cannot make a $k key"
		exit 99
	}
done

# ---- strip: modguard strip equals the body computed from the trailer --------
nstrip=0
nstrip_bad=0
for s in "$T"/corpus/*.signed.ko; do
	[ -e "$s" ] || continue
	b=${s%.signed.ko}.ko
	extract_body "$s" "$b.expect"
	cp "$s" "$b"
	# modinfo of the original Debian signature: modguard info must print the same.
	modinfo_sig "$s" >"$T/mi.ref"
	"$MODGUARD" info "$s" 2>"$T/err" | sig_fields >"$T/mi.mg"
	if ! same_file "$T/mi.ref" "$T/mi.mg" || [ ! -s "$T/mi.ref" ]; then
		not_ok "info matches modinfo on Debian-signed $(basename "$s")"
		diff "$T/mi.ref" "$T/mi.mg" | head -5 | sed 's/^/#   /'
	fi
	if "$MODGUARD" strip "$b" 2>"$T/err" && same_file "$b" "$b.expect" &&
		[ "$(head -c 4 "$b" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		nstrip=$((nstrip + 1))
	else
		nstrip_bad=$((nstrip_bad + 1))
		diag "strip of $(basename "$s") differs from the body ($(cat "$T/err"))"
	fi
	rm -f "$b.expect"
	# Stripping an unsigned module leaves it byte-identical.
	cp "$b" "$b.again"
	"$MODGUARD" strip "$b.again" 2>/dev/null
	same_file "$b" "$b.again" || nstrip_bad=$((nstrip_bad + 1))
	rm -f "$b.again"
done
if [ "$MODE" = debian ]; then
	check "modguard strip = trailer-derived body on $nstrip Debian modules ($nstrip_bad bad); info = modinfo on originals" \
		[ "$nstrip_bad" = 0 -a "$nstrip" -gt 0 ]
fi
if [ "$MODE" = local ]; then
	for o in "$T"/corpus/*.o; do mv "$o" "${o%.o}.ko"; done
fi

BODIES=$(ls "$T"/corpus/*.ko | grep -v '\.signed\.ko$')

# ---- RSA: byte-identical to sign-file, every hash, with and without keyid ----
for k in $KEYTYPES; do
	case $k in rsa*) ;; *) continue ;; esac
	K=$T/keys/$k.key C=$T/keys/$k.crt
	cn="modguard compat $k"
	serial=$(openssl x509 -in "$C" -noout -serial | cut -d= -f2)
	skid=$(openssl x509 -in "$C" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :')
	for h in $HASHES; do
		for kid in "" "--keyid"; do
			sfk=""
			[ -n "$kid" ] && sfk=-k
			n=0 bad=0 mibad=0 vbad=0 cmsbad=0
			for b in $BODIES; do
				name=$(basename "$b" .ko)
				ref=$T/o/$name.ref.ko out=$T/o/$name.mg.ko
				"$SIGN_FILE" $sfk "$h" "$K" "$C" "$b" "$ref" || {
					bad=$((bad + 1))
					diag "sign-file failed on $name"
					continue
				}
				if ! "$MODGUARD" sign -a "$h" -k "$K" -c "$C" $kid --quiet "$b" -o "$out" 2>"$T/err"; then
					bad=$((bad + 1))
					diag "modguard sign $h $kid $name: $(head -1 "$T/err")"
					continue
				fi
				n=$((n + 1))
				if ! same_file "$ref" "$out"; then
					bad=$((bad + 1))
					diag "$k $h $kid $name: differs from sign-file ($(cmp "$ref" "$out" | head -1))"
				fi
				# modinfo prints signer/sig_key/sig_hashalgo for issuer+serial SHA-2 signatures
				# only; modguard info must print exactly what modinfo prints, where it prints.
				modinfo_sig "$out" >"$T/mi.ref"
				if [ -s "$T/mi.ref" ]; then
					"$MODGUARD" info "$out" 2>/dev/null | sig_fields >"$T/mi.mg"
					same_file "$T/mi.ref" "$T/mi.mg" || mibad=$((mibad + 1))
					grep -qx "signer:         $cn" "$T/mi.ref" &&
						grep -qx "sig_hashalgo:   $h" "$T/mi.ref" ||
						mibad=$((mibad + 1))
				elif [ -z "$kid" ] && case $h in sha3*) false ;; *) true ;; esac; then
					mibad=$((mibad + 1))
					diag "modinfo shows no signature for $name $h"
				fi
				# modguard verify accepts sign-file's output and names signer, key, hash.
				"$MODGUARD" verify -C "$C" "$ref" >"$T/vout" 2>"$T/err"
				rc=$?
				# key= is the certificate serial whichever way the signer is named.
				want_key=$serial
				line=$(cat "$T/vout")
				if [ $rc != 0 ] || [[ "$line" != "$ref: OK signer=$cn key="*" hash=$h" ]] ||
					[ "$(echo "$line" | sed -n 's/.* key=\([^ ]*\) .*/\1/p' | tr a-f A-F)" != "$(echo "$want_key" | tr a-f A-F)" ]; then
					vbad=$((vbad + 1))
					diag "verify of sign-file $h $kid output: rc=$rc '$line' want key=$want_key; $(head -1 "$T/err")"
				fi
				# --json names the subject key id; it must be the certificate's.
				js=$("$MODGUARD" verify --json -C "$C" "$ref" 2>/dev/null)
				if [ "$(echo "$js" | jq -r .skid | tr a-f A-F)" != "$skid" ] ||
					[ "$(echo "$js" | jq -r .sha256)" != "$(sha256_of "$ref")" ] ||
					[ "$(echo "$js" | jq -r '.ok, .signer, .hash' | tr '\n' '|')" != "true|$cn|$h|" ]; then
					vbad=$((vbad + 1))
					diag "verify --json of sign-file $h $kid output: $js"
				fi
				# openssl cms accepts modguard's signature.
				extract_sig "$out" "$T/sig.der"
				openssl cms -verify -binary -inform DER -in "$T/sig.der" -content "$b" \
					-certfile "$C" -noverify -nointern -out /dev/null 2>/dev/null ||
					cmsbad=$((cmsbad + 1))
				rm -f "$ref" "$out"
			done
			[ "$n" -gt 0 ] || bad=$((bad + 1))
			check "$k $h ${kid:-issuer+serial}: modguard sign = sign-file on $n modules" [ "$bad" = 0 ]
			check "$k $h ${kid:-issuer+serial}: modguard info = modinfo" [ "$mibad" = 0 ]
			check "$k $h ${kid:-issuer+serial}: modguard verify accepts sign-file output" [ "$vbad" = 0 ]
			check "$k $h ${kid:-issuer+serial}: openssl cms -verify accepts modguard output" [ "$cmsbad" = 0 ]
		done
	done
done

# ---- issuer names and serials at the edges: modinfo's rules ---------------------
# kmod prints the first CN of the issuer, else the last entry of the name, and the
# serial as BN_bn2bin does (no leading zero bytes, nothing for 0).
if [ "$MODE" = local ]; then
	set -- $BODIES
	edge_body=$1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/keys/edge.key" 2>/dev/null
	n=0 bad=0
	for spec in "/CN=plain|1" "/O=No CN Org|2" "/C=DE/O=Org/OU=Last Unit|0x80" "/O=a/CN=first/CN=second|0xff00" \
		"/CN=Zoë ünïcode Ключ|0x00ab" "/CN=a\\,b=c|0" "/CN=long serial|0x8000000000000000000000000000000000000001"; do
		subj=${spec%|*} ser=${spec##*|}
		openssl req -utf8 -new -x509 -key "$T/keys/edge.key" -out "$T/keys/edge.crt" -subj "$subj" -days 3 \
			-set_serial "$ser" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null ||
			{ bad=$((bad + 1)); diag "openssl req $subj"; continue; }
		n=$((n + 1))
		"$SIGN_FILE" sha256 "$T/keys/edge.key" "$T/keys/edge.crt" "$edge_body" "$T/o/edge.ref.ko"
		"$MODGUARD" sign -q -k "$T/keys/edge.key" -c "$T/keys/edge.crt" "$edge_body" -o "$T/o/edge.mg.ko" 2>/dev/null
		same_file "$T/o/edge.ref.ko" "$T/o/edge.mg.ko" || { bad=$((bad + 1)); diag "$subj $ser: differs from sign-file"; }
		modinfo_sig "$T/o/edge.ref.ko" >"$T/mi.ref"
		"$MODGUARD" info "$T/o/edge.mg.ko" 2>/dev/null | sig_fields >"$T/mi.mg"
		if ! same_file "$T/mi.ref" "$T/mi.mg" || [ ! -s "$T/mi.ref" ]; then
			bad=$((bad + 1))
			diag "$subj serial $ser: info differs from modinfo"
			diff "$T/mi.ref" "$T/mi.mg" | grep -v '^[<>] 	' | head -4 | sed 's/^/#   /'
		fi
		"$MODGUARD" verify -C "$T/keys/edge.crt" "$T/o/edge.ref.ko" >/dev/null 2>&1 ||
			{ bad=$((bad + 1)); diag "$subj $ser: verify rejects sign-file output"; }
	done
	check "issuer names without CN, repeated CN, UTF-8, serials 0/0x80/leading zeros: sign-file bytes, modinfo fields ($n certificates)" \
		[ "$bad" = 0 -a "$n" = 7 ]
fi

# ---- ECDSA: not deterministic; cross-verify in both directions ----------------
for k in $KEYTYPES; do
	case $k in p*) ;; *) continue ;; esac
	K=$T/keys/$k.key C=$T/keys/$k.crt
	cn="modguard compat $k"
	for h in sha256 sha384 sha512; do
		n=0 bad=0
		for b in $BODIES; do
			name=$(basename "$b" .ko)
			ref=$T/o/$name.ref.ko out=$T/o/$name.mg.ko
			"$SIGN_FILE" "$h" "$K" "$C" "$b" "$ref" || { bad=$((bad + 1)); continue; }
			"$MODGUARD" sign -a "$h" -k "$K" -c "$C" --quiet "$b" -o "$out" 2>"$T/err" ||
				{ bad=$((bad + 1)); diag "modguard sign $k $h: $(head -1 "$T/err")"; continue; }
			n=$((n + 1))
			# modguard verify accepts sign-file's ECDSA signature.
			line=$("$MODGUARD" verify -C "$C" "$ref" 2>"$T/err") ||
				{ bad=$((bad + 1)); diag "verify sign-file $k $h $name: $line $(head -1 "$T/err")"; }
			[[ "$line" == "$ref: OK signer=$cn key="*" hash=$h" ]] || { bad=$((bad + 1)); diag "line: $line"; }
			# openssl cms accepts modguard's ECDSA signature.
			extract_sig "$out" "$T/sig.der"
			openssl cms -verify -binary -inform DER -in "$T/sig.der" -content "$b" \
				-certfile "$C" -noverify -nointern -out /dev/null 2>/dev/null ||
				{ bad=$((bad + 1)); diag "openssl cms rejects modguard $k $h $name"; }
			# Same body, same trailer shape; modinfo reads the same signer, key and hash.
			[ "$(body_len_of "$out")" = "$(stat -c %s "$b")" ] || { bad=$((bad + 1)); diag "body length"; }
			modinfo_sig "$ref" | grep -v -e '^signature:' -e '^		' >"$T/mi.ref"
			modinfo_sig "$out" | grep -v -e '^signature:' -e '^		' >"$T/mi.mg"
			same_file "$T/mi.ref" "$T/mi.mg" && [ -s "$T/mi.ref" ] || { bad=$((bad + 1)); diag "modinfo differs"; }
			# modguard info prints what modinfo prints, signature value included.
			modinfo_sig "$out" >"$T/mi.ref"
			"$MODGUARD" info "$out" 2>/dev/null | sig_fields >"$T/mi.mg"
			same_file "$T/mi.ref" "$T/mi.mg" || { bad=$((bad + 1)); diag "info differs from modinfo"; }
			rm -f "$ref" "$out"
		done
		[ "$n" -gt 0 ] || bad=1
		check "$k $h: sign-file <-> modguard cross-verify, openssl cms, modinfo on $n modules" [ "$bad" = 0 ]
	done
done

# ---- compressed modules: the inner ELF is what gets signed --------------------
K=$T/keys/rsa4096.key C=$T/keys/rsa4096.crt
set -- $BODIES
few="$1 ${3:-} ${5:-}"
declare -A COMP=([gz]="gzip -9 -n" [xz]="xz --check=crc32 --lzma2=dict=1MiB" [zst]="zstd -q -19")
declare -A DECOMP=([gz]="gzip -dc" [xz]="xz -dc" [zst]="zstd -qdc")
for ext in gz xz zst; do
	bad=0 n=0
	for b in $few; do
		name=$(basename "$b" .ko)
		"$SIGN_FILE" sha256 "$K" "$C" "$b" "$T/o/$name.ref.ko"
		${COMP[$ext]} <"$b" >"$T/o/$name.ko.$ext"
		cp "$T/o/$name.ko.$ext" "$T/o/$name.orig.$ext"
		if ! "$MODGUARD" sign -k "$K" -c "$C" --quiet "$T/o/$name.ko.$ext" 2>"$T/err"; then
			bad=$((bad + 1)); diag "sign $name.ko.$ext: $(head -1 "$T/err")"; continue
		fi
		n=$((n + 1))
		# Still the same format, decompressible by the reference tool, inner = sign-file output.
		${DECOMP[$ext]} <"$T/o/$name.ko.$ext" >"$T/o/$name.inner" 2>/dev/null ||
			{ bad=$((bad + 1)); diag "$ext: reference decompressor rejects modguard output"; }
		same_file "$T/o/$name.inner" "$T/o/$name.ref.ko" ||
			{ bad=$((bad + 1)); diag "$ext: inner ELF differs from sign-file output"; }
		if [ "$ext" = xz ]; then
			# The kernel's xz decoder: CRC32 check, LZMA2 dictionary at most 1 MiB (Kbuild's setting).
			xz --robot -lvv "$T/o/$name.ko.$ext" >"$T/xzl"
			awk -F'\t' '$1 == "stream" { print $9 }' "$T/xzl" | grep -qx CRC32 ||
				{ bad=$((bad + 1)); diag "xz: check is not CRC32: $(grep ^stream "$T/xzl")"; }
			awk -F'\t' '$1 == "block" { print $NF }' "$T/xzl" | grep -q 'dict=\(1MiB\|[0-9]*KiB\)' ||
				{ bad=$((bad + 1)); diag "xz: dictionary over 1 MiB: $(grep ^block "$T/xzl" | head -1)"; }
		fi
		# modguard verify accepts it and reports the compression.
		"$MODGUARD" verify --json -C "$C" "$T/o/$name.ko.$ext" >"$T/vj" 2>"$T/err" ||
			{ bad=$((bad + 1)); diag "verify $ext: $(cat "$T/vj" "$T/err")"; }
		python3 - "$T/vj" "$ext" "$(sha256_of "$T/o/$name.inner")" <<'EOF' || bad=$((bad + 1))
import json, sys
o = json.loads(open(sys.argv[1]).read())
ext, sha = sys.argv[2], sys.argv[3]
want = {"gz": "gz", "xz": "xz", "zst": "zst"}[ext]
assert o["ok"] is True, o
assert want in o["compression"], o
assert o["sha256"].lower() == sha, (o, sha)
EOF
		# Re-signing a signed compressed module replaces the signature (idempotent for RSA).
		cp "$T/o/$name.ko.$ext" "$T/o/$name.once.$ext"
		"$MODGUARD" sign -k "$K" -c "$C" --quiet "$T/o/$name.ko.$ext" 2>/dev/null
		${DECOMP[$ext]} <"$T/o/$name.ko.$ext" >"$T/o/$name.inner2" 2>/dev/null
		same_file "$T/o/$name.inner2" "$T/o/$name.ref.ko" ||
			{ bad=$((bad + 1)); diag "$ext: re-signing changed the inner module"; }
		# modinfo reads the compressed module's signature like the uncompressed one.
		modinfo_sig "$T/o/$name.ref.ko" >"$T/mi.ref"
		cp "$T/o/$name.ko.$ext" "$T/mi.ko.$ext"
		modinfo "$T/mi.ko.$ext" 2>/dev/null | sig_fields >"$T/mi.c"
		if [ -s "$T/mi.c" ]; then
			same_file "$T/mi.ref" "$T/mi.c" || { bad=$((bad + 1)); diag "$ext: modinfo differs"; }
		fi
	done
	[ "$n" -gt 0 ] || bad=1
	check "$ext: modguard signs the inner ELF exactly as sign-file, recompresses, verifies ($n modules)" [ "$bad" = 0 ]
done

# ---- --tree: every module kind, nested, nothing else touched -----------------
mkdir -p "$T/tree/a/b" "$T/tree/c"
i=0
for b in $BODIES; do
	name=$(basename "$b" .ko)
	case $((i % 4)) in
	0) cp "$b" "$T/tree/a/$name.ko" ;;
	1) gzip -9 -n <"$b" >"$T/tree/a/b/$name.ko.gz" ;;
	2) xz --check=crc32 --lzma2=dict=1MiB <"$b" >"$T/tree/c/$name.ko.xz" ;;
	3) zstd -q <"$b" >"$T/tree/$name.ko.zst" ;;
	esac
	"$SIGN_FILE" sha512 "$K" "$C" "$b" "$T/o/$name.tree.ref"
	i=$((i + 1))
done
echo "not a module" >"$T/tree/README"
cp "$T/tree/README" "$T/tree/a/notes.ko.txt"
before=$(sha256sum "$T/tree/README" "$T/tree/a/notes.ko.txt")
expect_rc "sign --tree -j 2" 0 "$MODGUARD" sign -a sha512 -k "$K" -c "$C" -j 2 --quiet --tree "$T/tree"
bad=0 n=0
while read -r f; do
	n=$((n + 1))
	name=$(basename "$f"); name=${name%%.ko*}
	case $f in
	*.gz) gzip -dc <"$f" ;; *.xz) xz -dc <"$f" ;; *.zst) zstd -qdc <"$f" ;; *) cat "$f" ;;
	esac >"$T/inner"
	same_file "$T/inner" "$T/o/$name.tree.ref" || { bad=$((bad + 1)); diag "tree: $f differs from sign-file"; }
done < <(find "$T/tree" -name '*.ko' -o -name '*.ko.gz' -o -name '*.ko.xz' -o -name '*.ko.zst')
[ "$(sha256sum "$T/tree/README" "$T/tree/a/notes.ko.txt")" = "$before" ] || { bad=$((bad + 1)); diag "tree: non-module touched"; }
check "sign --tree: $n modules (ko, gz, xz, zst, nested) equal sign-file's inner output, others untouched" \
	[ "$bad" = 0 -a "$n" = "$i" ]
expect_rc "verify --tree accepts the signed tree" 0 "$MODGUARD" verify -C "$C" -j 2 --tree "$T/tree"
check "verify --tree prints one OK line per module" [ "$(grep -c ': OK signer=' "$T/out")" = "$i" ]
find "$T/tree" -name '*.ko*' | grep -v notes | sort >"$T/tree.list"
check "verify --tree names every module" [ "$(sed 's/: OK signer=.*//' "$T/out" | sort | xargs -n1 readlink -f | sort)" = "$(xargs -n1 readlink -f <"$T/tree.list" | sort)" ]

finish
