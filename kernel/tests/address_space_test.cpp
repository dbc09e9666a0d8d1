// kernel/tests/address_space_test.cpp - ktests of AddressSpace (regions,
// demand paging, mprotect, brk, copy_in) and of the mmap family's argument
// checks. They run in kernel context with no current process: each test
// makes its own address space, never activates it, and inspects it through
// regions(), its page table's lookup() and the direct map. Every test ends
// with a leak check: free pages and heap objects as before.
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/mm_syscalls.h"
#include "kernel/tests/mm_test_support.h"

namespace {

constexpr uint32_t kRW = kProtRead | kProtWrite;
constexpr uintptr_t kPage = kPageSize;
constexpr size_t kMaxRegions = 16;

struct Regions {
    RegionInfo r[kMaxRegions];
    size_t count;
    explicit Regions(AddressSpace* mm) { count = mm->regions(r, kMaxRegions); }
};

bool has_region(AddressSpace* mm, uintptr_t start, uintptr_t end, uint32_t prot) {
    Regions regions(mm);
    for (size_t i = 0; i < regions.count && i < kMaxRegions; i++)
        if (regions.r[i].start == start && regions.r[i].end == end && regions.r[i].prot == prot)
            return true;
    return false;
}

bool fault(AddressSpace* mm, uintptr_t address, bool write = false, bool exec = false) {
    return mm->handle_fault(address, write, exec, nullptr);
}

}  // namespace

