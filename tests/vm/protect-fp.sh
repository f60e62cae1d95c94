#!/bin/sh
# False positives: with the guard started and self-protection locked,
# ordinary work keeps working.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=fp

mg_guard_up
KV=$(uname -r)

# Booting: this script runs after the boot and the guard start above.
check "boot finished and the guard runs (modguard guard status)" modguard guard status

# Ordinary file work elsewhere, /etc, /usr and /lib/modules included.
check "create, write, append to a file in /etc" sh -c 'echo a >/etc/fp.conf && echo b >>/etc/fp.conf && grep -q b /etc/fp.conf'
check "atomic replace in /etc (temp file + rename)" sh -c 'echo c >/etc/fp.conf.tmp && mv /etc/fp.conf.tmp /etc/fp.conf'
check "chmod, chown, touch, hard link, symlink in /etc" sh -c 'chmod 600 /etc/fp.conf && chown 1:1 /etc/fp.conf && touch /etc/fp.conf && ln /etc/fp.conf /etc/fp.hard && ln -s fp.conf /etc/fp.sym'
check "xattrs on an ordinary file" sh -c 'mgattack setxattr /etc/fp.conf trusted.fp 1 && mgattack removexattr /etc/fp.conf trusted.fp'
check "mkdir, rename and rm -rf a tree under /etc" sh -c 'mkdir -p /etc/fp.d/a && echo x >/etc/fp.d/a/f && mv /etc/fp.d /etc/fp2.d && rm -rf /etc/fp2.d /etc/fp.conf /etc/fp.hard /etc/fp.sym'
check "/etc/systemd/system: an unrelated unit, enabled and disabled" sh -c 'printf "[Unit]\n" >/etc/systemd/system/other.service && ln -s /etc/systemd/system/other.service /etc/systemd/system/multi-user.target.wants/other.service && rm /etc/systemd/system/multi-user.target.wants/other.service /etc/systemd/system/other.service'
check "files in /usr/local and /usr/share" sh -c 'mkdir -p /usr/local/bin /usr/share/fp && cp /bin/busybox /usr/local/bin/fp && rm /usr/local/bin/fp && echo x >/usr/share/fp/x && rm -r /usr/share/fp'
check "a file next to the trusted program's directory (/usr/lib)" sh -c 'echo x >/usr/lib/fp-file && mv /usr/lib/fp-file /usr/lib/fp-file2 && rm /usr/lib/fp-file2'
check "/lib/modules: a new directory next to the kernel's tree" sh -c "mkdir -p /lib/modules/fp-$KV/extra && echo x >/lib/modules/fp-$KV/extra/m && rm -rf /lib/modules/fp-$KV"
debian_leaf || not_ok "a leaf module of lib/ among Debian's (debian_leaf)"
check "the module tree stays readable (modinfo $LEAF)" sh -c "${MG_KMOD:+$MG_KMOD/}modinfo $LEAF | grep -q license"
check "read the protected files" sh -c 'cat /etc/modguard/policy >/dev/null && sha256sum /usr/lib/modguard/modguard-loader >/dev/null && ls /sys/fs/bpf/modguard >/dev/null'
check "fstrim and fsfreeze on / are not refused by the guard" sh -c 'out=$(fstrim -v / 2>&1; fsfreeze -f / 2>&1 && fsfreeze -u / 2>&1); echo "$out"; ! echo "$out" | grep -q "not permitted"'
check "tmpfs mount and umount on /mnt" sh -c 'mkdir -p /mnt/fp && mount -t tmpfs none /mnt/fp && echo x >/mnt/fp/x && umount /mnt/fp'
check "bind mount of /etc/modguard elsewhere (read-only view)" sh -c 'mkdir -p /mnt/view && mount --bind /etc/modguard /mnt/view && cat /mnt/view/policy >/dev/null && umount /mnt/view'
check "unshare -m: bind /etc onto itself read-only (systemd ProtectSystem=)" unshare -m sh -c 'mount --bind /etc /etc && mount -o remount,bind,ro /etc && mount --make-rslave /'
check "unshare -m: private /tmp (systemd PrivateTmp=)" unshare -m sh -c 'mount -t tmpfs none /tmp && echo x >/tmp/x'

# bpffs: other pins come and go.
check "create and delete another bpffs pin" sh -c 'mgattack bpf-pin-ok /sys/fs/bpf/fp-map && rm /sys/fs/bpf/fp-map'
check "a directory of pins in bpffs" sh -c 'mkdir /sys/fs/bpf/fp && mgattack bpf-pin-ok /sys/fs/bpf/fp/m && rm -r /sys/fs/bpf/fp'

# Other BPF users.
check "load and attach an unrelated tracing program (raw_tp sys_enter)" mgattack bpf-tracing-ok
mkdir -p /sys/fs/cgroup
mountpoint -q /sys/fs/cgroup 2>/dev/null || mount -t cgroup2 none /sys/fs/cgroup
check "load, attach and detach a cgroup program" mgattack bpf-cgroup-ok /sys/fs/cgroup
check "an LSM program of someone else loads and attaches" mgattack bpf-lsm file_open
check "an fentry program of someone else loads and attaches" mgattack bpf-fentry vfs_unlink

# Modules: load (kernel keys), rmmod of ordinary modules, admit after the lock.
check "modprobe a Debian module ($LEAF)" modprobe "$LEAF"
check "rmmod an ordinary module ($LEAF)" rmmod "$LEAF"
mkdir -p /tmp/m
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/dep_a.ko "$MG_MODULES/dep_a.ko"
check "modguard admit after the lock" modguard admit /tmp/m/dep_a.ko
check "insmod of the admitted module, then rmmod" sh -c 'insmod /tmp/m/dep_a.ko && rmmod dep_a'

# An apt-style package install that does not touch protected files: unpack
# into place, replace by rename, run a maintainer script, purge.
mkdir -p /tmp/pkg/usr/bin /tmp/pkg/etc/fp-pkg /tmp/pkg/usr/share/doc/fp-pkg /tmp/pkg/lib/systemd/system
cp /bin/busybox /tmp/pkg/usr/bin/fp-tool
echo "conf" >/tmp/pkg/etc/fp-pkg/fp.conf
echo "doc" >/tmp/pkg/usr/share/doc/fp-pkg/README
printf '[Unit]\nDescription=fp\n' >/tmp/pkg/lib/systemd/system/fp-pkg.service
(cd /tmp/pkg && tar cf /tmp/fp-pkg.tar .)
check "package unpack into / (tar -x, dpkg style)" tar xf /tmp/fp-pkg.tar -C /
check "package upgrade: files replaced by rename" sh -c 'for f in /usr/bin/fp-tool /etc/fp-pkg/fp.conf /lib/systemd/system/fp-pkg.service; do cp $f $f.dpkg-new && mv $f.dpkg-new $f; done'
check "postinst: enable the package's unit" ln -s /lib/systemd/system/fp-pkg.service /etc/systemd/system/multi-user.target.wants/fp-pkg.service
check "package purge" rm -rf /usr/bin/fp-tool /etc/fp-pkg /usr/share/doc/fp-pkg /lib/systemd/system/fp-pkg.service /etc/systemd/system/multi-user.target.wants/fp-pkg.service

# Status, after all that.
modguard guard status >/tmp/status.out 2>&1
if grep -q '^guard: running' /tmp/status.out && grep -q '^protection: locked' /tmp/status.out; then
	ok "modguard guard status: guard running, $(grep '^protection refused' /tmp/status.out)"
else
	not_ok "modguard guard status reports the guard running and the protection locked"
	sed 's/^/#   /' /tmp/status.out
fi

done_testing
