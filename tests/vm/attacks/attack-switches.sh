#!/bin/sh
# Every run-time switch the kernel offers that could disable or bypass BPF
# programs or their trampolines (see docs/threat-model.md for the survey):
# refused, or accepted and shown to change nothing.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=switches

mg_guard_up
T=/sys/kernel/tracing
mountpoint -q $T 2>/dev/null || mount -t tracefs tracefs $T 2>/dev/null

# ftrace_enabled=0 would turn every ftrace call site off, the BPF
# trampolines of the LSM hooks among them: refused.
attempt "sysctl kernel.ftrace_enabled=0" /proc/sys/kernel/ftrace_enabled sysctl -w kernel.ftrace_enabled=0
attempt "echo 0 >/proc/sys/kernel/ftrace_enabled" /proc/sys/kernel/ftrace_enabled sh -c "echo 0 >/proc/sys/kernel/ftrace_enabled"
attempt "io_uring write to /proc/sys/kernel/ftrace_enabled" /proc/sys/kernel/ftrace_enabled mgattack iouring-write /proc/sys/kernel/ftrace_enabled
attempt_refused "kprobes off through debugfs (/sys/kernel/debug/kprobes/enabled)" sh -c "echo 0 >/sys/kernel/debug/kprobes/enabled"
attempt_refused "any debugfs write (/sys/kernel/debug/fail_function)" sh -c "echo 1 >/sys/kernel/debug/clear_warn_once"
attempt_refused "lower the lockdown level" sh -c "echo none >/sys/kernel/security/lockdown"

# Accepted, and harmless: shown by the guard still enforcing afterwards.
# The tracers below rewrite kernel code.  Under TCG with two CPUs that
# rewriting now and then never finishes (soft lockups and RCU stalls on both
# CPUs, until the harness kills the guest); with one CPU online it needs no
# cross-CPU synchronisation.  What the attempts prove does not depend on the
# number of CPUs.  CPU 1 comes back before the CPU hotplug attempt.
cpu1=/sys/devices/system/cpu/cpu1/online
[ -w $cpu1 ] && echo 0 >$cpu1
attempt_switch "tracefs tracing_on=0" sh -c "echo 0 >$T/tracing_on"
# The call sites that matter are the LSM hooks' (bpf_lsm_*, where the guard's
# trampolines are) and their callers (security_*): the tracers run on these
# only.  Tracing every function of the kernel under TCG sometimes never
# finishes patching (soft lockups until the harness kills the guest), and
# proves nothing more about the guard's call sites.
attempt_switch "tracefs set_ftrace_filter=security_* bpf_lsm_*" sh -c "echo 'security_* bpf_lsm_*' >$T/set_ftrace_filter"
attempt_switch "tracefs function tracer on security_* and bpf_lsm_*" sh -c "echo function >$T/current_tracer"
attempt_switch "tracefs set_ftrace_notrace=bpf_lsm_*" sh -c "echo 'bpf_lsm_*' >$T/set_ftrace_notrace"
attempt_switch "tracefs function_graph tracer" sh -c "echo function_graph >$T/current_tracer"
attempt_switch "tracefs nop tracer, tracing_on=1" sh -c "echo nop >$T/current_tracer; echo >$T/set_ftrace_filter; echo >$T/set_ftrace_notrace; echo 1 >$T/tracing_on"
attempt_switch "kprobe event on bpf_lsm_file_open, enabled" sh -c "echo 'p:mgkp bpf_lsm_file_open' >>$T/kprobe_events && echo 1 >$T/events/kprobes/mgkp/enable"
attempt_switch "kprobe events off again" sh -c "echo 0 >$T/events/kprobes/mgkp/enable; echo '-:mgkp' >>$T/kprobe_events"
attempt_switch "sysctl kernel.bpf_stats_enabled=1" sysctl -w kernel.bpf_stats_enabled=1
attempt_switch "sysctl net.core.bpf_jit_enable=0" sysctl -w net.core.bpf_jit_enable=0
attempt_switch "sysctl net.core.bpf_jit_harden=2" sysctl -w net.core.bpf_jit_harden=2
attempt_switch "sysctl kernel.unprivileged_bpf_disabled=1" sysctl -w kernel.unprivileged_bpf_disabled=1
attempt_switch "sysctl kernel.kptr_restrict=2" sysctl -w kernel.kptr_restrict=2
attempt_switch "sysctl kernel.perf_event_paranoid=-1" sysctl -w kernel.perf_event_paranoid=-1
# The stack tracer, like the function tracer, on the LSM hooks' call sites
# only (stack_trace_filter): on every function it patched the whole kernel,
# and under TCG on a busy host that ran into soft lockups for 15 minutes.
attempt_switch "sysctl kernel.stack_tracer_enabled=1 on security_* and bpf_lsm_*" sh -c "echo 'security_* bpf_lsm_*' >$T/stack_trace_filter && sysctl -w kernel.stack_tracer_enabled=1"
attempt_switch "sysctl kernel.yama.ptrace_scope=0" sysctl -w kernel.yama.ptrace_scope=0
# IMA's hashing parameters (guard start sets ahash_minsize for the guard's hash).
# 7.x's IMA has neither (SHA-256 is a library there): nothing to attempt.
if [ -e /sys/module/ima/parameters/ahash_minsize ]; then
	attempt_switch "IMA ahash_bufsize=1" sh -c "echo 1 >/sys/module/ima/parameters/ahash_bufsize"
	attempt_switch "IMA ahash_minsize=0 (back to IMA's boot-time SHA-256)" sh -c "echo 0 >/sys/module/ima/parameters/ahash_minsize"
