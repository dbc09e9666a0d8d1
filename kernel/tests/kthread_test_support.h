// kernel/tests/kthread_test_support.h - kernel threads for the ktests of
// things that block (futexes, pipes, the slow disk).
//
// ktests run on the boot CPU's idle context, which must never block (the
// scheduler falls back to it when nothing else can run). So a test starts
// kernel threads to do the blocking, and the test itself only calls
// schedule() until they are done: each call lets the runnable threads run
// until they block or yield, and comes back here when none is left. (So
// the test's code runs only while none of its threads is runnable: a
// thread that spins with schedule() keeps it out until it stops.)
#pragma once

#include <stdint.h>

#include "kernel/printk.h"
#include "kernel/proc/thread.h"
#include "kernel/sched/sched.h"
#include "kernel/time.h"

// Starts fn(arg) on a new kernel thread (no process). fn must end by calling
// ktest_thread_exit(). The thread, valid until fn exits, or nullptr when out
// of memory.
inline Thread* ktest_spawn(void (*fn)(void*), void* arg, const char* name) {
    Thread* thread = thread_create(nullptr, name, fn, arg);
    if (thread) sched_start(thread);
    return thread;
}

// Ends the calling kernel thread: the scheduler frees its stack once it has
// switched away (what thread_exit() does for a thread of a process).
[[noreturn]] inline void ktest_thread_exit() {
    {
        InterruptsOffGuard irqs_off;
        current_thread()->state = ThreadState::kDead;
    }
    schedule();
    panic("ktest thread %d was scheduled after it exited", current_thread()->tid);
}

// Lets the test's threads run until done() is true. Gives up with a panic
// after `timeout_ns` (the runner reports it): returning would let threads
// that still use the test's stack variables run on.
template <typename Done>
void ktest_run_until(Done done, uint64_t timeout_ns = 20ull * 1000 * 1000 * 1000) {
    uint64_t deadline = monotonic_ns() + timeout_ns;
    while (!done()) {
        if (monotonic_ns() > deadline) panic("ktest: threads did not finish in time");
        schedule();
    }
}

// Waits until every thread created since `threads_before` = thread_count()
// has exited and been freed (an exited thread's stack is freed only once it
// is off its CPU), so that leak checks see all of it returned.
inline void ktest_reap_threads(long threads_before) {
    ktest_run_until([&] { return thread_count() <= threads_before; });
}
