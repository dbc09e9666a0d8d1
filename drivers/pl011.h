// drivers/pl011.h - the ARM PrimeCell PL011 UART.
//
// QEMU's virt machine has one at physical 0x09000000 (SPI 1, i.e. GIC
// interrupt 33); the device tree's /pl011 node says so.
#pragma once

#include <stdint.h>

#include "kernel/console.h"

class Pl011 final : public ConsoleDevice {
public:
    constexpr Pl011() = default;
    // `base` is the virtual address of the register block. Leaves the baud
    // rate as the firmware set it (QEMU ignores it anyway) and enables the
    // receive interrupt.
    void init(uintptr_t base);
    void put_char(char c) override;
    int get_char() override;

private:
    uintptr_t base_ = 0;
};
