#!/bin/sh
# The guard in enforce mode with the default policy (trust_kernel_keys = yes):
# every bad module is refused through every loading path, with the errno the
# caller sees, and its init never runs; admitted and trusted-loaded modules load.
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d /tmp/m
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt

# ---- Fixtures --------------------------------------------------------------
sign() { # KEY OUT IN
	modguard sign -q -k "$MG_KEYS/$1.key" -c "$MG_KEYS/$1.crt" -o "$2" "$3"
}
for m in hello dep_a dep_b params evil permanent; do
	sign owner /tmp/m/$m.ko "$MG_MODULES/$m.ko"
done
cp "$MG_MODULES/evil.ko" /tmp/m/evil-unsigned.ko
sign untrusted /tmp/m/evil-untrusted.ko "$MG_MODULES/evil.ko"
# One byte of code changed after signing.
cp /tmp/m/evil.ko /tmp/m/evil-flipped.ko
printf '\377' | dd of=/tmp/m/evil-flipped.ko bs=1 seek=4096 conv=notrunc 2>/dev/null
# Cut short after signing: the tail (signature marker included) is gone.
size=$(stat -c %s /tmp/m/evil.ko)
head -c $((size - 100)) /tmp/m/evil.ko >/tmp/m/evil-truncated.ko
# Deny list: a revoked key (a third key, otherwise trusted) and a revoked module.
modguard keygen -o /tmp/m/revoked -t rsa2048 --cn "modguard test revoked" >/dev/null
cp /tmp/m/revoked.crt /etc/modguard/trust.d/revoked.crt
modguard sign -q -k /tmp/m/revoked.key -c /tmp/m/revoked.crt -o /tmp/m/evil-revoked-key.ko "$MG_MODULES/evil.ko"
cert_fp=$(sed -n '/BEGIN CERT/,/END CERT/{/-----/d;p}' /tmp/m/revoked.crt | base64 -d | sha256sum | cut -d' ' -f1)
# The revoked module: evil signed by the trusted owner, hash on the deny list.
cp /tmp/m/evil.ko /tmp/m/evil-revoked-hash.ko
mod_fp=$(sha256sum </tmp/m/evil-revoked-hash.ko | cut -d' ' -f1)
printf '# test deny list\ncert %s\nmodule %s\n' "$cert_fp" "$mod_fp" >/etc/modguard/deny.list


# ---- Start -----------------------------------------------------------------
expect_ok modguard guard start
expect_ok test -e /sys/fs/bpf/modguard/admitted
modguard guard status >/tmp/status 2>&1
if grep -q '^mode: enforce' /tmp/status && grep -q '^trust_kernel_keys: yes' /tmp/status; then
	ok "guard status: enforce, trust_kernel_keys yes"
else
	not_ok "guard status: enforce, trust_kernel_keys yes"
	sed 's/^/#   /' /tmp/status
fi
# fast_kernel_hash (default yes): the accelerated SHA-256 module was loaded
# through the guard (decided by the kernel's keys), and IMA hashes modules on
# its ahash path.  Every admitted load below then proves that path gives the
# digest the trusted program computed.
# On 7.x IMA has no ahash path (no ahash_minsize) and SHA-256 is a library:
# the status must name that degraded mode, and nothing else changes.
if [ ! -e /sys/module/ima/parameters/ahash_minsize ]; then
	if grep -q "^kernel_hash: IMA's boot-time transform (no ahash path in this kernel's IMA)" /tmp/status; then
		ok "guard start: no IMA ahash path in this kernel, named as such: $(grep '^kernel_hash' /tmp/status)"
	else
		not_ok "guard start: no IMA ahash path in this kernel, named as such"
		sed 's/^/#   /' /tmp/status
	fi
elif [ "$(cat /sys/module/ima/parameters/ahash_minsize)" = 4096 ] && module_loaded sha256_ssse3 &&
	grep -q '^kernel_hash: sha256-[a-z0-9]* (IMA.s ahash path, files of 4096 bytes and more)' /tmp/status &&
	grep -q 'allowed *kernel-keys *module_sig_check .*sha256-ssse3.ko' /tmp/status; then
	ok "guard start: sha256_ssse3 loaded through the guard, IMA's ahash path from 4096 bytes: $(grep '^kernel_hash' /tmp/status)"
else
	not_ok "guard start: fast kernel hash"
	cat /sys/module/ima/parameters/ahash_minsize
	sed 's/^/#   /' /tmp/status
fi

