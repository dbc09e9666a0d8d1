// kernel/mm/page_alloc.cpp - the buddy allocator (see page_alloc.h).
//
// Invariant, relied on by free() and find_allocated_block(): a page frame's
// state byte is nonzero exactly when the frame is the first page of a block,
// free (kFreeHead | order, and then on free_[order]) or allocated
// (kAllocatedHead | order). put_free/take_free and alloc/free keep it so.
// Compare Linux's PageBuddy flag and page->private holding the order.
#include "kernel/mm/page_alloc.h"

#include <new>

#include "kernel/lib/string.h"

#ifndef HANDOFF_HOST_TEST
#include "kernel/printk.h"
#endif

namespace {

constexpr uint64_t pages_in(unsigned order) { return uint64_t(1) << order; }

// Without a hook set: the kernel panics (a broken free means corrupted
// memory is coming); host tests have no panic() and set their own hook.
void default_misuse(const char* what, uintptr_t phys) {
#ifdef HANDOFF_HOST_TEST
    (void)what;
    (void)phys;
#else
    panic("page allocator: %s (physical address 0x%lx)", what, phys);
#endif
}

}  // namespace

bool PageAllocator::init(const MemoryMap& map, uintptr_t phys_to_virt_offset) {
    {
        SpinLockGuard guard(lock_);
        if (state_ == nullptr && map.count() > 0) {
            offset_ = phys_to_virt_offset;
            // The map's ranges are sorted: the frames span from the first
            // range's start to the last one's end.
            first_pfn_ = map[0].base >> kPageShift;
            end_pfn_ = map[map.count() - 1].end() >> kPageShift;
            uint64_t frames = end_pfn_ - first_pfn_;
            uint64_t table_pages = (frames + kPageSize - 1) / kPageSize;  // one byte per frame

            // The state table goes at the start of the first range with room.
            const PhysRange* home = nullptr;
            for (const PhysRange& r : map) {
                if ((r.size >> kPageShift) >= table_pages) {
                    home = &r;
                    break;
                }
            }
            if (home != nullptr) {
                state_ = static_cast<uint8_t*>(to_virt(home->base));
                memset(state_, 0, frames);  // 0: no block starts here (yet)

                // Cut each range into the largest aligned blocks that fit,
                // the way Linux's memblock_free_all hands memory to the buddy
                // allocator.
                for (const PhysRange& r : map) {
                    uint64_t pfn = r.base >> kPageShift;
                    uint64_t end = r.end() >> kPageShift;
                    if (&r == home) pfn += table_pages;
                    if (pfn == 0) pfn = 1;  // address 0 is the failure value
                    while (pfn < end) {
                        unsigned order = kMaxOrder;
                        auto aligned = [&](unsigned k) { return (pfn & (pages_in(k) - 1)) == 0; };
                        while (order > 0 && (!aligned(order) || pfn + pages_in(order) > end)) order--;
                        put_free(pfn, order);
                        pfn += pages_in(order);
                    }
                }
                total_pages_ = free_pages_;
                return true;
            }
        }
    }
    report(state_ ? "init called twice" : "no memory to manage", 0);
    return false;
}

// Makes the block at pfn free: marks its head and links it first on its
// list (recently freed memory is likely still in the cache: reuse it first).
void PageAllocator::put_free(uint64_t pfn, unsigned order) {
    state(pfn) = kFreeHead | uint8_t(order);
    // The links live in the free page itself: start a FreeBlock object there.
    auto* block = new (to_virt(pfn << kPageShift)) FreeBlock;
    free_[order].push_front(*block);
    free_pages_ += pages_in(order);
}

// Removes the free block at pfn from its list; its pages are then no one's.
void PageAllocator::take_free(uint64_t pfn, unsigned order) {
    auto* block = static_cast<FreeBlock*>(to_virt(pfn << kPageShift));
    free_[order].remove(*block);
    state(pfn) = 0;
    free_pages_ -= pages_in(order);
}

