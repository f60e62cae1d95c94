#!/bin/sh
# Rule (a) with the default policy (trust_kernel_keys = yes): real Debian
# modules load through the kernel's own keys, with their dependencies, by
# busybox modprobe and by modguard modprobe; a Debian module changed by one
# byte is refused by the kernel.  modguard modprobe resolves the test modules'
# dep_a/dep_b chain and loads every link through the trusted program.  The
# trusted program keeps a module's signature for the kernel's own check when
# the kernel holds the signer's key, and leaves it out when it does not.
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d /tmp/m
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt

# Signed test modules where modules.dep expects them (the tree is read-only).
extra=$MG_KMODDIR/extra/modguard-test
mount -t tmpfs tmpfs "$extra"
for m in hello dep_a dep_b params evil permanent; do
	modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o "$extra/$m.ko" "$MG_MODULES/$m.ko"
done

# The kernel's own certificates, outside trust.d: admit -C narrows the store to them.
expect_ok modguard keys extract-kernel -q "$MG_VMLINUZ" -o /etc/modguard/kernel-certs

# Before the guard: the trusted program verifies hello against the owner's
# key, which the kernel does not hold, and hands init_module the bytes before
# the signature: exactly the unsigned module that modguard sign signed.
want=$(stat -c %s "$MG_MODULES/hello.ko")
# unsigned_load WHAT CMD...: CMD (with MODGUARD_DEBUG=1) loads hello and the
# trusted program says it passed the $want bytes before the signature.
unsigned_load() {
	_what=$1
	shift
	if env MODGUARD_DEBUG=1 "$@" >/tmp/out 2>&1 &&
		grep -q "hello.ko: the kernel holds no key of the signer: loading the $want bytes before the signature" /tmp/out; then
		ok "$_what: init_module got the $want bytes before the signature"
	else
		not_ok "$_what: init_module got the $want bytes before the signature"
		sed 's/^/#   /' /tmp/out
	fi
}
dmesg_mark
# An installation has a deny list (setup and guard start make an empty one):
# the trusted program requires it.
[ -e /etc/modguard/deny.list ] || : >/etc/modguard/deny.list
unsigned_load "no kernel key for the owner's signer" /usr/lib/modguard/modguard-loader load "$extra/hello.ko"
expect_dmesg 'modguard-test: hello loaded' "hello loaded without its signature"
case $(cat /sys/module/hello/taint 2>/dev/null) in
*E*) ok "hello is marked unsigned (E), as a module with an unknown key is" ;;
*) not_ok "hello is marked unsigned (E) ($(cat /sys/module/hello/taint 2>&1))" ;;
esac
expect_ok rmmod hello
cp "$extra/hello.ko" /tmp/m/hello.ko

expect_ok modguard guard start

# ---- Debian modules, kernel keys ------------------------------------------
dmesg_mark
expect_ok "$MG_KMOD/modprobe" vfat
if module_loaded vfat && module_loaded fat; then ok "vfat and its dependency fat loaded"; else not_ok "vfat and its dependency fat loaded"; fi
expect_ok modguard modprobe udf
if module_loaded udf && module_loaded cdrom && module_loaded crc_itu_t; then
	ok "udf, cdrom and crc_itu_t loaded through modguard modprobe"
else
	not_ok "udf, cdrom and crc_itu_t loaded through modguard modprobe"
	cat /proc/modules | sed 's/^/#   /'
fi
expect_ok modguard modprobe -r udf
if modguard modprobe -r udf >/tmp/out 2>&1; then not_ok "modprobe -r of a module not loaded fails"; else ok "modprobe -r of a module not loaded fails"; fi
if module_loaded udf || module_loaded cdrom; then not_ok "modguard modprobe -r removed udf and its unused deps"; else ok "modguard modprobe -r removed udf and its unused deps"; fi

# An alias, resolved by libkmod: fs-msdos is msdos.
expect_ok modguard modprobe fs-msdos
module_loaded msdos && ok "alias fs-msdos loaded msdos" || not_ok "alias fs-msdos loaded msdos"

# A leaf of Debian's lib/ as the kernel loads it (6.12 ships .ko.xz; crc7
# on 6.x, another crc on 7.x: debian_leaf).  Its copies keep the name crc7.ko.
debian_leaf || not_ok "a leaf module of lib/ among Debian's (debian_leaf)"
crc7=$LEAF_FILE
case $crc7 in
*.ko.xz) xzcat "$crc7" >/tmp/m/crc7.ko ;;
*) cp "$crc7" /tmp/m/crc7.ko ;;
esac
# init_module of a buffer the kernel's own keys verify, from a process that is
# not the trusted program: rule (a) holds for it as for finit_module (kmod
# before 31 loads every compressed module this way).
dmesg_mark
expect_ok sysload init /tmp/m/crc7.ko
if module_loaded "$LEAF" && ! grep -q E /sys/module/$LEAF/taint; then
	ok "$LEAF loaded by init_module from an untrusted process, verified by the kernel's keys"
