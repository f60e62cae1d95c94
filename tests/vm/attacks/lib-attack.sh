# Attack-suite helpers (busybox sh).  After /tests/lib.sh:
#     . /tests/lib-attack.sh
#     FAMILY=files
#     mg_guard_up
#     attempt "open O_WRONLY" /etc/modguard/policy mgattack open-write /etc/modguard/policy
#     ...
#     attack_summary; done_testing
#
# Every attempt prints one line ending BLOCKED or BYPASSED, with the
# evidence: the error the attacker got and whether the target's state
# (content hash, type, mode, owner, link count, inode, size, mtime, xattrs,
# mount id) changed.  BYPASSED is a failed check, so make check fails.

FAMILY=${FAMILY:-attack}
_att_n=0
_att_blocked=0
_att_bypassed=0
_att_out=/tmp/.att-out.$$

# The protected installation every family attacks (the defaults of
# tcb/loader/protect.c, with stand-ins for the packaging files).
MG_LOADER=/usr/lib/modguard/modguard-loader
MG_CLI=/usr/bin/modguard
MG_UNIT=/lib/systemd/system/modguard.service
MG_WANTS=/etc/systemd/system/multi-user.target.wants
MG_HOOK=/usr/share/initramfs-tools/hooks/modguard
MG_DRACUT=/usr/lib/dracut/modules.d/90modguard
MG_EXTRA=/opt/site-protected

# astate PATH: one line that changes when anything about PATH changes.
astate() {
	_s=-
	[ -f "$1" ] && [ ! -L "$1" ] && _s=$(sha256sum <"$1" | cut -c1-16)
	echo "$(mgattack state "$1") sha=$_s"
}

# The step that failed and its errno, as the attacker saw it.
_att_why() {
	_w=$(grep -E '(^|[ :])E[A-Z0-9]+$' "$_att_out" | tail -n 1 | cut -c1-90)
	[ -n "$_w" ] || _w=$(grep -i -E 'operation not permitted|permission denied|read-only|busy|invalid argument|not supported|no such|not signed' "$_att_out" | tail -n 1 | cut -c1-90)
	echo "${_w:-no error}"
}

# attempt DESC TARGET CMD...: BLOCKED when CMD fails and TARGET is unchanged.
attempt() {
	_d=$1 _t=$2
	shift 2
	_att_n=$((_att_n + 1))
	_b=$(astate "$_t")
	"$@" >"$_att_out" 2>&1
	_rc=$?
	_a=$(astate "$_t")
	_why=$(_att_why)
	if [ $_rc -ne 0 ] && [ "$_b" = "$_a" ]; then
		_att_blocked=$((_att_blocked + 1))
		ok "$FAMILY: $_d: refused ($_why), $_t unchanged: BLOCKED"
	else
		_att_bypassed=$((_att_bypassed + 1))
		if [ "$_b" = "$_a" ]; then _c=unchanged; else _c=CHANGED; fi
		not_ok "$FAMILY: $_d: exit $_rc ($_why), $_t $_c: BYPASSED"
		diag "before: $_b"
		diag "after:  $_a"
		sed 's/^/#   /' "$_att_out"
	fi
	rm -f "$_att_out"
}

# enforcing: the guard still refuses an unsigned module, and a protected file
# still refuses a write.  Prints the evidence; false when either is lost.
enforcing() {
	_e1=$(sysload finit "$MG_MODULES/evil.ko" 2>&1)
	_e2=$(mgattack open-write /etc/modguard/policy 2>&1)
	[ -e /sys/fs/bpf/modguard/link_guard_locked_down ] || _e2="pins gone"
	if module_loaded evil; then
		rmmod evil 2>/dev/null
		echo "unsigned module LOADED"
		return 1
	fi
	case "$_e1 $_e2" in
	*EPERM*EPERM*)
		echo "unsigned module $_e1, policy write $_e2"
		return 0
		;;
	esac
	echo "unsigned module: $_e1, policy write: $_e2"
	return 1
}

