// kernel/mm/address_space.cpp - regions, demand paging and the program break
// (the interface and the layout constants are in address_space.h).
//
// Two structures describe a user address space:
//
//   - The region list says what the program may touch and how: Linux's VMAs
//     (mm/mmap.c). A plain sorted singly-linked list; a process has a handful
//     of regions, and Linux itself used a list (plus a tree for speed) for
//     decades. xv6 has no regions at all: a process is one block [0, sz).
//   - The page table says what is really there right now. A page enters it
//     only when the program first touches it (handle_fault, Linux's
//     do_anonymous_page in mm/memory.c) or the loader writes it (copy_in).
//
// Invariants, relied on throughout and checked by
// kernel/tests/address_space_test.cpp:
//   1. Regions are page aligned, non-empty, sorted and non-overlapping; two
//      that touch with the same prot and kind are merged into one.
//   2. Every resident page lies inside a region and is mapped with
//      page_flags(that region's prot). Its frame belongs to this address
//      space alone and is freed when the page is unmapped.
//   3. chunks_ lists exactly the 2 MiB-aligned pieces of the user half that
//      hold resident pages, each with its count of them.
//
// Why chunks: to free the pages of a range we must find their frames, and
// arch::PageTable only answers lookup() for one page at a time. A program
// may map 100 GiB (Go's runtime reserves big arenas) and touch three pages
// of it; looking up all 26 million pages at munmap or exit would stall this
// CPU, with interrupts off, for many seconds. Linux walks its page tables
// and skips the empty ones (zap_pmd_range); the chunk list is our coarse
// copy of the level it skips by, so a scan looks only inside 2 MiB pieces
// known to hold pages: at most 512 lookups per resident page.
//
// PROT_NONE: neither x86-64 nor AArch64 can map a page "present but
// inaccessible" other than by leaving out the user bit. A resident page
// whose region becomes PROT_NONE therefore stays mapped, kernel-only and
// read-only, keeping its contents for a later mprotect back - Linux keeps
// such pages present (_PAGE_PROTNONE) for the same reason. One difference
// remains: the kernel can still read that page on the program's behalf
// (write(fd, buf, n) from it succeeds where Linux says -EFAULT).
#include "kernel/mm/address_space.h"

#include <new>

#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"

struct AddressSpace::Region {
    uintptr_t start, end;  // page aligned, start < end
    uint32_t prot;         // kProt* bits, exactly as the program asked
    RegionKind kind;
    Region* next;          // the next region up, or nullptr
};

struct AddressSpace::Chunk {
    uintptr_t base;  // kChunkSize aligned
    size_t pages;    // resident pages in [base, base + kChunkSize); never 0
    Chunk* next;     // the next chunk up, or nullptr
};

// Region nodes allocated before an operation changes anything, so that it
// never has to stop half-way for want of memory. Two are enough: a change
// splits at most one region at each end of its range. Nodes not taken go
// back to the heap when the Spares go out of scope.
struct AddressSpace::Spares {
    Region* nodes[2] = {};

    bool allocate() {
        for (Region*& node : nodes)
            if (!(node = static_cast<Region*>(kmalloc(sizeof(Region))))) return false;
        return true;
    }
    Region* take() {
        for (Region*& node : nodes) {
            if (Region* region = node) {
                node = nullptr;
                return region;
            }
        }
        panic("AddressSpace: an operation needed more than two new regions");
    }
    ~Spares() {
        for (Region* node : nodes) kfree(node);
    }
};

