// kernel/sched/sched.cpp - the thread scheduler (see sched.h).
//
// Each CPU has its own run queue with its own lock (Linux's struct rq).
// A CPU runs the threads of its queue round robin; a CPU whose queue is
// empty steals a thread from another queue before it goes idle, and a
// wake-up that lands on a busy CPU nudges an idle one with an IPI so that it
// comes and steals. That is the whole load balancer.
//
// The run-queue lock is held across switch_context(): the thread that
// switches away takes its CPU's lock, the thread that starts running on that
// CPU releases it (finish_switch). A thread that has just been woken may be
// picked by another CPU while it is still finishing its switch away on its
// old CPU; the picker waits for `on_cpu` to drop first (Linux does the same
// with p->on_cpu in try_to_wake_up / finish_task_switch).
//
// Lock order: a WaitQueue's lock, then g_sleep_lock, then run-queue locks.
// A CPU holding its own run-queue lock takes another CPU's only with
// try_lock, so two stealing CPUs cannot deadlock.
#include "kernel/sched/sched.h"

#include "arch/arch.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "kernel/time.h"
#include "kernel/trap.h"

namespace {

struct RunQueue {
    SpinLock lock;
    IntrusiveList<Thread, &Thread::sched_node> threads;
};

RunQueue g_run_queues[kMaxCpus];
// Threads in a timed sleep, unsorted: CPU 0's tick scans them. A sleeping
// thread is on no wait queue, so its sched_node is free for this list.
SpinLock g_sleep_lock;
IntrusiveList<Thread, &Thread::sched_node> g_sleepers;
Thread g_idle_threads[kMaxCpus];

// Timer ticks a thread may run before it must let others have the CPU.
// 2 ticks = 20 ms at 100 Hz (Go's forcePreemptNS is 10 ms; Linux's CFS
// targets a few ms per task).
constexpr int kSliceTicks = 2;

bool is_idle(const Thread* t) { return t >= g_idle_threads && t < g_idle_threads + kMaxCpus; }

// Runs on the new thread right after every switch, with this CPU's run
// queue locked (by whoever switched to us): the previous thread is now
// truly off this CPU.
void finish_switch() {
    Cpu* cpu = arch::this_cpu();
    Thread* prev = cpu->switched_from;
    cpu->switched_from = nullptr;
    if (prev) __atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
    g_run_queues[cpu->id].lock.unlock();
    // A dead thread's kernel stack could not be freed while it ran on it;
    // now nobody uses it.
    if (prev && prev->state == ThreadState::kDead) thread_free(prev);
}

// Takes one runnable thread from another CPU's queue (from the back: the
// one that would wait longest there). Called with our own queue locked.
Thread* steal(unsigned self) {
    for (unsigned i = 1; i < arch::online_cpus(); i++) {
        unsigned victim = (self + i) % arch::online_cpus();
        RunQueue& rq = g_run_queues[victim];
        if (rq.threads.empty() || !rq.lock.try_lock()) continue;
        Thread* t = rq.threads.back();
        if (t) {
            rq.threads.remove(*t);
            t->cpu = self;
        }
        rq.lock.unlock();
        if (t) return t;
    }
    return nullptr;
}

// Picks the next thread and switches to it. Called with this CPU's run
// queue locked and interrupts off; returns (with the lock released) when
// this thread runs again, possibly on another CPU.
void switch_away(Cpu* cpu, Thread* prev) {
    RunQueue& rq = g_run_queues[cpu->id];
    if (!is_idle(prev) && prev->state == ThreadState::kRunning) prev->state = ThreadState::kRunnable;
    // Runnable (preempted, yielding, or woken before it got off the CPU):
    // back on the queue. Blocked and dead threads stay off it.
    if (!is_idle(prev) && prev->state == ThreadState::kRunnable) rq.threads.push_back(*prev);
    Thread* next = rq.threads.pop_front();
    if (!next) next = steal(cpu->id);
    if (!next) next = cpu->idle;
    if (next == prev) {
        prev->state = ThreadState::kRunning;
        prev->slice_ticks = kSliceTicks;
        rq.lock.unlock();
        return;
    }
    // Woken elsewhere while still switching out on its old CPU: wait until
    // it is off that CPU before we load its registers.
    while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE)) arch::cpu_relax();
    next->state = ThreadState::kRunning;
    next->on_cpu = true;
    next->cpu = cpu->id;
    next->slice_ticks = kSliceTicks;
    uint64_t now = arch::cycle_counter();
    prev->run_cycles += now - prev->switched_in_at;
    next->switched_in_at = now;
    prev->context_switches++;
    // The user half of the CPU follows the thread: its FP/SIMD registers and
    // thread pointer, its address space and the stack traps will land on.
    if (prev->process) arch::save_user_cpu_state(&prev->user_state);
    if (next->process) {
        arch::load_user_cpu_state(&next->user_state);
        if (next->process->mm) next->process->mm->activate();
        arch::set_kernel_stack(uintptr_t(next->user_frame) + sizeof(TrapFrame));
    } else if (prev->process) {
        // Off to the idle or a kernel thread: drop the user tables, so no
        // CPU keeps walking (even speculatively) tables an exiting process
        // is about to free.
        arch::kernel_page_table().activate();
    }
    cpu->current = next;
    cpu->switched_from = prev;
    arch::switch_context(&prev->context, &next->context);
    finish_switch();
}

