// user/tests/usertests/system.cpp -- tests of time and the system: uname, clock_gettime,
// clock_getres, gettimeofday, nanosleep, clock_nanosleep, sched_yield, arch_prctl, system-call
// numbers nobody implements (kernel/syscall/), and Handoff's own handoff_stats
// (kernel/uapi/handoff.h).
//
// No test asserts how LONG something took beyond what must hold on any machine: a sleep of
// 10 ms lasts at least 10 ms by the monotonic clock (DESIGN.md: never assert timings).
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "handoff.h"
#include "kernel/uapi/handoff.h"
#include "thread_block.h"
#include "ut.h"

using ut::sys;

namespace {

constexpr long kNs = 1000000000L;
constexpr long kMs = 1000000L;

long ns_of(const linux_timespec& ts) { return ts.tv_sec * kNs + ts.tv_nsec; }

long clock_ns(int clock) {
  linux_timespec ts;
  return sys(SYS_clock_gettime, clock, &ts) == 0 ? ns_of(ts) : -1;
}

// Clocks every Linux program may use, by Linux number.
struct Clock {
  int id;
  const char* name;
};
constexpr Clock kClocks[] = {
    {LINUX_CLOCK_REALTIME, "CLOCK_REALTIME"},
    {LINUX_CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
    {LINUX_CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"},
    {LINUX_CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"},
    {LINUX_CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
    {LINUX_CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
    {LINUX_CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
    {LINUX_CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
};

constexpr long kYear2020 = 1577836800;  // 2020-01-01 00:00:00 UTC

}  // namespace

void test_uname() {
  linux_utsname u;
  memset(&u, 0x7f, sizeof u);
  if (!EXPECT_RESULT(sys(SYS_uname, &u), 0)) return;
  const char* fields[] = {u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname};
  for (const char* f : fields) EXPECT(memchr(f, '\0', 65) != nullptr);  // each NUL-terminated
  EXPECT(u.sysname[0] && u.release[0] && u.version[0]);
#if defined(__x86_64__)
  EXPECT(strcmp(u.machine, "x86_64") == 0);
#else
  EXPECT(strcmp(u.machine, "aarch64") == 0);
#endif
  EXPECT(strcmp(u.sysname, ut::is_handoff() ? "Handoff" : "Linux") == 0);
  for (uintptr_t p : ut::kBadPointers) EXPECT_ERR(sys(SYS_uname, p), LINUX_EFAULT);
  static const char kReadOnly[sizeof(linux_utsname)] = "read-only";
  EXPECT_ERR(sys(SYS_uname, kReadOnly), LINUX_EFAULT);
  struct utsname nu;  // through newlib: the same
  EXPECT(uname(&nu) == 0 && strcmp(nu.machine, u.machine) == 0 &&
         strcmp(nu.sysname, u.sysname) == 0);
}

void test_clock_gettime() {
  linux_timespec ts;
  for (const Clock& c : kClocks) {
    long r = sys(SYS_clock_gettime, c.id, &ts);
    if (r != 0) ut::fail("clock_gettime(%s) = %ld (%s)", c.name, r, ut::errno_name(-r));
    else EXPECT(ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < kNs);
  }
  // Monotonic clocks never go back, read after read.
  for (int id : {LINUX_CLOCK_MONOTONIC, LINUX_CLOCK_MONOTONIC_RAW, LINUX_CLOCK_BOOTTIME}) {
    long last = clock_ns(id), backwards = 0;
    for (int i = 0; i < 10000; i++) {
      long now = clock_ns(id);
      if (now < last) backwards++;
      last = now;
    }
    if (backwards) ut::fail("clock %d went backwards %ld times in 10000 reads", id, backwards);
  }
  // Wall-clock time is a date after 2020 and moves forward across a sleep.
  long r1 = clock_ns(LINUX_CLOCK_REALTIME);
  EXPECT(r1 / kNs > kYear2020);
  linux_timespec nap = {0, 20 * kMs};
  sys(SYS_nanosleep, &nap, nullptr);
  EXPECT(clock_ns(LINUX_CLOCK_REALTIME) > r1);
  // Errors.
  EXPECT_ERR(sys(SYS_clock_gettime, 100, &ts), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_clock_gettime, 0x7fffffff, &ts), LINUX_EINVAL);
  for (uintptr_t p : ut::kBadPointers)
    EXPECT_ERR(sys(SYS_clock_gettime, LINUX_CLOCK_MONOTONIC, p), LINUX_EFAULT);
  static const linux_timespec kReadOnly = {1, 2};
  EXPECT_ERR(sys(SYS_clock_gettime, LINUX_CLOCK_REALTIME, &kReadOnly), LINUX_EFAULT);
  // newlib numbers its clocks differently; its clock_gettime translates.
  struct timespec nts;
  EXPECT(clock_gettime(CLOCK_MONOTONIC, &nts) == 0 && nts.tv_nsec < kNs);
  EXPECT(clock_gettime(CLOCK_REALTIME, &nts) == 0 && nts.tv_sec > kYear2020);
}

void test_clock_getres() {
  linux_timespec res;
  for (const Clock& c : kClocks) {
    res = {-1, -1};
    long r = sys(SYS_clock_getres, c.id, &res);
    if (r != 0) {
      ut::fail("clock_getres(%s) = %ld (%s)", c.name, r, ut::errno_name(-r));
      continue;
    }
    // At most 10 ms (a coarse clock ticks with the timer interrupt; Linux: 1/HZ).
    if (!(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10 * kMs))
      ut::fail("clock_getres(%s) = %ld.%09ld s", c.name, res.tv_sec, res.tv_nsec);
  }
  // NULL: just check the clock id.
  EXPECT_RESULT(sys(SYS_clock_getres, LINUX_CLOCK_MONOTONIC, nullptr), 0);
  EXPECT_ERR(sys(SYS_clock_getres, 100, &res), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_clock_getres, LINUX_CLOCK_MONOTONIC, ut::kKernelHere), LINUX_EFAULT);
}

void test_gettimeofday() {
  struct {
    long tv_sec, tv_usec;
  } tv = {-1, -1};
  struct {
    int minuteswest, dsttime;
  } tz = {-1, -1};
  long before = clock_ns(LINUX_CLOCK_REALTIME) / kNs;
  EXPECT_RESULT(sys(SYS_gettimeofday, &tv, &tz), 0);
  long after = clock_ns(LINUX_CLOCK_REALTIME) / kNs;
  EXPECT(tv.tv_sec >= before && tv.tv_sec <= after);
  EXPECT(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
  EXPECT_RESULT(sys(SYS_gettimeofday, nullptr, nullptr), 0);
  EXPECT_ERR(sys(SYS_gettimeofday, ut::kKernelHere, nullptr), LINUX_EFAULT);
  EXPECT_ERR(sys(SYS_gettimeofday, 1, nullptr), LINUX_EFAULT);
  EXPECT_ERR(sys(SYS_gettimeofday, nullptr, ut::kKernelHere), LINUX_EFAULT);
  struct timeval ntv;  // newlib's
  EXPECT(gettimeofday(&ntv, nullptr) == 0 && ntv.tv_sec >= before);
}

void test_nanosleep() {
  linux_timespec req = {0, 10 * kMs}, rem = {-1, -1};
  long start = ut::monotonic_ns();
  EXPECT_RESULT(sys(SYS_nanosleep, &req, &rem), 0);
  long slept = ut::monotonic_ns() - start;
  if (slept < 10 * kMs) ut::fail("nanosleep(10 ms) returned after %ld ns", slept);
  req = {0, 0};
  EXPECT_RESULT(sys(SYS_nanosleep, &req, nullptr), 0);
  // rem is written only when a sleep is cut short, so a bad one does not matter here.
  req = {0, 1000};
  EXPECT_RESULT(sys(SYS_nanosleep, &req, ut::kKernelHere), 0);
  // Invalid times: nanoseconds outside [0, 1e9), negative seconds.
  const linux_timespec invalid[] = {{0, kNs}, {0, -1}, {-1, 0}, {0, 0x7fffffffffffffff}};
  for (const linux_timespec& t : invalid) EXPECT_ERR(sys(SYS_nanosleep, &t, nullptr), LINUX_EINVAL);
  for (uintptr_t p : ut::kBadPointers) EXPECT_ERR(sys(SYS_nanosleep, p, nullptr), LINUX_EFAULT);
  // Through newlib.
  struct timespec n = {0, kMs};
  EXPECT_EQ(nanosleep(&n, nullptr), 0);
  EXPECT_EQ(usleep(1000), 0);
}

void test_clock_nanosleep() {
  // Relative: at least the time asked for.
  linux_timespec req = {0, 10 * kMs};
  long start = ut::monotonic_ns();
  EXPECT_RESULT(sys(SYS_clock_nanosleep, LINUX_CLOCK_MONOTONIC, 0, &req, nullptr), 0);
  long slept = ut::monotonic_ns() - start;
  if (slept < 10 * kMs) ut::fail("clock_nanosleep(10 ms) returned after %ld ns", slept);
  // Absolute: until the clock reads the target.
  long target = ut::monotonic_ns() + 10 * kMs;
  linux_timespec at = {target / kNs, target % kNs};
  EXPECT_RESULT(
      sys(SYS_clock_nanosleep, LINUX_CLOCK_MONOTONIC, LINUX_TIMER_ABSTIME, &at, nullptr), 0);
  long now = ut::monotonic_ns();
  if (now < target) ut::fail("absolute sleep woke %ld ns before its target", target - now);
  // An absolute time in the past returns at once; other clocks work too.
  linux_timespec past = {1, 0};
  EXPECT_RESULT(
      sys(SYS_clock_nanosleep, LINUX_CLOCK_REALTIME, LINUX_TIMER_ABSTIME, &past, nullptr), 0);
  req = {0, kMs};
  EXPECT_RESULT(sys(SYS_clock_nanosleep, LINUX_CLOCK_REALTIME, 0, &req, nullptr), 0);
  EXPECT_RESULT(sys(SYS_clock_nanosleep, LINUX_CLOCK_BOOTTIME, 0, &req, nullptr), 0);
  // Errors (the raw call returns -errno like any other; only the libc function returns it
  // positive).
  EXPECT_ERR(sys(SYS_clock_nanosleep, 100, 0, &req, nullptr), LINUX_EINVAL);
  const linux_timespec bad = {0, -1};
  EXPECT_ERR(sys(SYS_clock_nanosleep, LINUX_CLOCK_MONOTONIC, 0, &bad, nullptr), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_clock_nanosleep, LINUX_CLOCK_MONOTONIC, LINUX_TIMER_ABSTIME, &bad, nullptr),
             LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_clock_nanosleep, LINUX_CLOCK_MONOTONIC, 0, nullptr, nullptr), LINUX_EFAULT);
  EXPECT_ERR(sys(SYS_clock_nanosleep, LINUX_CLOCK_MONOTONIC, 0, ut::kKernelHere, nullptr),
             LINUX_EFAULT);
  struct timespec n = {0, kMs};
  EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &n, nullptr), 0);
}

void test_sched_yield() {
  for (int i = 0; i < 100; i++)
    if (!EXPECT_RESULT(sys(SYS_sched_yield), 0)) break;
  EXPECT_EQ(sched_yield(), 0);
}

void test_arch_prctl() {
#if defined(__x86_64__)
  constexpr int kSetFs = LINUX_ARCH_SET_FS, kGetFs = LINUX_ARCH_GET_FS;
  // The FS base is our thread pointer: the startup code set it to the thread block, whose
  // first word points to itself (thread_block.h).
  unsigned long fs = 0;
  if (!EXPECT_RESULT(sys(SYS_arch_prctl, kGetFs, &fs), 0)) return;
  EXPECT_EQ(fs, reinterpret_cast<unsigned long>(handoff_tb_self()));
  // Round trip through another value, then back. While FS points elsewhere nothing here
  // may touch thread-local state (errno, stdio): raw system calls only, results checked
  // after the restore.
  static unsigned long scratch[8];
  const unsigned long other = reinterpret_cast<unsigned long>(scratch);
  unsigned long seen = 0, restored = 0;
  long set = sys(SYS_arch_prctl, kSetFs, other);
  long get = sys(SYS_arch_prctl, kGetFs, &seen);
  long back = sys(SYS_arch_prctl, kSetFs, fs);
  sys(SYS_arch_prctl, kGetFs, &restored);
  EXPECT_RESULT(set, 0);
  EXPECT_RESULT(get, 0);
  EXPECT_EQ(seen, other);
  EXPECT_RESULT(back, 0);
  EXPECT_EQ(restored, fs);
  // A kernel or non-canonical base is EPERM (and changes nothing); a bad pointer for the
  // answer is EFAULT; an unknown code EINVAL.
  EXPECT_ERR(sys(SYS_arch_prctl, kSetFs, ut::kKernelX86), LINUX_EPERM);
  EXPECT_ERR(sys(SYS_arch_prctl, kSetFs, ut::kNonCanonical), LINUX_EPERM);
  for (uintptr_t p : ut::kBadPointers) EXPECT_ERR(sys(SYS_arch_prctl, kGetFs, p), LINUX_EFAULT);
  EXPECT_ERR(sys(SYS_arch_prctl, 0x9999, 0), LINUX_EINVAL);
  sys(SYS_arch_prctl, kGetFs, &restored);
  EXPECT_EQ(restored, fs);
#else
  ut::skip("x86-64 only: AArch64 has no arch_prctl (user mode writes TPIDR_EL0 itself)");
#endif
}

void test_unknown_syscalls() {
  // Numbers no kernel implements on either arch. (Handoff's own calls will start at 1024.)
  for (long n : {999L, 1023L, 100000L, 0x7fffffffL, -1L, -1000L}) {
    long r = syscall6(n, 1, 2, 3, 4, 5, 6);
    if (r != -LINUX_ENOSYS) ut::fail("system call %ld returned %ld, expected -38 (ENOSYS)", n, r);
  }
  // The same through the libc convention: errno in newlib's numbering (ENOSYS is 88 there).
  errno = 0;
  EXPECT(handoff_syscall_ret(syscall0(999)) == -1 && errno == ENOSYS);
  EXPECT(sys(SYS_getpid) > 0);  // and the system still answers
}

void test_handoff_stats() {
  HandoffStats st;
  memset(&st, 0xff, sizeof st);
  long r = sys(kSysHandoffStats, &st, sizeof st);
  if (!ut::is_handoff()) {
    // Linux has no call 1024: that is how a program tells where it runs.
    EXPECT_ERR(r, LINUX_ENOSYS);
    return;
  }
  if (!EXPECT_RESULT(r, sizeof st)) return;
  EXPECT(st.total_pages > 0 && st.free_pages > 0 && st.free_pages <= st.total_pages);
  EXPECT(st.heap_allocations > 0 && st.heap_bytes > 0);
  EXPECT(st.processes >= 1 && st.threads >= st.processes);
  // The per-thread counters count this very call.
  HandoffStats again;
  EXPECT_RESULT(sys(kSysHandoffStats, &again, sizeof again), sizeof again);
  EXPECT(again.thread_syscalls > st.thread_syscalls);
  // A shorter buffer gets the first fields only; a longer one, all there is.
  uint64_t two[3] = {0, 0, 0x5a5a};
  EXPECT_RESULT(sys(kSysHandoffStats, two, 2 * sizeof(uint64_t)), 2 * sizeof(uint64_t));
  EXPECT(two[1] == again.total_pages && two[2] == 0x5a5a);
  static char big[4 * sizeof(HandoffStats)];
  EXPECT_RESULT(sys(kSysHandoffStats, big, sizeof big), sizeof st);
  EXPECT_RESULT(sys(kSysHandoffStats, nullptr, 0), 0);
  for (uintptr_t p : ut::kBadPointers)
    EXPECT_ERR(sys(kSysHandoffStats, p, sizeof st), LINUX_EFAULT);
  static const char kReadOnly[sizeof(HandoffStats)] = "read-only";
  EXPECT_ERR(sys(kSysHandoffStats, kReadOnly, sizeof st), LINUX_EFAULT);

  // A child that comes and goes leaves the kernel as it found it: the same processes,
  // threads, heap objects and free pages (what /bin/leakcheck checks around whole programs).
  HandoffStats before, after;
  sys(kSysHandoffStats, &before, sizeof before);
  int status;
  if (EXPECT_OK(ut::run_self({"--exit", "0"}, &status)) > 0) EXPECT_EXIT(status, 0, "child");
  sys(kSysHandoffStats, &after, sizeof after);
  EXPECT_EQ(after.processes, before.processes);
  EXPECT_EQ(after.threads, before.threads);
  EXPECT_EQ(after.heap_allocations, before.heap_allocations);
  EXPECT_EQ(after.free_pages, before.free_pages);
}
