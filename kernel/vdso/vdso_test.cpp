// kernel/vdso/vdso_test.cpp - ktests of the vDSO's kernel side: the data page
// the tick keeps fresh, and mapping the vDSO into an address space. (The user
// side - calling the vDSO - is tested by user/tests/vdso_tests.cpp in the
// guest and tests/run_vdso_host_tests.sh on the build machine.)
//
// The tests read the vvar page as the vDSO does, with the same sequence count
// and formula (read_vvar below is a kernel-side copy of user/vdso/vdso.cpp's
// read_clock), and hold it against the kernel's own monotonic_ns().
#include "arch/arch.h"
#include "kernel/cmdline_args.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/tests/mm_test_support.h"
#include "kernel/time.h"
#include "kernel/vdso/vdso.h"
#include "kernel/vdso/vvar.h"

namespace {

constexpr uint64_t kNsPerSec = 1000000000;

struct VvarReading {
    uint64_t ns;       // the clock, in ns
    uint32_t retries;  // how often the sequence count sent us round again
};

// The vDSO's reader (user/vdso/vdso.cpp read_clock), at counter value `now`
// if nonzero, else at the counter read inside the loop.
VvarReading read_vvar(const VvarPage* vv, unsigned clock, uint64_t now = 0) {
    VvarReading r = {0, 0};
    for (;; r.retries++) {
        uint32_t seq = __atomic_load_n(&vv->seq, __ATOMIC_ACQUIRE);
        if (seq & 1) continue;
        uint64_t mult = __atomic_load_n(&vv->mult, __ATOMIC_RELAXED);
        uint64_t snsec = __atomic_load_n(&vv->base[clock].snsec, __ATOMIC_RELAXED);
        uint64_t sec = __atomic_load_n(&vv->base[clock].sec, __ATOMIC_RELAXED);
        uint64_t counter = now ? now : arch::cycle_counter();
        uint64_t delta = counter - __atomic_load_n(&vv->cycle_last, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&vv->seq, __ATOMIC_RELAXED) != seq) continue;
        if (int64_t(delta) < 0) delta = 0;
        uint64_t ns = uint64_t(((unsigned __int128)delta * mult + snsec) >> kVvarShift);
        r.ns = sec * kNsPerSec + ns;
        return r;
    }
}

}  // namespace

KTEST(vvar_page_initialised) {
    const VvarPage* vv = vvar_page();
    if (!EXPECT(t, vv != nullptr)) return;
    EXPECT(t, vvar_page_phys() % kPageSize == 0);
    EXPECT_EQ(t, uintptr_t(vv), arch::phys_to_virt(vvar_page_phys()));
    EXPECT_EQ(t, vv->seq % 2, 0);
    EXPECT_EQ(t, vv->shift, kVvarShift);
    EXPECT_EQ(t, vv->counter_hz, arch::cycle_counter_hz());
    // kernel/time.cpp's scale.
    EXPECT_EQ(t, vv->mult, (kNsPerSec << kVvarShift) / arch::cycle_counter_hz());
    EXPECT_EQ(t, vv->counter_mode, kVvarCounterUser);
    EXPECT_EQ(t, vv->hres_mask, 1u << kVvarClockRealtime | 1u << kVvarClockMonotonic |
                                    1u << kVvarClockMonotonicRaw | 1u << kVvarClockBoottime);
    EXPECT_EQ(t, vv->coarse_ns, kNsPerSec / kHz);
    // Still an allocated page (nobody freed it under us).
    uintptr_t block;
    unsigned order;
    EXPECT(t, page_allocator().find_allocated_block(vvar_page_phys(), &block, &order));
}

