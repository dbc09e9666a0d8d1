// sched/mthread.cpp -- the life of an M, a kernel thread (Go: newm, mstart, mexit, startm,
// stopm, handoffp, wakep, startlockedm, stoplockedm in proc.go).
//
// An M runs Go code only while it holds a P. Without one it is either in a system call (its P
// was left in _Psyscall or handed off), spinning in findRunnable looking for work, or asleep on
// its m.park note in the idle list (sched.midle), waiting for startm to hand it a P and wake it.
// Ms are never destroyed while the program runs, except when a goroutine exits while locked to
// its thread (LockOSThread): that thread's state is suspect, so the M exits with it.
//
// Who starts Ms:
//   wakep     new work and an idle P, nobody spinning: start one spinning M to find the work.
//   handoffp  a P lost its M (syscall, locked G): give it to an M if it has work, or if no one
//             else is looking; otherwise put it on the idle list.
//   startm    takes an idle M (mget) or creates one (newm -> os::newosproc).
#include "os.h"
#include "print.h"
#include "runtime2.h"
#include "trace.h"

namespace rt {

// Go: mcount. Ms that exist (threads), sched.lock held or racy.
int32_t mcount() { return static_cast<int32_t>(sched.mnext - sched.nmfreed); }

namespace {

// Go: checkmcount. sched.lock held.
void checkmcount() {
  if (mcount() > sched.maxmcount) {
    print("runtime: program exceeds ", sched.maxmcount, "-thread limit\n");
    fatal("thread exhaustion");
  }
}

// Go: mspinning. startm's caller incremented nmspinning; the new M is spinning.
void mspinning() {
  getg()->m.load(std::memory_order_relaxed)->spinning.store(true, std::memory_order_relaxed);
}

// Go: mstart1. The first scheduler frame of a new M (after mstart recorded g0's context).
void mstart1() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  traceEvent(TraceEv::MStart, static_cast<uint64_t>(mp->id), 0);
  if (mp->mstartfn) mp->mstartfn();  // sysmon never comes back (it leaves via mexit)
  if (mp != m0) {
    acquirep(mp->nextp);
    mp->nextp = nullptr;
  }
  schedule();
}

// Go: mexit. Runs on g0 of an M that is leaving: a locked G exited on it, sysmon stopped, or
// Run is shutting down. Returns to mstart, which returns to the OS layer: the thread ends.
void mexit() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  traceEvent(TraceEv::MExit, static_cast<uint64_t>(mp->id), 0);
  const bool shutdown = sched.shutdown.load();
  if (mp == m0) {
    if (shutdown) return;  // back to Run, which tears everything down
    // This is the main thread. Exiting it would leave the process a zombie (and take the
    // program with it on Handoff), so wedge it, like Go: give its P away and sleep until Run
    // ends.
    handoffp(releasep());
    lock(&sched.lock);
    sched.nmfreed++;
    checkdead();
    unlock(&sched.lock);
    while (!sched.shutdown.load()) mPark(mp);
    return;
  }
  lock(&sched.lock);
  M** pprev = &allm;
  while (*pprev && *pprev != mp) pprev = &(*pprev)->alllink;
  if (!*pprev) fatal("m not found in allm");
  *pprev = mp->alllink;
  // Delay reaping the M until its thread is done with the stack (allocm or Run will).
  mp->freelink = sched.freem;
  sched.freem = mp;
  unlock(&sched.lock);

  if (mp->p.load(std::memory_order_relaxed)) {
    P* pp = releasep();
    if (!shutdown) handoffp(pp);
  }
  lock(&sched.lock);
  sched.nmfreed++;
  checkdead();
  unlock(&sched.lock);
}

}  // namespace

// Go: mReserveID. sched.lock held.
int64_t mReserveID() {
  int64_t id = sched.mnext++;
  checkmcount();
  return id;
}

// Go: allocm. A new M (not yet running), with a g0 that will use the thread's own stack.
// First reap Ms whose threads have exited, like Go's allocm frees sched.freem.
M* allocm(void (*fn)(), int64_t id) {
  reapFreeMs(false);
  M* mp = new M();
  mp->mstartfn = fn;
  mp->g0 = malg(0);
  mp->g0->m.store(mp, std::memory_order_relaxed);
  mp->trace = new TraceBuf();
  lock(&sched.lock);
  mp->id = id >= 0 ? id : mReserveID();
  mp->fastrand = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(mp->id + 1);
  mp->alllink = allm;
  allm = mp;
  unlock(&sched.lock);
  return mp;
}

