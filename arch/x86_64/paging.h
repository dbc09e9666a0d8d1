// arch/x86_64/paging.h - x86-64 page-table details shared by the arch code
// (arch::PageTable itself is declared in arch/arch.h).
//
// 4-level paging: a virtual address's bits 47..39, 38..30, 29..21 and 20..12
// index the PML4, PDPT, PD and PT, each a 4 KiB page of 512 8-byte entries;
// bits 11..0 are the offset in the page. An entry in the PD may instead map a
// whole 2 MiB page (the PS bit). Intel SDM vol. 3, chapter 4.5.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace x86 {

// Page-table entry bits (the same in every level).
constexpr uint64_t kPtePresent = 1ull << 0;
constexpr uint64_t kPteWrite = 1ull << 1;
constexpr uint64_t kPteUser = 1ull << 2;          // ring 3 may use it
constexpr uint64_t kPteWriteThrough = 1ull << 3;  // PWT
constexpr uint64_t kPteCacheDisable = 1ull << 4;  // PCD
constexpr uint64_t kPteAccessed = 1ull << 5;
constexpr uint64_t kPteDirty = 1ull << 6;
constexpr uint64_t kPteLarge = 1ull << 7;         // PS: in a PD, a 2 MiB page
constexpr uint64_t kPteGlobal = 1ull << 8;        // survives CR3 reloads (CR4.PGE)
constexpr uint64_t kPteNoExecute = 1ull << 63;    // needs EFER.NXE
constexpr uint64_t kPteAddressMask = 0x000ffffffffff000ull;

constexpr size_t kLargePageSize = 2ull << 20;
// The lower half (user space) ends and the kernel half starts at PML4 entry
// 256: every address space shares PML4 entries 256..511 with the kernel's.
constexpr unsigned kKernelHalfFirstEntry = 256;
constexpr uintptr_t kKernelHalfStart = 0xffff800000000000ull;

// Maps device registers at physical [phys, phys + size) into the direct map,
// uncached, read-write, not executable, and returns their virtual address
// (Linux's ioremap). Pages already mapped the same way are left alone.
uintptr_t map_mmio(uintptr_t phys, size_t size);
// Maps firmware tables (ACPI) that are not in a RAM range read-only into the
// direct map and returns the virtual address.
uintptr_t map_firmware(uintptr_t phys, size_t size);
// Maps RAM the page allocator does not manage, and so the direct map left
// out (the first MiB: the SMP trampoline's page), read-write and not
// executable, and returns its virtual address.
uintptr_t map_low_ram(uintptr_t phys, size_t size);

// Sets the calling CPU's CR0 and CR4 features: SSE state for user
// programs, global pages, SMEP and SMAP where the CPU has them. Part of
// every CPU's own set-up (x86::cpu_init).
void enable_cpu_features();

}  // namespace x86

// Set by paging_init when CR4.SMAP is on; trap_entry.S then executes CLAC,
// and uaccess.S brackets its user accesses with STAC/CLAC.
extern "C" uint8_t x86_smap_enabled;
