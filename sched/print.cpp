// sched/print.cpp -- how the runtime dies (Go: panic.go's throw, fatal and the unrecovered
// panic path). Go prints "fatal error: ..." for runtime failures and misuse, "panic: ..." for a
// panic nobody recovered, then the goroutine(s) and exits with status 2. We have no stack
// unwinder here, so the goroutine header stands in for the traceback.
#include "print.h"
#include "runtime2.h"

namespace rt {

const char* waitReasonString(waitReason r) {
  switch (r) {
    case waitReasonZero: return "";
    case waitReasonChanReceiveNilChan: return "chan receive (nil chan)";
    case waitReasonChanSendNilChan: return "chan send (nil chan)";
    case waitReasonSelectNoCases: return "select (no cases)";
    case waitReasonSelect: return "select";
    case waitReasonChanReceive: return "chan receive";
    case waitReasonChanSend: return "chan send";
    case waitReasonSleep: return "sleep";
    case waitReasonSemacquire: return "semacquire";
    case waitReasonSyncMutexLock: return "sync.Mutex.Lock";
    case waitReasonSyncWaitGroupWait: return "sync.WaitGroup.Wait";
    case waitReasonIOWait: return "IO wait";
  }
  return "?";
}

namespace {
const char* statusString(uint32_t s) {
  switch (s) {
    case _Gidle: return "idle";
    case _Grunnable: return "runnable";
    case _Grunning: return "running";
    case _Gsyscall: return "syscall";
    case _Gwaiting: return "waiting";
    case _Gdead: return "dead";
  }
  return "???";
}
}  // namespace

// Go's traceback header: the wait reason for a parked G, else its status.
void printGoroutineHeader(G* gp) {
  uint32_t s = gp->atomicstatus.load(std::memory_order_relaxed);
  const char* what = statusString(s);
  if (s == _Gwaiting) {
    const char* r =
        waitReasonString(static_cast<waitReason>(gp->waitreason.load(std::memory_order_relaxed)));
    if (*r) what = r;
  }
  printer p;
  p.add("goroutine ", gp->goid.load(std::memory_order_relaxed), " [", what, "]");
  if (gp->lockedm.load(std::memory_order_relaxed)) p.add(", locked to thread");
  p.add(":\n");
}

void fatal(const char* s) {
  print("fatal error: ", s, "\n");
  G* gp = getg();
  if (gp && gp->m.load(std::memory_order_relaxed) && gp != gp->m.load()->g0) {
    print("\n");
    printGoroutineHeader(gp);
  }
  os::exit(2);
}

void gopanic(const char* s) {
  print("panic: ", s, "\n\n");
  G* gp = getg();
  if (gp) printGoroutineHeader(gp);
  os::exit(2);
}

}  // namespace rt
