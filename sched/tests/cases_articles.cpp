// sched/tests/cases_articles.cpp -- the Go articles' experiments (shared/articles), as tests
// with asserted counts, plus LockOSThread and entersyscallblock.
//
// The "slow disk" is a system call that keeps the thread in the kernel: a read(2) of a pipe that
// is written only later, or nanosleep(2). Both are what a slow disk read looks like to the
// scheduler: the M is stuck, only its P can be saved.
#include <atomic>

#include "chan.h"
#include "rtest.h"
#include "runtime.h"
#include "sync.h"

namespace {

constexpr uint32_t kGsyscall = 3;

rt::Config procs(int n) {
  rt::Config cfg;
  cfg.gomaxprocs = n;
  return cfg;
}

// One round of experiment 1: n goroutines each block in Syscall(read) on their own pipe; a
// writer goroutine waits until all n are in the system call, records the thread counts, then
// feeds every pipe. Returns {Ms at the peak, kernel threads at the peak}.
struct Peak {
  int ms, threads;
};
Peak blockingReadRound(int n) {
  std::vector<int> fds(2 * n);
  for (int i = 0; i < n; i++)
    rt::RawSyscall(rtest::kSysPipe2, reinterpret_cast<uintptr_t>(&fds[2 * i]), 0);
  Peak peak{0, 0};
  rt::WaitGroup wg;
  wg.Add(n + 1);
  for (int i = 0; i < n; i++) {
    rt::go([&, i] {
      char b = 0;
      rt::SyscallResult r = rt::Syscall(rtest::kSysRead, static_cast<uintptr_t>(fds[2 * i]),
                                        reinterpret_cast<uintptr_t>(&b), 1);
      CHECK_EQ(r.r1, 1u);
      wg.Done();
    });
  }
  rt::go([&] {  // the disk: answers once everybody waits
    while (rt::inspect::CountGStatus(kGsyscall) < n) rt::Sleep(rt::Millisecond);
    peak.ms = rt::inspect::ReadSched().threads;
    peak.threads = rt::NumThread();
    char b = 'x';
    for (int i = 0; i < n; i++)
      rt::RawSyscall(rtest::kSysWrite, static_cast<uintptr_t>(fds[2 * i + 1]),
                     reinterpret_cast<uintptr_t>(&b), 1);
    wg.Done();
  });
  wg.Wait();
  for (int fd : fds) rt::RawSyscall(rtest::kSysClose, static_cast<uintptr_t>(fd));
  return peak;
}

}  // namespace

// Experiment 1: 100 goroutines in a blocking read. Each blocked Syscall keeps its M; sysmon
// retakes the P and hands it to another M so the next goroutine can run -- so the thread count
// rises above GOMAXPROCS, to one M per blocked goroutine. Afterwards those Ms are idle, and a
// second round reuses them instead of creating new threads.
RT_CASE(Articles, exp1_blocking_syscalls_add_threads) {
  constexpr int kN = 100, kProcs = 2;
  rt::Run(
      [] {
        Peak p1 = blockingReadRound(kN);
        CHECK_GE(p1.ms, kN + 2);  // 100 blocked Ms + the writer's M + sysmon
        CHECK_GE(p1.threads, kN + 2);
        // The readers' Ms come back from the kernel, find no P and park in the idle list.
        for (int i = 0; i < 5000 && rt::inspect::ReadSched().idlethreads < kN - kProcs - 2; i++)
          rt::Sleep(rt::Millisecond);
        rt::inspect::SchedStats s1 = rt::inspect::ReadSched();
        CHECK_GE(s1.idlethreads, kN - kProcs - 2);
        Peak p2 = blockingReadRound(kN);
        rt::inspect::SchedStats s2 = rt::inspect::ReadSched();
        CHECK_GE(p2.ms, kN + 2);
        CHECK_LE(s2.mcreated - s1.mcreated, kProcs + 1);  // reused, not new
        rtest::note("GOMAXPROCS=%d: peak Ms %d (kernel threads %d); idle after: %d; Ms created in "
                    "round 2: %lld",
                    kProcs, p1.ms, p1.threads, s1.idlethreads,
                    static_cast<long long>(s2.mcreated - s1.mcreated));
      },
      procs(kProcs));
}

