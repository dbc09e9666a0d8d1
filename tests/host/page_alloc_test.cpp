// tests/host/page_alloc_test.cpp - kernel/mm/page_alloc.cpp.
//
// "Physical memory" is a host buffer: the allocator is given a MemoryMap of
// fake physical addresses and the offset from those to the buffer, exactly
// as the kernel gives it the direct map's offset. The tests then check the
// buddy system's promises: every page comes back, blocks are aligned to
// their size, freed buddies merge, misuse is caught, and (stress test) a
// random mix of allocations behaves like a simple reference model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kernel/mm/page_alloc.h"

namespace {

constexpr uint64_t P = kPageSize;
constexpr uint64_t kBase = 0x40000000;  // like AArch64 virt: RAM at 1 GiB

// Host memory standing in for physical [phys_base, phys_base + bytes).
class FakeRam {
public:
    FakeRam(uint64_t phys_base, uint64_t bytes)
        : base_(phys_base), mem_(static_cast<uint8_t*>(std::aligned_alloc(P, bytes))) {}
    ~FakeRam() { std::free(mem_); }
    FakeRam(const FakeRam&) = delete;
    uintptr_t offset() const { return uintptr_t(mem_) - base_; }
    uint64_t* word(uint64_t phys) { return reinterpret_cast<uint64_t*>(phys + offset()); }

private:
    uint64_t base_;
    uint8_t* mem_;
};

MemoryMap map_of(std::initializer_list<std::pair<uint64_t, uint64_t>> ranges) {
    MemoryMap m;
    for (auto [base, size] : ranges) EXPECT_TRUE(m.add_usable(base, size));
    return m;
}

// Misuse reports land here (the kernel's hook panics instead).
std::vector<std::string> g_misuse;
void record_misuse(const char* what, uintptr_t) { g_misuse.push_back(what); }

std::vector<size_t> block_counts(const PageAllocator& a) {
    std::vector<size_t> counts;
    for (unsigned k = 0; k <= PageAllocator::kMaxOrder; k++) counts.push_back(a.free_block_count(k));
    return counts;
}

// An allocator over `pages` pages of fake RAM at kBase.
struct Fixture {
    explicit Fixture(uint64_t pages) : ram(kBase, pages * P) {
        g_misuse.clear();
        alloc.set_misuse_hook(record_misuse);
        EXPECT_TRUE(alloc.init(map_of({{kBase, pages * P}}), ram.offset()));
    }
    FakeRam ram;
    PageAllocator alloc;
};

TEST(PageAlloc, InitHandsOverEveryPageButTheStateTable) {
    Fixture f(1024);  // 4 MiB: a 1024-byte state table, so 1 page of it
    EXPECT_EQ(f.alloc.total_page_count(), 1023u);
    EXPECT_EQ(f.alloc.free_page_count(), 1023u);
    // Pages 1..1023 as maximal aligned blocks: one each of order 0..9.
    std::vector<size_t> want = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    EXPECT_EQ(block_counts(f.alloc), want);
    EXPECT_TRUE(g_misuse.empty());
}

TEST(PageAlloc, AllocEveryPageThenFreeEveryPage) {
    Fixture f(1024);
    const auto initial = block_counts(f.alloc);
    std::set<uintptr_t> pages;
    for (;;) {
        uintptr_t p = f.alloc.alloc_page();
        if (p == 0) break;
        ASSERT_EQ(p % P, 0u);
        ASSERT_GE(p, kBase + P);  // the state table's page is never handed out
        ASSERT_LT(p, kBase + 1024 * P);
        ASSERT_TRUE(pages.insert(p).second) << "page handed out twice: " << std::hex << p;
    }
    EXPECT_EQ(pages.size(), 1023u);
    EXPECT_EQ(f.alloc.free_page_count(), 0u);
    EXPECT_EQ(f.alloc.alloc_pages(0), 0u);  // stays empty

    std::vector<uintptr_t> order(pages.begin(), pages.end());
    std::shuffle(order.begin(), order.end(), std::mt19937(7));
    for (uintptr_t p : order) ASSERT_TRUE(f.alloc.free_page(p));
    EXPECT_EQ(f.alloc.free_page_count(), 1023u);
    EXPECT_EQ(block_counts(f.alloc), initial) << "freed pages did not merge back completely";
    EXPECT_TRUE(g_misuse.empty());
}

TEST(PageAlloc, BlocksAreAlignedToTheirSize) {
    Fixture f(4096);  // 16 MiB
    for (unsigned order = 0; order <= PageAllocator::kMaxOrder; order++) {
        uintptr_t p = f.alloc.alloc_pages(order);
        ASSERT_NE(p, 0u) << order;
        EXPECT_EQ(p % (P << order), 0u) << "order " << order;
        EXPECT_EQ(f.alloc.free_page_count(), f.alloc.total_page_count() - (1u << order));
        EXPECT_TRUE(f.alloc.free_pages(p, order));
    }
    EXPECT_EQ(f.alloc.alloc_pages(PageAllocator::kMaxOrder + 1), 0u);
    EXPECT_EQ(f.alloc.free_page_count(), f.alloc.total_page_count());
}

TEST(PageAlloc, BuddiesMerge) {
    Fixture f(1024);
    std::vector<uintptr_t> all;
    for (uintptr_t p; (p = f.alloc.alloc_page()) != 0;) all.push_back(p);
    // Free pages 2 and 3 (buddies): first a lone order-0 block, then one order-1.
    ASSERT_TRUE(f.alloc.free_page(kBase + 2 * P));
    EXPECT_EQ(f.alloc.free_block_count(0), 1u);
    ASSERT_TRUE(f.alloc.free_page(kBase + 3 * P));
    EXPECT_EQ(f.alloc.free_block_count(0), 0u);
    EXPECT_EQ(f.alloc.free_block_count(1), 1u);
    // Pages 4..7 merge into an order-2 block, which merges with 2..3: order 3? No:
    // 0..1 is not free (page 0 holds the table, 1 is allocated), so 0..3 cannot
    // form; 4..7 stays an order-2 block beside the order-1 block at 2.
    for (uint64_t i = 4; i < 8; i++) ASSERT_TRUE(f.alloc.free_page(kBase + i * P));
    EXPECT_EQ(f.alloc.free_block_count(1), 1u);
    EXPECT_EQ(f.alloc.free_block_count(2), 1u);
    // Freeing page 1 completes 0..7 except the table page: 1 stays order 0.
    ASSERT_TRUE(f.alloc.free_page(kBase + 1 * P));
    EXPECT_EQ(f.alloc.free_block_count(0), 1u);
    // An order-2 request is now served without splitting anything larger.
    EXPECT_EQ(f.alloc.alloc_pages(2), kBase + 4 * P);
    EXPECT_EQ(f.alloc.alloc_pages(1), kBase + 2 * P);
    EXPECT_EQ(f.alloc.free_page_count(), 1u);
}

TEST(PageAlloc, DoubleFreeIsCaught) {
    Fixture f(1024);
    uintptr_t p = f.alloc.alloc_page();
    ASSERT_NE(p, 0u);
    ASSERT_TRUE(f.alloc.free_page(p));
    size_t free_before = f.alloc.free_page_count();
    EXPECT_FALSE(f.alloc.free_page(p));
    ASSERT_EQ(g_misuse.size(), 1u);
    EXPECT_EQ(g_misuse[0], "double free");
    EXPECT_EQ(f.alloc.free_page_count(), free_before);  // nothing changed

    // Again, where the freed page has merged into a bigger free block.
    g_misuse.clear();
    // Page 1 (whose buddy is the table page), then 2 and 3 from splitting
    // the order-1 block at page 2: those two are buddies.
    uintptr_t first = f.alloc.alloc_page(), a = f.alloc.alloc_page(), b = f.alloc.alloc_page();
    ASSERT_EQ(first, kBase + P);
    ASSERT_EQ(a ^ b, P) << "expected buddies from a split";
    ASSERT_TRUE(f.alloc.free_page(a));
    ASSERT_TRUE(f.alloc.free_page(b));  // a and b are one order-1 block now
    EXPECT_EQ(f.alloc.free_block_count(1), 1u);
    EXPECT_FALSE(f.alloc.free_page(a));
    EXPECT_FALSE(f.alloc.free_page(b));
    EXPECT_EQ(g_misuse, (std::vector<std::string>{"double free", "double free"}));
    EXPECT_TRUE(f.alloc.free_page(first));
}

TEST(PageAlloc, OtherMisuseIsCaught) {
    Fixture f(1024);
    uintptr_t p = f.alloc.alloc_pages(2);
    ASSERT_NE(p, 0u);
    const size_t free_before = f.alloc.free_page_count();

    EXPECT_FALSE(f.alloc.free_pages(p, 1));
    EXPECT_FALSE(f.alloc.free_pages(p, 3));
    EXPECT_FALSE(f.alloc.free_pages(p + 8, 2));
    EXPECT_FALSE(f.alloc.free_page(p + P));  // inside the block, not its start
    EXPECT_FALSE(f.alloc.free_page(0x1000));  // below RAM
    EXPECT_FALSE(f.alloc.free_page(kBase + 5000 * P));  // above RAM
    EXPECT_FALSE(f.alloc.free_page(kBase));  // the state table
    EXPECT_FALSE(f.alloc.free_pages(p, 11));
    EXPECT_FALSE(f.alloc.free_pages(kBase + 768 * P, 10));  // would run past the end
    std::vector<std::string> want = {
        "free with a different order than the allocation",
        "free with a different order than the allocation",
        "free of an address that is not page-aligned",
        "free of a page that does not start an allocated block",
        "free of a page this allocator does not manage",
        "free of a page this allocator does not manage",
        "free of a page that does not start an allocated block",
        "free with an order above kMaxOrder",
        "free of a page this allocator does not manage",
    };
    EXPECT_EQ(g_misuse, want);
    EXPECT_EQ(f.alloc.free_page_count(), free_before);
    EXPECT_TRUE(f.alloc.free_pages(p, 2));  // the right call still works
    EXPECT_EQ(g_misuse.size(), want.size());
}

TEST(PageAlloc, FindAllocatedBlock) {
    Fixture f(1024);
    uintptr_t p = f.alloc.alloc_pages(3);
    ASSERT_NE(p, 0u);
    for (uint64_t i = 0; i < 8; i++) {
        uintptr_t block = 0;
        unsigned order = 99;
        ASSERT_TRUE(f.alloc.find_allocated_block(p + i * P + 123, &block, &order)) << i;
        EXPECT_EQ(block, p);
        EXPECT_EQ(order, 3u);
    }
    uintptr_t block;
    unsigned order;
    EXPECT_FALSE(f.alloc.find_allocated_block(kBase, &block, &order));  // the table
    EXPECT_FALSE(f.alloc.find_allocated_block(0x1000, &block, &order));
    f.alloc.free_pages(p, 3);
    EXPECT_FALSE(f.alloc.find_allocated_block(p, &block, &order));
    EXPECT_FALSE(f.alloc.find_allocated_block(p + 7 * P, &block, &order));
}

TEST(PageAlloc, HolesAreNeverHandedOut) {
    FakeRam ram(kBase, 300 * P);
    PageAllocator alloc;
    ASSERT_TRUE(alloc.init(map_of({{kBase, 100 * P}, {kBase + 200 * P, 100 * P}}), ram.offset()));
    EXPECT_EQ(alloc.total_page_count(), 199u);  // 200 pages less the table's
    size_t n = 0;
    for (uintptr_t p; (p = alloc.alloc_page()) != 0; n++) {
        ASSERT_FALSE(p >= kBase + 100 * P && p < kBase + 200 * P) << std::hex << p;
    }
    EXPECT_EQ(n, 199u);
}

TEST(PageAlloc, PhysicalPageZeroIsNeverHandedOut) {
    // Frames from 0 to 16 MiB + 16 pages need a 2-page state table, which
    // does not fit in the first range (page 0 only), so it goes in the
    // second; page 0 itself must still not be managed: 0 means "failed".
    FakeRam ram(0, (4096 + 16) * P);
    PageAllocator alloc;
    ASSERT_TRUE(alloc.init(map_of({{0, P}, {16 << 20, 16 * P}}), ram.offset()));
    EXPECT_EQ(alloc.total_page_count(), 14u);
    for (int i = 0; i < 14; i++) {
        uintptr_t p = alloc.alloc_page();
        EXPECT_GE(p, uintptr_t(16 << 20) + 2 * P);
    }
    EXPECT_EQ(alloc.alloc_page(), 0u);
}

TEST(PageAlloc, InitFailures) {
    g_misuse.clear();
    FakeRam ram(kBase, 8 * P);
    PageAllocator empty;
    empty.set_misuse_hook(record_misuse);
    EXPECT_FALSE(empty.init(MemoryMap(), ram.offset()));
    EXPECT_EQ(empty.alloc_page(), 0u);
    EXPECT_EQ(empty.total_page_count(), 0u);
    EXPECT_FALSE(empty.free_page(kBase));

    PageAllocator twice;
    twice.set_misuse_hook(record_misuse);
    EXPECT_TRUE(twice.init(map_of({{kBase, 8 * P}}), ram.offset()));
    EXPECT_FALSE(twice.init(map_of({{kBase, 8 * P}}), ram.offset()));
    EXPECT_EQ(twice.total_page_count(), 7u);
    EXPECT_EQ(g_misuse, (std::vector<std::string>{"no memory to manage",
                                                  "free of a page this allocator does not manage",
                                                  "init called twice"}));
}

TEST(PageAlloc, AllocatedPagesDoNotOverlap) {
    // Fill every allocated page with its own address and check them all
    // afterwards: overlapping blocks, or the allocator writing its links into
    // an allocated page, would show up as a wrong word.
    Fixture f(512);
    std::vector<uintptr_t> pages;
    for (uintptr_t p; (p = f.alloc.alloc_page()) != 0;) {
        pages.push_back(p);
        for (uint64_t i = 0; i < P / 8; i++) f.ram.word(p)[i] = p ^ i;
    }
    for (uintptr_t p : pages) {
        for (uint64_t i = 0; i < P / 8; i++) ASSERT_EQ(f.ram.word(p)[i], p ^ i);
    }
}

TEST(PageAlloc, MisuseHookRunsWithoutTheLock) {
    // The kernel's hook prints (and panics); it must be able to use the
    // allocator's own queries without deadlocking on its lock.
    static PageAllocator* current = nullptr;
    static size_t seen_free = 0;
    Fixture f(64);
    current = &f.alloc;
    f.alloc.set_misuse_hook([](const char*, uintptr_t) {
        uintptr_t p = current->alloc_page();
        seen_free = current->free_block_count(0) + 1;
        current->free_page(p);
    });
    EXPECT_FALSE(f.alloc.free_page(0x1000));
    EXPECT_GT(seen_free, 0u);
}

TEST(PageAlloc, LockGuardRestoresInterrupts) {
    Fixture f(64);
    ASSERT_TRUE(arch::interrupts_enabled());
    uintptr_t p = f.alloc.alloc_page();
    EXPECT_TRUE(arch::interrupts_enabled());
    f.alloc.free_page(p);
    EXPECT_TRUE(arch::interrupts_enabled());
}

TEST(PageAlloc, GlobalAllocatorIsOneObject) {
    EXPECT_EQ(&page_allocator(), &page_allocator());
    EXPECT_EQ(page_allocator().alloc_page(), 0u);  // not initialised: nothing to give
}

// Random allocations and frees of random orders, checked after every step
// against a model that knows which pages are allocated.
TEST(PageAlloc, RandomStressMatchesAModel) {
    constexpr uint64_t kPages = 2048;  // 8 MiB: orders up to 10 can succeed
    Fixture f(kPages);
    const size_t total = f.alloc.total_page_count();
    const uint64_t first_managed = kPages - total;  // pages before it hold the table
    const auto initial_blocks = block_counts(f.alloc);

    std::mt19937 rng(99);
    std::map<uintptr_t, unsigned> live;    // block -> order
    std::vector<bool> used(kPages, false);  // page index -> allocated?
    size_t used_pages = 0;

    // Is there a free, managed run of 2^order pages aligned to its size? Then
    // a buddy allocator with complete merging must be able to allocate it.
    auto aligned_run_free = [&](unsigned order) {
        uint64_t n = uint64_t(1) << order;
        for (uint64_t start = 0; start + n <= kPages; start += n) {
            if ((kBase / P + start) % n != 0) continue;
            if (start < first_managed) continue;
            bool all = true;
            for (uint64_t i = start; i < start + n && all; i++) all = !used[i];
            if (all) return true;
        }
        return false;
    };

    for (int step = 0; step < 20000; step++) {
        bool do_alloc = live.empty() || rng() % 100 < 55;
        if (do_alloc) {
            // Mostly small orders, as in a kernel.
            unsigned order = rng() % 4 ? rng() % 3 : rng() % (PageAllocator::kMaxOrder + 1);
            uintptr_t p = f.alloc.alloc_pages(order);
            if (p == 0) {
                ASSERT_FALSE(aligned_run_free(order)) << "alloc of order " << order << " failed at step " << step;
                continue;
            }
            ASSERT_EQ(p % (P << order), 0u);
            uint64_t first = (p - kBase) / P;
            ASSERT_GE(first, first_managed);
            ASSERT_LE(first + (1u << order), kPages);
            for (uint64_t i = first; i < first + (1u << order); i++) {
                ASSERT_FALSE(used[i]) << "page " << i << " handed out twice";
                used[i] = true;
                // Tag the first and last word of each page; checked on free.
                f.ram.word(kBase + i * P)[0] = p + i;
                f.ram.word(kBase + i * P)[P / 8 - 1] = ~(p + i);
            }
            used_pages += 1u << order;
            live[p] = order;
        } else {
            auto it = live.begin();
            std::advance(it, rng() % live.size());
            auto [p, order] = *it;
            uint64_t first = (p - kBase) / P;
            for (uint64_t i = first; i < first + (1u << order); i++) {
                ASSERT_EQ(f.ram.word(kBase + i * P)[0], p + i) << "allocated page overwritten";
                ASSERT_EQ(f.ram.word(kBase + i * P)[P / 8 - 1], ~(p + i));
                used[i] = false;
            }
            ASSERT_TRUE(f.alloc.free_pages(p, order));
            used_pages -= 1u << order;
            live.erase(it);
        }
        ASSERT_EQ(f.alloc.free_page_count(), total - used_pages) << "step " << step;
    }
    for (auto [p, order] : live) ASSERT_TRUE(f.alloc.free_pages(p, order));
    EXPECT_EQ(f.alloc.free_page_count(), total);
    EXPECT_EQ(block_counts(f.alloc), initial_blocks);
    EXPECT_TRUE(g_misuse.empty());
}

}  // namespace
