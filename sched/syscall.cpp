// sched/syscall.cpp -- system calls the Go way (Go: entersyscall, exitsyscall,
// entersyscallblock in proc.go; Syscall/RawSyscall in package syscall).
//
// A goroutine about to enter the kernel cannot know how long it will stay there. So instead of
// giving its P away up front (expensive if the call is quick), entersyscall only leaves a note:
// the G is _Gsyscall, the P is _Psyscall and the M remembers it as oldp. Two things can then
// happen:
//   - the call returns quickly: exitsyscall finds oldp still in _Psyscall, CASes it back and
//     carries on (exitsyscallfast) -- a handful of atomic operations, no other thread involved;
//   - the call blocks: sysmon sees the P still in _Psyscall with the same syscalltick a whole
//     tick (20 us .. 10 ms) later, CASes it to _Pidle and hands it to another M (retake ->
//     handoffp), so the other Gs keep running. When the call finally returns, exitsyscall finds
//     its P gone and tries any idle P; failing that (exitsyscall0, the slow path) it puts the G
//     on the global queue and parks the M in the idle list, where it will be reused.
// entersyscallblock is for a call known to block: it hands the P off at once.
// RawSyscall skips all of this: the P stays with the M for the whole call, which is cheaper
// but starves every G queued on that P if the call blocks (Go articles, experiment 3).
#include "print.h"
#include "runtime.h"
#include "runtime2.h"
#include "syscall_insn.h"  // arch: the raw trap, inline
#include "trace.h"

