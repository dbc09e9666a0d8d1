// kernel/mm/address_space.h - a process's user address space.
//
// An AddressSpace is a page table for the user half plus the list of
// regions (VMAs, Linux's vm_area_struct) that say what may be mapped where:
// the program's segments, the heap that brk() grows, anonymous mmap()s and
// the stack. Pages of anonymous regions are allocated on first touch (demand
// paging): mmap only records the region, handle_fault() allocates a zeroed
// frame when the program first reads or writes the page. Every frame mapped
// in the user half belongs to exactly one AddressSpace and is freed with it.
//
// Threads of one process (CLONE_VM), and a vfork child until it calls execve,
// share one AddressSpace: it is reference counted.
//
// Calling rules: every method takes the address space's own spinlock (with
// interrupts off) for its whole work, so any method may be called from any
// thread, and handle_fault also from a trap handler. None of them needs a
// current process or touches memory through a user address, so they work
// on an address space that is not active anywhere (the loader, the tests).
// The implementation and its invariants: address_space.cpp.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/mm/memmap.h"
#include "kernel/sync/spinlock.h"

// mmap()/mprotect() protection bits, as Linux's PROT_*.
constexpr uint32_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;
// mmap() flags, as Linux's MAP_* (asm-generic/mman-common.h).
constexpr uint32_t kMapShared = 0x01, kMapPrivate = 0x02, kMapFixed = 0x10,
                   kMapAnonymous = 0x20, kMapNoReserve = 0x4000, kMapFixedNoReplace = 0x100000,
                   kMapGrowsDown = 0x0100, kMapStack = 0x20000;

// What a region holds. Only kStack changes behaviour (the guard below it);
// the others are for reports (a future /proc/self/maps) and for the reader.
// kKernelPages: pages the kernel owns and shares with every process (the
// vDSO and its data page, map_shared_kernel_pages) - not demand paged, not
// counted as resident, never freed by the address space.
enum class RegionKind : uint8_t { kAnonymous, kHeap, kStack, kElf, kKernelPages };

// Where map() may put a region: `start` is only a hint (any free range will
// do), or exactly there replacing what was (MAP_FIXED), or exactly there
// but only if nothing is (MAP_FIXED_NOREPLACE: -EEXIST otherwise).
enum class MapPlacement : uint8_t { kHint, kFixed, kFixedNoReplace };

// One region as regions() reports it: [start, end), page aligned.
struct RegionInfo {
    uintptr_t start, end;
    uint32_t prot;
    RegionKind kind;
};

class AddressSpace {
public:
    // A new, empty user address space (its page table shares the kernel
    // half). nullptr when out of memory.
    static AddressSpace* create();
    void get();   // one more sharer
    void put();   // one fewer; the last put frees every frame and table

    // Makes this the current user address space on this CPU (CR3 / TTBR0).
    void activate();

    // Adds a region [start, start+size) with `prot` (kProt*); pages are not
    // allocated yet. With `fixed` the region replaces whatever was there
    // (MAP_FIXED); otherwise `start` is a hint and a free range is chosen
    // top-down below the stack. Returns the address or a negative errno.
    long map_anonymous(uintptr_t start, size_t size, uint32_t prot, bool fixed) {
        return map(start, size, prot, fixed ? MapPlacement::kFixed : MapPlacement::kHint,
                   RegionKind::kAnonymous);
    }
    // The general form, for mmap's MAP_FIXED_NOREPLACE and for the ELF
    // loader and stack builder (which name the region's kind). Errors: -EINVAL
    // (size 0, unknown prot bits, a fixed start not page aligned), -EPERM (a
    // fixed start below kUserMinAddress), -ENOMEM (no room, or past
    // arch::kUserTop), -EEXIST (kFixedNoReplace over an existing region).
    long map(uintptr_t start, size_t size, uint32_t prot, MapPlacement placement, RegionKind kind);
    // Maps the existing physical pages [phys, phys+size) at exactly
    // [start, start+size) with `prot` (kProtRead, optionally kProtExec; never
    // kProtWrite), as a region of kind kKernelPages: for pages the kernel
    // owns and shares among processes (the vDSO's code and data page, Linux's
    // "special mappings", _install_special_mapping). They are mapped at once
    // (no demand paging), not counted by resident_pages(), and never freed
    // here: munmap and the last put() only remove the mappings. mprotect of
    // them fails (-EACCES), copy_in into them fails (-EFAULT). 0, or -EINVAL
    // (size 0, anything misaligned, write or unknown prot bits), -EPERM
    // (below kUserMinAddress), -ENOMEM (past arch::kUserTop, or no memory for
    // page tables), -EEXIST (something is mapped there: nothing is replaced).
    int map_shared_kernel_pages(uintptr_t start, uintptr_t phys, size_t size, uint32_t prot);
    // Removes every page and region piece in [start, start+size). 0 or -errno.
    int unmap(uintptr_t start, size_t size);
    // Changes protection; the whole range must be mapped (else -ENOMEM).
    int protect(uintptr_t start, size_t size, uint32_t prot);

