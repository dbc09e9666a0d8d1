// sched/sync.cpp -- Mutex and WaitGroup (Go: sync/mutex.go, sync/waitgroup.go) on the runtime's
// semaphores (sema.cpp).
#include "sync.h"

#include "print.h"
#include "runtime.h"
#include "runtime2.h"
#include "sema.h"

namespace rt {

void Mutex::lockSlow() {
  preemptCheck();
  bool awoke = false;
  int32_t old = state_.load();
  for (;;) {
    int32_t next = old | kLocked;
    if (old & kLocked) next = old + (1 << kWaiterShift);  // stay locked, one more waiter
    if (awoke) {
      // The goroutine has been woken from sleep, so we need to reset the flag in either case.
      if (!(next & kWoken)) fatal("sync: inconsistent mutex state");
      next &= ~kWoken;
    }
    if (state_.compare_exchange_weak(old, next, std::memory_order_acquire)) {
      if (!(old & kLocked)) break;  // locked the mutex with CAS
      // If we were already waiting before, queue at the front of the queue.
      semacquire1(&sema_, awoke, waitReasonSyncMutexLock);
      awoke = true;
      old = state_.load();
    }
  }
}

void Mutex::Unlock() {
  // Fast path: drop lock bit.
  int32_t next = state_.fetch_sub(kLocked, std::memory_order_release) - kLocked;
  if (((next + kLocked) & kLocked) == 0) fatal("sync: unlock of unlocked mutex");
  if (next != 0) unlockSlow(next);
}

void Mutex::unlockSlow(int32_t old) {
  for (;;) {
    // If there are no waiters or a goroutine has already been woken or grabbed the lock, no
    // need to wake anyone.
    if ((old >> kWaiterShift) == 0 || (old & (kLocked | kWoken)) != 0) return;
    // Grab the right to wake someone.
    int32_t next = (old - (1 << kWaiterShift)) | kWoken;
    if (state_.compare_exchange_weak(old, next)) {
      semrelease1(&sema_, false);
      return;
    }
  }
}

void WaitGroup::Add(int delta) {
  uint64_t state = state_.fetch_add(static_cast<uint64_t>(static_cast<int64_t>(delta)) << 32) +
                   (static_cast<uint64_t>(static_cast<int64_t>(delta)) << 32);
  int32_t v = static_cast<int32_t>(state >> 32);  // counter
  uint32_t w = static_cast<uint32_t>(state);      // waiters
  if (v < 0) gopanic("sync: negative WaitGroup counter");
  if (w != 0 && delta > 0 && v == delta)
    gopanic("sync: WaitGroup misuse: Add called concurrently with Wait");
  if (v > 0 || w == 0) return;
  // This goroutine has set counter to 0 when waiters > 0. Now there can't be concurrent
  // mutations of state: Adds must not happen concurrently with Wait, and Wait does not
  // increment waiters if it sees counter == 0. Still do a cheap sanity check to detect
  // WaitGroup misuse.
  if (state_.load() != state) gopanic("sync: WaitGroup misuse: Add called concurrently with Wait");
  // Reset waiters count to 0.
  state_.store(0);
  for (; w != 0; w--) semrelease1(&sema_, false);
}

void WaitGroup::Wait() {
  for (;;) {
    uint64_t state = state_.load();
    if ((state >> 32) == 0) return;  // Counter is 0, no need to wait.
    // Increment waiters count.
    if (state_.compare_exchange_weak(state, state + 1)) {
      semacquire1(&sema_, false, waitReasonSyncWaitGroupWait);
      if (state_.load() != 0)
        gopanic("sync: WaitGroup is reused before previous Wait has returned");
      return;
    }
  }
}

void Semaphore::gopanicRelease() { gopanic("rt::Semaphore: Release without Acquire"); }

}  // namespace rt