else
	diag "$FAMILY: no IMA ahash parameters on this kernel: the two IMA switches do not apply"
fi
attempt_switch "sysctl kernel.modprobe=/tmp/evil-modprobe" sysctl -w kernel.modprobe=/tmp/evil-modprobe
attempt_switch "drop every cached inode and dentry (vm.drop_caches=3)" sysctl -w vm.drop_caches=3
attempt_switch "compact memory" sh -c "echo 1 >/proc/sys/vm/compact_memory"
[ -w $cpu1 ] && echo 1 >$cpu1
attempt_switch "CPU 1 offline and online" sh -c "echo 0 >/sys/devices/system/cpu/cpu1/online; echo 1 >/sys/devices/system/cpu/cpu1/online"
attempt_switch "freeze and thaw the file system of the protected files" sh -c "fsfreeze -f / 2>&1; fsfreeze -u / 2>&1; true"
attempt_switch "sysrq (emergency sync, remount)" sh -c "echo s >/proc/sysrq-trigger"
# An IMA policy makes bpf_ima_file_hash() return IMA's cached digests, which a
# raw write beneath a file system leaves stale: none may be loaded.
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
if [ -e /sys/kernel/security/ima/policy ]; then
	n0=$(cat /sys/kernel/security/ima/runtime_measurements_count)
	attempt_refused "load an IMA policy (measure func=MODULE_CHECK) after the lock" sh -c "echo 'measure func=MODULE_CHECK' >/sys/kernel/security/ima/policy"
	debian_leaf
	sysload finit "$LEAF_FILE" >/dev/null 2>&1
	n1=$(cat /sys/kernel/security/ima/runtime_measurements_count)
	[ "$n0" = "$n1" ] && ok "$FAMILY: no IMA measurement after it ($n0 -> $n1, a module read since)" ||
		not_ok "$FAMILY: IMA measured after the refused policy ($n0 -> $n1)"
	rmmod "$LEAF" 2>/dev/null
else
	not_ok "$FAMILY: /sys/kernel/security/ima/policy missing (IMA is built into Debian's kernels)"
fi

attack_summary
done_testing
