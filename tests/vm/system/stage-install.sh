#!/bin/sh
# Boot 1, no guard yet: the boot-time baseline; the package installs, purges
# back to the system as it was, installs again; modguard setup with a
# generated key; an owner-signed hello under extra/ for the next boot.
. /tests/lib.sh
. /tests/lib-system.sh

boot_figures noguard
check "no guard runs before modguard is installed" test ! -e /sys/fs/bpf/modguard
# Booted with lsm= without bpf: modguard setup must take the GRUB path.
check "bpf is not an active LSM in this boot (lsm= without bpf)" sh -c '! grep -qw bpf /sys/kernel/security/lsm'

# What purge must give back: every path with its type, mode and owner (outside
# dpkg's and the journal's own records), and the content of /etc.
# State that the system's own jobs write is left out: /var/backups among it,
# where dpkg-db-backup.timer writes at midnight (the guest keeps the host's
# clock, so a run across midnight saw it).
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /var/lib/dpkg -o -path /var/log -o -path /var/cache -o -path /var/lib/systemd \
		-o -path /var/backups \
		-o -path /var/lib/apt -o -path /tests -o -path /root \) -prune -o -printf '%p %y %m %u\n' | sort
	find /etc -xdev -type f -exec sha256sum {} + | sort
}
snapshot >/root/before-install

check "dpkg -i modguard.deb" dpkg -i /tests/modguard.deb
check "package installed" sh -c "dpkg-query -W -f='\${Status}' modguard | grep -q 'install ok installed'"
check "make install content: trusted program, unit, boot helper, hooks, completion, man pages" sh -c '
	for f in /usr/lib/modguard/modguard-loader /usr/lib/modguard/modguard-boot /usr/lib/modguard/dkms-sign \
		/usr/lib/systemd/system/modguard.service /usr/lib/systemd/system/modguard-fallback.service \
		/etc/kernel/postinst.d/zz-modguard /usr/share/initramfs-tools/hooks/modguard /usr/share/bash-completion/completions/modguard \
		/usr/share/man/man1/modguard-status.1.gz /usr/share/man/man1/modguard-setup.1.gz /usr/bin/modguard; do
		[ -e "$f" ] || { echo "missing $f"; exit 1; }
	done'
check "installing does not enable the guard (setup does)" test ! -e /etc/systemd/system/sysinit.target.wants/modguard.service
check "the units pass systemd-analyze verify" systemd-analyze verify --man=no modguard.service modguard-fallback.service
check "dpkg --purge modguard" dpkg --purge modguard
snapshot >/root/after-purge
if cmp -s /root/before-install /root/after-purge; then
	ok "purge leaves the system as it was"
else
	not_ok "purge leaves the system as it was"
	diff /root/before-install /root/after-purge | head -n 20 | sed 's/^/#   /'
fi

check "dpkg -i modguard.deb again" dpkg -i /tests/modguard.deb
# No GRUB configuration yet: setup says what to add to the boot loader, and
# that an action is needed (exit 1).
modguard setup --cn "modguard test owner" >/tmp/setup1.out 2>&1
rc=$?
check "modguard setup (generated key) without bpf and without GRUB: exit 1, asks for lsm=...,bpf" \
	sh -c "[ $rc = 1 ] && grep -q 'GRUB is not in use: add' /tmp/setup1.out && grep -q 'lsm=.*,bpf' /tmp/setup1.out"
[ $rc = 1 ] || sed 's/^/#   /' /tmp/setup1.out
check "setup wrote no GRUB drop-in without GRUB" test ! -e /etc/default/grub.d/modguard.cfg
# GRUB's default configuration, as Debian's grub2-common installs it.
printf 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=Debian\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' \
	>/etc/default/grub
modguard setup --cn "modguard test owner" >/tmp/setup2.out 2>&1
rc=$?
check "modguard setup again keeps the key" grep -q "keeping the existing owner key" /tmp/setup2.out
check "with GRUB: setup writes /etc/default/grub.d/modguard.cfg, says update-grub and reboot, exit 1" \
	sh -c "[ $rc = 1 ] && test -s /etc/default/grub.d/modguard.cfg && grep -q 'run update-grub and REBOOT' /tmp/setup2.out"
[ $rc = 1 ] || sed 's/^/#   /' /tmp/setup2.out
# What grub-mkconfig makes of it: /etc/default/grub, then every grub.d/*.cfg, sourced.
cmdline=$(sh -c '. /etc/default/grub; for f in /etc/default/grub.d/*.cfg; do . "$f"; done; echo $GRUB_CMDLINE_LINUX')
active=$(cat /sys/kernel/security/lsm)
check "GRUB's command line now lists every active LSM, then bpf ($cmdline)" \
	test "$cmdline" = "lsm=$active,bpf"
echo "MG-GRUB-CMDLINE $cmdline" >"$MG_RESULTS"
check "setup enabled the unit" test -L /etc/systemd/system/sysinit.target.wants/modguard.service
check "setup put the owner certificate in the trust store" test -s /etc/modguard/trust.d/owner.crt
check "setup wrote the policy" grep -q '^mode = enforce' /etc/modguard/policy
check "setup pointed DKMS at the owner key" grep -q "sign_file=\"/usr/lib/modguard/dkms-sign\"" /etc/dkms/framework.conf.d/modguard.conf
check "private key is mode 0600" sh -c "[ \$(stat -c %a $OWNER_KEY) = 600 ]"

mkdir -p "/lib/modules/$KVER/extra"
check "sign hello with the owner key into extra/" \
	modguard sign -q -k "$OWNER_KEY" -c "$OWNER_CRT" -o "/lib/modules/$KVER/extra/hello.ko" /modules/hello.ko
check "depmod" depmod -a
check "modguard status without a guard reports it and exits 1" sh -c '! modguard status >/tmp/st 2>&1 && grep -q "guard not running" /tmp/st'
done_testing
