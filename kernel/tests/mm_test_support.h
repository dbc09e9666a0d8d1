// kernel/tests/mm_test_support.h - helpers for the address-space and ELF
// ktests: a leak check, and reading a (not active) address space's memory
// the way the kernel's loader writes it, through the direct map.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/lib/string.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/page_alloc.h"

// xv6's usertests idea: count free pages before, and again after the test
// released everything. The heap keeps an empty slab per size class for
// reuse; trim() hands those back so that both counts see the same heap.
class LeakCheck {
public:
    LeakCheck() {
        kernel_heap().trim();
        free_pages_ = page_allocator().free_page_count();
        allocations_ = heap_stats().allocations;
    }
    // True if every page and heap object taken since construction is back.
    bool clean() const {
        kernel_heap().trim();
        return page_allocator().free_page_count() == free_pages_ &&
               heap_stats().allocations == allocations_;
    }

private:
    size_t free_pages_;
    size_t allocations_;
};

// Copies n bytes at user address `va` of `mm` into out, page by page through
// PageTable::lookup and the direct map. False if a page is not resident.
inline bool read_user_memory(AddressSpace* mm, uintptr_t va, void* out, size_t n) {
    uint8_t* dst = static_cast<uint8_t*>(out);
    while (n > 0) {
        uintptr_t pa;
        if (!mm->page_table().lookup(va, &pa, nullptr)) return false;
        size_t piece = kPageSize - va % kPageSize;
        if (piece > n) piece = n;
        memcpy(dst, reinterpret_cast<const void*>(arch::phys_to_virt(pa)), piece);
        dst += piece;
        va += piece;
        n -= piece;
    }
    return true;
}

inline uint64_t read_user_word(AddressSpace* mm, uintptr_t va) {
    uint64_t value = ~0ull;
    read_user_memory(mm, va, &value, sizeof value);
    return value;
}

// The page-table flags of `va`, or 0 if it is not mapped.
inline uint32_t page_flags_at(AddressSpace* mm, uintptr_t va) {
    uint32_t flags = 0;
    if (!mm->page_table().lookup(va, nullptr, &flags)) return 0;
    return flags;
}
