// arch/aarch64/include/layout.h - where things live in the AArch64 address space.
//
// 48-bit virtual addresses with 4 KiB pages (four levels, like Linux's default):
//
//   0x0000000000000000 .. 0x0000ffffffffffff   user space, through TTBR0_EL1
//   0xffff000000000000 .. +4 GiB               direct map of physical memory,
//                                              through TTBR1_EL1
//
// QEMU's virt machine puts RAM at physical 0x40000000 and the device tree at
// its start; we load the kernel 2 MiB in (0x40200000, leaving the DTB room).
// The kernel image is simply part of the direct map: its virtual address is
// DIRECT_MAP_BASE + physical address. (Linux keeps a separate
// "kimage" mapping for KASLR; a fixed map keeps gdb addresses stable.)
#pragma once

#define KERNEL_PHYS_BASE 0x40200000
#define KERNEL_STACK_SIZE 16384              /* per-thread kernel stack */

#ifdef __ASSEMBLER__
#define DIRECT_MAP_BASE 0xffff000000000000
#else
#define DIRECT_MAP_BASE 0xffff000000000000UL
#endif
#define KERNEL_VMA DIRECT_MAP_BASE