KTEST(mm_regions_bookkeeping) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;

    // Top-down below kUserMmapTop: the first mapping ends right there, the
    // next one just below it.
    long a = mm->map_anonymous(0, 3 * kPage, kRW, false);
    EXPECT_EQ(t, a, kUserMmapTop - 3 * kPage);
    long b = mm->map_anonymous(0, 100, kProtRead, false);  // rounded up to a page
    EXPECT_EQ(t, b, a - kPage);
    EXPECT_EQ(t, Regions(mm).count, 2);  // different prot: not merged
    long c = mm->map_anonymous(0, kPage, kProtRead, false);
    EXPECT_EQ(t, c, b - kPage);
    EXPECT_EQ(t, Regions(mm).count, 2);  // merged with b
    EXPECT(t, has_region(mm, uintptr_t(c), uintptr_t(b) + kPage, kProtRead));

    // Fixed, then a hole punched in the middle: two regions.
    constexpr uintptr_t X = 0x10000000;
    EXPECT_EQ(t, mm->map_anonymous(X, 5 * kPage, kRW, true), X);
    EXPECT_EQ(t, mm->unmap(X + 2 * kPage, kPage), 0);
    EXPECT(t, has_region(mm, X, X + 2 * kPage, kRW));
    EXPECT(t, has_region(mm, X + 3 * kPage, X + 5 * kPage, kRW));
    // mprotect over the hole fails and changes nothing; inside, it splits.
    EXPECT_EQ(t, mm->protect(X, 5 * kPage, kProtRead), -ENOMEM);
    EXPECT(t, has_region(mm, X, X + 2 * kPage, kRW));
    EXPECT_EQ(t, mm->protect(X + kPage, kPage, kProtRead), 0);
    EXPECT(t, has_region(mm, X, X + kPage, kRW));
    EXPECT(t, has_region(mm, X + kPage, X + 2 * kPage, kProtRead));
    EXPECT_EQ(t, Regions(mm).count, 5);

    // A hint is taken (rounded up to a page) if free, else ignored.
    EXPECT_EQ(t, mm->map_anonymous(0x20000123, kPage, kRW, false), 0x20001000);
    long moved = mm->map_anonymous(X, kPage, kRW, false);
    EXPECT(t, moved > 0 && uintptr_t(moved) != X);

    // MAP_FIXED replaces pieces of two regions; NOREPLACE refuses.
    EXPECT_EQ(t, mm->map(X + kPage, 3 * kPage, kProtRead | kProtExec, MapPlacement::kFixedNoReplace,
                         RegionKind::kAnonymous),
              -EEXIST);
    EXPECT_EQ(t, mm->map_anonymous(X + kPage, 3 * kPage, kProtRead | kProtExec, true), X + kPage);
    EXPECT(t, has_region(mm, X, X + kPage, kRW));
    EXPECT(t, has_region(mm, X + kPage, X + 4 * kPage, kProtRead | kProtExec));
    EXPECT(t, has_region(mm, X + 4 * kPage, X + 5 * kPage, kRW));
    EXPECT_EQ(t, mm->map(X + 5 * kPage, kPage, kRW, MapPlacement::kFixedNoReplace, RegionKind::kAnonymous),
              X + 5 * kPage);
    EXPECT(t, has_region(mm, X + 4 * kPage, X + 6 * kPage, kRW));  // merged

    // Unmapping across several regions and holes; then nothing is left there.
    EXPECT_EQ(t, mm->unmap(X - 16 * kPage, 64 * kPage), 0);
    EXPECT(t, !fault(mm, X));
    // Regions stay sorted and disjoint throughout.
    Regions all(mm);
    for (size_t i = 1; i < all.count; i++) EXPECT(t, all.r[i - 1].end <= all.r[i].start);

    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_demand_fault_allocates_one_page) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    constexpr uintptr_t X = 0x40000000;
    EXPECT_EQ(t, mm->map_anonymous(X, 4 * kPage, kRW, true), X);
    EXPECT_EQ(t, mm->resident_pages(), 0);  // mmap itself allocates nothing

    EXPECT(t, fault(mm, X + kPage + 0x234, true));
    EXPECT_EQ(t, mm->resident_pages(), 1);
    EXPECT_EQ(t, page_flags_at(mm, X + kPage), arch::kMapUser | arch::kMapRead | arch::kMapWrite);
    EXPECT_EQ(t, page_flags_at(mm, X), 0);
    EXPECT_EQ(t, page_flags_at(mm, X + 2 * kPage), 0);
    // The frame is zeroed.
    static uint8_t page[kPageSize];
    EXPECT(t, read_user_memory(mm, X + kPage, page, kPageSize));
    bool zero = true;
    for (uint8_t byte : page) zero &= byte == 0;
    EXPECT(t, zero);
    // Faulting again on a resident page (another thread won the race)
    // allocates nothing.
    EXPECT(t, fault(mm, X + kPage, true));
    EXPECT_EQ(t, mm->resident_pages(), 1);

    // With the page tables for this area in place, one more fault costs
    // exactly one frame, and unmapping gives it back.
    size_t before = page_allocator().free_page_count();
    EXPECT(t, fault(mm, X + 3 * kPage));
    EXPECT_EQ(t, page_allocator().free_page_count(), before - 1);
    EXPECT_EQ(t, mm->resident_pages(), 2);
    EXPECT_EQ(t, mm->unmap(X + 3 * kPage, kPage), 0);
    EXPECT_EQ(t, page_allocator().free_page_count(), before);
    EXPECT_EQ(t, page_flags_at(mm, X + 3 * kPage), 0);
    EXPECT_EQ(t, mm->resident_pages(), 1);

    // Unmapping a partly resident range is fine (munmap semantics).
    EXPECT_EQ(t, mm->unmap(X, 4 * kPage), 0);
    EXPECT_EQ(t, mm->resident_pages(), 0);
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_fault_permissions_and_stack_guard) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    constexpr uintptr_t RO = 0x1000000, RX = 0x2000000, NONE = 0x3000000, WO = 0x4000000;
    mm->map_anonymous(RO, kPage, kProtRead, true);
    mm->map_anonymous(RX, kPage, kProtRead | kProtExec, true);
    mm->map_anonymous(NONE, kPage, 0, true);
    mm->map_anonymous(WO, kPage, kProtWrite, true);

    EXPECT(t, !fault(mm, RO, true));          // write to read-only
    EXPECT(t, !fault(mm, RO, false, true));   // execute non-executable
    EXPECT(t, fault(mm, RO));
    EXPECT_EQ(t, page_flags_at(mm, RO), arch::kMapUser | arch::kMapRead);
    EXPECT(t, fault(mm, RX, false, true));
    EXPECT_EQ(t, page_flags_at(mm, RX), arch::kMapUser | arch::kMapRead | arch::kMapExec);
    EXPECT(t, !fault(mm, NONE));              // PROT_NONE: nothing at all
    EXPECT(t, fault(mm, WO));                 // write-only reads: the CPU cannot refuse
    EXPECT(t, !fault(mm, 0x5000000));         // no region
    EXPECT(t, !fault(mm, arch::kUserTop));    // not user space
    EXPECT(t, !fault(mm, ~uintptr_t(0)));

    // The guard gap below a stack region.
    constexpr uintptr_t S = 0x7000000000;
    EXPECT_EQ(t, mm->map(S, 16 * kPage, kRW, MapPlacement::kFixed, RegionKind::kStack), S);
    bool guard = false;
    EXPECT(t, mm->handle_fault(S + 5, true, false, &guard));
    EXPECT(t, !guard);
    EXPECT(t, !mm->handle_fault(S - 8, true, false, &guard));
    EXPECT(t, guard);
    EXPECT(t, mm->in_stack_guard(S - kStackGuardGap));
    EXPECT(t, !mm->in_stack_guard(S - kStackGuardGap - 1));
    EXPECT(t, !mm->handle_fault(S - kStackGuardGap - kPage, true, false, &guard));
    EXPECT(t, !guard);
    // A region mapped into the gap is its own: no stack overflow there.
    mm->map_anonymous(S - 2 * kPage, kPage, kProtRead, true);
    EXPECT(t, !mm->handle_fault(S - 2 * kPage, true, false, &guard));
    EXPECT(t, !guard);

    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_protect_updates_pages) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    constexpr uintptr_t X = 0x50000000;
    mm->map_anonymous(X, 4 * kPage, kRW, true);
    for (uint64_t i = 0; i < 4; i++) {
        uint64_t marker = 0x1111 * (i + 1);
        EXPECT_EQ(t, mm->copy_in(X + i * kPage, &marker, sizeof marker), 0);
    }
    EXPECT_EQ(t, mm->resident_pages(), 4);

    EXPECT_EQ(t, mm->protect(X + kPage, 2 * kPage, kProtRead), 0);
    EXPECT_EQ(t, Regions(mm).count, 3);
    EXPECT_EQ(t, page_flags_at(mm, X), arch::kMapUser | arch::kMapRead | arch::kMapWrite);
    EXPECT_EQ(t, page_flags_at(mm, X + kPage), arch::kMapUser | arch::kMapRead);
    EXPECT_EQ(t, page_flags_at(mm, X + 2 * kPage), arch::kMapUser | arch::kMapRead);
    EXPECT_EQ(t, page_flags_at(mm, X + 3 * kPage), arch::kMapUser | arch::kMapRead | arch::kMapWrite);
    EXPECT(t, !fault(mm, X + kPage, true));

    // PROT_NONE keeps the frames (kernel-only), so their contents survive.
    EXPECT_EQ(t, mm->protect(X, 4 * kPage, 0), 0);
    EXPECT_EQ(t, Regions(mm).count, 1);
    EXPECT_EQ(t, page_flags_at(mm, X) & arch::kMapUser, 0);
    EXPECT(t, !fault(mm, X));
    EXPECT_EQ(t, mm->resident_pages(), 4);

    EXPECT_EQ(t, mm->protect(X, 4 * kPage, kRW), 0);
    EXPECT_EQ(t, Regions(mm).count, 1);
    for (uint64_t i = 0; i < 4; i++) {
        EXPECT_EQ(t, page_flags_at(mm, X + i * kPage), arch::kMapUser | arch::kMapRead | arch::kMapWrite);
        EXPECT_EQ(t, read_user_word(mm, X + i * kPage), 0x1111 * (i + 1));
    }

    EXPECT_EQ(t, mm->protect(X + 1, kPage, kProtRead), -EINVAL);
    EXPECT_EQ(t, mm->protect(X, kPage, 8), -EINVAL);
    EXPECT_EQ(t, mm->protect(X, 0, kProtRead), 0);
    EXPECT_EQ(t, mm->protect(X, ~size_t(0), kProtRead), -ENOMEM);
    EXPECT_EQ(t, mm->protect(0x60000000, kPage, kProtRead), -ENOMEM);  // nothing there
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_brk_grows_and_shrinks) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    EXPECT_EQ(t, mm->brk(0x1000), 0);  // no program, no heap

    mm->set_brk_base(0x600123);
    constexpr uintptr_t B = 0x601000;
    EXPECT_EQ(t, mm->brk(0), B);
    EXPECT_EQ(t, mm->brk(B + 100), B + 100);
    EXPECT(t, has_region(mm, B, B + kPage, kRW));
    EXPECT(t, fault(mm, B + 50, true));
    EXPECT(t, !fault(mm, B + kPage, true));  // past the break's page

    EXPECT_EQ(t, mm->brk(B + 3 * kPage + 5), B + 3 * kPage + 5);
    EXPECT(t, has_region(mm, B, B + 4 * kPage, kRW));
    for (uintptr_t p = B + kPage; p < B + 4 * kPage; p += kPage) EXPECT(t, fault(mm, p, true));
    EXPECT_EQ(t, mm->resident_pages(), 4);

    // Shrinking frees the pages above the new break.
    EXPECT_EQ(t, mm->brk(B + kPage), B + kPage);
    EXPECT_EQ(t, mm->resident_pages(), 1);
    EXPECT(t, has_region(mm, B, B + kPage, kRW));

    // Failures answer with the old break.
    EXPECT_EQ(t, mm->brk(B - 1), B + kPage);
    EXPECT_EQ(t, mm->brk(arch::kUserTop + 5), B + kPage);
    EXPECT_EQ(t, mm->brk(~uintptr_t(0)), B + kPage);
    mm->map_anonymous(B + 3 * kPage, kPage, kProtRead, true);  // something in the way
    EXPECT_EQ(t, mm->brk(B + 5 * kPage), B + kPage);
    EXPECT_EQ(t, mm->brk(B + 3 * kPage), B + 3 * kPage);   // up to it is fine

    EXPECT_EQ(t, mm->brk(B), B);
    EXPECT_EQ(t, mm->resident_pages(), 0);
    EXPECT_EQ(t, Regions(mm).count, 1);  // only the read-only page
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_huge_and_bad_sizes) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    const uintptr_t top = arch::kUserTop;
    EXPECT_EQ(t, mm->map_anonymous(0, 0, kRW, false), -EINVAL);
    EXPECT_EQ(t, mm->map_anonymous(0, ~size_t(0), kRW, false), -ENOMEM);
    EXPECT_EQ(t, mm->map_anonymous(0, ~size_t(0) - kPage + 2, kRW, false), -ENOMEM);  // page_up would wrap
    EXPECT_EQ(t, mm->map_anonymous(0, top, kRW, false), -ENOMEM);
    EXPECT_EQ(t, mm->map_anonymous(0, top + 1, kRW, false), -ENOMEM);
    EXPECT_EQ(t, mm->map_anonymous(top - kPage, 2 * kPage, kRW, true), -ENOMEM);
    EXPECT_EQ(t, mm->map_anonymous(~uintptr_t(0) & ~(kPage - 1), kPage, kRW, true), -ENOMEM);
    EXPECT_EQ(t, mm->map_anonymous(0x10000001, kPage, kRW, true), -EINVAL);
    EXPECT_EQ(t, mm->map_anonymous(0, kPage, kRW, true), -EPERM);
    EXPECT_EQ(t, mm->map_anonymous(0x10000000, kPage, 8, true), -EINVAL);
    long hinted = mm->map_anonymous(~uintptr_t(0) - 5, kPage, kRW, false);  // useless hint
    EXPECT_EQ(t, hinted, kUserMmapTop - kPage);
    EXPECT_EQ(t, mm->map_anonymous(top - kPage, kPage, kRW, true), top - kPage);  // the very last page
    EXPECT(t, fault(mm, top - 1, true));

    EXPECT_EQ(t, mm->unmap(0x10000001, kPage), -EINVAL);
    EXPECT_EQ(t, mm->unmap(0x10000000, 0), -EINVAL);
    EXPECT_EQ(t, mm->unmap(0x10000000, ~size_t(0)), -EINVAL);
    EXPECT_EQ(t, mm->unmap(top, kPage), -EINVAL);
    EXPECT_EQ(t, mm->unmap(0x10000000, kPage), 0);  // nothing there: fine

    // A 64 GiB region touched at both ends: two frames, and unmapping it
    // does not look at 16 million pages (the chunk index).
    constexpr size_t kHuge = size_t(64) << 30;
    long huge = mm->map_anonymous(0, kHuge, kRW, false);
    EXPECT(t, huge > 0);
    EXPECT(t, fault(mm, uintptr_t(huge), true));
    EXPECT(t, fault(mm, uintptr_t(huge) + kHuge - 1, true));
    EXPECT_EQ(t, mm->resident_pages(), 3);
    EXPECT_EQ(t, mm->unmap(uintptr_t(huge), kHuge), 0);
    EXPECT_EQ(t, mm->resident_pages(), 1);

    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_mmap_argument_checks) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    constexpr int kAnonPrivate = kMapAnonymous | kMapPrivate;
    EXPECT_EQ(t, do_mmap(mm, 0, 0, kRW, kAnonPrivate, -1, 0), -EINVAL);
    EXPECT_EQ(t, do_mmap(mm, 0, kPage, kRW, kMapAnonymous, -1, 0), -EINVAL);  // no type
    EXPECT_EQ(t, do_mmap(mm, 0, kPage, kRW, kAnonPrivate | 0x0100, -1, 0), -EINVAL);  // GROWSDOWN
    EXPECT_EQ(t, do_mmap(mm, 0, kPage, kRW, kAnonPrivate | 0x40000, -1, 0), -EINVAL);  // HUGETLB
    EXPECT_EQ(t, do_mmap(mm, 0, kPage, kRW, kAnonPrivate, -1, 100), -EINVAL);
    EXPECT_EQ(t, do_mmap(mm, 0, kPage, kRW, kMapPrivate, 3, 0), -ENODEV);  // a file
    EXPECT_EQ(t, do_mmap(mm, 0, kPage, kRW, kMapPrivate, -1, 0), -EBADF);
    EXPECT_EQ(t, do_mmap(mm, 0, ~size_t(0), kRW, kAnonPrivate, -1, 0), -ENOMEM);
    EXPECT_EQ(t, do_mmap(mm, 0, kPage, 0x10, kAnonPrivate, -1, 0), -EINVAL);

    long a = do_mmap(mm, 0, 10000, kRW, kAnonPrivate | kMapNoReserve | kMapStack, -1, 0);
    EXPECT_EQ(t, a, kUserMmapTop - 3 * kPage);
    long b = do_mmap(mm, 0, kPage, kProtRead, kMapAnonymous | kMapShared, 7, 0);  // fd ignored
    EXPECT_EQ(t, b, a - kPage);
    EXPECT_EQ(t, do_mmap(mm, uintptr_t(a), kPage, kRW, kAnonPrivate | kMapFixedNoReplace, -1, 0), -EEXIST);
    EXPECT_EQ(t, do_mmap(mm, uintptr_t(a) + 1, kPage, kRW, kAnonPrivate | kMapFixed, -1, 0), -EINVAL);
    EXPECT_EQ(t, do_mmap(mm, uintptr_t(a), kPage, kProtRead, kAnonPrivate | kMapFixed, -1, 0), a);

    EXPECT_EQ(t, do_mprotect(mm, uintptr_t(a), 3 * kPage, kProtRead | kProtExec), 0);
    EXPECT(t, has_region(mm, uintptr_t(a), uintptr_t(a) + 3 * kPage, kProtRead | kProtExec));
    EXPECT_EQ(t, do_munmap(mm, uintptr_t(a) + 5, kPage), -EINVAL);
    EXPECT_EQ(t, do_munmap(mm, uintptr_t(b), 4 * kPage), 0);
    EXPECT_EQ(t, Regions(mm).count, 0);
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_copy_in) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    constexpr uintptr_t X = 0x70000000;
    mm->map_anonymous(X, 2 * kPage, kProtRead, true);  // the loader may write read-only pages
    const char text[] = "across a page";
    EXPECT_EQ(t, mm->copy_in(X + kPage - 6, text, sizeof text), 0);
    EXPECT_EQ(t, mm->resident_pages(), 2);
    char back[sizeof text] = {};
    EXPECT(t, read_user_memory(mm, X + kPage - 6, back, sizeof back));
    EXPECT(t, memcmp(back, text, sizeof text) == 0);
    EXPECT_EQ(t, page_flags_at(mm, X), arch::kMapUser | arch::kMapRead);

    EXPECT_EQ(t, mm->copy_in(X + 2 * kPage, text, 1), -EFAULT);         // no region
    EXPECT_EQ(t, mm->copy_in(X + 2 * kPage - 2, text, 4), -EFAULT);     // runs off the end
    EXPECT_EQ(t, mm->copy_in(arch::kUserTop - 1, text, 2), -EFAULT);
    EXPECT_EQ(t, mm->copy_in(X, text, ~size_t(0)), -EFAULT);
    EXPECT_EQ(t, mm->copy_in(X, text, 0), 0);
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_fixed_mapping_frees_replaced_pages) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    constexpr uintptr_t X = 0x80000000;
    mm->map_anonymous(X, 4 * kPage, kRW, true);
    uint64_t marker = 0xfeedface;
    for (uintptr_t p = X; p < X + 4 * kPage; p += kPage) mm->copy_in(p, &marker, sizeof marker);
    EXPECT_EQ(t, mm->resident_pages(), 4);
    EXPECT_EQ(t, mm->map_anonymous(X + kPage, 2 * kPage, kRW, true), X + kPage);
    EXPECT_EQ(t, mm->resident_pages(), 2);
    EXPECT(t, fault(mm, X + kPage, true));
    EXPECT_EQ(t, read_user_word(mm, X + kPage), 0);  // fresh memory, not the old page
    EXPECT_EQ(t, read_user_word(mm, X), 0xfeedface);
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(mm_shared_address_space_lives_until_last_put) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    // Pages scattered over several 2 MiB chunks, and regions of every kind.
    constexpr uintptr_t X = 0x90000000;
    mm->map_anonymous(X, 64 << 20, kRW, true);
    for (uintptr_t p = X; p < X + (64 << 20); p += (3 << 20) + kPage) EXPECT(t, fault(mm, p, true));
    mm->map(0x400000, 2 * kPage, kProtRead | kProtExec, MapPlacement::kFixed, RegionKind::kElf);
    EXPECT(t, fault(mm, 0x400000, false, true));
    size_t resident = mm->resident_pages();
    EXPECT(t, resident > 20);

    mm->get();  // a second thread
    mm->put();  // it exits: nothing is freed
    EXPECT_EQ(t, mm->resident_pages(), resident);
    EXPECT(t, fault(mm, X + kPage, true));
    mm->put();  // the last one frees it all
    EXPECT(t, leaks.clean());
}