namespace {

constexpr uint32_t kProtAll = kProtRead | kProtWrite | kProtExec;
// 512 pages: what one last-level page table maps, on both arches.
constexpr uintptr_t kChunkSize = 512 * kPageSize;

uintptr_t page_down(uintptr_t address) { return address & ~(kPageSize - 1); }
// Callers keep `address` at most arch::kUserTop (page aligned), so this
// cannot wrap around.
uintptr_t page_up(uintptr_t address) { return (address + kPageSize - 1) & ~(kPageSize - 1); }
uintptr_t min(uintptr_t a, uintptr_t b) { return a < b ? a : b; }
uintptr_t max(uintptr_t a, uintptr_t b) { return a > b ? a : b; }

// The page-table flags for a region's prot. Neither arch can make a page
// writable or executable but unreadable, so any access right implies read
// (Linux does the same). PROT_NONE: see the file comment.
uint32_t page_flags(uint32_t prot) {
    if (prot == 0) return arch::kMapRead;
    uint32_t flags = arch::kMapUser | arch::kMapRead;
    if (prot & kProtWrite) flags |= arch::kMapWrite;
    if (prot & kProtExec) flags |= arch::kMapExec;
    return flags;
}

// May a program with this prot make this access? (A read of a write-only
// page is allowed: the hardware cannot refuse it anyway.)
bool access_allowed(uint32_t prot, bool write, bool exec) {
    if (prot == 0) return false;
    if (write && !(prot & kProtWrite)) return false;
    if (exec && !(prot & kProtExec)) return false;
    return true;
}

}  // namespace

// ---- Life cycle ----------------------------------------------------------

AddressSpace* AddressSpace::create() {
    // kmalloc and placement new rather than `new`: g++ assumes operator new
    // never returns nullptr and would run the constructor on it.
    void* memory = kmalloc(sizeof(AddressSpace));
    if (!memory) return nullptr;
    AddressSpace* mm = new (memory) AddressSpace;
    if (!mm->table_.create()) {
        mm->~AddressSpace();
        kfree(memory);
        return nullptr;
    }
    return mm;
}

void AddressSpace::get() { __atomic_add_fetch(&refs_, 1, __ATOMIC_RELAXED); }

// The last put must not run while this address space is active on any CPU:
// its page tables are freed (exec and exit switch to the kernel's first).
void AddressSpace::put() {
    // Acquire-release: the last sharer must see every change the others
    // made before they let go.
    if (__atomic_sub_fetch(&refs_, 1, __ATOMIC_ACQ_REL) > 0) return;
    release_all();
    this->~AddressSpace();
    kfree(this);
}

void AddressSpace::release_all() {
    // Nobody else holds a reference any more; the lock is taken only because
    // the helpers expect it.
    SpinLockGuard guard(lock_);
    change_pages(0, arch::kUserTop, PageOp::kRelease, 0);
    KASSERT(resident_ == 0 && chunks_ == nullptr);
    table_.destroy();
    while (Region* region = regions_) {
        regions_ = region->next;
        kfree(region);
    }
}

void AddressSpace::activate() { table_.activate(); }

// ---- The region list (all called with lock_ held) -------------------------

AddressSpace::Region* AddressSpace::find_region(uintptr_t address) const {
    for (Region* region = regions_; region && region->start <= address; region = region->next)
        if (address < region->end) return region;
    return nullptr;
}

bool AddressSpace::range_is_free(uintptr_t start, uintptr_t end) const {
    for (Region* region = regions_; region && region->start < end; region = region->next)
        if (region->end > start) return false;
    return true;
}

// Is every page of [start, end) in some region (no holes)?
bool AddressSpace::range_is_mapped(uintptr_t start, uintptr_t end) const {
    uintptr_t covered = start;  // [start, covered) is known to be mapped
    for (Region* region = regions_; region && covered < end; region = region->next) {
        if (region->end <= covered) continue;
        if (region->start > covered) return false;
        covered = region->end;
    }
    return covered >= end;
}