namespace rt {
namespace {

// Go: entersyscall_sysmon. sysmon is in its deep sleep (all Ps were idle): wake it, since this
// P may need retaking.
void entersyscall_sysmon() {
  lock(&sched.lock);
  if (sched.sysmonwait.load() != 0) {
    sched.sysmonwait.store(0);
    notewakeup(&sched.sysmonnote);
  }
  unlock(&sched.lock);
}

// Go: exitsyscallfast_reacquired. We got oldp back; if sysmon retook it and it was in another
// syscall meanwhile, its syscalltick moved on: bump it so sysmon does not confuse the two.
void exitsyscallfast_reacquired(M* mp) {
  P* pp = mp->p.load(std::memory_order_relaxed);
  if (mp->syscalltick != pp->syscalltick.load(std::memory_order_relaxed))
    pp->syscalltick.fetch_add(1, std::memory_order_relaxed);
}

// Go: exitsyscallfast_pidle. Any idle P will do.
bool exitsyscallfast_pidle() {
  lock(&sched.lock);
  P* pp = pidleget();
  if (pp && sched.sysmonwait.load() != 0) {
    sched.sysmonwait.store(0);
    notewakeup(&sched.sysmonnote);
  }
  unlock(&sched.lock);
  if (!pp) return false;
  acquirep(pp);
  return true;
}

// Go: exitsyscallfast. Try to get a P without a trip through the scheduler.
inline __attribute__((always_inline)) bool exitsyscallfast(M* mp, P* oldp) {
  // Try to re-acquire the last P.
  uint32_t s = _Psyscall;
  if (oldp && oldp->status.load() == _Psyscall && oldp->status.compare_exchange_strong(s, _Pidle)) {
    wirep(oldp);
    traceEvent(TraceEv::ProcStatus, static_cast<uint64_t>(oldp->id), _Psyscall | _Prunning << 8);
    exitsyscallfast_reacquired(mp);
    return true;
  }
  // Try to get any other idle P.
  if (sched.npidle.load() != 0 && exitsyscallfast_pidle()) return true;
  return false;
}

// Go: exitsyscall0, the slow path, on g0. No P: queue gp globally and stop this M.
void exitsyscall0(G* gp) {
  M* mp = getg()->m.load(std::memory_order_relaxed);
  casgstatus(gp, _Gsyscall, _Grunnable);
  dropg();
  lock(&sched.lock);
  P* pp = pidleget();
  if (!pp) {
    globrunqput(gp);
  } else if (sched.sysmonwait.load() != 0) {
    sched.sysmonwait.store(0);
    notewakeup(&sched.sysmonnote);
  }
  unlock(&sched.lock);
  traceEvent(TraceEv::SyscallExit, static_cast<uint64_t>(gp->goid.load(std::memory_order_relaxed)),
             0);
  if (pp) {
    acquirep(pp);
    execute(gp, false);  // Never returns.
  }
  if (mp->lockedg.load(std::memory_order_relaxed)) {
    // Wait until another thread schedules gp and so m again.
    stoplockedm();
    execute(gp, false);  // Never returns.
  }
  stopm();
  schedule();  // Never returns.
}

long raw6(uintptr_t trap, uintptr_t a1, uintptr_t a2, uintptr_t a3, uintptr_t a4, uintptr_t a5,
          uintptr_t a6) {
  return arch::syscall6(static_cast<long>(trap), static_cast<long>(a1), static_cast<long>(a2),
                        static_cast<long>(a3), static_cast<long>(a4), static_cast<long>(a5),
                        static_cast<long>(a6));
}

// Go: reentersyscall. The goroutine is about to enter the kernel; leave the P in _Psyscall for
// exitsyscall -- or sysmon -- to pick up. Called on the G's stack, holding a P. (Inline into
// Syscall6 and the exported entersyscall.)
inline __attribute__((always_inline)) void reentersyscall(uintptr_t trap) {
  G* gp = getg();
  M* mp = gp->m.load(std::memory_order_relaxed);
  P* pp = mp ? mp->p.load(std::memory_order_relaxed) : nullptr;
  if (__builtin_expect(!pp || gp == mp->g0, 0))
    fatal("entersyscall: not on a goroutine holding a P");
  // Leave SP and PC around for debuggers (Go: for GC and traceback). The address of a local
  // stands in for the stack pointer: __builtin_frame_address would force a frame pointer.
  uintptr_t sp;
  gp->syscallsp = reinterpret_cast<uintptr_t>(&sp);
  gp->syscallpc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  casgstatus(gp, _Grunning, _Gsyscall);
  if (sched.sysmonwait.load(std::memory_order_relaxed) != 0) entersyscall_sysmon();

  mp->syscalltick = pp->syscalltick.load(std::memory_order_relaxed);
  traceEvent(TraceEv::ProcStatus, static_cast<uint64_t>(pp->id), _Prunning | _Psyscall << 8);
  pp->m.store(nullptr, std::memory_order_relaxed);
  mp->oldp = pp;
  mp->p.store(nullptr, std::memory_order_relaxed);
  // From this store on the P may be taken by sysmon: do not touch it again.
  pp->status.store(_Psyscall, std::memory_order_release);
  if (traceOn())
    traceEvent(TraceEv::SyscallEnter,
               static_cast<uint64_t>(gp->goid.load(std::memory_order_relaxed)), trap);
}

// Go: exitsyscall, inlined into Syscall6 and the exported exitsyscall.
inline __attribute__((always_inline)) void exitsyscallInline() {
  G* gp = getg();
  M* mp = gp->m.load(std::memory_order_relaxed);
  P* oldp = mp->oldp;
  mp->oldp = nullptr;
  if (__builtin_expect(exitsyscallfast(mp, oldp), 1)) {
    // There's a cpu for us, so we can run.
    P* pp = mp->p.load(std::memory_order_relaxed);
    pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
    casgstatus(gp, _Gsyscall, _Grunning);
    if (traceOn())
      traceEvent(TraceEv::SyscallExit,
                 static_cast<uint64_t>(gp->goid.load(std::memory_order_relaxed)), 1);
    gp->syscallsp = 0;
    // A preemption request that arrived during the call: honour it now (Go restores the
    // stackguard so the next function prologue yields).
    preemptCheck();
    return;
  }
  // Call the scheduler.
  mcall(exitsyscall0);
  // Scheduler returned, so we're allowed to run now (maybe on another M).
  gp->syscallsp = 0;
  P* pp = getg()->m.load(std::memory_order_relaxed)->p.load(std::memory_order_relaxed);
  pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
}

}  // namespace

void entersyscall() { reentersyscall(0); }

// Go: entersyscallblock. Like entersyscall, but the call is known to block: hand the P off now.
void entersyscallblock() {
  G* gp = getg();
  M* mp = gp->m.load(std::memory_order_relaxed);
  P* pp = mp ? mp->p.load(std::memory_order_relaxed) : nullptr;
  if (!pp || gp == mp->g0) fatal("entersyscallblock: not on a goroutine holding a P");
  mp->syscalltick = pp->syscalltick.load(std::memory_order_relaxed);
  pp->syscalltick.fetch_add(1, std::memory_order_relaxed);
  gp->syscallsp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  gp->syscallpc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  casgstatus(gp, _Grunning, _Gsyscall);
  handoffp(releasep());
}

// Go: exitsyscall. The goroutine is back from the kernel; it needs a P before it may run Go
// code again. Called on the G's stack.
void exitsyscall() { exitsyscallInline(); }

SyscallResult Syscall6(uintptr_t trap, uintptr_t a1, uintptr_t a2, uintptr_t a3, uintptr_t a4,
                       uintptr_t a5, uintptr_t a6) {
  reentersyscall(trap);
  long r = raw6(trap, a1, a2, a3, a4, a5, a6);
  exitsyscallInline();
  return syscallResult(r);
}

SyscallResult BlockingSyscall6(uintptr_t trap, uintptr_t a1, uintptr_t a2, uintptr_t a3,
                               uintptr_t a4, uintptr_t a5, uintptr_t a6) {
  entersyscallblock();
  traceEvent(TraceEv::SyscallEnter,
             static_cast<uint64_t>(getg()->goid.load(std::memory_order_relaxed)), trap);
  long r = raw6(trap, a1, a2, a3, a4, a5, a6);
  exitsyscallInline();
  return syscallResult(r);
}

}  // namespace rt
