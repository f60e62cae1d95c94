#!/bin/sh
# Side doors: ways to the trusted program's decisions that go around the
# front door (ptrace of the main thread, the trusted files themselves).  Its
# worker threads; a root it shares with a CLONE_FS sibling that chroots while
# it runs; admit -C through an fd, a symlink, "..", and a symlink swapped
# while it resolves; a BPF LSM program of root's forging an error for the
# deny list; core dumps, which the kernel writes in the dumping task's
# context, aimed at the trust store and the deny list.  Each part also shows
# the legitimate work still succeeds.  The core dumps come last: one that
# gets through replaces the deny list or adds to the trust store.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=sidedoors

mg_guard_up
TD=/etc/modguard/trust.d
DENY=/etc/modguard/deny.list

# ---- Fixtures ----------------------------------------------------------------
# evil signed by the untrusted key, one file per attempt that might admit it
# (an admitted digest stays admitted); an attacker's root /tmp/cf whose trust
# store holds the untrusted certificate, with the module at the same path.
mkdir -p /tmp/sd /tmp/cf$TD /tmp/cf/tmp/sd
for h in sha256 sha384 sha512 sha3-256; do
	modguard sign -q -a $h -k "$MG_KEYS/untrusted.key" -c "$MG_KEYS/untrusted.crt" \
		-o /tmp/sd/evil-untrusted-$h.ko "$MG_MODULES/evil.ko"
	modguard sign -q -a $h -k "$MG_KEYS/owner.key" -c "$MG_KEYS/owner.crt" \
		-o /tmp/sd/hello-$h.ko "$MG_MODULES/hello.ko"
done
cp /tmp/sd/evil-untrusted-sha256.ko /tmp/sd/evil-untrusted.ko
cp /tmp/sd/evil-untrusted.ko /tmp/cf/tmp/sd/evil-untrusted.ko
cp "$MG_KEYS/untrusted.crt" /tmp/cf$TD/untrusted.crt
: >/tmp/cf/etc/modguard/deny.list
cp /etc/modguard/policy /tmp/cf/etc/modguard/policy
if [ -f /tmp/mgd/revoked.crt ] && [ -f $TD/revoked.crt ] && [ "$(grep -c '^cert ' $DENY)" = 1 ] &&
	[ "$(grep -c '^module ' $DENY)" = 3 ]; then
	ok "$FAMILY: fixtures: revoked key in trust.d and on the deny list, 3 modules denied by digest (made before the lock)"
else
	not_ok "$FAMILY: fixtures: the deny list made before the lock (lib-attack.sh mg_deny_files)"
	sed 's/^/#   /' $DENY
fi

# evil_state: "evil not loaded", or unload it and say it was.
evil_state() {
	if module_loaded evil; then
		rmmod evil 2>/dev/null
		echo "evil LOADED"
	else
		echo "evil not loaded"
	fi
}

# insmod_state FILE: a plain insmod of FILE (busybox, not the trusted program)
# still gets EPERM.
insmod_state() {
	_o=$(insmod "$1" 2>&1)
	_r=$?
	_l=$(evil_state)
	if [ $_r -ne 0 ] && echo "$_o" | grep -q 'Operation not permitted' && [ "$_l" = "evil not loaded" ]; then
		echo "insmod EPERM, evil not loaded"
	else
		echo "insmod exit $_r ($(echo "$_o" | tail -n 1 | cut -c1-60)), $_l"
	fi
}

# admit_attempt DESC FILE CMD...: CMD (an admit of FILE) fails, and FILE is
# still refused by busybox insmod.
admit_attempt() {
	_d=$1 _f=$2
	shift 2
	"$@" >/tmp/sd/admit.out 2>&1
	_rc=$?
	_w=$(tail -n 1 /tmp/sd/admit.out | cut -c1-110)
	_ev=$(insmod_state "$_f")
	if [ $_rc -ne 0 ] && [ "$_ev" = "insmod EPERM, evil not loaded" ]; then
		judged yes "$_d: exit $_rc ($_w), $_ev" "" "" ""
	else
		judged no "" "$_d: exit $_rc ($_w), $_ev" "insmod EPERM, evil not loaded" "$_ev"
		sed 's/^/#   /' /tmp/sd/admit.out
	fi
}

