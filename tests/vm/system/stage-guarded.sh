#!/bin/sh
# Boot 2, after setup: the guard came up before udev; status is clean; udev
# autoloads a distribution driver under it; owner-signed hello loads through
# kmod's modprobe, evil is refused; a DKMS-style build is signed and admitted;
# the package cannot be upgraded or purged while locked; then root tries the
# persistence attacks, which the next boot checks.
. /tests/lib.sh
. /tests/lib-system.sh

boot_figures guard
g_start=$(prop modguard.service InactiveExitTimestampMonotonic)
g_up=$(prop modguard.service ActiveEnterTimestampMonotonic)
figure guard_unit "$(us2s $((g_up - g_start)))"
# Of which the trusted program's "guard start" (load, verify, attach, pin, seal):
# from the unit's start to its "guard started" line.
# The guard starts in the initramfs: the unit hands it over to the real root.
sealed=$(journalctl -b -q -o short-monotonic -u modguard.service | sed -n 's/^\[ *\([0-9.]*\)\].*guard handed over from the initramfs.*/\1/p' | head -n1)
[ -n "$sealed" ] && figure guard_sealed "$(awk -v a="$sealed" -v b="$g_start" 'BEGIN { printf "%.2f", a - b / 1000000 }')"

check "booted with the lsm= that setup wrote for GRUB" grep -q " lsm=[a-z,]*,bpf" /proc/cmdline
check "bpf is an active LSM" grep -qw bpf /sys/kernel/security/lsm
check "modguard.service is active" systemctl is-active --quiet modguard.service
check "the guard started in the initramfs, and modguard.service handed it over to the real root" guard_from_initramfs
sed 's/^/#   initramfs: /' /run/initramfs/modguard.log 2>/dev/null
lsinitramfs /boot/initrd.img-$KVER >/tmp/initrd.list 2>&1
check "the initramfs image holds the trusted program, the configuration and the start script" sh -c \
	"grep -qx 'usr/lib/modguard/modguard-loader' /tmp/initrd.list &&
	 grep -qx 'etc/modguard/trust.d/owner.crt' /tmp/initrd.list && grep -qx 'scripts/init-top/modguard' /tmp/initrd.list"
check "the guard started: modguard-fallback.service did nothing (condition false), sig_enforce off" sh -c '
	[ "$(systemctl show -P ConditionResult modguard-fallback.service)" = no ] &&
	grep -qx N /sys/module/module/parameters/sig_enforce && grep -qx 0 /proc/sys/kernel/modules_disabled'
# At boot the guard locks before anything could hold a protected file open
# for writing: the write hook (a BPF program on every read and write) is off.
modguard guard status >/tmp/gs.out 2>&1
check "at boot, nothing was open for writing at the lock: write hook not attached" \
	grep -q '^write hook: not needed' /tmp/gs.out
grep '^write hook' /tmp/gs.out | sed 's/^/#   /'
check "modguard status shows it too" sh -c "modguard status 2>/dev/null | grep -q '^write hook: *not needed'"

check "the guard is running and sealed" guard_sealed
udevd=$(prop systemd-udevd.service ExecMainStartTimestampMonotonic)
check "the guard was up before systemd-udevd started ($(us2s "$g_up") s < $(us2s "$udevd") s)" test "$g_up" -le "$udevd"
ml=$(prop systemd-modules-load.service ExecMainStartTimestampMonotonic)
check "the guard was up before systemd-modules-load ($(us2s "$ml") s)" test "$g_up" -le "$ml"
si=$(prop sysinit.target ActiveEnterTimestampMonotonic)
check "the guard was up before sysinit.target" test "$g_up" -le "$si"