# attempt_switch DESC CMD...: a run-time switch may be accepted or refused;
# BLOCKED when, afterwards, the guard and the protection still enforce.
attempt_switch() {
	_d=$1
	shift
	_att_n=$((_att_n + 1))
	"$@" >"$_att_out" 2>&1
	_rc=$?
	_why=$(_att_why)
	[ $_rc -eq 0 ] && _why="accepted"
	if _ev=$(enforcing); then
		_att_blocked=$((_att_blocked + 1))
		ok "$FAMILY: $_d: $_why, still enforcing ($_ev): BLOCKED"
	else
		_att_bypassed=$((_att_bypassed + 1))
		not_ok "$FAMILY: $_d: $_why, $_ev: BYPASSED"
		sed 's/^/#   /' "$_att_out"
	fi
	rm -f "$_att_out"
}

# attempt_refused DESC CMD...: BLOCKED when CMD fails (no file target:
# process, kernel or BPF object), and the guard still enforces.
attempt_refused() {
	_d=$1
	shift
	_att_n=$((_att_n + 1))
	"$@" >"$_att_out" 2>&1
	_rc=$?
	_why=$(_att_why)
	if [ $_rc -ne 0 ] && _ev=$(enforcing); then
		_att_blocked=$((_att_blocked + 1))
		ok "$FAMILY: $_d: refused ($_why), still enforcing: BLOCKED"
	else
		_ev=$(enforcing)
		_att_bypassed=$((_att_bypassed + 1))
		not_ok "$FAMILY: $_d: exit $_rc ($_why), $_ev: BYPASSED"
		sed 's/^/#   /' "$_att_out"
	fi
	rm -f "$_att_out"
}

# judged BLOCKED? OK_TEXT BYPASSED_TEXT BEFORE AFTER: one attempt whose
# outcome the caller worked out (BLOCKED? is yes or no); a bypass also shows
# the target's state before and after.
judged() {
	_att_n=$((_att_n + 1))
	if [ "$1" = yes ]; then
		_att_blocked=$((_att_blocked + 1))
		ok "$FAMILY: $2: BLOCKED"
	else
		_att_bypassed=$((_att_bypassed + 1))
		not_ok "$FAMILY: $3: BYPASSED"
		diag "before: $4"
		diag "after:  $5"
	fi
}

attack_summary() {
	say "$FAMILY: $_att_n attempts, $_att_blocked BLOCKED, $_att_bypassed BYPASSED"
	echo "MG-ATTACK-SUMMARY $FAMILY $_att_n $_att_blocked $_att_bypassed" >"$MG_RESULTS"
}