# ---- a. The trusted program's worker threads ---------------------------------
# admit --tree verifies in threads (one per CPU).  Stopped while they exist,
# every thread is tried, not just the leader the tag was set on at exec.
# fs/: a few hundred modules, enough for the threads to be caught, and a
# walk that ends in seconds even where they are .ko.xz under emulation.
modguard admit -n --tree "$MG_KMODDIR/kernel/fs" >/tmp/sd/tree.out 2>&1 &
APID=$!
n=0
while [ $n -lt 400 ] && [ "$(ls /proc/$APID/task 2>/dev/null | wc -l)" -lt 2 ] && kill -0 $APID 2>/dev/null; do
	sleep 0.05
	n=$((n + 1))
done
kill -STOP $APID 2>/dev/null
stopped=$?
comm=$(cat /proc/$APID/comm 2>/dev/null)
tids=$(ls /proc/$APID/task 2>/dev/null | tr "\n" " " | sed "s/ $//")
mgattack threads $APID >/tmp/sd/threads.out 2>&1
rc=$?
kill -CONT $APID 2>/dev/null
diag "admit --tree: pid $APID, comm $comm, threads $tids (kill -STOP exit $stopped)"
sed 's/^/#   /' /tmp/sd/threads.out
steps=$(grep -c '^tid ' /tmp/sd/threads.out)
ins=$(grep -c '^tid .*: OK' /tmp/sd/threads.out)
if [ "$comm" != modguard-loader ] && [ "$comm" != modguard-loade ]; then
	not_ok "$FAMILY: worker threads: pid $APID is \"$comm\", not the trusted program"
elif [ $rc = 2 ]; then
	not_ok "$FAMILY: worker threads: none caught (threads: $tids): nothing was attacked"
elif [ $rc = 1 ]; then
	judged yes "worker threads of admit --tree ($tids): mem, process_vm_writev, PTRACE_ATTACH, pidfd_getfd, fd/0 of each: all $steps refused ($(grep -v skipped /tmp/sd/threads.out | grep -o -E 'E[A-Z]+$' | sort | uniq -c | tr -s ' \n' ' ' | sed 's/^ //;s/ $//'))" "" "" ""
else
	judged no "" "worker threads of admit --tree ($tids): $ins of $steps steps got in: $(grep '^tid .*: OK' /tmp/sd/threads.out | tr '\n' ';' | cut -c1-200)" "every step refused" "$ins steps in"
fi
# Legitimate: the stopped and resumed admit finishes its walk.
n=0
while [ $n -lt 600 ] && kill -0 $APID 2>/dev/null; do
	sleep 0.5
	n=$((n + 1))
done
if kill -0 $APID 2>/dev/null; then
	kill -9 $APID
	not_ok "$FAMILY: the admit --tree dry run finishes after the attack (still running after 300 s)"
else
	wait $APID
	rc=$?
	if grep -q 'modules verified (dry run), .* 0 unreadable' /tmp/sd/tree.out; then
		ok "$FAMILY: the admit --tree dry run finishes after the attack (exit $rc): $(tail -n 1 /tmp/sd/tree.out)"
	else
		not_ok "$FAMILY: the admit --tree dry run finishes after the attack (exit $rc)"
		tail -n 5 /tmp/sd/tree.out | sed 's/^/#   /'
	fi
fi

# ---- b. A root shared with a CLONE_FS sibling ------------------------------
# exec does not unshare fs_struct: the sibling's chroot moves the running
# trusted program's root into /tmp/cf, where the trust store is the attacker's.
# Self-check of the machinery: a busybox sh exec'd the same way (from the
# real root: /tmp/cf has no /bin) sees /tmp/cf's trust store after the chroot.
probe='i=0; while [ $i -lt 100000 ]; do [ -e /etc/modguard/trust.d/untrusted.crt ] && exit 0; i=$((i+1)); done; exit 1'
if mgattack clonefs-exec /tmp/cf /bin/busybox sh -c "$probe" >/tmp/sd/cf.out 2>&1; then
	ok "$FAMILY: clonefs-exec self-check: a running child exec'd in the real root resolves paths in /tmp/cf after the sibling's chroot ($(head -n 1 /tmp/sd/cf.out))"
