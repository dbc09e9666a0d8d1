// arch/aarch64/mmu.h - AArch64-only paging helpers (internal to arch/aarch64).
// The arch-neutral part (PageTable, paging_init) is in arch/arch.h.
#pragma once

namespace aarch64 {

// Stops all TTBR0 (user half) translation on this CPU: TCR_EL1.EPD0 = 1,
// then any access below the kernel half takes a translation fault. The state
// paging_init leaves; PageTable::activate on a user table undoes it.
void user_tables_off();

// Whether paging_init turned on PAN (Privileged Access Never): the kernel
// then faults on any access to user-accessible memory unless it clears
// PSTATE.PAN first, or uses LDTR/STTR as copy_user does (uaccess.S).
bool pan_enabled();
// Turns PAN on for the calling CPU if paging_init found the feature (the
// CPUs of one machine have the same features). paging_init calls it on the
// boot CPU, smp.cpp on every other.
void pan_enable_this_cpu();

}  // namespace aarch64
