// arch/x86_64/acpi.h - the one ACPI table Handoff reads: the MADT.
//
// ACPI firmware leaves a "root system description pointer" (RSDP) in the
// BIOS area; it leads to a list of tables, among them the MADT ("APIC"),
// which lists the CPUs' local APICs, the I/O APICs, and how ISA IRQs map to
// I/O APIC pins. QEMU's microvm machine provides it (built by QEMU, placed
// by its qboot firmware); if it is missing, the caller falls back to the PC
// defaults. Compare Linux's arch/x86/kernel/acpi/boot.c (acpi_parse_madt)
// and xv6's mp.c, which reads the older Intel MP table instead.
#pragma once

#include <stdint.h>

#include "kernel/cpu.h"

struct IsaIrqRoute {
    uint32_t gsi;       // the I/O APIC input the IRQ arrives on
    bool active_low;    // ISA default: active high, edge triggered
    bool level_triggered;
};

struct MadtInfo {
    uintptr_t lapic_phys = 0;
    unsigned cpu_count = 0;             // enabled local APICs
    uint8_t apic_ids[kMaxCpus] = {};    // the first kMaxCpus of them
    uintptr_t ioapic_phys = 0;          // the I/O APIC serving GSI 0
    uint32_t ioapic_gsi_base = 0;
    IsaIrqRoute isa[16];                // ISA IRQ n -> GSI, after overrides
};

// Finds and reads the MADT. Returns false (and leaves `out` untouched) when
// there is no ACPI or no MADT.
bool acpi_read_madt(MadtInfo* out);