else
	not_ok "$FAMILY: clonefs-exec self-check: the child did not see /tmp/cf after the chroot"
	sed 's/^/#   /' /tmp/sd/cf.out
fi
for i in 1 2 3 4 5; do
	mgattack clonefs-exec /tmp/cf $MG_LOADER load /tmp/sd/evil-untrusted.ko >/tmp/sd/cf.out 2>&1
	rc=$?
	ev=$(evil_state)
	how="$(grep '^child .*comm' /tmp/sd/cf.out | cut -d: -f2- | cut -c2-70); $(grep -v '^child .*comm\|^chroot' /tmp/sd/cf.out | tr '\n' ' ' | cut -c1-140)"
	if [ $rc -ne 0 ] && [ "$ev" = "evil not loaded" ]; then
		judged yes "CLONE_FS sibling chroots the running trusted program into a trust store of its own ($i/5): exit $rc ($how), $ev" "" "" ""
	else
		judged no "" "CLONE_FS sibling chroots the running trusted program into a trust store of its own ($i/5): exit $rc ($how), $ev" "evil not loaded" "$ev"
		sed 's/^/#   /' /tmp/sd/cf.out
	fi
done
# Legitimate: the trusted program still loads an owner-signed module.
module_loaded hello && rmmod hello
if modguard load /tmp/sd/hello-sha256.ko >/tmp/sd/load.out 2>&1 && module_loaded hello; then
	ok "$FAMILY: modguard load of an owner-signed hello after the CLONE_FS attempts"
else
	not_ok "$FAMILY: modguard load of an owner-signed hello after the CLONE_FS attempts"
	sed 's/^/#   /' /tmp/sd/load.out
fi
rmmod hello 2>/dev/null

# ---- c. admit -C: only a store inside /etc/modguard -------------------------
exec 3</tmp/cf$TD
admit_attempt "admit -C /proc/self/fd/3 (fd 3 on the attacker's trust store)" /tmp/sd/evil-untrusted-sha256.ko \
	modguard admit -C /proc/self/fd/3 /tmp/sd/evil-untrusted-sha256.ko
exec 3<&-
ln -sfn $TD /tmp/sdlink
admit_attempt "admit -C /tmp/sdlink (a symlink to the real trust store)" /tmp/sd/evil-untrusted-sha384.ko \
	modguard admit -C /tmp/sdlink /tmp/sd/evil-untrusted-sha384.ko
admit_attempt "admit -C /etc/modguard/../../tmp/cf$TD" /tmp/sd/evil-untrusted-sha512.ko \
	modguard admit -C /etc/modguard/../../tmp/cf$TD /tmp/sd/evil-untrusted-sha512.ko
# The symlink swapped, over and over, between the real store (what the check
# resolves) and the attacker's (what is then read).
ln -sfn /tmp/cf$TD /tmp/sdlink2
mgattack swap-loop /tmp/sdlink /tmp/sdlink2 40 >/tmp/sd/swap.out 2>&1 &
SPID=$!
codes=
for i in $(seq 1 40); do
	modguard admit -C /tmp/sdlink /tmp/sd/evil-untrusted-sha3-256.ko >/tmp/sd/race.out 2>&1
	rc=$?
	codes="$codes $rc"
	[ $rc = 0 ] && break
done
kill $SPID 2>/dev/null
wait $SPID 2>/dev/null
admit_attempt "admit -C of a symlink swapped between the real and the attacker's store (exits:$codes)" \
	/tmp/sd/evil-untrusted-sha3-256.ko sh -c "cat /tmp/sd/race.out; exit $rc"

