// sched/tests/cases_fatal.cpp -- what ends a program: deadlock detection, the thread limit,
// runtime misuse (Go's "fatal error:" and "panic:" with exit status 2), Main's exit(0), and
// GODEBUG=schedtrace -- each in a child process whose exit status and output we check.
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "chan.h"
#include "rtest.h"
#include "runtime.h"
#include "sync.h"

namespace {

constexpr uint32_t kGsyscall = 3;

// The child exited with status; if not, its output (a sanitizer report, say) is the failure.
void expectExit(const rtest::ChildResult& r, int status) {
  CHECK(r.exited);
  if (r.status != status)
    rtest::fail(__FILE__, __LINE__,
                "exit status " + std::to_string(r.status) + ", expected " + std::to_string(status) +
                    "; output (last 4000 bytes):\n" +
                    r.output.substr(r.output.size() > 4000 ? r.output.size() - 4000 : 0));
}

void expectFatal(const char* child, const char* message, const char* also = nullptr) {
  rtest::ChildResult r = rtest::runChild(child);
  expectExit(r, 2);
  CHECK_CONTAINS(r.output, message);
  if (also) CHECK_CONTAINS(r.output, also);
}

void say(const char* s) { write(2, s, strlen(s)); }

}  // namespace

RT_CHILD(deadlock_chan_receive) {
  rt::Run([] { rt::Chan<int>().Recv(); });
}

RT_CASE(Fatal, deadlock_chan_receive) {
  expectFatal("deadlock_chan_receive", "fatal error: all goroutines are asleep - deadlock!",
              "goroutine 1 [chan receive]:");
}

// Deadlock detection sees through several goroutines blocked on different things, and through
// a goroutine locked to its thread.
RT_CHILD(deadlock_many_goroutines) {
  rt::Config cfg;
  cfg.gomaxprocs = 2;
  rt::Run(
      [] {
        static rt::Mutex mu;
        static rt::Chan<int> c;
        mu.Lock();
        rt::go([] { mu.Lock(); });
        rt::go([] { c.Send(1); });
        rt::go([] {
          rt::LockOSThread();
          rt::Select({});
        });
        rt::WaitGroup wg;
        wg.Add(1);
        wg.Wait();
      },
      cfg);
}

RT_CASE(Fatal, deadlock_many_goroutines) {
  expectFatal("deadlock_many_goroutines", "fatal error: all goroutines are asleep - deadlock!",
              "[sync.WaitGroup.Wait]");
}

// No false alarm: everyone asleep but a timer pending is not a deadlock, nor is a goroutine in
// a system call.
RT_CHILD(no_deadlock_with_timer_or_syscall) {
  rt::Config cfg;
  cfg.gomaxprocs = 1;
  rt::Run(
      [] {
        rt::Chan<int> c;
        rt::go([&] {
          rt::Sleep(30 * rt::Millisecond);
          c.Send(1);
        });
        c.Recv();
        rt::go([&] {
          rtest::syscallSleep(30);
          c.Send(2);
        });
        c.Recv();
        say("ok\n");
      },
      cfg);
}

RT_CASE(Fatal, no_deadlock_with_timer_or_syscall) {
  rtest::ChildResult r = rtest::runChild("no_deadlock_with_timer_or_syscall");
  expectExit(r, 0);
  CHECK_CONTAINS(r.output, "ok");
}

// Go's thread limit (debug.SetMaxThreads, default 10,000), here set to 5: goroutines blocked in
// system calls need an M each, the 6th M is fatal.
RT_CHILD(thread_limit) {
  rt::Config cfg;
  cfg.gomaxprocs = 1;
  cfg.max_threads = 5;
  rt::Run(
      [] {
        for (int i = 0; i < 10; i++) rt::go([] { rtest::syscallSleep(2000); });
        rt::Sleep(3 * rt::Second);
      },
      cfg);
}

RT_CASE(Fatal, thread_limit) {
  expectFatal("thread_limit", "runtime: program exceeds 5-thread limit",
              "fatal error: thread exhaustion");
}

// Runtime misuse ends the program as in Go.
RT_CHILD(misuse_unlock_unlocked) {
  rt::Run([] { rt::Mutex().Unlock(); });
}
RT_CHILD(misuse_close_closed) {
  rt::Run([] {
    rt::Chan<int> c;
    c.Close();
    c.Close();
  });
}
RT_CHILD(misuse_send_on_closed) {
  rt::Run([] {
    rt::Chan<int> c(1);
    c.Close();
    c.Send(1);
  });
}
RT_CHILD(misuse_negative_waitgroup) {
  rt::Run([] { rt::WaitGroup().Add(-1); });
}
RT_CHILD(misuse_go_outside_run) {
  rt::go([] {});
}

