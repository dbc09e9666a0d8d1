// kernel/sync/spinlock.h - the kernel's basic lock.
//
// A test-and-test-and-set spinlock plus RAII guards. SpinLockGuard also turns
// interrupts off on this CPU while the lock is held (and restores the previous
// state after): otherwise an interrupt handler that takes the same lock on the
// same CPU would spin forever. Compare xv6's acquire()/push_off() and Linux's
// spin_lock_irqsave().
#pragma once

#include "arch/arch.h"

class SpinLock {
public:
    constexpr SpinLock() = default;
    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

    void lock() {
        while (__atomic_exchange_n(&locked_, true, __ATOMIC_ACQUIRE)) {
            // Spin on a plain load so waiting CPUs share the cache line
            // instead of bouncing it with atomic writes.
            while (__atomic_load_n(&locked_, __ATOMIC_RELAXED)) arch::cpu_relax();
        }
    }
    bool try_lock() { return !__atomic_exchange_n(&locked_, true, __ATOMIC_ACQUIRE); }
    void unlock() { __atomic_store_n(&locked_, false, __ATOMIC_RELEASE); }
    bool is_locked() const { return __atomic_load_n(&locked_, __ATOMIC_RELAXED); }

private:
    bool locked_ = false;
};

// Holds `lock` with interrupts off for the guard's lifetime.
class SpinLockGuard {
public:
    explicit SpinLockGuard(SpinLock& lock) : lock_(lock), irqs_were_on_(arch::interrupts_enabled()) {
        arch::interrupts_disable();
        lock_.lock();
    }
    ~SpinLockGuard() {
        lock_.unlock();
        if (irqs_were_on_) arch::interrupts_enable();
    }
    SpinLockGuard(const SpinLockGuard&) = delete;
    SpinLockGuard& operator=(const SpinLockGuard&) = delete;

private:
    SpinLock& lock_;
    bool irqs_were_on_;
};

// Turns interrupts off on this CPU for a scope, restoring the previous state.
class InterruptsOffGuard {
public:
    InterruptsOffGuard() : were_on_(arch::interrupts_enabled()) { arch::interrupts_disable(); }
    ~InterruptsOffGuard() {
        if (were_on_) arch::interrupts_enable();
    }
    InterruptsOffGuard(const InterruptsOffGuard&) = delete;
    InterruptsOffGuard& operator=(const InterruptsOffGuard&) = delete;

private:
    bool were_on_;
};
