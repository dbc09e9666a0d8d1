// sched/proc.cpp -- the Handoff G/M/P runtime: how it works, and how it starts and stops.
//
// ============================================================================================
// The design
// ============================================================================================
//
// This is Go's scheduler, rebuilt in C++ on top of a small OS layer, for people who want to read
// runtime/proc.go with a second, smaller copy beside it. Names, states and constants are Go's.
//
// Three kinds of object
// ---------------------
//   G  a goroutine: a function, a stack (64 KiB reserved, demand-paged, guard page below) and a
//      saved register set. Cheap: creating one is a free-list pop and a queue push.
//   M  a machine: a kernel thread. It runs the scheduler on its own stack (the g0 stack) and
//      switches to a G's stack to run it. Ms are expensive (a kernel thread each), so they are
//      made only when needed and parked, never destroyed, when not.
//   P  a processor: the right to run goroutines, plus everything that right needs -- a local
//      run queue, a free list of Gs, a timer heap. There are exactly GOMAXPROCS of them.
//      An M must hold a P to run a G.
//
// Why P and not just "M with a queue"? Because Ms block. When an M enters a system call that
// sleeps in the kernel, everything it owned would be stuck with it. Putting the queue, the free
// list and the timers on a P that the M can leave behind (and that another M can pick up) is
// the whole trick: at most GOMAXPROCS threads run Go code at any moment, however many threads
// are stuck in the kernel.
//
// Where runnable Gs live
// ----------------------
// Each P has a 256-slot lock-free ring plus `runnext`, a one-G fast lane: a G that is readied
// by the running G (its channel partner, a new G) goes into runnext and runs next on the same P,
// inheriting the time slice. A full ring spills half of itself into the global queue, guarded
// by sched.lock. An M looking for work (schedule -> findRunnable, schedule.cpp) tries: due
// timers; the global queue every 61st time (so two Gs feeding each other through runnext cannot
// starve it); the local queue; the global queue; the netpoller; then other Ps' queues, stealing
// half. Only when all that fails does it give up its P and sleep.
//
// Worker thread parking and unparking
// -----------------------------------
// We want every P busy when there is work and no thread awake when there is not, but the state
// is spread over many queues and we cannot predict the future. Go's answer, kept here: when
// work is submitted (go, goready, a timer) and a P is idle, wake ONE extra M -- unless some M is
// already "spinning" (out of work, looking for it), because that one will find it. A spinning
// M that finds work stops spinning and, if it was the last spinner, wakes another (wakep in
// resetspinning). So the number of spinning Ms stays at one or two instead of storming, and is
// never more than half the busy Ps. The one hard part is the moment a spinner gives up: it must
// stop counting as spinning BEFORE it rechecks the queues one last time, otherwise work
// submitted in between sees a spinner, wakes nobody, and waits for nobody (findRunnable).
//
// System calls: the sync path
// ---------------------------
// Syscall = entersyscall + the raw call + exitsyscall (syscall.cpp). entersyscall does not give
// the P away -- most calls are short -- it just marks G _Gsyscall and P _Psyscall. If the call
// returns quickly, exitsyscall takes the same P back with one CAS. If it does not, sysmon
// notices the P still in _Psyscall a whole tick later and hands it to another M (retake ->
// handoffp, sysmon.cpp): that is how one G stuck in read(2) does not stall the others, and why a
// program with 100 Gs in slow reads has more than 100 threads. RawSyscall skips the bookkeeping
// and so starves the P's other Gs for as long as the kernel holds it.
//
// The netpoller: the async path
// -----------------------------
// Sockets and pipes need no thread to wait on. Their descriptors are non-blocking and
// registered once with epoll (netpoll.cpp, netpoll_epoll.cpp); a G whose read says EAGAIN parks
// on the descriptor's pollDesc and gives its M back to the scheduler (net.cpp is the blocking-
// style API on top, Go's internal/poll and net). Ready descriptors are collected by netpoll:
// findRunnable polls before it steals, sysmon polls when nobody has for 10 ms, and an M with
// nothing to do sleeps in epoll_pwait -- one M at a time, until a descriptor is ready or the
// next timer is due, which is also how a program of sleeping goroutines waits with no M
// running. A timer added sooner than that M's wakeup breaks it out through an eventfd
// (netpollBreak). So 10,000 goroutines waiting on sockets cost 10,000 small stacks and no
// threads, while 10,000 in blocking file reads would cost 10,000 threads.
//
// sysmon and preemption
// ---------------------
// sysmon is an M without a P: a watchdog that wakes every 20 us (backing off to 10 ms when
// nothing happens, sleeping when all Ps are idle). Besides retaking Ps from system calls it
// notices a G that has run for 10 ms without yielding and sets its preempt flag. Preemption is
// cooperative: the flag is checked at runtime entry points (go, channel operations, Mutex,
// Syscall) and at rt::SafePoint(); Go's compiler-inserted checks and signal-based asynchronous
// preemption have no counterpart here.
//
// Running it, and the OS underneath
// ---------------------------------
// rt::Run(fn) turns the calling thread into m0, runs fn as goroutine 1 and, unlike Go (whose
// main returns by exiting the process; that is rt::Main), shuts everything down when fn returns
// so that a test can start it again with another GOMAXPROCS. Below the runtime is a small OS
// layer (os.h): raw Linux system calls shared by every build, and a per-flavour file that
// creates threads -- pthreads on a glibc host (where the tests run under TSan and ASan), raw
// clone(2) threads in Handoff's static newlib programs. Context switching is ~30 lines of
// assembly per architecture (sched/arch/*/context.S).
//
// Where things are
// ----------------
//   runtime.h chan.h sync.h   the public API              runtime2.h   G, M, P, schedt
//   schedule.cpp  schedule, findRunnable, park/ready     runq.cpp     run queues, idle lists
//   mthread.cpp   Ms: newm, mstart, startm, stopm,        newproc.cpp  go, goexit, G free lists
//                 handoffp, wakep, locked Ms             syscall.cpp  entersyscall/exitsyscall
//   sysmon.cpp    sysmon, retake, preemption             time.cpp     per-P timers, Sleep
//   chan.cpp select.cpp sema.cpp sync.cpp                lockosthread.cpp
//   hchan.h sema.h  channel and semaphore insides        print.cpp    fatal errors, panics
//   checkdead.cpp deadlock detection                     schedtrace.cpp GODEBUG=schedtrace
//   netpoll.h netpoll.cpp  pollDesc, netpollblock        netpoll_epoll.cpp  epoll, netpollBreak
//   net.h net.cpp  Listen/Dial/Conn, Pipe (internal/poll) trace.cpp    trace points
//   context.cpp + arch/*/context.S  gogo, mcall          stack.cpp    G stacks
//   lock_futex.cpp  the runtime's mutex and note         runtime1.cpp GOMAXPROCS, GODEBUG
//   os.h os_linux.cpp os/<flavour>/  the OS layer        arch/<arch>/ registers, trap, counter
//
// Deviations from Go are noted where they happen; the main ones: no garbage collector (so no
// stop-the-world, _Pgcstop, write barriers), fixed-size stacks instead of growable ones,
// cooperative preemption only, GOMAXPROCS fixed for the life of a Run, the classic _Psyscall
// P state (the newest Go removed it -- it is _Psyscall_unused at Go's tip, and a P "in a
// syscall" is recognised from its G -- but it is clearer to teach), Go 1.14's per-P timer
// heaps, and a net API for AF_UNIX sockets and pipes only (no TCP, no DNS).
// ============================================================================================
#include <stdio.h>
#include <stdlib.h>

