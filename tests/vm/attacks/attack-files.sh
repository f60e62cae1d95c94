#!/bin/sh
# Direct changes to protected files, directories and symlinks by root after
# `modguard guard start`: every one refused, every target unchanged.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=files

mg_guard_up

POL=/etc/modguard/policy
CRT=/etc/modguard/trust.d/owner.crt
DIR=/etc/modguard
LINK=$MG_WANTS/modguard.service
# Attacker material on the same file systems (a rename across file systems
# would fail with EXDEV whatever the guard does).
echo "mode = permissive" >/etc/evil-policy
mkdir -p /etc/evil-dir /usr/lib/evil-dir /tmp/fake
ln -sf /tmp/fake /etc/evil-link

# ---- Content ---------------------------------------------------------------
attempt "open O_WRONLY" $POL mgattack open-write $POL
attempt "open O_RDWR" $CRT mgattack open-write $CRT rdwr
attempt "open O_WRONLY|O_TRUNC" $POL mgattack open-write $POL trunc
attempt "open O_RDONLY|O_TRUNC" $POL mgattack open-write $POL rdonly-trunc
attempt "open O_APPEND" $POL mgattack open-write $POL append
attempt "shell redirection >" $POL sh -c "echo 'mode = permissive' >$POL"
attempt "truncate(2)" $POL mgattack truncate $POL
attempt "fallocate" $POL mgattack fallocate $POL
attempt "open O_WRONLY the trusted program" $MG_LOADER mgattack open-write $MG_LOADER
attempt "truncate(2) the trusted program" $MG_LOADER mgattack truncate $MG_LOADER
attempt "cp over the CLI" $MG_CLI cp /bin/busybox $MG_CLI
attempt "open O_WRONLY the unit file" $MG_UNIT mgattack open-write $MG_UNIT
attempt "open O_WRONLY the initramfs hook" $MG_HOOK mgattack open-write $MG_HOOK
attempt "open O_WRONLY the dracut module" $MG_DRACUT/module-setup.sh mgattack open-write $MG_DRACUT/module-setup.sh
attempt "open O_WRONLY a policy-added path" $MG_EXTRA/sub/nested mgattack open-write $MG_EXTRA/sub/nested

