// sched/lockosthread.cpp -- wiring a goroutine to its thread (Go: LockOSThread,
// UnlockOSThread in proc.go).
//
// Some kernel state belongs to a thread, not a process: namespaces (setns), credentials,
// scheduling priority and affinity, a GL or CUDA context, a C library's thread-locals. A
// goroutine that needs it calls LockOSThread; from then on only its M runs it, and its M runs
// nothing else. When the G blocks, the M does not look for other work: stoplockedm hands the P
// to another M and sleeps until the G is runnable again, and whoever finds the G in a run queue
// hands its own P over (startlockedm). So a locked G that sleeps keeps its thread -- the cost
// the Go articles count.
//
// Calls nest (counter semantics): n LockOSThread calls need n UnlockOSThread calls. A G that
// exits still locked takes its M with it (goexit0): the thread's state may be unusual, so it is
// not returned to the pool.
#include "runtime.h"
#include "runtime2.h"

namespace rt {
namespace {

void dolockOSThread() {
  G* gp = getg();
  M* mp = gp->m.load(std::memory_order_relaxed);
  mp->lockedg.store(gp, std::memory_order_relaxed);
  gp->lockedm.store(mp, std::memory_order_relaxed);
}

void dounlockOSThread() {
  G* gp = getg();
  M* mp = gp->m.load(std::memory_order_relaxed);
  if (mp->lockedInt != 0 || mp->lockedExt != 0) return;
  mp->lockedg.store(nullptr, std::memory_order_relaxed);
  gp->lockedm.store(nullptr, std::memory_order_relaxed);
}

}  // namespace

void LockOSThread() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  mp->lockedExt++;
  if (mp->lockedExt == 0) {
    mp->lockedExt--;
    gopanic("LockOSThread nesting overflow");
  }
  dolockOSThread();
}

void UnlockOSThread() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  if (mp->lockedExt == 0) return;
  mp->lockedExt--;
  dounlockOSThread();
}

}  // namespace rt
