// kernel/printk.h - formatted output to the console, and panic().
#pragma once

#include <stdarg.h>
#include <stdint.h>

// printf to the console. Formats: see kernel/lib/format.h.
[[gnu::format(printf, 1, 2)]] void kprintf(const char* fmt, ...);
void kvprintf(const char* fmt, va_list ap);

// Stops the machine: prints the message, the CPU, a frame-pointer backtrace,
// and leaves QEMU with a failure status. Never returns.
[[noreturn, gnu::format(printf, 1, 2)]] void panic(const char* fmt, ...);

// Prints "  #N 0x..." lines for the return addresses found by walking the
// frame-pointer chain from `frame` (x86-64 and AArch64 both keep
// {previous frame pointer, return address} at the frame pointer).
void print_backtrace(uintptr_t frame);

// Like Linux's BUG_ON / SerenityOS's VERIFY: a condition that must hold.
#define KASSERT(cond)                                                                      \
    do {                                                                                   \
        if (!(cond)) panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__);   \
    } while (0)
