#!/bin/sh
# Research probe, not part of the suite (run it alone, without the guard):
# does kernel.ftrace_enabled=0 take BPF LSM programs out of the kernel's
# path?  An LSM program that refuses every mkdir is attached; mkdir is tried
# before and after the switch.  docs/threat-model.md records the answer;
# the protection refuses the switch (attack-switches.sh).
. /tests/lib.sh

mgattack bpf-lsm-deny path_mkdir 20 >/tmp/deny.out 2>&1 &
sleep 2
diag "deny program: $(cat /tmp/deny.out)"
expect_fail EPERM mkdir /tmp/probe-1
expect_ok sysctl -w kernel.ftrace_enabled=0
if mkdir /tmp/probe-2 2>/dev/null; then
	ok "RESULT: with kernel.ftrace_enabled=0 the LSM program no longer runs (mkdir succeeded): the switch turns the BPF LSM off"
else
	ok "RESULT: with kernel.ftrace_enabled=0 the LSM program still runs (mkdir refused)"
fi
sysctl -w kernel.ftrace_enabled=1 >/dev/null 2>&1
done_testing
