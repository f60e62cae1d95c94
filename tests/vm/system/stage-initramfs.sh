#!/bin/sh
# Boot 4, from the initramfs the attacker rebuilt so that it loads evil: the
# guard starts first in that initramfs (the hook put it there), and refuses
# evil there.  Should evil ever load before the guard, modguard status must
# report it as critical.  The guard is up and the protected files unchanged.
. /tests/lib.sh
. /tests/lib-system.sh

check "the guard is running and sealed" guard_sealed
check "the initramfs the attacker rebuilt holds evil" sh -c "lsinitramfs /boot/initrd.img-$KVER | grep -q 'evil.ko'"
check "the guard started in that initramfs, before its modules, and was handed over" guard_from_initramfs
protected_states >/tmp/states.now
if cmp -s "$STATES" /tmp/states.now; then ok "every protected file unchanged"; else
	not_ok "every protected file unchanged"; diff "$STATES" /tmp/states.now | sed 's/^/#   /'; fi
if module_loaded evil; then
	say "initramfs attack: evil loaded from the initramfs, before the guard"
	check "evil is recorded as loaded before the guard" grep -q '^evil ' /run/modguard/before-guard
	modguard status >/tmp/status.txt 2>&1
	rc=$?
	sed 's/^/#   /' /tmp/status.txt
	check "modguard status exits 1" test $rc = 1
	check "modguard status flags evil (!!, unverified, before guard)" grep -Eq '^!!evil +unverified +OE? .*before guard CRITICAL' /tmp/status.txt
	check "modguard status: CRITICAL section names evil and the initramfs" grep -q 'module evil .*loaded before the guard started (initramfs' /tmp/status.txt
	echo "MG-JSON $(modguard status --json)" >"$MG_RESULTS"
	check "modguard status --json: evil critical" sh -c 'modguard status --json | grep -q "\"name\":\"evil\",\"provenance\":\"unverified\".*\"before_guard\":true,\"out_of_tree\":true,\"critical\":true"'
	not_ok "evil did not load from the initramfs (the guard started there)"
else
	ok "evil did not load from the initramfs (the guard started there)"
fi
done_testing