    // The program break (Linux's brk semantics: returns the new break, or
    // the old one if the request cannot be met).
    void set_brk_base(uintptr_t base);
    uintptr_t brk(uintptr_t new_break);

    // Demand paging: the user touched `address`. Allocates and maps a zeroed
    // page if a region allows that access. False if no region covers the
    // address or the access is not allowed (-> the process gets SIGSEGV).
    // `*stack_guard` (may be nullptr) is set when the address hit the guard
    // gap below a stack region, so the report can say "stack overflow".
    // Needs no current process: it works on any address space.
    bool handle_fault(uintptr_t address, bool write, bool exec, bool* stack_guard);
    // Is `address` in the guard gap below a stack region, with no region of
    // its own? (What handle_fault reports through *stack_guard.)
    bool in_stack_guard(uintptr_t address) const;

    // For the ELF loader and execve's stack builder: copies kernel bytes into
    // this (not necessarily current) address space, allocating pages of an
    // existing region as needed. 0 or -errno.
    int copy_in(uintptr_t address, const void* data, size_t size);

    // Number of user frames currently mapped (/proc status, tests).
    size_t resident_pages() const;
    // Copies up to `max` regions, lowest first, into out[]; returns how many
    // regions there are in all (tests, a future /proc/self/maps).
    size_t regions(RegionInfo* out, size_t max) const;

    arch::PageTable& page_table() { return table_; }

private:
    AddressSpace() = default;
    ~AddressSpace() = default;
    struct Region;  // one region (VMA), on the sorted list regions_
    struct Chunk;   // a 2 MiB piece of the user half with resident pages
    struct Spares;  // region nodes allocated before a change starts
    enum class PageOp : uint8_t { kRelease, kReprotect };

    // All of these are called with lock_ held.
    Region* find_region(uintptr_t address) const;
    bool range_is_free(uintptr_t start, uintptr_t end) const;
    bool range_is_mapped(uintptr_t start, uintptr_t end) const;
    uintptr_t find_free_range(size_t size, uintptr_t limit) const;
    void insert_region(Region* region);
    void split_at(uintptr_t address, Spares& spares);
    void remove_range(uintptr_t start, uintptr_t end, Spares& spares);
    void coalesce();
    bool in_stack_guard_locked(uintptr_t address) const;
    int populate(uintptr_t page, uint32_t prot, uintptr_t* phys);
    void change_pages(uintptr_t start, uintptr_t end, PageOp op, uint32_t prot);
    void release_all();

    arch::PageTable table_;
    Region* regions_ = nullptr;  // sorted by address, non-overlapping
    Chunk* chunks_ = nullptr;    // sorted by address; where resident pages are
    uintptr_t brk_base_ = 0, brk_ = 0;
    size_t resident_ = 0;
    int refs_ = 1;
    // Guards everything above except table_'s root (fixed after create()).
    // Taken with interrupts off; never held while touching user memory
    // through a user address. Lock order: lock_, then the arch's page-table
    // lock, the heap's, the page allocator's.
    mutable SpinLock lock_;
};

// Where things go in every user address space (both arches).
constexpr uintptr_t kUserStackTop = 0x00007ffffff00000;   // below the top of the 47-bit half
constexpr size_t kUserStackSize = 8u << 20;               // 8 MiB, like Linux's default rlimit
constexpr uintptr_t kUserMmapTop = kUserStackTop - kUserStackSize - (1u << 20);
// Nothing is ever mapped in page 0, so that a NULL pointer dereference
// faults (Linux's vm.mmap_min_addr, often 4096 or 65536).
constexpr uintptr_t kUserMinAddress = kPageSize;
// A fault this far below a stack region, where nothing else is mapped, is
// reported as a stack overflow: 256 pages, Linux's stack_guard_gap. A big
// stack frame can jump over a single guard page; 1 MiB catches that too.
// (kUserMmapTop leaves exactly this gap free below the stack.)
constexpr size_t kStackGuardGap = 256 * kPageSize;
static_assert(kUserStackTop - kUserStackSize - kUserMmapTop == kStackGuardGap);
