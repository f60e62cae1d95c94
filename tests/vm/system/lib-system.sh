# Helpers shared by the full-system stages (sourced after /tests/lib.sh).
KVER=$(uname -r)
OWNER_KEY=/var/lib/modguard/owner.key
OWNER_CRT=/var/lib/modguard/owner.crt
STATES=/root/mg-protected.states

# Seconds, from a systemd monotonic timestamp in microseconds.
us2s() { awk -v u="${1:-0}" 'BEGIN { printf "%.2f", u / 1000000 }'; }
prop() { systemctl show -p "$2" --value "$1"; }
mprop() { systemctl show -p "$1" --value; }
figure() { echo "MG-FIGURE $1 $2" >"$MG_RESULTS"; echo "# figure $1 $2"; }

boot_figures() { # PREFIX
	figure "$1_userspace" "$(us2s "$(mprop UserspaceTimestampMonotonic)")"
	figure "$1_sysinit" "$(us2s "$(prop sysinit.target ActiveEnterTimestampMonotonic)")"
	figure "$1_basic" "$(us2s "$(prop basic.target ActiveEnterTimestampMonotonic)")"
}

# Files the guard protects, and the state of each (see lib.sh file_state).
PROTECTED="/usr/lib/modguard/modguard-loader /usr/lib/modguard/modguard-boot /usr/bin/modguard
/usr/lib/systemd/system/modguard.service /etc/systemd/system/sysinit.target.wants/modguard.service
/etc/modguard/policy /etc/modguard/trust.d/owner.crt /usr/share/initramfs-tools/hooks/modguard
/etc/kernel/postinst.d/zz-modguard"
protected_states() {
	for f in $PROTECTED; do echo "$f $(file_state "$f")"; done
	echo "/etc/modguard/trust.d: $(ls -A /etc/modguard/trust.d | tr '\n' ' ')"
	echo "/etc/systemd/system modguard*: $(ls -d /etc/systemd/system/modguard* 2>/dev/null | tr '\n' ' ')"
}

# The guard started in the initramfs and the real root took it over
# (modguard setup rebuilt the image with the guard in it).
guard_from_initramfs() {
	modguard guard status 2>/dev/null | grep -qx 'started: in the initramfs, handed over to the real root' &&
		grep -q '^guard started in the initramfs' /run/initramfs/modguard.log
}
guard_sealed() { [ -e /sys/fs/bpf/modguard-protect/inodes ] && [ -e /sys/fs/bpf/modguard/admitted ]; }
# No module without a verified signature (E, 8192) and none out of tree (O,
# 4096) has loaded in this boot: read when called, after the attempts.
taint_clean() {
	_t=$(cat /proc/sys/kernel/tainted)
	[ $((_t & 12288)) = 0 ] || { diag "kernel.tainted = $_t"; return 1; }
}
evil_never_loaded() { ! module_loaded evil && ! dmesg | grep -q MODGUARD-EVIL-LOADED; }

# rfs_enforced: systemd is built with its BPF framework (RestrictFileSystems=
# is a BPF LSM program of its own then).
rfs_enforced() { ! systemctl --version | grep -q -- '-BPF_FRAMEWORK'; }

# Transient units for systemd's BPF features (stage-guarded, stage-maintenance).
# systemd-run without --wait: --wait needs the D-Bus system bus, which this
# minimal system does not run; without it systemd-run talks to PID 1 alone.
# A probe's last line ("rc=N") says it ended.
# RestrictFileSystems=~sysfs, probed with a sysfs file.  (Not tmpfs: devtmpfs
# has tmpfs's magic, so an allow-list with devtmpfs, which the unit's own
# /dev/null needs, lets every tmpfs through too.)
RFS_PROPERTY='RestrictFileSystems=~sysfs'
RFS_PROBE='cat /sys/kernel/uevent_seqnum >/root/rfs.out 2>&1; echo "rc=$?" >>/root/rfs.out'
IPD_PROBE='timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/9" >/root/ipd.out 2>&1; echo "rc=$?" >>/root/ipd.out'
run_unit() { # NAME PROBE [PROPERTY...]: the probe in a transient unit; its output on stdout
	_n=$1 _p=$2
	shift 2
	rm -f /root/rfs.out /root/ipd.out
	if ! systemd-run -q --unit="mg-fp-$_n" "$@" /bin/sh -c "$_p" >/tmp/run-$_n.err 2>&1; then
		echo "systemd-run failed: $(tr '\n' ' ' </tmp/run-$_n.err)"
		return
	fi
	_w=0
	while [ $_w -lt 300 ] && ! cat /root/rfs.out /root/ipd.out 2>/dev/null | grep -q '^rc='; do
		sleep 0.1
		_w=$((_w + 1))
	done
	cat /root/rfs.out /root/ipd.out 2>/dev/null | tr '\n' ' '
}
# rfs_report WHERE OUTPUT: say whether systemd enforced RestrictFileSystems=
# (a sysfs read refused), and if not, what its journal says about its BPF LSM.
rfs_report() {
	if systemctl --version | grep -q -- '-BPF_FRAMEWORK'; then
		say "RestrictFileSystems= ($1): systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') is built without BPF_FRAMEWORK: it does not enforce it (probe: $2)"
	elif echo "$2" | grep -q 'not permitted'; then
		say "RestrictFileSystems= ($1): enforced by systemd, a sysfs read refused"
	else
		say "RestrictFileSystems= ($1): NOT enforced by systemd (probe: $2); its journal: $(journalctl -b -q -o cat | grep -i -E 'bpf-lsm|lsm bpf|restrictfilesystems|restrict_fs|file system restriction' | head -n 5 | tr '\n' '|')"
	fi
}

# grub_cmdline_emit: the command line GRUB's files give now (/etc/default/grub,
# then every grub.d/*.cfg, sourced, as grub-mkconfig does), sent to the
# harness, which passes it to every later boot as a boot loader would.
grub_cmdline_emit() {
	_gc=$(sh -c '. /etc/default/grub; for f in /etc/default/grub.d/*.cfg; do [ -f "$f" ] && . "$f"; done; echo $GRUB_CMDLINE_LINUX')
	echo "MG-GRUB-CMDLINE $_gc" >"$MG_RESULTS"
	diag "GRUB's command line now: $_gc"
}
# grub_plant NAME TEXT: root's drop-in /etc/default/grub.d/zz-mg-NAME.cfg
# appending TEXT to GRUB_CMDLINE_LINUX, then emitted for the next boot.
grub_plant() {
	check "plant: GRUB_CMDLINE_LINUX gets '$2' (/etc/default/grub.d/zz-mg-$1.cfg)" sh -c \
		"echo 'GRUB_CMDLINE_LINUX=\"\$GRUB_CMDLINE_LINUX $2\"' >/etc/default/grub.d/zz-mg-$1.cfg"
	grub_cmdline_emit
}
grub_unplant() { # NAME
	check "remove root's GRUB drop-in zz-mg-$1.cfg" rm -f "/etc/default/grub.d/zz-mg-$1.cfg"
	grub_cmdline_emit
}
