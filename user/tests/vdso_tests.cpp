// user/tests/vdso_tests.cpp -- the vDSO from a user program: in the guest (Handoff, with and
// without `vdso=off`, -smp 1 and -smp 4) and natively on a Linux host, where the same static
// binary uses Linux's vDSO (the differential run).
//
// Protocol (tests/run_qemu.py reads it):
//   vtest: RUN <name>
//   vtest: FAIL <name>: <file>:<line>: <what>     (zero or more)
//   vtest: PASS <name>   or   vtest: FAILED <name>
//   vtest: done: N passed, M failed
// A test that cannot run where it is (no Handoff counters on Linux...) says why in a
// `vtest: SKIP <name>: ...` line and passes.
//
//   vdso_tests [--expect-vdso | --expect-no-vdso]
// With --expect-no-vdso (for a kernel booted with vdso=off) the process must have no vDSO
// and every clock call must trap; with --expect-vdso it must have one. Without either, the
// tests follow what the process got.
//
// The kernel counters come from Handoff's stats system call (kernel/uapi/handoff.h); on
// Linux it returns -ENOSYS and those checks are skipped.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../kernel/uapi/handoff.h"
#include "handoff.h"
#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"
#include "thread.h"
#include "vdso_parse.h"
#include "vdso_time.h"

