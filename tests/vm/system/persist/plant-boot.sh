#!/bin/sh
# Persistence attempts of root's that run at the next boot *before* the real
# root's modguard.service (tests/vm/system/run --guarded-script): each one
# worked against a guard that started on the real root.  With the guard
# started in the initramfs, each can only try.  Every plant runs mg-try,
# which tries to load evil and appends "VECTOR rc=N message" to
# /run/mg-persist/log, so that check-boot.sh (--reboot-script) proves each
# plant ran, and that each attempt failed.
. /tests/lib.sh
. /tests/lib-system.sh

TRY=/usr/local/sbin/mg-try
mkdir -p /usr/local/sbin /usr/local/lib
cat >$TRY <<'EOS'
#!/bin/sh
# mg-try VECTOR: try to load evil; record the outcome.
mkdir -p /run/mg-persist 2>/dev/null
out=$(/sbin/insmod /modules/evil.ko 2>&1)
rc=$?
echo "$1 rc=$rc $out" >>/run/mg-persist/log
exit 0
EOS
chmod 755 $TRY
check "mg-try is in place" test -x $TRY

# 1. A systemd generator: runs before any unit.
mkdir -p /etc/systemd/system-generators
printf '#!/bin/sh\n%s generator\nexit 0\n' $TRY >/etc/systemd/system-generators/mg-evil
chmod 755 /etc/systemd/system-generators/mg-evil
check "plant: a generator in /etc/systemd/system-generators" test -x /etc/systemd/system-generators/mg-evil

# 2. A unit with DefaultDependencies=no, ordered before modguard.service.
cat >/etc/systemd/system/mg-evil-early.service <<EOS
[Unit]
Description=persistence attempt: before modguard.service
DefaultDependencies=no
Before=modguard.service systemd-udevd.service sysinit.target
[Service]
Type=oneshot
ExecStart=$TRY early-unit
[Install]
WantedBy=sysinit.target
EOS
check "plant: a DefaultDependencies=no unit before modguard.service, enabled" systemctl enable mg-evil-early.service

# 3. An install command for a module systemd itself loads before any unit.
check "plant: a modprobe.d install command for autofs4 (systemd loads it first)" sh -c \
	"echo 'install autofs4 $TRY modprobe-autofs4; /sbin/modprobe --ignore-install autofs4' >/etc/modprobe.d/zz-mg-autofs4.conf"

# 4, 5. A preloaded library: in pid 1 (/etc/ld.so.preload), and in every
# service (systemd's DefaultEnvironment=LD_PRELOAD).
for v in ld-so-preload default-environment; do
	if [ $v = ld-so-preload ]; then cond='getpid() == 1'; else cond='getpid() != 1'; fi
	cat >/tmp/mg-$v.c <<EOS
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void mg(void)
{
	int fd;

	if (!($cond))
		return;
	mkdir("/run/mg-persist", 0755);
	fd = open("/run/mg-persist/$v.once", O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd < 0)
		return;
	close(fd);
	if (fork() == 0) {
		execl("$TRY", "mg-try", "$v", (char *)0);
		_exit(127);
	}
}
EOS
	check "build the $v library" gcc -shared -fPIC -include sys/stat.h -o /usr/local/lib/mg-$v.so /tmp/mg-$v.c
done
check "plant: /etc/ld.so.preload" sh -c 'echo /usr/local/lib/mg-ld-so-preload.so >/etc/ld.so.preload'
mkdir -p /etc/systemd/system.conf.d
check "plant: DefaultEnvironment=LD_PRELOAD in system.conf.d" sh -c \
	'printf "[Manager]\nDefaultEnvironment=LD_PRELOAD=/usr/local/lib/mg-default-environment.so\n" >/etc/systemd/system.conf.d/mg-evil.conf'

# 6. /sbin/init replaced by a wrapper that tries, then execs systemd.
check "keep /sbin/init as it is" cp -a /sbin/init /root/mg-sbin-init.orig
check "plant: /sbin/init wrapper" sh -c \
	"rm -f /sbin/init && printf '#!/bin/sh\n$TRY sbin-init\nexec /lib/systemd/systemd \"\$@\"\n' >/sbin/init && chmod 755 /sbin/init"

# 7. init= on the kernel command line, through GRUB's configuration.
# It hands on to /sbin/init, so that the wrapper above runs too.
printf '#!/bin/sh\n%s init-param\nexec /sbin/init "$@"\n' $TRY >/usr/local/sbin/mg-evil-init
chmod 755 /usr/local/sbin/mg-evil-init
grub_plant init init=/usr/local/sbin/mg-evil-init

# 8. A udev rule that runs a command for every network device.
check "plant: a udev rule with RUN+= for network devices" sh -c \
	"echo 'ACTION==\"add\", SUBSYSTEM==\"net\", RUN+=\"$TRY udev-rule\"' >/etc/udev/rules.d/99-mg-evil.rules"

# 9. A drop-in that runs a command before systemd-udevd starts.
mkdir -p /etc/systemd/system/systemd-udevd.service.d
check "plant: an ExecStartPre= drop-in for systemd-udevd.service" sh -c \
	"printf '[Service]\nExecStartPre=-$TRY udevd-dropin\n' >/etc/systemd/system/systemd-udevd.service.d/mg-evil.conf"

# 10. Debian's /etc/modules (systemd-modules-load reads it through modules-load.d).
check "plant: evil in /etc/modules" sh -c 'echo evil >>/etc/modules'

# 11. A script in the initramfs that runs after init-top (init-premount),
# with evil copied into the image by a hook of root's.
mkdir -p /etc/initramfs-tools/hooks /etc/initramfs-tools/scripts/init-premount
cat >/etc/initramfs-tools/hooks/mg-evil <<'EOS'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
mkdir -p "$DESTDIR/mg"
cp /modules/evil.ko "$DESTDIR/mg/evil.ko"
EOS
cat >/etc/initramfs-tools/scripts/init-premount/mg-evil <<'EOS'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
mkdir -p /run/mg-persist
out=$(insmod /mg/evil.ko 2>&1)
echo "initramfs-script rc=$? $out" >>/run/mg-persist/log
exit 0
EOS
chmod 755 /etc/initramfs-tools/hooks/mg-evil /etc/initramfs-tools/scripts/init-premount/mg-evil
update-initramfs -u -k "$KVER" >/tmp/ui.out 2>&1
rc=$?
[ $rc = 0 ] && ok "plant: an init-premount script and a hook, in a rebuilt initramfs" ||
	{ not_ok "plant: an init-premount script and a hook, in a rebuilt initramfs (update-initramfs exit $rc)"; sed 's/^/#   /' /tmp/ui.out; }
lsinitramfs /boot/initrd.img-$KVER >/tmp/initrd.list 2>&1
check "the rebuilt image holds the plant, and the guard" sh -c \
	"grep -q 'scripts/init-premount/mg-evil' /tmp/initrd.list && grep -qx 'scripts/init-top/modguard' /tmp/initrd.list"

check "evil not loaded now either" evil_never_loaded
sync
done_testing