// The highest free range of `size` bytes that ends at or below `limit` and
// starts at or above kUserMinAddress; 0 if there is none. Top-down, like
// Linux's default mmap layout: mappings grow down from below the stack,
// leaving the space above the program's heap free for brk.
uintptr_t AddressSpace::find_free_range(size_t size, uintptr_t limit) const {
    uintptr_t best = 0;
    uintptr_t gap_start = kUserMinAddress;
    for (Region* region = regions_;; region = region->next) {
        uintptr_t gap_end = region && region->start < limit ? region->start : limit;
        // No overflow: both are below 2^48 and so is size.
        if (gap_end >= gap_start + size) best = gap_end - size;
        if (!region || region->start >= limit) return best;
        gap_start = max(gap_start, region->end);
    }
}

// Links `region` into its place; it must not overlap any other.
void AddressSpace::insert_region(Region* region) {
    Region** link = &regions_;
    while (*link && (*link)->start < region->start) link = &(*link)->next;
    region->next = *link;
    *link = region;
}

// Makes `address` a region boundary: a region that strictly contains it is
// cut in two.
void AddressSpace::split_at(uintptr_t address, Spares& spares) {
    Region* lower = find_region(address);
    if (!lower || lower->start == address) return;
    Region* upper = spares.take();
    *upper = *lower;
    upper->start = address;
    lower->end = address;
    lower->next = upper;
}

// Takes [start, end) out of the address space: frees the resident pages and
// cuts the regions back (Linux's do_vmi_munmap). Needs at most one spare,
// when the range lies strictly inside one region.
void AddressSpace::remove_range(uintptr_t start, uintptr_t end, Spares& spares) {
    change_pages(start, end, PageOp::kRelease, 0);
    // Shared kernel pages are in no chunk (they are not ours to free): only
    // their mappings go.
    for (Region* region = regions_; region && region->start < end; region = region->next) {
        if (region->kind != RegionKind::kKernelPages || region->end <= start) continue;
        uintptr_t from = max(start, region->start), to = min(end, region->end);
        table_.unmap(from, to - from);
    }
    Region** link = &regions_;
    while (Region* region = *link) {
        if (region->start >= end) break;
        if (region->end <= start) {  // wholly below the range
            link = &region->next;
        } else if (region->start < start && region->end > end) {  // the range is inside
            split_at(end, spares);
            region->end = start;
            break;
        } else if (region->start < start) {  // sticks out below: keep its head
            region->end = start;
            link = &region->next;
        } else if (region->end > end) {  // sticks out above: keep its tail
            region->start = end;
            break;
        } else {  // wholly inside: drop it
            *link = region->next;
            kfree(region);
        }
    }
}

// Restores invariant 1's "merged": joins neighbours that touch and agree.
// Keeps the list short when a program maps piece by piece or mprotects a
// range and back.
void AddressSpace::coalesce() {
    Region* region = regions_;
    while (region && region->next) {
        Region* next = region->next;
        if (region->end == next->start && region->prot == next->prot && region->kind == next->kind) {
            region->end = next->end;
            region->next = next->next;
            kfree(next);
        } else {
            region = next;
        }
    }
}

bool AddressSpace::in_stack_guard_locked(uintptr_t address) const {
    if (find_region(address)) return false;
    for (Region* region = regions_; region; region = region->next)
        if (region->kind == RegionKind::kStack && address < region->start &&
            region->start - address <= kStackGuardGap)
            return true;
    return false;
}

// ---- Pages (all called with lock_ held) -----------------------------------

