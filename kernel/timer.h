// kernel/timer.h - one-shot kernel timers: "call this function at that time".
//
// Every CPU keeps its own queue of armed timers, sorted by deadline, and
// programs its own hardware timer (the local APIC timer / the generic timer's
// comparator, through arch::set_timer_deadline) for the earliest one. When
// that interrupt comes, timer_interrupt() runs every timer whose deadline has
// passed and programs the hardware for the next. So a thread that sleeps for
// 2 ms is woken after 2 ms, not at the next 10 ms tick: this is Linux's
// high-resolution timers (kernel/time/hrtimer.c: a per-CPU hrtimer_cpu_base,
// hrtimer_start / hrtimer_cancel, hrtimer_interrupt), with a sorted list
// where Linux keeps a red-black tree. xv6 has no such thing: its sleep(n)
// waits for n ticks of its periodic timer, which is what Handoff did before.
//
// The periodic tick is itself one of these timers (kernel/time.cpp): it
// re-arms itself every 10 ms on every CPU, for time slices and the tick
// count, the way Linux emulates its tick with an hrtimer (tick_sched_timer)
// once high-resolution mode is on. The hardware timer is one-shot only.
//
// No allocation: the caller owns the Timer and embeds it where it lives
// (a sleeping thread's stack frame, a device). Users today: timed sleeps and
// futex timeouts (kernel/sched: sched_block_until), the slow disk's
// completion interrupt (drivers/slow_disk.cpp) and the tick.
//
// Rules, as for Linux's hrtimers:
//   - fn runs in interrupt context on the CPU whose queue holds the timer,
//     with interrupts off: short, no blocking. It may arm its own timer again
//     (the tick does), or others.
//   - Only one context at a time may arm or cancel a given timer (its owner,
//     or whoever holds the owner's lock); fn itself may, as it runs.
//   - Before a Timer's memory goes away, its owner calls timer_cancel():
//     that also waits for a callback still running on another CPU.
#pragma once

#include <stdint.h>

#include "kernel/lib/list.h"

struct TimerBase;

struct Timer {
    using Callback = void (*)(void* arg);

    constexpr Timer() = default;  // set fn (and arg) before arming
    constexpr Timer(Callback callback, void* callback_arg) : fn(callback), arg(callback_arg) {}
    // A queue links to it: it must not move.
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    Callback fn = nullptr;
    void* arg = nullptr;
    uint64_t deadline_ns = 0;    // on the monotonic clock (kernel/time.h)
    TimerBase* base = nullptr;   // the CPU queue it is on, or last ran from
    ListNode node;               // on base's queue while armed
};

// Arms `timer` to fire once monotonic_ns() >= deadline_ns (a deadline in the
// past fires at once, on the next interrupt). If it was armed already it is
// moved to the new deadline, like hrtimer_start on an active hrtimer. The
// timer goes on the calling CPU's queue - unless its callback is running on
// another CPU right now, then on that CPU's (which reprograms its hardware
// when the callback returns), so that one timer never runs on two CPUs at once.
// Any context; interrupts may be on or off.
void timer_arm(Timer* timer, uint64_t deadline_ns);

// Disarms `timer`. Returns true if it was armed (its callback will not run),
// false if it was not (never armed, already fired, or firing right now: then
// this waits until the callback has returned). Must not be called from the
// timer's own callback, nor with a lock held that the callback takes.
// Linux's hrtimer_cancel.
bool timer_cancel(Timer* timer);

// Is `timer` armed? (A racy answer unless the caller is the owner.)
bool timer_pending(const Timer* timer);

// The arch's timer interrupt handler calls this, with interrupts off: runs
// the expired timers of this CPU and programs the hardware for the next.
void timer_interrupt();

// Expired timers this CPU has run (for tests and /proc-like reports).
uint64_t timer_expirations(unsigned cpu);