# ---- Names -----------------------------------------------------------------
attempt "unlink the policy" $POL mgattack unlink $POL
attempt "unlink the certificate" $CRT mgattack unlink $CRT
attempt "unlink the trusted program" $MG_LOADER mgattack unlink $MG_LOADER
attempt "unlink the CLI" $MG_CLI mgattack unlink $MG_CLI
attempt "unlink the unit file" $MG_UNIT mgattack unlink $MG_UNIT
attempt "unlink the enablement link (systemctl disable)" $LINK mgattack unlink $LINK
attempt "rm -rf the trust store" $CRT rm -rf $DIR/trust.d
attempt "rmdir a protected directory" $MG_EXTRA/sub rm -rf $MG_EXTRA/sub
attempt "rename the policy within its directory" $POL mgattack rename $POL $DIR/policy.old
attempt "rename the policy out of its directory" $POL mgattack rename $POL /etc/policy.old
attempt "rename the trusted program" $MG_LOADER mgattack rename $MG_LOADER /usr/lib/modguard-loader.old
attempt "rename its directory /etc/modguard" $DIR mgattack rename $DIR /etc/modguard.old
attempt "rename the parent /etc" /etc mgattack rename /etc /etc.old
attempt "rename the parent /usr/lib/modguard" /usr/lib/modguard mgattack rename /usr/lib/modguard /usr/lib/modguard.old
attempt "rename over the policy" $POL mgattack rename /etc/evil-policy $POL
attempt "rename over the trust store directory" $DIR mgattack rename /etc/evil-dir $DIR
attempt "RENAME_EXCHANGE with the trust store directory" $DIR mgattack exchange /etc/evil-dir $DIR
attempt "RENAME_EXCHANGE with /usr/lib/modguard" /usr/lib/modguard mgattack exchange /usr/lib/evil-dir /usr/lib/modguard
attempt "symlink swap of /etc/modguard" $DIR mgattack exchange /etc/evil-link $DIR
attempt "symlink swap of the unit directory" /lib/systemd/system mgattack exchange /etc/evil-link /lib/systemd/system
attempt "hard link into the trust store" $DIR/trust.d mgattack link /etc/evil-policy $DIR/trust.d/evil.crt
attempt "hard link out of the trust store" $CRT mgattack link $CRT /etc/owner.crt
attempt "hard link the trusted program out" $MG_LOADER mgattack link $MG_LOADER /usr/lib/loader-copy
attempt "new file in the trust store" $DIR/trust.d mgattack create $DIR/trust.d/evil.crt
attempt "new directory in /etc/modguard" $DIR mgattack mkdir $DIR/evil
attempt "new symlink in /etc/modguard" $DIR mgattack symlink /tmp/fake $DIR/trust.d/evil.crt
attempt "new device node in /etc/modguard" $DIR mgattack mknod-blk $DIR/disk 254 16
attempt "mask the unit (symlink to /dev/null)" /etc/systemd/system/modguard.service mgattack symlink /dev/null /etc/systemd/system/modguard.service
attempt "drop-in directory for the unit" /etc/systemd/system/modguard.service.d mgattack mkdir /etc/systemd/system/modguard.service.d
attempt "unit of the same name in /etc" /etc/systemd/system/modguard.service mgattack create /etc/systemd/system/modguard.service
attempt "unlink a pin" /sys/fs/bpf/modguard/link_guard_locked_down mgattack unlink /sys/fs/bpf/modguard/link_guard_locked_down
attempt "rename a pin" /sys/fs/bpf/modguard/admitted mgattack rename /sys/fs/bpf/modguard/admitted /sys/fs/bpf/admitted
attempt "unlink a protection pin" /sys/fs/bpf/modguard-protect/link_protect_file_open mgattack unlink /sys/fs/bpf/modguard-protect/link_protect_file_open
attempt "rm -rf the pin directories" /sys/fs/bpf/modguard rm -rf /sys/fs/bpf/modguard /sys/fs/bpf/modguard-protect
attempt "rename the pin directory" /sys/fs/bpf/modguard mgattack rename /sys/fs/bpf/modguard /sys/fs/bpf/old

# ---- Attributes ------------------------------------------------------------
attempt "chmod the policy" $POL mgattack chmod $POL
attempt "chmod the trusted program" $MG_LOADER mgattack chmod $MG_LOADER
attempt "chmod the trust store directory" $DIR mgattack chmod $DIR
attempt "chown the certificate" $CRT mgattack chown $CRT
attempt "chown the enablement link" $LINK mgattack chown $LINK
attempt "utimes the policy" $POL mgattack utimes $POL
attempt "touch the unit file" $MG_UNIT touch $MG_UNIT
attempt "setxattr trusted.* on the policy" $POL mgattack setxattr $POL trusted.mg evil
attempt "setxattr security.capability on the trusted program" $MG_LOADER mgattack setxattr $MG_LOADER security.capability
attempt "setxattr security.ima on the trusted program" $MG_LOADER mgattack setxattr $MG_LOADER security.ima x
attempt "set an ACL (system.posix_acl_access) on the trust store" $DIR mgattack setxattr $DIR system.posix_acl_access
attempt "set a default ACL on the trust store" $DIR mgattack setxattr $DIR system.posix_acl_default
attempt "removexattr trusted.mg from the CLI" $MG_CLI mgattack removexattr $MG_CLI trusted.mg
attempt "FS_IOC_SETFLAGS on the policy" $POL mgattack setflags $POL
attempt "FS_IOC_SETFLAGS on the trust store directory" $DIR mgattack setflags $DIR
attempt "FS_IOC_FSSETXATTR on the trusted program" $MG_LOADER mgattack fssetxattr $MG_LOADER

attack_summary
done_testing