// Experiment 1 with the bounded pool: the same 100 goroutines behind a Semaphore(8) never
// have more than 8 Ms in the kernel, so the process never has more than GOMAXPROCS + 8 + sysmon
// threads.
RT_CASE(Articles, exp1_semaphore_bounds_threads) {
  constexpr int kN = 100, kProcs = 2, kPool = 8;
  int64_t created = 0;
  int maxIn = 0;
  rt::Run(
      [&] {
        rt::Semaphore sem(kPool);
        std::atomic<int> in{0}, maxInside{0};
        rt::WaitGroup wg;
        wg.Add(kN);
        for (int i = 0; i < kN; i++) {
          rt::go([&] {
            sem.Acquire();
            int n = in.fetch_add(1) + 1;
            int m = maxInside.load();
            while (n > m && !maxInside.compare_exchange_weak(m, n)) {
            }
            rtest::syscallSleep(5);  // a 5 ms "disk read"
            in.fetch_sub(1);
            sem.Release();
            wg.Done();
          });
        }
        wg.Wait();
        created = rt::inspect::ReadSched().mcreated;  // Ms are never freed: this is the peak
        maxIn = maxInside.load();
      },
      procs(kProcs));
  rtest::note("Ms with Semaphore(%d): %lld (bound %d)", kPool, static_cast<long long>(created),
              kProcs + kPool + 1);
  CHECK_LE(maxIn, kPool);
  CHECK_LE(created, kProcs + kPool + 1);
}

// Experiment 2: GOMAXPROCS=1, one goroutine 200 ms in a blocking Syscall (a read of Handoff's
// slow disk); a ticker goroutine
// keeps running meanwhile (its count grows), because sysmon hands the only P to another M.
RT_CASE(Articles, exp2_syscall_handoff_keeps_ticker_running) {
  int during = -1;
  bool disk = false;
  int64_t created = 0;
  rt::Run(
      [&] {
        std::atomic<int> ticks{0};
        std::atomic<bool> stop{false};
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
          disk = rtest::slowDiskRead(false);
          during = ticks.load() - before;
          stop.store(true);
          wg.Done();
        });
        wg.Wait();
        created = rt::inspect::ReadSched().mcreated;
      },
      procs(1));
  rtest::note("ticks during the 200 ms %s through Syscall: %d (Ms created: %lld)",
              disk ? "read of /disk/slow" : "nanosleep", during, static_cast<long long>(created));
  CHECK_GE(during, 3);    // it keeps counting (with RawSyscall, below, it stays at 0)
  CHECK_GE(created, 3);  // m0, sysmon, and the M that took over the P
}

// Experiment 3: the same through RawSyscall starves the ticker for the whole call: the P never
// leaves the blocked M (no entersyscall, nothing for sysmon to retake).
RT_CASE(Articles, exp3_rawsyscall_starves_ticker) {
  int during = -1;
  bool disk = false;
  rt::Run(
      [&] {
        std::atomic<int> ticks{0};
        std::atomic<bool> stop{false};
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
          while (ticks.load() < 3) rt::Sleep(rt::Millisecond);
          int before = ticks.load();
          disk = rtest::slowDiskRead(true);
          during = ticks.load() - before;
          stop.store(true);
          wg.Done();
        });
        wg.Wait();
      },
      procs(1));
  rtest::note("ticks during the 200 ms %s through RawSyscall: %d",
              disk ? "read of /disk/slow" : "nanosleep", during);
  CHECK_EQ(during, 0);
}