# expect_exit CODE DESC CMD...: exit status exactly CODE.
expect_exit() {
	_code=$1 _desc=$2
	shift 2
	"$@" >/tmp/out 2>&1
	_rc=$?
	if [ "$_rc" = "$_code" ]; then
		ok "$_desc (exit $_rc)"
	else
		not_ok "$_desc (exit $_rc, wanted $_code)"
		sed 's/^/#   /' /tmp/out
	fi
}

expect_exit 1 "a second guard start is refused" modguard guard start

# ---- Admission refuses what it cannot verify --------------------------------
for bad in evil-unsigned evil-untrusted evil-flipped evil-truncated evil-revoked-key evil-revoked-hash; do
	expect_exit 1 "modguard admit refuses $bad" modguard admit /tmp/m/$bad.ko
done
expect_exit 0 "modguard admit hello dep_a dep_b" modguard admit /tmp/m/hello.ko /tmp/m/dep_a.ko /tmp/m/dep_b.ko
expect_exit 1 "modguard admit: 0 if all admitted, 1 otherwise" modguard admit /tmp/m/params.ko /tmp/m/evil-unsigned.ko
expect_exit 2 "modguard admit -C outside the protected store" modguard admit -C "$MG_KEYS/untrusted.crt" /tmp/m/evil-untrusted.ko

# ---- Every bad module, every path: refused, and its init never ran -----------
# "Signed file swapped after admit": admitted bytes replaced in place.
cp /tmp/m/hello.ko /tmp/m/swapped.ko
expect_ok modguard admit /tmp/m/swapped.ko
cat /tmp/m/evil.ko >/tmp/m/swapped.ko