// Free exited Ms: all of them (Run's teardown, every thread gone) or those whose threads have
// finished.
void reapFreeMs(bool all) {
  for (;;) {
    lock(&sched.lock);
    M** pprev = &sched.freem;
    while (*pprev && !all && !os::threadExited(*pprev)) pprev = &(*pprev)->freelink;
    M* mp = *pprev;
    if (mp) *pprev = mp->freelink;
    unlock(&sched.lock);
    if (!mp) return;
    os::threadJoin(mp);
    traceCollect(mp);
    delete mp->g0;  // its TSan fiber was the thread's own, gone with the thread
    delete mp->trace;
    delete mp;
  }
}

// Go: newm. Create a new M that starts with fn (may be null) and P pp (may be null).
void newm(void (*fn)(), P* pp, int64_t id) {
  M* mp = allocm(fn, id);
  mp->nextp = pp;
  if (!os::newosproc(mp)) {
    print("runtime: failed to create new OS thread (have ", mcount(), " already)\n");
    fatal("newosproc");
  }
}

// Go: mstart, the entry point of every M's thread (and of m0, called by Run). Records g0's
// context: from now on every mcall restarts g0 at this stack depth, and gogo(&g0.sched, 1)
// (returnToMstart) comes back here so the M can leave.
void mstart(M* mp) {
  setg(mp->g0);
  os::minit(mp);
  fiberInitThread(mp->g0);
  mp->procid = os::gettid();
  if (rt_gosave(&mp->g0->sched) == 0) {
    mstart1();  // never returns
  }
  mexit();
}

// Go: mPark. Sleep on m.park until startm (or Run's shutdown) wakes us.
void mPark(M* mp) {
  traceEvent(TraceEv::MPark, static_cast<uint64_t>(mp->id), 0);
  mp->blocked.store(true, std::memory_order_relaxed);
  notesleep(&mp->park);
  noteclear(&mp->park);
  mp->blocked.store(false, std::memory_order_relaxed);
}

// Go: stopm. Stop the current M until new work is available (it is handed a P).
void stopm() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  if (mp->p.load(std::memory_order_relaxed)) fatal("stopm holding p");
  if (mp->spinning.load(std::memory_order_relaxed)) fatal("stopm spinning");
  lock(&sched.lock);
  if (sched.shutdown.load()) {
    unlock(&sched.lock);
    returnToMstart();
  }
  mput(mp);
  unlock(&sched.lock);
  mPark(mp);
  if (sched.shutdown.load()) returnToMstart();
  acquirep(mp->nextp);
  mp->nextp = nullptr;
}

// Go: startm. Schedule some M to run pp (creating an M if necessary). If pp is null, take an
// idle P; if there is none, do nothing. If spinning, the caller incremented nmspinning and the
// new M will be spinning (or startm undoes the increment).
void startm(P* pp, bool spinning) {
  lock(&sched.lock);
  if (sched.shutdown.load()) {  // Run is ending: no new work for anyone, pp is dropped
    unlock(&sched.lock);
    if (spinning) sched.nmspinning.fetch_sub(1);
    return;
  }
  if (!pp) {
    pp = pidleget();
    if (!pp) {
      unlock(&sched.lock);
      if (spinning) {
        // The caller incremented nmspinning, but there are no idle Ps, so it's okay to just
        // undo the increment and give up.
        if (sched.nmspinning.fetch_sub(1) - 1 < 0) fatal("startm: negative nmspinning");
      }
      return;
    }
  }
  M* nmp = mget();
  if (!nmp) {
    // No M is available: create one. Reserve its ID while holding sched.lock so that checkdead
    // already counts it as running (otherwise an exitsyscall elsewhere could find no running M
    // and report a deadlock before the new thread starts).
    int64_t id = mReserveID();
    unlock(&sched.lock);
    newm(spinning ? mspinning : nullptr, pp, id);
    return;
  }
  unlock(&sched.lock);
  if (nmp->spinning.load(std::memory_order_relaxed)) fatal("startm: m is spinning");
  if (nmp->nextp) fatal("startm: m has p");
  if (spinning && !runqempty(pp)) fatal("startm: p has runnable gs");
  // The caller incremented nmspinning, so set m.spinning in the new M.
  nmp->spinning.store(spinning, std::memory_order_relaxed);
  nmp->nextp = pp;
  traceEvent(TraceEv::MUnpark, static_cast<uint64_t>(nmp->id), static_cast<uint64_t>(pp->id));
  notewakeup(&nmp->park);
}

