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
// Timed waits (sleeps, futex timeouts, the slow disk) put a kernel timer
// (kernel/timer.h) on the waiting thread's stack: its callback wakes the
// thread at its deadline, as precisely as the hardware timer allows (xv6
// instead checks its sleepers on every tick, so its sleeps end on a tick).
//
// Lock order: a WaitQueue's (or a futex bucket's, a device's) lock, then
// g_wake_lock, then run-queue locks; a timer base's lock only ever nests
// inside those (timer_arm) and is never held while a callback runs. A CPU
// holding its own run-queue lock takes another CPU's only with try_lock, so
// two stealing CPUs cannot deadlock.
#include "kernel/sched/sched.h"

#include "arch/arch.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "kernel/time.h"
#include "kernel/timer.h"
#include "kernel/trap.h"

namespace {

struct RunQueue {
    SpinLock lock;
    IntrusiveList<Thread, &Thread::sched_node> threads;
};

RunQueue g_run_queues[kMaxCpus];
// Serialises wake-ups: a thread in a timed wait can be woken by its waker
// and by its timer at the same moment, and exactly one of them may find it
// blocked and make it runnable.
SpinLock g_wake_lock;
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
        // Threads of one process share their tables: between two of them the
        // CPU keeps its translations, and its TLB (AArch64 would otherwise
        // flush it all). Linux's context_switch skips switch_mm the same way
        // when prev->mm == next->mm.
        AddressSpace* mm = next->process->mm;
        if (mm && !(prev->process && prev->process->mm == mm)) mm->activate();
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
// Called with g_wake_lock held (so two wakers cannot both do it) and
// interrupts off.
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
    SpinLockGuard guard(g_wake_lock);
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
    SpinLockGuard guard(g_wake_lock);
    if (__atomic_load_n(&thread->state, __ATOMIC_ACQUIRE) != ThreadState::kBlocked) return false;
    make_runnable(thread);
    return true;
}

bool thread_interrupted(const Thread* thread) { return thread->process && thread->process->exiting; }

namespace {

// A timed wait's timer went off: wake its thread (if nothing else has).
void wake_at_deadline(void* thread) { sched_wake(static_cast<Thread*>(thread)); }

}  // namespace

bool sched_sleep_until(uint64_t deadline_ns) {
    // Woken early only by a kill (sched_wake from exit_group): then stop.
    while (sched_block_until(nullptr, deadline_ns, "sleep")) {
        if (thread_interrupted(current_thread())) return false;
    }
    return true;
}

bool sched_block_until(SpinLock* held, uint64_t deadline_ns, const char* reason) {
    Thread* self = current_thread();
    // The deadline's timer lives in this frame: it is cancelled below before
    // the frame goes (Linux's schedule_hrtimeout keeps an hrtimer_sleeper on
    // the stack the same way).
    Timer timeout(wake_at_deadline, self);
    bool timed = deadline_ns != kNoDeadline;
    {
        SpinLockGuard guard(g_wake_lock);
        if (thread_interrupted(self)) return true;
        if (timed) {
            if (monotonic_ns() >= deadline_ns) return false;
            // Armed on this CPU with interrupts off and g_wake_lock held:
            // its callback cannot run before we are marked blocked below,
            // so it cannot come too early to find us blocked.
            timer_arm(&timeout, deadline_ns);
        }
        block_current(reason);
    }
    if (held) held->unlock();
    schedule();
    // Woken by the timer, by a waker, or by a kill. In the last two cases
    // the timer is still armed; timer_cancel also waits for its callback if
    // it is running on another CPU at this very moment.
    if (timed) timer_cancel(&timeout);
    if (held) held->lock();
    return !timed || monotonic_ns() < deadline_ns;
}

void scheduler_tick() {
    Cpu* cpu = arch::this_cpu();
    Thread* self = cpu->current;
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
