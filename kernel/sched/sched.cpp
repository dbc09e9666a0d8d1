// kernel/sched/sched.cpp - the thread scheduler (see sched.h).
//
// One run queue and one lock for all CPUs: the simplest scheduler that is
// correct on SMP. The lock is held across switch_context(): the thread that
// switches away takes it, the thread that starts running releases it (in
// finish_switch). So no other CPU can pick the outgoing thread before it is
// fully off this CPU - the same hand-over xv6's sched()/scheduler() do with
// p->lock, and Linux's with rq->lock and prev->on_cpu.
#include "kernel/sched/sched.h"

#include "arch/arch.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "kernel/time.h"
#include "kernel/trap.h"

namespace {

SpinLock g_sched_lock;  // the run queue, the sleepers, every thread's state
IntrusiveList<Thread, &Thread::sched_node> g_run_queue;
// Threads in sched_sleep_until(), unsorted: the tick scans them. A sleeping
// thread is on no wait queue, so its sched_node is free for this list.
IntrusiveList<Thread, &Thread::sched_node> g_sleepers;
Thread g_idle_threads[kMaxCpus];

// Timer ticks a thread may run before it must let others have the CPU.
// 2 ticks = 20 ms at 100 Hz (Go's forcePreemptNS is 10 ms; Linux's CFS
// targets a few ms per task).
constexpr int kSliceTicks = 2;

// Runs on the new thread right after every switch, with g_sched_lock held
// (taken by whoever switched to us): the previous thread is now truly off
// this CPU.
void finish_switch() {
    Cpu* cpu = arch::this_cpu();
    Thread* prev = cpu->switched_from;
    cpu->switched_from = nullptr;
    if (prev) prev->on_cpu = false;
    g_sched_lock.unlock();
    // A dead thread's kernel stack could not be freed while it ran on it;
    // now nobody uses it.
    if (prev && prev->state == ThreadState::kDead) thread_free(prev);
}

// First code of every new thread (arch::init_thread_context arranges for
// switch_context to "return" here).
struct StartInfo {
    void (*entry)(void*);
    void* arg;
};

// Picks the next thread and switches to it. Called with g_sched_lock held
// and interrupts off; returns (with the lock released) when this thread
// runs again.
void switch_away(Cpu* cpu, Thread* prev) {
    if (prev != cpu->idle && prev->state == ThreadState::kRunning) prev->state = ThreadState::kRunnable;
    // Runnable (preempted, yielding, or woken before it got off the CPU):
    // back on the queue. Blocked and dead threads stay off it.
    if (prev != cpu->idle && prev->state == ThreadState::kRunnable) g_run_queue.push_back(*prev);
    Thread* next = g_run_queue.pop_front();
    if (!next) next = cpu->idle;
    if (next == prev) {
        prev->state = ThreadState::kRunning;
        g_sched_lock.unlock();
        return;
    }
    next->state = ThreadState::kRunning;
    next->on_cpu = true;
    next->slice_ticks = kSliceTicks;
    prev->context_switches++;
    // The user half of the CPU follows the thread: its FP/SIMD registers and
    // thread pointer, its address space and the stack traps will land on.
    if (prev->process) arch::save_user_cpu_state(&prev->user_state);
    if (next->process) {
        arch::load_user_cpu_state(&next->user_state);
        if (next->process->mm) next->process->mm->activate();
        arch::set_kernel_stack(uintptr_t(next->user_frame) + sizeof(TrapFrame));
    }
    cpu->current = next;
    cpu->switched_from = prev;
    arch::switch_context(&prev->context, &next->context);
    finish_switch();
}

}  // namespace

// The entry point arch::init_thread_context() gives every new thread: finish
// the switch that started us, then run the thread's function.
extern "C" void sched_thread_start(void (*entry)(void*), void* arg) {
    finish_switch();
    arch::interrupts_enable();
    entry(arg);
    panic("thread %s returned from its entry function", current_thread()->name);
}

