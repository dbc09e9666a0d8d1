// arch/x86_64/tlb.h - keeping every CPU's TLB in step with the page tables
// (tlb.cpp): which table each CPU runs on, and TLB shootdowns.
#pragma once

#include <stdint.h>

namespace x86 {

// Makes the table rooted at `root_phys` this CPU's translation (CR3) and
// records that it is, so shootdowns know this CPU may cache its entries.
// arch::PageTable::activate() is this; nothing else may write CR3.
void switch_page_table(uintptr_t root_phys);

// Call after clearing or weakening entries for [start, end) (page aligned)
// in the table rooted at `root_phys`: drops the stale translations from
// the TLB of every CPU that may hold them - this one, and each other CPU
// running on that table (every CPU for a kernel-half range) - and returns
// when all have. Safe with interrupts on or off and with spinlocks held
// (see tlb.cpp). Linux's flush_tlb_mm_range / flush_tlb_kernel_range.
void flush_tlb_range(uintptr_t root_phys, uintptr_t start, uintptr_t end);

// Call before the table rooted at `root_phys` is freed: moves every CPU
// still on it (a CPU keeps the last process's table while it idles or runs
// kernel threads) to the kernel's table. Linux: the lazy-TLB CPUs leaving
// an mm before its page tables are freed.
void tlb_forget_page_table(uintptr_t root_phys);

// The table CPU `cpu` last switched to (for tests).
uintptr_t active_page_table(unsigned cpu);

// How many shootdown requests CPU `cpu` has answered (for tests).
uint64_t tlb_shootdowns_received(unsigned cpu);

}  // namespace x86
