// sched/checkdead.cpp -- deadlock detection (Go: checkdead in proc.go).
//
// Called whenever an M goes idle (mput), parks with a locked G (incidlelocked) or exits, with
// sched.lock held. If no M is running Go code -- every M is idle, parked for a locked G, or
// sysmon -- then nothing can ever ready a waiting G again, unless a timer is pending. Ms in
// system calls count as running: the kernel may return and ready someone. So:
//   some G runnable/running/in a syscall -> inconsistent (a lost wakeup): throw;
//   no G at all                          -> "no goroutines (main called runtime.Goexit)";
//   a timer pending on some P            -> fine, something will wake up;
//   otherwise                            -> "all goroutines are asleep - deadlock!".
#include "print.h"
#include "runtime2.h"

namespace rt {

void checkdead() {
  if (sched.shutdown.load()) return;
  // If we are not running under cgo, but we have an extra M then account for it... (Go). We
  // have neither cgo nor extra Ms.
  const int32_t run = mcount() - sched.nmidle - sched.nmidlelocked - sched.nmsys;
  if (run > 0) return;
  if (run < 0) {
    print("runtime: checkdead: nmidle=", sched.nmidle, " nmidlelocked=", sched.nmidlelocked,
          " mcount=", mcount(), " nmsys=", sched.nmsys, "\n");
    fatal("checkdead: inconsistent counts");
  }

  int grunning = 0;
  lock(&allglock);
  for (G* gp : allgs) {
    const uint32_t s = readgstatus(gp);
    switch (s) {
      case _Gwaiting:
        grunning++;
        break;
      case _Grunnable:
      case _Grunning:
      case _Gsyscall:
        unlock(&allglock);
        print("runtime: checkdead: find g ", gp->goid.load(std::memory_order_relaxed),
              " in status ", s, "\n");
        fatal("checkdead: runnable g");
      default:
        break;
    }
  }
  unlock(&allglock);
  if (grunning == 0) {  // possible if main goroutine calls runtime.Goexit()
    unlock(&sched.lock);
    fatal("no goroutines (main called runtime.Goexit) - deadlock!");
  }

  // There are no goroutines running, so we can look at the P's.
  for (int32_t i = 0; i < gomaxprocs; i++)
    if (allp[i]->timer0When.load(std::memory_order_relaxed) != 0) return;

  unlock(&sched.lock);
  print("fatal error: all goroutines are asleep - deadlock!\n");
  lock(&allglock);
  for (G* gp : allgs) {
    if (readgstatus(gp) == _Gdead) continue;
    print("\n");
    printGoroutineHeader(gp);
  }
  unlock(&allglock);
  os::exit(2);
}

}  // namespace rt
