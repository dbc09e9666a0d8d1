// sched/runtime2.h -- the runtime's data: G, M, P, the scheduler, and the internal functions
// every file of sched/ shares (Go: runtime/runtime2.go, plus the function declarations that Go
// gets for free by being one package).
//
// Read proc.cpp first: it explains what these are for. Names, states and constants are Go's so
// this file can be held beside runtime2.go. Fields another thread reads while the owner writes
// (sysmon's retake, schedtrace, stealing) are std::atomic; Go reads them racily on purpose, but
// C++ (and ThreadSanitizer) call that undefined, so we say "relaxed" where Go says nothing.
#pragma once

#include <atomic>
#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "arch.h"  // Gobuf, cputicks (sched/arch/<arch>/)
#include "getg.h"  // getg/setg: where the running G is found (sched/os/<flavour>/)
#include "trace.h"  // traceOn, traceEvent

namespace rt {

struct G;
struct M;
struct P;
struct sudog;
struct timer;
struct TraceBuf;

// ---- G states (Go: _Gidle ... _Gdead, same numbers, so schedtrace prints what Go would) -------
enum : uint32_t {
  _Gidle = 0,      // just allocated, not yet initialised
  _Grunnable = 1,  // on a run queue, not running
  _Grunning = 2,   // running user code on an M that holds a P
  _Gsyscall = 3,   // in a system call on an M; it holds no P
  _Gwaiting = 4,   // parked (gopark) on a channel, lock, timer...; not on a run queue
  // 5 is _Gmoribund_unused in Go as well.
  _Gdead = 6,      // unused: exited, or fresh; on a free list
};

// ---- P states (Go: _Pidle ... _Pdead) -------------------------------------------------------
enum : uint32_t {
  _Pidle = 0,     // not running user code: on the idle list, or being handed between Ms
  _Prunning = 1,  // owned by an M that runs user code or the scheduler
  _Psyscall = 2,  // its M is in a system call; sysmon may retake it, its M may take it back
  _Pgcstop = 3,   // Go stops Ps for the garbage collector; we have none (never used)
  _Pdead = 4,     // no longer used (GOMAXPROCS shrank); we never shrink (never used)
};

// Why a G is parked (Go: waitReason); printed by scheddetail and the deadlock report.
enum waitReason : uint8_t {
  waitReasonZero,
  waitReasonChanReceiveNilChan,
  waitReasonChanSendNilChan,
  waitReasonSelectNoCases,
  waitReasonSelect,
  waitReasonChanReceive,
  waitReasonChanSend,
  waitReasonSleep,
  waitReasonSemacquire,
  waitReasonSyncMutexLock,
  waitReasonSyncWaitGroupWait,
  waitReasonIOWait,  // parked on a descriptor in the netpoller (netpollblock)
};
const char* waitReasonString(waitReason r);

// ---- constants, all Go's --------------------------------------------------------------------
inline constexpr uint32_t kRunqSize = 256;          // p.runq [256]guintptr
inline constexpr uint32_t kGlobalRunqTicks = 61;    // schedtick%61: look at the global queue
inline constexpr int stealTries = 4;                // findRunnable's stealWork rounds
inline constexpr int64_t forcePreemptNS = 10 * 1000 * 1000;  // 10 ms time slice (retake)
inline constexpr uint32_t sysmonMinDelayUS = 20;    // sysmon starts with 20 us sleeps...
inline constexpr uint32_t sysmonMaxDelayUS = 10000; // ...doubling up to 10 ms...
inline constexpr int sysmonIdleCyclesBeforeDoubling = 50;  // ...after 1 ms of idle cycles
inline constexpr int64_t forcegcperiod =
    2LL * 60 * 1000 * 1000 * 1000;                    // bounds sysmon's deep sleep
inline constexpr int32_t kDefaultMaxThreads = 10000;  // debug.SetMaxThreads default
inline constexpr int32_t gFreeLocalMax = 64;        // gfput moves Gs to the global free list...
inline constexpr int32_t gFreeLocalKeep = 32;       // ...until 32 stay local; gfget refills 32

// ---- internal locks (lock_futex.cpp; Go: lock_futex.go) -------------------------------------
// A mutex for the runtime's own short critical sections. It blocks the THREAD (futex), so it is
// never held across a gopark; Gs block on sync.Mutex (sync.h) instead.
struct mutex {
  std::atomic<uint32_t> key{0};  // 0 unlocked, 1 locked, 2 locked and maybe a thread asleep
};
void lockSlow(mutex* l, uint32_t v);
void unlockSlow(mutex* l, uint32_t v);
// The uncontended cases are one atomic exchange each, inline.
inline void lock(mutex* l) {
  uint32_t v = l->key.exchange(1, std::memory_order_acquire);
  if (__builtin_expect(v != 0, 0)) lockSlow(l, v);
}
inline void unlock(mutex* l) {
  uint32_t v = l->key.exchange(0, std::memory_order_release);
  if (__builtin_expect(v != 1, 0)) unlockSlow(l, v);
}

// A one-shot wakeup for a sleeping thread: idle Ms sleep on m.park, sysmon on sched.sysmonnote.
struct note {
  std::atomic<uint32_t> key{0};
};
void noteclear(note* n);
void notewakeup(note* n);
void notesleep(note* n);
bool notetsleep(note* n, int64_t ns);  // false: timed out

// ---- G -------------------------------------------------------------------------------------
struct Stack {
  uintptr_t lo = 0, hi = 0;  // [lo, hi); a PROT_NONE guard page sits just below lo
};

struct G {
  Stack stack;
  Gobuf sched{};                  // where to resume it (saved by mcall, restored by gogo)
  uintptr_t syscallsp = 0;        // frame and pc of the Syscall that entered the kernel
  uintptr_t syscallpc = 0;
  std::atomic<uint32_t> atomicstatus{_Gidle};  // changed only through casgstatus
  std::atomic<bool> preempt{false};            // sysmon asks it to yield (cooperatively)
  std::atomic<uint8_t> waitreason{waitReasonZero};
  std::atomic<int64_t> goid{0};   // atomic only because scheddetail reads it while reused
  std::atomic<M*> m{nullptr};     // the M running it (nil when not running)
  G* schedlink = nullptr;         // next in a gQueue/gList (global run queue, free lists)
  std::atomic<M*> lockedm{nullptr};  // LockOSThread: the only M that may run it
  void (*startfn)(void*) = nullptr;  // entry point and its argument (the closure, which
  void* startarg = nullptr;          // newproc copied onto the top of the new stack)
  void* param = nullptr;          // set by whoever readies it (channels: the sudog that won)
  std::atomic<uint32_t> selectDone{0};  // a select case has won: other cases must not wake it
  sudog* waiting = nullptr;       // the sudogs of the select it is blocked in
  struct timer* timer = nullptr;  // for Sleep (Go: g.timer)
  int64_t waitsince = 0;
  void* tsanFiber = nullptr;      // sanitizer fiber state (context.cpp); unused otherwise
  void* asanFakeStack = nullptr;
};

// ---- P -------------------------------------------------------------------------------------
struct sysmontick {  // what sysmon saw last time it looked at a P (owned by sysmon)
  uint32_t schedtick = 0;
  int64_t schedwhen = 0;
  uint32_t syscalltick = 0;
  int64_t syscallwhen = 0;
};

struct P {
  int32_t id = 0;
  std::atomic<uint32_t> status{_Pidle};
  P* link = nullptr;                       // next on sched.pidle
  std::atomic<uint32_t> schedtick{0};      // incremented on every execute with a fresh slice
  std::atomic<uint32_t> syscalltick{0};    // incremented on every syscall return/retake
  struct sysmontick sysmontick;
  std::atomic<M*> m{nullptr};              // back-link to the M that owns it (nil if idle)

