// sched/schedule.cpp -- one round of scheduling: find a runnable G and run it (Go: schedule,
// findRunnable, stealWork, execute, gopark, goready, Gosched in proc.go).
//
// Every M with a P loops through schedule() on its g0 stack:
//
//   schedule -> findRunnable -> execute -> gogo(G) ... G runs ... mcall(park_m / gosched_m /
//   goexit0 / exitsyscall0) -> back on g0 -> schedule
//
// findRunnable looks, in order, at: timers due on this P; the global queue once every 61
// schedticks (fairness: otherwise two Gs readying each other would own the local queue forever);
// runnext and the local queue; the global queue; the netpoller (non-blocking); other Ps' queues
// (stealing half, 4 rounds, the last one also stealing runnext and running their timers).
// If all of that fails the M gives its P back and goes to sleep -- but first it re-checks
// everything once more after leaving the spinning state, because work submitted in between
// would otherwise wait for nobody (the "delicate dance" in proc.go's essay).
#include "os.h"
#include "print.h"
#include "runtime.h"
#include "runtime2.h"
#include "trace.h"

namespace rt {

void casgstatusFailed(G* gp, uint32_t oldval, uint32_t newval, uint32_t seen) {
  if (oldval == newval) fatal("casgstatus: bad incoming values");
  print("runtime: casgstatus: oldval=", oldval, " newval=", newval, " actual=", seen, " goid=",
        gp->goid.load(std::memory_order_relaxed), "\n");
  fatal("casgstatus: bad status");
}

// ---- Ps and Ms ---------------------------------------------------------------------------------

// Go: wirep. Attach pp to the current M. pp must be _Pidle and unowned.
void wirep(P* pp) {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  if (mp->p.load(std::memory_order_relaxed)) fatal("wirep: already in go");
  if (pp->m.load(std::memory_order_relaxed) ||
      pp->status.load(std::memory_order_relaxed) != _Pidle) {
    print("wirep: p->m=", pp->m.load() ? pp->m.load()->id : -1, " p->status=", pp->status.load(),
          "\n");
    fatal("wirep: invalid p state");
  }
  mp->p.store(pp, std::memory_order_relaxed);
  pp->m.store(mp, std::memory_order_release);
  pp->status.store(_Prunning, std::memory_order_release);
}

// Go: acquirep. Associate pp with the current M.
void acquirep(P* pp) {
  wirep(pp);
  traceEvent(TraceEv::ProcStatus, static_cast<uint64_t>(pp->id), _Pidle | _Prunning << 8);
}

// Go: releasep. Disassociate the current M from its P, which becomes _Pidle (not yet on the
// idle list: the caller decides where it goes).
P* releasep() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  P* pp = mp->p.load(std::memory_order_relaxed);
  if (!pp || pp->m.load(std::memory_order_relaxed) != mp ||
      pp->status.load(std::memory_order_relaxed) != _Prunning)
    fatal("releasep: invalid p state");
  traceEvent(TraceEv::ProcStatus, static_cast<uint64_t>(pp->id), _Prunning | _Pidle << 8);
  mp->p.store(nullptr, std::memory_order_relaxed);
  pp->m.store(nullptr, std::memory_order_relaxed);
  pp->status.store(_Pidle, std::memory_order_release);
  return pp;
}

// Go: dropg. Break the link between the M and the G it was running.
void dropg() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  G* gp = mp->curg.load(std::memory_order_relaxed);
  if (gp) gp->m.store(nullptr, std::memory_order_relaxed);
  mp->curg.store(nullptr, std::memory_order_relaxed);
}

// Go: m.becomeSpinning. The M is out of local work and will look elsewhere.
void becomeSpinning(M* mp) {
  mp->spinning.store(true, std::memory_order_relaxed);
  sched.nmspinning.fetch_add(1);
  sched.needspinning.store(0);
}

