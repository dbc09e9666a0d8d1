// tests/host/heap_test.cpp - kernel/mm/heap.cpp.
//
// A Heap on a PageAllocator on fake RAM (as in page_alloc_test). Checked:
// sizes and alignment, that objects never overlap (every byte of every live
// object is written and verified), that freeing everything gives every page
// back, misuse detection, and a random stress run against a model.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kernel/mm/heap.h"

namespace {

constexpr uint64_t P = kPageSize;
constexpr uint64_t kBase = 0x40000000;

std::vector<std::string> g_misuse;
void record_misuse(const char* what, const void*) { g_misuse.push_back(what); }

// Fake RAM + page allocator + heap, `pages` pages in all.
struct World {
    explicit World(uint64_t pages)
        : mem(static_cast<uint8_t*>(std::aligned_alloc(P, pages * P))), heap(alloc) {
        g_misuse.clear();
        MemoryMap map;
        EXPECT_TRUE(map.add_usable(kBase, pages * P));
        EXPECT_TRUE(alloc.init(map, uintptr_t(mem) - kBase));
        heap.set_misuse_hook(record_misuse);
        free_at_start = alloc.free_page_count();
    }
    ~World() { std::free(mem); }
    uint8_t* mem;
    PageAllocator alloc;
    Heap heap;
    size_t free_at_start;
};

TEST(Heap, SizeClassesAndAlignment) {
    World w(1024);
    struct Case {
        size_t ask, usable;
    };
    const Case cases[] = {{0, 16},       {1, 16},       {16, 16},      {17, 32},     {33, 64},
                          {100, 128},    {129, 256},    {500, 512},    {513, 1024},  {1024, 1024},
                          {1025, 2048},  {2048, 2048},  {2049, P - 16}, {P - 16, P - 16},
                          {P - 15, 2 * P - 16}, {100000, 32 * P - 16}};
    for (const Case& c : cases) {
        void* p = w.heap.alloc(c.ask);
        ASSERT_NE(p, nullptr) << c.ask;
        EXPECT_EQ(uintptr_t(p) % Heap::kAlignment, 0u) << c.ask;
        EXPECT_EQ(w.heap.allocation_size(p), c.usable) << c.ask;
        std::memset(p, 0xab, c.usable);  // all of it is usable (ASan would object)
        EXPECT_TRUE(w.heap.free(p));
        EXPECT_EQ(w.heap.allocation_size(p), 0u);  // no longer live
    }
    EXPECT_TRUE(g_misuse.empty());
}

TEST(Heap, StatsCountLiveAllocations) {
    World w(1024);
    HeapStats s = w.heap.stats();
    EXPECT_EQ(s.bytes_in_use, 0u);
    EXPECT_EQ(s.allocations, 0u);
    EXPECT_EQ(s.pages_held, 0u);

    void* a = w.heap.alloc(10);    // 16
    void* b = w.heap.alloc(100);   // 128
    void* c = w.heap.alloc(5000);  // 2 pages - 16
    s = w.heap.stats();
    EXPECT_EQ(s.allocations, 3u);
    EXPECT_EQ(s.bytes_in_use, 16 + 128 + 2 * P - 16);
    EXPECT_EQ(s.pages_held, 1 + 1 + 2u);  // a slab each for 16 and 128, 2 pages for c
    EXPECT_EQ(w.alloc.free_page_count(), w.free_at_start - 4);

    w.heap.free(c);
    w.heap.free(b);
    w.heap.free(a);
    s = w.heap.stats();
    EXPECT_EQ(s.allocations, 0u);
    EXPECT_EQ(s.bytes_in_use, 0u);
    EXPECT_EQ(s.pages_held, 2u);  // one empty slab kept per class for reuse
    w.heap.trim();
    EXPECT_EQ(w.heap.stats().pages_held, 0u);
    EXPECT_EQ(w.alloc.free_page_count(), w.free_at_start);  // every page back
}

TEST(Heap, SlabsHoldSeveralObjectsPerPage) {
    World w(1024);
    // 254 16-byte objects fit in one page after the 32-byte slab header.
    std::vector<void*> v;
    for (int i = 0; i < 254; i++) v.push_back(w.heap.alloc(16));
    EXPECT_EQ(w.heap.stats().pages_held, 1u);
    v.push_back(w.heap.alloc(16));
    EXPECT_EQ(w.heap.stats().pages_held, 2u);
    // 2048-byte objects: 7 to a 4-page slab.
    for (int i = 0; i < 7; i++) v.push_back(w.heap.alloc(2048));
    EXPECT_EQ(w.heap.stats().pages_held, 2u + 4u);
    for (void* p : v) EXPECT_TRUE(w.heap.free(p));
    w.heap.trim();
    EXPECT_EQ(w.alloc.free_page_count(), w.free_at_start);
}

TEST(Heap, ZeroSizedAllocationsAreDistinct) {
    World w(64);
    void* a = w.heap.alloc(0);
    void* b = w.heap.alloc(0);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_NE(a, b);
    w.heap.free(a);
    w.heap.free(b);
    EXPECT_TRUE(w.heap.free(nullptr));  // like free(NULL): nothing happens
    EXPECT_TRUE(g_misuse.empty());
}

TEST(Heap, LargeAllocationLimits) {
    World w(2048);  // 8 MiB
    void* biggest = w.heap.alloc((P << PageAllocator::kMaxOrder) - 16);
    ASSERT_NE(biggest, nullptr);
    EXPECT_EQ(w.heap.allocation_size(biggest), (P << 10) - 16);
    EXPECT_EQ(w.heap.stats().pages_held, 1024u);
    EXPECT_EQ(w.heap.alloc((P << PageAllocator::kMaxOrder) - 15), nullptr);  // over 4 MiB with header
    EXPECT_EQ(w.heap.alloc(SIZE_MAX), nullptr);
    EXPECT_TRUE(w.heap.free(biggest));
    EXPECT_EQ(w.heap.stats().pages_held, 0u);
    EXPECT_EQ(w.alloc.free_page_count(), w.free_at_start);
}

TEST(Heap, OutOfMemoryReturnsNullAndRecovers) {
    World w(64);
    std::vector<void*> v;
    for (void* p; (p = w.heap.alloc(1000)) != nullptr;) v.push_back(p);
    EXPECT_EQ(v.size(), 31u * 7);  // 63 pages: 31 two-page slabs of 7 objects
    for (void* p; (p = w.heap.alloc(3000)) != nullptr;) v.push_back(p);  // the last page
    EXPECT_EQ(v.size(), 31u * 7 + 1);
    EXPECT_EQ(w.alloc.free_page_count(), 0u);
    EXPECT_EQ(w.heap.alloc(16), nullptr);  // no page for a new slab
    EXPECT_EQ(w.heap.alloc(100000), nullptr);
    for (void* p : v) EXPECT_TRUE(w.heap.free(p));
    w.heap.trim();
    EXPECT_EQ(w.alloc.free_page_count(), w.free_at_start);
    EXPECT_NE(w.heap.alloc(100000), nullptr);  // memory is usable again
}

TEST(Heap, DoubleFreeIsCaught) {
    World w(64);
    void* keep = w.heap.alloc(64);  // keeps the slab from being released
    void* p = w.heap.alloc(64);
    ASSERT_TRUE(w.heap.free(p));
    HeapStats before = w.heap.stats();
    EXPECT_FALSE(w.heap.free(p));
    EXPECT_EQ(g_misuse, (std::vector<std::string>{"double free"}));
    HeapStats after = w.heap.stats();
    EXPECT_EQ(after.allocations, before.allocations);
    EXPECT_EQ(after.bytes_in_use, before.bytes_in_use);
    // The free list is intact: two allocations give two different objects.
    void* x = w.heap.alloc(64);
    void* y = w.heap.alloc(64);
    EXPECT_NE(x, y);
    w.heap.free(x);
    w.heap.free(y);
    w.heap.free(keep);
}

TEST(Heap, FreeMarkerInLiveDataIsNotADoubleFree) {
    // A live object whose second word happens to equal the "free" marker is
    // still freed normally: the free-list walk decides, not the marker.
    World w(64);
    auto* p = static_cast<uint64_t*>(w.heap.alloc(32));
    p[1] = 0x6b6b6b6b6b6b6b6bULL;
    EXPECT_TRUE(w.heap.free(p));
    EXPECT_TRUE(g_misuse.empty());
}

TEST(Heap, ForeignAndInteriorPointersAreCaught) {
    World w(64);
    auto* obj = static_cast<char*>(w.heap.alloc(100));
    auto* big = static_cast<char*>(w.heap.alloc(10000));
    int on_stack = 0;
    uintptr_t page = w.alloc.alloc_page();  // owned by someone else
    void* page_ptr = w.alloc.to_virt(page);
    std::memset(page_ptr, 0, P);

    EXPECT_FALSE(w.heap.free(obj + 16));   // inside an object
    EXPECT_FALSE(w.heap.free(obj + 128));  // the next object in the slab, never handed out
    EXPECT_FALSE(w.heap.free(big + 16));   // inside a large allocation
    EXPECT_FALSE(w.heap.free(&on_stack));
    EXPECT_FALSE(w.heap.free(page_ptr));
    std::vector<std::string> want = {"pointer into the middle of an allocation", "double free",
                                     "pointer into the middle of an allocation",
                                     "pointer not allocated by the heap", "pointer not allocated by the heap"};
    // obj + 128 is a free object on the slab's free list: reported as a double free.
    EXPECT_EQ(g_misuse, want);
    EXPECT_EQ(w.heap.stats().allocations, 2u);
    EXPECT_TRUE(w.heap.free(obj));
    EXPECT_TRUE(w.heap.free(big));
    EXPECT_FALSE(w.heap.free(big));  // its pages went back: no longer the heap's
    EXPECT_EQ(g_misuse.back(), "pointer not allocated by the heap");
    w.alloc.free_page(page);
}

TEST(Heap, LockGuardRestoresInterrupts) {
    World w(64);
    ASSERT_TRUE(arch::interrupts_enabled());
    void* p = w.heap.alloc(8);
    EXPECT_TRUE(arch::interrupts_enabled());
    w.heap.free(p);
    EXPECT_TRUE(arch::interrupts_enabled());
}

// Random sizes, random order of frees; every live byte carries a value
// derived from its allocation, verified before it is freed.
TEST(Heap, RandomStressNeverOverlaps) {
    World w(4096);  // 16 MiB
    std::mt19937 rng(4242);
    struct Live {
        size_t size;
        uint8_t tag;
    };
    std::map<uint8_t*, Live> live;
    size_t live_bytes = 0;
    auto fill = [](uint8_t* p, size_t n, uint8_t tag) {
        for (size_t i = 0; i < n; i++) p[i] = uint8_t(tag + i);
    };
    for (int step = 0; step < 20000; step++) {
        if (live.empty() || rng() % 100 < 55) {
            // Mostly small, sometimes a few pages.
            size_t size = rng() % 10 ? 1 + rng() % 300 : 1 + rng() % 20000;
            auto* p = static_cast<uint8_t*>(w.heap.alloc(size));
            ASSERT_NE(p, nullptr) << "step " << step;
            ASSERT_EQ(uintptr_t(p) % 16, 0u);
            ASSERT_GE(w.heap.allocation_size(p), size);
            ASSERT_EQ(live.count(p), 0u) << "pointer handed out twice";
            uint8_t tag = uint8_t(rng());
            fill(p, size, tag);
            live[p] = {size, tag};
            live_bytes += w.heap.allocation_size(p);
        } else {
            auto it = live.begin();
            std::advance(it, rng() % live.size());
            auto [p, l] = *it;
            for (size_t i = 0; i < l.size; i++) ASSERT_EQ(p[i], uint8_t(l.tag + i)) << "object corrupted";
            live_bytes -= w.heap.allocation_size(p);
            ASSERT_TRUE(w.heap.free(p));
            live.erase(it);
        }
        HeapStats s = w.heap.stats();
        ASSERT_EQ(s.allocations, live.size());
        ASSERT_EQ(s.bytes_in_use, live_bytes);
        ASSERT_EQ(w.alloc.free_page_count() + s.pages_held, w.free_at_start);
    }
    for (auto& [p, l] : live) ASSERT_TRUE(w.heap.free(p));
    w.heap.trim();
    EXPECT_EQ(w.heap.stats().pages_held, 0u);
    EXPECT_EQ(w.alloc.free_page_count(), w.free_at_start);
    EXPECT_TRUE(g_misuse.empty());
}

// The kernel-wide kmalloc/kfree, on the kernel-wide page allocator.
TEST(Heap, KmallocAndKfree) {
    static uint8_t* ram = static_cast<uint8_t*>(std::aligned_alloc(P, 256 * P));
    MemoryMap map;
    ASSERT_TRUE(map.add_usable(kBase, 256 * P));
    ASSERT_TRUE(page_allocator().init(map, uintptr_t(ram) - kBase));
    const size_t free_pages = page_allocator().free_page_count();

    void* p = kmalloc(200);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(heap_stats().allocations, 1u);
    EXPECT_EQ(heap_stats().bytes_in_use, 256u);
    EXPECT_EQ(&kernel_heap(), &kernel_heap());
    kfree(p);
    kfree(nullptr);
    EXPECT_EQ(heap_stats().allocations, 0u);
    kernel_heap().trim();
    EXPECT_EQ(page_allocator().free_page_count(), free_pages);
}

}  // namespace
