#!/bin/sh
# Policy mode = permissive: the guard computes every decision, reports what
# enforce mode would refuse ("would-deny") in its counters and audit stream,
# and refuses nothing.
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
printf '# permissive\nmode = permissive\n' >/etc/modguard/policy

# A writable shared mapping of a protected file, made before the lock: in
# enforce mode guard start kills its holder; permissive refuses nothing, so
# the holder is named and left running, and its write goes through.
echo "scratch" >/etc/modguard/scratch
mgattack prelock-map /etc/modguard/scratch /tmp/map.res >/tmp/map.ready 2>&1 &
mapper=$!
sleep 1
modguard guard start >/tmp/start.out 2>&1
check "modguard guard start" grep -q 'self-protection locked' /tmp/start.out
if grep -q "WARNING: pid $mapper (mgattack) holds a writable shared mapping of /etc/modguard/scratch from before the lock: permissive mode, left running" /tmp/start.out &&
	kill -0 $mapper 2>/dev/null; then
	ok "permissive: the holder of a shared mapping made before the lock is named and left running"
else
	not_ok "permissive: the holder of a shared mapping made before the lock"
	sed 's/^/#   /' /tmp/start.out
fi
kill -USR1 $mapper
wait $mapper
if grep -q '^map OK$' /tmp/map.res && [ "$(head -c 4 /etc/modguard/scratch)" = evil ]; then
	ok "permissive: its write goes through"
else
	not_ok "permissive: its write goes through ($(cat /tmp/map.res 2>/dev/null), $(head -c 4 /etc/modguard/scratch))"
fi
modguard guard status >/tmp/status 2>&1
grep -q '^mode: permissive' /tmp/status && ok "status shows mode permissive" || not_ok "status shows mode permissive"

# The audit reader runs in the background; events before it started wait in the ring.
# Its lines go to syslog too.
syslogd -n -O /tmp/messages &
syslogpid=$!
sleep 1
modguard guard log --timeout 25 >/tmp/log 2>/tmp/log.err &
logpid=$!

dmesg_mark
expect_ok insmod "$MG_MODULES/evil.ko"
expect_dmesg MODGUARD-EVIL-LOADED "permissive: unsigned evil loaded (and would have been refused)"
expect_ok rmmod evil
modguard sign -q -k "$MG_KEYS/untrusted.key" -c "$MG_KEYS/untrusted.crt" -o /tmp/evil-untrusted.ko "$MG_MODULES/evil.ko"
expect_ok insmod /tmp/evil-untrusted.ko
expect_ok rmmod evil
expect_ok sysload init "$MG_MODULES/hello.ko"
expect_ok rmmod hello

modguard guard status >/tmp/status 2>&1
wd=$(sed -n 's/^would_deny: //p' /tmp/status)
dn=$(sed -n 's/^denied: //p' /tmp/status)
if [ "${wd:-0}" -ge 3 ] && [ "${dn:-1}" = 0 ]; then
	ok "would_deny counted ($wd), nothing denied"
else
	not_ok "would_deny counted, nothing denied (would_deny=$wd denied=$dn)"
	sed 's/^/#   /' /tmp/status
fi

sleep 2
kill "$logpid" 2>/dev/null
wait "$logpid"
# Unsigned: the kernel hashed nothing, and the line claims no digest.  Signed
# by a key nobody trusts: the digest the kernel took of its signed part.
if grep -q '"decision":"would-deny","rule":"not-admitted","hook":"locked_down","pid":[0-9]*,"uid":0,"comm":"insmod","file":"evil.ko","sha256":"","signed_digest":""' /tmp/log; then
	ok "guard log: JSON line for unsigned evil.ko, would-deny, with pid, comm and file"
else
	not_ok "guard log: JSON line for unsigned evil.ko, would-deny, with pid, comm and file"
	sed 's/^/#   /' /tmp/log /tmp/log.err | head -n 20
fi
want=$(signed_part_sha256 /tmp/evil-untrusted.ko)
if grep -q "\"decision\":\"would-deny\",\"rule\":\"not-admitted\",\"hook\":\"locked_down\".*\"file\":\"evil-untrusted.ko\",\"sha256\":\"\",\"signed_digest\":\"sha256:$want\"" /tmp/log; then
	ok "guard log: JSON line for untrusted-signed evil, would-deny, with the kernel's digest of its signed part"
else
	not_ok "guard log: JSON line for untrusted-signed evil with the kernel's digest ($want)"
	sed 's/^/#   /' /tmp/log | head -n 20
fi
if grep -q '"decision":"would-deny","rule":"init-module-untrusted"' /tmp/log; then
	ok "guard log: init_module from an untrusted process reported"
else
	not_ok "guard log: init_module from an untrusted process reported"
fi
kill "$syslogpid" 2>/dev/null
if grep -q 'modguard.*"decision":"would-deny".*"file":"evil.ko"' /tmp/messages; then
	ok "syslog has the same JSON lines"
else
	not_ok "syslog has the same JSON lines"
	tail -n 5 /tmp/messages | sed 's/^/#   /'
fi
# The self-protection follows the same mode: an append to the protected
# policy goes through, is counted, and status calls it "would refuse".
pwrites() { sed -n 's/^protection would refuse:.* write \([0-9][0-9]*\).*/\1/p' /tmp/status; }
modguard guard status >/tmp/status 2>&1
if grep -q '^protection: permissive' /tmp/status && ! grep -q '^protection refused' /tmp/status; then
	ok "status: the protection is permissive and says what it would refuse"
else
	not_ok "status: the protection is permissive and says what it would refuse"
	grep '^protection' /tmp/status | sed 's/^/#   /'
fi
w0=$(pwrites)
if echo '# permissive probe' >>/etc/modguard/policy && grep -q '^# permissive probe$' /etc/modguard/policy; then
	ok "permissive: a write to the protected policy goes through"
else
	not_ok "permissive: a write to the protected policy goes through"
fi
modguard guard status >/tmp/status 2>&1
w1=$(pwrites)
if [ -n "$w0" ] && [ -n "$w1" ] && [ "$w1" -gt "$w0" ]; then
	ok "permissive: the write is counted as one the protection would refuse ($w0 -> $w1)"
else
	not_ok "permissive: the write is counted as one the protection would refuse ('$w0' -> '$w1')"
	grep '^protection' /tmp/status | sed 's/^/#   /'
fi

lines=$(grep -c . /tmp/log)
json=$(grep -c '^{"seq":[0-9]*,.*}$' /tmp/log)
[ "$lines" = "$json" ] && [ "$lines" -gt 0 ] && ok "every log line is one JSON object ($lines)" || not_ok "every log line is one JSON object ($json of $lines)"

done_testing
