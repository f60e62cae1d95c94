#!/bin/sh
# The trusted program: tampering with a running instance, starting it traced,
# preloading into it, or running it where it would read another trust store.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=trusted

mg_guard_up

# A long-running instance: the log reader (the CLI execs the trusted program).
modguard guard log >/tmp/log.out 2>&1 &
PID=$!
sleep 2
# /proc/PID/exe needs ptrace access, which the guard refuses: comm it is.
if [ "$(cat /proc/$PID/comm)" = modguard-loade ] || [ "$(cat /proc/$PID/comm)" = modguard-loader ]; then
	ok "$FAMILY: target: modguard guard log, pid $PID, comm $(cat /proc/$PID/comm), exe hidden ($(readlink /proc/$PID/exe 2>&1 || echo refused))"
else
	not_ok "$FAMILY: target: pid $PID is $(cat /proc/$PID/comm), not the trusted program"
fi

attempt_refused "PTRACE_ATTACH" mgattack ptrace $PID
attempt_refused "PTRACE_SEIZE" mgattack seize $PID
attempt_refused "process_vm_writev" mgattack vm-writev $PID
attempt_refused "process_vm_readv" mgattack vm-readv $PID
attempt_refused "open /proc/PID/mem read-write" mgattack proc-mem $PID
attempt_refused "pidfd_getfd of its fds" mgattack pidfd-getfd $PID 3
attempt_refused "read /proc/PID/environ" cat /proc/$PID/environ
attempt_refused "exec it while traced (PTRACE_TRACEME)" mgattack traced-exec $MG_LOADER guard status
attempt_refused "exec it under a seccomp filter faking ENOENT for access() (would hide the deny list)" mgattack seccomp-exec $MG_LOADER guard status

# It is static: the dynamic loader never runs, so LD_PRELOAD and
# LD_LIBRARY_PATH are never read.  A dynamic binary (the CLI) shows the
# variable is honoured where there is an ld.so.
_att_n=$((_att_n + 1))
out=$(LD_PRELOAD=/tmp/evil.so LD_LIBRARY_PATH=/tmp/evil $MG_LOADER guard status 2>&1)
rc=$?
ctl=$(LD_PRELOAD=/tmp/evil.so $MG_CLI --help 2>&1 | grep -c 'cannot be preloaded')
if [ $rc -eq 0 ] && ! echo "$out" | grep -q 'preload' && [ "$ctl" -gt 0 ] &&
	! od -A n -c -N 4096 $MG_LOADER | tr -d ' \n' | grep -q 'ld-linux'; then
	_att_blocked=$((_att_blocked + 1))
	ok "$FAMILY: LD_PRELOAD/LD_LIBRARY_PATH into the trusted program: static (no PT_INTERP), ld.so never ran, guard status exit 0 (the dynamic CLI does complain): BLOCKED"
else
	_att_bypassed=$((_att_bypassed + 1))
	not_ok "$FAMILY: LD_PRELOAD into the trusted program: exit $rc, output: $out, control $ctl: BYPASSED"
fi

# Static glibc and libcrypto still read some environment: OpenSSL's
# configuration could name an engine or provider to dlopen.  The trusted
# program never loads a configuration: the file's atime (strictatime mount)
# shows whether anything read it, while a real admission runs.
mkdir -p /tmp/sa /tmp/m
mount -t tmpfs -o strictatime none /tmp/sa
printf 'openssl_conf = oc\n[oc]\nengines = e\n[e]\nx = xe\n[xe]\ndynamic_path = /tmp/sa/evil.so\n' >/tmp/sa/evil.cnf
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/params.ko "$MG_MODULES/params.ko"
at0=$(stat -c %X /tmp/sa/evil.cnf)
sleep 1
OPENSSL_CONF=/tmp/sa/evil.cnf OPENSSL_ENGINES=/tmp/sa OPENSSL_MODULES=/tmp/sa modguard admit /tmp/m/params.ko >/tmp/ossl.out 2>&1
orc=$?
at1=$(stat -c %X /tmp/sa/evil.cnf)
_att_n=$((_att_n + 1))
if [ "$at0" = "$at1" ] && [ $orc -eq 0 ]; then
	_att_blocked=$((_att_blocked + 1))
	ok "$FAMILY: OPENSSL_CONF/OPENSSL_ENGINES/OPENSSL_MODULES into the trusted program: admission ran (exit 0), the configuration was never read (atime $at0): BLOCKED"
else
	_att_bypassed=$((_att_bypassed + 1))
	not_ok "$FAMILY: OPENSSL_CONF into the trusted program: exit $orc, atime $at0 -> $at1: BYPASSED"
	sed 's/^/#   /' /tmp/ossl.out
fi
umount /tmp/sa

# Another root: a chroot whose /etc/modguard the attacker wrote, reaching the
# trusted binary through a bind mount of the file; a private mount namespace.
mkdir -p /tmp/fr/etc/modguard/trust.d /tmp/fr/usr/lib/modguard
cp "$MG_KEYS/untrusted.crt" /tmp/fr/etc/modguard/trust.d/
touch /tmp/fr/loader
mount --bind $MG_LOADER /tmp/fr/loader
attempt_refused "run it in a chroot with the attacker's trust store" chroot /tmp/fr /loader load /modules/evil.ko
attempt_refused "run it in a new mount namespace" unshare -m $MG_LOADER guard status
attempt_refused "run it in a new mount namespace with tmpfs on /tmp only" unshare -m sh -c "mount -t tmpfs none /tmp && exec $MG_LOADER guard status"
umount /tmp/fr/loader

# The log reader is only a reader: killing it changes nothing.
attempt_switch "kill -9 the guard log reader (pid $PID)" kill -9 $PID
attempt_switch "kill -STOP then enforce" sh -c "modguard guard log >/dev/null 2>&1 & sleep 1; kill -STOP \$!"

attack_summary
done_testing
