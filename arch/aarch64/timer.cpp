// arch/aarch64/timer.cpp - the Arm generic timer: the tick and the clock.
//
// Every Armv8 CPU has a "generic timer": one system-wide counter running at
// a fixed frequency (CNTFRQ_EL0; 62.5 MHz on QEMU virt) and, per CPU, a few
// comparators that raise a private interrupt (a PPI) when the count passes a
// programmed value. Handoff uses:
//   CNTVCT_EL0     the virtual count, our cycle_counter() (arch_inline.h);
//   CNTV_TVAL_EL0  "fire in N counts from now" for the EL1 virtual timer;
//   CNTV_CTL_EL0   its enable / mask / status bits.
// The virtual timer (not the physical one) is the one a kernel at EL1 owns
// under a hypervisor: Linux uses it too (drivers/clocksource/arm_arch_timer.c).
// Its interrupt is the third entry of the device tree's /timer node
// ("arm,armv8-timer": secure phys, non-secure phys, virtual, hypervisor):
// PPI 11, i.e. GIC interrupt 27 on QEMU virt. The comparator, its control
// register, CNTKCTL_EL1 and the PPI's enable bit are all per CPU: each CPU
// starts its own timer (timer_start_this_cpu), at the same interval, and
// each takes its own ticks (Cpu::ticks).
#include "arch/aarch64/irq.h"
#include "arch/aarch64/sysreg.h"
#include "arch/arch.h"
#include "kernel/time.h"
#include "kernel/trap.h"

namespace {

constexpr uint64_t kCntvCtlEnable = 1 << 0;  // the timer runs
constexpr uint64_t kCntvCtlImask = 1 << 1;   // ... but does not interrupt
// CNTKCTL_EL1: what EL0 may touch.
constexpr uint64_t kCntkctlEl0Vcten = 1 << 1;  // EL0 may read CNTVCT_EL0 (and CNTFRQ)

uint64_t g_interval;  // counts between ticks: CNTFRQ / hz

void timer_interrupt(unsigned) {
    // Periodic by re-arming: TVAL counts down from "now", so the next tick
    // is one interval after this handler runs, not after the previous
    // deadline; ticks drift late by the interrupt latency (a few hundred
    // counts of 625,000 at 100 Hz). Writing TVAL also deasserts the
    // level-triggered line, so it must happen before the GIC's EOI. Linux is
    // tickless and programs each next event instead (CVAL), which does not
    // drift.
    write_sysreg(cntv_tval_el0, g_interval);
    isb();
    timer_tick();
    // Time-slice accounting, once the scheduler exists on this CPU
    // (sched_init sets Cpu::current; ticks before that only count time).
    // It may mark the running thread need_resched; the switch itself
    // happens on the way back to user mode (traps.cpp, el0_irq).
    if (arch::this_cpu()->current) scheduler_tick();
}

}  // namespace

namespace aarch64 {

void timer_init(unsigned irq, unsigned hz) {
    g_interval = arch::cycle_counter_hz() / hz;
    timer_start_this_cpu();
    irq_register(irq, timer_interrupt);
}

void timer_start_this_cpu() {
    // The vDSO (a later issue) reads the clock in user mode without a
    // system call, exactly as Linux's __kernel_clock_gettime does: that needs
    // EL0 access to the virtual counter. Everything else (the timers'
    // registers, the physical counter, event streams) stays kernel-only.
    write_sysreg(cntkctl_el1, kCntkctlEl0Vcten);

    write_sysreg(cntv_ctl_el0, kCntvCtlImask);  // quiet while we program it
    write_sysreg(cntv_tval_el0, g_interval);
    write_sysreg(cntv_ctl_el0, kCntvCtlEnable);
    isb();
}

}  // namespace aarch64

namespace arch {

// CNTFRQ_EL0 is set by firmware (QEMU: 62.5 MHz) and only read by us.
uint64_t cycle_counter_hz() { return read_sysreg(cntfrq_el0); }

// The tick comes from the same counter the clock reads.
uint64_t timer_source_hz() { return read_sysreg(cntfrq_el0); }

}  // namespace arch
