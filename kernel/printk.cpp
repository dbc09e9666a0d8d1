// kernel/printk.cpp - kprintf and panic.
#include "kernel/printk.h"

#include "arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/format.h"

namespace {
// Formats into a line-sized stack buffer and writes it in one console_write,
// so lines from different CPUs do not interleave mid-line.
constexpr size_t kLineBuffer = 256;
}  // namespace

void kvprintf(const char* fmt, va_list ap) {
    char buf[kLineBuffer];
    va_list copy;
    va_copy(copy, ap);
    int n = kvsnprintf(buf, sizeof buf, fmt, copy);
    va_end(copy);
    if (n < 0) return;
    if (size_t(n) < sizeof buf) {
        console_write(buf, size_t(n));
        return;
    }
    // Longer than a line: stream it through the formatter piece by piece.
    vformat(
        [](void*, const char* s, size_t len) { console_write(s, len); }, nullptr, fmt, ap);
}

void kprintf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

extern "C" char __kernel_start[], __kernel_end[];

void print_backtrace(uintptr_t frame) {
    // Walk at most 16 frames and stop at anything that does not look like a
    // kernel stack address: a corrupt chain must not fault inside panic().
    for (int depth = 0; depth < 16 && frame; depth++) {
        if (frame & 7 || frame < DIRECT_MAP_BASE) break;
        auto* record = reinterpret_cast<uintptr_t*>(frame);
        uintptr_t return_address = record[1];
        if (return_address < uintptr_t(__kernel_start) || return_address >= uintptr_t(__kernel_end))
            break;
        kprintf("  #%d 0x%lx\n", depth, return_address);
        if (record[0] <= frame) break;  // stacks grow down: callers live above
        frame = record[0];
    }
}

[[noreturn]] void panic(const char* fmt, ...) {
    arch::interrupts_disable();
    console_enter_panic_mode();
    static bool nested = false;
    if (nested) {
        kprintf("\nPANIC (nested) - stopping\n");
        arch::shutdown(1);
    }
    nested = true;
    kprintf("\nPANIC on cpu %u: ", arch::cpu_id());
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\nbacktrace (addr2line -e build/%s/kernel.elf ADDR):\n", arch::name());
    print_backtrace(arch::frame_pointer());
    arch::shutdown(1);
}