# ---- e. A BPF LSM program of root's forging an error for the deny list -------
# access() of the deny list failing (inode_permission) must not read as "no
# deny list"; an open failing (file_open) must not either.
INO=$(stat -c %i $DENY)
DEV=$(stat -c %d $DENY)
forge_round() { # HOOK ERRNO ENAME HASH_OF_KEY HASH_OF_MODULE HELLO_HASH
	# The forger stays attached until it is killed below (300 s at most).
	# Loading the kernel's BTF and the program takes seconds under emulation,
	# and more on a loaded host: up to 90 s are allowed for it.
	# Each round has its own output file, made empty before the forger
	# starts: the redirection happens in the child, and a file left by the
	# previous round would read "OK" before this forger is attached.
	FOUT=/tmp/sd/forge-$1-$3.out
	: >$FOUT
	MGATTACK_VERBOSE=1 mgattack bpf-lsm-errno $1 $INO $2 300 $DEV >$FOUT 2>&1 &
	FPID=$!
	n=0
	while [ $n -lt 900 ] && ! grep -q '^OK' $FOUT && kill -0 $FPID 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	_txt=$(errno_text $3)
	_cat=$(cat $DENY 2>&1)
	_crc=$?
	if grep -q '^OK' $FOUT && [ $_crc -ne 0 ] && echo "$_cat" | grep -q -F "$_txt" &&
		cat /etc/modguard/policy >/dev/null 2>&1; then
		ok "$FAMILY: forger self-check ($1, $3): attached, cat $DENY fails with \"$_txt\", the policy still reads"
	else
		not_ok "$FAMILY: forger self-check ($1, $3): cat $DENY: exit $_crc ($(echo "$_cat" | head -n 1)), forger $(kill -0 $FPID 2>/dev/null && echo running || echo gone) after $n waits"
		sed 's/^/#   forger: /' $FOUT
	fi
	admit_attempt "forged $3 from $1 on the deny list: admit of evil signed by a revoked key" \
		/tmp/mgd/evil-revoked-key-$4.ko modguard admit /tmp/mgd/evil-revoked-key-$4.ko
	admit_attempt "forged $3 from $1 on the deny list: admit of an owner-signed evil revoked by digest" \
		/tmp/mgd/evil-revoked-hash-$5.ko modguard admit /tmp/mgd/evil-revoked-hash-$5.ko
	kill $FPID 2>/dev/null
	wait $FPID 2>/dev/null
	# Legitimate: with the forger gone, an owner-signed module is admitted and loads.
	module_loaded hello && rmmod hello
	if modguard admit /tmp/sd/hello-$6.ko >/tmp/sd/admit.out 2>&1 && insmod /tmp/sd/hello-$6.ko >>/tmp/sd/admit.out 2>&1 &&
		module_loaded hello; then
		ok "$FAMILY: forger gone ($1, $3): an owner-signed hello ($6) is admitted and loads"
	else
		not_ok "$FAMILY: forger gone ($1, $3): an owner-signed hello ($6) is admitted and loads"
		sed 's/^/#   /' /tmp/sd/admit.out
	fi
	rmmod hello 2>/dev/null
}
forge_round inode_permission 2 ENOENT sha256 sha384 sha384
forge_round inode_permission 13 EACCES sha384 sha512 sha512
forge_round file_open 2 ENOENT sha512 sha3-256 sha3-256