// Go: handoffp. Hands off P from a syscall or locked M. Must start an M in any situation
// where findRunnable would return a G to run on pp. Runs without a P.
void handoffp(P* pp) {
  // If it has local work, start it straight away.
  if (!runqempty(pp) || sched.runqsize.load(std::memory_order_relaxed) != 0) {
    traceEvent(TraceEv::Handoff, static_cast<uint64_t>(pp->id), 1);
    startm(pp, false);
    return;
  }
  // No local work: check that there are no spinning/idle Ms, otherwise our help is not
  // required.
  if (sched.nmspinning.load() + sched.npidle.load() == 0) {
    int32_t zero = 0;
    if (sched.nmspinning.compare_exchange_strong(zero, 1)) {
      sched.needspinning.store(0);
      traceEvent(TraceEv::Handoff, static_cast<uint64_t>(pp->id), 1);
      startm(pp, true);
      return;
    }
  }
  lock(&sched.lock);
  if (sched.runqsize.load(std::memory_order_relaxed) != 0) {
    unlock(&sched.lock);
    traceEvent(TraceEv::Handoff, static_cast<uint64_t>(pp->id), 1);
    startm(pp, false);
    return;
  }
  // If this is the last running P and nobody is polling network, need to wake up another M to
  // poll network (and so to wait for the timers).
  if (sched.npidle.load() == gomaxprocs - 1 && sched.lastpoll.load() != 0) {
    unlock(&sched.lock);
    traceEvent(TraceEv::Handoff, static_cast<uint64_t>(pp->id), 1);
    startm(pp, false);
    return;
  }
  // The scheduler lock cannot be held when calling wakeNetPoller below because wakeNetPoller
  // may call wakep which may call startm.
  int64_t when = pp->timer0When.load(std::memory_order_relaxed);
  traceEvent(TraceEv::Handoff, static_cast<uint64_t>(pp->id), 0);
  pidleput(pp);
  unlock(&sched.lock);
  if (when != 0) wakeNetPoller(when);
}

// Go: wakep. Try to add one more P to execute Gs: called when a G is made runnable (newproc,
// ready). Be conservative about spinning threads: only start one if none exists already.
void wakep() {
  if (sched.nmspinning.load() != 0) return;
  // No idle P: nobody to start. Go 1.21 finds that out under sched.lock (pidlegetSpinning) and
  // then records needspinning; checking npidle first (Go 1.14's guard in ready and newproc)
  // makes this -- every goready while all Ps are busy -- two loads and a store.
  if (sched.npidle.load() == 0) {
    if (sched.needspinning.load(std::memory_order_relaxed) == 0) sched.needspinning.store(1);
    return;
  }
  int32_t zero = 0;
  if (!sched.nmspinning.compare_exchange_strong(zero, 1)) return;
  lock(&sched.lock);
  P* pp = pidlegetSpinning();
  if (!pp) {
    if (sched.nmspinning.fetch_sub(1) - 1 < 0) fatal("wakep: negative nmspinning");
    unlock(&sched.lock);
    return;
  }
  unlock(&sched.lock);
  startm(pp, true);
}

// Go: stoplockedm. Stop the current M, which is locked to a G that is not runnable, until the
// G is runnable again. Returns with a P acquired.
void stoplockedm() {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  G* lg = mp->lockedg.load(std::memory_order_relaxed);
  if (!lg || lg->lockedm.load(std::memory_order_relaxed) != mp)
    fatal("stoplockedm: inconsistent locking");
  if (mp->p.load(std::memory_order_relaxed)) {
    // Schedule another M to run this P.
    handoffp(releasep());
  }
  incidlelocked(1);
  // Wait until another thread schedules lockedg again. (Run's shutdown sets the flag before
  // waking every M, so checking it just before sleeping cannot miss that wakeup.)
  if (sched.shutdown.load()) returnToMstart();
  mPark(mp);
  if (sched.shutdown.load()) returnToMstart();
  if (readgstatus(lg) != _Grunnable) {
    print("runtime:stoplockedm: lockedg (atomicstatus=", readgstatus(lg), ") is not Grunnable\n");
    fatal("stoplockedm: not runnable");
  }
  acquirep(mp->nextp);
  mp->nextp = nullptr;
}

// Go: startlockedm. gp is locked to another M: hand it our P and wake it, then stop.
void startlockedm(G* gp) {
  M* mp = gp->lockedm.load(std::memory_order_relaxed);
  if (mp == getg()->m.load(std::memory_order_relaxed)) fatal("startlockedm: locked to me");
  if (mp->nextp) fatal("startlockedm: m has p");
  // Directly hand off the current P to the locked M.
  incidlelocked(-1);
  P* pp = releasep();
  mp->nextp = pp;
  traceEvent(TraceEv::MUnpark, static_cast<uint64_t>(mp->id), static_cast<uint64_t>(pp->id));
  notewakeup(&mp->park);
  stopm();
}

// Go: incidlelocked. Ms parked with a locked G count as idle for checkdead.
void incidlelocked(int32_t v) {
  lock(&sched.lock);
  sched.nmidlelocked += v;
  if (v > 0) checkdead();
  unlock(&sched.lock);
}

}  // namespace rt
