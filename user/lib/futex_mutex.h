// user/lib/futex_mutex.h -- the small futex mutex under newlib's locks, sbrk and C++ static
// guards (internal to libhandoff; C++ only).
//
// Classic three-state futex mutex (U. Drepper, "Futexes Are Tricky", mutex #3):
//   state 0 = free, 1 = held, 2 = held and somebody may sleep in FUTEX_WAIT.
// The uncontended lock and unlock are one atomic instruction each and make no syscall; only a
// thread that finds the lock held sleeps in the kernel, and only an unlock that saw state 2
// calls FUTEX_WAKE. Same idea as Go's runtime lock_futex.go (mutex_unlocked/locked/sleeping).
// The futex is PRIVATE (process-local): the kernel may key it by (mm, address), cheaper.
#pragma once

#include "linux_abi.h"
#include "syscall.h"

namespace handoff {

inline long futex_wait(volatile int* addr, int expected, int op = LINUX_FUTEX_WAIT_PRIVATE) {
  return syscall4(SYS_futex, reinterpret_cast<long>(addr), op, expected, 0);
}

inline long futex_wake(volatile int* addr, int count, int op = LINUX_FUTEX_WAKE_PRIVATE) {
  return syscall3(SYS_futex, reinterpret_cast<long>(addr), op, count);
}

struct FutexMutex {
  int state;  // 0 free, 1 held, 2 held + maybe waiters

  void lock() {
    int c = 0;
    if (__atomic_compare_exchange_n(&state, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
      return;  // fast path: was free
    // Contended: announce a possible sleeper (2) and sleep until we are the one that turned
    // 0 into 2. EINTR/EAGAIN just loop.
    if (c != 2) c = __atomic_exchange_n(&state, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
      futex_wait(&state, 2);
      c = __atomic_exchange_n(&state, 2, __ATOMIC_ACQUIRE);
    }
  }

  bool try_lock() {
    int c = 0;
    return __atomic_compare_exchange_n(&state, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
  }

  void unlock() {
    if (__atomic_fetch_sub(&state, 1, __ATOMIC_RELEASE) != 1) {
      // It was 2: somebody may be asleep. Free the lock, wake one.
      __atomic_store_n(&state, 0, __ATOMIC_RELEASE);
      futex_wake(&state, 1);
    }
  }
};

}  // namespace handoff
