// drivers/uart16550.cpp - see uart16550.h. Register names from the 16550 data sheet.
#include "drivers/uart16550.h"

#include "arch/x86_64/include/portio.h"

namespace {
// Register offsets from the base port.
constexpr uint16_t kData = 0;          // RBR (read) / THR (write); DLL when DLAB=1
constexpr uint16_t kIntEnable = 1;     // IER; DLM when DLAB=1
constexpr uint16_t kFifoControl = 2;   // FCR (write)
constexpr uint16_t kLineControl = 3;   // LCR
constexpr uint16_t kModemControl = 4;  // MCR
constexpr uint16_t kLineStatus = 5;    // LSR

constexpr uint8_t kLcrDlab = 0x80;     // divisor latch access
constexpr uint8_t kLcr8N1 = 0x03;
constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrThrEmpty = 0x20;
constexpr uint8_t kIerRxAvailable = 0x01;
constexpr uint8_t kMcrDtrRtsOut2 = 0x0b;  // OUT2 gates the IRQ line on PCs
constexpr uint16_t kDivisor115200 = 1;   // 115200 = 1.8432 MHz / 16 / 1
}  // namespace

void Uart16550::init() {
    x86::outb(base_ + kIntEnable, 0);
    x86::outb(base_ + kLineControl, kLcrDlab);
    x86::outb(base_ + kData, kDivisor115200 & 0xff);
    x86::outb(base_ + kIntEnable, kDivisor115200 >> 8);
    x86::outb(base_ + kLineControl, kLcr8N1);
    x86::outb(base_ + kFifoControl, 0x07);  // enable and clear both FIFOs
    x86::outb(base_ + kModemControl, kMcrDtrRtsOut2);
    x86::outb(base_ + kIntEnable, kIerRxAvailable);
}

void Uart16550::put_char(char c) {
    while (!(x86::inb(base_ + kLineStatus) & kLsrThrEmpty)) {
    }
    x86::outb(base_ + kData, uint8_t(c));
}

int Uart16550::get_char() {
    if (!(x86::inb(base_ + kLineStatus) & kLsrDataReady)) return -1;
    return x86::inb(base_ + kData);
}
