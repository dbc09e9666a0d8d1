// kernel/futex/futex.h - futexes: "fast user-space mutexes", the kernel half.
//
// A futex is just a 32-bit word in user memory. Locks, condition variables,
// thread joins and the Go runtime's note/park all live in user space and
// change such words with atomic instructions; only when a thread has to wait
// does it ask the kernel: "put me to sleep, but only if the word still holds
// the value I saw" (FUTEX_WAIT), and later another thread says "wake up to n
// sleepers on this word" (FUTEX_WAKE). The kernel keeps nothing for a futex
// nobody sleeps on. Compare Linux's kernel/futex/ (waitwake.c, core.c) and
// Drepper's "Futexes Are Tricky"; Go's runtime/lock_futex.go sits on top.
//
// The one thing the kernel must get right is the lost wake-up: a waker that
// changes the word and calls FUTEX_WAKE just after the waiter read the word
// in user space, but before it went to sleep. The kernel rechecks the word
// and queues the waiter in one step under the lock of the word's hash bucket,
// and a waker takes that same lock to find waiters - so the wake either finds
// the waiter queued, or happens before the recheck, which then fails with
// EAGAIN (Linux: futex_wait_setup() under futex_q_lock()).
//
// Keys: a futex is named by (address space, user address). Linux tells
// "private" futexes (FUTEX_PRIVATE_FLAG: keyed the same way) from shared ones
// (keyed by the page's inode or physical page, so two processes mapping the
// same file or MAP_SHARED memory meet). Handoff has neither fork nor shared
// mappings: memory is shared only by threads and vfork children, which share
// the AddressSpace itself. So both kinds are keyed by (AddressSpace, address)
// here and behave identically - which is also why a join's plain FUTEX_WAIT
// meets the kernel's CLONE_CHILD_CLEARTID wake.
#pragma once

#include <stddef.h>
#include <stdint.h>

class AddressSpace;

// futex(2) operations and flags (include/uapi/linux/futex.h).
constexpr int kFutexWait = 0, kFutexWake = 1, kFutexWaitBitset = 9, kFutexWakeBitset = 10;
constexpr int kFutexPrivateFlag = 128;     // FUTEX_PRIVATE_FLAG
constexpr int kFutexClockRealtime = 256;   // FUTEX_CLOCK_REALTIME
constexpr uint32_t kFutexBitsetMatchAny = 0xffffffff;  // FUTEX_BITSET_MATCH_ANY

// Sleeps on the futex word at `address` of `mm` if it holds `expected`,
// until woken by futex_wake() with a bitset sharing a bit with `bitset`, or
// until monotonic_ns() >= deadline_ns (kNoDeadline from sched.h: none).
//   0           woken by futex_wake
//   -EAGAIN     the word did not hold `expected` (Linux's EWOULDBLOCK)
//   -ETIMEDOUT  the deadline passed first
//   -EINTR      the process is being killed (the thread exits on its way out)
//   -EFAULT     the word cannot be read
//   -EINVAL     `address` is not 4-byte aligned, or bitset is 0
// `mm` must be the current thread's address space (the word is read through
// it). mm == nullptr means `address` is a kernel address: the in-kernel
// tests use futexes between kernel threads, which have no user memory.
long futex_wait(AddressSpace* mm, uintptr_t address, uint32_t expected, uint64_t deadline_ns,
                uint32_t bitset = kFutexBitsetMatchAny);

// Wakes up to `count` threads sleeping on (mm, address) whose bitset shares
// a bit with `bitset`, oldest first. Returns how many it woke, or -EINVAL
// (misaligned, bitset 0). Like Linux, a count of 0 or less still wakes one.
// Reads no user memory, so it may be called for an address that is not
// mapped (and from thread exit, for CLONE_CHILD_CLEARTID).
long futex_wake(AddressSpace* mm, uintptr_t address, int count,
                uint32_t bitset = kFutexBitsetMatchAny);

// For tests and /proc: threads sleeping on futexes right now.
size_t futex_waiter_count();
