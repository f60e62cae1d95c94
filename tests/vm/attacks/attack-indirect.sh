#!/bin/sh
# Indirect writes: through an fd opened before the lock, writable shared
# mappings, splice, copy_file_range, sendfile, io_uring.  Run first in its
# boot, it opens the policy before `modguard guard start` and checks that the
# write hook is attached; run later, it checks that the hook is not attached
# and that the other indirect writes fail without it.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=indirect

POL=/etc/modguard/policy
LDR=$MG_UNIT # not the trusted program: a binary open for writing cannot be executed (ETXTBSY)
mg_install
echo "source" >/etc/src-file

# The write hook (protect_file_permission) runs on every read and write, so
# the guard attaches it only when a protected file was open for writing at the
# lock.  In a boot where the guard is already up, nothing was: every attack
# below must fail without it.  In a boot where this script comes first, files
# are opened before the lock, and the hook must be attached and stop them.
if [ -e /sys/fs/bpf/modguard-protect/inodes ]; then
	modguard guard status >/tmp/gs.out 2>&1
	if grep -q '^write hook: not needed' /tmp/gs.out; then
		ok "$FAMILY: nothing was open for writing at the lock: write hook not attached"
	else
		not_ok "$FAMILY: write hook state"
		sed 's/^/#   /' /tmp/gs.out
	fi
	prelock=no
else
	prelock=yes
fi

# Opened for writing before the lock, used after it.
if [ $prelock = yes ]; then
mgattack prelock $POL /tmp/prelock.pol /etc/src-file >/tmp/prelock.pol.ready 2>&1 &
p1=$!
mgattack prelock $LDR /tmp/prelock.ldr /etc/src-file >/tmp/prelock.ldr.ready 2>&1 &
p2=$!
# A writable shared mapping of the policy whose fd is already closed, and the
# same for an unprotected file (the control: it must survive and write).
echo "mapped before the lock" >/etc/src-map
mgattack prelock-map $POL /tmp/prelock.map >/tmp/prelock.map.ready 2>&1 &
p3=$!
mgattack prelock-map /etc/src-map /tmp/prelock.ctl >/tmp/prelock.ctl.ready 2>&1 &
p4=$!
sleep 1
pol_before=$(astate $POL)
ldr_before=$(astate $LDR)
mg_guard_up
if grep -q "WARNING: $POL: open for writing since before the lock" /tmp/start.out &&
	grep -q "WARNING: $LDR: open for writing since before the lock" /tmp/start.out &&
	grep -q 'write hook attached (2 writers' /tmp/start.out &&
	modguard guard status 2>&1 | grep -q '^write hook: attached'; then
	ok "$FAMILY: guard start named both files open for writing and attached the write hook"
else
	not_ok "$FAMILY: guard start did not report the writers from before the lock"
	sed 's/^/#   /' /tmp/start.out
fi
# The mapping cannot be refused (page faults meet no hook): guard start must
# have killed its holder, and only it.
kill -USR1 $p3 2>/dev/null
wait $p3
st3=$?
pol_after=$(astate $POL)
if [ $st3 = 137 ] && [ ! -e /tmp/prelock.map ] && [ "$pol_after" = "$pol_before" ] &&
	grep -q "WARNING: pid $p3 (mgattack) holds a writable shared mapping of $POL from before the lock: killing it" /tmp/start.out &&
	grep -q 'self-protection: holders of writable shared mappings killed: 1' /tmp/start.out; then
	killed=yes
else
	killed=no
	sed 's/^/#   /' /tmp/start.out
fi
judged $killed "write through a shared mapping of $POL made before the lock: holder killed at the lock (exit $st3), $POL unchanged" \
	"write through a shared mapping of $POL made before the lock: exit $st3, $(cat /tmp/prelock.map 2>/dev/null)" \
	"$pol_before" "$pol_after"
kill -USR1 $p4
wait $p4
st4=$?
if [ $st4 = 0 ] && grep -q '^map OK$' /tmp/prelock.ctl && [ "$(head -c 4 /etc/src-map)" = evil ]; then
	ok "$FAMILY: a shared mapping of an unprotected file made before the lock survives it and writes"
else
	not_ok "$FAMILY: the mapping of an unprotected file: exit $st4, $(cat /tmp/prelock.ctl 2>/dev/null), $(head -c 4 /etc/src-map)"
fi
kill -USR1 $p1 $p2
wait $p1 $p2
for t in pol ldr; do
	if [ $t = pol ]; then f=$POL b=$pol_before; else f=$LDR b=$ldr_before; fi
	a=$(astate $f)
	while read -r how res; do
		[ "$res" != OK ] && [ "$a" = "$b" ] && blocked=yes || blocked=no
		judged $blocked "$how through an fd of $f opened O_RDWR before the lock: refused ($res), $f unchanged" \
			"$how through an fd of $f opened O_RDWR before the lock: $res" "$b" "$a"
	done </tmp/prelock.$t
done
fi

# Fresh attempts after the lock.
attempt "splice into the policy" $POL mgattack splice $POL
attempt "copy_file_range into the policy" $POL mgattack copy-range $POL /etc/src-file
attempt "sendfile into the trusted program" $MG_LOADER mgattack sendfile $MG_LOADER /etc/src-file
attempt "io_uring openat O_WRONLY + write on the policy" $POL mgattack iouring-write $POL
attempt "io_uring openat O_WRONLY + write on the trusted program" $MG_LOADER mgattack iouring-write $MG_LOADER
attempt "dd conv=notrunc into the certificate" /etc/modguard/trust.d/owner.crt dd if=/etc/src-file of=/etc/modguard/trust.d/owner.crt conv=notrunc
attempt "write through /proc/self/fd of a read-only fd" $POL sh -c "exec 3<$POL; echo evil >/proc/self/fd/3"
attempt "tee -a the policy" $POL sh -c "echo 'mode = permissive' | tee -a $POL"

attack_summary
done_testing
