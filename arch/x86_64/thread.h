// arch/x86_64/thread.h - x86-64 helpers behind the "Threads" part of
// arch/arch.h (thread.cpp, switch.S).
#pragma once

#include <stdint.h>

#include "arch/arch.h"

namespace x86 {

// What the first switch to a new context calls, on the new stack:
// start(entry, arg). Must not return.
using StartFunction = void (*)(void (*entry)(void*), void* arg);

// Prepares `context` so that the first switch_context() to it calls
// start(entry, arg) on the stack ending at stack_top (16-byte aligned).
// arch::init_thread_context passes the scheduler's sched_thread_start; the
// ktests pass their own, to test switching without the scheduler.
void init_context(arch::ThreadContext* context, uintptr_t stack_top, StartFunction start,
                  void (*entry)(void*), void* arg);

}  // namespace x86