else
	not_ok "$LEAF loaded by init_module from an untrusted process, verified by the kernel's keys"
fi
expect_ok rmmod "$LEAF"
# A Debian module with one byte changed: the kernel's own check rejects it,
# from a file and from a buffer alike.
cp /tmp/m/crc7.ko /tmp/m/crc7-flipped.ko
printf '\377' | dd of=/tmp/m/crc7-flipped.ko bs=1 seek=2048 conv=notrunc 2>/dev/null
cmp -s /tmp/m/crc7.ko /tmp/m/crc7-flipped.ko && not_ok "crc7-flipped differs from crc7"
expect_fail EKEYREJECTED sysload finit /tmp/m/crc7-flipped.ko
expect_fail EKEYREJECTED sysload init /tmp/m/crc7-flipped.ko
# busybox insmod retries with init_module when finit_module fails: the kernel rejects that too.
expect_fail EKEYREJECTED insmod /tmp/m/crc7-flipped.ko
if module_loaded "$LEAF"; then not_ok "flipped $LEAF not loaded"; else ok "flipped $LEAF not loaded"; fi
# The owner-signed hello, admitted, from a buffer of an untrusted process:
# admission is for module files and the trusted program, never for another
# process's init_module.  The same file loads by finit_module.
expect_ok modguard admit /tmp/m/hello.ko
expect_fail EPERM sysload init /tmp/m/hello.ko
module_loaded hello && not_ok "admitted hello not loaded by an untrusted init_module" ||
	ok "admitted hello not loaded by an untrusted init_module"
expect_ok sysload finit /tmp/m/hello.ko
expect_ok rmmod hello

# ---- modprobe of owner-signed modules --------------------------------------
# Not admitted yet: busybox and kmod modprobe are refused, modguard modprobe goes through the trusted program.
expect_fail EPERM modprobe dep_b
expect_fail EPERM "$MG_KMOD/modprobe" dep_b
if module_loaded dep_a || module_loaded dep_b; then not_ok "nothing of the dep_b chain loaded"; else ok "nothing of the dep_b chain loaded"; fi
dmesg_mark
expect_ok modguard modprobe dep_b
expect_dmesg 'dep_b loaded, dep_a says 42' "modguard modprobe loaded dep_a then dep_b"
expect_ok modguard modprobe -r dep_b
if module_loaded dep_a; then not_ok "modprobe -r dep_b removed dep_a"; else ok "modprobe -r dep_b removed dep_a"; fi

# As argv[0] "modprobe", with /etc/modprobe.d options.
mkdir -p /tmp/bin /etc/modprobe.d
ln -s /usr/bin/modguard /tmp/bin/modprobe
echo "options params word=fromconf" >/etc/modprobe.d/params.conf
dmesg_mark
expect_ok /tmp/bin/modprobe params number=3
expect_dmesg 'params word=fromconf number=3' "modprobe.d options and command-line parameters both applied"
expect_ok rmmod params
# Softdeps: hello first, through the trusted program too.
echo "softdep dep_b pre: hello" >/etc/modprobe.d/soft.conf
dmesg_mark
expect_ok modguard modprobe dep_b
if module_loaded hello && module_loaded dep_a && module_loaded dep_b; then
	ok "softdep pre: hello loaded with the dep_b chain"
else
	not_ok "softdep pre: hello loaded with the dep_b chain"
fi
expect_ok rmmod dep_b
expect_ok rmmod dep_a
expect_ok rmmod hello
rm /etc/modprobe.d/soft.conf
# Blacklist applies to aliases, not to the name itself (as modprobe).
echo "blacklist hello" >/etc/modprobe.d/bl.conf
expect_ok /tmp/bin/modprobe -n -v dep_a
if modguard modprobe -b hello >/tmp/out 2>&1; then not_ok "modprobe -b refuses blacklisted hello"; else ok "modprobe -b refuses blacklisted hello"; fi
module_loaded hello && not_ok "blacklisted hello not loaded" || ok "blacklisted hello not loaded"
rm /etc/modprobe.d/bl.conf

# Admitted: the stock busybox and kmod modprobe load the chain.
expect_ok modguard admit "$extra/dep_a.ko" "$extra/dep_b.ko"
dmesg_mark
expect_ok modprobe dep_b
expect_dmesg 'dep_b loaded, dep_a says 42' "busybox modprobe loaded the admitted chain"
expect_ok rmmod dep_b
expect_ok rmmod dep_a
dmesg_mark
expect_ok "$MG_KMOD/modprobe" dep_b
expect_dmesg 'dep_b loaded, dep_a says 42' "kmod modprobe loaded the admitted chain"

