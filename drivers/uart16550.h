// drivers/uart16550.h - the PC serial port (COM1), a National 16550 UART.
//
// QEMU models it at I/O port 0x3f8, IRQ 4; `-serial stdio` connects it to the
// terminal. Compare xv6's uart.c (which drives the same chip on RISC-V).
#pragma once

#include <stdint.h>

#include "kernel/console.h"

class Uart16550 final : public ConsoleDevice {
public:
    explicit constexpr Uart16550(uint16_t base_port) : base_(base_port) {}
    // 115200 8N1, FIFOs on, receive interrupt enabled (delivered only once
    // the interrupt controller routes IRQ 4).
    void init();
    void put_char(char c) override;
    int get_char() override;

private:
    uint16_t base_;
};
