// sched/tests/cases_sched.cpp -- goroutines, run queues, stealing, preemption, trace points.
#include <stdlib.h>

#include <atomic>

#include "rtest.h"
#include "runtime.h"
#include "sync.h"
#include "trace.h"

namespace {

constexpr uint32_t kGwaiting = 4;  // Go's _Gwaiting

rt::Config procs(int n) {
  rt::Config cfg;
  cfg.gomaxprocs = n;
  return cfg;
}

// Some CPU work that yields to the scheduler when asked (cooperative preemption).
uint64_t spin(int n) {
  uint64_t x = 1;
  for (int i = 0; i < n; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    if ((i & 1023) == 0) rt::SafePoint();
  }
  return x;
}

}  // namespace

// 100,000 goroutines spawned and finished, 1,000 at a time: every one runs exactly once, the
// count returns to 1, and dead Gs are reused from the free lists instead of piling up.
RT_CASE(Sched, spawn_100k_goroutines) {
  for (int p : {1, 4}) {
    std::atomic<int> ran{0};
    int allgs = 0, live = 0;
    rt::Run(
        [&] {
          for (int batch = 0; batch < 100; batch++) {
            rt::WaitGroup wg;
            wg.Add(1000);
            for (int i = 0; i < 1000; i++) {
              rt::go([&] {
                ran.fetch_add(1, std::memory_order_relaxed);
                wg.Done();
              });
            }
            wg.Wait();
          }
          // wg.Done() is not the end of a goroutine: give the last ones time to exit.
          for (int i = 0; i < 1000 && rt::NumGoroutine() > 1; i++) rt::Sleep(rt::Millisecond);
          live = rt::NumGoroutine();
          allgs = rt::inspect::AllGs();
        },
        procs(p));
    CHECK_EQ(ran.load(), 100000);
    CHECK_EQ(live, 1);
    CHECK_LE(allgs, 2100);  // ~1,000 live at a time plus per-P free-list slack
    rtest::note("GOMAXPROCS=%d: 100000 goroutines used %d G structs", p, allgs);
  }
}

// NumGoroutine counts live goroutines, blocked ones included.
RT_CASE(Sched, num_goroutine) {
  rt::Run(
      [] {
        CHECK_EQ(rt::NumGoroutine(), 1);
        rt::Chan<int> release;
        rt::WaitGroup done;
        done.Add(10);
        for (int i = 0; i < 10; i++) {
          rt::go([&] {
            release.Recv();
            done.Done();
          });
        }
        while (rt::inspect::CountGStatus(kGwaiting) < 10) rt::Gosched();
        CHECK_EQ(rt::NumGoroutine(), 11);
        for (int i = 0; i < 10; i++) release.Send(i);
        done.Wait();
        // Done() is not the goroutine's end: wait for the last ones to exit.
        for (int i = 0; i < 1000 && rt::NumGoroutine() > 1; i++) rt::Sleep(rt::Millisecond);
        CHECK_EQ(rt::NumGoroutine(), 1);
      },
      procs(2));
}

// Work queued on one P reaches the others through stealing: 200 CPU-bound goroutines are all
// created on P0's local queue (runnext + the 256-slot ring, nothing spills to the global
// queue), yet other Ps run some of them, and they stole them (runqsteal).
RT_CASE(Sched, stealing_spreads_work) {
  int before[4] = {}, after[4] = {};
  uint64_t steals = 0;
  rt::Run(
      [&] {
        for (int p = 0; p < 4; p++) before[p] = rt::inspect::PSchedtick(p);
        rt::WaitGroup wg;
        wg.Add(200);
        std::atomic<uint64_t> sink{0};
        for (int i = 0; i < 200; i++) {
          rt::go([&] {
            sink.fetch_add(spin(200000), std::memory_order_relaxed);
            wg.Done();
          });
        }
        wg.Wait();
        for (int p = 0; p < 4; p++) {
          after[p] = rt::inspect::PSchedtick(p);
          steals += rt::inspect::PSteals(p);
        }
      },
      procs(4));
  int busy = 0;
  for (int p = 0; p < 4; p++) busy += after[p] - before[p] > 0;
  rtest::note("Gs started per P: %d %d %d %d, stolen: %llu", after[0] - before[0],
              after[1] - before[1], after[2] - before[2], after[3] - before[3],
              static_cast<unsigned long long>(steals));
  CHECK_GE(busy, 2);
  CHECK_GE(steals, 1u);
}

// Gosched puts the caller at the back of the global queue: two yielding goroutines on one P
// take turns. (Not strictly: like Go, the "global queue every 61 schedticks" rule also fires at
// schedtick 0, so a goroutine may occasionally run twice in a row -- never three times.)
RT_CASE(Sched, gosched_alternates) {
  rt::Run(
      [] {
        std::vector<int> order;
        rt::WaitGroup wg;
        wg.Add(2);
        for (int id = 0; id < 2; id++) {
          rt::go([&, id] {
            for (int i = 0; i < 5; i++) {
              order.push_back(id);
              rt::Gosched();
            }
            wg.Done();
          });
        }
        wg.Wait();
        CHECK_EQ(order.size(), 10u);
        for (size_t i = 2; i < order.size(); i++)
          CHECK(!(order[i] == order[i - 1] && order[i] == order[i - 2]));
      },
      procs(1));
}

