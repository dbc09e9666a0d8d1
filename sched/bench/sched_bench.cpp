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
//   runtime_nanotime            Nanotime(): the runtime's clock, clock_gettime in the vDSO
//   g_switch_gosched            one G switch: two Gs yielding to each other with Gosched
//   chan_pingpong_roundtrip     unbuffered channel ping-pong between two Gs, per round trip
//   go_spawn_finish             go f() + f runs and exits, per goroutine (1,000 per batch)
//   handoff_latency             a G enters a blocking Syscall with another G runnable: ticks
//                               until that G runs (sysmon's retake + handoffp + an M wakeup)
//   netpoll_pipe_pingpong_roundtrip  two Gs, two non-blocking pipes (net.h's Pipe): write, the
//                               partner's read parks on the netpoller, netpoll(0) readies it
//   netpoll_echo_roundtrip_1conn     a client G and an echo server G over one AF_UNIX
//                               connection, per message (16 bytes there and back)
//   netpoll_echo_roundtrip_1000conns the same with 1,000 client Gs on 1,000 connections, all at
//                               once, per message
//   threads_200_pipe_waiters    threads added while 200 Gs wait in Read on pipes (Go: +0);
//                               "per":"threads", the figure is a thread count, not instructions
//   threads_200_slow_disk_readers   threads added while 200 Gs block in reads of the slow disk
//                               (/disk/slow in Handoff; elsewhere Syscall(read) of 200 pipes
//                               written only afterwards): one M each (Go: 202 threads)
#include <stdint.h>
#include <stdio.h>

#include <atomic>

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "arch.h"
#include "chan.h"
#include "net.h"
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
  t = best([] {
    uint64_t t0 = rt::arch::cputicks();
    int64_t sink = 0;
    for (int i = 0; i < kN; i++) sink += rt::Nanotime();
    __asm__ volatile("" ::"r"(sink));
    return rt::arch::cputicks() - t0;
  });
  row("runtime_nanotime", perOp(t, empty, kN), kN, "monotonic clock through the vDSO");
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

// A row whose figure is a number of threads, not of instructions (tools/bench.py still reads
// it from "insns").
void threadsRow(const char* name, int threads, int gs, const char* note) {
  printf("bench: {\"bench\":\"%s\",\"arch\":\"%s\",\"per\":\"threads\",\"insns\":%d,"
         "\"threads\":%d,\"goroutines\":%d,\"note\":\"%s\"}\n",
         name, rt::arch::kName, threads, threads, gs, note);
  fflush(stdout);
}

void benchNetpollPingPong() {
  constexpr int kN = 10000;
  uint64_t t = best([] {
    auto ping = rt::Pipe(), pong = rt::Pipe();
    if (ping.err || pong.err) return uint64_t{0};
    rt::WaitGroup wg;
    wg.Add(1);
    rt::go([&] {
      char b;
      while (ping.r->Read(&b, 1).n == 1) pong.w->Write(&b, 1);
      wg.Done();
    });
    char b = 0;
    ping.w->Write(&b, 1);  // warm up: the partner is parked on ping now
    pong.r->Read(&b, 1);
    uint64_t t0 = rt::arch::cputicks();
    for (int i = 0; i < kN; i++) {
      ping.w->Write(&b, 1);
      pong.r->Read(&b, 1);
    }
    uint64_t d = rt::arch::cputicks() - t0;
    ping.w->Close();  // the partner reads EOF
    wg.Wait();
    return d;
  });
  row("netpoll_pipe_pingpong_roundtrip", perOp(t, 0, kN), kN,
      "two goroutines, two pipes, one P: read parks, netpoll(0) readies");
}