// Makes `page` resident, unless it is already: a fresh zeroed frame mapped
// with the flags for `prot`. Its frame goes to *phys. 0 or -ENOMEM.
int AddressSpace::populate(uintptr_t page, uint32_t prot, uintptr_t* phys) {
    if (table_.lookup(page, phys, nullptr)) return 0;

    // Find the chunk's place, and its node if it is new, before anything
    // changes: a failure below must leave no trace.
    uintptr_t base = page & ~(kChunkSize - 1);
    Chunk** link = &chunks_;
    while (*link && (*link)->base < base) link = &(*link)->next;
    Chunk* chunk = *link && (*link)->base == base ? *link : nullptr;
    Chunk* fresh = nullptr;
    if (!chunk && !(fresh = static_cast<Chunk*>(kmalloc(sizeof(Chunk))))) return -ENOMEM;

    uintptr_t frame = page_allocator().alloc_page();
    int error = frame ? 0 : -ENOMEM;
    if (frame) {
        // Zeroed: a program must never see what the frame held before (and
        // C's .bss and calloc count on fresh memory being zero).
        memset(reinterpret_cast<void*>(arch::phys_to_virt(frame)), 0, kPageSize);
        error = table_.map(page, frame, kPageSize, page_flags(prot));  // -ENOMEM for a table
    }
    if (error) {
        if (frame) page_allocator().free_page(frame);
        kfree(fresh);
        return error;
    }
    if (fresh) {
        *fresh = {base, 0, *link};
        *link = chunk = fresh;
    }
    chunk->pages++;
    resident_++;
    *phys = frame;
    return 0;
}

// Visits every resident page in [start, end) - only inside the chunks that
// hold some, see the file comment. kRelease unmaps the page and frees its
// frame; kReprotect maps the same frame again with the flags for `prot`.
void AddressSpace::change_pages(uintptr_t start, uintptr_t end, PageOp op, uint32_t prot) {
    uint32_t new_flags = page_flags(prot);
    Chunk** link = &chunks_;
    while (Chunk* chunk = *link) {
        if (chunk->base >= end) break;
        uintptr_t to = min(end, chunk->base + kChunkSize);
        for (uintptr_t va = max(start, chunk->base); va < to; va += kPageSize) {
            uintptr_t frame;
            uint32_t flags;
            if (!table_.lookup(va, &frame, &flags)) continue;
            // Shared kernel pages (map_shared_kernel_pages) can sit in a
            // chunk beside pages of ours: they are not ours to free or
            // change (nor counted in chunk->pages).
            if (Region* region = find_region(va); region && region->kind == RegionKind::kKernelPages)
                continue;
            if (op == PageOp::kReprotect && flags == new_flags) continue;
            // PageTable has no "change flags": unmap (which also drops the
            // TLB entry, the arch's business) and map again.
            table_.unmap(va, kPageSize);
            // Cannot fail today: unmap leaves the tables above the entry in
            // place, so the map needs no memory. Were it ever to fail,
            // dropping the page keeps the books right.
            if (op == PageOp::kReprotect && table_.map(va, frame, kPageSize, new_flags) == 0) continue;
            page_allocator().free_page(frame);
            chunk->pages--;
            resident_--;
        }
        if (chunk->pages == 0) {
            *link = chunk->next;
            kfree(chunk);
        } else {
            link = &chunk->next;
        }
    }
}

// ---- mmap, munmap, mprotect -------------------------------------------------

long AddressSpace::map(uintptr_t start, size_t size, uint32_t prot, MapPlacement placement,
                       RegionKind kind) {
    if (size == 0 || (prot & ~kProtAll)) return -EINVAL;
    // More than the whole user half can never fit (and this keeps page_up
    // from wrapping around for a size near 2^64).
    if (size > arch::kUserTop) return -ENOMEM;
    size = page_up(size);
    bool fixed = placement != MapPlacement::kHint;
    if (fixed) {
        if (start % kPageSize) return -EINVAL;
        if (start < kUserMinAddress) return -EPERM;  // Linux: mmap_min_addr
        // "Both tests are needed, in case of overflow" (xv6).
        if (start > arch::kUserTop || size > arch::kUserTop - start) return -ENOMEM;
    }
    Spares spares;  // the new region, and one for a split in remove_range
    if (!spares.allocate()) return -ENOMEM;

    SpinLockGuard guard(lock_);
    if (fixed) {
        if (!range_is_free(start, start + size)) {
            if (placement == MapPlacement::kFixedNoReplace) return -EEXIST;
            remove_range(start, start + size, spares);  // MAP_FIXED: throw the old away
        }
    } else {
        // Linux's get_unmapped_area: the hint (rounded up to a page) if the
        // whole range there is free, else the highest free range below the
        // mmap area's top.
        uintptr_t hint = start <= arch::kUserTop ? page_up(start) : 0;
        if (hint >= kUserMinAddress && size <= arch::kUserTop - hint && range_is_free(hint, hint + size))
            start = hint;
        else
            start = find_free_range(size, kUserMmapTop);
        if (!start) return -ENOMEM;
    }
    Region* region = spares.take();
    *region = {start, start + size, prot, kind, nullptr};
    insert_region(region);
    coalesce();
    return long(start);
}

