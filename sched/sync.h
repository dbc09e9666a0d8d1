// sched/sync.h -- Mutex, WaitGroup and the bounded I/O pool's Semaphore (Go: package sync, and
// the buffered-channel semaphore of the Go articles). All of them park goroutines, not threads.
//
//   rt::Mutex mu;      mu.Lock(); ... mu.Unlock();
//   rt::WaitGroup wg;  wg.Add(n); ... wg.Done() in each of n goroutines; wg.Wait();
//   rt::Semaphore sem(8);  sem.Acquire(); rt::Syscall(SYS_read, ...); sem.Release();
//     -- at most 8 goroutines (and so at most 8 threads) in the blocking call at once.
#pragma once

#include <atomic>
#include <stdint.h>

#include "chan.h"

namespace rt {

// Go: sync.Mutex. A state word and a semaphore for waiters. Unlike Go we keep only the
// "normal" mode (no starvation mode after 1 ms of waiting, no active spinning): a woken waiter
// competes with newly arriving goroutines, and may lose, in which case it waits again at the
// front of the queue.
class Mutex {
 public:
  void Lock() {
    int32_t unlocked = 0;
    if (state_.compare_exchange_strong(unlocked, kLocked, std::memory_order_acquire)) return;
    lockSlow();
  }
  bool TryLock() {
    int32_t unlocked = 0;
    return state_.compare_exchange_strong(unlocked, kLocked, std::memory_order_acquire);
  }
  void Unlock();

 private:
  static constexpr int32_t kLocked = 1;       // mutex is locked
  static constexpr int32_t kWoken = 2;        // a waiter has been woken: don't wake another
  static constexpr int32_t kWaiterShift = 2;  // the rest counts waiters
  void lockSlow();
  void unlockSlow(int32_t state);
  std::atomic<int32_t> state_{0};
  std::atomic<uint32_t> sema_{0};
};

// Go: sync.WaitGroup. The counter (high 32 bits) and the number of waiters (low 32 bits) in
// one word, so Add can see "counter reached zero and there are waiters" atomically.
class WaitGroup {
 public:
  void Add(int delta);
  void Done() { Add(-1); }
  void Wait();

 private:
  std::atomic<uint64_t> state_{0};
  std::atomic<uint32_t> sema_{0};
};

// The Go articles' bounded pool: `sem := make(chan struct{}, n)`; acquire is a send (blocks
// when n are taken), release a receive.
class Semaphore {
 public:
  explicit Semaphore(int n) : ch_(static_cast<size_t>(n)) {}
  void Acquire() { ch_.Send(Empty{}); }
  bool TryAcquire() { return ch_.TrySend(Empty{}); }
  void Release() {
    Empty e;
    if (!ch_.TryRecv(&e)) gopanicRelease();
  }
  int InUse() const { return ch_.Len(); }

 private:
  static void gopanicRelease();
  Chan<Empty> ch_;
};

}  // namespace rt