# 3. udev's own autoloading, unmodified, under the guard.
# (virtio_rng would prove nothing: systemd itself loads it in a VM, before any unit.)
check "udev autoloaded e1000 (for the emulated e1000 NIC)" module_loaded e1000
check "e1000 loaded after the guard started" sh -c '! grep -q "^e1000 " /run/modguard/before-guard'
check "udevd is running under the guard" systemctl is-active --quiet systemd-udevd.service
failed_units=$(systemctl list-units --failed --plain --no-legend)
check "no failed systemd unit under the guard" test -z "$failed_units"
[ -z "$failed_units" ] || { echo "$failed_units" | sed 's/^/#   /'; journalctl -b -q -p warning | tail -n 30 | sed 's/^/#   /'; }
# (journald reading the trusted program's /proc entries for log metadata is
# refused as ptrace: not a module decision.)
check "the guard has refused no module load so far" sh -c \
	'! modguard guard status | grep -Eq "^ +denied +[a-z-]+ +(kernel_read_file|kernel_load_data|locked_down) "'
check "no module load failure in this boot's journal" sh -c '! journalctl -b -q | grep -Ei "(Failed to insert|could not insert|modprobe).*(not permitted|Permission denied)"'

modguard status >/tmp/status.txt 2>&1
rc=$?
sed 's/^/#   /' /tmp/status.txt
check "modguard status exits 0" test $rc = 0
check "modguard status: clean" grep -q '^status: clean' /tmp/status.txt
check "modguard status: e1000 signed by the kernel's keys" grep -Eq '^ +e1000 +kernel-keys' /tmp/status.txt
echo "MG-JSON $(modguard status --json)" >"$MG_RESULTS"
check "modguard status --json: running, nothing critical" sh -c 'modguard status --json | grep -q "\"state\":\"running\".*\"critical\":\[\]"'

# 1. Owner-signed hello via kmod's modprobe (admitted at boot from extra/), evil refused.
check "modprobe hello (owner-signed, admitted at boot)" modprobe hello
check "hello is loaded" module_loaded hello
modguard status >/tmp/status2.txt 2>&1
check "modguard status: hello admitted, signer shown, out-of-tree flagged" grep -Eq '^! hello +admitted +OE +modguard test owner' /tmp/status2.txt
expect_fail EPERM insmod /modules/evil.ko
expect_fail EPERM sysload finit /modules/evil.ko
check "evil never loaded" evil_never_loaded

# 4. DKMS-style: build from source in the guest, sign (through the DKMS sign_file hook), admit, load.
rm -rf /tmp/dkms && mkdir -p /tmp/dkms
sed 's/hello/mgdkms/g' /tests/src/hello.c >/tmp/dkms/mgdkms.c
echo 'obj-m := mgdkms.o' >/tmp/dkms/Kbuild
check "build a module from source against the installed headers" make -s -C "/lib/modules/$KVER/build" M=/tmp/dkms modules
expect_fail EPERM insmod /tmp/dkms/mgdkms.ko
check "DKMS sign_file hook: sign with the owner key and admit" /usr/lib/modguard/dkms-sign sha256 "$OWNER_KEY" "$OWNER_CRT" /tmp/dkms/mgdkms.ko
mkdir -p "/lib/modules/$KVER/updates/dkms"
cp /tmp/dkms/mgdkms.ko "/lib/modules/$KVER/updates/dkms/"
depmod -a
check "modprobe the DKMS-built module" modprobe mgdkms
check "mgdkms is loaded" module_loaded mgdkms

# 4b. Debian's dkms itself: add, build, install.  dkms reads setup's
# framework.conf.d/modguard.conf and calls the sign_file hook, which signs
# with the owner key and admits; kmod's modprobe then loads the module.
src=/usr/src/mgdkms2-1.0
rm -rf "$src" && mkdir -p "$src"
sed 's/hello/mgdkms2/g' /tests/src/hello.c >"$src/mgdkms2.c"
echo 'obj-m := mgdkms2.o' >"$src/Kbuild"
cat >"$src/dkms.conf" <<'END'
PACKAGE_NAME="mgdkms2"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="mgdkms2"
DEST_MODULE_LOCATION[0]="/updates/dkms"
MAKE[0]="make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build modules"
CLEAN="true"
END
check "dkms add" dkms add -m mgdkms2 -v 1.0
if dkms build -m mgdkms2 -v 1.0 -k "$KVER" >/tmp/dkms.out 2>&1; then
	ok "dkms build"
