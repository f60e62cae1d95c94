#!/bin/sh
# Fail closed when the self-protection cannot be set up, here because the
# protected set is over capacity (a policy "protect =" tree of more than
# 16384 inodes): `modguard guard start` fails, says why, and sets
# kernel.modules_disabled = 1, since a guard that root could unpin would
# protect nothing.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=failclosed

mg_install
mkdir -p /opt/huge
i=0
while [ $i -lt 170 ]; do
	mkdir /opt/huge/d$i
	(cd /opt/huge/d$i && touch $(seq 1 100))
	i=$((i + 1))
done
printf 'mode = enforce\nprotect = /opt/huge\n' >/etc/modguard/policy
modguard guard start >/tmp/start.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/start.out
if [ $rc -ne 0 ] && grep -q 'more than 16384 inodes' /tmp/start.out &&
	[ "$(cat /proc/sys/kernel/modules_disabled)" = 1 ]; then
	ok "$FAMILY: protection over capacity: start fails (exit $rc), kernel.modules_disabled = 1"
else
	not_ok "$FAMILY: protection over capacity: exit $rc, modules_disabled $(cat /proc/sys/kernel/modules_disabled)"
fi
debian_leaf
expect_fail EPERM modprobe "$LEAF"
if [ -e /sys/fs/bpf/modguard-protect/link_protect_file_open ]; then
	not_ok "$FAMILY: no half-sealed protection is left attached"
else
	ok "$FAMILY: no protection program was attached"
fi

done_testing
