// arch/x86_64/interrupts.cpp - bringing up interrupts and the timer on
// x86-64, and handling device interrupts.
//
// The route of an interrupt on a PC today: a device raises its line on an
// I/O APIC pin (drivers/ioapic.h), the I/O APIC sends a message with the
// vector we programmed to one CPU's local APIC (lapic.h), which interrupts
// the CPU through the IDT (idt.h, trap_entry.S). The local APIC also has the
// one-shot timer behind the kernel's timers (kernel/timer.h), the tick among
// them. The legacy 8259 PICs are masked and the 8254 PIT only serves as a
// ruler for measuring clocks. Compare Linux's
// arch/x86/kernel/apic/ and xv6's lapic.c/ioapic.c/trap.c.
#include "arch/x86_64/interrupts.h"

#include "arch/arch.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/vectors.h"
#include "drivers/i8254.h"
#include "drivers/i8259.h"
#include "drivers/ioapic.h"
#include "kernel/console.h"
#include "kernel/lib/ring_buffer.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "kernel/timer.h"
#include "kernel/trap.h"

namespace {

// The PC's defaults when there is no MADT (the I/O APIC's conventional
// address, ISA IRQ n on pin n).
constexpr uintptr_t kDefaultIoApicPhys = 0xfec00000;
constexpr unsigned kCom1Irq = 4;

// ---- Clock calibration -------------------------------------------------------
// 10 ms of PIT ticks: long enough that one tick of error is 0.01%, short
// enough not to be noticed at boot (Linux's pit_calibrate_tsc uses 10 ms too,
// CAL_MS). The PIT wraps every 55 ms; a host that stalls the guest longer
// than that between two reads would spoil the count.
constexpr uint32_t kCalibrationPitTicks = kI8254InputHz / 100;

// Measured once, on the boot CPU, and then only read: the TSC and every
// local APIC timer run from the same clocks on every CPU (under QEMU, from
// its one virtual clock), so each other CPU reuses the numbers rather than
// tying up the PIT again (Linux: calibrate_delay is skipped on secondaries
// when the TSC is known; lapic_timer_period is shared).
uint64_t g_tsc_hz;
uint64_t g_lapic_timer_hz;
// Whether every CPU's timer runs in TSC-deadline mode (decided on the boot
// CPU; QEMU gives all CPUs the same CPUID).
bool g_tsc_deadline;

// Spins until the PIT's count changes and returns the new count: right
// after an edge is the one moment we know precisely where the PIT is.
uint16_t wait_for_pit_edge(uint16_t last) {
    uint16_t now;
    while ((now = i8254_read_count()) == last) {
    }
    return now;
}

// Measures the TSC and the local APIC timer's input clock against the PIT
// over `pit_ticks`. Both samples are taken just after a PIT edge, so the
// error is one loop iteration, not one PIT tick. Under QEMU icount every
// clock here derives from the instruction count and the result is
// repeatable; otherwise it is as good as the host's scheduling allows.
void measure_clocks(uint32_t pit_ticks) {
    x86::lapic_timer_start_counting(0xffffffff);  // 4+ s at 1 GHz: never runs out
    i8254_start_countdown();
    uint16_t pit = wait_for_pit_edge(i8254_read_count());
    uint64_t tsc_start = arch::cycle_counter();
    uint32_t lapic_start = x86::lapic_timer_current_count();

    uint32_t elapsed = 0;
    while (elapsed < pit_ticks) {
        uint16_t now = wait_for_pit_edge(pit);
        elapsed += uint16_t(pit - now);  // counts down; uint16_t arithmetic handles the wrap
        pit = now;
    }
    uint64_t tsc_end = arch::cycle_counter();
    uint32_t lapic_end = x86::lapic_timer_current_count();
    x86::lapic_timer_stop();

    // hz = counted * PIT Hz / PIT ticks. 128-bit, since a 100 GHz TSC times
    // 1.19 MHz overflows 64 bits.
    auto scale = [elapsed](uint64_t counted) {
        return uint64_t((unsigned __int128)counted * kI8254InputHz / elapsed);
    };
    g_tsc_hz = scale(tsc_end - tsc_start);
    g_lapic_timer_hz = scale(lapic_start - lapic_end);  // a down-counter
}

// kmain asks for the TSC frequency (time_init) before interrupts_init runs,
// so whichever comes first measures. Needs paging_init (the APIC's MMIO).
void calibrate_once() {
    if (g_tsc_hz) return;
    x86::lapic_init();
    // A short run first: under QEMU's TCG the first pass through this code
    // also translates it, which would delay the first sample more than the
    // last. (Only noticeable without icount.)
    measure_clocks(kCalibrationPitTicks / 16);
    measure_clocks(kCalibrationPitTicks);
}

// ---- Device interrupts ------------------------------------------------------
MadtInfo g_madt;
bool g_from_acpi;
uint8_t g_com1_vector;
uint64_t g_com1_interrupts;  // only the boot CPU takes COM1's interrupt
uint64_t g_spurious;         // any CPU: updated atomically

// COM1 says "received data". Reading every waiting byte is what makes the
// UART drop its request; with the I/O APIC pin edge triggered, leaving a
// byte behind would mean no new edge and no more input interrupts.
void com1_interrupt() {
    g_com1_interrupts++;
    console_drain_device();
}

}  // namespace

