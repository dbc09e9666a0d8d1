// kernel/futex/futex.cpp - futex wait and wake (see futex.h), and futex(2).
//
// Sleeping threads hang on a hash table of buckets, each with its own lock
// and list of waiters. Hashing spreads unrelated futexes over many locks, so
// threads of different locks rarely contend in the kernel; waiters for one
// futex always meet in one bucket. Each waiter is a FutexWaiter on its own
// kernel stack (Linux's struct futex_q), so waiting allocates nothing.
//
//   waiter (futex_wait)                      waker (futex_wake)
//   lock bucket                              (user space changed the word)
//   read the word; != expected: EAGAIN       lock bucket
//   queue self, mark blocked                 for each matching waiter:
//   unlock bucket, switch away  <----------    unqueue it, woken = true,
//   (runs again) lock bucket                   sched_wake(its thread)
//   woken? 0. Else unqueue self:             unlock bucket
//     deadline passed? ETIMEDOUT
//     killed? EINTR, else wait again
//
// The waker unqueues the waiter and sets `woken` under the bucket lock, so a
// wake is counted exactly once: a waiter whose deadline passes at the same
// moment still reports the wake (0), as Linux's futex_wait does. The waker
// calls sched_wake() before it unlocks the bucket, while the waiter cannot
// leave futex_wait (it needs the bucket lock to return), so the waiter's
// Thread and FutexWaiter are still there. Lock order: a bucket lock, then
// the scheduler's locks.
#include "kernel/futex/futex.h"

#include "kernel/errno.h"
#include "kernel/lib/list.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/sync/spinlock.h"
#include "kernel/syscall/handlers.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"

namespace {

// 256 buckets, as Linux's minimum (it scales with CPUs: 256 * nr_cpus).
constexpr unsigned kHashBits = 8;
constexpr unsigned kBuckets = 1u << kHashBits;

struct FutexWaiter {
    // A constructor rather than aggregate initialisation: GCC zeroes an
    // aggregate's padding too, with a call to memset (about 40 instructions
    // of every wait on AArch64); this sets just the fields.
    FutexWaiter(AddressSpace* m, uintptr_t a, uint32_t b, Thread* t)
        : mm(m), address(a), bitset(b), thread(t) {}

    ListNode node;             // on its bucket's list while queued
    AddressSpace* mm;          // the key: address space ...
    uintptr_t address;         // ... and address of the word
    uint32_t bitset;           // FUTEX_WAIT_BITSET's mask (all ones for WAIT)
    Thread* thread;
    bool woken = false;        // unqueued by a waker (set under the bucket lock)
};

// Aligned to a cache line, so that CPUs busy with different buckets do not
// bounce one line between them (Linux: ____cacheline_aligned_in_smp).
struct alignas(64) FutexBucket {
    SpinLock lock;
    IntrusiveList<FutexWaiter, &FutexWaiter::node> waiters;
};

FutexBucket g_buckets[kBuckets];
size_t g_waiters = 0;  // all buckets together, for tests (atomic)

// Fibonacci hashing: multiply by 2^64 / golden ratio and keep the top bits,
// which depend on every bit of the key. The address's low two bits are
// always zero (alignment), the address space pointer's low bits too.
FutexBucket& bucket_of(const AddressSpace* mm, uintptr_t address) {
    uint64_t key = uint64_t(address) ^ (uint64_t(uintptr_t(mm)) >> 4) * 31;
    return g_buckets[(key * 0x9E3779B97F4A7C15ull) >> (64 - kHashBits)];
}

// Reads the futex word: through uaccess for a user address (-EFAULT if it
// is not mapped), directly for the in-kernel tests' kernel words. A read
// may take a page fault that pages the word in (demand paging); that only
// takes the address space's own spinlock, so it is fine with a bucket lock
// held (Linux must read with page faults disabled instead, because its
// fault handler can sleep).
int read_word(const AddressSpace* mm, uintptr_t address, uint32_t* value) {
    if (!mm) {
        *value = __atomic_load_n(reinterpret_cast<const uint32_t*>(address), __ATOMIC_SEQ_CST);
        return 0;
    }
    return get_user(value, address);
}

// Linux's get_futex_key() checks for a private futex: 4-byte aligned
// (-EINVAL) and inside the user half (-EFAULT); nothing is read.
int check_address(const AddressSpace* mm, uintptr_t address) {
    if (address % sizeof(uint32_t) != 0) return -EINVAL;
    if (mm && !user_range_ok(address, sizeof(uint32_t))) return -EFAULT;
    return 0;
}

}  // namespace