int AddressSpace::map_shared_kernel_pages(uintptr_t start, uintptr_t phys, size_t size,
                                          uint32_t prot) {
    if (size == 0 || start % kPageSize || phys % kPageSize || size % kPageSize) return -EINVAL;
    if (!(prot & kProtRead) || (prot & ~(kProtRead | kProtExec))) return -EINVAL;
    if (start < kUserMinAddress) return -EPERM;
    if (start > arch::kUserTop || size > arch::kUserTop - start) return -ENOMEM;
    Spares spares;
    if (!spares.allocate()) return -ENOMEM;

    SpinLockGuard guard(lock_);
    if (!range_is_free(start, start + size)) return -EEXIST;
    if (int error = table_.map(start, phys, size, page_flags(prot))) {
        table_.unmap(start, size);  // whatever part got mapped
        return error;
    }
    Region* region = spares.take();
    *region = {start, start + size, prot, RegionKind::kKernelPages, nullptr};
    insert_region(region);
    coalesce();
    return 0;
}

int AddressSpace::unmap(uintptr_t start, size_t size) {
    // As Linux's munmap: a misaligned start, an empty or out-of-range length
    // is -EINVAL; a range with nothing (or only partly something) mapped is
    // fine.
    if (start % kPageSize || size == 0 || start > arch::kUserTop || size > arch::kUserTop - start)
        return -EINVAL;
    uintptr_t end = start + page_up(size);
    Spares spares;
    if (!spares.allocate()) return -ENOMEM;
    SpinLockGuard guard(lock_);
    remove_range(start, end, spares);
    return 0;
}

int AddressSpace::protect(uintptr_t start, size_t size, uint32_t prot) {
    // As Linux's mprotect: misaligned or unknown bits -EINVAL, length 0 does
    // nothing, a range that wraps or has holes -ENOMEM. Unlike Linux, which
    // changes the part before a hole and then fails, nothing changes then.
    if (start % kPageSize || (prot & ~kProtAll)) return -EINVAL;
    if (size == 0) return 0;
    if (start > arch::kUserTop || size > arch::kUserTop - start) return -ENOMEM;
    uintptr_t end = start + page_up(size);
    Spares spares;  // a split at each end
    if (!spares.allocate()) return -ENOMEM;

    SpinLockGuard guard(lock_);
    if (!range_is_mapped(start, end)) return -ENOMEM;
    for (Region* region = find_region(start); region && region->start < end; region = region->next)
        if (region->kind == RegionKind::kKernelPages) return -EACCES;  // shared: no changes
    split_at(start, spares);
    split_at(end, spares);
    for (Region* region = find_region(start); region && region->start < end; region = region->next)
        region->prot = prot;
    change_pages(start, end, PageOp::kReprotect, prot);
    coalesce();
    return 0;
}

// ---- The program break --------------------------------------------------------

void AddressSpace::set_brk_base(uintptr_t base) {
    SpinLockGuard guard(lock_);
    brk_base_ = brk_ = base <= arch::kUserTop ? page_up(base) : 0;
}

