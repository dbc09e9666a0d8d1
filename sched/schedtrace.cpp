// sched/schedtrace.cpp -- GODEBUG=schedtrace=N,scheddetail=1 (Go: schedtrace in proc.go), and
// the counts tests and demos read.
//
// sysmon prints, every N ms, in Go's exact format:
//   SCHED 1004ms: gomaxprocs=4 idleprocs=2 threads=11 spinningthreads=0 needspinning=0 idlethreads=5 runqueue=0 [0 0 0 0]
// threads is every M (running, idle, in a syscall, sysmon), idlethreads those in sched.midle,
// runqueue the global queue and [...] each P's local queue. With scheddetail=1 the line ends
// with the scheduler's flags instead and is followed by one line per P, M and G:
//   P0: status=1 schedtick=12 syscalltick=3 m=0 runqsize=0 gfreecnt=0 timerslen=1
//   M2: p=nil curg=7 mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=false blocked=false lockedg=nil
//   G7: status=3() m=2 lockedm=nil
// (mallocing, throwing, preemptoff, locks and dying belong to Go's allocator and panic
// machinery; they are printed with our constant values so that tools parsing Go's output work.)
#include "os.h"
#include "print.h"
#include "runtime.h"
#include "runtime2.h"

namespace rt {
namespace {
int64_t starttime;  // Go: the first schedtrace call is 0ms
}  // namespace

void schedtraceReset() { starttime = 0; }

void schedtrace(bool detailed) {
  int64_t now = os::nanotime();
  if (starttime == 0) starttime = now;

  lock(&sched.lock);
  printer p;
  p.add("SCHED ", (now - starttime) / 1000000, "ms: gomaxprocs=", gomaxprocs,
        " idleprocs=", sched.npidle.load(), " threads=", mcount(),
        " spinningthreads=", sched.nmspinning.load(), " needspinning=", sched.needspinning.load(),
        " idlethreads=", sched.nmidle, " runqueue=", sched.runqsize.load());
  if (detailed) {
    p.add(" gcwaiting=false nmidlelocked=", sched.nmidlelocked, " stopwait=0 sysmonwait=",
          sched.sysmonwait.load() != 0, "\n");
  }
  // We must be careful while reading data from P's, M's and G's. Even if we hold schedlock,
  // most data can be changed concurrently.
  for (int32_t i = 0; i < gomaxprocs; i++) {
    P* pp = allp[i];
    M* mp = pp->m.load(std::memory_order_relaxed);
    uint32_t h = pp->runqhead.load(std::memory_order_relaxed);
    uint32_t t = pp->runqtail.load(std::memory_order_relaxed);
    if (detailed) {
      p.add("  P", i, ": status=", pp->status.load(std::memory_order_relaxed),
            " schedtick=", pp->schedtick.load(std::memory_order_relaxed),
            " syscalltick=", pp->syscalltick.load(std::memory_order_relaxed), " m=");
      if (mp) p.add(mp->id);
      else p.add("nil");
      p.add(" runqsize=", t - h, " gfreecnt=", pp->gFree.n.load(std::memory_order_relaxed),
            " timerslen=", pp->numTimers.load(std::memory_order_relaxed), "\n");
    } else {
      // In non-detailed mode format lengths of per-P run queues as: [len1 len2 len3 len4]
      p.add(" ");
      if (i == 0) p.add("[");
      p.add(t - h);
      if (i == gomaxprocs - 1) p.add("]\n");
    }
    p.flush();
  }
  if (!detailed) {
    unlock(&sched.lock);
    return;
  }

  for (M* mp = allm; mp; mp = mp->alllink) {
    P* pp = mp->p.load(std::memory_order_relaxed);
    G* curg = mp->curg.load(std::memory_order_relaxed);
    G* lockedg = mp->lockedg.load(std::memory_order_relaxed);
    p.add("  M", mp->id, ": p=");
    if (pp) p.add(pp->id);
    else p.add("nil");
    p.add(" curg=");
    if (curg) p.add(curg->goid.load(std::memory_order_relaxed));
    else p.add("nil");
    p.add(" mallocing=0 throwing=0 preemptoff= locks=0 dying=0 spinning=",
          mp->spinning.load(std::memory_order_relaxed),
          " blocked=", mp->blocked.load(std::memory_order_relaxed), " lockedg=");
    if (lockedg) p.add(lockedg->goid.load(std::memory_order_relaxed));
    else p.add("nil");
    p.add("\n");
    p.flush();
  }

  lock(&allglock);
  for (G* gp : allgs) {
    M* mp = gp->m.load(std::memory_order_relaxed);
    M* lockedm = gp->lockedm.load(std::memory_order_relaxed);
    p.add("  G", gp->goid.load(std::memory_order_relaxed), ": status=", readgstatus(gp), "(",
          waitReasonString(static_cast<waitReason>(gp->waitreason.load(std::memory_order_relaxed))),
          ") m=");
    if (mp) p.add(mp->id);
    else p.add("nil");
    p.add(" lockedm=");
    if (lockedm) p.add(lockedm->id);
    else p.add("nil");
    p.add("\n");
    p.flush();
  }
  unlock(&allglock);
  unlock(&sched.lock);
}

int NumThread() {
  int n = os::threadCountProc();
  if (n >= 0) return n;
  lock(&sched.lock);
  n = mcount();
  unlock(&sched.lock);
  return n;
}

int GOMAXPROCS() { return gomaxprocs; }
int NumCPU() { return ncpu; }

int SetMaxThreads(int n) {
  lock(&sched.lock);
  int old = sched.maxmcount;
  sched.maxmcount = n;
  unlock(&sched.lock);
  return old;
}

namespace inspect {

SchedStats ReadSched() {
  lock(&sched.lock);
  SchedStats s{gomaxprocs,        sched.npidle.load(), mcount(),
               sched.nmspinning.load(), sched.nmidle, sched.nmidlelocked,
               sched.runqsize.load(),   sched.mnext,
               sched.nmfreed};
  unlock(&sched.lock);
  return s;
}

int PSchedtick(int p) {
  if (p < 0 || p >= gomaxprocs) return -1;
  return static_cast<int>(allp[p]->schedtick.load(std::memory_order_relaxed));
}

int CountGStatus(uint32_t status) {
  int n = 0;
  lock(&allglock);
  for (G* gp : allgs)
    if (readgstatus(gp) == status) n++;
  unlock(&allglock);
  return n;
}

int64_t CurrentM() { return getg()->m.load(std::memory_order_relaxed)->id; }

bool LockedToThread() { return getg()->lockedm.load(std::memory_order_relaxed) != nullptr; }

uint64_t PSteals(int p) {
  if (p < 0 || p >= gomaxprocs) return 0;
  return allp[p]->stealsFrom.load(std::memory_order_relaxed);
}

int AllGs() {
  lock(&allglock);
  int n = static_cast<int>(allgs.size());
  unlock(&allglock);
  return n;
}

}  // namespace inspect
}  // namespace rt
