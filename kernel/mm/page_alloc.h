// kernel/mm/page_alloc.h - the physical page allocator (a buddy allocator).
//
// Hands out physical memory in blocks of 2^order contiguous pages, order 0
// (one 4 KiB page) to kMaxOrder (1024 pages, 4 MiB). A block of order k is
// always aligned to its own size, so it has exactly one "buddy": the other
// half of the order k+1 block it came from, whose address differs only in
// bit (k + 12). Allocating splits a larger free block in halves until it has
// the size asked for; freeing merges a block with its buddy again whenever
// the buddy is free too, so free memory does not stay chopped up. This is the
// scheme of Linux's mm/page_alloc.c (__rmqueue_smallest, __free_one_page);
// xv6's kalloc.c is the simpler one-page-at-a-time free list.
//
// Memory use: the free lists are threaded through the free blocks themselves
// (the first bytes of each free block hold its ListNode), reached through the
// direct map: virtual = physical + phys_to_virt_offset. Besides that, one
// state byte per page frame (like a very small Linux `struct page`) records
// which pages head a free or an allocated block and its order. It lets free()
// find a free buddy in O(1) and catch a double free, a free with the wrong
// order, or a free of a page the allocator never handed out. init() carves
// this table (1/4096 of the memory it spans) out of the first usable range.
//
// Thread-safe: one spinlock, taken with interrupts off (SpinLockGuard).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/list.h"
#include "kernel/mm/memmap.h"
#include "kernel/sync/spinlock.h"

class PageAllocator {
public:
    // 11 orders, 4 KiB .. 4 MiB: Linux's traditional MAX_ORDER.
    static constexpr unsigned kMaxOrder = 10;
    static constexpr unsigned kOrders = kMaxOrder + 1;

    // Called when a caller breaks the rules (double free, wrong order, a
    // page that is not ours), with what went wrong and the address. Runs
    // without the allocator's lock held. The default panics in the kernel
    // (and does nothing in host tests, which install their own).
    using MisuseHook = void (*)(const char* what, uintptr_t phys);

    constexpr PageAllocator() = default;
    PageAllocator(const PageAllocator&) = delete;
    PageAllocator& operator=(const PageAllocator&) = delete;

    // Takes over every page of `map` (its answer: usable minus reserved,
    // whole pages) except physical page 0, since address 0 means "failed".
    // Needs those pages reachable at physical + phys_to_virt_offset. Call once
    // before any other use; false if the map is empty or has no range big
    // enough for the state table.
    bool init(const MemoryMap& map, uintptr_t phys_to_virt_offset);

    // The physical address of a block of 2^order pages aligned to its size,
    // or 0 if no block that large is free (or order > kMaxOrder). The memory
    // is not cleared.
    uintptr_t alloc_pages(unsigned order);
    // Returns a block from alloc_pages(order), with the same order. False,
    // and the misuse hook called, if it is not such a block.
    bool free_pages(uintptr_t phys, unsigned order);
    uintptr_t alloc_page() { return alloc_pages(0); }
    bool free_page(uintptr_t phys) { return free_pages(phys, 0); }

    // Pages now free / managed in all. The kernel's leak checks compare
    // free_page_count() before and after a test.
    size_t free_page_count() const { return __atomic_load_n(&free_pages_, __ATOMIC_RELAXED); }
    size_t total_page_count() const { return total_pages_; }
    // Free blocks of exactly this order (Linux's /proc/buddyinfo shows these).
    size_t free_block_count(unsigned order) const;

    // The allocated block containing `phys`: its start and order. False if
    // phys lies in no allocated block. The heap uses it to get from an
    // object's address to the slab holding it (Linux: virt_to_slab).
    bool find_allocated_block(uintptr_t phys, uintptr_t* block, unsigned* order) const;

    // Between physical addresses and the pointers the kernel uses.
    void* to_virt(uintptr_t phys) const { return reinterpret_cast<void*>(phys + offset_); }
    uintptr_t to_phys(const void* virt) const { return uintptr_t(virt) - offset_; }

    void set_misuse_hook(MisuseHook hook) { misuse_hook_ = hook; }

private:
    // What a free block holds in its first bytes: its links on free_[order].
    struct FreeBlock {
        ListNode node;
    };
    using FreeList = IntrusiveList<FreeBlock, &FreeBlock::node>;

    // The state byte of a page frame. Only the first page of a block has a
    // nonzero state; every other page (and every page outside the usable
    // ranges) is 0.
    static constexpr uint8_t kFreeHead = 0x80;       // | order: heads a free block
    static constexpr uint8_t kAllocatedHead = 0x40;  // | order: heads an allocated block
    static constexpr uint8_t kOrderBits = 0x0f;

    uint8_t& state(uint64_t pfn) const { return state_[pfn - first_pfn_]; }
    bool in_range(uint64_t pfn) const { return pfn >= first_pfn_ && pfn < end_pfn_; }
    void put_free(uint64_t pfn, unsigned order);
    void take_free(uint64_t pfn, unsigned order);
    bool inside_free_block(uint64_t pfn) const;
    const char* check_free(uintptr_t phys, unsigned order) const;
    void report(const char* what, uintptr_t phys) const;

    mutable SpinLock lock_;
    FreeList free_[kOrders];       // free blocks of each order
    uint8_t* state_ = nullptr;     // one byte per frame in [first_pfn_, end_pfn_)
    uint64_t first_pfn_ = 0;       // frame numbers: physical address >> 12
    uint64_t end_pfn_ = 0;
    uintptr_t offset_ = 0;         // virtual = physical + offset_
    size_t free_pages_ = 0;
    size_t total_pages_ = 0;
    MisuseHook misuse_hook_ = nullptr;  // nullptr: the default (see above)
};

// The kernel's one page allocator. Constant-initialised (no constructor runs
// at boot), so it can be used before global constructors have run.
PageAllocator& page_allocator();