// conns client goroutines, each on its own connection to an echo server (a goroutine per
// connection), all sending at once: ticks per message echoed.
void benchEcho(const char* name, int conns, int msgsPerConn, const char* note) {
  static int seq = 0;
  char path[64];
  snprintf(path, sizeof path, "%s/rt-bench-%d-%d.sock", access("/tmp", F_OK) == 0 ? "/tmp" : "",
           static_cast<int>(getpid()), seq++);
  uint64_t t = best([&] {
    auto [ln, err] = rt::Listen(path);
    if (err) {
      printf("bench: %s: Listen %s: %s\n", name, path, rt::ErrorString(err));
      return uint64_t{0};
    }
    rt::WaitGroup server, ready, done;
    rt::Chan<int> start;
    server.Add(1);
    rt::go([&, l = ln.get()] {
      for (;;) {
        auto [c, e] = l->Accept();
        if (e) break;
        server.Add(1);
        rt::go([&, c = std::move(c)] {
          char buf[16];
          for (;;) {
            rt::IOResult r = c->Read(buf, sizeof buf);
            if (r.err || c->Write(buf, static_cast<size_t>(r.n)).err) break;
          }
          server.Done();
        });
      }
      server.Done();
    });
    ready.Add(conns);
    done.Add(conns);
    for (int i = 0; i < conns; i++) {
      rt::go([&] {
        auto [c, e] = rt::Dial(path);
        ready.Done();
        int v;
        start.Recv(&v);
        char msg[16] = "0123456789abcde", back[16];
        for (int k = 0; !e && k < msgsPerConn; k++) {
          c->Write(msg, sizeof msg);
          size_t got = 0;
          while (got < sizeof back) {
            rt::IOResult r = c->Read(back + got, sizeof back - got);
            if (r.err) break;
            got += static_cast<size_t>(r.n);
          }
        }
        done.Done();
      });
    }
    ready.Wait();
    uint64_t t0 = rt::arch::cputicks();
    start.Close();
    done.Wait();
    uint64_t d = rt::arch::cputicks() - t0;
    ln->Close();  // the clients' Conns closed as their goroutines ended: handlers read EOF
    server.Wait();
    return d;
  });
  row(name, perOp(t, 0, conns * msgsPerConn), conns * msgsPerConn, note);
}

void benchNetpollThreads() {
  constexpr int kN = 200;
  // 200 goroutines in Read on empty pipes: parked on the netpoller, no thread each.
  {
    std::vector<rt::PipeResult> pipes(kN);
    for (auto& p : pipes) p = rt::Pipe();
    const int before = rt::NumThread();
    rt::WaitGroup wg;
    wg.Add(kN);
    for (auto& p : pipes) {
      rt::go([&wg, r = p.r.get()] {
        char b;
        r->Read(&b, 1);
        wg.Done();
      });
    }
    while (rt::inspect::ReadNetpoll().waiters < kN) rt::Sleep(rt::Millisecond);
    const int added = rt::NumThread() - before;
    for (auto& p : pipes) p.w->Close();
    wg.Wait();
    threadsRow("threads_200_pipe_waiters", added, kN, "200 goroutines parked in Read: Go +0");
  }
  // 200 goroutines in blocking reads of the slow disk: an M each.
  {
    constexpr uint32_t kGsyscall = 3;
    std::vector<int> fds(kN);
    bool disk = true;
    for (int i = 0; i < kN && disk; i++) disk = (fds[i] = open("/disk/slow", O_RDONLY)) >= 0;
    std::vector<int> pipefds;
    if (!disk) {
      for (int fd : fds)
        if (fd >= 0) close(fd);
      pipefds.resize(2 * kN);
      for (int i = 0; i < kN; i++) {
        rt::RawSyscall(rtest::kSysPipe2, reinterpret_cast<uintptr_t>(&pipefds[2 * i]), 0);
        fds[i] = pipefds[2 * i];
      }
    }
    const int before = rt::NumThread();
    std::atomic<int> finished{0};
    rt::WaitGroup wg;
    wg.Add(kN);
    for (int i = 0; i < kN; i++) {
      rt::go([&, fd = fds[i]] {
        char b;
        rt::Syscall(rtest::kSysRead, static_cast<uintptr_t>(fd), reinterpret_cast<uintptr_t>(&b),
                    1);
        finished.fetch_add(1);
        wg.Done();
      });
    }
    // The peak: every reader in the kernel (or done: the disk serves a few at a time).
    int peak = 0;
    while (rt::inspect::CountGStatus(kGsyscall) + finished.load() < kN)
      rt::Sleep(rt::Millisecond);
    peak = rt::NumThread() - before;
    if (!disk) {
      char x = 'x';
      for (int i = 0; i < kN; i++)
        rt::RawSyscall(rtest::kSysWrite, static_cast<uintptr_t>(pipefds[2 * i + 1]),
                       reinterpret_cast<uintptr_t>(&x), 1);
    }
    wg.Wait();
    for (int fd : fds) close(fd);
    for (size_t i = 1; i < pipefds.size(); i += 2) close(pipefds[i]);
    threadsRow("threads_200_slow_disk_readers", peak, kN,
               disk ? "200 goroutines in read(2) of /disk/slow: Go 202 threads"
                    : "200 goroutines in Syscall(read) of pipes (no /disk): Go 202 threads");
  }
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
        benchNetpollPingPong();
        benchEcho("netpoll_echo_roundtrip_1conn", 1, 10000, "one connection, one P, per message");
        benchEcho("netpoll_echo_roundtrip_1000conns", 1000, 10,
                  "1,000 connections at once, one P, per message");
        benchNetpollThreads();
      },
      cfg);
  printf("bench: done\n");
  return 0;
}
