#!/bin/sh
# qemu/qemu.sh - start Handoff in QEMU. Every way of booting (make run, make
# debug, the test runner, make bench) goes through here, so they all see the
# same machine.
#
#   qemu/qemu.sh --arch x86_64|aarch64 --kernel K.elf [--initrd FILE]
#                [--append "cmdline"] [--smp N] [--mem 512M]
#                [--icount] [--gdb] [--quiet] [-- extra QEMU args]
#
#   --icount  deterministic guest-instruction timing for benchmarks: the TSC
#             (x86-64, shift=0) or CNTVCT (aarch64, shift=4) advances exactly
#             once per guest instruction (see ../shared/TOOLCHAIN.md).
#   --gdb     stop at the first instruction and wait for gdb on :1234.
#
# The serial console is this terminal (-nographic): Ctrl-A X quits QEMU,
# Ctrl-A C toggles the QEMU monitor.
set -eu

arch=x86_64 kernel= initrd= append= smp=1 mem=512M icount=0 gdb=0
while [ $# -gt 0 ]; do
    case $1 in
        --arch) arch=$2; shift 2 ;;
        --kernel) kernel=$2; shift 2 ;;
        --initrd) initrd=$2; shift 2 ;;
        --append) append=$2; shift 2 ;;
        --smp) smp=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --icount) icount=1; shift ;;
        --gdb) gdb=1; shift ;;
        --) shift; break ;;
        *) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$kernel" ] || { echo "qemu.sh: --kernel is required" >&2; exit 2; }

set --  "$@"
common="-nographic -no-reboot -smp $smp -m $mem -kernel $kernel"
[ -n "$initrd" ] && common="$common -initrd $initrd"
[ "$gdb" = 1 ] && common="$common -s -S"

case $arch in
x86_64)
    # microvm: no firmware tables to walk and no PCI, boots in ~0.05 s.
    # isa-debug-exit lets the kernel leave QEMU with a status (arch::shutdown).
    machine="-M microvm,rtc=on -cpu max -device isa-debug-exit,iobase=0xf4,iosize=0x04 -net none"
    [ "$icount" = 1 ] && machine="$machine -icount shift=0,sleep=off"
    exec qemu-system-x86_64 $machine $common -append "$append" "$@"
    ;;
aarch64)
    # Boot the flat Linux-style Image next to the ELF (see boot/aarch64/entry.S):
    # only for such images does QEMU load the initrd.
    case $kernel in *.elf) [ -f "${kernel%.elf}.bin" ] && kernel=${kernel%.elf}.bin ;; esac
    common="-nographic -no-reboot -smp $smp -m $mem -kernel $kernel"
    [ -n "$initrd" ] && common="$common -initrd $initrd"
    [ "$gdb" = 1 ] && common="$common -s -S"
    # virt with a GICv2; semihosting lets the kernel leave QEMU with a status.
    machine="-M virt,gic-version=2 -cpu max -semihosting-config enable=on,target=native"
    [ "$icount" = 1 ] && machine="$machine -icount shift=4,sleep=off"
    exec qemu-system-aarch64 $machine $common -append "$append" "$@"
    ;;
*)
    echo "qemu.sh: unknown arch $arch" >&2; exit 2 ;;
esac