// What the vDSO computes lies between two readings of the kernel's clock
// taken around the counter value it used: the same clock, not a close one.
// Realtime is monotonic plus a constant (until something sets the clock).
KTEST(vvar_agrees_with_monotonic_ns) {
    const VvarPage* vv = vvar_page();
    if (!EXPECT(t, vv != nullptr)) return;
    uint64_t offset = 0;
    for (int i = 0; i < 1000; i++) {
        // Both clocks are read at one fixed counter value. If the tick
        // (CPU 0's, maybe on another CPU) updates the page in between, the
        // bases may have moved past that value and the reader clamps (as the
        // vDSO does for a counter behind cycle_last): that pair is not
        // comparable, so take it again.
        uint64_t updates = __atomic_load_n(&vv->updates, __ATOMIC_ACQUIRE);
        uint64_t before = monotonic_ns();
        uint64_t counter = arch::cycle_counter();
        uint64_t after = monotonic_ns();
        uint64_t mono = read_vvar(vv, kVvarClockMonotonic, counter).ns;
        if (!EXPECT(t, before <= mono && mono <= after)) {
            kprintf("  before %lu vvar %lu after %lu\n", before, mono, after);
            return;
        }
        uint64_t real = read_vvar(vv, kVvarClockRealtime, counter).ns;
        if (__atomic_load_n(&vv->updates, __ATOMIC_ACQUIRE) != updates) {
            i--;
            continue;
        }
        if (i == 0) offset = real - mono;
        if (!EXPECT_EQ(t, real - mono, offset)) return;
    }
    EXPECT(t, offset > 50 * 365 * 86400 * kNsPerSec);  // realtime counts from 1970
}

// An update moves the bases forward, the count by two, and changes no
// answer: the clock at one counter value is the same before and after.
KTEST(vvar_update_keeps_time_exact) {
    const VvarPage* vv = vvar_page();
    if (!EXPECT(t, vv != nullptr)) return;
    InterruptsOffGuard no_ticks;  // only our updates in between
    uint64_t counter = arch::cycle_counter();
    uint64_t t_before = read_vvar(vv, kVvarClockMonotonic, counter + 12345).ns;
    uint32_t seq = vv->seq;
    uint64_t updates = vv->updates;
    vvar_update();
    EXPECT_EQ(t, vv->seq, seq + 2);
    EXPECT_EQ(t, vv->updates, updates + 1);
    EXPECT(t, vv->cycle_last >= counter);
    if (vv->cycle_last <= counter + 12345) {
        // The same counter value through the new base: not one ns off.
        EXPECT_EQ(t, read_vvar(vv, kVvarClockMonotonic, counter + 12345).ns, t_before);
    }
}

// The tick rewrites the page while this loop reads it on the same CPU: an
// interrupt landing between the two reads of `seq` must send the reader round
// again, and time must never run backwards. Half a second: about 50 ticks.
KTEST(vvar_reader_vs_tick) {
    const VvarPage* vv = vvar_page();
    if (!EXPECT(t, vv != nullptr)) return;
    if (!EXPECT(t, arch::interrupts_enabled())) return;
    uint64_t start_updates = vv->updates, last = 0, reads = 0, retries = 0;
    uint64_t end = ticks() + kHz / 2;
    while (ticks() < end) {
        VvarReading r = read_vvar(vv, kVvarClockMonotonic);
        retries += r.retries;
        reads++;
        if (!EXPECT(t, r.ns >= last)) return;
        last = r.ns;
    }
    EXPECT(t, vv->updates - start_updates >= kHz / 4);  // the tick does update it
    kprintf("  %lu reads, %lu retries, %lu updates\n", reads, retries, vv->updates - start_updates);
}

KTEST(vdso_image_is_an_elf_shared_object) {
    EXPECT(t, vdso_image_ok());
    EXPECT(t, vdso_image_pages() >= 1);
    EXPECT_EQ(t, uintptr_t(vdso_image_start) % kPageSize, 0);
}

