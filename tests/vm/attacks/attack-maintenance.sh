#!/bin/sh
# Maintenance: the only run-time change to protected state is modguard's
# trusted program adding a certificate that a key already trusted signed.
# Everything else is refused, and what it adds is protected at once (a
# protected directory covers entries made after the lock).
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=maintenance

mg_guard_up
mg_maint_files
TD=/etc/modguard/trust.d

attempt "trust-add a certificate no trusted key signed" $TD env -i $MG_LOADER trust-add /tmp/mt/rogue.crt
attempt "modguard trust-add of a certificate no trusted key signed" $TD modguard trust-add /tmp/mt/rogue.crt
attempt "trust-add through an untagged copy of the trusted program" $TD sh -c "cp $MG_LOADER /tmp/loader-copy && exec env -i /tmp/loader-copy trust-add /tmp/mt/child.crt"
attempt "copy the signed certificate in by hand" $TD cp /tmp/mt/child.crt $TD/child.crt

# trust-add decides with the store verification uses: a signer the store
# holds but would not accept (revoked, spelled as the deny list allows;
# expired; not yet valid; a file the store does not read) vouches for
# nothing, and a candidate out of date is refused too.  Root holds each
# signer's key.  A module signed by the candidate's key stays unloadable.
TA=$MG_KEYS/ta
for c in child-of-revoked child-of-expired child-of-future child-of-disabled child-expired child-notyet; do
	attempt "trust-add $c.crt (its signer, or itself, powerless in the store)" $TD modguard trust-add "$TA/$c.crt"
done
mkdir -p /tmp/m
modguard sign -q -k "$TA/child.key" -c "$TA/child-of-revoked.crt" -o /tmp/m/evil-ta.ko "$MG_MODULES/evil.ko"
attempt_refused "modguard load of evil signed by the refused candidates' key" modguard load /tmp/m/evil-ta.ko
module_loaded evil && { rmmod evil; not_ok "$FAMILY: evil stays unloaded"; } || ok "$FAMILY: evil stays unloaded"
check "trust-add of a certificate signed by a usable signer (ta-good), valid now" modguard trust-add "$TA/child-good.crt"
check "trust-add of a certificate signed by a trusted key, through modguard trust-add" modguard trust-add /tmp/mt/child.crt
NEW=$(ls $TD/added-*.crt 2>/dev/null | head -n 1)
if [ -n "$NEW" ]; then
	ok "$FAMILY: the added certificate is $NEW"
	attempt "open O_WRONLY the certificate added after the lock" $NEW mgattack open-write $NEW
	attempt "unlink the certificate added after the lock" $NEW mgattack unlink $NEW
	attempt "rename the certificate added after the lock" $NEW mgattack rename $NEW /etc/added.crt
	attempt "hard link the certificate added after the lock out" $NEW mgattack link $NEW /etc/added.crt
	attempt "chmod the certificate added after the lock" $NEW mgattack chmod $NEW
	attempt "setxattr on the certificate added after the lock" $NEW mgattack setxattr $NEW trusted.mg evil
else
	not_ok "$FAMILY: no added certificate in $TD"
fi
mkdir -p /tmp/m
modguard sign -q -k /tmp/mt/child.key -c /tmp/mt/child.crt -o /tmp/m/dep_b-child.ko "$MG_MODULES/dep_b.ko"
check "a module signed by the added key is admitted" modguard admit /tmp/m/dep_b-child.ko

attack_summary
done_testing