namespace {

// ---- harness ---------------------------------------------------------------------------------
const char* g_test;
int g_test_failures, g_passed, g_failed;

bool check(bool ok, const char* what, const char* file, int line) {
  if (ok) return true;
  // Several threads may fail at once: one printf per line keeps lines whole (stdio locks).
  printf("vtest: FAIL %s: %s:%d: %s\n", g_test, file, line, what);
  __atomic_add_fetch(&g_test_failures, 1, __ATOMIC_RELAXED);
  return false;
}
#define CHECK(cond) check(bool(cond), #cond, __FILE__, __LINE__)

void skip(const char* why) { printf("vtest: SKIP %s: %s\n", g_test, why); }

void run(const char* name, void (*test)()) {
  g_test = name;
  g_test_failures = 0;
  printf("vtest: RUN %s\n", name);
  test();
  if (g_test_failures) {
    g_failed++;
    printf("vtest: FAILED %s\n", name);
  } else {
    g_passed++;
    printf("vtest: PASS %s\n", name);
  }
}

constexpr uint64_t kNsPerSec = 1000000000;
uint64_t ns_of(const linux_timespec& ts) {
  return uint64_t(ts.tv_sec) * kNsPerSec + uint64_t(ts.tv_nsec);
}

// The clock through the system call, never the vDSO.
uint64_t syscall_ns(long clock) {
  linux_timespec ts;
  long r = syscall2(SYS_clock_gettime, clock, reinterpret_cast<long>(&ts));
  return r == 0 ? ns_of(ts) : 0;
}
uint64_t fast_ns(long clock) {
  linux_timespec ts;
  long r = handoff_clock_gettime(clock, &ts);
  return r == 0 ? ns_of(ts) : 0;
}

// ---- Handoff's counters ----------------------------------------------------------------------
// HandoffStats (kernel/uapi/handoff.h): thread_syscalls, and thread_traps (synchronous
// exceptions the calling thread took from user mode other than system calls - page faults,
// undefined instructions...). The kernel fills as much as it knows and says how much.
bool g_on_handoff;

// Kernel entries of this thread so far; false on Linux (no such call). `traps` is left
// at ~0 when the kernel does not report them yet.
bool kernel_entries(uint64_t* syscalls, uint64_t* traps) {
  HandoffStats s;
  memset(&s, 0xff, sizeof s);
  long n = syscall2(kSysHandoffStats, reinterpret_cast<long>(&s), sizeof s);
  if (n < long(offsetof(HandoffStats, thread_traps))) return false;
  *syscalls = s.thread_syscalls;
  *traps = n >= long(offsetof(HandoffStats, thread_traps) + sizeof s.thread_traps) ? s.thread_traps
                                                                                   : ~0ull;
  return true;
}

int g_expect = -1;  // 1: must have a vDSO, 0: must not, -1: whatever we got
bool have_vdso() { return (handoff_vdso_functions() & HANDOFF_VDSO_CLOCK_GETTIME) != 0; }

// ---- single-thread tests ---------------------------------------------------------------------
void test_vdso_present() {
  unsigned long ehdr = getauxval(LINUX_AT_SYSINFO_EHDR);
  unsigned found = handoff_vdso_functions();
  printf("vtest:   AT_SYSINFO_EHDR %#lx, functions found %#x, on %s\n", ehdr, found,
         g_on_handoff ? "Handoff" : "Linux");
  if (g_expect == 0) {
    CHECK(ehdr == 0 && found == 0);
    return;
  }
  if (g_expect == 1) CHECK(ehdr != 0);
  if (!ehdr) return;
  vdso_info info;
  CHECK(vdso_parse_auxv(&info));
#if defined(__x86_64__)
  unsigned want = HANDOFF_VDSO_CLOCK_GETTIME | HANDOFF_VDSO_GETTIMEOFDAY | HANDOFF_VDSO_TIME |
                  HANDOFF_VDSO_GETCPU | HANDOFF_VDSO_CLOCK_GETRES;
#else
  unsigned want = HANDOFF_VDSO_CLOCK_GETTIME | HANDOFF_VDSO_GETTIMEOFDAY |
                  HANDOFF_VDSO_CLOCK_GETRES;
#endif
  CHECK((found & want) == want);
}

// Every clock, through whichever path the process has, lies between two system calls.
void test_agrees_with_syscall() {
  const long clocks[] = {LINUX_CLOCK_MONOTONIC, LINUX_CLOCK_REALTIME, LINUX_CLOCK_BOOTTIME,
                         LINUX_CLOCK_MONOTONIC_RAW, LINUX_CLOCK_MONOTONIC_COARSE,
                         LINUX_CLOCK_REALTIME_COARSE};
  for (long clock : clocks) {
    for (int i = 0; i < 200; i++) {
      uint64_t before = syscall_ns(clock);
      uint64_t t = fast_ns(clock);
      uint64_t after = syscall_ns(clock);
      if (!CHECK(before <= t && t <= after)) {
        printf("vtest:   clock %ld: %llu <= %llu <= %llu ?\n", clock, (unsigned long long)before,
               (unsigned long long)t, (unsigned long long)after);
        break;
      }
    }
    linux_timespec res_fast, res_sys;
    CHECK(handoff_clock_getres(clock, &res_fast) == 0);
    CHECK(syscall2(SYS_clock_getres, clock, reinterpret_cast<long>(&res_sys)) == 0);
    CHECK(res_fast.tv_sec == res_sys.tv_sec && res_fast.tv_nsec == res_sys.tv_nsec);
  }
  // Bad clock ids get the kernel's answer.
  linux_timespec ts;
  CHECK(handoff_clock_gettime(1000, &ts) == -LINUX_EINVAL);
  CHECK(handoff_clock_gettime(-1, &ts) == -LINUX_EINVAL);
  // gettimeofday is CLOCK_REALTIME in microseconds.
  handoff_timeval tv;
  uint64_t before = syscall_ns(LINUX_CLOCK_REALTIME) / 1000;
  CHECK(handoff_gettimeofday(&tv, nullptr) == 0);
  uint64_t us = uint64_t(tv.tv_sec) * 1000000 + uint64_t(tv.tv_usec);
  CHECK(before <= us && us <= syscall_ns(LINUX_CLOCK_REALTIME) / 1000);
  long t = 0;
  uint64_t sec = syscall_ns(LINUX_CLOCK_REALTIME) / kNsPerSec;
  CHECK(handoff_time(&t) == t && (uint64_t(t) == sec || uint64_t(t) == sec + 1));
  // newlib's own clock_gettime (newlib's clock ids) tells the same time.
  struct timespec nts;
  before = syscall_ns(LINUX_CLOCK_MONOTONIC);
  CHECK(clock_gettime(CLOCK_MONOTONIC, &nts) == 0);
  uint64_t nt = uint64_t(nts.tv_sec) * kNsPerSec + uint64_t(nts.tv_nsec);
  CHECK(before <= nt && nt <= syscall_ns(LINUX_CLOCK_MONOTONIC));
}

// Within one thread: never backwards, and realtime moves with monotonic (on Handoff
// exactly; on Linux NTP may slew it a little: 1 ms of slack).
void test_monotonic_one_thread() {
  uint64_t last = 0, backwards = 0;
  for (int i = 0; i < 100000; i++) {
    uint64_t t = fast_ns(LINUX_CLOCK_MONOTONIC);
    if (t < last) backwards++;
    last = t;
  }
  CHECK(backwards == 0);
  // Realtime moves with monotonic: realtime - monotonic is one constant.
  // Each sample brackets it (realtime was read between two monotonic
  // readings), so the constant lies in [real - mono2, real - mono]; all
  // brackets must overlap (1 us slack for rounding). A delay between the
  // reads (an interrupt, another thread) only widens a bracket: no
  // wall-clock bound is assumed.
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  for (int i = 0; i < 1000; i++) {
    uint64_t mono = fast_ns(LINUX_CLOCK_MONOTONIC);
    uint64_t real = fast_ns(LINUX_CLOCK_REALTIME);
    uint64_t mono2 = fast_ns(LINUX_CLOCK_MONOTONIC);
    int64_t from = int64_t(real - mono2), to = int64_t(real - mono);
    if (from > lo) lo = from;
    if (to < hi) hi = to;
    if (!CHECK(lo <= hi + 1000)) break;
  }
}

// The point of it all: 10,000 clock reads, zero kernel entries.
void test_no_kernel_entries() {
  uint64_t sys0 = 0, traps0 = 0, sys1 = 0, traps1 = 0;
  if (!kernel_entries(&sys0, &traps0)) return skip("no Handoff counters (not on Handoff)");
  if (!have_vdso()) return skip("no vDSO (vdso=off): see no_vdso_traps");
  uint64_t sum = 0;
  for (int i = 0; i < 10000; i++) sum += fast_ns(LINUX_CLOCK_MONOTONIC);
  kernel_entries(&sys1, &traps1);
  printf("vtest:   10000 calls: %llu system calls, %lld traps (sum %llu)\n",
         (unsigned long long)(sys1 - sys0 - 1), traps0 == ~0ull ? -1 : (long long)(traps1 - traps0),
         (unsigned long long)(sum & 1));
  CHECK(sys1 - sys0 == 1);  // the second stats call itself, nothing else
  if (traps0 == ~0ull) {
    skip("the kernel does not report thread_traps yet: system calls checked only");
  } else {
    // A page fault on the first touch of the vvar or code page would count: the
    // kernel maps both at exec, so there are none.
    CHECK(traps1 == traps0);
  }
}

// With vdso=off every clock read is a system call, and the counters show it.
void test_no_vdso_traps() {
  uint64_t sys0 = 0, traps0 = 0, sys1 = 0, traps1 = 0;
  if (have_vdso()) return skip("the process has a vDSO: run with vdso=off for this");
  CHECK(getauxval(LINUX_AT_SYSINFO_EHDR) == 0);
  uint64_t before = syscall_ns(LINUX_CLOCK_MONOTONIC);
  uint64_t t = fast_ns(LINUX_CLOCK_MONOTONIC);
  CHECK(before <= t && t <= syscall_ns(LINUX_CLOCK_MONOTONIC));
  if (!kernel_entries(&sys0, &traps0)) return skip("no Handoff counters (not on Handoff)");
  for (int i = 0; i < 100; i++) fast_ns(LINUX_CLOCK_MONOTONIC);
  kernel_entries(&sys1, &traps1);
  CHECK(sys1 - sys0 == 101);
}

// ---- several threads -------------------------------------------------------------------------
// Every thread reads the clock in a loop, while the kernel rewrites the vvar page on every
// tick (and, with -smp 4, on another CPU). No reading may be below one any thread had
// finished before this one started - across threads and CPUs - and, every so often, a
// reading is bracketed by two system calls: a torn value (old and new fields mixed) would
// land outside the bracket.
uint64_t g_highest;  // the latest time any thread has seen
int g_go;            // start flag, so the threads overlap
constexpr int kThreadReads = 200000;

struct Worker {
  int id;
  long backwards, outside, reads;
  unsigned cpu_first, cpu_last;
};

void* clock_worker(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  handoff_getcpu(&w->cpu_first, nullptr);
  while (!__atomic_load_n(&g_go, __ATOMIC_ACQUIRE)) {
  }
  for (int i = 0; i < kThreadReads; i++) {
    uint64_t seen = __atomic_load_n(&g_highest, __ATOMIC_ACQUIRE);
    uint64_t before = i % 64 == 0 ? syscall_ns(LINUX_CLOCK_MONOTONIC) : 0;
    uint64_t t = fast_ns(LINUX_CLOCK_MONOTONIC);
    if (before) {
      uint64_t after = syscall_ns(LINUX_CLOCK_MONOTONIC);
      if (t < before || t > after) w->outside++;
    }
    if (t < seen) w->backwards++;
    uint64_t prev = __atomic_load_n(&g_highest, __ATOMIC_RELAXED);
    while (t > prev && !__atomic_compare_exchange_n(&g_highest, &prev, t, true, __ATOMIC_RELEASE,
                                                    __ATOMIC_RELAXED)) {
    }
    w->reads++;
  }
  handoff_getcpu(&w->cpu_last, nullptr);
  return w;
}

void test_threads_monotonic_and_untorn() {
  // At least 4 (the -smp 4 runs), even where sched_getaffinity cannot say how many CPUs
  // there are; at most 8.
  int n = handoff_ncpus();
  if (n < 4) n = 4;
  if (n > 8) n = 8;
  Worker workers[8] = {};
  thread_t threads[8];
  uint64_t start = syscall_ns(LINUX_CLOCK_MONOTONIC);
  __atomic_store_n(&g_go, 0, __ATOMIC_RELAXED);
  for (int i = 0; i < n; i++) {
    workers[i].id = i;
    workers[i].cpu_first = workers[i].cpu_last = ~0u;
    threads[i] = thread_create(clock_worker, &workers[i]);
    if (!CHECK(threads[i] != nullptr)) return;
  }
  __atomic_store_n(&g_go, 1, __ATOMIC_RELEASE);
  long backwards = 0, outside = 0, reads = 0;
  for (int i = 0; i < n; i++) {
    CHECK(thread_join(threads[i]) == &workers[i]);
    backwards += workers[i].backwards;
    outside += workers[i].outside;
    reads += workers[i].reads;
    printf("vtest:   thread %d: cpu %d -> %d\n", i, int(workers[i].cpu_first),
           int(workers[i].cpu_last));
  }
  uint64_t elapsed = syscall_ns(LINUX_CLOCK_MONOTONIC) - start;
  printf("vtest:   %d threads, %ld reads in %llu us (%llu ticks of 10 ms went by)\n", n, reads,
         (unsigned long long)(elapsed / 1000), (unsigned long long)(elapsed / 10000000));
  CHECK(reads == long(n) * kThreadReads);
  CHECK(backwards == 0);
  CHECK(outside == 0);
}

void test_getcpu() {
  unsigned cpu = ~0u, node = ~0u;
  long r = handoff_getcpu(&cpu, &node);
  if (r == -LINUX_ENOSYS) return skip("getcpu: neither the vDSO nor the kernel serve it yet");
  CHECK(r == 0);
  CHECK(cpu < 4096);
  CHECK(node < 64);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--expect-vdso")) g_expect = 1;
    if (!strcmp(argv[i], "--expect-no-vdso")) g_expect = 0;
  }
  uint64_t s, t;
  g_on_handoff = kernel_entries(&s, &t);
  handoff_vdso_init();
  run("vdso_present", test_vdso_present);
  run("agrees_with_syscall", test_agrees_with_syscall);
  run("monotonic_one_thread", test_monotonic_one_thread);
  run("no_kernel_entries_10000_calls", test_no_kernel_entries);
  run("no_vdso_traps", test_no_vdso_traps);
  run("threads_monotonic_and_untorn", test_threads_monotonic_and_untorn);
  run("getcpu", test_getcpu);
  printf("vtest: done: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}