// vdso_map puts the two pieces where vdso.h says, with the right rights, as
// pages the address space does not own: unmapping them or dropping the
// address space frees nothing of theirs.
KTEST(vdso_map_maps_shared_pages) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    uintptr_t base = 1;
    EXPECT_EQ(t, vdso_map(mm, &base), 0);
    if (!vdso_enabled()) {  // vdso=off: nothing mapped, no AT_SYSINFO_EHDR
        EXPECT_EQ(t, base, 0);
        EXPECT_EQ(t, mm->regions(nullptr, 0), 0);
        mm->put();
        EXPECT(t, leaks.clean());
        return;
    }
    EXPECT_EQ(t, base, kVdsoTextAddress);
    uintptr_t pa;
    uint32_t flags;
    if (EXPECT(t, mm->page_table().lookup(kVdsoVvarAddress, &pa, &flags))) {
        EXPECT_EQ(t, pa, vvar_page_phys());
        EXPECT_EQ(t, flags & (arch::kMapUser | arch::kMapRead | arch::kMapWrite | arch::kMapExec),
                  arch::kMapUser | arch::kMapRead);
    }
    for (size_t i = 0; i < vdso_image_pages(); i++) {
        if (!EXPECT(t, mm->page_table().lookup(base + i * kPageSize, &pa, &flags))) break;
        EXPECT_EQ(t, pa, arch::virt_to_phys(uintptr_t(vdso_image_start)) + i * kPageSize);
        EXPECT_EQ(t, flags & (arch::kMapUser | arch::kMapRead | arch::kMapWrite | arch::kMapExec),
                  arch::kMapUser | arch::kMapRead | arch::kMapExec);
    }
    EXPECT_EQ(t, mm->resident_pages(), 0);  // not ours
    // A write to either is refused (SIGSEGV), and no frame appears for it.
    EXPECT(t, !mm->handle_fault(kVdsoVvarAddress, true, false, nullptr));
    EXPECT(t, !mm->handle_fault(base, true, false, nullptr));
    EXPECT(t, !mm->handle_fault(kVdsoVvarAddress, false, true, nullptr));  // no exec of data
    EXPECT(t, mm->handle_fault(base, false, true, nullptr));             // code runs
    EXPECT_EQ(t, mm->protect(kVdsoVvarAddress, kPageSize, kProtRead | kProtWrite), -EACCES);
    char byte = 0;
    EXPECT_EQ(t, mm->copy_in(kVdsoVvarAddress, &byte, 1), -EFAULT);
    // A second mapping over it is refused; the program cannot sit there.
    uintptr_t again;
    EXPECT_EQ(t, vdso_map(mm, &again), -EEXIST);
    EXPECT_EQ(t, again, 0);
    // The program's own pages next to them - the top of the stack shares a 2 MiB
    // piece of the address space (and a last-level page table) with the vDSO - are
    // released as usual, the shared pages beside them are not: neither by munmap
    // of a range over both nor when the address space dies.
    constexpr uintptr_t kStackPage = kUserStackTop - kPageSize;
    EXPECT_EQ(t, mm->map(kUserStackTop - 4 * kPageSize, 4 * kPageSize, kProtRead | kProtWrite,
                         MapPlacement::kFixedNoReplace, RegionKind::kStack),
              long(kUserStackTop - 4 * kPageSize));
    EXPECT(t, mm->handle_fault(kStackPage, true, false, nullptr));
    EXPECT_EQ(t, mm->resident_pages(), 1);
    EXPECT_EQ(t, mm->unmap(kStackPage, kVdsoVvarAddress + kPageSize - kStackPage), 0);
    EXPECT_EQ(t, mm->resident_pages(), 0);
    EXPECT(t, !mm->page_table().lookup(kVdsoVvarAddress, &pa, &flags));  // unmapped...
    EXPECT(t, mm->page_table().lookup(base, &pa, &flags));  // ...up to where we said
    EXPECT(t, mm->handle_fault(kStackPage - kPageSize, true, false, nullptr));
    mm->put();  // a resident stack page and the vDSO code in one chunk
    EXPECT(t, leaks.clean());  // tables and regions back; shared pages never were ours
    uintptr_t block;
    unsigned order;
    EXPECT(t, page_allocator().find_allocated_block(vvar_page_phys(), &block, &order));
    EXPECT(t, vdso_image_ok());  // the code pages untouched
}

// `vdso=off` really switches it off; run with and without it.
KTEST(vdso_cmdline_switch) {
    bool want = kernel_args().get_bool("vdso", true);
    EXPECT_EQ(t, vdso_enabled(), want);
}
