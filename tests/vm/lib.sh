# Guest helper library for VM scenarios (busybox sh).  Source it first:
#     . /tests/lib.sh
# and end the script with done_testing.  See tests/vm/README.md.
#
# Every result goes to stdout (the console) and to the results port, which
# the host counts.  A script fails if any check failed or it exits non-zero.

MG_RESULTS=${MG_RESULTS:-/dev/ttyS1}
[ -w "$MG_RESULTS" ] || MG_RESULTS=/dev/null
MG_KVER=$(uname -r)
MG_MODULES=/modules               # test modules: hello permanent dep_a dep_b params evil
MG_KEYS=/keys                     # owner.{key,crt} trusted, untrusted.{key,crt} not
MG_VMLINUZ=/boot/vmlinuz-$MG_KVER # the running kernel's image
MG_KMODDIR=/lib/modules/$MG_KVER  # the full Debian module tree (read-only) + extra/modguard-test
MG_KMOD=/usr/lib/modguard-test/kmod # Debian's kmod as insmod, rmmod, modprobe, modinfo, lsmod, depmod
[ -x $MG_KMOD/kmod ] || MG_KMOD=
export MG_KVER MG_MODULES MG_KEYS MG_VMLINUZ MG_KMODDIR MG_KMOD

_mg_n=0
_mg_failed=0
_mg_out=/tmp/.mg-out.$$

_mg_report() {
	echo "$1"
	echo "$1" >"$MG_RESULTS"
}

# ok DESC / not_ok DESC: record one result by hand.
ok() {
	_mg_n=$((_mg_n + 1))
	_mg_report "ok $_mg_n - $*"
}

not_ok() {
	_mg_n=$((_mg_n + 1))
	_mg_failed=$((_mg_failed + 1))
	_mg_report "not ok $_mg_n - $*"
}

# diag TEXT: a comment line on the console only.
diag() {
	echo "# $*"
}

# say TEXT: a line of a story for a human (tests/vm/demo prints only these).
say() {
	echo "$*"
	echo "MG-SAY $*" >"$MG_RESULTS"
}

_mg_show_output() {
	[ -s "$_mg_out" ] && sed 's/^/#   /' "$_mg_out"
	return 0
}

# check DESC CMD...: ok when CMD exits 0.
check() {
	_mg_desc=$1
	shift
	if "$@" >"$_mg_out" 2>&1; then
		ok "$_mg_desc"
	else
		not_ok "$_mg_desc (exit $?)"
		_mg_show_output
	fi
	rm -f "$_mg_out"
}

# expect_ok CMD...: ok when CMD exits 0.
expect_ok() {
	check "$*" "$@"
}

# errno_text NAME: the strerror text of an errno name, as glibc prints it
# (busybox and the modguard tools are linked against glibc).
errno_text() {
	sysload strerror "$1"
}

# expect_fail ERRNO CMD...: ok when CMD exits non-zero and its output names
# ERRNO, by name (EPERM), by strerror text ("Operation not permitted") or by
# busybox insmod's own wording for the few errnos it rewords.
expect_fail() {
	_mg_errno=$1
	shift
	_mg_text=$(errno_text "$_mg_errno") || {
		not_ok "expect_fail: unknown errno name $_mg_errno"
		return
	}
	case $_mg_errno in
	ENOEXEC) _mg_alt="invalid module format" ;;
	ENOENT) _mg_alt="unknown symbol in module, or unknown parameter" ;;
	ESRCH) _mg_alt="module has wrong symbol version" ;;
	ENOSYS) _mg_alt="kernel does not support requested operation" ;;
	*) _mg_alt=$_mg_text ;;
	esac
	if "$@" >"$_mg_out" 2>&1; then
		not_ok "$* fails with $_mg_errno (it succeeded)"
		_mg_show_output
	elif grep -q -w -e "$_mg_errno" "$_mg_out" || grep -q -F -e "$_mg_text" "$_mg_out" ||
		grep -q -F -e "$_mg_alt" "$_mg_out"; then
		ok "$* fails with $_mg_errno"
	else
		not_ok "$* fails with $_mg_errno (failed otherwise)"
		_mg_show_output
	fi
	rm -f "$_mg_out"
}

# expect_refused RC PATTERN DESC CMD...: ok when CMD exits with status RC
# ("!0": any failure) and its output (stdout and stderr) matches the extended
# regular expression PATTERN.  The refusal must be the one meant: a command
# that fails for another reason (a usage error, a missing file) does not pass.
expect_refused() {
	_mg_rc=$1 _mg_pat=$2 _mg_desc=$3
	shift 3
	"$@" >"$_mg_out" 2>&1
	_mg_got=$?
	if { [ "$_mg_rc" = '!0' ] && [ "$_mg_got" != 0 ]; } || [ "$_mg_got" = "$_mg_rc" ]; then
		if grep -Eq -e "$_mg_pat" "$_mg_out"; then
			ok "$_mg_desc (exit $_mg_got: $(head -n 1 "$_mg_out" | cut -c1-120))"
		else
			not_ok "$_mg_desc (exit $_mg_got, but the output does not match /$_mg_pat/)"
			_mg_show_output
		fi
	else
		not_ok "$_mg_desc (exit $_mg_got, wanted $_mg_rc)"
		_mg_show_output
	fi
	rm -f "$_mg_out"
}
# What the kernel's EPERM reads as: strerror, busybox's mount, mgattack.
MG_EPERM='not permitted|permission denied|EPERM'

