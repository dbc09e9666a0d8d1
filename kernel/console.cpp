// kernel/console.cpp - see console.h.
#include "kernel/console.h"

#include "kernel/lib/ring_buffer.h"
#include "kernel/sync/spinlock.h"

namespace {
ConsoleDevice* g_device = nullptr;
SpinLock g_console_lock;
bool g_panic_mode = false;

// Received bytes: one producer (the UART interrupt, on one CPU) and
// consumers serialised by g_input_lock.
RingBuffer<1024> g_input;
SpinLock g_input_lock;
void (*g_input_listener)() = nullptr;

void write_unlocked(const char* s, size_t n) {
    if (!g_device) return;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') g_device->put_char('\r');
        g_device->put_char(s[i]);
    }
}
}  // namespace

void console_register(ConsoleDevice* device) { g_device = device; }

void console_write(const char* s, size_t n) {
    if (__atomic_load_n(&g_panic_mode, __ATOMIC_RELAXED)) {
        write_unlocked(s, n);
        return;
    }
    SpinLockGuard guard(g_console_lock);
    write_unlocked(s, n);
}

void console_drain_device() {
    if (!g_device) return;
    bool any = false;
    for (int c; (c = g_device->get_char()) >= 0; any = true) g_input.push(uint8_t(c));
    if (any && g_input_listener) g_input_listener();
}

void console_input_push(char c) {
    g_input.push(uint8_t(c));  // a full buffer drops the byte, like a UART overrun
    if (g_input_listener) g_input_listener();
}

void console_set_input_listener(void (*listener)()) { g_input_listener = listener; }

int console_read_char() {
    SpinLockGuard guard(g_input_lock);
    uint8_t byte;
    return g_input.pop(&byte, 1) == 1 ? byte : -1;
}

void console_enter_panic_mode() { __atomic_store_n(&g_panic_mode, true, __ATOMIC_RELAXED); }
