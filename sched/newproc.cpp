// sched/newproc.cpp -- a goroutine's birth and death (Go: newproc, newproc1, goexit0, gfput,
// gfget in proc.go).
//
// go(f) copies the closure f to the top of a stack (a dead G's, from the free lists, or a new
// one), points the G's saved pc at rt_gostart and puts it in the current P's runnext, so the
// new G runs soon and on this P. When f returns, goexit1 moves to g0 (mcall), goexit0 marks the
// G dead and keeps it -- with its stack -- on the P's free list for the next go().
#include "os.h"
#include "runtime.h"
#include "runtime2.h"
#include "trace.h"

namespace rt {

// A G with a stack of stacksize bytes (0: none -- an M's g0 runs on its thread's stack).
G* malg(size_t stacksize) {
  G* gp = new G();
  if (stacksize) {
    gp->stack = stackalloc(stacksize);
    fiberCreate(gp);
  }
  return gp;
}

void allgadd(G* gp) {
  lock(&allglock);
  allgs.push_back(gp);
  unlock(&allglock);
}

// Go: newproc1. Makes a runnable G that will call fn(copy of *src) on its own stack. Runs on the
// creating G's stack with the M's P held.
G* newproc1(void (*fn)(void*), void (*move)(void*, void*), void* src, size_t size, size_t align) {
  P* pp = getg()->m.load(std::memory_order_relaxed)->p.load(std::memory_order_relaxed);
  G* newg = gfget(pp);
  if (!newg) {
    newg = malg(stackSize);
    casgstatus(newg, _Gidle, _Gdead);
    allgadd(newg);  // publishes with status _Gdead, so checkdead and scheddetail ignore it
  } else {
    stackReuse(newg);
  }
  if (newg->stack.hi == 0) fatal("newproc1: newg missing stack");
  if (readgstatus(newg) != _Gdead) fatal("newproc1: new g is not Gdead");

  // The closure goes at the very top of the stack, like the arguments Go's newproc copies.
  const uintptr_t a = align > arch::kStackAlign ? align : arch::kStackAlign;
  const uintptr_t argp = (newg->stack.hi - size) & ~(a - 1);
  if (argp < newg->stack.lo + 4096)
    fatal("newproc: function arguments too large for new goroutine");
  move(reinterpret_cast<void*>(argp), src);

  newg->sched = Gobuf{};
  newg->sched.sp = argp;  // aligned to kStackAlign: rt_gostart's call is ABI-clean
  newg->sched.pc = goStartPC();
  newg->startfn = fn;
  newg->startarg = reinterpret_cast<void*>(argp);
  newg->goid.store(static_cast<int64_t>(sched.goidgen.fetch_add(1, std::memory_order_relaxed) + 1),
                   std::memory_order_relaxed);
  newg->waitreason.store(waitReasonZero, std::memory_order_relaxed);
  newg->preempt.store(false, std::memory_order_relaxed);
  newg->selectDone.store(0, std::memory_order_relaxed);
  newg->param = nullptr;
  newg->waiting = nullptr;
  newg->waitsince = 0;
  newg->asanFakeStack = nullptr;
  casgstatus(newg, _Gdead, _Grunnable);
  return newg;
}

// Go: newproc. Create a G running fn and queue it on this P, first in line (runnext).
void newproc(void (*fn)(void*), void (*move)(void*, void*), void* src, size_t size, size_t align) {
  G* gp = getg();
  if (!gp || !gp->m.load(std::memory_order_relaxed) ||
      !gp->m.load(std::memory_order_relaxed)->p.load(std::memory_order_relaxed))
    fatal("go: called outside a goroutine (inside rt::Run)");
  G* newg = newproc1(fn, move, src, size, align);
  traceEvent(TraceEv::GoCreate, static_cast<uint64_t>(newg->goid.load(std::memory_order_relaxed)),
             static_cast<uint64_t>(gp->goid.load(std::memory_order_relaxed)));
  runqput(gp->m.load(std::memory_order_relaxed)->p.load(std::memory_order_relaxed), newg, true);
  if (mainStarted.load(std::memory_order_relaxed)) wakep();
  preemptCheck();
}

namespace {

// Go: goexit0, on g0. The G is finished: mark it dead, free its M, keep it for reuse.
void goexit0(G* gp) {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  P* pp = mp->p.load(std::memory_order_relaxed);
  casgstatus(gp, _Grunning, _Gdead);
  gp->m.store(nullptr, std::memory_order_relaxed);
  const bool locked = gp->lockedm.load(std::memory_order_relaxed) != nullptr;
  gp->lockedm.store(nullptr, std::memory_order_relaxed);
  mp->lockedg.store(nullptr, std::memory_order_relaxed);
  gp->preempt.store(false, std::memory_order_relaxed);
  gp->waitreason.store(waitReasonZero, std::memory_order_relaxed);
  gp->param = nullptr;
  dropg();

  if (mp->lockedInt != 0) fatal("internal lockOSThread error");
  gfput(pp, gp);
  if (locked) {
    // The goroutine may have locked this thread because it put it in an unusual kernel state
    // (namespaces, credentials, signal masks...). Kill the thread rather than returning it to
    // the pool: back to mstart, which releases the P and exits the thread.
    mp->lockedExt = 0;
    returnToMstart();
  }
  schedule();
}

}  // namespace

// Go: goexit1. The end of every goroutine (rt_goentry calls it when the function returns).
void goexit1() {
  mcallDying(goexit0);
  __builtin_unreachable();
}

// Go: gfput. Keep a dead G for reuse on pp; past gFreeLocalMax, move half to the global list so
// other Ps can use them.
void gfput(P* pp, G* gp) {
  if (readgstatus(gp) != _Gdead) fatal("gfput: bad status (not Gdead)");
  gp->schedlink = pp->gFree.head;
  pp->gFree.head = gp;
  int32_t n = pp->gFree.n.load(std::memory_order_relaxed) + 1;
  pp->gFree.n.store(n, std::memory_order_relaxed);
  if (n < gFreeLocalMax) return;
  lock(&sched.gFree.lock);
  while (pp->gFree.n.load(std::memory_order_relaxed) >= gFreeLocalKeep) {
    G* g1 = pp->gFree.head;
    pp->gFree.head = g1->schedlink;
    pp->gFree.n.fetch_sub(1, std::memory_order_relaxed);
    g1->schedlink = sched.gFree.head;
    sched.gFree.head = g1;
    sched.gFree.n.fetch_add(1, std::memory_order_relaxed);
  }
  unlock(&sched.gFree.lock);
}

// Go: gfget. A dead G from pp's free list, refilled from the global one; nullptr if none.
G* gfget(P* pp) {
  if (!pp->gFree.head && sched.gFree.n.load(std::memory_order_relaxed) > 0) {
    lock(&sched.gFree.lock);
    while (pp->gFree.n.load(std::memory_order_relaxed) < gFreeLocalKeep && sched.gFree.head) {
      G* gp = sched.gFree.head;
      sched.gFree.head = gp->schedlink;
      sched.gFree.n.fetch_sub(1, std::memory_order_relaxed);
      gp->schedlink = pp->gFree.head;
      pp->gFree.head = gp;
      pp->gFree.n.fetch_add(1, std::memory_order_relaxed);
    }
    unlock(&sched.gFree.lock);
  }
  G* gp = pp->gFree.head;
  if (!gp) return nullptr;
  pp->gFree.head = gp->schedlink;
  pp->gFree.n.fetch_sub(1, std::memory_order_relaxed);
  return gp;
}

// Go: gcount. Live goroutines: every G ever made minus the dead ones on free lists. Racy by
// nature (like Go's), exact when the program is quiet.
int32_t gcount() {
  lock(&allglock);
  int32_t n = static_cast<int32_t>(allgs.size());
  unlock(&allglock);
  n -= sched.gFree.n.load(std::memory_order_relaxed);
  for (int32_t i = 0; i < gomaxprocs; i++) n -= allp[i]->gFree.n.load(std::memory_order_relaxed);
  return n < 1 ? 1 : n;
}

int NumGoroutine() { return gcount(); }

void Goexit() { goexit1(); }

}  // namespace rt
