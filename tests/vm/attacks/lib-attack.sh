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
# tools/loader/protect.c, with stand-ins for the packaging files).
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
	[ -n "$_w" ] || _w=$(grep -i -E 'operation not permitted|permission denied|read-only|busy|invalid argument|not supported|no such' "$_att_out" | tail -n 1 | cut -c1-90)
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

attack_summary() {
	say "$FAMILY: $_att_n attempts, $_att_blocked BLOCKED, $_att_bypassed BYPASSED"
	echo "MG-ATTACK-SUMMARY $FAMILY $_att_n $_att_blocked $_att_bypassed" >"$MG_RESULTS"
}

# mg_install: the files a real installation protects, then the policy.
mg_install() {
	[ -e /tmp/.mg-installed ] && return
	touch /tmp/.mg-installed
	mkdir -p /etc/modguard/trust.d "$MG_WANTS" /lib/systemd/system \
		/usr/share/initramfs-tools/hooks "$MG_DRACUT" "$MG_EXTRA/sub"
	[ -f /etc/modguard/trust.d/owner.crt ] || cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
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