extra=$MG_KMODDIR/extra/modguard-test
mount -t tmpfs tmpfs "$extra"
cp "$MG_MODULES"/*.ko "$extra/"
dmesg_mark
for bad in evil-unsigned evil-untrusted evil-flipped evil-truncated evil-revoked-key evil-revoked-hash swapped; do
	f=/tmp/m/$bad.ko
	expect_fail EPERM insmod "$f"
	expect_fail EPERM sysload finit "$f"
	expect_fail EPERM sysload init "$f"
	if [ -n "$MG_KMOD" ]; then
		expect_fail EPERM "$MG_KMOD/insmod" "$f"
		# kmod modprobe by name: the bad file stands in for evil.ko in the module tree.
		cp "$f" "$extra/evil.ko"
		if "$MG_KMOD/modprobe" evil >/tmp/out 2>&1; then
			not_ok "kmod modprobe evil ($bad) fails with EPERM (it succeeded)"
		elif grep -q 'Operation not permitted' /tmp/out; then
			ok "kmod modprobe evil ($bad) fails with EPERM"
		else
			not_ok "kmod modprobe evil ($bad) fails with EPERM (failed otherwise)"
			sed 's/^/#   /' /tmp/out
		fi
	else
		not_ok "Debian's kmod in the guest (\$MG_KMOD)"
	fi
	expect_exit 1 "modguard load refuses $bad" modguard load "$f"
done
# init_module of a good, signed module's bytes from a process that is not the trusted program.
expect_fail EPERM sysload init /tmp/m/params.ko
if dmesg_since | grep -q MODGUARD-EVIL-LOADED || module_loaded evil; then
	not_ok "evil's marker never appeared in the kernel log"
	dmesg_since | tail -n 20 | sed 's/^/#   /'
else
	ok "evil's marker never appeared in the kernel log"
fi
if module_loaded params; then not_ok "params not loaded by a raw init_module"; else ok "params not loaded by a raw init_module"; fi

# ---- Allowed ---------------------------------------------------------------
dmesg_mark
expect_ok insmod /tmp/m/hello.ko
expect_dmesg 'modguard-test: hello loaded' "admitted hello ran its init"
# Decided by the digest the kernel took of the buffer it loaded, checked here
# against the signed part's SHA-256 computed in the shell.
want=$(signed_part_sha256 /tmp/m/hello.ko)
modguard guard status >/tmp/status 2>&1
if grep -q '^kernel_digest: yes' /tmp/status &&
	grep -q "allowed *admitted *locked_down .* hello.ko signed-part sha256:$want\$" /tmp/status; then
	ok "admitted hello: allowed at locked_down by the kernel's digest of its signed part ($want)"
else
	not_ok "admitted hello: allowed by the kernel's digest of its signed part ($want)"
	sed 's/^/#   /' /tmp/status
fi
expect_ok rmmod hello
expect_ok sysload finit /tmp/m/dep_a.ko
expect_ok "$MG_KMOD/insmod" /tmp/m/dep_b.ko
expect_dmesg 'dep_b loaded, dep_a says 42' "admitted dep_a/dep_b chain loaded"
expect_ok rmmod dep_b
expect_ok rmmod dep_a
expect_ok modguard load /tmp/m/params.ko word=trusted number=7
expect_dmesg 'params word=trusted number=7' "modguard load passed the parameters"
expect_ok rmmod params
# The trusted program refuses a second instance with its own words.
expect_ok modguard load /tmp/m/params.ko
expect_exit 1 "modguard load of a loaded module" modguard load /tmp/m/params.ko
expect_ok rmmod params

# ---- Status and counters ------------------------------------------------------
modguard guard status >/tmp/status 2>&1
denied=$(sed -n 's/^denied: //p' /tmp/status)
if [ "${denied:-0}" -gt 0 ] && grep -q 'denied *not-admitted' /tmp/status; then
	ok "guard status counts denials ($denied) and lists recent decisions"
else
	not_ok "guard status counts denials and lists recent decisions"
	sed 's/^/#   /' /tmp/status
fi

# An admitted module's bytes hash to an entry of the admitted map: the trusted
# program loads them without verifying the signature a second time.  A module
# that is not admitted (hello signed with SHA-512: other bytes) is verified.
MODGUARD_DEBUG=1 modguard load /tmp/m/params.ko >/tmp/out 2>&1
if module_loaded params && grep -q 'params.ko: sha256 .* is admitted: loading' /tmp/out; then
	ok "modguard load of an admitted module takes the admitted hash"
else
	not_ok "modguard load of an admitted module takes the admitted hash"
	sed 's/^/#   /' /tmp/out
fi
expect_ok rmmod params
modguard sign -q -a sha512 -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello512.ko "$MG_MODULES/hello.ko"
MODGUARD_DEBUG=1 modguard load /tmp/m/hello512.ko >/tmp/out 2>&1
if module_loaded hello && ! grep -q 'is admitted' /tmp/out; then
	ok "modguard load of a trusted module that is not admitted verifies it and loads it"
else
	not_ok "modguard load of a trusted module that is not admitted verifies it and loads it"
	sed 's/^/#   /' /tmp/out
fi
expect_ok rmmod hello
# The same code signed with SHA-512 is not what was admitted: the kernel's
# digest of it is a SHA-512, and no such key is in the map.
dmesg_mark
expect_fail EPERM insmod /tmp/m/hello512.ko
if module_loaded hello; then not_ok "hello512 not loaded by insmod"; else ok "hello512 not loaded by insmod"; fi
grep -q '^admitted: 4$' /tmp/status && ok "4 hashes admitted" || { not_ok "4 hashes admitted"; sed 's/^/#   /' /tmp/status; }

# Signatures the kernel may not hash: SHA-3 (6.1 cannot parse it) and SHA-384
# (its driver is a module, not loaded here).  Admission leaves a hint on the
# file's inode, and the guard hashes that file itself, by its SHA-256.
for a in sha3-256 sha384; do
	modguard sign -q -a $a -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello-$a.ko "$MG_MODULES/hello.ko"
done
expect_ok modguard admit /tmp/m/hello-sha3-256.ko /tmp/m/hello-sha384.ko
for a in sha3-256 sha384; do
	dmesg_mark
	expect_ok insmod /tmp/m/hello-$a.ko
	expect_dmesg 'modguard-test: hello loaded' "admitted $a-signed hello ran its init"
	want=$(sha256sum </tmp/m/hello-$a.ko | cut -d' ' -f1)
	modguard guard status >/tmp/status 2>&1
	if grep -q "allowed *admitted *kernel_read_file .* hello-$a.ko sha256:$want\$" /tmp/status; then
		ok "admitted $a-signed hello: allowed at kernel_read_file by its file's SHA-256"
	else
		not_ok "admitted $a-signed hello: allowed by its file's SHA-256 ($want)"
		sed 's/^/#   /' /tmp/status
	fi
	expect_ok rmmod hello
done
# The same bytes at another inode carry no hint.  The kernel cannot parse a
# SHA-3 signature here, so it takes no digest, and nothing admits the load.
cp /tmp/m/hello-sha3-256.ko /tmp/m/hello-sha3-copy.ko
expect_fail EPERM insmod /tmp/m/hello-sha3-copy.ko
if module_loaded hello; then not_ok "the unhinted copy is not loaded"; else ok "the unhinted copy is not loaded"; fi

# ---- The trusted program cannot be traced or read ------------------------------
# guard log is the CLI; it reads the events through the trusted program,
# its child (guard events), which is what an attacker would go after.
modguard guard log --timeout 60 >/dev/null 2>&1 &
cli=$!
sleep 30 &
sp=$!
sleep 1
lp=$(trusted_child $cli)
[ -n "$lp" ] && ok "guard log reads through the trusted program (child $lp)" || not_ok "guard log reads through the trusted program (no child of $cli is modguard-loader)"
expect_ok dd if=/proc/$sp/mem of=/dev/null count=0
expect_fail EPERM dd if=/proc/$lp/mem of=/dev/null count=0
expect_fail EPERM cat /proc/$lp/environ
expect_fail EPERM mgattack ptrace $lp
expect_fail EPERM mgattack vm-writev $lp
# Exec of the trusted binary by a traced or seccomp-filtered task: refused.
# Both the guard (steered-exec) and the self-protection refuse it, by the
# one rule of bpf/trusted.h; the self-protection programs run first (the
# newest BPF LSM program on a hook runs first), so its exec counter shows it.
# The execs carry no environment (env -i), so that nothing but the steering
# is refused.
exec_refusals() { modguard guard status 2>&1 | sed -n 's/.* exec \([0-9][0-9]*\).*/\1/p' | head -n 1; }
n0=$(exec_refusals)
expect_fail EPERM env -i mgattack traced-exec /usr/lib/modguard/modguard-loader guard dump
n1=$(exec_refusals)
[ -n "$n0" ] && [ -n "$n1" ] && [ "$n1" -gt "$n0" ] &&
	ok "traced exec refused by the self-protection's exec rule ($n0 -> $n1)" ||
	not_ok "traced exec refused by the self-protection's exec rule ('$n0' -> '$n1')"
