// sched/lock_futex.cpp -- the runtime's own mutex and note, on futexes (Go: lock_futex.go).
//
// These block the THREAD, so they protect only short critical sections in the scheduler itself
// (sched.lock, a channel's lock, a P's timers) and the places where an M has nothing to do
// (an idle M sleeps on its m.park note). Goroutines never sleep on them: a G that must wait
// parks with gopark and its M goes on to run other Gs.
#include "arch.h"
#include "os.h"
#include "runtime2.h"

namespace rt {
namespace {

// mutex.key values. "sleeping" means some thread may be in futexsleep on the key, so whoever
// unlocks must wake one.
constexpr uint32_t mutex_unlocked = 0;
constexpr uint32_t mutex_sleeping = 2;
static_assert(mutex_unlocked == 0, "lock/unlock in runtime2.h use the literal values");

// Go's spinning policy: a few rounds of PAUSE/YIELD (only useful with another CPU that could
// be about to release the lock), one sched_yield, then sleep in the kernel.
constexpr int active_spin = 4;
constexpr uint32_t active_spin_cnt = 30;
constexpr int passive_spin = 1;

uint32_t* futexAddr(std::atomic<uint32_t>* a) { return reinterpret_cast<uint32_t*>(a); }

}  // namespace

// lock's slow path: the speculative exchange in lock (runtime2.h) found the mutex held (v).
void lockSlow(mutex* l, uint32_t v) {
  // wait is either locked or sleeping, depending on whether a thread may be asleep on this
  // mutex. If we ever change the key from sleeping to something else we must set it back to
  // sleeping before returning, so the sleeper still gets its wakeup.
  uint32_t wait = v;
  const int spin = ncpu > 1 ? active_spin : 0;
  for (;;) {
    for (int i = 0; i < spin; i++) {
      while (l->key.load(std::memory_order_relaxed) == mutex_unlocked) {
        uint32_t expected = mutex_unlocked;
        if (l->key.compare_exchange_weak(expected, wait, std::memory_order_acquire)) return;
      }
      arch::procyield(active_spin_cnt);
    }
    for (int i = 0; i < passive_spin; i++) {
      while (l->key.load(std::memory_order_relaxed) == mutex_unlocked) {
        uint32_t expected = mutex_unlocked;
        if (l->key.compare_exchange_weak(expected, wait, std::memory_order_acquire)) return;
      }
      os::osyield();
    }
    // Sleep.
    v = l->key.exchange(mutex_sleeping, std::memory_order_acquire);
    if (v == mutex_unlocked) return;
    wait = mutex_sleeping;
    os::futexsleep(futexAddr(&l->key), mutex_sleeping, -1);
  }
}

// unlock's slow path: the key was not simply "locked" (v).
void unlockSlow(mutex* l, uint32_t v) {
  if (v == mutex_unlocked) fatal("unlock of unlocked lock");
  if (v == mutex_sleeping) os::futexwakeup(futexAddr(&l->key), 1);
}

// One-time notifications: 0 = not yet, 1 = happened.
void noteclear(note* n) { n->key.store(0, std::memory_order_relaxed); }

void notewakeup(note* n) {
  uint32_t old = n->key.exchange(1, std::memory_order_release);
  // Go throws on a second wakeup: someone lost track of who owns the sleeper. Only Run's
  // shutdown may wake an M that something else has already woken.
  if (old != 0 && !sched.shutdown.load(std::memory_order_relaxed))
    fatal("notewakeup - double wakeup");
  os::futexwakeup(futexAddr(&n->key), 1);
}

void notesleep(note* n) {
  while (n->key.load(std::memory_order_acquire) == 0) os::futexsleep(futexAddr(&n->key), 0, -1);
}

bool notetsleep(note* n, int64_t ns) {
  if (ns < 0) {
    notesleep(n);
    return true;
  }
  if (n->key.load(std::memory_order_acquire) != 0) return true;
  const int64_t deadline = os::nanotime() + ns;
  for (;;) {
    os::futexsleep(futexAddr(&n->key), 0, ns);
    if (n->key.load(std::memory_order_acquire) != 0) return true;
    int64_t now = os::nanotime();
    if (now >= deadline) return false;
    ns = deadline - now;
  }
}

}  // namespace rt
