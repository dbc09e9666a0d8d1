// kernel/timer.cpp - per-CPU queues of one-shot timers (see timer.h).
//
// Each CPU's TimerBase holds its armed timers in a list sorted by deadline,
// earliest first (equal deadlines in the order they were armed). Arming walks
// the list to its place: O(n), and n is small here (the tick, the sleeping
// threads of this CPU, a disk). Linux keeps an rbtree (lib/timerqueue.c) for
// the thousands of timers a server has; the idea is the same: the hardware
// only ever needs the first one.
//
// The hardware timer of a CPU is programmed only by that CPU (the local APIC
// timer and the generic timer's comparator are per-CPU registers), so:
//   - timer_arm() puts a timer on the calling CPU's queue and reprograms when
//     it became the first;
//   - a timer cancelled from another CPU is just unlinked: its CPU's hardware
//     may still fire for it, find nothing due, and program the next one;
//   - timer_interrupt() always ends by programming the (new) earliest.
//
// A callback runs with its base unlocked, so it may arm timers itself and
// take other locks (the scheduler's, a device's) without an ordering problem
// against timer_arm(), which such code calls with those locks held. While
// it runs, base->running names the timer: that is how timer_cancel() on
// another CPU knows to wait for it (Linux: hrtimer_cpu_base.running).
#include "kernel/timer.h"

#include "arch/arch.h"
#include "kernel/cpu.h"
#include "kernel/sync/spinlock.h"
#include "kernel/time.h"

struct TimerBase {
    SpinLock lock;
    IntrusiveList<Timer, &Timer::node> queue;  // sorted by deadline_ns
    Timer* running = nullptr;                 // whose callback runs right now
    uint64_t expirations = 0;
};

namespace {

TimerBase g_bases[kMaxCpus];

// Links `timer` into base's queue at its place. Called with base locked.
void enqueue(TimerBase& base, Timer* timer) {
    timer->base = &base;
    for (Timer& other : base.queue) {
        if (other.deadline_ns > timer->deadline_ns) {
            base.queue.insert_before(other, *timer);
            return;
        }
    }
    base.queue.push_back(*timer);
}

// Points this CPU's hardware at the earliest timer of its base (which must
// be this CPU's, locked). An empty queue programs "never" (the counter's
// largest value: about 292 years at 2 GHz).
void program(TimerBase& base) {
    Timer* first = base.queue.front();
    arch::set_timer_deadline(first ? counter_at_ns(first->deadline_ns) : UINT64_MAX);
}

}  // namespace

void timer_arm(Timer* timer, uint64_t deadline_ns) {
    InterruptsOffGuard irqs_off;  // we stay on this CPU and its base
    TimerBase* here = &g_bases[arch::cpu_id()];
    TimerBase* old = timer->base;
    if (old && old != here) {
        // Armed on, or last run by, another CPU: take it off that queue. If
        // its callback is running there now, it goes back on that queue
        // instead of ours: were it on ours, it could start running here
        // while the old run is still going. That CPU's timer_interrupt()
        // reprograms its hardware once the callback returns.
        SpinLockGuard guard(old->lock);
        if (timer->node.linked()) old->queue.remove(*timer);
        if (old->running == timer) {
            timer->deadline_ns = deadline_ns;
            enqueue(*old, timer);
            return;
        }
    }
    SpinLockGuard guard(here->lock);
    if (timer->node.linked()) here->queue.remove(*timer);
    timer->deadline_ns = deadline_ns;
    enqueue(*here, timer);
    if (here->queue.front() == timer) program(*here);
}

bool timer_cancel(Timer* timer) {
    TimerBase* base = timer->base;
    if (!base) return false;  // never armed
    for (;;) {
        {
            SpinLockGuard guard(base->lock);
            if (timer->node.linked()) {
                base->queue.remove(*timer);
                return true;
            }
            if (base->running != timer) return false;
        }
        // Its callback is running on another CPU (it cannot be this one: we
        // are not inside it). It may arm the timer again, which the next
        // round catches.
        arch::cpu_relax();
    }
}

bool timer_pending(const Timer* timer) { return timer->node.linked(); }

void timer_interrupt() {
    TimerBase& base = g_bases[arch::cpu_id()];
    base.lock.lock();  // interrupts are off already: we are the handler
    for (;;) {
        Timer* timer = base.queue.front();
        // The hardware may fire a little early (the local APIC's one-shot
        // count is converted from the counter at a calibrated ratio) or for
        // a timer cancelled meanwhile: then nothing is due yet.
        if (!timer || timer->deadline_ns > monotonic_ns()) break;
        base.queue.remove(*timer);
        base.running = timer;
        base.expirations++;
        base.lock.unlock();
        timer->fn(timer->arg);  // may arm timers, wake threads; must not block
        base.lock.lock();
        base.running = nullptr;  // `timer` itself may be gone by now: not touched again
    }
    program(base);
    base.lock.unlock();
}

uint64_t timer_expirations(unsigned cpu) {
    return cpu < kMaxCpus ? __atomic_load_n(&g_bases[cpu].expirations, __ATOMIC_RELAXED) : 0;
}