RT_CASE(Fatal, misuse) {
  expectFatal("misuse_unlock_unlocked", "fatal error: sync: unlock of unlocked mutex");
  expectFatal("misuse_close_closed", "panic: close of closed channel", "goroutine 1 [running]:");
  expectFatal("misuse_send_on_closed", "panic: send on closed channel");
  expectFatal("misuse_negative_waitgroup", "panic: sync: negative WaitGroup counter");
  expectFatal("misuse_go_outside_run", "fatal error: go: called outside a goroutine");
}

// rt::Main is Go's main: the process exits 0 as soon as the main function returns, even with
// goroutines still blocked.
RT_CHILD(main_exits_zero) {
  rt::Main([] {
    static rt::Chan<int> never;
    rt::go([] { never.Recv(); });
    printf("main done\n");
  });
}

RT_CASE(Fatal, main_exits_zero) {
  rtest::ChildResult r = rtest::runChild("main_exits_zero");
  expectExit(r, 0);
  CHECK_CONTAINS(r.output, "main done");
}

// ---- GODEBUG=schedtrace ---------------------------------------------------------------------

namespace {

// The demo: GOMAXPROCS=4; three goroutines in a blocking Syscall(read) of a pipe that main
// writes only after the window; main sleeps meanwhile. Between the markers every P has been
// retaken (idle) and the three Ms are in the kernel.
void schedtraceDemo(int detail) {
  rt::Config cfg;
  cfg.gomaxprocs = 4;
  cfg.schedtrace_ms = 5;
  cfg.scheddetail = detail;
  rt::Run(
      [] {
        int fds[6];
        for (int i = 0; i < 3; i++)
          rt::RawSyscall(rtest::kSysPipe2, reinterpret_cast<uintptr_t>(&fds[2 * i]), 0);
        rt::WaitGroup wg;
        wg.Add(3);
        for (int i = 0; i < 3; i++) {
          rt::go([&, i] {
            char b;
            rt::Syscall(rtest::kSysRead, static_cast<uintptr_t>(fds[2 * i]),
                        reinterpret_cast<uintptr_t>(&b), 1);
            wg.Done();
          });
        }
        // Wait until the three are in the kernel and sysmon has retaken their Ps: each is then
        // idle, or briefly held by a spinning M (on one CPU the spinner woken for our timer
        // often still holds its P when we look).
        for (int i = 0; i < 5000; i++) {
          rt::Sleep(2 * rt::Millisecond);
          rt::inspect::SchedStats st = rt::inspect::ReadSched();
          if (rt::inspect::CountGStatus(kGsyscall) == 3 && st.idleprocs + st.spinningthreads >= 3)
            break;
        }
        say("DEMO: blocked\n");
        rt::Sleep(80 * rt::Millisecond);
        say("DEMO: end\n");
        char b = 'x';
        for (int i = 0; i < 3; i++)
          rt::RawSyscall(rtest::kSysWrite, static_cast<uintptr_t>(fds[2 * i + 1]),
                         reinterpret_cast<uintptr_t>(&b), 1);
        wg.Wait();
        for (int fd : fds) rt::RawSyscall(rtest::kSysClose, static_cast<uintptr_t>(fd));
      },
      cfg);
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

struct SchedLine {
  long long ms;
  int gomaxprocs, idleprocs, threads, spinning, needspinning, idlethreads, runqueue;
  int nlocal, localsum;
};

// Parses "SCHED 12ms: gomaxprocs=4 idleprocs=4 threads=6 spinningthreads=0 needspinning=0
// idlethreads=1 runqueue=0 [0 0 0 0]" (the bracket list only without scheddetail).
bool parseSched(const std::string& l, SchedLine* s, bool detail) {
  int n = 0;
  if (sscanf(l.c_str(),
             "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d "
             "needspinning=%d idlethreads=%d runqueue=%d%n",
             &s->ms, &s->gomaxprocs, &s->idleprocs, &s->threads, &s->spinning, &s->needspinning,
             &s->idlethreads, &s->runqueue, &n) != 8)
    return false;
  const char* p = l.c_str() + n;
  s->nlocal = s->localsum = 0;
  if (detail) return strncmp(p, " gcwaiting=false nmidlelocked=", 30) == 0;
  if (strncmp(p, " [", 2) != 0) return false;
  p += 2;
  while (*p && *p != ']') {
    int v = 0, k = 0;
    if (sscanf(p, "%d%n", &v, &k) != 1) return false;
    s->nlocal++;
    s->localsum += v;
    p += k;
    if (*p == ' ') p++;
  }
  return *p == ']' && p[1] == 0;
}

}  // namespace

RT_CHILD(schedtrace_demo) { schedtraceDemo(0); }
RT_CHILD(scheddetail_demo) { schedtraceDemo(1); }

// Experiment 5: schedtrace output parses, and between the markers its numbers agree with the
// demo: 4 Ps, all idle but for main's and maybe a spinning M's, 3 Ms in the kernel plus sysmon
// never idle, empty queues.
RT_CASE(Articles, exp5_schedtrace_parses_and_agrees) {
  rtest::ChildResult r = rtest::runChild("schedtrace_demo");
  if (!r.ran) return;  // runChild recorded why
  expectExit(r, 0);
  bool between = false;
  int parsed = 0, inWindow = 0;
  for (const std::string& l : lines(r.output)) {
    if (l == "DEMO: blocked") between = true;
    if (l == "DEMO: end") between = false;
    if (l.rfind("SCHED ", 0) != 0) continue;
    SchedLine s;
    bool ok = parseSched(l, &s, false);
    if (!ok) rtest::fail(__FILE__, __LINE__, "unparsable: " + l);
    if (!ok) continue;
    parsed++;
    CHECK_EQ(s.gomaxprocs, 4);
    CHECK_EQ(s.nlocal, 4);
    CHECK(s.idleprocs >= 0 && s.idleprocs <= 4);
    CHECK_LE(s.idlethreads, s.threads);
    CHECK_LE(s.spinning, s.threads);
    CHECK_GE(s.threads, 2);  // m0 and sysmon at least
    if (!between) continue;
    inWindow++;
    CHECK_GE(s.idleprocs, 2);  // main may be running, and a spinning M may hold a P briefly
    CHECK_GE(s.threads - s.idlethreads, 4);  // 3 Ms in the kernel + sysmon
    CHECK_EQ(s.runqueue, 0);
    CHECK_EQ(s.localsum, 0);
  }
  rtest::note("schedtrace: %d SCHED lines, %d between the markers", parsed, inWindow);
  CHECK_GE(parsed, 5);
  CHECK_GE(inWindow, 3);
}

// scheddetail=1: per-P, per-M and per-G lines; a snapshot between the markers shows the three
// goroutines in _Gsyscall (status=3) on Ms that hold no P, and (nearly) all Ps idle (status=0).
RT_CASE(Articles, exp5_scheddetail) {
  rtest::ChildResult r = rtest::runChild("scheddetail_demo");
  if (!r.ran) return;  // runChild recorded why
  expectExit(r, 0);
  bool between = false;
  int snapshots = 0;
  std::vector<std::string> snap;
  auto finish = [&] {
    if (snap.empty()) return;
    int ps = 0, idleps = 0, gsys = 0, mnop = 0;
    for (const std::string& l : snap) {
      if (l.rfind("  P", 0) == 0) {
        ps++;
        if (l.find(": status=0 ") != std::string::npos) idleps++;
      }
      if (l.rfind("  G", 0) == 0 && l.find(": status=3() m=") != std::string::npos) gsys++;
      if (l.rfind("  M", 0) == 0 && l.find(": p=nil curg=") != std::string::npos &&
          l.find("curg=nil") == std::string::npos)
        mnop++;
    }
    snapshots++;
    CHECK_EQ(ps, 4);
    CHECK_GE(idleps, 2);
    CHECK_EQ(gsys, 3);
    CHECK_GE(mnop, 3);  // the Ms in the kernel run a G but hold no P
    snap.clear();
  };
  for (const std::string& l : lines(r.output)) {
    if (l == "DEMO: blocked") between = true;
    if (l == "DEMO: end") {
      between = false;
      snap.clear();  // possibly cut in half
    }
    if (l.rfind("SCHED ", 0) == 0) {
      if (between) finish();
      snap.clear();
      SchedLine s;
      if (!parseSched(l, &s, true)) rtest::fail(__FILE__, __LINE__, "unparsable: " + l);
      if (between) snap.push_back(l);
      continue;
    }
    if (between && !snap.empty() && l.rfind("  ", 0) == 0) snap.push_back(l);
  }
  CHECK_GE(snapshots, 2);
}