void sched_init() {
    Cpu* cpu = arch::this_cpu();
    Thread* idle = &g_idle_threads[cpu->id];
    idle->state = ThreadState::kRunning;
    idle->on_cpu = true;
    idle->name[0] = 'i', idle->name[1] = 'd', idle->name[2] = 'l', idle->name[3] = 'e';
    cpu->idle = idle;
    cpu->current = idle;
}

void sched_start(Thread* thread) {
    SpinLockGuard guard(g_sched_lock);
    thread->state = ThreadState::kRunnable;
    thread->wait_reason = nullptr;
    g_run_queue.push_back(*thread);
}

void schedule() {
    bool irqs_were_on = arch::interrupts_enabled();
    arch::interrupts_disable();
    g_sched_lock.lock();
    Cpu* cpu = arch::this_cpu();
    Thread* prev = cpu->current;
    prev->need_resched = false;
    switch_away(cpu, prev);
    if (irqs_were_on) arch::interrupts_enable();
}

bool sched_wake(Thread* thread) {
    SpinLockGuard guard(g_sched_lock);
    if (thread->state != ThreadState::kBlocked) return false;
    if (thread->wake_time_ns) {  // a timed sleep cut short
        g_sleepers.remove(*thread);
        thread->wake_time_ns = 0;
    }
    thread->state = ThreadState::kRunnable;
    thread->wait_reason = nullptr;
    // Still on its CPU (between queueing itself and calling schedule()):
    // switch_away() will see it runnable and keep or requeue it.
    if (!thread->on_cpu) g_run_queue.push_back(*thread);
    return true;
}

void sched_sleep_until(uint64_t deadline_ns) {
    Thread* self = current_thread();
    while (monotonic_ns() < deadline_ns) {
        {
            SpinLockGuard guard(g_sched_lock);
            if (self->process && self->process->exiting) return;
            self->wake_time_ns = deadline_ns;
            self->state = ThreadState::kBlocked;
            self->wait_reason = "sleep";
            g_sleepers.push_back(*self);
        }
        schedule();
    }
}

void scheduler_tick() {
    Cpu* cpu = arch::this_cpu();
    Thread* self = cpu->current;
    SpinLockGuard guard(g_sched_lock);
    if (cpu->id == 0 && !g_sleepers.empty()) {
        uint64_t now = monotonic_ns();
        for (auto it = g_sleepers.begin(); it != g_sleepers.end();) {
            Thread& t = *it;
            ++it;  // advance before t leaves the list
            if (t.wake_time_ns <= now) {
                g_sleepers.remove(t);
                t.wake_time_ns = 0;
                t.state = ThreadState::kRunnable;
                t.wait_reason = nullptr;
                if (!t.on_cpu) g_run_queue.push_back(t);
            }
        }
    }
    if (self != cpu->idle && --self->slice_ticks <= 0 && !g_run_queue.empty()) self->need_resched = true;
}

[[noreturn]] void sched_idle_loop() {
    for (;;) {
        // Check for work with interrupts off, then halt and enable them in
        // one step (arch::wait_for_interrupt): a wake-up that arrives in
        // between is not slept through.
        arch::interrupts_disable();
        g_sched_lock.lock();
        bool idle = g_run_queue.empty();
        g_sched_lock.unlock();
        if (idle)
            arch::wait_for_interrupt();
        else
            schedule();
        arch::interrupts_enable();
    }
}

void WaitQueue::enqueue_current(const char* reason) {
    Thread* self = current_thread();
    SpinLockGuard guard(g_sched_lock);
    self->state = ThreadState::kBlocked;
    self->wait_reason = reason;
    waiters_.push_back(*self);
}

void WaitQueue::dequeue_current() {
    Thread* self = current_thread();
    SpinLockGuard guard(lock_);
    if (waiters_.contains(*self)) waiters_.remove(*self);
}

void WaitQueue::wake_all() {
    SpinLockGuard guard(lock_);
    while (Thread* t = waiters_.pop_front()) sched_wake(t);
}

void WaitQueue::wake_one() {
    SpinLockGuard guard(lock_);
    if (Thread* t = waiters_.pop_front()) sched_wake(t);
}
