#!/bin/sh
# Guest script (tests/vm/run bench/guard-vm.sh, or bench/guard-run): the
# guard's cost in the VM, as ratios of the same operation before and after
# `guard start` in one boot.
#   load latency: busybox insmod of an admitted module, modguard load, and the
#                 trusted program called directly, each vs plain insmod with no guard
#   unrelated:    exec of a static binary (the guard hooks exec) and an
#                 open/fstat/read/write/stat/close loop
# Figures are printed as "say" lines; targets: load <= 1.10x, unrelated <= 1.02x.
# The host may be busy (TCG on shared cores), so every timed operation is
# paired with a control that the guard cannot affect (a shell arithmetic loop,
# no system calls); ratios are given raw and normalised by the control.
. /tests/lib.sh

N=${MG_BENCH_N:-20}
mkdir -p /etc/modguard/trust.d /tmp/m
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello.ko "$MG_MODULES/hello.ko"

usec() { _t=$EPOCHREALTIME; echo "${_t%.*}${_t#*.}"; }

CTL=0
# control: microseconds of a fixed amount of pure shell arithmetic.
control() {
	_c=$(usec) _k=0
	while [ $_k -lt 400 ]; do _k=$((_k + 1)); done
	_d=$(usec)
	CTL=$((CTL + _d - _c))
}

# time_load CMD...: mean microseconds of CMD (a load of hello), rmmod untimed.
time_load() {
	_sum=0 _i=0 CTL=0
	while [ $_i -lt "$N" ]; do
		control
		_a=$(usec)
		"$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; return 1; }
		_b=$(usec)
		rmmod hello
		_sum=$((_sum + _b - _a)) _i=$((_i + 1))
	done
	echo "$((_sum / N)) $((CTL / N))"
}

# time_exec: mean microseconds per exec of a static binary.
time_exec() {
	_n=$((N * 10)) _i=0 _sum=0 CTL=0
	while [ $_i -lt $_n ]; do
		control
		_a=$(usec)
		/usr/bin/sysload strerror EPERM >/dev/null
		_b=$(usec)
		_sum=$((_sum + _b - _a)) _i=$((_i + 1))
	done
	echo "$((_sum / _n)) $((CTL / _n))"
}

# time_sys: nanoseconds per round of open, fstat, read, write, stat and close
# (sysload syscalls, one process, clock_gettime around the loop): median of 7
# runs of 20000 rounds, paired with the control like the others.
time_sys() {
	_i=0 CTL=0
	: >/tmp/sys.ns
	while [ $_i -lt 7 ]; do
		control
		sysload syscalls /etc/passwd 20000 >>/tmp/sys.ns || { echo "bench: sysload syscalls failed" >&2; return 1; }
		_i=$((_i + 1))
	done
	echo "$(sort -n /tmp/sys.ns | sed -n 4p) $((CTL / 7))"
}

# ratio "T1 C1" "T0 C0": raw T1/T0, and normalised (T1/C1)/(T0/C0).
ratio() {
	echo "$1 $2" | awk '{ printf "%.3fx raw, %.3fx normalised", $1 / $3, ($1 / $2) / ($3 / $4) }'
}
us() { echo "${1%% *}"; }

# Warm up (TCG translates code on first use), then the no-guard baseline:
# twice for plain insmod, so the spread shows the noise floor.
time_load insmod /tmp/m/hello.ko >/dev/null
time_load modguard load /tmp/m/hello.ko >/dev/null
time_exec >/dev/null
time_sys >/dev/null
plain=$(time_load insmod /tmp/m/hello.ko)
plain2=$(time_load insmod /tmp/m/hello.ko)
mgload0=$(time_load modguard load /tmp/m/hello.ko)
exec0=$(time_exec)
sys0=$(time_sys)

expect_ok modguard guard start
expect_ok modguard admit /tmp/m/hello.ko

admitted=$(time_load insmod /tmp/m/hello.ko)
mgload=$(time_load modguard load /tmp/m/hello.ko)
direct=$(time_load /usr/lib/modguard/modguard-loader load /tmp/m/hello.ko)
exec1=$(time_exec)
sys1=$(time_sys)

# Then the kernel times every BPF program run: the guard's own cost, free of
# host noise.  Only now, because the statistics themselves cost time per run.
echo 1 >/proc/sys/kernel/bpf_stats_enabled
N_MAIN=$N N=5
time_load insmod /tmp/m/hello.ko >/dev/null
time_exec >/dev/null
time_sys >/dev/null
N=$N_MAIN
echo 0 >/proc/sys/kernel/bpf_stats_enabled

say "bench: load latency, mean of $N, us: plain insmod without guard $(us "$plain"), again $(us "$plain2") ($(ratio "$plain2" "$plain"): noise floor)"
say "bench: admitted busybox insmod $(us "$admitted"): $(ratio "$admitted" "$plain2") vs plain insmod"
say "bench: modguard load $(us "$mgload"): $(ratio "$mgload" "$plain2") vs plain insmod; vs modguard load without guard $(us "$mgload0"): $(ratio "$mgload" "$mgload0")"
say "bench: modguard-loader load (no CLI) $(us "$direct"): $(ratio "$direct" "$plain2") vs plain insmod"
say "bench: exec of a static binary, us: no guard $(us "$exec0"), guard $(us "$exec1"): $(ratio "$exec1" "$exec0")"
say "bench: open+fstat+read+write+stat+close, ns per round (median of 7 x 20000): no guard $(us "$sys0"), guard $(us "$sys1"): $(ratio "$sys1" "$sys0")"
modguard guard status >/tmp/status 2>&1
prog_ns() { awk -v p="$1" '$1 == p { print $3 }' /tmp/status; }
prog_runs() { awk -v p="$1" '$1 == p { print $2 }' /tmp/status; }
sed -n '/^programs/,/^recent/p' /tmp/status | sed 's/^/# /'
execns=$(($(prog_ns guard_bprm_check_security) + $(prog_ns guard_bprm_committed_creds)))
readns=$(prog_ns guard_kernel_read_file)
say "bench: guard programs per exec: ${execns} ns in BPF (bprm_check_security + bprm_committed_creds) = $(echo "$execns $(us "$exec1")" | awk '{ printf "%.3f%%", 100 * $1 / ($2 * 1000) }') of an exec ($(us "$exec1") us)"
say "bench: kernel_read_file (SHA-256 of the module in the kernel): ${readns} ns per finit_module = $(echo "$readns $(us "$admitted")" | awk '{ printf "%.2f%%", 100 * $1 / ($2 * 1000) }') of an admitted insmod"
[ -n "$plain" ] && [ -n "$admitted" ] && [ -n "$mgload" ] && ok "load latencies measured" || not_ok "load latencies measured"

done_testing