else
	not_ok "dkms build"
	cat /tmp/dkms.out /var/lib/dkms/mgdkms2/1.0/build/make.log 2>/dev/null | tail -n 30 | sed 's/^/#   /'
fi
grep -i sign /tmp/dkms.out | sed 's/^/#   /'
check "dkms install" dkms install -m mgdkms2 -v 1.0 -k "$KVER"
# dkms compresses the module when the kernel's own modules are (6.12: .ko.xz).
m2=$(ls /lib/modules/"$KVER"/updates/dkms/mgdkms2.ko* | head -n 1)
check "the module dkms installed ($m2) carries the owner's signature" sh -c \
	"modguard verify -C $OWNER_CRT $m2 | grep -q 'OK signer=modguard test owner'"
case $m2 in
*.ko)
	check "modprobe the module dkms built" modprobe mgdkms2
	;;
*)
	kmodv=$(kmod --version 2>/dev/null | sed -n 's/^kmod version \([0-9]*\).*/\1/p')
	if [ "${kmodv:-0}" -ge 31 ] && grep -q . /sys/module/compression 2>/dev/null; then
		# kmod 31 and later (Debian 13's 34) hand the kernel the compressed
		# file itself (finit_module with MODULE_INIT_COMPRESSED_FILE): the
		# admitted file is what the kernel reads, and it loads.
		check "kmod $kmodv's modprobe loads the compressed module dkms built (compressed finit_module)" modprobe mgdkms2
	else
		# Debian 12's kmod decompresses it itself and hands the kernel a buffer
		# (init_module), which admission never covers: refused, unchanged.  The
		# trusted program loads it (docs/guard.md, "Kernels").
		expect_fail EPERM modprobe mgdkms2
		check "mgdkms2 not loaded by kmod's init_module" sh -c '! grep -q "^mgdkms2 " /proc/modules'
		check "modguard modprobe the compressed module dkms built" modguard modprobe mgdkms2
	fi
	;;
esac
check "mgdkms2 is loaded" module_loaded mgdkms2

# systemd's own BPF under the guard: IPAddressDeny= (cgroup skb programs)
# and RestrictFileSystems= (a BPF LSM program of systemd's on file_open, where
# its systemd is built with the BPF framework: Debian 13's, not Debian 12's)
# must still load and work.  The maintenance boot (no guard) reports the same
# probe: see rfs_report.
c=$(run_unit rfs0 "$RFS_PROBE")
check "control: an unrestricted unit reads a sysfs file ($c)" sh -c "echo '$c' | grep -q 'rc=0'"
r=$(run_unit rfs1 "$RFS_PROBE" -p "$RFS_PROPERTY")
if rfs_enforced; then
	check "$RFS_PROPERTY under the guard: the unit ran, its sysfs read refused ($r)" \
		sh -c "echo '$r' | grep -q 'rc=[1-9]' && echo '$r' | grep -q 'not permitted'"
else
	check "a unit with $RFS_PROPERTY starts and runs under the guard ($r)" sh -c "echo '$r' | grep -q 'rc='"
fi
rfs_report "guarded boot" "$r"
c=$(run_unit ipd0 "$IPD_PROBE")
check "control: an unrestricted unit meets a closed port on 127.0.0.1 ($c)" sh -c "echo '$c' | grep -q 'refused'"
r=$(run_unit ipd1 "$IPD_PROBE" -p IPAddressDeny=any)
check "IPAddressDeny=any under the guard: the unit ran, its packets dropped: refused or timed out, never answered ($r)" \
	sh -c "echo '$r' | grep -q 'rc=[1-9]' && ! echo '$r' | grep -q 'refused'"