// sysmon preempts a goroutine that runs for more than 10 ms (at its next SafePoint): with one
// P, a spinning goroutine would otherwise keep the other from ever running.
RT_CASE(Sched, sysmon_preempts_long_running) {
  rt::Run(
      [] {
        std::atomic<bool> flag{false};
        rt::WaitGroup wg;
        wg.Add(2);
        rt::go([&] {
          while (!flag.load()) rt::SafePoint();
          wg.Done();
        });
        rt::go([&] {
          flag.store(true);
          wg.Done();
        });
        wg.Wait();
        CHECK(flag.load());
      },
      procs(1));
}

// Goexit ends the goroutine on the spot.
RT_CASE(Sched, goexit) {
  rt::Run([] {
    rt::Chan<int> c(1);
    std::atomic<bool> after{false};
    rt::go([&] {
      c.Send(1);
      rt::Goexit();
      after.store(true);
    });
    CHECK_EQ(c.Recv(), 1);
    rt::Sleep(5 * rt::Millisecond);
    CHECK(!after.load());
  });
}

// Run can be started again and again with different settings; GOMAXPROCS comes from the
// Config, else the environment, else the CPU count.
RT_CASE(Sched, run_again_and_gomaxprocs) {
  for (int p : {1, 3, 2}) {
    int seen = 0;
    rt::Run([&] { seen = rt::GOMAXPROCS(); }, procs(p));
    CHECK_EQ(seen, p);
  }
  setenv("GOMAXPROCS", "5", 1);
  int seen = 0, ncpu = 0;
  rt::Run([&] { seen = rt::GOMAXPROCS(); });
  CHECK_EQ(seen, 5);
  unsetenv("GOMAXPROCS");
  rt::Run([&] {
    seen = rt::GOMAXPROCS();
    ncpu = rt::NumCPU();
  });
  CHECK_EQ(seen, ncpu);
  CHECK_GE(ncpu, 1);
}

// Every G state change is a trace point: a goroutine's life reads dead -> runnable -> running
// -> dead, timestamps never go backwards on one M, and P/M events are there too.
RT_CASE(Trace, records_state_changes) {
  rt::Config cfg = procs(2);
  cfg.trace = true;
  int64_t goid = 0;
  rt::Run(
      [&] {
        rt::Chan<int64_t> c;
        rt::go([&] { c.Send(1); });
        c.Recv();
        rt::Sleep(rt::Millisecond);
      },
      cfg);
  rt::trace::Stop();
  std::vector<rt::TraceEvent> ev = rt::trace::Take();
  CHECK_GE(ev.size(), 10u);
  // The first GoCreate after goroutine 1 is our goroutine (goid 2).
  for (const rt::TraceEvent& e : ev)
    if (e.ev == static_cast<uint8_t>(rt::TraceEv::GoCreate) && e.a != 1) {
      goid = static_cast<int64_t>(e.a);
      break;
    }
  CHECK_EQ(goid, 2);
  std::vector<uint64_t> transitions;
  for (const rt::TraceEvent& e : ev)
    if (e.ev == static_cast<uint8_t>(rt::TraceEv::GoStatus) && static_cast<int64_t>(e.a) == goid)
      transitions.push_back(e.b & 0xffff);
  // dead->runnable, runnable->running, [running->waiting (chan send), waiting->runnable,
  // runnable->running], running->dead.
  CHECK_GE(transitions.size(), 3u);
  if (transitions.size() >= 3) {
    CHECK_EQ(transitions.front(), 6u | 1u << 8);
    CHECK_EQ(transitions[1], 1u | 2u << 8);
    CHECK_EQ(transitions.back(), 2u | 6u << 8);
  }
  bool sawProc = false, sawMStart = false;
  for (const rt::TraceEvent& e : ev) {
    sawProc |= e.ev == static_cast<uint8_t>(rt::TraceEv::ProcStatus);
    sawMStart |= e.ev == static_cast<uint8_t>(rt::TraceEv::MStart);
  }
  CHECK(sawProc);
  CHECK(sawMStart);
  for (size_t i = 1; i < ev.size(); i++) CHECK(ev[i - 1].ticks <= ev[i].ticks);
}

// Quick system calls keep their P (exitsyscallfast): thousands of Syscall(getppid) need no new
// M, and errors come back as Go reports them (r1 = -1, err = errno).
RT_CASE(Syscall, fast_path_and_errno) {
  rt::Run(
      [] {
        int64_t created = rt::inspect::ReadSched().mcreated;
        for (int i = 0; i < 20000; i++) {
          rt::SyscallResult r = rt::Syscall(rtest::kSysGetppid);
          if (r.err != 0) CHECK_EQ(r.err, 0u);
        }
        CHECK_LE(rt::inspect::ReadSched().mcreated - created, 1);  // at most a spinning M
        rt::SyscallResult r = rt::Syscall(rtest::kSysClose, static_cast<uintptr_t>(-1));
        CHECK_EQ(r.r1, static_cast<uintptr_t>(-1));
        CHECK_EQ(r.err, 9u);  // EBADF
        r = rt::RawSyscall(rtest::kSysClose, static_cast<uintptr_t>(-1));
        CHECK_EQ(r.err, 9u);
      },
      procs(1));
}