# The unsigned evil through modguard modprobe: refused by the trusted program, marker absent.
cp "$MG_MODULES/evil.ko" /tmp/m/evil.ko
dmesg_mark
umount "$extra"
mount -t tmpfs tmpfs "$extra"
cp "$MG_MODULES/evil.ko" "$extra/evil.ko"
if modguard modprobe evil >/tmp/out 2>&1; then not_ok "modguard modprobe refuses unsigned evil"; sed 's/^/#   /' /tmp/out; else ok "modguard modprobe refuses unsigned evil"; fi
expect_fail EPERM modprobe evil
expect_fail EPERM "$MG_KMOD/modprobe" evil
if dmesg_since | grep -q MODGUARD-EVIL-LOADED || module_loaded evil; then not_ok "evil's marker never appeared"; else ok "evil's marker never appeared"; fi

# ---- The kernel's own check by the trusted program --------------------------
# crc7, admitted against the kernel's own certificates: the kernel holds the
# signer's key, so modguard load keeps the signature and the kernel verifies
# it (no E).  Were the signature left out, the kernel would mark crc7 E.
module_loaded "$LEAF" && not_ok "$LEAF not loaded yet" || ok "$LEAF not loaded yet"
expect_ok modguard admit -C /etc/modguard/kernel-certs "$crc7"
if MODGUARD_DEBUG=1 modguard load "$crc7" >/tmp/out 2>&1 && ! grep -q "bytes before the signature" /tmp/out; then
	ok "modguard load $crc7 kept the signature"
else
	not_ok "modguard load $crc7 kept the signature"
	sed 's/^/#   /' /tmp/out
fi
if module_loaded "$LEAF" && ! grep -q E /sys/module/$LEAF/taint; then
	ok "$LEAF loaded by modguard load, verified by the kernel's own keys (taint '$(cat /sys/module/$LEAF/taint)')"
else
	not_ok "$LEAF loaded by modguard load, verified by the kernel's own keys (taint '$(cat /sys/module/$LEAF/taint 2>&1)')"
fi
expect_ok rmmod "$LEAF"
# hello, admitted against the owner's key: loads from the bytes before its
# signature (admit noted that the kernel holds no key of the signer), marked E
# as ever.
expect_ok modguard admit /tmp/m/hello.ko
dmesg_mark
unsigned_load "admitted hello" modguard load /tmp/m/hello.ko
expect_dmesg 'modguard-test: hello loaded' "admitted hello loaded by modguard load"
grep -q E /sys/module/hello/taint && ok "hello is marked E" || not_ok "hello is marked E ($(cat /sys/module/hello/taint 2>&1))"
expect_ok rmmod hello

# The audit stream has the kernel's own verdicts too (read after the fact:
# events wait in the ring buffer until a reader comes).
modguard guard log --timeout 3 >/tmp/log 2>&1
# kmod before 31 reads a compressed fat.ko.xz itself and loads the buffer:
# the kernel then has no file name to report.
case $crc7 in
*.ko.xz) fatfile='"comm":"modprobe","file":""' ;;
*) fatfile='"file":"fat.ko"' ;;
esac
if grep -q "\"decision\":\"allowed\",\"rule\":\"kernel-keys\",\"hook\":\"module_sig_check\".*$fatfile" /tmp/log; then
	ok "guard log: fat allowed by the kernel's keys ($fatfile)"
else
	not_ok "guard log: fat allowed by the kernel's keys ($fatfile)"
	grep -e fat -e modprobe /tmp/log | sed 's/^/#   /'
fi
if grep -q '"decision":"allowed","rule":"kernel-keys","hook":"module_sig_check".*"comm":"sysload","file":""' /tmp/log &&
	grep -q '"decision":"denied","rule":"init-module-untrusted","hook":"locked_down".*"comm":"sysload"' /tmp/log; then
	ok "guard log: init_module from sysload allowed by the kernel's keys ($LEAF), refused for admitted hello"
else
	not_ok "guard log: init_module from sysload: $LEAF allowed by the kernel's keys, hello refused"
	grep sysload /tmp/log | sed 's/^/#   /'
fi
if grep -q '"decision":"denied","rule":"kernel-rejected","hook":"module_sig_check".*"file":"crc7-flipped.ko"' /tmp/log; then
	ok "guard log: crc7-flipped.ko rejected by the kernel"
else
	not_ok "guard log: crc7-flipped.ko rejected by the kernel"
	grep crc7 /tmp/log | sed 's/^/#   /'
fi

done_testing
