// kernel/vdso/vvar.cpp - the kernel's side of the vDSO data page: it writes
// the clock into the page every tick (the layout and the protocol are in
// vvar.h). Linux's counterpart: update_vsyscall() in kernel/time/vsyscall.c,
// called by the timekeeping core on every tick.
#include "kernel/vdso/vvar.h"

#include "arch/arch.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/sync/spinlock.h"

namespace {

// The page, through the direct map; nullptr until vvar_init.
VvarPage* g_page;
uintptr_t g_page_phys;
VvarClockSource g_source;
// One writer at a time: the tick on CPU 0 and vvar_set_getcpu_mode. (Readers
// never take it: that is the point of the sequence count.) Linux's
// timekeeper_lock plays this part.
SpinLock g_write_lock;

// The clocks the vDSO answers: every clock the system call derives from the
// counter, except the per-thread/process CPU-time clocks, which need the
// kernel's accounting (Linux's vDSO does not serve them either).
constexpr uint32_t kHresClocks = 1u << kVvarClockRealtime | 1u << kVvarClockMonotonic |
                                 1u << kVvarClockMonotonicRaw | 1u << kVvarClockBoottime;
constexpr uint32_t kCoarseClocks = 1u << kVvarClockRealtimeCoarse | 1u << kVvarClockMonotonicCoarse;
constexpr uint64_t kNsPerSec = 1000000000;

// A field store the compiler must emit as one whole store (no tearing, no
// merging, no moving it out of the write section): Linux's WRITE_ONCE.
template <typename T>
void write_once(T* field, T value) {
    __atomic_store_n(field, value, __ATOMIC_RELAXED);
}

// The writer's half of the sequence count, around `write` (Linux's
// write_seqcount_begin / write_seqcount_end, and vdso_write_begin/end).
template <typename Write>
void publish(VvarPage* page, Write write) {
    uint32_t seq = page->seq;  // only writers change it, and we are the writer
    write_once(&page->seq, seq + 1);  // odd: "being written"
    // smp_wmb(): the odd count must be visible to other CPUs before any of
    // the new field values are. A release fence orders every earlier access
    // before every later store. x86-64 never reorders stores with stores
    // (TSO), so there it only stops the compiler; on AArch64 it is a
    // `dmb ish` (Linux's smp_wmb is the slightly weaker `dmb ishst`).
    __atomic_thread_fence(__ATOMIC_RELEASE);
    write(page);
    // smp_wmb() again, folded into a store-release (`stlr` on AArch64, a
    // plain store on x86-64): every field store is visible before the even
    // count that says "consistent". A reader that sees the new count with an
    // acquire load therefore sees all the new fields.
    __atomic_store_n(&page->seq, seq + 2, __ATOMIC_RELEASE);
}

void write_timestamp(VvarTimestamp* ts, uint64_t ns, uint64_t frac) {
    write_once(&ts->sec, ns / kNsPerSec);
    write_once(&ts->snsec, ((ns % kNsPerSec) << g_source.shift) | frac);
}

// The clock at `counter`, exactly as kernel/time.cpp computes monotonic_ns():
// ns = (counter - boot) * mult >> shift. The low `shift` bits of the product
// are the fraction of a nanosecond that the shift drops; the page keeps them
// (see vvar.h).
void write_clock(VvarPage* page, uint64_t counter) {
    unsigned __int128 scaled = (unsigned __int128)(counter - g_source.boot_counter) * g_source.mult;
    uint64_t mono_ns = uint64_t(scaled >> g_source.shift);
    uint64_t frac = uint64_t(scaled) & ((uint64_t(1) << g_source.shift) - 1);
    uint64_t real_ns = g_source.realtime_at_boot_ns + mono_ns;

    write_once(&page->cycle_last, counter);
    write_timestamp(&page->base[kVvarClockRealtime], real_ns, frac);
    write_timestamp(&page->base[kVvarClockRealtimeCoarse], real_ns, frac);
    // Linux's three are one here (no NTP slewing, no suspend), as in the
    // system call (kernel/syscall/misc_syscalls.cpp).
    write_timestamp(&page->base[kVvarClockMonotonic], mono_ns, frac);
    write_timestamp(&page->base[kVvarClockMonotonicRaw], mono_ns, frac);
    write_timestamp(&page->base[kVvarClockMonotonicCoarse], mono_ns, frac);
    write_timestamp(&page->base[kVvarClockBoottime], mono_ns, frac);
    write_once(&page->updates, page->updates + 1);
}

}  // namespace

bool vvar_init(const VvarClockSource& source) {
    // The vDSO is compiled for this one shift (see vvar.h).
    if (source.shift != kVvarShift || source.counter_hz == 0) return false;
    uintptr_t phys = page_allocator().alloc_page();
    if (!phys) return false;
    auto* page = reinterpret_cast<VvarPage*>(arch::phys_to_virt(phys));
    // The whole page: user programs can read all of it, and must see nothing
    // the frame held before.
    memset(page, 0, kPageSize);

    SpinLockGuard guard(g_write_lock);
    g_source = source;
    publish(page, [&](VvarPage* p) {
        write_once(&p->counter_hz, source.counter_hz);
        write_once(&p->mult, source.mult);
        write_once(&p->shift, source.shift);
        write_once(&p->coarse_ns, source.tick_ns);
        write_once(&p->getcpu_mode, kVvarGetcpuSyscall);
        // Both arches let user mode read the counter (x86-64: CR4.TSD is
        // clear; AArch64: CNTKCTL_EL1.EL0VCTEN, arch/aarch64/timer.cpp).
        write_once(&p->counter_mode, kVvarCounterUser);
        write_once(&p->hres_mask, kHresClocks);
        // The vDSO rounds the nanoseconds within a second, the system call
        // the monotonic time (kernel/syscall/misc_syscalls.cpp): the same
        // when the tick divides a second and the realtime offset. Otherwise
        // those two clocks stay with the system call.
        bool tick_ok = source.tick_ns && kNsPerSec % source.tick_ns == 0 &&
                       source.realtime_at_boot_ns % source.tick_ns == 0;
        write_once(&p->coarse_mask, tick_ok ? kCoarseClocks : 0);
        write_clock(p, arch::cycle_counter());
    });
    // Only now do others find the page (vdso_map, vvar_update on CPU 0).
    g_page_phys = phys;
    __atomic_store_n(&g_page, page, __ATOMIC_RELEASE);
    return true;
}

void vvar_update_at(uint64_t counter) {
    VvarPage* page = __atomic_load_n(&g_page, __ATOMIC_ACQUIRE);
    if (!page) return;
    SpinLockGuard guard(g_write_lock);
    publish(page, [&](VvarPage* p) { write_clock(p, counter); });
}

void vvar_update() {
    // The counter is read here, before the odd count is published: the
    // interval in which readers must retry stays as short as a few stores.
    vvar_update_at(arch::cycle_counter());
}

void vvar_set_getcpu_mode(uint32_t mode) {
    VvarPage* page = __atomic_load_n(&g_page, __ATOMIC_ACQUIRE);
    if (!page) return;
    SpinLockGuard guard(g_write_lock);
    publish(page, [&](VvarPage* p) { write_once(&p->getcpu_mode, mode); });
}

uintptr_t vvar_page_phys() { return __atomic_load_n(&g_page, __ATOMIC_ACQUIRE) ? g_page_phys : 0; }

const VvarPage* vvar_page() { return __atomic_load_n(&g_page, __ATOMIC_ACQUIRE); }
