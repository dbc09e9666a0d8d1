// drivers/pl011.cpp - see pl011.h. Register names from the PL011 TRM (ARM DDI 0183).
#include "drivers/pl011.h"

#include "drivers/mmio.h"

namespace {
constexpr uintptr_t kDR = 0x00;    // data
constexpr uintptr_t kFR = 0x18;    // flags
constexpr uintptr_t kLCRH = 0x2c;  // line control
constexpr uintptr_t kCR = 0x30;    // control
constexpr uintptr_t kIMSC = 0x38;  // interrupt mask set/clear
constexpr uintptr_t kICR = 0x44;   // interrupt clear

constexpr uint32_t kFrRxEmpty = 1 << 4;
constexpr uint32_t kFrTxFull = 1 << 5;
constexpr uint32_t kLcrhFifoEnable = 1 << 4;
constexpr uint32_t kLcrh8Bits = 3 << 5;
constexpr uint32_t kCrEnable = 1 << 0;
constexpr uint32_t kCrTxEnable = 1 << 8;
constexpr uint32_t kCrRxEnable = 1 << 9;
constexpr uint32_t kImscRx = 1 << 4;      // receive
constexpr uint32_t kImscRxTimeout = 1 << 6;  // FIFO has data but went quiet
}  // namespace

void Pl011::init(uintptr_t base) {
    base_ = base;
    mmio_write32(base_ + kCR, 0);  // disable while configuring
    mmio_write32(base_ + kICR, 0x7ff);
    mmio_write32(base_ + kLCRH, kLcrhFifoEnable | kLcrh8Bits);
    mmio_write32(base_ + kIMSC, kImscRx | kImscRxTimeout);
    mmio_write32(base_ + kCR, kCrEnable | kCrTxEnable | kCrRxEnable);
}

void Pl011::put_char(char c) {
    while (mmio_read32(base_ + kFR) & kFrTxFull) {
    }
    mmio_write32(base_ + kDR, uint8_t(c));
}

int Pl011::get_char() {
    if (mmio_read32(base_ + kFR) & kFrRxEmpty) return -1;
    return int(mmio_read32(base_ + kDR) & 0xff);
}
