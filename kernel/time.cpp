// kernel/time.cpp - see time.h.
#include "kernel/time.h"

#include "arch/arch.h"
#include "kernel/sched/sched.h"
#include "kernel/timer.h"
#include "kernel/vdso/vvar.h"

namespace {
uint64_t g_boot_counter;
uint64_t g_ticks;
// ns = cycles * mult >> 32, with mult = 1e9 * 2^32 / hz computed once: the
// same mult/shift scheme Linux's clocksource uses, which the vDSO shares.
uint64_t g_mult;
constexpr unsigned kShift = 32;

// Each CPU's tick: a kernel timer that re-arms itself every kNsPerTick.
Timer g_tick_timers[kMaxCpus];

// The tick, in interrupt context on each CPU.
//
// The next tick is due one period after this one was due - not one period
// after now. Re-arming from "now" lets every late interrupt push all later
// ticks back by its lateness. Under QEMU on a busy host interrupts come
// late often enough that AArch64, when it re-armed its timer relatively
// (CNTV_TVAL_EL0), needed 1.1 to 1.5 s of its own clock for 100 ticks
// (15 ticks in 200 ms were seen). Periods missed entirely (a virtual CPU the
// host did not run for more than 10 ms) are skipped, not replayed in a
// burst: the tick count is read off the clock. Linux does the same with
// hrtimer_forward() in tick_sched_timer().
void tick(void* arg) {
    auto* timer = static_cast<Timer*>(arg);
    Cpu* cpu = arch::this_cpu();
    uint64_t now = monotonic_ns();
    uint64_t next = timer->deadline_ns + kNsPerTick;
    if (next <= now) next = (now / kNsPerTick + 1) * kNsPerTick;
    timer_arm(timer, next);

    cpu->ticks++;
    // Only the boot CPU keeps the global count, as Linux lets one CPU do
    // do_timer(). It follows the clock (Linux's tick_do_update_jiffies64),
    // so missed periods count as well.
    if (cpu->id == 0) {
        __atomic_store_n(&g_ticks, now / kNsPerTick, __ATOMIC_RELAXED);
        vvar_update();  // the vDSO's clock too (Linux: update_vsyscall)
    }
    // Time-slice accounting, once the scheduler runs on this CPU (sched_init
    // sets Cpu::current). It only marks need_resched; the switch happens on
    // the way back to user mode.
    if (cpu->current) scheduler_tick();
}

}  // namespace

void time_init(uint64_t counter_hz) {
    g_boot_counter = arch::cycle_counter();
    // 1e9 << 32 is about 4.3e18: still fits in 64 bits.
    g_mult = (uint64_t(1000000000) << kShift) / counter_hz;
    // The vDSO's copy of this clock (kernel/vdso/vvar.h). If it fails there
    // is no vDSO, and programs make the system call instead.
    vvar_init({counter_hz, g_boot_counter, g_mult, kShift, kRealtimeAtBootNs, kNsPerTick});
}

void tick_start_this_cpu() {
    Timer& timer = g_tick_timers[arch::cpu_id()];
    timer.fn = tick;
    timer.arg = &timer;
    // On the period boundaries since boot, the same instants on every CPU
    // (as Linux's ticks are, unless booted with skew_tick=1).
    timer_arm(&timer, (monotonic_ns() / kNsPerTick + 1) * kNsPerTick);
}

uint64_t cycles_to_ns(uint64_t cycles) {
    return uint64_t(((unsigned __int128)cycles * g_mult) >> kShift);
}

uint64_t counter_at_ns(uint64_t ns) {
    // The inverse of cycles_to_ns, rounded up: the smallest c with
    // c * mult >> 32 >= ns is ceil(ns * 2^32 / mult). One 128-bit division,
    // only when a timer is programmed.
    unsigned __int128 cycles = (((unsigned __int128)ns << kShift) + g_mult - 1) / g_mult;
    unsigned __int128 counter = cycles + g_boot_counter;
    return counter > UINT64_MAX ? UINT64_MAX : uint64_t(counter);
}

uint64_t ticks() { return __atomic_load_n(&g_ticks, __ATOMIC_RELAXED); }

uint64_t monotonic_ns() { return cycles_to_ns(arch::cycle_counter() - g_boot_counter); }