# file_state FILE: one line that changes if FILE's content, mode, owner, link
# count, inode or type changes ("absent" if it does not exist).
file_state() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		_mg_sum=-
		[ -f "$1" ] && [ ! -L "$1" ] && _mg_sum=$(sha256sum <"$1" | cut -d' ' -f1)
		echo "$(stat -c '%F mode=%a uid=%u gid=%g links=%h ino=%i size=%s' "$1") sha256=$_mg_sum"
	else
		echo absent
	fi
}

# expect_unchanged FILE CMD...: ok when FILE is exactly as before after CMD
# ran (CMD's exit status is ignored; pair with expect_fail to check it).
expect_unchanged() {
	_mg_file=$1
	shift
	_mg_before=$(file_state "$_mg_file")
	"$@" >"$_mg_out" 2>&1
	_mg_after=$(file_state "$_mg_file")
	if [ "$_mg_before" = "$_mg_after" ]; then
		ok "$_mg_file unchanged by: $*"
	else
		not_ok "$_mg_file unchanged by: $*"
		diag "before: $_mg_before"
		diag "after:  $_mg_after"
		_mg_show_output
	fi
	rm -f "$_mg_out"
}

# dmesg_mark, then dmesg_since: the kernel log lines printed after the mark.
dmesg_mark() {
	_mg_dmesg_lines=$(dmesg | wc -l)
}

dmesg_since() {
	dmesg | tail -n +$((${_mg_dmesg_lines:-0} + 1))
}

# expect_dmesg REGEX DESC: ok when a kernel log line since dmesg_mark matches REGEX.
expect_dmesg() {
	if dmesg_since | grep -q -E -e "$1"; then
		ok "$2"
	else
		not_ok "$2 (no kernel log line matches /$1/)"
		dmesg_since | tail -n 20 | sed 's/^/#   /'
	fi
}

# module_loaded NAME: true when NAME is in /proc/modules.
module_loaded() {
	grep -q "^$1 " /proc/modules
}

# debian_leaf: pick one of Debian's modules that exists on every kernel under
# test, by property: a leaf (no dependencies) of lib/ (or lib/crc/ on 7.x),
# a module file (not built in), not loaded now.  Sets LEAF (its name as
# /proc/modules writes it) and LEAF_FILE (its path, compressed or not);
# returns 1, both empty, when no candidate qualifies.
debian_leaf() {
	LEAF= LEAF_FILE=
	for _m in crc7 crc8 crc16 crc-itu-t crc4 libcrc32c; do
		_l=$(grep -E "^(kernel/)?lib/(crc/)?$_m\.ko(\.xz|\.zst|\.gz)?:[[:space:]]*$" "$MG_KMODDIR/modules.dep") || continue
		module_loaded "$(echo "$_m" | tr - _)" && continue
		LEAF=$(echo "$_m" | tr - _) LEAF_FILE=$MG_KMODDIR/${_l%%:*}
		return 0
	done
	return 1
}

# trusted_child PID: the child of PID (a modguard CLI) that is the trusted
# program (comm modguard-loader; /proc/PID/exe is refused), or nothing and 1.
trusted_child() {
	for _st in /proc/[0-9]*/stat; do
		{ read -r _cp _ _ _pp _ <"$_st"; } 2>/dev/null || continue
		[ "$_pp" = "$1" ] && [ "$(cat "/proc/$_cp/comm" 2>/dev/null)" = modguard-loader ] &&
			{ echo "$_cp"; return 0; }
	done
	return 1
}

# signed_part_sha256 FILE: the SHA-256 of what an appended signature covers,
# everything before it, computed here from the trailer's own fields (the
# signature's length, big-endian, in the 4 bytes before the 28-byte marker;
# 12 bytes of struct module_signature) with nothing of modguard's.
signed_part_sha256() {
	_sz=$(stat -c %s "$1")
	_sl=$(tail -c 32 "$1" | head -c 4 | od -An -tu1 | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	head -c $((_sz - 28 - 12 - _sl)) "$1" | sha256sum | cut -d' ' -f1
}

# done_testing: print the plan and exit 1 if anything failed.
done_testing() {
	echo "1..$_mg_n"
	if [ "$_mg_failed" -ne 0 ]; then
		echo "# $_mg_failed of $_mg_n failed"
		exit 1
	fi
	exit 0
}