uintptr_t PageAllocator::alloc_pages(unsigned order) {
    if (order > kMaxOrder) return 0;
    SpinLockGuard guard(lock_);
    // The smallest free block that is large enough.
    unsigned k = order;
    while (k <= kMaxOrder && free_[k].empty()) k++;
    if (k > kMaxOrder) return 0;  // out of memory (or too fragmented)

    uint64_t pfn = to_phys(free_[k].front()) >> kPageShift;
    take_free(pfn, k);
    // Split it: keep the lower half, free the upper half one order down,
    // until it is the size asked for (Linux: expand()).
    while (k > order) {
        k--;
        put_free(pfn + pages_in(k), k);
    }
    state(pfn) = kAllocatedHead | uint8_t(order);
    return uintptr_t(pfn << kPageShift);
}

bool PageAllocator::free_pages(uintptr_t phys, unsigned order) {
    const char* problem;
    {
        SpinLockGuard guard(lock_);
        problem = check_free(phys, order);
        if (problem == nullptr) {
            uint64_t pfn = phys >> kPageShift;
            state(pfn) = 0;
            // Merge with the buddy while it is free and whole (same order):
            // the pair becomes one block of the next order, starting at the
            // lower of the two addresses (Linux: __free_one_page).
            while (order < kMaxOrder) {
                uint64_t buddy = pfn ^ pages_in(order);
                if (!in_range(buddy) || state(buddy) != (kFreeHead | order)) break;
                take_free(buddy, order);
                pfn &= ~pages_in(order);
                order++;
            }
            put_free(pfn, order);
            return true;
        }
    }
    report(problem, phys);  // outside the lock: the hook may print or panic
    return false;
}

// What is wrong with freeing (phys, order), or nullptr if it is fine.
const char* PageAllocator::check_free(uintptr_t phys, unsigned order) const {
    if (order > kMaxOrder) return "free with an order above kMaxOrder";
    if (phys & (kPageSize - 1)) return "free of an address that is not page-aligned";
    uint64_t pfn = phys >> kPageShift;
    if (state_ == nullptr || !in_range(pfn) || pfn + pages_in(order) > end_pfn_)
        return "free of a page this allocator does not manage";
    uint8_t s = state(pfn);
    if (s == (kAllocatedHead | order)) return nullptr;
    if (s & kAllocatedHead) return "free with a different order than the allocation";
    if (inside_free_block(pfn)) return "double free";
    return "free of a page that does not start an allocated block";
}

// Is pfn inside some free block? That block, of order j, starts at pfn
// rounded down to 2^j pages: check the 11 candidates.
bool PageAllocator::inside_free_block(uint64_t pfn) const {
    for (unsigned j = 0; j <= kMaxOrder; j++) {
        uint64_t head = pfn & ~(pages_in(j) - 1);
        if (in_range(head) && state(head) == (kFreeHead | j)) return true;
    }
    return false;
}

bool PageAllocator::find_allocated_block(uintptr_t phys, uintptr_t* block, unsigned* order) const {
    SpinLockGuard guard(lock_);
    uint64_t pfn = phys >> kPageShift;
    if (state_ == nullptr || !in_range(pfn)) return false;
    // As in inside_free_block: an allocated block of order j containing pfn
    // starts at pfn rounded down to 2^j pages.
    for (unsigned j = 0; j <= kMaxOrder; j++) {
        uint64_t head = pfn & ~(pages_in(j) - 1);
        if (in_range(head) && state(head) == (kAllocatedHead | j)) {
            *block = uintptr_t(head << kPageShift);
            *order = j;
            return true;
        }
    }
    return false;
}

size_t PageAllocator::free_block_count(unsigned order) const {
    if (order > kMaxOrder) return 0;
    SpinLockGuard guard(lock_);
    return free_[order].size();
}

void PageAllocator::report(const char* what, uintptr_t phys) const {
    if (misuse_hook_)
        misuse_hook_(what, phys);
    else
        default_misuse(what, phys);
}

PageAllocator& page_allocator() {
    static constinit PageAllocator allocator;
    return allocator;
}
