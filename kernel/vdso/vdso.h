// kernel/vdso/vdso.h - putting the vDSO into a process.
//
// Every process gets two things at fixed addresses just above its stack:
//
//   kVdsoVvarAddress          the vvar page: the clock (vvar.h), read-only;
//                             one physical page shared by all processes,
//                             rewritten by the kernel every tick
//   kVdsoVvarAddress + 4096   the vDSO's code (user/vdso/vdso.cpp), read+exec:
//                             the kernel image's own copy of vdso.so, its
//                             pages shared by all processes
//
// and the loader puts the second address into the auxiliary vector as
// AT_SYSINFO_EHDR, where C libraries look for it. Linux maps its vDSO the same
// way (arch/x86/entry/vdso/vma.c, map_vdso; arch/arm64/kernel/vdso.c) but at a
// random address; ours stays put so that gdb addresses are the same every run.
//
// `vdso=off` on the kernel command line maps neither: programs then find no
// AT_SYSINFO_EHDR and make the clock_gettime system call - the way to compare
// the two paths (and to count the kernel entries the vDSO saves).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/address_space.h"

// The vDSO's bytes, linked into the kernel's rodata by kernel/vdso/vdso_image.S:
// page aligned, padded to whole pages.
extern "C" const uint8_t vdso_image_start[], vdso_image_end[];

// The vvar page sits at the top of the 1 MiB above the stack that both arches
// leave free (x86-64's user half ends at 0x7ffffffff000), the code right above
// it: 0x7ffffff80000 and 0x7ffffff81000.
constexpr uintptr_t kVdsoVvarAddress = kUserStackTop + (512u << 10);
constexpr uintptr_t kVdsoTextAddress = kVdsoVvarAddress + kPageSize;
// The most code pages that fit below the x86-64 user top (a vDSO is 1 page).
constexpr size_t kVdsoMaxPages = 64;

// Pages of vDSO code (not counting the vvar page).
size_t vdso_image_pages();
// Does the embedded image look like the vDSO (an ELF shared object for this
// machine, small enough)? Checked once; false means no process gets one.
bool vdso_image_ok();
// Will processes get a vDSO? Not with `vdso=off` on the command line, nor
// when the image is bad or the vvar page was never made (vvar_init).
bool vdso_enabled();

// For execve, after the program is loaded into `mm` (a fresh address space):
// maps the vvar page (read-only) and the vDSO code (read+exec) into it as
// pages the address space does not own (never freed with it). Sets
// *vdso_base to the address of the vDSO's ELF header - the AT_SYSINFO_EHDR
// value - or to 0 when there is no vDSO (then leave AT_SYSINFO_EHDR out).
// 0, or -ENOMEM, or -EEXIST when the program occupies those addresses.
// On failure `mm` may hold part of it: the caller discards mm, as after
// elf_load.
int vdso_map(AddressSpace* mm, uintptr_t* vdso_base);
