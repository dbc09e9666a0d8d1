// sched/demos/godemo.cpp -- the Go articles' experiments, to run at the Handoff shell prompt.
//
//   godemo                  the list below
//   godemo disk [N]         1. N goroutines (default 100) each read the slow disk through Syscall:
//                              every blocked read holds a thread, so threads grow past GOMAXPROCS
//   godemo pool [K]         1b. the same 100 reads behind a Semaphore(K) (default 8): the bounded
//                              I/O pool keeps threads at most GOMAXPROCS + K + sysmon
//   godemo handoff          2. GOMAXPROCS=1: one goroutine in a 200 ms slow-disk read through
//                              Syscall while a ticker goroutine keeps counting (P handoff)
//   godemo raw              3. the same read through RawSyscall: the ticker starves
//   godemo locked           4. a LockOSThread'ed goroutine that sleeps keeps its thread
//   godemo EXPERIMENT trace  the same, then the runtime's trace events as a timeline: system
//                            call enter/exit, P state changes, sysmon's retakes, handoffs, Ms
//                            started, parked and woken (trace.h; goroutine status changes left out)
//
// Settings come from the environment as in Go: GOMAXPROCS=n, GODEBUG=schedtrace=MS (and
// scheddetail=1) prints the scheduler's state every MS milliseconds, e.g.
//   handoff:/$ GODEBUG=schedtrace=50 godemo disk
// The slow disk is the kernel's (kernel/fs/disk_files.cpp): /disk/data0..15 take 2 ms a request,
// 4 requests at once; /disk/slow takes 200 ms. /proc/self/status counts our threads.
// The same experiments with asserted counts are sched/tests/cases_articles.cpp.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atomic>

#include "arch.h"  // sched/arch/<arch>/: cputicks
#include "runtime.h"
#include "sync.h"
#include "trace.h"
#include "sysnum.h"  // user/lib: Linux's system call numbers

namespace {

constexpr uint32_t kGsyscall = 3;  // Go's _Gsyscall

// Reads `bytes` from the start of `path` through the runtime's Syscall (entersyscall and
// exitsyscall around the trap) or RawSyscall (the trap alone). Returns read's result.
long diskRead(const char* path, size_t bytes, bool raw) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("godemo: cannot open %s (is this Handoff? the slow disk is /disk)\n", path);
    exit(1);
  }
  char buf[4096];  // on the goroutine's stack
  if (bytes > sizeof buf) bytes = sizeof buf;
  rt::SyscallResult r =
      raw ? rt::RawSyscall(SYS_read, static_cast<uintptr_t>(fd), reinterpret_cast<uintptr_t>(buf),
                           bytes)
          : rt::Syscall(SYS_read, static_cast<uintptr_t>(fd), reinterpret_cast<uintptr_t>(buf),
                        bytes);
  close(fd);
  return r.err ? -static_cast<long>(r.err) : static_cast<long>(r.r1);
}

// Watches the process while the experiment runs: the most threads the kernel counted and the
// most goroutines in a system call at once. A goroutine like any other: it sleeps 1 ms between
// looks, holding no thread meanwhile.
struct Watcher {
  std::atomic<bool> stop{false};
  std::atomic<int> maxThreads{0}, maxInSyscall{0};
  rt::WaitGroup done;

  void start() {
    done.Add(1);
    rt::go([this] {
      while (!stop.load()) {
        int t = rt::NumThread(), s = rt::inspect::CountGStatus(kGsyscall);
        if (t > maxThreads.load()) maxThreads.store(t);
        if (s > maxInSyscall.load()) maxInSyscall.store(s);
        rt::Sleep(rt::Millisecond);
      }
      done.Done();
    });
  }
  void finish() {
    stop.store(true);
    done.Wait();
  }
};

