// arch/aarch64/timer.cpp - the Arm generic timer: the clock and the one-shot
// timer interrupt.
//
// Every Armv8 CPU has a "generic timer": one system-wide counter running at
// a fixed frequency (CNTFRQ_EL0; 62.5 MHz on QEMU virt) and, per CPU, a few
// comparators that raise a private interrupt (a PPI) when the count reaches
// a programmed value. Handoff uses:
//   CNTVCT_EL0     the virtual count, our cycle_counter() (arch_inline.h);
//   CNTV_CVAL_EL0  the EL1 virtual timer's compare value: interrupt once
//                  CNTVCT >= CVAL (an absolute time, what
//                  arch::set_timer_deadline is given);
//   CNTV_CTL_EL0   its enable / mask / status bits.
// (CNTV_TVAL_EL0, "fire in N counts from now", is the same comparator seen
// relative to now; an absolute compare value does not drift by the time it
// takes to compute it.) The virtual timer (not the physical one) is the one
// a kernel at EL1 owns under a hypervisor: Linux uses it too
// (drivers/clocksource/arm_arch_timer.c, arch_timer_set_next_event_virt).
// Its interrupt is the third entry of the device tree's /timer node
// ("arm,armv8-timer": secure phys, non-secure phys, virtual, hypervisor):
// PPI 11, i.e. GIC interrupt 27 on QEMU virt. The comparator, its control
// register, CNTKCTL_EL1 and the PPI's enable bit are all per CPU: each CPU
// sets up its own (timer_start_this_cpu) and kernel/timer.cpp programs it.
#include "arch/aarch64/irq.h"
#include "arch/aarch64/sysreg.h"
#include "arch/arch.h"
#include "kernel/timer.h"

namespace {

constexpr uint64_t kCntvCtlEnable = 1 << 0;  // the timer runs
constexpr uint64_t kCntvCtlImask = 1 << 1;   // ... but does not interrupt
// CNTKCTL_EL1: what EL0 may touch.
constexpr uint64_t kCntkctlEl0Vcten = 1 << 1;  // EL0 may read CNTVCT_EL0 (and CNTFRQ)

void timer_irq(unsigned) {
    // The interrupt line is level-triggered and stays up for as long as
    // CNTVCT >= CVAL: mask it first, so it has dropped before the GIC's EOI.
    // timer_interrupt() then runs the expired timers and programs the next
    // deadline, which unmasks it again (set_timer_deadline).
    write_sysreg(cntv_ctl_el0, kCntvCtlEnable | kCntvCtlImask);
    isb();
    timer_interrupt();
}

}  // namespace

namespace aarch64 {

void timer_init(unsigned irq) {
    timer_start_this_cpu();
    irq_register(irq, timer_irq);
}

void timer_start_this_cpu() {
    // The vDSO reads the clock in user mode without a system call, exactly
    // as Linux's __kernel_clock_gettime does: that needs EL0 access to the
    // virtual counter. Everything else (the timers' registers, the physical
    // counter, event streams) stays kernel-only.
    write_sysreg(cntkctl_el1, kCntkctlEl0Vcten);
    // Quiet until the kernel's first set_timer_deadline (the tick).
    write_sysreg(cntv_ctl_el0, kCntvCtlImask);
    isb();
}

}  // namespace aarch64

namespace arch {

void set_timer_deadline(uint64_t counter) {
    write_sysreg(cntv_cval_el0, counter);
    write_sysreg(cntv_ctl_el0, kCntvCtlEnable);  // and unmasked
    isb();
}

// CNTFRQ_EL0 is set by firmware (QEMU: 62.5 MHz) and only read by us.
uint64_t cycle_counter_hz() { return read_sysreg(cntfrq_el0); }

// The timer compares against the same counter the clock reads.
uint64_t timer_source_hz() { return read_sysreg(cntfrq_el0); }

}  // namespace arch
