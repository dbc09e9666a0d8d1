// sched/bench/sched_bench.cpp -- what the runtime's mechanisms cost, in cycle-counter ticks.
//
// Each row times a loop with the cycle counter (RDTSC / CNTVCT_EL0, as the trace points do) and
// prints the cost of one operation:
//
//   bench: {"bench":"runtime_syscall_getppid","arch":"x86_64","per":"op","insns":N,...}
//
// Under QEMU icount (`make bench`: -icount shift=0 on x86-64, shift=4 on AArch64, -smp 1) the
// counter advances once per guest instruction, so N counts guest instructions and repeats
// exactly. Natively on a host the same binary prints TSC ticks ("counter" says which): a sanity
// check only, never a figure to quote. Targets and Go's figures are in shared/DESIGN.md.
//
// Rows (GOMAXPROCS=1 unless noted):
//   runtime_syscall_getppid     Syscall(getppid): entersyscall + trap + exitsyscall (fast path)
//   runtime_rawsyscall_getppid  RawSyscall(getppid): the trap alone, through the runtime's call
//   g_switch_gosched            one G switch: two Gs yielding to each other with Gosched
//   chan_pingpong_roundtrip     unbuffered channel ping-pong between two Gs, per round trip
//   go_spawn_finish             go f() + f runs and exits, per goroutine (1,000 per batch)
//   handoff_latency             a G enters a blocking Syscall with another G runnable: ticks
//                               until that G runs (sysmon's retake + handoffp + an M wakeup)
#include <stdint.h>
#include <stdio.h>

#include <atomic>

#include "arch.h"
#include "chan.h"
#include "tests/rtest.h"  // the syscall numbers (sysnums.cpp)
#include "runtime.h"
#include "sync.h"

namespace {

constexpr int kRuns = 3;  // the lowest of three (under icount all three agree)
constexpr const char* kCounter = rt::arch::kName[0] == 'x' ? "tsc" : "cntvct";

void row(const char* name, uint64_t per, int ops, const char* note) {
  printf("bench: {\"bench\":\"%s\",\"arch\":\"%s\",\"per\":\"op\",\"insns\":%llu,"
         "\"counter\":\"%s\",\"ops\":%d,\"note\":\"%s\"}\n",
         name, rt::arch::kName, static_cast<unsigned long long>(per), kCounter, ops, note);
  fflush(stdout);
}

template <class F>
uint64_t best(F body) {
  uint64_t b = UINT64_MAX;
  for (int r = 0; r < kRuns; r++) {
    uint64_t t = body();
    if (t < b) b = t;
  }
  return b;
}

// Ticks of an empty loop of n iterations, to subtract the loop and counter overhead.
uint64_t emptyLoop(int n) {
  return best([n] {
    uint64_t t0 = rt::arch::cputicks();
    for (int i = 0; i < n; i++) __asm__ volatile("" ::: "memory");
    return rt::arch::cputicks() - t0;
  });
}

uint64_t perOp(uint64_t ticks, uint64_t empty, int n) {
  return ticks > empty ? (ticks - empty + n / 2) / n : 0;
}

void benchSyscalls() {
  constexpr int kN = 10000;
  const uint64_t empty = emptyLoop(kN);
  uint64_t t = best([] {
    uint64_t t0 = rt::arch::cputicks();
    for (int i = 0; i < kN; i++) rt::Syscall(rtest::kSysGetppid);
    return rt::arch::cputicks() - t0;
  });
  row("runtime_syscall_getppid", perOp(t, empty, kN), kN, "entersyscall+exitsyscall fast path");
  t = best([] {
    uint64_t t0 = rt::arch::cputicks();
    for (int i = 0; i < kN; i++) rt::RawSyscall(rtest::kSysGetppid);
    return rt::arch::cputicks() - t0;
  });
  row("runtime_rawsyscall_getppid", perOp(t, empty, kN), kN, "no scheduler bookkeeping");
}

void benchGosched() {
  constexpr int kN = 10000;  // yields per goroutine
  uint64_t t = best([] {
    rt::WaitGroup wg;
    wg.Add(2);
    std::atomic<uint64_t> start{0};
    for (int g = 0; g < 2; g++) {
      rt::go([&] {
        uint64_t zero = 0;
        start.compare_exchange_strong(zero, rt::arch::cputicks());
        for (int i = 0; i < kN; i++) rt::Gosched();
        wg.Done();
      });
    }
    wg.Wait();
    return rt::arch::cputicks() - start.load();
  });
  row("g_switch_gosched", perOp(t, 0, 2 * kN), 2 * kN, "two goroutines, one P, per switch");
}

void benchPingPong() {
  constexpr int kN = 10000;
  uint64_t t = best([] {
    rt::Chan<int> ping, pong;
    rt::WaitGroup wg;
    wg.Add(1);
    rt::go([&] {
      int v;
      while (ping.Recv(&v)) pong.Send(v);
      wg.Done();
    });
    ping.Send(0);  // warm up: the partner is parked on ping now
    pong.Recv();
    uint64_t t0 = rt::arch::cputicks();
    for (int i = 0; i < kN; i++) {
      ping.Send(i);
      pong.Recv();
    }
    uint64_t d = rt::arch::cputicks() - t0;
    ping.Close();
    wg.Wait();
    return d;
  });
  row("chan_pingpong_roundtrip", perOp(t, 0, kN), kN, "unbuffered, two goroutines, one P");
}

void benchSpawn() {
  constexpr int kBatch = 1000, kBatches = 10;
  uint64_t t = best([] {
    uint64_t total = 0;
    for (int b = 0; b < kBatches; b++) {
      rt::WaitGroup wg;
      wg.Add(kBatch);
      uint64_t t0 = rt::arch::cputicks();
      for (int i = 0; i < kBatch; i++) rt::go([&wg] { wg.Done(); });
      wg.Wait();
      total += rt::arch::cputicks() - t0;
    }
    return total;
  });
  row("go_spawn_finish", perOp(t, 0, kBatch * kBatches), kBatch * kBatches,
      "go + run + exit, stacks reused from the free list");
}

void benchHandoff() {
  constexpr int kN = 5;
  uint64_t sum = 0;
  for (int i = 0; i < kN; i++) {
    std::atomic<uint64_t> t0{0}, t1{0};
    rt::WaitGroup wg;
    wg.Add(2);
    rt::go([&] {
      rt::go([&] {  // runnable (runnext) while its creator blocks
        t1.store(rt::arch::cputicks());
        wg.Done();
      });
      struct {
        long sec, nsec;
      } ts{0, 20 * 1000 * 1000};  // a 20 ms "disk read"
      t0.store(rt::arch::cputicks());
      rt::Syscall(rtest::kSysNanosleep, reinterpret_cast<uintptr_t>(&ts), 0);
      wg.Done();
    });
    wg.Wait();
    sum += t1.load() - t0.load();
  }
  row("handoff_latency", sum / kN, kN, "Syscall blocks -> sysmon retake -> other G runs");
}

}  // namespace

int main() {
  rt::Config cfg;
  cfg.gomaxprocs = 1;
  rt::Run(
      [] {
        benchSyscalls();
        benchGosched();
        benchPingPong();
        benchSpawn();
        benchHandoff();
      },
      cfg);
  printf("bench: done\n");
  return 0;
}
