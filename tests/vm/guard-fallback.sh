#!/bin/sh
# The guard cannot start (booted without the BPF LSM): guard start fails
# closed and, with the default fallback, sets kernel.modules_disabled = 1.
# Run it in its own boot without bpf in lsm= (tests/vm/run-all reads vm-options):
#   tests/vm/run --append "lsm=lockdown,capability,yama,apparmor" tests/vm/guard-fallback.sh
# vm-options: --append "lsm=lockdown,capability,yama,apparmor"
. /tests/lib.sh

mkdir -p /etc/modguard/trust.d
cp "$MG_KEYS/owner.crt" /etc/modguard/trust.d/owner.crt
# More ways to get the policy wrong, each named by file:line (and, at boot,
# failing closed the same way).
bad_policy() { # DESC CONTENT EXPECTED
	printf "$2" >/etc/modguard/policy
	modguard guard start >/tmp/out 2>&1
	rc=$?
	if [ $rc = 2 ] && grep -q -F -e "$3" /tmp/out; then
		ok "policy $1: exit 2, \"$3\""
	else
		not_ok "policy $1: exit 2, \"$3\" (exit $rc)"
		sed 's/^/#   /' /tmp/out
	fi
}
policy_errors() {
	bad_policy "bad value" 'mode = enforcing\n' 'policy:1: mode must be enforce or permissive, found "enforcing"'
	bad_policy "duplicate" 'loader_only = no\n# ok\nloader_only = yes\n' 'policy:3: "loader_only" set twice'
	bad_policy "no equals" 'mode enforce\n' 'policy:1: expected "key = value"'
	bad_policy "bad bool" 'trust_kernel_keys = maybe\n' 'policy:1: trust_kernel_keys must be yes or no, found "maybe"'
	bad_policy "bad fast_kernel_hash" 'fast_kernel_hash = fast\n' 'policy:1: fast_kernel_hash must be yes or no, found "fast"'
	bad_policy "fast_kernel_hash twice" 'fast_kernel_hash = yes\nfast_kernel_hash = no\n' 'policy:2: "fast_kernel_hash" set twice'
}

mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
if grep -q bpf /sys/kernel/security/lsm; then
	not_ok "booted without the BPF LSM (lsm is $(cat /sys/kernel/security/lsm); see the header for the command)"
	policy_errors
	done_testing
fi

modguard guard start >/tmp/out 2>&1
rc=$?
if [ $rc = 1 ] && grep -q 'BPF LSM not active' /tmp/out && grep -q 'modules_disabled = 1' /tmp/out; then
	ok "guard start fails closed and says so"
else
	not_ok "guard start fails closed and says so (exit $rc)"
	sed 's/^/#   /' /tmp/out
fi
[ "$(cat /proc/sys/kernel/modules_disabled)" = 1 ] && ok "kernel.modules_disabled is 1" || not_ok "kernel.modules_disabled is 1"
expect_fail EPERM insmod "$MG_MODULES/hello.ko"
expect_fail EPERM sysload finit "$MG_MODULES/hello.ko"

# A bad policy is an error naming file:line (and, at boot, fails closed the same way).
printf 'mode = enforce\ntrust_kernel_key = no\n' >/etc/modguard/policy
modguard guard start >/tmp/out 2>&1
rc=$?
if [ $rc = 2 ] && grep -q '/etc/modguard/policy:2: unknown key "trust_kernel_key"' /tmp/out; then
	ok "policy typo: exit 2, error names file:line"
else
	not_ok "policy typo: exit 2, error names file:line (exit $rc)"
	sed 's/^/#   /' /tmp/out
fi

policy_errors
done_testing
