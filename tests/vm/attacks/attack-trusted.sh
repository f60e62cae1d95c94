#!/bin/sh
# The trusted program: tampering with a running instance, starting it traced,
# preloading into it, or running it where it would read another trust store.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=trusted

mg_guard_up

# A long-running instance: the log reader.  modguard guard log is the CLI;
# the trusted program is its child (guard events), serving the raw events.
modguard guard log >/tmp/log.out 2>&1 &
CLI=$!
sleep 2
# /proc/PID/exe needs ptrace access, which the guard refuses: comm it is.
PID=$(trusted_child $CLI)
if [ -n "$PID" ]; then
	ok "$FAMILY: target: modguard guard log, pid $PID, comm $(cat /proc/$PID/comm), exe hidden ($(readlink /proc/$PID/exe 2>&1 || echo refused))"
else
	not_ok "$FAMILY: target: no child of the CLI $CLI is the trusted program"
fi

attempt_refused "PTRACE_ATTACH" mgattack ptrace $PID
attempt_refused "PTRACE_SEIZE" mgattack seize $PID
attempt_refused "process_vm_writev" mgattack vm-writev $PID
attempt_refused "process_vm_readv" mgattack vm-readv $PID
attempt_refused "open /proc/PID/mem read-write" mgattack proc-mem $PID
attempt_refused "pidfd_getfd of its fds" mgattack pidfd-getfd $PID 3
attempt_refused "read /proc/PID/environ" cat /proc/$PID/environ
# The execs below carry no environment (env -i) unless the environment is
# the attack, so that each is refused for its own reason.
attempt_refused "exec it while traced (PTRACE_TRACEME)" env -i mgattack traced-exec $MG_LOADER guard dump
attempt_refused "exec it under a seccomp filter faking ENOENT for access() (would hide the deny list)" env -i mgattack seccomp-exec $MG_LOADER guard dump
# Before main, the C library reads GLIBC_TUNABLES and libcrypto reads
# OPENSSL_ia32cap: an exec with any environment is refused.
attempt_refused "exec it with GLIBC_TUNABLES (parsed by the C library before main)" env -i GLIBC_TUNABLES=glibc.malloc.perturb=85 $MG_LOADER guard dump
attempt_refused "exec it with OPENSSL_ia32cap (read by libcrypto's CPU detection before main)" env -i OPENSSL_ia32cap=0 $MG_LOADER guard dump
attempt_refused "exec it with an innocuous variable (TERM=dumb)" env -i TERM=dumb $MG_LOADER guard dump

# It is static: the dynamic loader never runs, so LD_PRELOAD and
# LD_LIBRARY_PATH would never be read; and an exec that carries them is
# refused anyway.  A dynamic binary (the CLI) shows the variable is honoured
# where there is an ld.so; with no environment the trusted program runs.
_att_n=$((_att_n + 1))
out=$(LD_PRELOAD=/tmp/evil.so LD_LIBRARY_PATH=/tmp/evil $MG_LOADER guard dump 2>&1)
rc=$?
ctl=$(LD_PRELOAD=/tmp/evil.so $MG_CLI --help 2>&1 | grep -c 'cannot be preloaded')
env -i $MG_LOADER guard dump >/dev/null 2>&1
legit=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'Operation not permitted' && ! echo "$out" | grep -q 'preload' &&
	[ "$ctl" -gt 0 ] && [ $legit -eq 0 ] && ! od -A n -c -N 4096 $MG_LOADER | tr -d ' \n' | grep -q 'ld-linux'; then
	_att_blocked=$((_att_blocked + 1))
	ok "$FAMILY: LD_PRELOAD/LD_LIBRARY_PATH into the trusted program: exec refused (exit $rc, environment), static (no PT_INTERP); with no environment guard dump exits 0; the dynamic CLI does complain: BLOCKED"
else
	_att_bypassed=$((_att_bypassed + 1))
	not_ok "$FAMILY: LD_PRELOAD into the trusted program: exit $rc, output: $out, control $ctl, env -i run $legit: BYPASSED"
fi

# Another root: a chroot whose /etc/modguard the attacker wrote, reaching the
# trusted binary through a bind mount of the file; a private mount namespace.
mkdir -p /tmp/fr/etc/modguard/trust.d /tmp/fr/usr/lib/modguard
cp "$MG_KEYS/untrusted.crt" /tmp/fr/etc/modguard/trust.d/
touch /tmp/fr/loader
mount --bind $MG_LOADER /tmp/fr/loader
attempt_refused "run it in a chroot with the attacker's trust store" env -i chroot /tmp/fr /loader load /modules/evil.ko
attempt_refused "run it in a new mount namespace" env -i unshare -m $MG_LOADER guard dump
attempt_refused "run it in a new mount namespace with tmpfs on /tmp only" unshare -m sh -c "mount -t tmpfs none /tmp && exec env -i $MG_LOADER guard dump"
umount /tmp/fr/loader

# The log reader is only a reader: killing it changes nothing.
attempt_switch "kill -9 the guard log reader (pid $PID)" kill -9 $PID
attempt_switch "kill -STOP then enforce" sh -c "modguard guard log >/dev/null 2>&1 & sleep 1; kill -STOP \$!"

attack_summary
done_testing