rm -f /root/rfs.out /root/ipd.out
check "the guard is still running and sealed after systemd's BPF programs" guard_sealed

# Packaging while locked: refused before dpkg writes anything.
v=$(dpkg-query -W -f='${Version}' modguard)
boot_state=$(file_state /usr/lib/modguard/modguard-boot)
dpkg -i /tests/modguard-up.deb >/tmp/up.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/up.out
check "upgrade while locked fails" test $rc != 0
check "upgrade refusal says why" grep -q "refusing to upgrade" /tmp/up.out
check "upgrade refused: version unchanged ($v)" test "$(dpkg-query -W -f='${Version}' modguard)" = "$v"
check "upgrade refused: package still fully installed" sh -c "dpkg-query -W -f='\${Status}' modguard | grep -q 'install ok installed'"
check "upgrade refused: files unchanged" test "$(file_state /usr/lib/modguard/modguard-boot)" = "$boot_state"
check "dpkg --audit finds nothing half-done" sh -c '[ -z "$(dpkg --audit)" ]'
dpkg --purge modguard >/tmp/purge.out 2>&1
rc=$?
check "purge while locked fails" test $rc != 0
check "purge refusal says why" grep -q "refusing to remove" /tmp/purge.out
check "purge refused: still installed" sh -c "dpkg-query -W -f='\${Status}' modguard | grep -q ' ok installed$'"

# 2. Persistence attacks by root.  Record the protected files first (the next boot compares).
protected_states >"$STATES"
sync
expect_unchanged /usr/lib/modguard/modguard-loader sh -c 'cp /bin/true /usr/lib/modguard/modguard-loader'
expect_unchanged /usr/lib/modguard/modguard-loader sh -c 'cp /bin/true /usr/lib/modguard/x && mv /usr/lib/modguard/x /usr/lib/modguard/modguard-loader'
expect_unchanged /usr/lib/modguard/modguard-loader rm -f /usr/lib/modguard/modguard-loader
expect_unchanged /etc/systemd/system/modguard.service systemctl mask modguard.service
expect_unchanged /etc/systemd/system/sysinit.target.wants/modguard.service systemctl disable modguard.service
expect_unchanged /usr/lib/systemd/system/modguard.service rm -f /usr/lib/systemd/system/modguard.service
expect_unchanged /etc/systemd/system/modguard.service.d mkdir /etc/systemd/system/modguard.service.d
expect_unchanged /etc/modguard/policy sh -c 'echo "mode = permissive" >>/etc/modguard/policy'
expect_unchanged /etc/modguard/policy sh -c 'cp /etc/modguard/policy /tmp/p && echo "fallback = none" >>/tmp/p && mv /tmp/p /etc/modguard/policy'
expect_unchanged /etc/modguard/trust.d/untrusted.crt cp /keys/untrusted.crt /etc/modguard/trust.d/
expect_unchanged /usr/share/initramfs-tools/hooks/modguard rm -f /usr/share/initramfs-tools/hooks/modguard
# A modules-load.d entry for evil, with evil where modprobe finds it: allowed
# (ordinary files), and refused at load time, now and at the next boot.
check "drop a modules-load.d entry for evil" sh -c 'echo evil >/etc/modules-load.d/evil.conf'
check "put evil under extra/ and depmod" sh -c "cp /modules/evil.ko /lib/modules/$KVER/extra/ && depmod -a"
expect_fail EPERM modprobe evil
check "evil never loaded" evil_never_loaded
protected_states >/tmp/states.now
if cmp -s "$STATES" /tmp/states.now; then ok "every protected file unchanged"; else
	not_ok "every protected file unchanged"; diff "$STATES" /tmp/states.now | sed 's/^/#   /'; fi
done_testing