// 1 and 1b: n goroutines each read 4 KiB from one of the 16 data files, all at once; with
// pool > 0 each holds a Semaphore(pool) slot around its read.
void readers(int n, int pool) {
  rt::Semaphore sem(pool > 0 ? pool : 1);
  printf("%d goroutines each read 4 KiB of /disk/data* through Syscall%s (GOMAXPROCS=%d)\n", n,
         pool > 0 ? ", at most K at a time" : "", rt::GOMAXPROCS());
  if (pool > 0) printf("  the pool: Semaphore(%d)\n", pool);
  printf("  threads before: %d\n", rt::NumThread());
  Watcher w;
  w.start();
  rt::WaitGroup wg;
  wg.Add(n);
  for (int i = 0; i < n; i++) {
    rt::go([&, i] {
      char path[32];
      snprintf(path, sizeof path, "/disk/data%d", i % 16);
      if (pool > 0) sem.Acquire();
      diskRead(path, 4096, false);
      if (pool > 0) sem.Release();
      wg.Done();
    });
  }
  wg.Wait();
  w.finish();
  rt::inspect::SchedStats s = rt::inspect::ReadSched();
  printf("  most goroutines in a system call at once: %d\n", w.maxInSyscall.load());
  printf("  most threads at once: %d (GOMAXPROCS %d)\n", w.maxThreads.load(), rt::GOMAXPROCS());
  printf("  threads after: %d, of which %d idle Ms kept for reuse\n", rt::NumThread(),
         s.idlethreads);
  if (pool > 0)
    printf("Each read holds its thread (M) in the kernel, but only %d reads are in flight at\n"
           "once, so no more than GOMAXPROCS + %d + 1 (sysmon) threads are ever needed.\n",
           pool, pool);
  else
    printf("Each read holds its thread (M) in the kernel; sysmon retakes the P it leaves in\n"
           "_Psyscall and hands it to another M (handoffp), so the next goroutine runs -- one\n"
           "thread per blocked read. Try `godemo pool 8` for the bounded pool.\n");
}

// 2 and 3: GOMAXPROCS=1, a ticker goroutine counts 1 ms sleeps while another goroutine reads
// /disk/slow (200 ms).
void tickerDuringRead(bool raw) {
  const char* how = raw ? "RawSyscall" : "Syscall";
  printf("GOMAXPROCS=%d: a ticker goroutine counts 1 ms sleeps while another goroutine reads\n"
         "/disk/slow (200 ms) through %s\n",
         rt::GOMAXPROCS(), how);
  std::atomic<int> ticks{0};
  std::atomic<bool> stop{false};
  int during = 0;
  rt::WaitGroup wg;
  wg.Add(2);
  rt::go([&] {
    while (!stop.load()) {
      rt::Sleep(rt::Millisecond);
      ticks.fetch_add(1);
    }
    wg.Done();
  });
  rt::go([&] {
    while (ticks.load() < 3) rt::Sleep(rt::Millisecond);  // the ticker is going
    int before = ticks.load();
    diskRead("/disk/slow", 1, raw);
    during = ticks.load() - before;
    stop.store(true);
    wg.Done();
  });
  wg.Wait();
  printf("  ticks during the read: %d\n", during);
  printf("  threads: %d (Ms created: %lld)\n", rt::NumThread(),
         static_cast<long long>(rt::inspect::ReadSched().mcreated));
  if (raw)
    printf("RawSyscall has no entersyscall: the P never leaves the blocked thread, so nothing\n"
           "else can run on it until the kernel returns. Go's warning, shown.\n");
  else
    printf("entersyscall left the P in _Psyscall; sysmon saw it stay there for a whole tick,\n"
           "retook it and started another M for it (handoffp), which ran the ticker.\n");
}

