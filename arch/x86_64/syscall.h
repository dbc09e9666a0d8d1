// arch/x86_64/syscall.h - setting up the SYSCALL instruction (syscall.cpp).
#pragma once

namespace x86 {

// Points this CPU's SYSCALL at syscall_entry.S: writes STAR, LSTAR and
// SFMASK, and gives KERNEL_GS_BASE the user's GS base (0). Call once per
// CPU, after gdt_init (the selectors STAR names must exist).
void syscall_init();

}  // namespace x86
