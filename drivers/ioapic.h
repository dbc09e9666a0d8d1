// drivers/ioapic.h - the I/O APIC: where device interrupt lines enter.
//
// Each input pin ("global system interrupt", GSI) has a 64-bit redirection
// entry saying which vector to raise, on which CPU's local APIC, and how the
// line signals (edge/level, active high/low). ISA devices' IRQ n arrive on
// GSI n unless ACPI's MADT says otherwise (an "interrupt source override",
// e.g. the PIT's IRQ 0 on GSI 2). Compare Linux's
// arch/x86/kernel/apic/io_apic.c and xv6's ioapic.c. Intel 82093AA data sheet.
#pragma once

#include <stdint.h>

struct IoApicRoute {
    uint8_t vector;
    uint8_t destination_apic_id;  // physical destination mode
    bool level_triggered = false; // ISA default: edge
    bool active_low = false;      // ISA default: active high
};

// Takes the I/O APIC whose registers are mapped at `regs` and whose first
// pin is `gsi_base`, and masks all its pins.
void ioapic_init(uintptr_t regs, uint32_t gsi_base);
// Pins of the I/O APIC, and whether it serves `gsi`.
unsigned ioapic_pin_count();
bool ioapic_has_gsi(uint32_t gsi);
// Programs and unmasks `gsi`'s redirection entry.
void ioapic_route(uint32_t gsi, const IoApicRoute& route);
void ioapic_mask(uint32_t gsi);
// The raw redirection entry (for tests and debugging).
uint64_t ioapic_redirection_entry(uint32_t gsi);