# ---- d. Core dumps aimed at the trust store and the deny list ----------------
# The kernel writes a core file in the dumping task's context: the trusted
# program's, exemptions and all.  argv[0] carries a whole PEM certificate, so
# a core file in trust.d would hold the attacker's certificate.
PEM=$(cat "$MG_KEYS/untrusted.crt")
CP=$(cat /proc/sys/kernel/core_pattern)
ulimit -c unlimited
# Self-check of the machinery: core_pattern, the limit and the signal give a
# core file, and argv[0]'s certificate is in it (strings: busybox grep stops
# a line at its first NUL).  Whether the trusted program itself dumps core
# is the product's business: said, not checked.
mkdir -p /tmp/sd/cores
echo "/tmp/sd/cores/core.%e" >/proc/sys/kernel/core_pattern
# kill_wait SIGNAL PID: signal PID and reap it; $_kw is its exit status, or
# "survived" (then killed with SIGKILL) if it is still running 2 s later (a
# program may ignore the signal: then it dumps nothing).
kill_wait() {
	kill -$1 $2
	_k=0
	while [ $_k -lt 20 ] && [ "$(awk '/^State:/ { print $2 }' /proc/$2/status 2>/dev/null)" != Z ] &&
		[ -e /proc/$2 ]; do
		sleep 0.1
		_k=$((_k + 1))
	done
	if [ $_k -ge 20 ]; then
		kill -9 $2
		wait $2
		_kw=survived
	else
		wait $2
		_kw=$?
	fi
}
core_of() { # PROG ARGS...: kill it with SIGSEGV after 1 s; its core file's size, or "no core"
	rm -f /tmp/sd/cores/*
	mgattack exec-argv0 "$PEM" "$@" >/dev/null 2>&1 &
	_p=$!
	sleep 1
	kill_wait SEGV $_p
	_c=$(ls /tmp/sd/cores/ 2>/dev/null | head -n 1)
	if [ -n "$_c" ] && strings "/tmp/sd/cores/$_c" | grep -q 'BEGIN CERTIFICATE'; then
		echo "$(stat -c %s "/tmp/sd/cores/$_c") bytes with the certificate"
	elif [ -n "$_c" ]; then
		echo "$(stat -c %s "/tmp/sd/cores/$_c") bytes without the certificate"
	else
		echo "no core"
	fi
}
c=$(core_of /usr/bin/mgattack sleep 10)
case $c in
*"with the certificate") ok "$FAMILY: core dump self-check: a process killed by SIGSEGV dumps core to core_pattern's path, argv[0]'s certificate in it ($c)" ;;
*) not_ok "$FAMILY: core dump self-check: a process killed by SIGSEGV: $c" ;;
esac
diag "the trusted program (guard events) killed by SIGSEGV: $(core_of $MG_LOADER guard events)"
rm -rf /tmp/sd/cores

# store_state: every file of the trust store, and the deny list.
store_state() {
	for f in $TD $TD/* $DENY; do
		echo "$f $(astate "$f")"
	done
}

# dump_attempt DESC PATTERN SIGNAL IMMEDIATE DELAYED: IMMEDIATE runs killed
# at once (some before, some after the exec), DELAYED after the trusted
# program has run for a second; nothing in the store may change.
dump_attempt() {
	_d=$1 _pat=$2 _sig=$3 _now=$4 _late=$5
	_b=$(store_state)
	if ! echo "$_pat" >/proc/sys/kernel/core_pattern 2>/tmp/sd/cp.err; then
		judged yes "core dumps to $_pat ($_d): core_pattern refused ($(cat /tmp/sd/cp.err))" "" "" ""
		return
	fi
	_sts=
	_i=0
	while [ $_i -lt $((_now + _late)) ]; do
		mgattack exec-argv0 "$PEM" $MG_LOADER guard events >/dev/null 2>&1 &
		_p=$!
		[ $_i -ge $_now ] && sleep 1
		kill_wait $_sig $_p
		_sts="$_sts $_kw"
		_i=$((_i + 1))
	done
	echo "$CP" >/proc/sys/kernel/core_pattern
	_a=$(store_state)
	_zz=absent
	[ -e $TD/zz.pem ] && _zz=present
	if [ "$_b" = "$_a" ] && [ $_zz = absent ]; then
		judged yes "core dumps to $_pat ($_d, exits:$_sts): trust store and deny list unchanged" "" "" ""
	else
		judged no "" "core dumps to $_pat ($_d, exits:$_sts): trust store or deny list CHANGED, $TD/zz.pem $_zz" \
			"$(echo "$_b" | wc -l) entries" "$(echo "$_a" | wc -l) entries, the differences below"
		echo "$_b" >/tmp/sd/b.txt
		echo "$_a" >/tmp/sd/a.txt
		diff /tmp/sd/b.txt /tmp/sd/a.txt | sed 's/^/#   /'
		modguard admit -n /tmp/sd/evil-untrusted.ko >/tmp/sd/n.out 2>&1
		diag "the store now, to a dry-run admit of evil signed by the untrusted key: exit $? ($(tail -n 1 /tmp/sd/n.out | cut -c1-120))"
	fi
}
dump_attempt "SIGSEGV, 10 at once and 1 after 1 s" $TD/zz.pem SEGV 10 1
dump_attempt "SIGXFSZ after 1 s" $TD/zz.pem XFSZ 0 1
dump_attempt "SIGABRT after 1 s" $TD/zz.pem ABRT 0 1
dump_attempt "SIGSEGV, 10 at once and 1 after 1 s" $DENY SEGV 10 1
dump_attempt "SIGXFSZ after 1 s" $DENY XFSZ 0 1
dump_attempt "SIGABRT after 1 s" $DENY ABRT 0 1
echo "$CP" >/proc/sys/kernel/core_pattern
ulimit -c 0

attack_summary
done_testing