// 4: a locked goroutine sleeps repeatedly; each time it comes back on the same thread, and
// while it sleeps its M is parked for it alone (nmidlelocked) -- another M runs the rest.
void locked() {
  printf("GOMAXPROCS=%d: a goroutine calls LockOSThread and sleeps 1 ms, 20 times\n",
         rt::GOMAXPROCS());
  std::atomic<int> work{0};
  std::atomic<bool> stop{false};
  int maxLockedIdle = 0;
  rt::WaitGroup wg;
  wg.Add(2);
  rt::go([&] {
    while (!stop.load()) {
      int n = rt::inspect::ReadSched().nmidlelocked;
      if (n > maxLockedIdle) maxLockedIdle = n;
      work.fetch_add(1);
      rt::Sleep(rt::Millisecond);
    }
    wg.Done();
  });
  rt::go([&] {
    rt::LockOSThread();
    const long tid = rt::RawSyscall(SYS_gettid).r1;
    int moved = 0;
    for (int i = 0; i < 20; i++) {
      rt::Sleep(rt::Millisecond);
      if (static_cast<long>(rt::RawSyscall(SYS_gettid).r1) != tid) moved++;
    }
    printf("  thread of the locked goroutine: %ld; times it woke on another thread: %d\n", tid,
           moved);
    rt::UnlockOSThread();
    stop.store(true);
    wg.Done();
  });
  wg.Wait();
  printf("  most Ms parked for their locked goroutine at once (nmidlelocked): %d\n",
         maxLockedIdle);
  printf("  the other goroutine ran %d times meanwhile; threads: %d\n", work.load(),
         rt::NumThread());
  printf("A locked goroutine owns its M: when it blocks, the M sleeps with it (stoplockedm)\n"
         "and the P goes to another M; when it is ready, its P is handed back to that M.\n");
}

// Prints the trace events recorded during a Run as a timeline, in microseconds since the first
// event. The counter's rate is measured against the monotonic clock over the whole run.
void printTimeline(uint64_t t0, int64_t ns0, uint64_t t1, int64_t ns1) {
  std::vector<rt::TraceEvent> evs = rt::trace::Take();
  const double ticksPerUs = ns1 > ns0 ? static_cast<double>(t1 - t0) / ((ns1 - ns0) / 1000.0) : 1;
  static const char* const kPStatus[] = {"_Pidle", "_Prunning", "_Psyscall", "_Pgcstop", "_Pdead"};
  auto pname = [](uint64_t s) { return s < 5 ? kPStatus[s] : "?"; };
  printf("timeline (us since the first event; M = the thread that recorded it):\n");
  int shown = 0, skipped = 0;
  for (const rt::TraceEvent& e : evs) {
    const auto ev = static_cast<rt::TraceEv>(e.ev);
    if (ev == rt::TraceEv::GoStatus || ev == rt::TraceEv::GoCreate) continue;
    if (shown == 300) {
      skipped++;
      continue;
    }
    shown++;
    printf("  %10.1f  M%-3u %-12s ", (e.ticks - evs[0].ticks) / ticksPerUs, e.m,
           rt::traceEvName(ev));
    switch (ev) {
      case rt::TraceEv::ProcStatus:
        printf("P%llu %s -> %s\n", static_cast<unsigned long long>(e.a), pname(e.b & 0xff),
               pname((e.b >> 8) & 0xff));
        break;
      case rt::TraceEv::SyscallEnter:
        printf("goroutine %llu, system call %llu\n", static_cast<unsigned long long>(e.a),
               static_cast<unsigned long long>(e.b));
        break;
      case rt::TraceEv::SyscallExit:
        printf("goroutine %llu, %s\n", static_cast<unsigned long long>(e.a),
               e.b ? "fast path (kept or found a P)" : "slow path (no P: queued, M stops)");
        break;
      case rt::TraceEv::Retake:
        printf("P%llu %s\n", static_cast<unsigned long long>(e.a),
               e.b == 1 ? "taken back from a system call" : "asked to yield (ran 10 ms)");
        break;
      case rt::TraceEv::Handoff:
        printf("P%llu %s\n", static_cast<unsigned long long>(e.a),
               e.b ? "handed to an M (startm)" : "had no work: left idle");
        break;
      case rt::TraceEv::MStart:
      case rt::TraceEv::MPark:
      case rt::TraceEv::MUnpark:
      case rt::TraceEv::MExit:
        printf("M%llu\n", static_cast<unsigned long long>(e.a));
        break;
      case rt::TraceEv::Netpoll:
        if (static_cast<int64_t>(e.b) < 0)
          printf("%llu goroutines ready (epoll_pwait, no time limit)\n",
                 static_cast<unsigned long long>(e.a));
        else
          printf("%llu goroutines ready (epoll_pwait, up to %llu us)\n",
                 static_cast<unsigned long long>(e.a),
                 static_cast<unsigned long long>(e.b / 1000));
        break;
      case rt::TraceEv::NetpollBreak:
        printf("%s\n", e.a ? "woke the poller (eventfd)" : "poller already being woken");
        break;
      case rt::TraceEv::Steal:
        printf("%llu goroutines from P%llu\n", static_cast<unsigned long long>(e.b),
               static_cast<unsigned long long>(e.a));
        break;
      default:
        printf("%llu %llu\n", static_cast<unsigned long long>(e.a),
               static_cast<unsigned long long>(e.b));
    }
  }
  if (skipped) printf("  ... and %d more events\n", skipped);
}

