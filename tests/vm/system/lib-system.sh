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

guard_sealed() { [ -e /sys/fs/bpf/modguard-protect/inodes ] && [ -e /sys/fs/bpf/modguard/admitted ]; }
evil_never_loaded() { ! module_loaded evil && ! dmesg | grep -q MODGUARD-EVIL-LOADED; }