# Fixed test keys for the maintenance family (test data, never trusted
# outside this suite): a root installed in the trust store before the lock,
# a child certificate the root signed (with its key), and a rogue
# self-signed certificate.
mg_maint_files() {
	mkdir -p /tmp/mt
	cat >/tmp/mt/root.crt <<'MGEOF'
-----BEGIN CERTIFICATE-----
MIIDNTCCAh2gAwIBAgIUFUrBDZbFYvM5RxvzYVcRANCQXD0wDQYJKoZIhvcNAQEL
BQAwJDEiMCAGA1UEAwwZbW9kZ3VhcmQgbWFpbnRlbmFuY2Ugcm9vdDAgFw0yNjEy
MDEwNDI1NTNaGA8yMTI2MTEwNzA0MjU1M1owJDEiMCAGA1UEAwwZbW9kZ3VhcmQg
bWFpbnRlbmFuY2Ugcm9vdDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEB
ANkWrS7U8k7b2P5CSSqIfwtddnsT19gYPJWRv8PLwhshrwrxHtbsnH4DYB7YGASZ
B+y7jZnp614f6v6RCOMpAuHNPHz+5gOjw//STQJkzxMe8K/jSppQEmYm09KhUuDo
eiZ99LhRoV9uQ+yq6aMrFFPb0P1N8uXetYj7aOWr24r99ZTPdjRRpnl7uVFTkRXf
/VwJWG9JbBKSXbOnY5Egm8wFAWiibNK1p7yIuD7IYLpGwqZXHALJ0TysMpsUpQ2d
Zkgp58TZ4gbYnZ60X6CIHSovW/NaJEPoGOPuAVbTdI3BdV+Mbi9S3nDq3vUAlWUO
uGEl8uKIf8YPjB3Kir/WnlsCAwEAAaNdMFswHwYDVR0jBBgwFoAUGDXilqg4ma5h
sHmCIK+1g73HHnkwDAYDVR0TAQH/BAIwADALBgNVHQ8EBAMCB4AwHQYDVR0OBBYE
FBg14paoOJmuYbB5giCvtYO9xx55MA0GCSqGSIb3DQEBCwUAA4IBAQA8jrTaCvV6
c+5IN5w0Rg2kgclEVs5ehu3O8EKB5/U/tsopEw6u8jXGJVWQtP4Lt4USaBz4B20F
kGZWV9lMqQnA4aBGSPxJx37TiaKPbBwwIpN9ZeH6k5gnr/9qFEImtIUuq71gDZh1
Eg8W8T47wK9IzekE6AEexTVqrtmSDhwjRo5suHjBOEO5F0aNQhjUz1nf/lBy12lB
REhzMcJXnvCwkUm1g2WpT/d+/KSTVG2Z6wwzsfI0VDlRiGbIjB7Up9xcpc082dvs
oZLKKKtx6A/1rKFX9MIxzP56hwq/blQJCuXCIK5n0An1CumzgWgGY92/lFgWwp+N
FNAsJ0hfE2sY
-----END CERTIFICATE-----
MGEOF
	cat >/tmp/mt/child.crt <<'MGEOF'
-----BEGIN CERTIFICATE-----
MIIDNjCCAh6gAwIBAgIUHKCS01slgjVImJ6tlM6LpT6pSLkwDQYJKoZIhvcNAQEL
BQAwJDEiMCAGA1UEAwwZbW9kZ3VhcmQgbWFpbnRlbmFuY2Ugcm9vdDAgFw0yNjEy
MDEwNDI1NTRaGA8yMTI2MTEwNzA0MjU1NFowJTEjMCEGA1UEAwwabW9kZ3VhcmQg
bWFpbnRlbmFuY2UgY2hpbGQwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIB
AQCypsPKoVfK2iYpxI6vigKqcw/m/h/rQLAasAlSaUqI8q6kFfEM+zHh72IPYRc7
ka5E0jbDpt8YK7Wgi9B32SNng6i7yD/ofGGnsTvDCTdiAXOB0MzwwDUNE0Y0tldm
uuSJ5MohQqk0iods1APIEYEcCcGmhF++qC5r1tVdHKk3ZuCnvEbmrAZEkcakhah9
IcZkAlxbVa8KVr/89BQuBl6hG+mkbHEO05HYOqH5Ab5TAFedJ5B9gl3QoA48mnoE
GHKslRdFN1Q3Sus46eiUJTjjmcwOi3b9Otlso1ptpqWCnvYu8LzsWNT27jpZEgyr
yOSq4+KXp/PZlEOUJXk8L8i7AgMBAAGjXTBbMAwGA1UdEwEB/wQCMAAwCwYDVR0P
BAQDAgeAMB0GA1UdDgQWBBQUZeF+onvQNY+sLmOTQ9C7gh/UETAfBgNVHSMEGDAW
gBQYNeKWqDiZrmGweYIgr7WDvcceeTANBgkqhkiG9w0BAQsFAAOCAQEAgZf/GBLQ
1IygIUdE8vzXpxpG1No7qzeKXjL8yx0DUhbRQ+A9eaAbPvHheG4VpRho+dgqJVGE
D6/BvcsSRWjy7JusdPg+7+YWVHT5sWiE8mGq9luNP0I0FEQ4ONsqb7YvoZAXISf/
kpToI6F6c2qHgBEZ+EIzROuzk9dE2G6js8DC8ae7Izk+DSBOsKhQe4cFKETyol1l
K5jlYpMm366II7EmN2Nq212i9PVWFNtjN1qXen8Xiy6hlaY5hF8zMWVJ2jLoriqT
R2o3GR7LqmoA91cSktrgagV+Y9dvd2liAnbrFUUJxmdDT1NPAgdCv+2Tt3S3wOn7
5B4QxeRPNe+XIw==
-----END CERTIFICATE-----
MGEOF
	cat >/tmp/mt/child.key <<'MGEOF'
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCypsPKoVfK2iYp
xI6vigKqcw/m/h/rQLAasAlSaUqI8q6kFfEM+zHh72IPYRc7ka5E0jbDpt8YK7Wg
i9B32SNng6i7yD/ofGGnsTvDCTdiAXOB0MzwwDUNE0Y0tldmuuSJ5MohQqk0iods
1APIEYEcCcGmhF++qC5r1tVdHKk3ZuCnvEbmrAZEkcakhah9IcZkAlxbVa8KVr/8
9BQuBl6hG+mkbHEO05HYOqH5Ab5TAFedJ5B9gl3QoA48mnoEGHKslRdFN1Q3Sus4
6eiUJTjjmcwOi3b9Otlso1ptpqWCnvYu8LzsWNT27jpZEgyryOSq4+KXp/PZlEOU
JXk8L8i7AgMBAAECggEAQKZ53yfREf8s5VuUuTCr80vtWs3m9ib0M8w1q2WgC/wq
uAWatHRo4lbTOTaNBkkbdBtQpzAJtwEGWuGN4Pkqx0iNdNssSXFNk7ZfJp78tFJL
HxTVPWCJMkCh3OyJp4sFrmMlxLCPdAyXoon9DldLTj63ng90aJYLKopVrzryf7H2
hXigg2LNxbbFgPgbDxptwkSHGw7RWzPkQhDdqfrG5MNqqsgpixQBWtvuP2dcYvYZ
ull3eo1kheJixIwmAMBaoz/mHdy1pN/l9/KF4kyA767dDEHDPjBr0TAJ4ZbxN++q
r+Nf7FqnCYZWqRi/ZgxILT6F0CNsAlp8JfltIQ2zrQKBgQDz8K+hpgEm84sPKHC9
vyasMFNuIWLvniY6ZM21uL2Est3APnLIsWnbUaTHusjCJ1Pa7EpQB9My+6zNCgbX
d7CH6GF58kPjCDi6bWx6yajiJE8baMsfE73VJh44qRPGhVivh7n1qrHroU3ok//4
nIAY/7CnF6QYSk81eA0jA6cU1QKBgQC7e8hKpWwY3Cxm+Ug6DM+Tit7Cy4p19Q6V
3JKjL7H3YG+5Uf8+3Cx9OfAxdNRC8Gn15jDWnKGJ8nUCgXeBOlmkmQepgJ96xgmz
4unUx7O3QCIXNP33o6zeAOj0pvj8amN+loaIewAoqtj7PpIhMsuUrBKCX3OwaC8h
02PeLzhvTwKBgQCH/GaMIHSH+EBPBOZEgKjYWGBKBoaWuXzqFIOwh/nuXZ/MqYNn
aa9vOcY4KWH9CdtvMUYD8zjDNRWRf8NsniZkvSCJ0IoTp+On2ZQdpwlkd4U57GM/
QcwTZJp4T5jclD1qLKl3z947UsKRot+RAf1O8krR+xXZDKO3VONN351muQKBgG1r
g+0U+K7VqVB8Asxmd6uLrBESTAAmAtox/p8hEgPnk60cDxU32PtJGkczAUMEH0N1
kmFezuS8zc+lkgKo9HKdIZyqxekYtcb4EzKtTtUPqBXVRrgGHbj/3PYUkVJ4IRNb
dK8o4mHZvIN99DlN9QUTHEZcwR9e3ssmHa4p7wz/AoGBAJnZrU4ULFOMB3GQG9/6
9HotMUunBScxLbCUsNIRIu3ev5ni6dGBmuzL2CQnkMLJMqvCwZ0287LTFa111j50
1FyvfMr3UYf2W9w5T6pMQXS6sCFH00or35Qftplltz6ujcU2gNgjhj66ylPK1nTd
Sx+yIFJbvjQcyxQlkP5G8V+M
-----END PRIVATE KEY-----
MGEOF
	cat >/tmp/mt/rogue.crt <<'MGEOF'
-----BEGIN CERTIFICATE-----
MIIDHzCCAgegAwIBAgIUMBLl4GlyTdZ86LMtcoXN9AI2UNAwDQYJKoZIhvcNAQEL
BQAwGTEXMBUGA1UEAwwObW9kZ3VhcmQgcm9ndWUwIBcNMjYxMjAxMDQyNTU0WhgP
MjEyNjExMDcwNDI1NTRaMBkxFzAVBgNVBAMMDm1vZGd1YXJkIHJvZ3VlMIIBIjAN
BgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAz9qQdCd/Sr3WDmdDZ0u43lzygbC3
+x5NawCY1dUWcad/S60sjaxTHOZ8+J6gP2FgTbBHYM6BZiPnfh2Q0UyDJvUHTHeb
lgTfWZ+APVtek2w2+jYzfVgSRLIdGoJ5NAg//OzcMa1A2i8y0KEBzxyA4x5shgJt
HoIvLbOwdRyAfKBTaDCMf4ImdQcn2WLsI2595VyyFC4633W3kAFzj7XZj+SVAt0o
0BGK89zBmoYZIFJizGpOwsJaVNl/dkXfLSAEeUxfr8PsJgOUDQSaxZv+ShpN3yJX
L0VSHHsH75xXdUR9DQc3Ni8MoA0Z8yFdH6InZ+eLkvzuGror03+K+QpblwIDAQAB
o10wWzAfBgNVHSMEGDAWgBQi6F5DY4OBAMesmtn+/NzOAK5v2zAMBgNVHRMBAf8E
AjAAMAsGA1UdDwQEAwIHgDAdBgNVHQ4EFgQUIuheQ2ODgQDHrJrZ/vzczgCub9sw
DQYJKoZIhvcNAQELBQADggEBAGdjpp7ffjg+XgCSs54K8ltycZwGIReIrG570mCo
WNnbj8GcMmCXRD5f9O4f9WHqdQNQ9Fxl2R3vYZ5yAmpKwqrDWmRHRjkhj8/PRCJt
3d3jBO/XIPdcETvAgUukG7DTdyl3PLLTk/CXY9060aH/E8YkXyMmVYkMLBpRQO1U
aDe5alikh2NtqjVyKawbT5/5ebAqIRAUO/KtKkxP9jl1QFhgvTegy+vw8kTgf6ew
TdGZMyfJo2g97Q5XPqiwWDebKHylXIW9cLGdDeLBRE1BXJXiH3d1Pmw8IXThb8Wa
Hu02RoofgrcGyJsrAAoCgvlfTFtAQ60kHjtEPxO5yhC78Yo=
-----END CERTIFICATE-----
MGEOF
}

