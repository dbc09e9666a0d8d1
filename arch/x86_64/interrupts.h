// arch/x86_64/interrupts.h - device and timer interrupts on x86-64: the
// PIC/APIC set-up behind arch::interrupts_init and the handlers behind
// vectors 32..255.
#pragma once

#include <stdint.h>

#include "arch/x86_64/trap_frame.h"

namespace x86 {

// Called by x86_trap_dispatch for every vector >= 32, interrupts off.
void handle_interrupt(const TrapFrame& frame);

// Console input: bytes the COM1 receive interrupt took from the UART, oldest

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

}  // namespace x86