long futex_wait(AddressSpace* mm, uintptr_t address, uint32_t expected, uint64_t deadline_ns,
                uint32_t bitset) {
    if (bitset == 0) return -EINVAL;
    if (int error = check_address(mm, address)) return error;
    FutexBucket& bucket = bucket_of(mm, address);
    Thread* self = current_thread();
    FutexWaiter waiter(mm, address, bitset, self);

    SpinLockGuard guard(bucket.lock);
    // The recheck that makes the wait safe: user space saw `expected` and
    // decided to sleep; if a waker has changed the word since, it may have
    // already called FUTEX_WAKE, so we must not sleep. If the word is still
    // `expected`, any waker comes after us and will find us queued.
    uint32_t value;
    if (read_word(mm, address, &value)) return -EFAULT;
    if (value != expected) return -EAGAIN;
    bucket.waiters.push_back(waiter);
    __atomic_add_fetch(&g_waiters, 1, __ATOMIC_RELAXED);
    long result;
    for (;;) {
        if (waiter.woken) {  // the waker has unqueued us
            result = 0;
            break;
        }
        if (thread_interrupted(self)) {  // exit_group or a fatal fault
            result = -EINTR;
            break;
        }
        if (!sched_block_until(&bucket.lock, deadline_ns, "futex") && !waiter.woken) {
            result = -ETIMEDOUT;
            break;
        }
        // Woken (check above), killed, or woken for another reason: loop.
    }
    if (!waiter.woken) bucket.waiters.remove(waiter);
    __atomic_sub_fetch(&g_waiters, 1, __ATOMIC_RELAXED);
    return result;
}

long futex_wake(AddressSpace* mm, uintptr_t address, int count, uint32_t bitset) {
    if (bitset == 0) return -EINVAL;
    if (int error = check_address(mm, address)) return error;
    FutexBucket& bucket = bucket_of(mm, address);
    long woken = 0;
    SpinLockGuard guard(bucket.lock);
    for (auto it = bucket.waiters.begin(); it != bucket.waiters.end();) {
        FutexWaiter& waiter = *it;
        ++it;  // before `waiter` leaves the list
        if (waiter.mm != mm || waiter.address != address || !(waiter.bitset & bitset)) continue;
        bucket.waiters.remove(waiter);
        waiter.woken = true;
        sched_wake(waiter.thread);
        // Linux checks after the first wake, so a count of 0 wakes one too.
        if (++woken >= count) break;
    }
    return woken;
}

size_t futex_waiter_count() { return __atomic_load_n(&g_waiters, __ATOMIC_RELAXED); }

// ---- futex(2) ----------------------------------------------------------------
namespace {

constexpr uint64_t kNsPerSec = 1000000000;

// struct timespec on 64-bit Linux.
struct Timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

// Reads futex(2)'s timeout and turns it into a monotonic deadline:
// FUTEX_WAIT's is relative to now; FUTEX_WAIT_BITSET's is an absolute time
// on CLOCK_MONOTONIC, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME (Linux's
// futex_init_timeout). Too far in the future saturates to "never".
int read_deadline(uptr user_timeout, bool relative, bool realtime, uint64_t* deadline) {
    Timespec ts;
    if (get_user(&ts, user_timeout)) return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || uint64_t(ts.tv_nsec) >= kNsPerSec) return -EINVAL;
    uint64_t ns = kNoDeadline;
    uint64_t sec = uint64_t(ts.tv_sec);
    if (sec <= (kNoDeadline - uint64_t(ts.tv_nsec)) / kNsPerSec) ns = sec * kNsPerSec + uint64_t(ts.tv_nsec);
    if (relative) {
        uint64_t now = monotonic_ns();
        *deadline = ns > kNoDeadline - now ? kNoDeadline : now + ns;
    } else if (realtime) {
        // CLOCK_REALTIME = kRealtimeAtBootNs + the monotonic clock (kernel/time.h).
        *deadline = ns > kRealtimeAtBootNs ? ns - kRealtimeAtBootNs : 0;  // before boot: passed
    } else {
        *deadline = ns;
    }
    return 0;
}

}  // namespace

// Linux's order of checks (kernel/futex/syscalls.c): the timeout is read
// first, then the operation is decoded. Operations Linux has and Handoff
// does not (REQUEUE, CMP_REQUEUE, WAKE_OP, the PI ones) are -ENOSYS, which
// is also Linux's answer for an unknown operation.
long sys_futex(uptr uaddr, int op, uint32_t val, uptr timeout, uptr /*uaddr2*/, uint32_t val3) {
    int cmd = op & ~(kFutexPrivateFlag | kFutexClockRealtime);
    bool realtime = op & kFutexClockRealtime;
    Process* process = current_process();
    AddressSpace* mm = process ? process->mm : nullptr;
    if (!mm) return -EFAULT;
    uint64_t deadline = kNoDeadline;
    if (timeout && (cmd == kFutexWait || cmd == kFutexWaitBitset)) {
        if (int error = read_deadline(timeout, cmd == kFutexWait, realtime, &deadline)) return error;
    }
    // FUTEX_CLOCK_REALTIME only makes sense with an absolute timeout.
    if (realtime && cmd != kFutexWaitBitset) return -ENOSYS;
    switch (cmd) {
    case kFutexWait: return futex_wait(mm, uaddr, val, deadline);
    case kFutexWaitBitset: return futex_wait(mm, uaddr, val, deadline, val3);
    // The count is an int in Linux: 0x7fffffff ("all") is the usual value.
    case kFutexWake: return futex_wake(mm, uaddr, int(val));
    case kFutexWakeBitset: return futex_wake(mm, uaddr, int(val), val3);
    default: return -ENOSYS;
    }
}
