// sched/sysmon.cpp -- the system monitor (Go: sysmon, retake, preemptone in proc.go).
//
// sysmon runs on its own M without a P, so it keeps working when every P is stuck: it is the
// runtime's watchdog. It wakes every 20 us; after 50 wakeups in a row (1 ms) with nothing to do
// it doubles its sleep, up to 10 ms; when every P is idle it sleeps until the next timer (or
// until a syscall or exitsyscall needs it). Each round it:
//   - retakes Ps from system calls that have lasted a whole sysmon tick and hands them to
//     other Ms (retake -> handoffp): the sync path of the Go articles;
//   - asks a G that has run for 10 ms without rescheduling to yield (preemptone);
//   - polls the network if nobody has for 10 ms (netpoll.cpp), starts an M for overdue
//     timers, and prints GODEBUG=schedtrace lines.
#include "netpoll.h"
#include "os.h"
#include "runtime2.h"
#include "trace.h"

namespace rt {

// Go: preemptone. Tell the goroutine running on pp to stop. Best effort: it may have moved
// on already, and it yields only at its next SafePoint (we have no asynchronous preemption).
// (Go also sets pp.preempt to request an asynchronous preemption by signal; we have none.)
bool preemptone(P* pp) {
  M* mp = pp->m.load(std::memory_order_acquire);
  if (!mp || mp == getg()->m.load(std::memory_order_relaxed)) return false;
  G* gp = mp->curg.load(std::memory_order_acquire);
  if (!gp || gp == mp->g0) return false;
  gp->preempt.store(true, std::memory_order_relaxed);
  return true;
}

namespace {

// Go: retake. Retake Ps blocked in syscalls and preempt long-running Gs. Returns how many Ps it
// retook.
uint32_t retake(int64_t now) {
  uint32_t n = 0;
  for (int32_t i = 0; i < gomaxprocs; i++) {
    P* pp = allp[i];
    sysmontick* pd = &pp->sysmontick;
    const uint32_t s = pp->status.load();
    bool sysretake = false;
    if (s == _Prunning || s == _Psyscall) {
      // Preempt G if it's running on the same schedtick for too long. This could be from a
      // single long-running goroutine or a sequence of goroutines run via runnext, which
      // share a single schedtick.
      const uint32_t t = pp->schedtick.load(std::memory_order_relaxed);
      if (pd->schedtick != t) {
        pd->schedtick = t;
        pd->schedwhen = now;
      } else if (pd->schedwhen + forcePreemptNS <= now) {
        if (preemptone(pp)) traceEvent(TraceEv::Retake, static_cast<uint64_t>(pp->id), 2);
        // In case of syscall, preemptone() doesn't work, because there is no M wired to P.
        sysretake = true;
      }
    }
    if (s == _Psyscall) {
      // Retake P from syscall if it's there for more than 1 sysmon tick (at least 20 us).
      const uint32_t t = pp->syscalltick.load(std::memory_order_relaxed);
      if (!sysretake && pd->syscalltick != t) {
        pd->syscalltick = t;
        pd->syscallwhen = now;
        continue;
      }
      // On the one hand we don't want to retake Ps if there is no other work to do, but on the
      // other hand we want to retake them eventually because they can prevent the sysmon
      // thread from deep sleep.
      if (runqempty(pp) && sched.nmspinning.load() + sched.npidle.load() > 0 &&
          pd->syscallwhen + 10 * 1000 * 1000 > now)
        continue;
      // Need to decrement number of idle locked M's (pretending that one more is running)
      // before the CAS. Otherwise the M from which we retake can exit the syscall, increment
      // nmidle and report deadlock.
      incidlelocked(-1);
      uint32_t expected = s;
      if (pp->status.compare_exchange_strong(expected, _Pidle)) {
        traceEvent(TraceEv::Retake, static_cast<uint64_t>(pp->id), 1);
        traceEvent(TraceEv::ProcStatus, static_cast<uint64_t>(pp->id), _Psyscall | _Pidle << 8);
        n++;
        pp->syscalltick.fetch_add(1, std::memory_order_relaxed);
        handoffp(pp);
      }
      incidlelocked(1);
    }
  }
  return n;
}

}  // namespace

// Go: sysmon. Runs on its own M (newm(sysmon, nil)) without a P; returns only when Run ends.
void sysmon() {
  lock(&sched.lock);
  sched.nmsys++;
  checkdead();
  unlock(&sched.lock);

  int64_t lasttrace = 0;
  int idle = 0;  // how many cycles in succession we had not woken somebody up
  uint32_t delay = 0;
  while (!sched.shutdown.load()) {
    if (idle == 0) {
      delay = sysmonMinDelayUS;  // start with 20 us sleep...
    } else if (idle > sysmonIdleCyclesBeforeDoubling) {
      delay *= 2;  // start doubling the sleep after 1 ms...
    }
    if (delay > sysmonMaxDelayUS) delay = sysmonMaxDelayUS;  // up to 10 ms
    os::usleep(delay);

    int64_t now = os::nanotime();
    if (debug.schedtrace <= 0 && sched.npidle.load() == gomaxprocs) {
      // Every P is idle: nothing to retake or preempt. Sleep until the next timer, or until
      // entersyscall/exitsyscall wakes us.
      lock(&sched.lock);
      if (sched.npidle.load() == gomaxprocs && !sched.shutdown.load()) {
        bool syscallWake = false;
        int64_t next = timeSleepUntil();
        if (next > now) {
          sched.sysmonwait.store(1);
          unlock(&sched.lock);
          // Make wake-up period small enough for the sampling to be correct.
          int64_t sleep = forcegcperiod / 2;
          if (next - now < sleep) sleep = next - now;
          syscallWake = notetsleep(&sched.sysmonnote, sleep);
          lock(&sched.lock);
          sched.sysmonwait.store(0);
          noteclear(&sched.sysmonnote);
        }
        if (syscallWake) {
          idle = 0;
          delay = sysmonMinDelayUS;
        }
      }
      unlock(&sched.lock);
      now = os::nanotime();
    }

    // Poll network if not polled for more than 10 ms: every M may be busy running goroutines
    // that never reach findRunnable's poll (netpoll.cpp).
    int64_t lastpoll = sched.lastpoll.load();
    if (netpollinited() && lastpoll != 0 && lastpoll + 10 * 1000 * 1000 < now) {
      sched.lastpoll.compare_exchange_strong(lastpoll, now);
      netpollResult r = netpoll(0);  // non-blocking - returns list of goroutines
      if (!r.list.empty()) {
        // Count one more M as running while the Gs are queued and Ms started for them: an M
        // going idle in between must not find runnable Gs and no running M (checkdead would
        // call that a lost wakeup).
        incidlelocked(-1);
        injectglist(&r.list);
        incidlelocked(1);
        netpollAdjustWaiters(r.delta);
        netpollstats.sysmonReadied.fetch_add(static_cast<uint64_t>(-r.delta),
                                             std::memory_order_relaxed);
      }
    }
    // There are timers that should have already run, perhaps because there is an
    // unpreemptible P: try to start an M to run them (Go 1.14).
    if (timeSleepUntil() < now) startm(nullptr, false);
    // Retake Ps blocked in syscalls and preempt long-running Gs.
    if (retake(now) != 0) {
      idle = 0;
    } else {
      idle++;
    }
    if (debug.schedtrace > 0 && lasttrace + int64_t{debug.schedtrace} * 1000000 <= now) {
      lasttrace = now;
      schedtrace(debug.scheddetail > 0);
    }
  }
  lock(&sched.lock);
  sched.nmsys--;
  unlock(&sched.lock);
  returnToMstart();
}

}  // namespace rt