// Linux's brk (mm/mmap.c): the heap region is [brk_base_, page_up(brk_)),
// read-write; the break itself need not be page aligned. Growing adds
// pages to the region (demand paged, like any other), shrinking frees them.
// Any failure answers with the unchanged break, which is how a C library
// learns that it failed: brk(0) is the usual way to ask for the break.
uintptr_t AddressSpace::brk(uintptr_t new_break) {
    Spares spares;  // the grown piece, or a split when shrinking
    bool have_spares = spares.allocate();
    SpinLockGuard guard(lock_);
    if (!have_spares) return brk_;
    // No heap before a program has been loaded; none below its start; and
    // none into the mmap area and the stack's guard gap.
    if (brk_base_ == 0 || new_break < brk_base_ || new_break > kUserMmapTop) return brk_;
    uintptr_t old_end = page_up(brk_), new_end = page_up(new_break);
    if (new_end > old_end) {
        if (!range_is_free(old_end, new_end)) return brk_;  // something is mapped in the way
        Region* region = spares.take();
        *region = {old_end, new_end, kProtRead | kProtWrite, RegionKind::kHeap, nullptr};
        insert_region(region);
        coalesce();
    } else if (new_end < old_end) {
        remove_range(new_end, old_end, spares);
    }
    brk_ = new_break;
    return brk_;
}

// ---- Faults and the loader ----------------------------------------------------

bool AddressSpace::handle_fault(uintptr_t address, bool write, bool exec, bool* stack_guard) {
    if (stack_guard) *stack_guard = false;
    if (address >= arch::kUserTop) return false;
    SpinLockGuard guard(lock_);
    Region* region = find_region(address);
    if (!region) {
        if (stack_guard) *stack_guard = in_stack_guard_locked(address);
        return false;
    }
    if (!access_allowed(region->prot, write, exec)) return false;
    uintptr_t page = page_down(address), frame;
    uint32_t flags;
    if (table_.lookup(page, &frame, &flags)) {
        // Already resident: another thread of this process faulted on the
        // same page a moment ago and won the race for the lock, or another
        // CPU still held a stale TLB entry. Retry if the page now allows the
        // access (invariant 2 says it does).
        return (flags & arch::kMapUser) && (!write || (flags & arch::kMapWrite)) &&
               (!exec || (flags & arch::kMapExec));
    }
    // Shared kernel pages are always mapped; never put a fresh frame there.
    if (region->kind == RegionKind::kKernelPages) return false;
    return populate(page, region->prot, &frame) == 0;
}

bool AddressSpace::in_stack_guard(uintptr_t address) const {
    SpinLockGuard guard(lock_);
    return in_stack_guard_locked(address);
}

// Writes through the direct map, not through `address`: this address space
// need not be the active one, and the loader must write into pages the
// program itself may not write (its code).
int AddressSpace::copy_in(uintptr_t address, const void* data, size_t size) {
    if (address > arch::kUserTop || size > arch::kUserTop - address) return -EFAULT;
    const uint8_t* src = static_cast<const uint8_t*>(data);
    SpinLockGuard guard(lock_);
    while (size > 0) {
        Region* region = find_region(address);
        if (!region || region->kind == RegionKind::kKernelPages) return -EFAULT;
        uintptr_t page = page_down(address), frame;
        size_t offset = address - page;
        size_t n = min(size, kPageSize - offset);
        if (int error = populate(page, region->prot, &frame)) return error;
        memcpy(reinterpret_cast<void*>(arch::phys_to_virt(frame) + offset), src, n);
        address += n;
        src += n;
        size -= n;
    }
    return 0;
}

size_t AddressSpace::resident_pages() const {
    SpinLockGuard guard(lock_);
    return resident_;
}

size_t AddressSpace::regions(RegionInfo* out, size_t max) const {
    SpinLockGuard guard(lock_);
    size_t count = 0;
    for (Region* region = regions_; region; region = region->next, count++)
        if (count < max) out[count] = {region->start, region->end, region->prot, region->kind};
    return count;
}
