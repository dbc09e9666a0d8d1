// drivers/ioapic.cpp - see ioapic.h.
#include "drivers/ioapic.h"

#include "drivers/mmio.h"

namespace {
// Two memory-mapped registers give indirect access to all the others: write
// a register number to IOREGSEL, then read or write it through IOWIN.
constexpr uintptr_t kIoRegSel = 0x00;
constexpr uintptr_t kIoWin = 0x10;

constexpr uint32_t kRegVersion = 0x01;         // bits 16..23: highest pin number
constexpr uint32_t kRegRedirectionBase = 0x10;  // pin n: registers 0x10+2n (low), +1 (high)

constexpr uint64_t kEntryActiveLow = 1 << 13;
constexpr uint64_t kEntryLevel = 1 << 15;
constexpr uint64_t kEntryMasked = 1 << 16;
constexpr unsigned kEntryDestinationShift = 56;
// Delivery mode (bits 8..10) 000 = fixed, destination mode (bit 11) 0 =
// physical: "raise `vector` on the CPU whose APIC ID is in bits 56..63".

uintptr_t g_regs;
uint32_t g_gsi_base;
unsigned g_pins;

uint32_t read(uint32_t reg) {
    mmio_write32(g_regs + kIoRegSel, reg);
    return mmio_read32(g_regs + kIoWin);
}
void write(uint32_t reg, uint32_t value) {
    mmio_write32(g_regs + kIoRegSel, reg);
    mmio_write32(g_regs + kIoWin, value);
}

void write_entry(unsigned pin, uint64_t entry) {
    // Mask first (the low half holds the mask bit), so the pin never fires
    // with half-written routing.
    write(kRegRedirectionBase + 2 * pin, uint32_t(kEntryMasked));
    write(kRegRedirectionBase + 2 * pin + 1, uint32_t(entry >> 32));
    write(kRegRedirectionBase + 2 * pin, uint32_t(entry));
}
}  // namespace

void ioapic_init(uintptr_t regs, uint32_t gsi_base) {
    g_regs = regs;
    g_gsi_base = gsi_base;
    g_pins = ((read(kRegVersion) >> 16) & 0xff) + 1;
    for (unsigned pin = 0; pin < g_pins; pin++) write_entry(pin, kEntryMasked);
}

unsigned ioapic_pin_count() { return g_pins; }

bool ioapic_has_gsi(uint32_t gsi) {
    return g_regs && gsi >= g_gsi_base && gsi - g_gsi_base < g_pins;
}

void ioapic_route(uint32_t gsi, const IoApicRoute& route) {
    uint64_t entry = route.vector | (uint64_t(route.destination_apic_id) << kEntryDestinationShift);
    if (route.level_triggered) entry |= kEntryLevel;
    if (route.active_low) entry |= kEntryActiveLow;
    write_entry(gsi - g_gsi_base, entry);
}

void ioapic_mask(uint32_t gsi) {
    uint32_t reg = kRegRedirectionBase + 2 * (gsi - g_gsi_base);
    write(reg, read(reg) | uint32_t(kEntryMasked));  // keeps the routing for a later unmask
}

uint64_t ioapic_redirection_entry(uint32_t gsi) {
    unsigned pin = gsi - g_gsi_base;
    return read(kRegRedirectionBase + 2 * pin) |
           (uint64_t(read(kRegRedirectionBase + 2 * pin + 1)) << 32);
}
