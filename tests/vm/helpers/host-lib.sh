# Host-side helpers shared by tests/vm/run and tests/vm/system/run (bash;
# sourced).  Each sets or prints what its caller needs; none exits.

# sysload_build CACHE: build tests/vm/helpers/sysload.c statically into
# CACHE/sysload-HASH (HASH of the source) unless it is there; print the path.
# Returns 1 if gcc fails.
sysload_build() {
	local src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sysload.c
	local out=$1/sysload-$(sha256sum <"$src" | cut -c1-16)
	if [ ! -x "$out" ]; then
		# Drop stale builds, but not ones a concurrent run may be using right now.
		find "$1" -maxdepth 1 -name 'sysload-*' -mmin +60 -delete
		gcc -static -O2 -Wall -o "$out.tmp.$$" "$src" || return 1
		mv "$out.tmp.$$" "$out"
	fi
	echo "$out"
}

# console_typed_start WORKDIR LOG TEXT: a serial console that someone types
# TEXT on.  A pipe chardev (FIFOs WORKDIR/con.in and .out, which qemu opens
# read-write): what the guest writes goes to LOG; its input is 64 empty
# lines (the serial port drops a FIFO's worth, 16 bytes, when the kernel
# opens it), then TEXT.  Sets CONSOLE_ARGS (qemu's arguments for the first
# serial port) and CONSOLE_PIDS; console_typed_stop ends the helpers.
console_typed_start() {
	rm -f "$1/con.in" "$1/con.out"
	mkfifo "$1/con.in" "$1/con.out"
	cat "$1/con.out" >"$2" &
	CONSOLE_PIDS=$!
	{ printf '%64s' '' | tr ' ' '\n'; printf '%s\n' "$3"; } >"$1/con.in" &
	CONSOLE_PIDS="$CONSOLE_PIDS $!"
	CONSOLE_ARGS=(-chardev "pipe,id=con0,path=$1/con" -serial chardev:con0)
}
console_typed_stop() {
	# The writer may still wait for a reader; the logger ends with qemu.
	kill ${CONSOLE_PIDS#* } 2>/dev/null
	wait $CONSOLE_PIDS 2>/dev/null
	return 0
}