#include "os.h"
#include "print.h"
#include "runtime.h"
#include "runtime2.h"
#include "trace.h"

namespace rt {

schedt sched;
M* m0;
M* allm;
P** allp;
int32_t gomaxprocs;
int32_t ncpu = 1;
std::atomic<bool> mainStarted{false};
size_t stackSize;
mutex allglock;
std::vector<G*> allgs;
dbgVar debug;

namespace {

// Go caps GOMAXPROCS at 1024 (_MaxGomaxprocs).
constexpr int32_t kMaxGomaxprocs = 1024;

// 64 KiB reserved per goroutine stack; demand paging makes an idle G cost about a page. The
// sanitizers' instrumentation needs much bigger frames.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kDefaultStackSize = 512 * 1024;
#else
constexpr size_t kDefaultStackSize = 64 * 1024;
#endif

std::atomic<bool> running{false};
void (*mainFn)(void*);
void* mainArg;
bool exitOnReturn;

// Go: procresize, reduced to the start-up case: make nprocs Ps, give allp[0] to the current M
// (m0) and put the others on the idle list.
void procresize(int32_t nprocs) {
  allp = new P*[nprocs];
  for (int32_t i = 0; i < nprocs; i++) {
    allp[i] = new P();
    allp[i]->id = i;
  }
  gomaxprocs = nprocs;
  initStealOrder(nprocs);
  acquirep(allp[0]);
  lock(&sched.lock);
  for (int32_t i = nprocs - 1; i > 0; i--) pidleput(allp[i]);
  unlock(&sched.lock);
}

// Go: schedinit. Fresh scheduler state for one Run; the calling thread becomes m0.
void schedinit(const Config& cfg) {
  ncpu = os::getproccount();
  parsedebugvars(cfg);
  schedtraceReset();
  stackSize = cfg.stack_size ? cfg.stack_size : kDefaultStackSize;

  sched.goidgen.store(0);
  sched.lastpoll.store(os::nanotime());
  sched.pollUntil.store(0);
  sched.midle = nullptr;
  sched.nmidle = sched.nmidlelocked = sched.nmsys = 0;
  sched.mnext = sched.nmfreed = 0;
  sched.maxmcount = cfg.max_threads > 0 ? cfg.max_threads : kDefaultMaxThreads;
  sched.pidle = nullptr;
  sched.npidle.store(0);
  sched.nmspinning.store(0);
  sched.needspinning.store(0);
  sched.runq = gQueue{};
  sched.runqsize.store(0);
  sched.gFree.head = nullptr;
  sched.gFree.n.store(0);
  sched.sysmonwait.store(0);
  noteclear(&sched.sysmonnote);
  sched.freem = nullptr;
  sched.shutdown.store(false);
  allm = nullptr;
  mainStarted.store(false);
  allgs.clear();
  if (cfg.trace) trace::Start();

  m0 = allocm(nullptr, -1);
  setg(m0->g0);
  int32_t procs = gomaxprocsFromEnv(cfg);
  if (procs > kMaxGomaxprocs) procs = kMaxGomaxprocs;
  procresize(procs);
}

// Run's main goroutine ends: tell every M to leave. Each M checks sched.shutdown before it
// sleeps (stopm, stoplockedm, netpoll, sysmon) and we wake every one that may already be
// asleep, so none is left behind.
void startShutdown() {
  M* self = getg()->m.load(std::memory_order_relaxed);
  lock(&sched.lock);
  sched.shutdown.store(true);
  // Idle Ms leave the idle list as they are woken, so the counts stay consistent.
  while (M* mp = mget()) notewakeup(&mp->park);
  // Any other M may be asleep on its note or about to be (parked with a locked G, m0 wedged):
  // wake them all. A running M finds its note set when it next parks, and leaves then.
  for (M* mp = allm; mp; mp = mp->alllink)
    if (mp != self) notewakeup(&mp->park);
  if (sched.sysmonwait.load()) {
    sched.sysmonwait.store(0);
    notewakeup(&sched.sysmonnote);
  }
  unlock(&sched.lock);
  netpollBreak();
}

// Go: runtime.main, goroutine 1.
void runtimeMain() {
  // Allow newproc to start new Ms.
  mainStarted.store(true);
  // sysmon gets its own M and no P.
  newm(sysmon, nullptr, -1);
  mainFn(mainArg);
  if (exitOnReturn) {
    // Go's runtime.main: exit(0) at once, other goroutines still running or blocked. Flush
    // stdio, but do not run atexit handlers or static destructors: other threads are still
    // using the objects they would destroy.
    fflush(nullptr);
    os::exit(0);
  }
  startShutdown();
  // Returning ends this goroutine; its M then finds sched.shutdown and leaves.
}

// After mstart(m0) has returned: wait for the other Ms' threads, then free everything.
void teardown() {
  for (;;) {
    lock(&sched.lock);
    bool others = false;
    for (M* mp = allm; mp; mp = mp->alllink)
      if (mp != m0) others = true;
    unlock(&sched.lock);
    if (!others) break;
    os::usleep(100);
  }
  reapFreeMs(true);

  for (G* gp : allgs) {
    stackfree(gp->stack);
    delete gp->timer;
    fiberDestroy(gp);
    delete gp;
  }
  allgs.clear();
  netpollTeardown();  // before the Ps go: their timer heaps hold the pollDescs' deadlines
  for (int32_t i = 0; i < gomaxprocs; i++) delete allp[i];
  delete[] allp;
  allp = nullptr;
  gomaxprocs = 0;
  traceCollect(m0);
  delete m0->g0;  // its TSan fiber is the thread's own: not ours to destroy
  delete m0->trace;
  delete m0;
  m0 = nullptr;
  allm = nullptr;
  setg(nullptr);
}

}  // namespace

void Run(void (*fn)(void*), void* arg, const Config& cfg) {
  bool expected = false;
  if (!running.compare_exchange_strong(expected, true))
    fatal("rt::Run: the runtime is already running");
  schedinit(cfg);
  mainFn = fn;
  mainArg = arg;
  go([] { runtimeMain(); });  // goroutine 1, first in allp[0]'s runnext
  mstart(m0);                 // m0 schedules until goroutine 1 returns and everyone has left
  teardown();
  running.store(false);
}

void Main(void (*fn)(void*), void* arg, const Config& cfg) {
  exitOnReturn = true;
  Run(fn, arg, cfg);
  os::exit(0);  // not reached: goroutine 1 exits the process
}

}  // namespace rt
