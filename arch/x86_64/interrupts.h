// arch/x86_64/interrupts.h - device and timer interrupts on x86-64: the
// PIC/APIC set-up behind arch::interrupts_init and the handlers behind
// vectors 32..255.
#pragma once

#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/trap_frame.h"

namespace x86 {

// Called by x86_trap_dispatch for every vector >= 32, interrupts off.
void handle_interrupt(const TrapFrame& frame);

// For tests and the banner: what interrupts_init set up.
struct InterruptInfo {
    bool from_acpi;            // MADT found (else PC defaults were assumed)
    uintptr_t ioapic_phys;
    uint32_t com1_gsi;         // the I/O APIC input COM1's IRQ 4 arrives on
    uint8_t com1_vector;
    uint64_t com1_interrupts;  // taken so far
    uint64_t spurious;         // spurious-vector deliveries so far
};
InterruptInfo interrupt_info();

// The MADT interrupts_init read, or nullptr if the machine has none (then
// PC defaults were assumed, and only the boot CPU is known).
const MadtInfo* madt();

// Sets up the calling CPU's local APIC timer for arch::set_timer_deadline:
// TSC-deadline mode if the CPU has it, else one-shot mode (with the boot
// CPU's calibration). Disarmed until the first deadline. The boot CPU calls
// it from interrupts_init, every other CPU when it comes up.
void start_local_timer();

}  // namespace x86