  // The local run queue: a lock-free ring the owner pushes to and anyone may steal from.
  std::atomic<uint32_t> runqhead{0};
  std::atomic<uint32_t> runqtail{0};
  std::atomic<G*> runq[kRunqSize] = {};
  // The next G to run, ahead of runq: a G readied by the running one (channel partner) runs
  // next and inherits the rest of the time slice, which keeps communicating pairs together.
  std::atomic<G*> runnext{nullptr};

  struct {
    G* head = nullptr;
    std::atomic<int32_t> n{0};
  } gFree;  // dead Gs (with their stacks) for reuse

  mutex timersLock;                        // guards timers
  std::vector<timer*> timers;              // min-heap by when
  std::atomic<int64_t> timer0When{0};      // when of timers[0], 0 if none (read unlocked)
  std::atomic<uint32_t> numTimers{0};      // timers.size(), for readers without the lock
  std::atomic<uint64_t> stealsFrom{0};     // statistics (tests): Gs this P stole
};

// ---- M -------------------------------------------------------------------------------------
struct M {
  G* g0 = nullptr;                  // the scheduler's own G: runs on the thread's stack
  std::atomic<G*> curg{nullptr};    // the user G it is running
  std::atomic<P*> p{nullptr};       // the P it holds (nil in a syscall or when idle)
  P* nextp = nullptr;               // P handed to it by startm/startlockedm before waking it
  P* oldp = nullptr;                // P it held when it entered a syscall (exitsyscallfast)
  int64_t id = 0;
  int32_t procid = 0;               // kernel thread id
  std::atomic<bool> spinning{false};  // out of work and looking for some (findRunnable)
  std::atomic<bool> blocked{false};   // asleep on park
  note park;                        // where it sleeps when idle
  M* schedlink = nullptr;           // next on sched.midle
  M* alllink = nullptr;             // next on allm
  M* freelink = nullptr;            // next on sched.freem
  std::atomic<G*> lockedg{nullptr}; // LockOSThread: the only G it may run
  uint32_t lockedExt = 0;           // LockOSThread calls not yet undone
  uint32_t lockedInt = 0;           // the runtime's own locks (unused so far)
  uint32_t syscalltick = 0;         // p.syscalltick when it entered the syscall
  void (*mstartfn)() = nullptr;     // run first on the new thread (sysmon, mspinning)
  bool (*waitunlockf)(G*, void*) = nullptr;  // gopark's "unlock after parking" callback
  void* waitlock = nullptr;
  uint64_t fastrand = 0;            // xorshift state (steal order, select order)
  uintptr_t thread = 0;             // OS layer handle (pthread_t / ThreadBlock*)
  bool threadJoined = false;
  TraceBuf* trace = nullptr;        // its trace ring (trace.h)
};

// ---- sudog: a G waiting in a queue (Go: runtime2.go's sudog) -----------------------------------
// A G can wait on several things at once (select), so the queue entries are separate from the
// G. They live on the waiting G's own stack, which stays put while it is parked.
struct hchan;
struct sudog {
  G* g = nullptr;
  sudog* next = nullptr;      // channel wait queue / semaphore bucket links
  sudog* prev = nullptr;
  void* elem = nullptr;       // data element (may point to stack)
  bool isSelect = false;      // g is in a select: g->selectDone decides which case wins
  bool success = false;       // woken because a value was delivered (false: channel closed)
  sudog* waitlink = nullptr;  // g->waiting list (select)
  hchan* c = nullptr;         // channel
  std::atomic<uint32_t>* semaddr = nullptr;  // semaphore (sema.cpp)
  uint32_t ticket = 0;        // semaphore handed over directly
};

// ---- run queues of Gs linked through schedlink ------------------------------------------------
struct gQueue {  // FIFO (the global run queue)
  G* head = nullptr;
  G* tail = nullptr;
  bool empty() const { return head == nullptr; }
  void push(G* gp) {  // at the head
    gp->schedlink = head;
    head = gp;
    if (!tail) tail = gp;
  }
  void pushBack(G* gp) {
    gp->schedlink = nullptr;
    if (tail) tail->schedlink = gp;
    else head = gp;
    tail = gp;
  }
  G* pop() {
    G* gp = head;
    if (gp) {
      head = gp->schedlink;
      if (!head) tail = nullptr;
    }
    return gp;
  }
};

struct gList {  // LIFO stack
  G* head = nullptr;
  bool empty() const { return head == nullptr; }
  void push(G* gp) {
    gp->schedlink = head;
    head = gp;
  }
  G* pop() {
    G* gp = head;
    if (gp) head = gp->schedlink;
    return gp;
  }
};

// ---- the scheduler (Go: schedt) ---------------------------------------------------------------
struct schedt {
  std::atomic<uint64_t> goidgen{0};
  std::atomic<int64_t> lastpoll{0};   // when netpoll last ran; 0 while an M is blocked in it
  std::atomic<int64_t> pollUntil{0};  // when that blocked netpoll will return by itself

