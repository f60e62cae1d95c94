#!/bin/sh
# The guard itself: its pins, maps, programs and links, and programs that
# would override, replace or signal it.
. /tests/lib.sh
. /tests/lib-attack.sh
FAMILY=bpf

mg_guard_up

G=/sys/fs/bpf/modguard
P=/sys/fs/bpf/modguard-protect
GL=$G/link_guard_locked_down
PL=$P/link_protect_file_open

# ---- Maps ------------------------------------------------------------------
attempt "writable fd of the admitted map (BPF_OBJ_GET)" $G/admitted mgattack bpf-map-rw $G/admitted
attempt "writable fd of the protected-inode map" $P/inodes mgattack bpf-map-rw $P/inodes
attempt "read-only fd of the admitted map (BPF_OBJ_GET, BPF_F_RDONLY)" $G/admitted mgattack bpf-map-byid $G/admitted
attempt_refused "BPF_MAP_GET_FD_BY_ID of every map id (the guard's and the protection's)" mgattack bpf-map-byid-all
attempt_refused "BPF_MAP_UPDATE_ELEM on the admitted map" mgattack bpf-map-update $G/admitted
attempt_refused "BPF_MAP_DELETE_ELEM on the protected-inode map" mgattack bpf-map-delete $P/inodes
attempt_refused "BPF_MAP_DELETE_ELEM on the protected-id map" mgattack bpf-map-delete $P/ids
attempt_refused "BPF_MAP_FREEZE of the admitted map" mgattack bpf-map-freeze $G/admitted
attempt_refused "BPF_MAP_FREEZE of the protected-inode map" mgattack bpf-map-freeze $P/inodes

# ---- Links and programs ------------------------------------------------------
attempt_refused "BPF_LINK_DETACH of a guard link" mgattack bpf-link-detach $GL
attempt_refused "BPF_LINK_DETACH of a protection link" mgattack bpf-link-detach $PL
attempt_refused "BPF_LINK_GET_FD_BY_ID of every link id" mgattack bpf-link-byid-all
attempt_refused "BPF_PROG_GET_FD_BY_ID of every program id" mgattack bpf-prog-byid-all
attempt_refused "freplace (BPF_PROG_TYPE_EXT) of a guard program" mgattack bpf-ext
attempt_refused "fentry on a guard program" mgattack bpf-fentry-prog

# ---- Programs that would change decisions ---------------------------------------
attempt_refused "fmod_ret on security_file_open" mgattack bpf-fmodret security_file_open
attempt_refused "fmod_ret on security_locked_down" mgattack bpf-fmodret security_locked_down
attempt_refused "fmod_ret on security_kernel_read_file" mgattack bpf-fmodret security_kernel_read_file
attempt_refused "fmod_ret on security_bpf" mgattack bpf-fmodret security_bpf
# The kernel's own signature check, whose digest the guard admits by.
attempt_refused "fmod_ret on pkcs7_verify" mgattack bpf-fmodret pkcs7_verify
attempt_refused "fmod_ret on module_sig_check" mgattack bpf-fmodret module_sig_check
attempt_refused "program calling bpf_send_signal (would kill the trusted program)" mgattack bpf-send-signal
attempt_refused "program calling bpf_probe_write_user" mgattack bpf-write-user

# Another LSM program returning 0 may load, but cannot undo a refusal: the
# BPF LSM stops at the first non-zero verdict, and ours were attached first.
for hook in file_open inode_permission locked_down kernel_read_file path_unlink bpf; do
	mgattack bpf-lsm $hook 15 >/tmp/lsm.$hook 2>&1 &
done
sleep 3
for hook in file_open inode_permission locked_down kernel_read_file path_unlink bpf; do
	attempt_switch "extra LSM program on $hook returning 0 ($(head -n1 /tmp/lsm.$hook))" true
done
attempt "with allow-all LSM programs attached: open O_WRONLY the policy" /etc/modguard/policy mgattack open-write /etc/modguard/policy
attempt "with allow-all LSM programs attached: unlink a pin" $GL mgattack unlink $GL
mgattack bpf-fentry security_file_open 5 >/tmp/fentry 2>&1 &
sleep 1
attempt_switch "fentry on security_file_open ($(head -n1 /tmp/fentry))" true
wait
# A tracing program beside the guard's fexit on pkcs7_verify may read the
# kernel's digest, but not write it: evil signed by a key nobody trusts,
# whose load goes through pkcs7_verify, is still refused.
modguard sign -q -k "$MG_KEYS/untrusted.key" -c "$MG_KEYS/untrusted.crt" -o /tmp/evil-untrusted.ko "$MG_MODULES/evil.ko"
mgattack bpf-fentry pkcs7_verify 5 >/tmp/fentry 2>&1 &
sleep 1
attempt_refused "with an fentry on pkcs7_verify ($(head -n1 /tmp/fentry)): finit_module of evil signed by an untrusted key" sysload finit /tmp/evil-untrusted.ko
wait

# ---- The pins ------------------------------------------------------------------
attempt "unlink the admitted-map pin" $G/admitted mgattack unlink $G/admitted
attempt "unlink every guard link pin" $GL sh -c "rm -f $G/link_*"
attempt "unlink every protection link pin" $PL sh -c "rm -f $P/link_*"

attack_summary
done_testing
