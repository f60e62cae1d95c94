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
# bench/guard-run also runs this under QEMU's instruction counter
# (MODGUARD_VM_ICOUNT): there the clock counts guest instructions, so the
# figures repeat exactly and weigh each step by its work, not by how slowly
# TCG emulates it (exec and page faults cost far more under TCG than on
# hardware, hashing far less).
. /tests/lib.sh

N=${MG_BENCH_N:-30}
mkdir -p /etc/modguard/trust.d /tmp/m
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
# An installation has a deny list (setup and guard start make an empty one);
# the trusted program requires it, with or without the guard.
[ -e /etc/modguard/deny.list ] || : >/etc/modguard/deny.list
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/hello.ko "$MG_MODULES/hello.ko"

# Timestamps are read straight from $EPOCHREALTIME, in the shell itself: a
# $(...) around them would fork a subshell inside every timed interval and
# add the same constant to both sides of each ratio, pulling it towards 1.

CTL=0
# control: microseconds of a fixed amount of pure shell arithmetic.
control() {
	_c=$EPOCHREALTIME _k=0
	while [ $_k -lt 400 ]; do _k=$((_k + 1)); done
	_d=$EPOCHREALTIME
	CTL=$((CTL + ${_d%.*}${_d#*.} - ${_c%.*}${_c#*.}))
}

# Load latency: medians, with the variants interleaved (one sample of each in
# turn) so that a slow spell of the host hits them all alike.
# round NAME:MODULE:CMD... (one argument per variant, CMD word-split): append one
# sample of each variant, in microseconds, to /tmp/lat.NAME; the module is
# removed after each load, untimed.
round() {
	for _v in "$@"; do
		_name=${_v%%:*} _rest=${_v#*:}
		_mod=${_rest%%:*} _cmd=${_rest#*:}
		# Every sample follows the same steps (rmmod, sleep, control): the
		# first of a round would otherwise run in a different state.
		control
		_a=$EPOCHREALTIME
		$_cmd >/tmp/lat.out 2>&1 || { not_ok "bench: $_cmd failed"; sed 's/^/#   /' /tmp/lat.out; return 1; }
		_b=$EPOCHREALTIME
		rmmod "$_mod" || not_ok "bench: rmmod $_mod"
		echo $((${_b%.*}${_b#*.} - ${_a%.*}${_a#*.})) >>/tmp/lat.$_name
		# The kernel finishes freeing the module in deferred work (RCU
		# callbacks, workqueues): let it run now, not inside the next sample.
		sleep 0.05
	done
}
# Each round also records the control's mean time, into /tmp/lat.ctl$PHASE: the
# variants with and without the guard are timed in two phases, one after the
# other, and the host's speed can change between them.
PHASE=w
rounds() { # N VARIANT...
	_n=$1
	shift
	while [ "$_n" -gt 0 ]; do
		CTL=0
		round "$@" || return 1
		echo $((CTL / $#)) >>/tmp/lat.ctl$PHASE
		_n=$((_n - 1))
	done
}
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# lat NAME: "median-us samples"
lat() { echo "$(median /tmp/lat.$1) $(wc -l </tmp/lat.$1)"; }
rat() { echo "$1 $2" | awk '{ printf "%.3fx", $1 / $2 }'; }
# xrat T1 T0: a guard-phase median against a no-guard one: the raw ratio, and
# the ratio normalised by each phase's control median.
xrat() {
	echo "$1 $2 $(median /tmp/lat.ctl1) $(median /tmp/lat.ctl0)" |
		awk '{ printf "%.3fx (%.3fx normalised)", $1 / $2, ($1 / $3) / ($2 / $4) }'
}

# time_exec: mean microseconds per exec of a static binary.
time_exec() {
	_n=$((N * 10)) _i=0 _sum=0 CTL=0
	while [ $_i -lt $_n ]; do
		control
		_a=$EPOCHREALTIME
		/usr/bin/sysload strerror EPERM >/dev/null
		_b=$EPOCHREALTIME
		_sum=$((_sum + ${_b%.*}${_b#*.} - ${_a%.*}${_a#*.})) _i=$((_i + 1))
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

# "plain insmod" is busybox's: static, and the same binary as the shell that
# times it, so its code is already translated by TCG, and busybox's shell
# runs it as an applet in a forked child, with no exec at all; it is the
# harshest baseline.  Any insmod that is a program of its own (Debian's
# /sbin/insmod, or this one as /bin/busybox insmod) costs a fork and an
# exec, as modguard load does: that variant is timed as well.  Debian's own insmod (kmod, dynamically linked) is timed too, and
# as a control, another static program making the same finit_module call.
# Two modules: hello (the test module, 110 KB with its debug sections) and a
# real Debian module of the median size of the tree (quota_tree, 33 KB, no
# dependencies), re-signed with the owner key.  Without the guard the kernel
# cannot verify the owner's signature and loads them tainted, as it would any
# owner-signed module.
Q=$MG_KMODDIR/kernel/fs/quota/quota_tree.ko
modguard sign -q -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" -o /tmp/m/quota_tree.ko "$Q" ||
	not_ok "sign quota_tree.ko"
H=/tmp/m/hello.ko T=/tmp/m/quota_tree.ko
# The same modules without their signatures: the bytes before it (its length
# is the big-endian word 32 bytes from the end, then 12 + 28 trailer bytes).
for f in $H $T; do
	sz=$(stat -c %s $f)
	sl=$(od -A n -t u1 -j $((sz - 32)) -N 4 $f | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	head -c $((sz - sl - 40)) $f >${f%.ko}.unsigned.ko
done
L=/usr/lib/modguard/modguard-loader
rm -f /tmp/lat.*

# The kernel's SHA-256 as on a real machine, where udev loads the accelerated
# driver at coldplug (sha256-ssse3 matches the CPU's modalias): loaded before
# both phases.  The kernel's own signature check of every module uses it in
# both; the guard's hash uses it through IMA's ahash path (guard start sets
# that up, policy fast_kernel_hash).
insmod "$MG_KMODDIR/kernel/arch/x86/crypto/sha256-ssse3.ko" || not_ok "insmod sha256-ssse3"

# Warm up (TCG translates code on first use), then the no-guard baseline.
rounds 3 "w1:hello:insmod $H" "w2:hello:modguard load $H" "w3:quota_tree:insmod $T"
time_exec >/dev/null
time_sys >/dev/null
PHASE=0
rounds "$N" "plain_h:hello:insmod $H" "plainb_h:hello:insmod $H" "mg0_h:hello:modguard load $H" \
	"plainx_h:hello:/bin/busybox insmod $H" "plainx_t:quota_tree:/bin/busybox insmod $T" \
	"kmod_h:hello:$MG_KMOD/insmod $H" "plain_t:quota_tree:insmod $T" "mg0_t:quota_tree:modguard load $T" \
	"kmod_t:quota_tree:$MG_KMOD/insmod $T" "sys_h:hello:sysload finit $H" "sys_t:quota_tree:sysload finit $T" \
	"ini_h:hello:sysload init $H" "iniu_h:hello:sysload init ${H%.ko}.unsigned.ko" \
	"ini_t:quota_tree:sysload init $T" "iniu_t:quota_tree:sysload init ${T%.ko}.unsigned.ko"
exec0=$(time_exec)
sys0=$(time_sys)

# With its own timing of each step (the front-end passes MODGUARD_DEBUG on
# as --debug): the sweep for writable shared mappings walks every process's
# mappings twice per round.
if MODGUARD_DEBUG=1 modguard guard start >/tmp/gs.out 2>&1; then
	ok "modguard guard start"
else
	not_ok "modguard guard start"
	sed 's/^/#   /' /tmp/gs.out
fi

# modguard load of a module the guard has not admitted: the trusted program
# verifies the signature against the trust store before loading.
PHASE=1
rounds "$N" "mgv_h:hello:modguard load $H" "mgv_t:quota_tree:modguard load $T"

expect_ok modguard admit $H $T
rounds "$N" "adm_h:hello:insmod $H" "mg_h:hello:modguard load $H" "ldr_h:hello:env -i $L load $H" \
	"admx_h:hello:/bin/busybox insmod $H" "admx_t:quota_tree:/bin/busybox insmod $T" \
	"adm_t:quota_tree:insmod $T" "mg_t:quota_tree:modguard load $T"
exec1=$(time_exec)
sys1=$(time_sys)

# Then the kernel times every BPF program run: the guard's own cost, free of
# host noise.  Only now, because the statistics themselves cost time per run.
echo 1 >/proc/sys/kernel/bpf_stats_enabled
# BPF time of every program of ours, in ns, summed: runs x mean.
bpf_ns() { modguard guard status 2>/dev/null | awk '/^programs/ { p = 1; next } p && NF == 3 && $2 ~ /^[0-9]+$/ { s += $2 * $3 } /^[a-z]/ && !/^programs/ { p = 0 } END { print s + 0 }'; }
b0=$(bpf_ns)
sysload syscalls /etc/passwd 20000 >/tmp/sys.stats
b1=$(bpf_ns)
sysns=$(((b1 - b0) / 20000))
PHASE=s
rounds 5 "st:hello:insmod $H"
N_MAIN=$N N=5
time_exec >/dev/null
time_sys >/dev/null
N=$N_MAIN
echo 0 >/proc/sys/kernel/bpf_stats_enabled

if [ -n "${MODGUARD_VM_ICOUNT:-}" ]; then
	say "bench: clock: QEMU -icount $MODGUARD_VM_ICOUNT, one CPU: guest time counts guest instructions (1 ns each) and timer waits; deterministic, free of host noise and of TCG's translation cost"
else
	say "bench: clock: TCG wall time (host noise and translation cost included; see the control)"
fi
say "bench: control (a shell arithmetic loop, no system calls), median per round, us: no-guard phase $(median /tmp/lat.ctl0), guard phase $(median /tmp/lat.ctl1)"
for m in h t; do
	[ $m = h ] && name="hello.ko (110 KB)" || name="quota_tree.ko (33 KB, median Debian size)"
	p=$(median /tmp/lat.plain_$m)
	say "bench: $name load latency, medians of $(wc -l </tmp/lat.plain_$m) and $(wc -l </tmp/lat.mg_$m) interleaved samples, us: plain insmod without guard $p"
	[ $m = h ] && say "bench:   plain insmod again $(median /tmp/lat.plainb_h): $(rat "$(median /tmp/lat.plainb_h)" "$p") (noise floor)"
	say "bench:   admitted busybox insmod $(median /tmp/lat.adm_$m): $(xrat "$(median /tmp/lat.adm_$m)" "$p") vs plain insmod"
	say "bench:   modguard load $(median /tmp/lat.mg_$m): $(xrat "$(median /tmp/lat.mg_$m)" "$p") vs plain insmod; without the guard $(median /tmp/lat.mg0_$m) (verifies the signature)"
	say "bench:   modguard load, not admitted yet (verifies the signature) $(median /tmp/lat.mgv_$m): $(xrat "$(median /tmp/lat.mgv_$m)" "$p") vs plain insmod"
	[ $m = h ] && say "bench:   modguard-loader load (no front-end) $(median /tmp/lat.ldr_h): $(xrat "$(median /tmp/lat.ldr_h)" "$p") vs plain insmod"
	x=$(median /tmp/lat.plainx_$m)
	say "bench:   plain insmod as a program of its own (/bin/busybox insmod: fork and exec) without guard $x: modguard load is $(xrat "$(median /tmp/lat.mg_$m)" "$x") of it; admitted, with the guard $(median /tmp/lat.admx_$m): $(xrat "$(median /tmp/lat.admx_$m)" "$x")"
	k=$(median /tmp/lat.kmod_$m)
	say "bench:   Debian's kmod insmod without guard $k: modguard load is $(xrat "$(median /tmp/lat.mg_$m)" "$k") of it"
	f=$(median /tmp/lat.sys_$m)
	say "bench:   control: a static program doing only finit_module (sysload finit), without guard $f: $(rat "$f" "$p") of busybox insmod"
	a=$(median /tmp/lat.ini_$m) b=$(median /tmp/lat.iniu_$m)
	say "bench:   the kernel's own check of the owner's signature (it holds no such key: ENOKEY): init_module of the signed bytes $a, of the bytes before the signature $b, without guard: $((a - b)) us per load"
done
say "bench: exec of a static binary, us: no guard $(us "$exec0"), guard $(us "$exec1"): $(ratio "$exec1" "$exec0")"
say "bench: open+fstat+read+write+stat+close, ns per round (median of 7 x 20000): no guard $(us "$sys0"), guard $(us "$sys1"): $(ratio "$sys1" "$sys0")"
say "bench:   BPF run time of the guard's and the protection's programs: $sysns ns per round = $(echo "$sysns $(us "$sys0")" | awk '{ printf "%.2f%%", 100 * $1 / $2 }') of a round"
admitted=$(median /tmp/lat.adm_h)
modguard guard status >/tmp/status 2>&1
prog_ns() { awk -v p="$1" '$1 == p { print $3 }' /tmp/status; }
prog_runs() { awk -v p="$1" '$1 == p { print $2 }' /tmp/status; }
sed -n '/^programs/,/^recent/p' /tmp/status | sed 's/^/# /'
execns=$(($(prog_ns guard_bprm_check_security) + $(prog_ns guard_bprm_committed_creds)))
readns=$(prog_ns guard_kernel_read_file)
pkcsns=$(prog_ns guard_pkcs7_verify)
lockns=$(prog_ns guard_locked_down)
say "bench: guard programs per exec: ${execns} ns in BPF (bprm_check_security + bprm_committed_creds) = $(echo "$execns $(us "$exec1")" | awk '{ printf "%.3f%%", 100 * $1 / ($2 * 1000) }') of an exec ($(us "$exec1") us)"
say "bench: the guard's kernel hash: $(grep '^kernel_hash' /tmp/status)"
say "bench: the guard's programs per admitted finit_module: kernel_read_file ${readns} ns (hashes nothing where the kernel checks the signature: $(grep '^kernel_digest' /tmp/status)), pkcs7_verify ${pkcsns:-?} ns, locked_down ${lockns:-?} ns; together $(echo "$readns ${pkcsns:-0} ${lockns:-0} $admitted" | awk '{ printf "%.3f%%", 100 * ($1 + $2 + $3) / ($4 * 1000) }') of an admitted insmod of hello"
# Where modguard load's time goes, beyond the load itself: starting the
# trusted program (it does nothing with --help) against starting busybox, and
# its own timing of each step of one admitted load.
rm -f /tmp/lat.x*
for _i in 1 2 3 4 5 6 7; do
	for _v in "x_bb:/bin/busybox true" "x_ldr:env -i $L --help"; do
		_a=$EPOCHREALTIME
		${_v#*:} >/dev/null 2>&1
		_b=$EPOCHREALTIME
		echo $((${_b%.*}${_b#*.} - ${_a%.*}${_a#*.})) >>/tmp/lat.${_v%%:*}
	done
done
say "bench: start-up, us: /bin/busybox true $(median /tmp/lat.x_bb), the trusted program (--help, no work) $(median /tmp/lat.x_ldr)"
grep -E ': [0-9.]+ ms$' /tmp/gs.out | sed 's/^modguard: /bench: guard start, step: /' | while read -r l; do say "$l"; done
say "bench: guard start, processes in the guest during the sweep: $(ls -d /proc/[0-9]* | wc -l) now"
env -i "$L" --debug load "$H" 2>&1 | grep ': load: ' | sed 's/^modguard: /bench: trusted program, admitted hello: /' | while read -r l; do say "$l"; done
rmmod hello
[ -s /tmp/lat.plain_h ] && [ -s /tmp/lat.mg_t ] && ok "load latencies measured" || not_ok "load latencies measured"

done_testing