  mutex lock;  // guards everything below that is not atomic

  M* midle = nullptr;                 // idle Ms waiting for work
  int32_t nmidle = 0;
  int32_t nmidlelocked = 0;           // Ms parked with a locked G that is not runnable
  int64_t mnext = 0;                  // Ms created so far; the next M's id
  int32_t maxmcount = kDefaultMaxThreads;
  int32_t nmsys = 0;                  // system Ms (sysmon) not counted by checkdead
  int64_t nmfreed = 0;                // Ms that have exited

  P* pidle = nullptr;                 // idle Ps
  std::atomic<int32_t> npidle{0};
  std::atomic<int32_t> nmspinning{0};
  std::atomic<uint32_t> needspinning{0};  // someone found work but no idle P to run it

  gQueue runq;                        // the global run queue
  std::atomic<int32_t> runqsize{0};

  struct {
    mutex lock;
    G* head = nullptr;
    std::atomic<int32_t> n{0};
  } gFree;                            // global pool of dead Gs

  std::atomic<uint32_t> sysmonwait{0};  // sysmon is in its deep sleep on sysmonnote
  note sysmonnote;

  M* freem = nullptr;                 // exited Ms whose threads may still be finishing
  std::atomic<bool> shutdown{false};  // Run's main G returned: every M is leaving
};

// ---- globals (proc.cpp) -----------------------------------------------------------------------
extern schedt sched;
extern M* m0;                       // the M on the thread that called Run
extern M* allm;                     // every M (sched.lock)
extern P** allp;                    // every P, indexed by id; fixed once Run starts
extern int32_t gomaxprocs;
extern int32_t ncpu;
extern std::atomic<bool> mainStarted;
extern size_t stackSize;            // bytes reserved for each G stack
extern mutex allglock;
extern std::vector<G*> allgs;        // every G ever made, for checkdead and scheddetail
struct dbgVar {
  int32_t schedtrace = 0;   // GODEBUG=schedtrace=N: print a SCHED line every N ms
  int32_t scheddetail = 0;  // GODEBUG=scheddetail=1: plus a line per P, M and G
};
extern dbgVar debug;

// ---- internal functions, by file --------------------------------------------------------------
// print.cpp
[[noreturn]] void fatal(const char* s);    // Go: throw / fatal -> "fatal error: s", exit 2
[[noreturn]] void gopanic(const char* s);  // unrecovered Go panic -> "panic: s", exit 2
void printGoroutineHeader(G* gp);          // "goroutine N [status]:"

// context.cpp (with sched/arch/<arch>/context.S)
[[noreturn]] void gogo(G* gp);
void mcall(void (*fn)(G*));
void mcallDying(void (*fn)(G*));           // mcall for a G that will never resume
[[noreturn]] void returnToMstart();        // gogo(&m.g0.sched): the M leaves (mexit)
uintptr_t goStartPC();                     // rt_gostart: the first pc of every G
void fiberCreate(G* gp);
void fiberDestroy(G* gp);
void fiberInitThread(G* g0);
extern "C" uintptr_t rt_gosave(Gobuf* buf) __attribute__((returns_twice));

// stack.cpp
Stack stackalloc(size_t n);
void stackfree(Stack s);
void stackReuse(G* gp);

// newproc.cpp
G* malg(size_t stacksize);
void allgadd(G* gp);
G* newproc1(void (*fn)(void*), void (*move)(void*, void*), void* src, size_t size, size_t align);
[[noreturn]] void goexit1();
void gfput(P* pp, G* gp);
G* gfget(P* pp);
int32_t gcount();

// schedule.cpp
inline uint32_t readgstatus(G* gp) { return gp->atomicstatus.load(std::memory_order_acquire); }
[[noreturn]] void casgstatusFailed(G* gp, uint32_t oldval, uint32_t newval, uint32_t seen);
void traceGStatus(G* gp, uint32_t oldval, uint32_t newval);
// Go: casgstatus. Every G state change goes through here (and so through one trace point).
// Go retries while a GC scan bit is set; we have no GC, so a mismatch is a runtime bug.
inline __attribute__((always_inline)) void casgstatus(G* gp, uint32_t oldval, uint32_t newval) {
  uint32_t seen = oldval;
  if (__builtin_expect(oldval == newval || !gp->atomicstatus.compare_exchange_strong(
                                               seen, newval, std::memory_order_acq_rel),
                       0))
    casgstatusFailed(gp, oldval, newval, seen);
  if (traceOn()) traceGStatus(gp, oldval, newval);
}
[[noreturn]] void schedule();
[[noreturn]] void execute(G* gp, bool inheritTime);
void gopark(bool (*unlockf)(G*, void*), void* lock, waitReason reason);
void goparkunlock(mutex* lock, waitReason reason);
void goready(G* gp);
void dropg();
void acquirep(P* pp);
void wirep(P* pp);
P* releasep();
void resetspinning();
void becomeSpinning(M* mp);
uint32_t fastrand();
void preemptPark();  // SafePoint's slow path: yield
// The cooperative preemption check at the runtime's own entry points (the public SafePoint is
// the same, out of line).
inline void preemptCheck() {
  if (__builtin_expect(getg()->preempt.load(std::memory_order_relaxed), 0)) preemptPark();
}
void initStealOrder(int32_t nprocs);

// runq.cpp
void runqput(P* pp, G* gp, bool next);
G* runqget(P* pp, bool* inheritTime);
G* runqsteal(P* pp, P* p2, bool stealRunNextG);
bool runqempty(P* pp);
void globrunqput(G* gp);
void globrunqputhead(G* gp);
G* globrunqget(P* pp, int32_t max);
void pidleput(P* pp);
P* pidleget();
P* pidlegetSpinning();
void mput(M* mp);
M* mget();
void injectglist(gList* glist);

// mthread.cpp (the M's life: creation, parking, handing Ps over)
M* allocm(void (*fn)(), int64_t id);
void newm(void (*fn)(), P* pp, int64_t id);
void mstart(M* mp);
int64_t mReserveID();
int32_t mcount();
void startm(P* pp, bool spinning);
void stopm();
void handoffp(P* pp);
void wakep();
void stoplockedm();
void startlockedm(G* gp);
void incidlelocked(int32_t v);
void mPark(M* mp);
void reapFreeMs(bool all);

// syscall.cpp
void entersyscall();
void entersyscallblock();
void exitsyscall();

// sysmon.cpp
void sysmon();
bool preemptone(P* pp);

// time.cpp (timers; Go: time.go)
struct timer {
  std::atomic<P*> pp{nullptr};  // the P whose heap holds it; nil when not in a heap
  int32_t idx = -1;             // position in that heap
  int64_t when = 0;             // nanotime at which to fire
  int64_t period = 0;           // >0: fire again every period
  void (*f)(void* arg, uintptr_t seq) = nullptr;
  void* arg = nullptr;
  uintptr_t seq = 0;
};
void addtimer(timer* t);
bool deltimer(timer* t);
struct CheckTimersResult {
  int64_t now, pollUntil;
  bool ran;
};
CheckTimersResult checkTimersSlow(P* pp, int64_t now);
// Go: checkTimers. Its first test -- no timers at all -- inline, since every schedule makes it.
inline CheckTimersResult checkTimers(P* pp, int64_t now) {
  if (pp->timer0When.load(std::memory_order_relaxed) == 0) return {now, 0, false};
  return checkTimersSlow(pp, now);
}
int64_t timeSleepUntil();
void wakeNetPoller(int64_t when);

// netpoll.cpp + netpoll_epoll.cpp (the network poller; Go: netpoll.go, netpoll_epoll.go).
// The scheduler's side of it; the descriptors' side (pollDesc) is in netpoll.h.
bool netpollinited();
void netpollGenericInit();  // start the poller if nobody has yet (Go: netpollGenericInit)
bool netpollAnyWaiters();   // any G parked on a descriptor? (Go: netpollWaiters > 0)
void netpollAdjustWaiters(int32_t delta);
// Go: netpoll returns (gList, delta): the Gs whose descriptors are ready, and how much
// netpollWaiters must drop once they have been made runnable (netpollAdjustWaiters).
struct netpollResult {
  gList list;
  int32_t delta = 0;
};
netpollResult netpoll(int64_t delay);  // delay < 0: block; 0: poll; > 0: block up to delay ns
void netpollBreak();
void netpollTeardown();  // Run ends: forget Gs and timers of this Run (no Go counterpart)

// checkdead.cpp
void checkdead();

// schedtrace.cpp
void schedtrace(bool detailed);
void schedtraceReset();

// runtime1.cpp
struct Config;
void parsedebugvars(const Config& cfg);
int32_t gomaxprocsFromEnv(const Config& cfg);

}  // namespace rt
