// drivers/i8254.cpp - see i8254.h. Intel 8254 data sheet.
#include "drivers/i8254.h"

#include "arch/x86_64/include/portio.h"

namespace {
constexpr uint16_t kChannel0Data = 0x40;
constexpr uint16_t kModeCommand = 0x43;

// Mode/command byte: bits 7..6 channel, 5..4 access, 3..1 mode, 0 BCD.
constexpr uint8_t kChannel0 = 0 << 6;
constexpr uint8_t kAccessLatch = 0 << 4;        // latch the count for reading
constexpr uint8_t kAccessLowHigh = 3 << 4;      // low byte, then high byte
constexpr uint8_t kMode0 = 0 << 1;              // interrupt on terminal count
}  // namespace

void i8254_start_countdown() {
    x86::outb(kModeCommand, kChannel0 | kAccessLowHigh | kMode0);
    // A reload value of 0 means 65536, the longest period (about 55 ms).
    x86::outb(kChannel0Data, 0);
    x86::outb(kChannel0Data, 0);
}

uint16_t i8254_read_count() {
    // Two 8-bit reads of a running 16-bit counter could straddle a borrow;
    // the latch command freezes a copy until both bytes have been read.
    x86::outb(kModeCommand, kChannel0 | kAccessLatch);
    uint8_t low = x86::inb(kChannel0Data);
    uint8_t high = x86::inb(kChannel0Data);
    return uint16_t(low | (high << 8));
}