expect_fail EPERM env -i mgattack seccomp-exec /usr/lib/modguard/modguard-loader guard dump
# Exec of the trusted binary with an environment: refused (the C library and
# libcrypto read variables before main); with none, as modguard execs it, it runs.
expect_fail EPERM env -i GLIBC_TUNABLES=glibc.malloc.perturb=85 /usr/lib/modguard/modguard-loader guard dump
modguard guard status 2>&1 | grep -q 'denied *exec-environment *exec .* env' &&
	ok "exec with an environment refused by the guard's exec-environment rule" ||
	not_ok "exec with an environment refused by the guard's exec-environment rule"
expect_fail EPERM /usr/lib/modguard/modguard-loader guard dump
expect_ok env -i /usr/lib/modguard/modguard-loader guard dump
if modguard guard status 2>&1 | grep -q 'denied *ptrace-trusted'; then
	ok "ptrace denial reported"
else
	not_ok "ptrace denial reported"
fi
# The CLI gone, its trusted reader stops too (it sees the pipe close), so
# no guard log leaves a trusted program running behind it.
kill $cli $sp 2>/dev/null
wait $cli 2>/dev/null
i=0
while [ -d /proc/$lp ] && [ $i -lt 20 ]; do sleep 0.5; i=$((i + 1)); done
[ ! -d /proc/$lp ] && ok "guard log's trusted reader ends with the CLI" || { not_ok "guard log's trusted reader ends with the CLI (pid $lp still there)"; kill $lp; }

# ---- Nobody reading: events are dropped and counted, enforcement goes on -----
# The ring holds about 1200 events; 1500 refusals overflow it.
head -c 256 /dev/zero >/tmp/m/junk.ko
i=0
while [ $i -lt 1500 ]; do
	sysload init /tmp/m/junk.ko >/dev/null
	i=$((i + 1))
done
expect_fail EPERM sysload init /tmp/m/junk.ko
modguard guard status >/tmp/status 2>&1
dropped=$(sed -n 's/^events_dropped: //p' /tmp/status)
[ "${dropped:-0}" -gt 0 ] && ok "events dropped while nobody reads are counted ($dropped)" || { not_ok "events dropped while nobody reads are counted"; sed 's/^/#   /' /tmp/status; }
# A reader drains the ring; new events get through again.
modguard guard log --timeout 2 >/tmp/log 2>&1
sysload init /tmp/m/junk.ko >/dev/null
modguard guard log --timeout 2 >/tmp/log2 2>&1
grep -q '"comm":"sysload"' /tmp/log2 && ok "after a reader drained the ring, new events are logged" || { not_ok "after a reader drained the ring, new events are logged"; tail -n 3 /tmp/log2 | sed 's/^/#   /'; }

done_testing