# The deny list, made before the lock (attack-sidedoors.sh tries to hide it):
# a revoked key, whose certificate is also in trust.d, and modules revoked by
# their own digest (evil signed by the owner with hashes no other family
# uses).  /tmp/mgd/evil-revoked-key-H.ko and evil-revoked-hash-H.ko, one per
# attempt, since a module admitted by one attempt stays admitted.
MG_DENY_KEY_HASHES="sha256 sha384 sha512"
MG_DENY_MOD_HASHES="sha384 sha512 sha3-256"
mg_deny_files() {
	mkdir -p /tmp/mgd
	# ECDSA: a key made in well under a second even under emulation.
	modguard keygen -o /tmp/mgd/revoked -t ecdsa-p256 --cn "modguard attack revoked" >/dev/null
	cp /tmp/mgd/revoked.crt /etc/modguard/trust.d/revoked.crt
	echo "# attack suite: revoked before the lock" >/etc/modguard/deny.list
	echo "cert $(sed -n '/BEGIN CERT/,/END CERT/{/-----/d;p}' /tmp/mgd/revoked.crt | base64 -d | sha256sum | cut -d' ' -f1)" >>/etc/modguard/deny.list
	for h in $MG_DENY_KEY_HASHES; do
		modguard sign -q -a $h -k /tmp/mgd/revoked.key -c /tmp/mgd/revoked.crt \
			-o /tmp/mgd/evil-revoked-key-$h.ko "$MG_MODULES/evil.ko"
	done
	for h in $MG_DENY_MOD_HASHES; do
		modguard sign -q -a $h -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" \
			-o /tmp/mgd/evil-revoked-hash-$h.ko "$MG_MODULES/evil.ko"
		echo "module $(sha256sum </tmp/mgd/evil-revoked-hash-$h.ko | cut -d' ' -f1)" >>/etc/modguard/deny.list
	done
}

