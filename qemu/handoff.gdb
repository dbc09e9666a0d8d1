# qemu/handoff.gdb - gdb setup for Handoff, both arches (used by make debug).
#
# qemu/debug.sh has already said `set architecture` and `file kernel.elf`.
# This connects to QEMU's gdb stub, stops at kmain (the arch-neutral C++
# entry) and shows where we are. Useful next steps:
#   break panic          stop on any kernel panic
#   info registers       the CPU state (x86: cr3 / aarch64: ttbr1_el1 in `info all-registers`)
#   x/8i $pc             the next instructions
set pagination off
set confirm off
target remote :1234
break kmain
continue
echo \n--- stopped at the kernel's C++ entry (kmain); `continue` boots on ---\n
backtrace