namespace x86 {

void handle_interrupt(const TrapFrame& frame) {
    Cpu* cpu = arch::this_cpu();
    unsigned vector = unsigned(frame.vector);
    if (vector == kVectorSpurious) {
        // Not a real interrupt, and the APIC has nothing in service: an EOI
        // here would acknowledge some other interrupt (Intel SDM 11.9).
        __atomic_add_fetch(&g_spurious, 1, __ATOMIC_RELAXED);
        return;
    }
    if (vector >= kVectorPicBase && vector < kVectorPicBase + 16) {
        // Only the masked 8259s' spurious IRQ 7/15 can land here; they take
        // no EOI at the local APIC either.
        __atomic_add_fetch(&g_spurious, 1, __ATOMIC_RELAXED);
        return;
    }
    cpu->interrupts++;
    if (vector == kVectorLapicTimer) {
        // Expired kernel timers (the tick among them), and the next deadline.
        timer_interrupt();
    } else if (vector == kVectorReschedule) {
        // Nothing to do here: returning from the interrupt ends the hlt of
        // an idle CPU, whose idle loop then looks at the run queues.
        handle_reschedule_ipi();
    } else if (vector == kVectorCallFunction) {
        handle_call_function_ipi();
    } else if (vector == g_com1_vector) {
        com1_interrupt();
    } else if (vector == kVectorLapicError) {
        kprintf("x86: local APIC error on cpu %u\n", cpu->id);
    } else {
        kprintf("x86: unexpected interrupt vector %u on cpu %u\n", vector, cpu->id);
    }
    // Tell the local APIC we are done. Done last, with interrupts still off
    // until iretq, so a new timer tick cannot nest inside this one.
    lapic_eoi();
}

InterruptInfo interrupt_info() {
    return {g_from_acpi, g_madt.ioapic_phys, g_madt.isa[kCom1Irq].gsi, g_com1_vector,
            g_com1_interrupts, __atomic_load_n(&g_spurious, __ATOMIC_RELAXED)};
}

const MadtInfo* madt() { return g_from_acpi ? &g_madt : nullptr; }

void start_local_timer() {
    if (g_tsc_deadline)
        lapic_timer_start_tsc_deadline(kVectorLapicTimer);
    else
        lapic_timer_start_one_shot(kVectorLapicTimer);
}

}  // namespace x86

namespace arch {

uint64_t cycle_counter_hz() {
    calibrate_once();
    return g_tsc_hz;
}

uint64_t timer_source_hz() {
    calibrate_once();
    return g_tsc_deadline ? g_tsc_hz : g_lapic_timer_hz;
}

void set_timer_deadline(uint64_t tsc) {
    if (g_tsc_deadline) {
        x86::lapic_timer_set_tsc_deadline(tsc);
        return;
    }
    // One-shot mode counts the timer's own clock: convert the distance, in
    // TSC ticks, at the calibrated ratio. Rounded up and at least 1 (0 would
    // stop the timer). Too far for 32 bits (4 s at 1 GHz): interrupt at the
    // limit; timer_interrupt() finds nothing due and programs the rest. A
    // calibration error can make it early too, with the same outcome.
    uint64_t now = cycle_counter();
    uint64_t delta = tsc > now ? tsc - now : 0;
    unsigned __int128 count = (unsigned __int128)delta * g_lapic_timer_hz / g_tsc_hz + 1;
    x86::lapic_timer_set_count(count > UINT32_MAX ? UINT32_MAX : uint32_t(count));
}

void interrupts_init(const BootInfo&) {
    i8259_disable(x86::kVectorPicBase);
    calibrate_once();  // also enables this CPU's local APIC

    g_from_acpi = acpi_read_madt(&g_madt);
    if (!g_from_acpi) {
        g_madt.ioapic_phys = kDefaultIoApicPhys;
        g_madt.ioapic_gsi_base = 0;
        for (unsigned irq = 0; irq < 16; irq++) g_madt.isa[irq] = {irq, false, false};
    }
    ioapic_init(x86::map_mmio(g_madt.ioapic_phys, 4096), g_madt.ioapic_gsi_base);

    // COM1 -> the boot CPU. (Spreading device interrupts over CPUs is for
    // later; Linux's irqbalance does it from user space.)
    const IsaIrqRoute& com1 = g_madt.isa[kCom1Irq];
    if (ioapic_has_gsi(com1.gsi) && com1.gsi < x86::kIoApicMaxPins) {
        g_com1_vector = uint8_t(x86::kVectorIoApicBase + com1.gsi);
        ioapic_route(com1.gsi, {g_com1_vector, x86::lapic_id(), com1.level_triggered,
                                com1.active_low});
    } else {
        kprintf("x86: COM1's GSI %u is not on the I/O APIC; no console input interrupts\n",
                com1.gsi);
    }

    kprintf("x86: local APIC %u, I/O APIC at 0x%lx (%s), COM1 on GSI %u vector 0x%x\n",
            x86::lapic_id(), g_madt.ioapic_phys, g_from_acpi ? "ACPI MADT" : "PC default",
            com1.gsi, g_com1_vector);

    // The local APIC timer, one-shot, programmed by kernel/timer.cpp for its
    // earliest deadline. Each other CPU sets up its own the same way when it
    // comes up (smp.cpp).
    g_tsc_deadline = x86::lapic_timer_has_tsc_deadline();
    kprintf("x86: local APIC timer in %s mode\n", g_tsc_deadline ? "TSC-deadline" : "one-shot");
    x86::start_local_timer();
}

}  // namespace arch
