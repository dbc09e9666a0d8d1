// arch/x86_64/include/layout.h - where things live in the x86-64 address space.
//
// Shared by the boot assembly, the linker script (through the Makefile) and C++.
//
//   0x0000000000000000 .. 0x00007fffffffefff   user space (lower half, less its last page)
//   0xffff800000000000 .. +RAM                 direct map of all physical memory
//   0xffffffff80000000 .. +1 GiB               the kernel image (-mcmodel=kernel)
//
// Like Linux's x86-64 layout (Documentation/arch/x86/x86_64/mm.rst), but with a
// fixed direct-map base and no KASLR, so addresses in gdb match every boot.
#pragma once

#define KERNEL_PHYS_BASE 0x100000            /* QEMU's multiboot loads us at 1 MiB */
#define KERNEL_STACK_SIZE 16384              /* per-thread kernel stack */

// USER_TOP: one past the highest user address (arch::kUserTop). One page
// below the end of the canonical lower half (0x0000800000000000): a SYSCALL
// from the very last page would leave a non-canonical RCX for SYSRET (Linux
// leaves the same gap: TASK_SIZE_MAX). The SYSCALL exit compares against it.
#ifdef __ASSEMBLER__
#define KERNEL_VMA 0xffffffff80000000
#define DIRECT_MAP_BASE 0xffff800000000000
#define USER_TOP 0x00007ffffffff000
#else
#define KERNEL_VMA 0xffffffff80000000UL
#define DIRECT_MAP_BASE 0xffff800000000000UL
#define USER_TOP 0x00007ffffffff000UL
#endif