// Experiment 4: a goroutine locked to its thread that sleeps keeps its M: it comes back on the
// same thread every time, and while it sleeps its M is parked for it (nmidlelocked) while
// another M runs the other goroutines (with one P, whenever the other one runs).
RT_CASE(Articles, exp4_locked_goroutine_keeps_its_m) {
  rt::Run(
      [] {
        std::atomic<bool> stop{false};
        std::atomic<int> work{0}, maxLockedIdle{0}, maxMs{0};
        rt::WaitGroup wg;
        wg.Add(2);
        rt::go([&] {
          while (!stop.load()) {
            rt::inspect::SchedStats s = rt::inspect::ReadSched();
            if (s.nmidlelocked > maxLockedIdle.load()) maxLockedIdle.store(s.nmidlelocked);
            if (s.threads > maxMs.load()) maxMs.store(s.threads);
            work.fetch_add(1);
            rt::Sleep(rt::Millisecond);
          }
          wg.Done();
        });
        rt::go([&] {
          rt::LockOSThread();
          const int tid1 = rtest::rawGettid();
          const int64_t m1 = rt::inspect::CurrentM();
          const int w1 = work.load();
          // Sleep until the other goroutine has run a few times (it can only run on another M
          // while this one sleeps: there is one P), checking each time we come back that we
          // are still on the same thread.
          for (int i = 0; i < 5000 && work.load() < w1 + 5; i++) {
            rt::Sleep(rt::Millisecond);
            CHECK_EQ(rtest::rawGettid(), tid1);
            CHECK_EQ(rt::inspect::CurrentM(), m1);
          }
          CHECK_GE(work.load() - w1, 5);
          rt::UnlockOSThread();
          stop.store(true);
          wg.Done();
        });
        wg.Wait();
        CHECK_EQ(maxLockedIdle.load(), 1);
        CHECK_GE(maxMs.load(), 3);  // the locked M, the M running the others, sysmon
      },
      procs(1));
}

// LockOSThread nests: n locks need n unlocks.
RT_CASE(Lock, counter_semantics) {
  rt::Run([] {
    CHECK(!rt::inspect::LockedToThread());
    rt::LockOSThread();
    rt::LockOSThread();
    rt::UnlockOSThread();
    CHECK(rt::inspect::LockedToThread());
    rt::Sleep(rt::Millisecond);
    CHECK(rt::inspect::LockedToThread());
    rt::UnlockOSThread();
    CHECK(!rt::inspect::LockedToThread());
    rt::UnlockOSThread();  // unbalanced: a no-op, as in Go
    CHECK(!rt::inspect::LockedToThread());
  });
}

// A goroutine that exits while locked takes its thread with it: the M exits instead of going
// back to the pool (and if that was m0, the main thread, it is parked for good instead).
RT_CASE(Lock, locked_exit_takes_its_m) {
  rt::Run(
      [] {
        rt::inspect::SchedStats s0 = rt::inspect::ReadSched();
        rt::WaitGroup wg;
        wg.Add(1);
        rt::go([&] {
          rt::LockOSThread();
          rt::Sleep(rt::Millisecond);  // parks its M for it (stoplockedm)
          wg.Done();
        });  // ...and exits without UnlockOSThread
        wg.Wait();
        rt::inspect::SchedStats s1 = rt::inspect::ReadSched();
        for (int i = 0; i < 5000 && s1.mexited == s0.mexited; i++) {
          rt::Sleep(rt::Millisecond);
          s1 = rt::inspect::ReadSched();
        }
        CHECK_EQ(s1.mexited - s0.mexited, 1);
        CHECK_EQ(s1.threads, s1.mcreated - s1.mexited);
        // A locked goroutine that unlocks before exiting leaves its M in the pool.
        wg.Add(1);
        rt::go([&] {
          rt::LockOSThread();
          rt::Sleep(rt::Millisecond);
          rt::UnlockOSThread();
          wg.Done();
        });
        wg.Wait();
        rt::Sleep(5 * rt::Millisecond);
        CHECK_EQ(rt::inspect::ReadSched().mexited, s1.mexited);
      },
      procs(2));
}

// entersyscallblock hands the P off before entering the kernel: the ticker keeps going without
// waiting for sysmon.
RT_CASE(Syscall, entersyscallblock_hands_off) {
  int during = -1;
  rt::Run(
      [&] {
        std::atomic<int> ticks{0};
        std::atomic<bool> stop{false};
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
          while (ticks.load() < 3) rt::Sleep(rt::Millisecond);
          int before = ticks.load();
          struct {
            long sec, nsec;
          } ts{0, 100 * 1000 * 1000};
          rt::BlockingSyscall6(rtest::kSysNanosleep, reinterpret_cast<uintptr_t>(&ts), 0, 0, 0, 0,
                               0);
          during = ticks.load() - before;
          stop.store(true);
          wg.Done();
        });
        wg.Wait();
      },
      procs(1));
  CHECK_GE(during, 3);
}