# trust-add's signers (tests/vm/attacks/make-ta-certs): each in trust.d in a
# state that makes it powerless, before the lock.  revoked is on the deny
# list spelled as the deny list allows but as a literal match would miss:
# upper-case hex after a tab.
mg_ta_files() {
	for s in good revoked expired future; do
		cp "$MG_KEYS/ta/signer-$s.crt" "/etc/modguard/trust.d/ta-$s.crt"
	done
	cp "$MG_KEYS/ta/signer-disabled.crt" /etc/modguard/trust.d/ta-disabled.crt.disabled
	_fp=$(sed -n '/BEGIN CERT/,/END CERT/{/-----/d;p}' "$MG_KEYS/ta/signer-revoked.crt" | base64 -d |
		sha256sum | cut -d' ' -f1 | tr a-f A-F)
	printf '\tcert %s\n' "$_fp" >>/etc/modguard/deny.list
}

# mg_install: the files a real installation protects, then the policy.
mg_install() {
	[ -e /tmp/.mg-installed ] && return
	touch /tmp/.mg-installed
	mkdir -p /etc/modguard/trust.d "$MG_WANTS" /lib/systemd/system \
		/usr/share/initramfs-tools/hooks "$MG_DRACUT" "$MG_EXTRA/sub"
	[ -f /etc/modguard/trust.d/owner.crt ] || cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
	mg_maint_files
	cp /tmp/mt/root.crt /etc/modguard/trust.d/maint-root.crt
	mg_deny_files
	mg_ta_files
	printf '# attack suite\nmode = enforce\nprotect = %s\n' "$MG_EXTRA" >/etc/modguard/policy
	printf '[Unit]\nDescription=modguard guard\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/usr/bin/modguard guard start\n[Install]\nWantedBy=multi-user.target\n' >"$MG_UNIT"
	ln -sf "$MG_UNIT" "$MG_WANTS/modguard.service"
	printf '#!/bin/sh\n# initramfs-tools hook (stand-in)\n' >"$MG_HOOK"
	chmod 755 "$MG_HOOK"
	printf '#!/bin/bash\n# dracut module (stand-in)\n' >"$MG_DRACUT/module-setup.sh"
	echo "site data" >"$MG_EXTRA/data"
	echo "nested" >"$MG_EXTRA/sub/nested"
	mgattack setxattr "$MG_CLI" trusted.mg 1 >/dev/null 2>&1
}

# mg_guard_up: install and start the guard once per boot.
mg_guard_up() {
	if [ -e /sys/fs/bpf/modguard-protect/inodes ]; then
		ok "$FAMILY: guard already started and locked in this boot"
		return
	fi
	mg_install
	if modguard guard start >/tmp/start.out 2>&1 && grep -q 'self-protection locked' /tmp/start.out; then
		ok "$FAMILY: modguard guard start: $(grep 'self-protection locked' /tmp/start.out)"
	else
		not_ok "$FAMILY: modguard guard start"
		sed 's/^/#   /' /tmp/start.out
	fi
}

# The disk holding the protected files, if any (none on the initramfs root).
mg_root_blockdev() {
	_dev=$(stat -c '%d' /etc/modguard)
	_maj=$((_dev >> 8))
	_min=$(((_dev & 255) | ((_dev >> 12) & ~255)))
	[ -e "/sys/dev/block/$_maj:$_min" ] || return 1
	_name=$(basename "$(readlink -f "/sys/dev/block/$_maj:$_min")")
	[ -b "/dev/$_name" ] || mknod "/dev/$_name" b "$_maj" "$_min"
	echo "/dev/$_name $_maj $_min"
}
