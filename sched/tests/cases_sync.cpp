// sched/tests/cases_sync.cpp -- Mutex, WaitGroup, Semaphore, timers.
#include <atomic>

#include "chan.h"
#include "rtest.h"
#include "runtime.h"
#include "runtime2.h"  // timers (internal)
#include "sync.h"

namespace {

constexpr uint32_t kGwaiting = 4;

rt::Config procs(int n) {
  rt::Config cfg;
  cfg.gomaxprocs = n;
  return cfg;
}

}  // namespace

// Mutual exclusion across 4 Ps: a plain (non-atomic) counter stays exact. Under
// ThreadSanitizer this also checks that Unlock->Lock orders memory.
RT_CASE(Sync, mutex_excludes) {
  rt::Run(
      [] {
        rt::Mutex mu;
        long counter = 0;
        rt::WaitGroup wg;
        wg.Add(8);
        for (int i = 0; i < 8; i++) {
          rt::go([&] {
            for (int k = 0; k < 20000; k++) {
              mu.Lock();
              counter++;
              mu.Unlock();
            }
            wg.Done();
          });
        }
        wg.Wait();
        CHECK_EQ(counter, 160000L);
        CHECK(mu.TryLock());
        CHECK(!mu.TryLock());
        mu.Unlock();
      },
      procs(4));
}

// A goroutine waiting for a Mutex is parked (it holds no thread): with the lock held across a
// Sleep, the others queue up as waiting goroutines, then all get it in turn.
RT_CASE(Sync, mutex_parks_goroutines) {
  rt::Run(
      [] {
        rt::Mutex mu;
        mu.Lock();
        std::atomic<int> got{0};
        rt::WaitGroup wg;
        wg.Add(5);
        for (int i = 0; i < 5; i++) {
          rt::go([&] {
            mu.Lock();
            got.fetch_add(1);
            mu.Unlock();
            wg.Done();
          });
        }
        while (rt::inspect::CountGStatus(kGwaiting) < 5) rt::Sleep(rt::Millisecond);
        CHECK_EQ(got.load(), 0);
        int64_t threads = rt::inspect::ReadSched().threads;
        mu.Unlock();
        wg.Wait();
        CHECK_EQ(got.load(), 5);
        CHECK_LE(threads, 2 + 2);  // GOMAXPROCS Ms (at most) + sysmon: no thread per waiter
      },
      procs(2));
}

// WaitGroup: Wait returns at once on zero, wakes every waiter, and can be reused.
RT_CASE(Sync, waitgroup_waiters_and_reuse) {
  rt::Run(
      [] {
        rt::WaitGroup wg;
        wg.Wait();  // zero: returns immediately
        for (int round = 0; round < 3; round++) {
          rt::WaitGroup gate;
          gate.Add(1);
          std::atomic<int> released{0};
          rt::WaitGroup waiters;
          waiters.Add(4);
          for (int i = 0; i < 4; i++) {
            rt::go([&] {
              gate.Wait();
              released.fetch_add(1);
              waiters.Done();
            });
          }
          while (rt::inspect::CountGStatus(kGwaiting) < 4) rt::Gosched();
          CHECK_EQ(released.load(), 0);
          gate.Done();
          waiters.Wait();
          CHECK_EQ(released.load(), 4);
        }
      },
      procs(2));
}

// The bounded pool of the Go articles: with Semaphore(5), never more than 5 goroutines are
// inside at once, however many want in.
RT_CASE(Sync, semaphore_bounds_concurrency) {
  rt::Run(
      [] {
        rt::Semaphore sem(5);
        std::atomic<int> inside{0}, maxInside{0};
        rt::WaitGroup wg;
        wg.Add(50);
        for (int i = 0; i < 50; i++) {
          rt::go([&] {
            sem.Acquire();
            int n = inside.fetch_add(1) + 1;
            int m = maxInside.load();
            while (n > m && !maxInside.compare_exchange_weak(m, n)) {
            }
            rt::Sleep(rt::Millisecond);
            inside.fetch_sub(1);
            sem.Release();
            wg.Done();
          });
        }
        wg.Wait();
        CHECK_LE(maxInside.load(), 5);
        CHECK_GE(maxInside.load(), 1);
        CHECK_EQ(sem.InUse(), 0);
      },
      procs(4));
}

// Timers fire in the order of their deadlines, whatever the order they were set in. (Checked
// on the timers themselves: the goroutines a batch of due timers readies run newest-first,
// through runnext, exactly as in Go.)
RT_CASE(Time, timers_fire_in_order) {
  constexpr int kN = 64;
  static std::atomic<int> fired[kN];
  static std::atomic<int> next{0};
  next.store(0);
  rt::Run(
      [] {
        rt::timer timers[kN];
        const int64_t now = rt::Nanotime();
        for (int i = 0; i < kN; i++) {
          int k = (i * 37) % kN;  // a permutation of 0..kN-1
          timers[k].when = now + (k + 1) * 200 * rt::Microsecond;
          timers[k].f = [](void*, uintptr_t seq) {
            fired[next.fetch_add(1)].store(static_cast<int>(seq));
          };
          timers[k].seq = static_cast<uintptr_t>(k);
          rt::addtimer(&timers[k]);
        }
        while (next.load() < kN) rt::Sleep(rt::Millisecond);
      },
      procs(1));
  for (int i = 0; i < kN; i++) CHECK_EQ(fired[i].load(), i);
}

// Sleeping goroutines wake up, each after its own sleep; deltimer removes a pending timer.
RT_CASE(Time, sleep_and_deltimer) {
  rt::Run(
      [] {
        rt::Chan<int> done(10);
        for (int i = 0; i < 10; i++) {
          rt::go([&, i] {
            rt::Sleep((i % 3 + 1) * rt::Millisecond);
            done.Send(i);
          });
        }
        int sum = 0;
        for (int i = 0; i < 10; i++) sum += done.Recv();
        CHECK_EQ(sum, 45);
        rt::Sleep(0);  // returns at once
        rt::timer t;
        t.when = rt::Nanotime() + rt::Second;
        t.f = [](void*, uintptr_t) { rtest::fail(__FILE__, __LINE__, "deleted timer fired"); };
        rt::addtimer(&t);
        CHECK(rt::deltimer(&t));
        CHECK(!rt::deltimer(&t));
      },
      procs(2));
}

// A sleeping goroutine holds no thread: 1,000 of them sleep at once on 2 Ps and the process
// has no more Ms than GOMAXPROCS + sysmon (Go articles: "time.Sleep avoids the trap").
RT_CASE(Time, sleepers_hold_no_threads) {
  rt::Run(
      [] {
        std::atomic<int> woke{0};
        rt::WaitGroup wg;
        wg.Add(1000);
        for (int i = 0; i < 1000; i++) {
          rt::go([&] {
            rt::Sleep(20 * rt::Millisecond);
            woke.fetch_add(1);
            wg.Done();
          });
        }
        wg.Wait();
        CHECK_EQ(woke.load(), 1000);
        // GOMAXPROCS Ms, sysmon, the M waiting in netpoll for the next timer (it holds no P),
        // and one for Ms changing roles: a handful, not one per sleeper.
        CHECK_LE(rt::inspect::ReadSched().mcreated, 2 + 3);
      },
      procs(2));
}
