// kernel/console.h - the kernel console: where kprintf's bytes go.
//
// One interface for every UART (16550 on x86-64, PL011 on AArch64): the boot
// code registers its device, arch-neutral code only ever sees ConsoleDevice.
// Compare xv6's console.c over uart.c.
#pragma once

#include <stddef.h>

class ConsoleDevice {
public:
    virtual void put_char(char c) = 0;
    // Returns the next received byte, or -1 when none is waiting.
    virtual int get_char() = 0;

protected:
    ~ConsoleDevice() = default;
};

void console_register(ConsoleDevice* device);

// Input. The UART's receive interrupt handler (each arch's) calls
// console_drain_device(), which reads every byte waiting in the UART (that
// is also what acknowledges the device), queues them and calls the listener
// (the tty layer, which wakes readers). console_read_char() takes the next
// queued byte, or -1.
void console_drain_device();
void console_input_push(char c);
void console_set_input_listener(void (*listener)());
// Writes `n` bytes, turning "\n" into "\r\n" for terminals. Takes the console
// lock unless the kernel is panicking (then nothing may block the message).
void console_write(const char* s, size_t n);
int console_read_char();
void console_enter_panic_mode();
