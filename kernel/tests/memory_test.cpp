// kernel/tests/memory_test.cpp - the page allocator and heap in the real
// kernel (the host tests cover their logic; these check the wiring: the
// direct map, the memory map the boot code built, operator new).
#include "arch/arch.h"
#include "kernel/ktest.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/page_alloc.h"

// Every page handed out is usable RAM: write and read back a pattern
// through the direct map, then give it back; the free count returns.
KTEST(page_alloc_pages_are_usable_ram) {
    PageAllocator& pages = page_allocator();
    size_t before = pages.free_page_count();
    constexpr int kCount = 64;
    uintptr_t got[kCount];
    for (int i = 0; i < kCount; i++) {
        got[i] = pages.alloc_page();
        if (!EXPECT(t, got[i] != 0)) return;
        EXPECT_EQ(t, got[i] % kPageSize, 0);
        auto* words = reinterpret_cast<uint64_t*>(arch::phys_to_virt(got[i]));
        for (size_t w = 0; w < kPageSize / 8; w++) words[w] = got[i] ^ w;
    }
    EXPECT_EQ(t, pages.free_page_count(), before - kCount);
    for (int i = 0; i < kCount; i++) {
        auto* words = reinterpret_cast<uint64_t*>(arch::phys_to_virt(got[i]));
        bool intact = true;
        for (size_t w = 0; w < kPageSize / 8; w++) intact &= words[w] == (got[i] ^ w);
        EXPECT(t, intact);
        pages.free_page(got[i]);
    }
    EXPECT_EQ(t, pages.free_page_count(), before);
}

// A large block is physically contiguous and aligned to its size.
KTEST(page_alloc_high_order_alignment) {
    PageAllocator& pages = page_allocator();
    size_t before = pages.free_page_count();
    uintptr_t block = pages.alloc_pages(8);  // 1 MiB
    if (!EXPECT(t, block != 0)) return;
    EXPECT_EQ(t, block % (kPageSize << 8), 0);
    memset(reinterpret_cast<void*>(arch::phys_to_virt(block)), 0xa5, kPageSize << 8);
    pages.free_pages(block, 8);
    EXPECT_EQ(t, pages.free_page_count(), before);
}

// new/delete go to the kernel heap; after trimming, every page it took
// is back with the page allocator (the leak check later tests rely on).
KTEST(heap_new_delete_leaves_no_pages_behind) {
    kernel_heap().trim();
    size_t pages_before = page_allocator().free_page_count();
    size_t allocations_before = kernel_heap().stats().allocations;
    struct Object {
        uint64_t payload[5];
    };
    constexpr int kCount = 200;
    Object* objects[kCount];
    for (int i = 0; i < kCount; i++) {
        objects[i] = new Object;
        if (!EXPECT(t, objects[i] != nullptr)) return;
        EXPECT_EQ(t, uintptr_t(objects[i]) % 16, 0);
        objects[i]->payload[0] = uint64_t(i);
    }
    // volatile: otherwise the compiler may drop an allocation whose memory
    // is never used (C++14 lets it elide new/delete pairs).
    char* volatile big = new char[64 * 1024];
    if (!EXPECT(t, big != nullptr)) return;
    big[64 * 1024 - 1] = 1;
    EXPECT_EQ(t, kernel_heap().stats().allocations, allocations_before + kCount + 1);
    for (int i = 0; i < kCount; i++) {
        EXPECT_EQ(t, objects[i]->payload[0], uint64_t(i));
        delete objects[i];
    }
    delete[] big;
    kernel_heap().trim();
    EXPECT_EQ(t, kernel_heap().stats().allocations, allocations_before);
    EXPECT_EQ(t, page_allocator().free_page_count(), pages_before);
}

// The kernel's printf engine, as the console uses it.
KTEST(format_in_kernel) {
    char buf[64];
    ksnprintf(buf, sizeof buf, "%d|%5u|%-3x|%08lx|%s|%c|%llx", -42, 7u, 0xau, 0xbeefUL, "ok", 'z',
              0x1234567890abcdefULL);
    EXPECT(t, strcmp(buf, "-42|    7|a  |0000beef|ok|z|1234567890abcdef") == 0);
}