// Go: resetspinning. A spinning M found work. If it was the last spinner, wake another so that
// somebody keeps looking while idle Ps remain (wakep decides).
void resetspinning() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  if (!mp->spinning.load(std::memory_order_relaxed)) fatal("resetspinning: not a spinning m");
  mp->spinning.store(false, std::memory_order_relaxed);
  if (sched.nmspinning.fetch_sub(1) - 1 < 0) fatal("findRunnable: negative nmspinning");
  wakep();
}

// A cheap per-M xorshift (Go: fastrand); only steal and select order depend on it.
uint32_t fastrand() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  uint64_t x = mp->fastrand;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  mp->fastrand = x;
  return static_cast<uint32_t>(x >> 16);
}

// ---- steal order (Go: randomOrder) ------------------------------------------------------------
// Visit all Ps in a random order without allocation: start anywhere, step by a number coprime
// with the P count, and every P comes up exactly once.
namespace {
struct {
  uint32_t count = 0;
  std::vector<uint32_t> coprimes;
} stealOrder;

uint32_t gcd(uint32_t a, uint32_t b) {
  while (b != 0) {
    uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}
}  // namespace

void initStealOrder(int32_t nprocs) {
  stealOrder.count = static_cast<uint32_t>(nprocs);
  stealOrder.coprimes.clear();
  for (uint32_t i = 1; i <= stealOrder.count; i++)
    if (gcd(i, stealOrder.count) == 1) stealOrder.coprimes.push_back(i);
}

// ---- finding work ------------------------------------------------------------------------------
namespace {

// Go: stealWork. Try to steal a G (or run a timer) from any other P. Sets newWork if timers ran
// on another P may have readied Gs that are not ours to take directly.
G* stealWork(int64_t* now, int64_t* pollUntil, bool* newWork) {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  P* pp = mp->p.load(std::memory_order_relaxed);
  bool ranTimer = false;
  const uint32_t n = stealOrder.count;
  for (int i = 0; i < stealTries; i++) {
    // Only the last round steals runnext or runs another P's timers: those are the P's own
    // imminent work, taking it early just bounces Gs between Ps.
    const bool stealTimersOrRunNextG = i == stealTries - 1;
    const uint32_t r = fastrand();
    uint32_t pos = r % n;
    const uint32_t inc = stealOrder.coprimes[r / n % stealOrder.coprimes.size()];
    for (uint32_t k = 0; k < n; k++, pos = (pos + inc) % n) {
      if (sched.shutdown.load(std::memory_order_relaxed)) return nullptr;
      P* p2 = allp[pos];
      if (p2 == pp) continue;
      if (stealTimersOrRunNextG && p2->timer0When.load(std::memory_order_relaxed) != 0) {
        CheckTimersResult r2 = checkTimers(p2, *now);
        *now = r2.now;
        if (r2.pollUntil != 0 && (*pollUntil == 0 || r2.pollUntil < *pollUntil))
          *pollUntil = r2.pollUntil;
        if (r2.ran) {
          // The timers readied Gs onto OUR run queue (goready uses the current P).
          bool inherit;
          if (G* gp = runqget(pp, &inherit)) return gp;
          ranTimer = true;
        }
      }
      if (p2->status.load(std::memory_order_relaxed) != _Pidle) {
        if (G* gp = runqsteal(pp, p2, stealTimersOrRunNextG)) return gp;
      }
    }
  }
  *newWork = ranTimer;
  return nullptr;
}

// Go: checkRunqsNoP. After dropping our P: does any P have queued work? Then get a P back.
P* checkRunqsNoP() {
  for (int32_t i = 0; i < gomaxprocs; i++) {
    if (!runqempty(allp[i])) {
      lock(&sched.lock);
      P* pp = pidlegetSpinning();
      unlock(&sched.lock);
      return pp;  // nullptr: no P to run it; needspinning now tells the others
    }
  }
  return nullptr;
}

// Go: checkTimersNoP. The earliest timer of any P.
int64_t checkTimersNoP(int64_t pollUntil) {
  for (int32_t i = 0; i < gomaxprocs; i++) {
    int64_t w = allp[i]->timer0When.load(std::memory_order_relaxed);
    if (w != 0 && (pollUntil == 0 || w < pollUntil)) pollUntil = w;
  }
  return pollUntil;
}

// Go: findRunnable. Blocks until there is work; returns with a P held.
G* findRunnable(bool* inheritTime) {
  M* mp = getg()->m.load(std::memory_order_relaxed);
top:
  if (sched.shutdown.load(std::memory_order_relaxed)) returnToMstart();
  P* pp = mp->p.load(std::memory_order_relaxed);
  *inheritTime = false;

  // Timers due on this P may ready Gs onto our queue.
  CheckTimersResult tr = checkTimers(pp, 0);
  int64_t now = tr.now, pollUntil = tr.pollUntil;

  // Check the global runnable queue once in a while to ensure fairness. Otherwise two
  // goroutines can completely occupy the local runqueue by constantly respawning each other.
  if (pp->schedtick.load(std::memory_order_relaxed) % kGlobalRunqTicks == 0 &&
      sched.runqsize.load(std::memory_order_relaxed) > 0) {
    lock(&sched.lock);
    G* gp = globrunqget(pp, 1);
    unlock(&sched.lock);
    if (gp) return gp;
  }

  // local runq
  if (G* gp = runqget(pp, inheritTime)) return gp;

  // global runq
  if (sched.runqsize.load(std::memory_order_relaxed) != 0) {
    lock(&sched.lock);
    G* gp = globrunqget(pp, 0);
    unlock(&sched.lock);
    if (gp) return gp;
  }

  // Poll network, without blocking: goroutines whose descriptors became ready are work as good
  // as any, and cheaper to find than stealing. Not worth a system call when nobody waits on a
  // descriptor, or when an M is blocked in netpoll already (lastpoll == 0: it will hand them
  // out). Should we skip it wrongly -- that M has just returned but not reset lastpoll -- we
  // still reach the blocking poll below before this M sleeps.
  if (netpollinited() && netpollAnyWaiters() && sched.lastpoll.load() != 0) {
    netpollResult r = netpoll(0);  // non-blocking
    if (!r.list.empty()) {
      G* gp = r.list.pop();
      injectglist(&r.list);
      netpollAdjustWaiters(r.delta);
      casgstatus(gp, _Gwaiting, _Grunnable);
      return gp;
    }
  }

  // Spinning Ms: steal work from other Ps. Limit the number of spinning Ms to half the number
  // of busy Ps: with GOMAXPROCS >> 1 but little parallelism they would burn CPU for nothing.
  if (mp->spinning.load(std::memory_order_relaxed) ||
      2 * sched.nmspinning.load() < gomaxprocs - sched.npidle.load()) {
    if (!mp->spinning.load(std::memory_order_relaxed)) becomeSpinning(mp);
    bool newWork = false;
    if (G* gp = stealWork(&now, &pollUntil, &newWork)) return gp;
    if (newWork) goto top;  // a timer we ran readied a G somewhere: look again
  }

  // We have nothing to do: give up the P.
  lock(&sched.lock);
  if (sched.runqsize.load(std::memory_order_relaxed) != 0) {
    G* gp = globrunqget(pp, 0);
    unlock(&sched.lock);
    return gp;
  }
  if (!mp->spinning.load(std::memory_order_relaxed) && sched.needspinning.load() == 1) {
    // Somebody found work but no P for it (pidlegetSpinning): become the spinning M instead
    // of dropping our P.
    becomeSpinning(mp);
    unlock(&sched.lock);
    goto top;
  }
  if (releasep() != pp) fatal("findRunnable: wrong p");
  pidleput(pp);
  unlock(&sched.lock);

  // Delicate dance: thread transitions from spinning to non-spinning state, potentially
  // concurrently with submission of new work. We must drop nmspinning first and then check all
  // sources again (with a StoreLoad barrier in between -- the seq_cst atomics). Otherwise work
  // submitted after we checked but before we dropped nmspinning would see a spinning M, not
  // wake anyone, and wait for nobody. If we do find work, we become spinning again so that
  // resetspinning wakes another M (there may be more than one starving G).
  const bool wasSpinning = mp->spinning.load(std::memory_order_relaxed);
  if (wasSpinning) {
    mp->spinning.store(false, std::memory_order_relaxed);
    if (sched.nmspinning.fetch_sub(1) - 1 < 0) fatal("findRunnable: negative nmspinning");
    if (P* p2 = checkRunqsNoP()) {
      acquirep(p2);
      becomeSpinning(mp);
      goto top;
    }
    pollUntil = checkTimersNoP(pollUntil);
  }

  // Poll network (and wait for the next timer) until it is time to run something. Only one M
  // does this at a time (lastpoll = 0 marks it); the others just stop.
  if (netpollinited() && (netpollAnyWaiters() || pollUntil != 0) &&
      sched.lastpoll.exchange(0) != 0) {
    sched.pollUntil.store(pollUntil);
    if (mp->p.load(std::memory_order_relaxed)) fatal("findRunnable: netpoll with p");
    if (mp->spinning.load(std::memory_order_relaxed)) fatal("findRunnable: netpoll with spinning");
    int64_t delay = -1;
    if (pollUntil != 0) {
      if (now == 0) now = os::nanotime();
      delay = pollUntil - now;
      if (delay < 0) delay = 0;
    }
    netpollResult r = netpoll(delay);  // block until new work is available
    // Refresh now again, after potentially blocking.
    now = os::nanotime();
    sched.pollUntil.store(0);
    sched.lastpoll.store(now);
    lock(&sched.lock);
    P* p2 = pidleget();
    unlock(&sched.lock);
    if (!p2) {
      injectglist(&r.list);
      netpollAdjustWaiters(r.delta);
    } else {
      acquirep(p2);
      if (!r.list.empty()) {
        G* gp = r.list.pop();
        injectglist(&r.list);
        netpollAdjustWaiters(r.delta);
        casgstatus(gp, _Gwaiting, _Grunnable);
        return gp;
      }
      if (wasSpinning) becomeSpinning(mp);
      goto top;
    }
  } else if (pollUntil != 0 && netpollinited()) {
    // Someone else is blocked in netpoll: make sure they wake up for our earlier timer.
    int64_t pollerPollUntil = sched.pollUntil.load();
    if (pollerPollUntil == 0 || pollerPollUntil > pollUntil) netpollBreak();
  }
  stopm();
  goto top;
}

}  // namespace

// Go: execute. Run gp on the current M. A fresh time slice (!inheritTime) bumps schedtick,
// which is what sysmon watches to decide that a G has run too long. Never returns.
void execute(G* gp, bool inheritTime) {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  P* pp = mp->p.load(std::memory_order_relaxed);
  // Assign gp.m before entering _Grunning so running Gs have an M. (Release: sysmon reads
  // curg and then touches the G.)
  mp->curg.store(gp, std::memory_order_release);
  gp->m.store(mp, std::memory_order_relaxed);
  casgstatus(gp, _Grunnable, _Grunning);
  gp->waitsince = 0;
  gp->preempt.store(false, std::memory_order_relaxed);
  if (!inheritTime)
    pp->schedtick.store(pp->schedtick.load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
  gogo(gp);
}

// Go: schedule. One round of the scheduler: find a runnable G and execute it. Never returns.
// Runs on g0.
void schedule() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  if (G* lg = mp->lockedg.load(std::memory_order_relaxed)) {
    // This M may only run its locked G: wait until someone hands it over.
    stoplockedm();
    execute(lg, false);  // Never returns.
  }
top:
  if (sched.shutdown.load(std::memory_order_relaxed)) returnToMstart();
  P* pp = mp->p.load(std::memory_order_relaxed);

  // Sanity check: if we are spinning, the run queue should be empty.
  if (mp->spinning.load(std::memory_order_relaxed) && !runqempty(pp))
    fatal("schedule: spinning with local work");

  bool inheritTime = false;
  G* gp = findRunnable(&inheritTime);  // blocks until work is available

  // This thread is going to run a goroutine and is not spinning anymore, so if it was marked
  // as spinning we need to reset it now and potentially start a new spinning M.
  if (mp->spinning.load(std::memory_order_relaxed)) resetspinning();

  if (gp->lockedm.load(std::memory_order_relaxed)) {
    // Hands off own P to the locked M, then blocks waiting for a new P.
    startlockedm(gp);
    goto top;
  }
  execute(gp, inheritTime);
}

// ---- parking and readying ----------------------------------------------------------------------

// Go: gopark. Put the current G into a waiting state and switch to the scheduler. unlockf (if
// set) runs on g0 AFTER the G's state is saved: it typically releases the lock that protects
// the queue the G now sits on. Until then nobody can see the G, so nobody can ready it before
// it has really stopped. If unlockf returns false the G is resumed at once.
void gopark(bool (*unlockf)(G*, void*), void* lock, waitReason reason) {
  G* gp = getg();
  M* mp = gp->m.load(std::memory_order_relaxed);
  uint32_t status = readgstatus(gp);
  if (status != _Grunning) fatal("gopark: bad g status");
  mp->waitlock = lock;
  mp->waitunlockf = unlockf;
  gp->waitreason.store(reason, std::memory_order_relaxed);
  mcall([](G* gp2) {  // Go: park_m, on g0
    M* m2 = getg()->m.load(std::memory_order_relaxed);
    casgstatus(gp2, _Grunning, _Gwaiting);
    dropg();
    if (bool (*fn)(G*, void*) = m2->waitunlockf) {
      bool ok = fn(gp2, m2->waitlock);
      m2->waitunlockf = nullptr;
      m2->waitlock = nullptr;
      if (!ok) {
        casgstatus(gp2, _Gwaiting, _Grunnable);
        m2->curg.store(gp2, std::memory_order_relaxed);
        execute(gp2, true);  // Schedule it back, never returns.
      }
    }
    schedule();
  });
}

// Go: goparkunlock. Park and release lock once parked.
void goparkunlock(mutex* l, waitReason reason) {
  gopark([](G*, void* lk) {
           unlock(static_cast<mutex*>(lk));
           return true;
         },
         l, reason);
}

// Go: ready / goready. Mark gp runnable and put it in this P's runnext: the readier usually
// blocks soon after (a channel partner), so gp runs next, on this P, warm in cache. Then make
// sure an idle P gets an M if there is work for it (wakep).
void goready(G* gp) {
  if (readgstatus(gp) != _Gwaiting) {
    print("runtime: goready: goid=", gp->goid.load(std::memory_order_relaxed),
          " status=", readgstatus(gp), "\n");
    fatal("bad g->status in ready");
  }
  casgstatus(gp, _Gwaiting, _Grunnable);
  runqput(getg()->m.load(std::memory_order_relaxed)->p.load(std::memory_order_relaxed), gp, true);
  wakep();
}

namespace {
// Go: goschedImpl. The G stays runnable but goes to the back of the global queue.
void goschedImpl(G* gp) {
  casgstatus(gp, _Grunning, _Grunnable);
  dropg();
  lock(&sched.lock);
  globrunqput(gp);
  unlock(&sched.lock);
  if (mainStarted.load(std::memory_order_relaxed)) wakep();
  schedule();
}
}  // namespace

// Go: Gosched.
void Gosched() { mcall(goschedImpl); }

// Go: the preemption check in the function prologue (stackguard0 == stackPreempt), here an
// explicit call. gopreempt_m requeues the G globally, exactly like Gosched.
void SafePoint() { preemptCheck(); }

void preemptPark() {
  getg()->preempt.store(false, std::memory_order_relaxed);
  mcall(goschedImpl);
}

}  // namespace rt
