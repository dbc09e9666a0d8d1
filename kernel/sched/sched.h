// kernel/sched/sched.h - the kernel's thread scheduler.
//
// Round robin over per-CPU run queues (an idle CPU steals from the others),
// with time slices cut by the timer interrupt: a thread that uses up its
// slice is marked need_resched and yields the next time it is about to
// return to user mode. The kernel itself
// is not preempted (like xv6's kernel threads, a thread in the kernel runs
// until it blocks, yields or returns to user mode).
//
// Blocking has one rule that prevents lost wake-ups (see WaitQueue): the
// condition is checked and the thread queued under the queue's lock, and
// wake() makes a blocked thread runnable even if it has not switched away
// yet - schedule() then simply keeps it running. Linux's set_current_state()
// / try_to_wake_up() pair works the same way.
#pragma once

#include <stdint.h>

#include "kernel/lib/list.h"
#include "kernel/proc/thread.h"
#include "kernel/sync/spinlock.h"

// Turns the calling boot context into this CPU's idle thread.
void sched_init();
// The thread running on this CPU (one load through the per-CPU register).
inline Thread* current_thread() { return arch::this_cpu()->current; }
// Makes a new thread runnable.
void sched_start(Thread* thread);
// Gives up the CPU: runs another runnable thread if there is one. A
// kRunning caller stays runnable (yield); a kBlocked caller sleeps until
// woken. Call with no spinlocks held.
void schedule();
// Wakes a kBlocked thread. Returns false if it was not blocked.
bool sched_wake(Thread* thread);
// Sleeps the current thread until monotonic_ns() >= deadline_ns (woken by
// a kernel timer, kernel/timer.h). Returns false if cut short because the
// process is exiting.
bool sched_sleep_until(uint64_t deadline_ns);
// No time limit, for sched_block_until.
constexpr uint64_t kNoDeadline = UINT64_MAX;
// Blocks the current thread until sched_wake(), until monotonic_ns() >=
// deadline_ns (kNoDeadline: none), or until its process is being killed;
// `reason` is what /proc shows meanwhile ("futex", "disk"). The building
// block for waits that keep their own list of waiters or need a time limit
// (futexes, the slow disk); WaitQueue covers the rest.
//
// No lost wake-ups, by WaitQueue's rule: the caller makes itself findable by
// its waker (puts itself on its list) under its own lock, and calls this
// with that lock `held` (nullptr: none, for a plain timed sleep). The thread
// is marked blocked before `held` is released, so a waker that takes `held`
// and calls sched_wake() in between makes it runnable again and the switch
// away returns at once. `held` is taken again before returning, as a
// condition variable's wait does (Linux: prepare_to_wait() +
// schedule_hrtimeout()). Interrupts stay as the caller had them.
// Returns false if the deadline has passed, true otherwise (woken, killed or
// spuriously: the caller checks its own condition and thread_interrupted()).
bool sched_block_until(SpinLock* held, uint64_t deadline_ns, const char* reason);
// Is `thread`'s process being killed (exit_group, a fatal fault)? Blocking
// waits then give up early, like Linux's fatal_signal_pending().
bool thread_interrupted(const Thread* thread);
// Called from the idle loop: never returns.
[[noreturn]] void sched_idle_loop();
// Called by every CPU's tick (kernel/time.cpp), in interrupt context:
// time-slice accounting; may mark the current thread for rescheduling.
void scheduler_tick();

// Threads waiting for something. Use wait_until for the lost-wake-up-free
// pattern:
//     if (!queue.wait_until([&] { return child_exited; }, "wait4")) return -EINTR;
class WaitQueue {
public:
    // Blocks until cond() is true, and returns true. cond() is evaluated
    // with the queue's lock held, and must be made true by the waker before
    // it calls wake_*(). Returns false, without waiting for cond(), when the
    // process is being killed: the caller must then unwind (its thread is
    // about to exit on the way back to user mode).
    template <typename Cond>
    bool wait_until(Cond cond, const char* reason) {
        for (;;) {
            {
                SpinLockGuard guard(lock_);
                if (cond()) return true;
                if (thread_interrupted(current_thread())) return false;
                enqueue_current(reason);
            }
            schedule();
            dequeue_current();
        }
    }
    void wake_all();
    void wake_one();
    SpinLock& lock() { return lock_; }

private:
    void enqueue_current(const char* reason);  // marks current kBlocked
    void dequeue_current();
    SpinLock lock_;
    IntrusiveList<Thread, &Thread::wait_node> waiters_;
};
