// tests/host/memmap_test.cpp - kernel/mm/memmap.cpp.
//
// Besides hand-written cases, a property test: random usable and reserved
// ranges, added in random order, must give exactly the pages a simple
// page-by-page model says are free.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "kernel/mm/memmap.h"

namespace {

constexpr uint64_t P = kPageSize;

std::vector<std::pair<uint64_t, uint64_t>> ranges_of(const MemoryMap& m) {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (const PhysRange& r : m) out.emplace_back(r.base, r.size);
    return out;
}

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;

TEST(MemoryMap, EmptyByDefault) {
    MemoryMap m;
    EXPECT_EQ(m.count(), 0u);
    EXPECT_EQ(m.total_usable(), 0u);
    EXPECT_EQ(m.begin(), m.end());
    EXPECT_FALSE(m.overflowed());
}

TEST(MemoryMap, SortsAndMergesOverlappingAndTouching) {
    MemoryMap m;
    EXPECT_TRUE(m.add_usable(10 * P, 5 * P));
    EXPECT_TRUE(m.add_usable(0, 2 * P));
    EXPECT_TRUE(m.add_usable(12 * P, 10 * P));  // overlaps the first
    EXPECT_TRUE(m.add_usable(2 * P, 3 * P));    // touches [0, 2P)
    EXPECT_TRUE(m.add_usable(40 * P, 0));       // empty: ignored
    EXPECT_EQ(ranges_of(m), (Ranges{{0, 5 * P}, {10 * P, 12 * P}}));
    EXPECT_EQ(m.usable_count(), 2u);
    EXPECT_EQ(m.total_usable(), 17 * P);
}

TEST(MemoryMap, OneRangeSwallowsMany) {
    MemoryMap m;
    for (uint64_t i = 0; i < 10; i++) EXPECT_TRUE(m.add_usable(i * 4 * P, P));
    EXPECT_EQ(m.count(), 10u);
    EXPECT_TRUE(m.add_usable(P / 2, 40 * P));
    EXPECT_EQ(ranges_of(m), (Ranges{{0, 40 * P}}));  // [0, 40.5 pages) rounded down
}

TEST(MemoryMap, ReservationsCutHolesInWholePages) {
    MemoryMap m;
    EXPECT_TRUE(m.add_usable(0, 100 * P));
    m.reserve(10 * P, 5 * P);
    m.reserve(50 * P + 1, 1);  // one byte takes its whole page
    m.reserve(99 * P, 10 * P);  // sticks out past the end of RAM
    EXPECT_EQ(ranges_of(m), (Ranges{{0, 10 * P}, {15 * P, 35 * P}, {51 * P, 48 * P}}));
    EXPECT_EQ(m.total_usable(), 93 * P);
    EXPECT_EQ(m.reserved_count(), 3u);
    EXPECT_EQ(m.reserved(1).base, 50 * P);  // rounded outwards
    EXPECT_EQ(m.reserved(1).size, P);
}

TEST(MemoryMap, OrderOfCallsDoesNotMatter) {
    MemoryMap a, b;
    a.add_usable(0x100000, 0x1000000);
    a.reserve(0x200000, 0x123456);
    b.reserve(0x200000, 0x123456);  // reserved before the RAM is known
    b.add_usable(0x100000, 0x1000000);
    EXPECT_EQ(ranges_of(a), ranges_of(b));
    EXPECT_EQ(ranges_of(a), (Ranges{{0x100000, 0x100000}, {0x324000, 0x1100000 - 0x324000}}));
}

TEST(MemoryMap, UsableRangesShrinkToWholePages) {
    MemoryMap m;
    EXPECT_TRUE(m.add_usable(0x9fc00, 0x400));          // less than a page: nothing
    EXPECT_TRUE(m.add_usable(0x100001, 3 * P));          // [0x101000, 0x103000)
    EXPECT_TRUE(m.add_usable(0x200000 + 5, P - 10));     // no whole page inside
    EXPECT_EQ(ranges_of(m), (Ranges{{0x101000, 2 * P}}));
    for (const PhysRange& r : m) {
        EXPECT_EQ(r.base % P, 0u);
        EXPECT_EQ(r.size % P, 0u);
    }
}

TEST(MemoryMap, TopOfTheAddressSpace) {
    MemoryMap m;
    EXPECT_TRUE(m.add_usable(UINT64_MAX - 16 * P + 1, UINT64_MAX));  // end clamps, no wrap
    ASSERT_EQ(m.count(), 1u);
    EXPECT_EQ(m[0].base, UINT64_MAX - 16 * P + 1);
    EXPECT_EQ(m[0].end(), UINT64_MAX - P + 1);  // the last, partial page is dropped
    m.reserve(UINT64_MAX - 2, 100);
    EXPECT_EQ(m[0].end(), UINT64_MAX - P + 1);
    m.reserve(UINT64_MAX - 4 * P, 1);
    EXPECT_EQ(m.count(), 2u);
    EXPECT_EQ(m.total_usable(), 14 * P);
}

TEST(MemoryMap, TooManyUsableRangesAreDroppedAndReported) {
    MemoryMap m;
    for (uint64_t i = 0; i < MemoryMap::kMaxUsable; i++) EXPECT_TRUE(m.add_usable(i * 2 * P, P));
    EXPECT_FALSE(m.overflowed());
    EXPECT_FALSE(m.add_usable(1000 * P, P));  // a new, separate range: no room
    EXPECT_TRUE(m.overflowed());
    EXPECT_TRUE(m.add_usable(P, P));  // but one that merges still fits
    EXPECT_EQ(m.count(), MemoryMap::kMaxUsable - 1);
}

TEST(MemoryMap, TooManyReservationsFailSafe) {
    MemoryMap m;
    ASSERT_TRUE(m.add_usable(0, 1000 * P));
    std::vector<uint64_t> reserved_pages;
    for (uint64_t i = 0; i < MemoryMap::kMaxReserved + 10; i++) {
        // Gaps of varying size so "closest pair" is well defined.
        uint64_t page = i * 10 + (i % 3);
        m.reserve(page * P, P);
        reserved_pages.push_back(page);
    }
    EXPECT_TRUE(m.overflowed());
    EXPECT_EQ(m.reserved_count(), MemoryMap::kMaxReserved);
    // The safety property: no reserved page is ever handed out.
    for (uint64_t page : reserved_pages) {
        for (const PhysRange& r : m) EXPECT_FALSE(page * P >= r.base && page * P < r.end()) << page;
    }
    EXPECT_GT(m.total_usable(), 500 * P);  // and most RAM is still there
}

// The model: a page is free iff it lies wholly inside some usable range and
// touches no reserved range.
TEST(MemoryMap, RandomRangesMatchAPageModel) {
    std::mt19937_64 rng(2024);
    constexpr uint64_t kPages = 512;
    for (int round = 0; round < 300; round++) {
        struct Op {
            bool usable;
            uint64_t base, size;
        };
        std::vector<Op> ops;
        int n_usable = 1 + int(rng() % 12), n_reserved = int(rng() % 12);
        for (int i = 0; i < n_usable + n_reserved; i++) {
            uint64_t base = rng() % (kPages * P);
            uint64_t size = rng() % (rng() % 2 ? 64 * P : 3 * P);
            ops.push_back({i < n_usable, base, size});
        }
        std::shuffle(ops.begin(), ops.end(), rng);

        MemoryMap m;
        std::vector<bool> in_usable(kPages + 64, false), touched(kPages + 64, false);
        for (const Op& op : ops) {
            if (op.usable) {
                ASSERT_TRUE(m.add_usable(op.base, op.size));
            } else {
                m.reserve(op.base, op.size);
            }
        }
        // Model: byte-accurate union of usable ranges, then page by page.
        for (uint64_t page = 0; page < kPages + 64; page++) {
            uint64_t lo = page * P, hi = lo + P;
            // Wholly usable: every byte covered by the union of usable ranges.
            uint64_t covered_to = lo;
            bool progress = true;
            while (progress && covered_to < hi) {
                progress = false;
                for (const Op& op : ops) {
                    if (op.usable && op.size && op.base <= covered_to && op.base + op.size > covered_to) {
                        covered_to = op.base + op.size;
                        progress = true;
                    }
                }
            }
            in_usable[page] = covered_to >= hi;
            for (const Op& op : ops) {
                if (!op.usable && op.size && op.base < hi && op.base + op.size > lo) touched[page] = true;
            }
        }
        std::set<uint64_t> want, got;
        for (uint64_t page = 0; page < kPages + 64; page++)
            if (in_usable[page] && !touched[page]) want.insert(page);
        uint64_t previous_end = 0;
        for (size_t i = 0; i < m.count(); i++) {
            const PhysRange& r = m[i];
            ASSERT_EQ(r.base % P, 0u);
            ASSERT_EQ(r.size % P, 0u);
            ASSERT_GT(r.size, 0u);
            if (i > 0) {
                ASSERT_GT(r.base, previous_end) << "ranges must be sorted, apart";
            }
            previous_end = r.end();
            for (uint64_t a = r.base; a < r.end(); a += P) got.insert(a / P);
        }
        ASSERT_EQ(got, want) << "round " << round;
        ASSERT_EQ(m.total_usable(), want.size() * P);
    }
}

}  // namespace