// Makes a blocked thread runnable on its CPU's queue and, if that CPU is
// idle, wakes it; if it is busy, wakes an idle CPU to steal the thread.
// Called with g_sleep_lock held (so `t` cannot be in a sleep and a wake at
// once) and interrupts off.
void make_runnable(Thread* t) {
    unsigned target = t->cpu;
    RunQueue& rq = g_run_queues[target];
    rq.lock.lock();
    t->state = ThreadState::kRunnable;
    t->wait_reason = nullptr;
    t->blocked_cycles += arch::cycle_counter() - t->blocked_at;
    // Still on its CPU (between queueing itself and calling schedule()):
    // switch_away() will see it runnable and keep or requeue it.
    bool queued = !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE);
    if (queued) rq.threads.push_back(*t);
    rq.lock.unlock();
    if (!queued) return;
    unsigned self = arch::cpu_id();
    if (is_idle(g_cpus[target].current)) {
        if (target != self) arch::send_reschedule_ipi(target);
        return;
    }
    for (unsigned c = 0; c < arch::online_cpus(); c++) {
        if (c != self && is_idle(g_cpus[c].current)) {
            arch::send_reschedule_ipi(c);
            return;
        }
    }
}

// Marks the running thread blocked (the caller has queued it somewhere it
// will be woken from).
void block_current(const char* reason) {
    Thread* self = current_thread();
    SpinLockGuard guard(g_run_queues[self->cpu].lock);
    self->state = ThreadState::kBlocked;
    self->wait_reason = reason;
    self->blocked_at = arch::cycle_counter();
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
    idle->cpu = cpu->id;
    idle->name[0] = 'i', idle->name[1] = 'd', idle->name[2] = 'l', idle->name[3] = 'e';
    idle->switched_in_at = arch::cycle_counter();
    cpu->idle = idle;
    cpu->current = idle;
}

void sched_start(Thread* thread) {
    // New threads start on the CPU that creates them; an idle CPU will
    // steal them if this one is busy.
    thread->cpu = arch::cpu_id();
    thread->blocked_at = arch::cycle_counter();
    InterruptsOffGuard irqs_off;
    SpinLockGuard guard(g_sleep_lock);
    make_runnable(thread);
}

void schedule() {
    bool irqs_were_on = arch::interrupts_enabled();
    arch::interrupts_disable();
    Cpu* cpu = arch::this_cpu();
    Thread* prev = cpu->current;
    g_run_queues[cpu->id].lock.lock();
    prev->need_resched = false;
    switch_away(cpu, prev);
    if (irqs_were_on) arch::interrupts_enable();
}

bool sched_wake(Thread* thread) {
    SpinLockGuard sleep_guard(g_sleep_lock);
    if (__atomic_load_n(&thread->state, __ATOMIC_ACQUIRE) != ThreadState::kBlocked) return false;
    if (thread->wake_time_ns) {  // a timed sleep cut short
        g_sleepers.remove(*thread);
        thread->wake_time_ns = 0;
    }
    make_runnable(thread);
    return true;
}

bool thread_interrupted(const Thread* thread) { return thread->process && thread->process->exiting; }

bool sched_sleep_until(uint64_t deadline_ns) {
    Thread* self = current_thread();
    while (monotonic_ns() < deadline_ns) {
        {
            SpinLockGuard guard(g_sleep_lock);
            if (thread_interrupted(self)) return false;
            self->wake_time_ns = deadline_ns;
            g_sleepers.push_back(*self);
            block_current("sleep");
        }
        schedule();
    }
    return true;
}

bool sched_block_until(SpinLock* held, uint64_t deadline_ns, const char* reason) {
    Thread* self = current_thread();
    {
        SpinLockGuard guard(g_sleep_lock);
        if (thread_interrupted(self)) return true;
        if (deadline_ns != kNoDeadline) {
            if (monotonic_ns() >= deadline_ns) return false;
            self->wake_time_ns = deadline_ns;  // the tick wakes us then
            g_sleepers.push_back(*self);
        }
        block_current(reason);
    }
    if (held) held->unlock();
    schedule();
    if (held) held->lock();
    return deadline_ns == kNoDeadline || monotonic_ns() < deadline_ns;
}

void scheduler_tick() {
    Cpu* cpu = arch::this_cpu();
    Thread* self = cpu->current;
    if (cpu->id == 0) {
        SpinLockGuard guard(g_sleep_lock);
        if (!g_sleepers.empty()) {
            uint64_t now = monotonic_ns();
            for (auto it = g_sleepers.begin(); it != g_sleepers.end();) {
                Thread& t = *it;
                ++it;  // advance before t leaves the list
                if (t.wake_time_ns <= now) {
                    g_sleepers.remove(t);
                    t.wake_time_ns = 0;
                    make_runnable(&t);
                }
            }
        }
    }
    if (is_idle(self)) return;
    RunQueue& rq = g_run_queues[cpu->id];
    SpinLockGuard guard(rq.lock);
    // Others are waiting here, or anywhere (an idle CPU would have stolen
    // them, so a non-empty queue elsewhere means every CPU is busy).
    if (--self->slice_ticks <= 0 && !rq.threads.empty()) self->need_resched = true;
}

[[noreturn]] void sched_idle_loop() {
    Cpu* cpu = arch::this_cpu();
    for (;;) {
        // Look for work with interrupts off, then halt and enable them in
        // one step (arch::wait_for_interrupt): a wake-up that arrives in
        // between is not slept through - its IPI is pending and ends the
        // halt at once.
        arch::interrupts_disable();
        // Unlocked peeks at the queues: a stale answer only costs one
        // schedule() that finds nothing, or one tick of halting.
        bool work = !g_run_queues[cpu->id].threads.empty();
        for (unsigned c = 0; !work && c < arch::online_cpus(); c++) work = !g_run_queues[c].threads.empty();
        if (work)
            schedule();
        else
            arch::wait_for_interrupt();
        arch::interrupts_enable();
    }
}

void WaitQueue::enqueue_current(const char* reason) {
    waiters_.push_back(*current_thread());
    block_current(reason);
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
