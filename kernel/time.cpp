// kernel/time.cpp - see time.h.
#include "kernel/time.h"

#include "arch/arch.h"
#include "kernel/vdso/vvar.h"

namespace {
uint64_t g_boot_counter;
uint64_t g_ticks;
// ns = cycles * mult >> 32, with mult = 1e9 * 2^32 / hz computed once: the
// same mult/shift scheme Linux's clocksource uses, which the vDSO will share.
uint64_t g_mult;
constexpr unsigned kShift = 32;
}  // namespace

void time_init(uint64_t counter_hz) {
    g_boot_counter = arch::cycle_counter();
    // 1e9 << 32 is about 4.3e18: still fits in 64 bits.
    g_mult = (uint64_t(1000000000) << kShift) / counter_hz;
    // The vDSO's copy of this clock (kernel/vdso/vvar.h). If it fails there
    // is no vDSO, and programs make the system call instead.
    vvar_init({counter_hz, g_boot_counter, g_mult, kShift, kRealtimeAtBootNs, 1000000000 / kHz});
}

uint64_t cycles_to_ns(uint64_t cycles) {
    return uint64_t(((unsigned __int128)cycles * g_mult) >> kShift);
}

void timer_tick() {
    Cpu* cpu = arch::this_cpu();
    cpu->ticks++;
    // Every CPU has its own timer; only the boot CPU advances the global tick
    // count, as Linux lets one CPU do do_timer().
    if (cpu->id == 0) {
        __atomic_add_fetch(&g_ticks, 1, __ATOMIC_RELAXED);
        vvar_update();  // the vDSO's clock too (Linux: update_vsyscall)
    }
}

uint64_t ticks() { return __atomic_load_n(&g_ticks, __ATOMIC_RELAXED); }

uint64_t monotonic_ns() { return cycles_to_ns(arch::cycle_counter() - g_boot_counter); }
