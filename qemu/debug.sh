#!/bin/sh
# qemu/debug.sh ARCH KERNEL.elf [cmdline] [initrd] - `make debug`: boot Handoff stopped
# at its very first instruction with QEMU's gdb stub on :1234, and attach
# gdb-multiarch with qemu/handoff.gdb, which loads the kernel's symbols and
# runs to the kernel's C++ entry (kmain).
#
# The QEMU console output goes to build/<arch>/debug-serial.log (gdb owns the
# terminal); `tail -f` it in a second terminal. Quit with `kill` + `quit` in
# gdb, which also stops QEMU.
set -eu
arch=$1 kernel=$2 append=${3:-} initrd=${4:-}
dir=$(dirname "$0")
log=$(dirname "$kernel")/debug-serial.log

"$dir/qemu.sh" --arch "$arch" --kernel "$kernel" --append "$append" --gdb \
    ${initrd:+--initrd "$initrd"} \
    -- -serial "file:$log" -monitor none >/dev/null 2>&1 &
qemu_pid=$!
trap 'kill $qemu_pid 2>/dev/null || true' EXIT INT TERM

echo "QEMU is waiting at the first instruction (pid $qemu_pid); console -> $log"
gdb_arch=$([ "$arch" = x86_64 ] && echo i386:x86-64 || echo aarch64)
gdb-multiarch -q -nx \
    -ex "set architecture $gdb_arch" \
    -ex "file $kernel" \
    -x "$dir/handoff.gdb" \
    ${HANDOFF_GDB_BATCH:+-batch -ex "$HANDOFF_GDB_BATCH"}