void usage() {
  printf("usage: godemo EXPERIMENT   (the Go articles' experiments, on Handoff's slow disk)\n"
         "  disk [N]    1. N goroutines (100) read the slow disk via Syscall: threads grow\n"
         "  pool [K]    1b. the same behind a Semaphore(K) (8): threads stay bounded\n"
         "  handoff     2. GOMAXPROCS=1: a 200 ms read via Syscall; a ticker keeps running\n"
         "  raw         3. the same via RawSyscall: the ticker starves\n"
         "  locked      4. a LockOSThread'ed goroutine keeps its thread while it sleeps\n"
         "Add `trace` after an experiment for a timeline of the runtime's events.\n"
         "Environment: GOMAXPROCS=n, GODEBUG=schedtrace=MS[,scheddetail=1]. Examples:\n"
         "  GODEBUG=schedtrace=50 godemo disk\n"
         "  godemo handoff trace\n");
}

}  // namespace

int main(int argc, char** argv) {
  const char* what = argc > 1 ? argv[1] : "";
  const bool traced = argc > 2 && !strcmp(argv[argc - 1], "trace");
  int arg = argc > 2 && !traced ? atoi(argv[2]) : 0;
  rt::Config cfg;  // GOMAXPROCS and GODEBUG from the environment...
  if ((!strcmp(what, "handoff") || !strcmp(what, "raw") || !strcmp(what, "locked")) &&
      !getenv("GOMAXPROCS"))
    cfg.gomaxprocs = 1;  // ...but these are the articles' GOMAXPROCS=1 experiments
  cfg.trace = traced;
  void (*experiment)(int) = nullptr;
  if (!strcmp(what, "disk")) experiment = [](int n) { readers(n > 0 ? n : 100, 0); };
  else if (!strcmp(what, "pool")) experiment = [](int k) { readers(100, k > 0 ? k : 8); };
  else if (!strcmp(what, "handoff")) experiment = [](int) { tickerDuringRead(false); };
  else if (!strcmp(what, "raw")) experiment = [](int) { tickerDuringRead(true); };
  else if (!strcmp(what, "locked")) experiment = [](int) { locked(); };
  if (!experiment) {
    usage();
    return argc > 1 ? 2 : 0;
  }
  const uint64_t t0 = rt::arch::cputicks();
  const int64_t ns0 = rt::Nanotime();
  // Run, not Main: Run returns once every M has stopped, and then the trace is complete.
  rt::Run([experiment, arg] { experiment(arg); }, cfg);
  if (traced) printTimeline(t0, ns0, rt::arch::cputicks(), rt::Nanotime());
  return 0;
}
