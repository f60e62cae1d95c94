#!/bin/sh
# The guard on any Debian kernel, with nothing but Debian's own modules (no
# test modules: trixie's and sid's kbuild cannot run on the host), under
# trust_kernel_keys = no, where every module needs admission:
# - guard start says what this kernel offers (kernel model) and starts;
# - a Debian module, as shipped (.ko.xz on 6.12 and 7.x, which the kernel
#   reads with READING_MODULE_COMPRESSED on 7.x), is refused by finit_module
#   until admitted, then loads (through MODULE_INIT_COMPRESSED_FILE);
# - its signature stripped, it is refused even once the original is admitted;
# - init_module of its bytes by anyone but the trusted program is refused,
#   and modguard load of the admitted module works;
# - the status is served by the trusted program and formatted by the CLI.
# The module is chosen by property, so that it exists on every kernel: a
# leaf (no dependencies) of lib/, not built in, not loaded.
. /tests/lib.sh

mod= file=
for m in crc8 crc16 crc-itu-t crc7 libcrc32c; do
	line=$(grep -E "^(kernel/)?lib/(crc/)?$m\.ko(\.xz|\.zst|\.gz)?:[[:space:]]*$" "$MG_KMODDIR/modules.dep") || continue
	module_loaded "$(echo "$m" | tr - _)" && continue
	mod=$(echo "$m" | tr - _) file=$MG_KMODDIR/${line%%:*}
	break
done
[ -n "$mod" ] && ok "module for the test: $mod ($file)" || { not_ok "no leaf module among crc8 crc16 crc-itu-t crc7 libcrc32c"; done_testing; }

mkdir -p /etc/modguard/trust.d /tmp/s
printf 'trust_kernel_keys = no\n' >/etc/modguard/policy
expect_ok modguard keys extract-kernel -q "$MG_VMLINUZ" -o /etc/modguard/kernel-certs
modguard guard check >/tmp/check 2>&1
rc=$?
[ $rc = 0 ] && grep -q '^guard: starts' /tmp/check && ok "guard check on the running kernel: $(grep '^guard:' /tmp/check)" ||
	{ not_ok "guard check on the running kernel (exit $rc)"; sed 's/^/#   /' /tmp/check; }
MODGUARD_DEBUG=1 modguard guard start >/tmp/start 2>&1
rc=$?
[ $rc = 0 ] && grep -q 'self-protection locked' /tmp/start && ok "guard start (exit 0), self-protection locked" ||
	{ not_ok "guard start (exit $rc)"; sed 's/^/#   /' /tmp/start; done_testing; }
grep 'kernel model' /tmp/start | sed 's/^/# /'
modguard guard status >/tmp/status 2>&1
grep -q '^guard: running' /tmp/status && grep -q '^trust_kernel_keys: no' /tmp/status &&
	ok "guard status: running, trust_kernel_keys no ($(grep '^kernel_digest' /tmp/status))" ||
	{ not_ok "guard status"; sed 's/^/#   /' /tmp/status; }

# Not admitted: refused, whatever the kernel's keys say.
expect_fail EPERM sysload finit "$file"
module_loaded "$mod" && not_ok "$mod not loaded after the refusal" || ok "$mod not loaded after the refusal"

# Its signature stripped: refused, also once the original is admitted.
case $file in
*.xz) xzcat "$file" >/tmp/s/plain.ko ;;
*) cp "$file" /tmp/s/plain.ko ;;
esac
cp /tmp/s/plain.ko /tmp/s/unsigned.ko
expect_ok modguard strip -q /tmp/s/unsigned.ko
expect_ok modguard admit -q -C /etc/modguard/kernel-certs "$file"
expect_fail EPERM sysload finit /tmp/s/unsigned.ko
# init_module of the admitted module's bytes by an untrusted task: refused.
expect_fail EPERM sysload init /tmp/s/plain.ko
module_loaded "$mod" && not_ok "$mod still not loaded" || ok "$mod still not loaded"

# Admitted, as shipped: finit_module (compressed flag for a compressed file) loads it.
expect_ok sysload finit "$file"
module_loaded "$mod" && ok "$mod loaded after admission" || not_ok "$mod loaded after admission"
expect_ok sysload delete "$mod"
# And through the trusted program.
expect_ok modguard load "$file"
module_loaded "$mod" && ok "$mod loaded by modguard load" || not_ok "$mod loaded by modguard load"
expect_ok sysload delete "$mod"

modguard guard status >/tmp/status 2>&1
denied=$(sed -n 's/^denied: //p' /tmp/status)
[ "${denied:-0}" -ge 3 ] && grep -q 'denied .*not-admitted' /tmp/status &&
	ok "guard status counts the refusals ($denied) and lists them" ||
	{ not_ok "guard status counts the refusals"; sed 's/^/#   /' /tmp/status; }
done_testing
