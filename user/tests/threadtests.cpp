// user/tests/threadtests.cpp -- the tests of issue 4 from user space: threads that are
// real kernel threads (Ms), futexes, pipes, the slow disk, /proc and sched_getaffinity.
//
//   threadtests              run every test
//   threadtests NAME...      run only these
//   threadtests -l           list the tests
//
// Output is the protocol tests/run_qemu.py reads, with the tag `ttest`:
//   ttest: RUN futex_ping_pong
//   ttest: FAIL futex_ping_pong: threadtests.cpp:123: <what>     (any number)
//   ttest: PASS futex_ping_pong          (or FAILED)
//   ttest: SKIP slow_disk_readers: why  (a test that does not apply here: not counted)
//   ttest: done: N passed, M failed
// and the exit status is the number of failed tests (at most 255).
//
// The same binary runs natively on Linux (a static Linux-ABI program: the differential
// test of shared/DESIGN.md). There the Handoff-only parts -- /disk, Handoff's own system
// calls and /proc lines, the kernel's counters -- are skipped with a note; everything else
// must pass on both. Where Linux and Handoff legitimately differ, the test says why.
//
// On Handoff every test also checks that it leaked no thread and no process: the kernel's
// counts (handoff_stats) are the same before and after. (Free pages are checked for a whole
// run by the lead's `leakcheck threadtests`.) Timings are never asserted, only counts and
// orderings; the slow disk's "rounds" come from the device's own counters.
//
// Several tests start this program again as a child process (vfork + execve, as
// posix_spawn does: Handoff has no fork) with `--child ROLE ...`; see child_main().
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/uapi/handoff.h"
#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"
#include "sysnum.h"
#include "thread.h"
#include "spawn.h"

extern char** environ;

namespace {

// ---- the harness -------------------------------------------------------------------------

const char* g_self_path;  // argv[0]: how to start ourselves again
const char* g_test = "?";
int g_failures;           // in the running test
const char* g_skip;       // set by skip()

void line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void line(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);  // children and crashes must not lose or reorder lines
}

bool check(bool ok, int where, const char* what) {
  if (!ok) {
    line("ttest: FAIL %s: threadtests.cpp:%d: %s\n", g_test, where, what);
    g_failures++;
  }
  return ok;
}

bool check_eq(long got, long want, int where, const char* got_text, const char* want_text) {
  if (got == want) return true;
  line("ttest: FAIL %s: threadtests.cpp:%d: %s = %ld, expected %s = %ld\n", g_test, where, got_text,
       got, want_text, want);
  g_failures++;
  return false;
}

#define CHECK(cond) check((cond), __LINE__, #cond)
#define CHECK_EQ(got, want) check_eq(long(got), long(want), __LINE__, #got, #want)

// Marks the running test as not applicable here; the caller returns.
void skip(const char* why) { g_skip = why; }

// ---- system calls and small helpers ----------------------------------------------------

long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  return syscall6(n, a, b, c, d, e, f);
}
template <typename T>
long p(T* pointer) {
  return reinterpret_cast<long>(pointer);
}

bool g_is_handoff;

bool detect_handoff() {
  char uts[6 * 65] = {};
  return sys(SYS_uname, p(uts)) == 0 && strcmp(uts, "Handoff") == 0;
}

uint64_t now_ns(int clock = LINUX_CLOCK_MONOTONIC) {
  linux_timespec ts = {};
  sys(SYS_clock_gettime, clock, p(&ts));
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

linux_timespec ns_to_ts(uint64_t ns) { return {long(ns / 1000000000), long(ns % 1000000000)}; }

void sleep_ms(long ms) {
  linux_timespec ts = ns_to_ts(uint64_t(ms) * 1000000);
  sys(SYS_nanosleep, p(&ts), 0);
}

int gettid() { return int(sys(SYS_gettid)); }

// Words shared between threads are read and written with these (sequentially consistent).
int load(const volatile int* x) { return __atomic_load_n(x, __ATOMIC_SEQ_CST); }
void store(volatile int* x, int v) { __atomic_store_n(x, v, __ATOMIC_SEQ_CST); }

// futex(2) raw: the result or -errno.
long futex(volatile int* word, int op, int val, const linux_timespec* timeout = nullptr,
           int val3 = 0) {
  return sys(SYS_futex, p(word), op, val, p(timeout), 0, val3);
}
constexpr int kWaitPrivate = LINUX_FUTEX_WAIT_PRIVATE, kWakePrivate = LINUX_FUTEX_WAKE_PRIVATE;
constexpr int kWaitBitset = 9, kWakeBitset = 10, kClockRealtime = 256;
constexpr int kAll = 0x7fffffff;

// A gate threads wait at until the test opens it (one futex word).
struct Gate {
  volatile int open = 0;
  void wait() {
    while (!load(&open)) futex(&open, kWaitPrivate, 0);
  }
  void release() {
    store(&open, 1);
    futex(&open, kWakePrivate, kAll);
  }
};

// Reads a whole (small) file; its length or -errno.
long read_file(const char* path, char* buf, size_t size) {
  long fd = sys(SYS_openat, LINUX_AT_FDCWD, p(path), LINUX_O_RDONLY);
  if (fd < 0) return fd;
  size_t got = 0;
  long n;
  while (got + 1 < size && (n = sys(SYS_read, fd, p(buf + got), size - 1 - got)) > 0) got += size_t(n);
  sys(SYS_close, fd);
  buf[got] = '\0';
  return long(got);
}

// The value after "Key:" in a /proc status text ("" if absent), up to the end of its line.
const char* status_field(const char* text, const char* key, char* out, size_t size) {
  out[0] = '\0';
  size_t klen = strlen(key);
  for (const char* line_start = text; *line_start;) {
    if (strncmp(line_start, key, klen) == 0 && line_start[klen] == ':') {
      const char* v = line_start + klen + 1;
      while (*v == '\t' || *v == ' ') v++;
      size_t n = 0;
      while (v[n] && v[n] != '\n' && n + 1 < size) {
        out[n] = v[n];
        n++;
      }
      out[n] = '\0';
      return out;
    }
    const char* nl = strchr(line_start, '\n');
    if (!nl) break;
    line_start = nl + 1;
  }
  return out;
}

long status_number(const char* path, const char* key) {
  char text[2048], value[64];
  if (read_file(path, text, sizeof text) < 0) return -1;
  status_field(text, key, value, sizeof value);
  return value[0] ? strtol(value, nullptr, 10) : -1;
}

// The state letter of thread `tid` of this process ('?' if unreadable), and on Handoff its
// Wchan line into `wchan`.
char thread_state(int tid, char* wchan = nullptr, size_t size = 0) {
  char path[64], text[2048], value[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
  if (read_file(path, text, sizeof text) < 0) return '?';
  if (wchan) status_field(text, "Wchan", wchan, size);
  status_field(text, "State", value, sizeof value);
  return value[0] ? value[0] : '?';
}

// Waits (politely) until thread `tid` is asleep in the kernel: state S or D.
bool wait_until_asleep(int tid, char want = 0) {
  for (int i = 0; i < 2000; i++) {
    char s = thread_state(tid);
    if ((want && s == want) || (!want && (s == 'S' || s == 'D'))) return true;
    sys(SYS_sched_yield);
    if (i > 100) sleep_ms(1);
  }
  return false;
}

// The kernel's counters (Handoff only).
bool handoff_stats(HandoffStats* s) {
  return sys(kSysHandoffStats, p(s), sizeof *s) == long(sizeof *s);
}
bool disk_stats(HandoffDiskStats* s) {
  return sys(kSysHandoffDiskStats, p(s), sizeof *s) == long(sizeof *s);
}

// Linux sends SIGPIPE to a writer whose pipe has no reader, which kills it; the EPIPE tests
// want the error instead, as a program that ignores SIGPIPE gets (Go's runtime does).
// Handoff has no signals yet (ENOSYS here) and only returns EPIPE.
void ignore_sigpipe() {
  struct {
    unsigned long handler, flags, restorer, mask;
  } action = {1 /* SIG_IGN */, 0, 0, 0};
  sys(SYS_rt_sigaction, LINUX_SIGPIPE, p(&action), 0, 8);
}

// ---- child processes ----------------------------------------------------------------------

// Starts this program again as `threadtests --child ROLE [ARG]`, sharing our descriptors
// (except O_CLOEXEC ones), with vfork + execve (user/lib/spawn.h). Returns its pid or -errno.
long spawn(const char* role, const char* arg = nullptr) {
  const char* argv[] = {g_self_path, "--child", role, arg, nullptr};
  return spawn_process(g_self_path, argv, const_cast<const char* const*>(environ), -1);
}

// Waits for child `pid`; its wait status, or -errno.
long wait_child(long pid) {
  int status = 0;
  long r = sys(SYS_wait4, pid, p(&status), 0, 0);
  return r < 0 ? r : status;
}

constexpr int exited_with(int code) { return (code & 0xff) << 8; }
constexpr int killed_by(int signal) { return signal & 0x7f; }

// Threads the children park in different kinds of blocking, to check that exit_group and a
// fault end them all.
int g_child_pipe[2];
volatile int g_never;  // nobody ever wakes this futex

void* park_on_futex(void*) {
  for (;;) futex(&g_never, kWaitPrivate, 0);
}
void* park_on_pipe(void*) {
  char c;
  for (;;) sys(SYS_read, g_child_pipe[0], p(&c), 1);
}
void* park_in_sleep(void*) {
  for (;;) sleep_ms(10000);
}
void* spin_forever(void*) {
  for (unsigned long n = 0;; n++) __asm__ volatile("" : "+r"(n));  // the compiler must keep it
}
void* fault_now(void*) {
  sleep_ms(20);  // let the others settle in their waits first
  *static_cast<volatile int*>(nullptr) = 1;  // SIGSEGV: the whole process dies
  return nullptr;
}

void* slow_disk_reader(void* arg) {
  static uint8_t bufs[6][4096];
  long i = reinterpret_cast<long>(arg);
  long fd = sys(SYS_openat, LINUX_AT_FDCWD, p("/disk/slow"), LINUX_O_RDONLY);
  for (;;) sys(SYS_pread64, fd, p(bufs[i]), sizeof bufs[i], i * 65536);
}

int child_main(const char* role, const char* arg) {
  if (strcmp(role, "exit-group") == 0 || strcmp(role, "fault") == 0) {
    // Four threads blocked or busy in four ways; then the whole process must end, with
    // exit_group's status or the fault's signal. A thread left behind would keep the
    // process (and the parent's wait4) alive.
    sys(SYS_pipe2, p(g_child_pipe), 0);
    void* (*parkers[])(void*) = {park_on_futex, park_on_pipe, park_in_sleep, spin_forever};
    for (auto fn : parkers) thread_create_stack(fn, nullptr, 16 * 1024);
    if (role[0] == 'f') {
      thread_create_stack(fault_now, nullptr, 16 * 1024);
      for (;;) futex(&g_never, kWaitPrivate, 0);  // the main thread waits too
    }
    sleep_ms(30);
    sys(SYS_exit_group, 7);  // the raw call: no atexit handlers, nothing flushed
  }
  if (strcmp(role, "disk-kill") == 0) {
    // Six readers of /disk/slow (200 ms a request, 4 at the device at once): two queue
    // for a slot, four wait at the device. exit_group must end them all without waiting
    // for the disk, and leave the device's queue clean (test_slow_disk_reads_killed).
    for (long i = 0; i < 6; i++)
      thread_create_stack(slow_disk_reader, reinterpret_cast<void*>(i), 16 * 1024);
    sleep_ms(30);
    sys(SYS_exit_group, 7);
  }
  if (strcmp(role, "pipe-writer") == 0) {
    // Writes a message into the inherited descriptor ARG and exits (0 on success).
    const char msg[] = "hello through a pipe from another process";
    long fd = strtol(arg, nullptr, 10);
    return sys(SYS_write, fd, p(msg), sizeof msg) == long(sizeof msg) ? 0 : 1;
  }
  if (strcmp(role, "fd-open") == 0) {
    // Exit status 1 if descriptor ARG is open here, 0 if not (O_CLOEXEC closed it).
    char st[256];
    return sys(SYS_fstat, strtol(arg, nullptr, 10), p(st)) == 0 ? 1 : 0;
  }
  return 126;
}

// ---- threads -----------------------------------------------------------------------------

struct ManyThreads {
  Gate gate;
  int started = 0;
};

void* many_thread_main(void* arg) {
  auto* m = static_cast<ManyThreads*>(arg);
  __atomic_add_fetch(&m->started, 1, __ATOMIC_SEQ_CST);
  m->gate.wait();
  return reinterpret_cast<void*>(long(gettid()));
}

void test_threads_create_join_1000() {
  constexpr int kThreads = 1000;
  static thread_t threads[kThreads];
  ManyThreads m;
  int created = 0;
  for (int i = 0; i < kThreads; i++) {
    threads[i] = thread_create_stack(many_thread_main, &m, 16 * 1024);
    if (!CHECK(threads[i] != nullptr)) break;
    created++;
  }
  // All of them alive at once, each its own kernel thread: /proc counts them (the way the
  // Go articles count a program's threads).
  while (load(&m.started) < created) sys(SYS_sched_yield);
  CHECK_EQ(status_number("/proc/self/status", "Threads"), created + 1);
  m.gate.release();
  int distinct_tids = 0;
  for (int i = 0; i < created; i++) {
    long tid = long(thread_join(threads[i]));
    distinct_tids += tid > 0 && tid != gettid();
  }
  CHECK_EQ(created, kThreads);
  CHECK_EQ(distinct_tids, kThreads);
  CHECK_EQ(status_number("/proc/self/status", "Threads"), 1);
}

void test_exit_group_kills_all_threads() {
  long pid = spawn("exit-group");
  if (!CHECK(pid > 0)) return;
  // Four threads blocked on a futex, a pipe, a sleep, and one spinning: exit_group ends
  // them all, and the parent gets the status.
  CHECK_EQ(wait_child(pid), exited_with(7));
}

void* busy_helper(void* arg) {
  auto* flag = static_cast<volatile int*>(arg);
  long n = 0;
  while (!load(flag)) n++;
  return reinterpret_cast<void*>(n);
}

void test_fault_kills_only_its_process() {
  // A thread of ours keeps running meanwhile: the child's fault is not ours.
  volatile int stop = 0;
  thread_t helper = thread_create(busy_helper, const_cast<int*>(&stop));
  CHECK(helper != nullptr);
  long pid = spawn("fault");
  if (CHECK(pid > 0)) CHECK_EQ(wait_child(pid), killed_by(LINUX_SIGSEGV));
  store(&stop, 1);
  if (helper) CHECK(long(thread_join(helper)) > 0);
}

// ---- futexes -----------------------------------------------------------------------------

struct PingPong {
  volatile int turn = 0;
  int rounds = 0;
  int done[2] = {};
};
struct Player {
  PingPong* game;
  int me;
};

void* ping_pong_player(void* arg) {
  auto* pl = static_cast<Player*>(arg);
  PingPong* g = pl->game;
  int other = 1 - pl->me;
  for (int i = 0; i < g->rounds; i++) {
    while (load(&g->turn) != pl->me) futex(&g->turn, kWaitPrivate, other);
    store(&g->turn, other);
    futex(&g->turn, kWakePrivate, 1);
    g->done[pl->me]++;
  }
  return nullptr;
}

void test_futex_ping_pong() {
  PingPong game;
  game.rounds = 100000;
  Player players[2] = {{&game, 0}, {&game, 1}};
  uint64_t start = now_ns();
  thread_t a = thread_create(ping_pong_player, &players[0]);
  thread_t b = thread_create(ping_pong_player, &players[1]);
  if (!CHECK(a && b)) return;
  thread_join(a);
  thread_join(b);
  CHECK_EQ(game.done[0], game.rounds);
  CHECK_EQ(game.done[1], game.rounds);
  // For the curious only (never asserted): under QEMU icount (make bench's setting) on
  // x86-64, a nanosecond is one guest instruction.
  line("ttest: note: %lu ns per futex round trip\n",
       (unsigned long)((now_ns() - start) / uint64_t(game.rounds)));
}

void test_futex_timeouts() {
  volatile int word = 5;
  constexpr uint64_t kMs = 1000000;
  // FUTEX_WAIT: a relative timeout on CLOCK_MONOTONIC. Never early.
  linux_timespec rel = ns_to_ts(30 * kMs);
  uint64_t start = now_ns();
  CHECK_EQ(futex(&word, kWaitPrivate, 5, &rel), -LINUX_ETIMEDOUT);
  CHECK(now_ns() - start >= 30 * kMs);
  // The same with a shared (non-private) futex.
  start = now_ns();
  CHECK_EQ(futex(&word, LINUX_FUTEX_WAIT, 5, &rel), -LINUX_ETIMEDOUT);
  CHECK(now_ns() - start >= 30 * kMs);
  // FUTEX_WAIT_BITSET: an absolute deadline, on CLOCK_MONOTONIC...
  uint64_t deadline = now_ns() + 30 * kMs;
  linux_timespec abs = ns_to_ts(deadline);
  CHECK_EQ(futex(&word, kWaitBitset | LINUX_FUTEX_PRIVATE_FLAG, 5, &abs, -1), -LINUX_ETIMEDOUT);
  CHECK(now_ns() >= deadline);
  // ... or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME.
  uint64_t real_deadline = now_ns(LINUX_CLOCK_REALTIME) + 30 * kMs;
  linux_timespec real_abs = ns_to_ts(real_deadline);
  CHECK_EQ(futex(&word, kWaitBitset | LINUX_FUTEX_PRIVATE_FLAG | kClockRealtime, 5, &real_abs, -1),
           -LINUX_ETIMEDOUT);
  CHECK(now_ns(LINUX_CLOCK_REALTIME) >= real_deadline);
  // A deadline in the past times out at once; the value check still comes first.
  linux_timespec past = {1, 0};
  CHECK_EQ(futex(&word, kWaitBitset | LINUX_FUTEX_PRIVATE_FLAG, 5, &past, -1), -LINUX_ETIMEDOUT);
  CHECK_EQ(futex(&word, kWaitBitset | LINUX_FUTEX_PRIVATE_FLAG, 4, &past, -1), -LINUX_EAGAIN);
}

void test_futex_errors() {
  alignas(8) static volatile int words[2] = {5, 0};
  volatile int* word = &words[0];
  linux_timespec ms = {0, 1000000};
  CHECK_EQ(futex(word, kWaitPrivate, 4), -LINUX_EAGAIN);  // the value changed: do not sleep
  volatile int* odd = reinterpret_cast<volatile int*>(reinterpret_cast<uintptr_t>(word) + 1);
  CHECK_EQ(futex(odd, kWaitPrivate, 5, &ms), -LINUX_EINVAL);
  CHECK_EQ(futex(odd, kWakePrivate, 1), -LINUX_EINVAL);
  linux_timespec bad_ns = {0, 1000000000}, negative = {-1, 0};
  CHECK_EQ(futex(word, kWaitPrivate, 5, &bad_ns), -LINUX_EINVAL);
  CHECK_EQ(futex(word, kWaitPrivate, 5, &negative), -LINUX_EINVAL);
  CHECK_EQ(sys(SYS_futex, p(word), kWaitPrivate, 5, 1), -LINUX_EFAULT);  // timeout pointer
  auto* unmapped = reinterpret_cast<volatile int*>(0x10000000000ul);
  CHECK_EQ(futex(unmapped, kWaitPrivate, 0, &ms), -LINUX_EFAULT);
  // A private wake reads no memory: an unmapped address just has no waiters.
  CHECK_EQ(futex(unmapped, kWakePrivate, 1), 0);
  auto* kernel = reinterpret_cast<volatile int*>(0xffff800000000000ul);
  CHECK_EQ(futex(kernel, kWakePrivate, 1), -LINUX_EFAULT);
  CHECK_EQ(futex(word, kWaitBitset | LINUX_FUTEX_PRIVATE_FLAG, 5, &ms, 0), -LINUX_EINVAL);
  CHECK_EQ(futex(word, kWakeBitset | LINUX_FUTEX_PRIVATE_FLAG, 1, nullptr, 0), -LINUX_EINVAL);
  // Unknown operations, and FUTEX_CLOCK_REALTIME where it means nothing: ENOSYS (Linux's
  // answer, not EINVAL).
  CHECK_EQ(futex(word, 99, 1), -LINUX_ENOSYS);
  CHECK_EQ(futex(word, kWaitPrivate | kClockRealtime, 5, &ms), -LINUX_ENOSYS);
  CHECK_EQ(futex(word, kWakePrivate, 0), 0);  // nobody waits
}

struct BitsetWaiter {
  volatile int* word;
  int bitset;
  long result = 1;
  int tid = 0;
};

void* bitset_waiter(void* arg) {
  auto* w = static_cast<BitsetWaiter*>(arg);
  store(&w->tid, gettid());
  w->result = futex(w->word, kWaitBitset | LINUX_FUTEX_PRIVATE_FLAG, 0, nullptr, w->bitset);
  return nullptr;
}

void test_futex_wake_bitset() {
  volatile int word = 0;
  BitsetWaiter w = {&word, 0x2};
  thread_t t = thread_create(bitset_waiter, &w);
  if (!CHECK(t)) return;
  while (!load(&w.tid)) sys(SYS_sched_yield);
  CHECK(wait_until_asleep(w.tid));
  // Wrong bits: nobody wakes; a matching bit: exactly the one waiter.
  CHECK_EQ(futex(&word, kWakeBitset | LINUX_FUTEX_PRIVATE_FLAG, kAll, nullptr, 0x1), 0);
  CHECK_EQ(futex(&word, kWakeBitset | LINUX_FUTEX_PRIVATE_FLAG, kAll, nullptr, 0x3), 1);
  thread_join(t);
  CHECK_EQ(w.result, 0);
}

// Producers post tokens to a futex-based counting semaphore, consumers take them. Every
// post wakes one sleeper; a lost wake-up leaves a consumer asleep with tokens available -
// it then times out after 5 s, which the test counts as a failure.
struct Semaphore {
  volatile int count = 0;
  int stalls = 0;
  void post() {
    __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);
    futex(&count, kWakePrivate, 1);
  }
  void take() {
    for (;;) {
      int c = load(&count);
      if (c > 0) {
        if (__atomic_compare_exchange_n(&count, &c, c - 1, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
          return;
        continue;
      }
      linux_timespec five_s = {5, 0};
      if (futex(&count, kWaitPrivate, 0, &five_s) == -LINUX_ETIMEDOUT)
        __atomic_add_fetch(&stalls, 1, __ATOMIC_SEQ_CST);
    }
  }
};

struct SemTest {
  Semaphore sem;
  int per_thread = 0;
  int taken = 0;
};

void* producer(void* arg) {
  auto* s = static_cast<SemTest*>(arg);
  for (int i = 0; i < s->per_thread; i++) {
    s->sem.post();
    if (i % 64 == 0) sys(SYS_sched_yield);
  }
  return nullptr;
}

void* consumer(void* arg) {
  auto* s = static_cast<SemTest*>(arg);
  for (int i = 0; i < s->per_thread; i++) {
    s->sem.take();
    __atomic_add_fetch(&s->taken, 1, __ATOMIC_SEQ_CST);
  }
  return nullptr;
}

void test_futex_no_lost_wakeups() {
  constexpr int kPairs = 4;
  SemTest s;
  s.per_thread = 5000;
  thread_t threads[2 * kPairs];
  // Consumers first, so they find the semaphore empty and sleep.
  for (int i = 0; i < kPairs; i++) threads[i] = thread_create(consumer, &s);
  for (int i = 0; i < kPairs; i++) threads[kPairs + i] = thread_create(producer, &s);
  for (thread_t t : threads)
    if (CHECK(t)) thread_join(t);
  CHECK_EQ(s.taken, kPairs * s.per_thread);
  CHECK_EQ(s.sem.count, 0);
  CHECK_EQ(s.sem.stalls, 0);
}

// ---- pipes ---------------------------------------------------------------------------------

struct PipeEnds {
  int fd[2] = {-1, -1};
  long open(int flags = 0) { return sys(SYS_pipe2, p(fd), flags); }
  ~PipeEnds() {
    for (int f : fd)
      if (f >= 0) sys(SYS_close, f);
  }
  void close_end(int i) {
    sys(SYS_close, fd[i]);
    fd[i] = -1;
  }
};

void test_pipe_order_and_eof() {
  PipeEnds pe;
  if (!CHECK_EQ(pe.open(), 0)) return;
  const char* parts[] = {"one,", "two,", "three"};
  for (const char* s : parts) CHECK_EQ(sys(SYS_write, pe.fd[1], p(s), strlen(s)), long(strlen(s)));
  char buf[64] = {};
  CHECK_EQ(sys(SYS_read, pe.fd[0], p(buf), 2), 2);  // a short read leaves the rest in order
  CHECK_EQ(sys(SYS_read, pe.fd[0], p(buf + 2), sizeof buf - 3), 11);
  CHECK(strcmp(buf, "one,two,three") == 0);
  CHECK_EQ(sys(SYS_write, pe.fd[1], p(buf), 0), 0);
  pe.close_end(1);  // the last write end: EOF, not a block
  CHECK_EQ(sys(SYS_read, pe.fd[0], p(buf), sizeof buf), 0);
  // Wrong directions, a closed descriptor.
  CHECK_EQ(sys(SYS_write, pe.fd[0], p(buf), 1), -LINUX_EBADF);
  CHECK_EQ(sys(SYS_read, pe.fd[1], p(buf), 1), -LINUX_EBADF);
}

void test_pipe_stat_seek_flags() {
  PipeEnds pe;
  if (!CHECK_EQ(pe.open(), 0)) return;
  linux_stat st = {};
  CHECK_EQ(sys(SYS_fstat, pe.fd[0], p(&st)), 0);
  CHECK_EQ(st.st_mode & 0170000, 0010000);  // S_IFIFO
  CHECK_EQ(sys(SYS_lseek, pe.fd[0], 0, 0), -LINUX_ESPIPE);
  char c;
  CHECK_EQ(sys(SYS_pread64, pe.fd[0], p(&c), 1, 0), -LINUX_ESPIPE);
  int fds[2];
  CHECK_EQ(sys(SYS_pipe2, p(fds), 0x1), -LINUX_EINVAL);  // a flag pipe2 does not take
  CHECK_EQ(sys(SYS_pipe2, 0x10000000000l, 0), -LINUX_EFAULT);
  CHECK_EQ(sys(SYS_pipe2, 0, 0), -LINUX_EFAULT);
#if defined(__x86_64__)
  // The old pipe(2), x86-64 only (arm64 never had it).
  if (CHECK_EQ(sys(SYS_pipe, p(fds)), 0)) {
    CHECK_EQ(sys(SYS_write, fds[1], p("x"), 1), 1);
    CHECK_EQ(sys(SYS_read, fds[0], p(&c), 1), 1);
    sys(SYS_close, fds[0]);
    sys(SYS_close, fds[1]);
  }
#endif
}

struct PipeReader {
  int fd;
  char buf[64] = {};
  long result = 1;
  int tid = 0;
};

void* pipe_reader_main(void* arg) {
  auto* r = static_cast<PipeReader*>(arg);
  store(&r->tid, gettid());
  r->result = sys(SYS_read, r->fd, p(r->buf), sizeof r->buf);  // blocks: the pipe is empty
  return nullptr;
}

constexpr size_t kBigWrite = 200 * 1024;  // three times the pipe's 64 KiB
uint8_t pattern(size_t i) { return uint8_t(i * 13 + i / 509); }

struct PipeWriter {
  int fd;
  long result = 1;
  int tid = 0;
};

void* pipe_writer_main(void* arg) {
  auto* w = static_cast<PipeWriter*>(arg);
  static uint8_t data[kBigWrite];
  for (size_t i = 0; i < kBigWrite; i++) data[i] = pattern(i);
  store(&w->tid, gettid());
  w->result = sys(SYS_write, w->fd, p(data), kBigWrite);  // blocks whenever the pipe is full
  return nullptr;
}

void test_pipe_blocking() {
  PipeEnds pe;
  if (!CHECK_EQ(pe.open(), 0)) return;
  // A reader of an empty pipe sleeps until data comes.
  PipeReader r{pe.fd[0]};
  thread_t t = thread_create(pipe_reader_main, &r);
  if (!CHECK(t)) return;
  while (!load(&r.tid)) sys(SYS_sched_yield);
  CHECK(wait_until_asleep(r.tid, 'S'));
  if (g_is_handoff) {
    char wchan[32];
    thread_state(r.tid, wchan, sizeof wchan);
    CHECK(strcmp(wchan, "pipe") == 0);  // Handoff's /proc names what it waits for
  }
  CHECK_EQ(sys(SYS_write, pe.fd[1], p("wake up"), 7), 7);
  thread_join(t);
  CHECK_EQ(r.result, 7);
  CHECK(memcmp(r.buf, "wake up", 7) == 0);

  // A writer of more than fits sleeps whenever the pipe is full; the bytes arrive whole and
  // in order.
  PipeWriter w{pe.fd[1]};
  t = thread_create(pipe_writer_main, &w);
  if (!CHECK(t)) return;
  while (!load(&w.tid)) sys(SYS_sched_yield);
  CHECK(wait_until_asleep(w.tid, 'S'));  // 200 KiB do not fit: it waits for us
  static uint8_t got[kBigWrite];
  size_t total = 0;
  bool in_order = true;
  while (total < kBigWrite) {
    long n = sys(SYS_read, pe.fd[0], p(got), 3000);
    if (!CHECK(n > 0)) break;
    for (long i = 0; i < n; i++) in_order &= got[i] == pattern(total + size_t(i));
    total += size_t(n);
  }
  thread_join(t);
  CHECK_EQ(w.result, long(kBigWrite));
  CHECK_EQ(total, kBigWrite);
  CHECK(in_order);
}

void test_pipe_epipe() {
  ignore_sigpipe();
  PipeEnds pe;
  if (!CHECK_EQ(pe.open(), 0)) return;
  pe.close_end(0);
  CHECK_EQ(sys(SYS_write, pe.fd[1], p("x"), 1), -LINUX_EPIPE);
}

void test_pipe_nonblock() {
  PipeEnds pe;
  if (!CHECK_EQ(pe.open(LINUX_O_NONBLOCK), 0)) return;
  static char big[70000];
  memset(big, 'z', sizeof big);
  CHECK_EQ(sys(SYS_read, pe.fd[0], p(big), 10), -LINUX_EAGAIN);  // empty, writer open
  // A long write takes what fits (64 KiB, Linux's default size too); then nothing fits.
  CHECK_EQ(sys(SYS_write, pe.fd[1], p(big), sizeof big), 65536);
  CHECK_EQ(sys(SYS_write, pe.fd[1], p(big), 1), -LINUX_EAGAIN);
  if (g_is_handoff) {
    // 100 bytes of room: a write of at most PIPE_BUF is all-or-nothing, a longer one takes
    // the room. (Linux counts room in whole pages: after a 100-byte read its pipe is still
    // "full", so this part is Handoff's.)
    CHECK_EQ(sys(SYS_read, pe.fd[0], p(big), 100), 100);
    CHECK_EQ(sys(SYS_write, pe.fd[1], p(big), 4096), -LINUX_EAGAIN);
    CHECK_EQ(sys(SYS_write, pe.fd[1], p(big), 4097), 100);
  }
  long n, drained = 0;
  while ((n = sys(SYS_read, pe.fd[0], p(big), sizeof big)) > 0) drained += n;
  CHECK_EQ(n, -LINUX_EAGAIN);
  CHECK_EQ(drained, g_is_handoff ? 65536 - 100 + 100 : 65536);
}

void test_pipe_between_processes() {
  PipeEnds pe;
  if (!CHECK_EQ(pe.open(), 0)) return;
  char fd_text[16];
  snprintf(fd_text, sizeof fd_text, "%d", pe.fd[1]);
  long pid = spawn("pipe-writer", fd_text);
  if (!CHECK(pid > 0)) return;
  pe.close_end(1);  // now only the child can write: its exit means EOF
  char buf[128] = {};
  size_t total = 0;
  long n;
  while ((n = sys(SYS_read, pe.fd[0], p(buf + total), sizeof buf - 1 - total)) > 0) total += size_t(n);
  CHECK_EQ(n, 0);
  CHECK(strcmp(buf, "hello through a pipe from another process") == 0);
  CHECK_EQ(wait_child(pid), exited_with(0));
}

void test_pipe_cloexec() {
  PipeEnds plain, cloexec;
  if (!CHECK_EQ(plain.open(), 0) || !CHECK_EQ(cloexec.open(LINUX_O_CLOEXEC), 0)) return;
  char fd_text[16];
  snprintf(fd_text, sizeof fd_text, "%d", plain.fd[0]);
  CHECK_EQ(wait_child(spawn("fd-open", fd_text)), exited_with(1));  // inherited
  snprintf(fd_text, sizeof fd_text, "%d", cloexec.fd[0]);
  CHECK_EQ(wait_child(spawn("fd-open", fd_text)), exited_with(0));  // closed by execve
}

// ---- the slow disk (Handoff only) --------------------------------------------------------------

uint64_t disk_word(uint64_t disk_offset) { return kHandoffDiskTag | disk_offset; }

// Whether buf[0, n) holds the disk's contents from disk offset `at` (any alignment).
bool disk_bytes_ok(const uint8_t* buf, size_t n, uint64_t at) {
  for (size_t i = 0; i < n; i++) {
    uint64_t pos = at + i;
    uint64_t word = disk_word(pos & ~7ull);
    if (buf[i] != uint8_t(word >> (8 * (pos & 7)))) return false;
  }
  return true;
}

long open_ro(const char* path) { return sys(SYS_openat, LINUX_AT_FDCWD, p(path), LINUX_O_RDONLY); }

void test_slow_disk_files() {
  if (!g_is_handoff) return skip("/disk is Handoff's made-up slow disk");
  long fd = open_ro("/disk/data3");
  if (!CHECK(fd >= 0)) return;
  linux_stat st = {};
  CHECK_EQ(sys(SYS_fstat, fd, p(&st)), 0);
  CHECK_EQ(st.st_mode & 0170000, 0100000);  // a regular file
  CHECK_EQ(st.st_size, long(kHandoffDiskFileBytes));
  static uint8_t buf[10000];
  uint64_t start = 3 * kHandoffDiskFileBytes;
  CHECK_EQ(sys(SYS_pread64, fd, p(buf), sizeof buf, 12345), long(sizeof buf));
  CHECK(disk_bytes_ok(buf, sizeof buf, start + 12345));
  CHECK_EQ(sys(SYS_read, fd, p(buf), 8), 8);
  CHECK(disk_bytes_ok(buf, 8, start));
  CHECK_EQ(sys(SYS_lseek, fd, -5, 2), long(kHandoffDiskFileBytes) - 5);  // SEEK_END
  CHECK_EQ(sys(SYS_read, fd, p(buf), 100), 5);  // up to the end, then EOF
  CHECK_EQ(sys(SYS_read, fd, p(buf), 100), 0);
  CHECK_EQ(sys(SYS_read, fd, 0x10000000000l, 100), 0);  // at EOF nothing is copied
  CHECK_EQ(sys(SYS_pread64, fd, 0x10000000000l, 100, 0), -LINUX_EFAULT);
  sys(SYS_close, fd);
  CHECK_EQ(sys(SYS_openat, LINUX_AT_FDCWD, p("/disk/data0"), LINUX_O_WRONLY), -LINUX_EROFS);
  long slow = open_ro("/disk/slow");
  if (CHECK(slow >= 0)) {
    CHECK_EQ(sys(SYS_fstat, slow, p(&st)), 0);
    CHECK_EQ(st.st_size, long(kHandoffDiskSlowBytes));
    sys(SYS_close, slow);
  }
  char text[2048];
  CHECK(read_file("/proc/disk", text, sizeof text) > 0);
  CHECK(strstr(text, "requests:") != nullptr);
}

struct DiskReader {
  Gate* gate;
  int file;
  long result = 1;
  bool data_ok = false;
};

void* disk_reader_main(void* arg) {
  auto* r = static_cast<DiskReader*>(arg);
  char path[32];
  snprintf(path, sizeof path, "/disk/data%d", r->file);
  long fd = open_ro(path);
  uint8_t buf[4096];
  r->gate->wait();  // all start together
  r->result = fd < 0 ? fd : sys(SYS_pread64, fd, p(buf), sizeof buf, 8192);
  r->data_ok = r->result == long(sizeof buf) &&
               disk_bytes_ok(buf, sizeof buf, uint64_t(r->file) * kHandoffDiskFileBytes + 8192);
  if (fd >= 0) sys(SYS_close, fd);
  return nullptr;
}

void test_slow_disk_readers() {
  if (!g_is_handoff) return skip("/disk is Handoff's made-up slow disk");
  constexpr int kReaders = 16;
  HandoffDiskStats before, after;
  if (!CHECK(disk_stats(&before))) return;
  Gate gate;
  DiskReader readers[kReaders];
  thread_t threads[kReaders];
  for (int i = 0; i < kReaders; i++) {
    readers[i].gate = &gate;
    readers[i].file = i;
    threads[i] = thread_create_stack(disk_reader_main, &readers[i], 64 * 1024);
  }
  sleep_ms(20);  // let them all reach the gate
  gate.release();
  for (int i = 0; i < kReaders; i++) {
    if (CHECK(threads[i])) thread_join(threads[i]);
    CHECK_EQ(readers[i].result, 4096);
    CHECK(readers[i].data_ok);
  }
  CHECK(disk_stats(&after));
  uint64_t requests = after.requests - before.requests;
  uint64_t completed = after.completed - before.completed;
  uint64_t waits = after.queue_waits - before.queue_waits;
  uint64_t rounds = after.rounds - before.rounds;
  // One request each (4 KiB is far below the largest request).
  CHECK_EQ(requests, kReaders);
  CHECK_EQ(completed, kReaders);
  CHECK_EQ(after.in_flight, 0);
  // The device's queue held: never more than queue_depth at once, and it was full.
  CHECK(after.max_in_flight <= after.queue_depth);
  CHECK_EQ(after.max_in_flight, after.queue_depth);
  CHECK(waits > 0);
  // Rounds: request latencies one after another, by the device's own count. 16 requests
  // 4 at a time take at least 4 (16 if they had gone one by one). Exactly 4 when all 12
  // beyond the first 4 had to queue: then every slot was taken before any request finished
  // (a finished one would have let a later reader in without queueing), so the first 4 make
  // round 1, and the device's completion interrupt passes each freed slot straight on to
  // the next queued request - 4 + 4 + 4 + 4, however late the woken threads get a CPU.
  // Only a reader that reached the device after the first requests had finished (a busy
  // host can delay a thread that long) may leave a round short.
  uint64_t expect = (kReaders + after.queue_depth - 1) / after.queue_depth;
  line("ttest: note: 16 readers at depth %lu: %lu device rounds, %lu queue waits\n",
       (unsigned long)after.queue_depth, (unsigned long)rounds, (unsigned long)waits);
  CHECK(rounds >= expect && rounds <= uint64_t(kReaders));
  if (waits == kReaders - after.queue_depth) {
    CHECK_EQ(rounds, expect);
  } else {
    line("ttest: note: %lu reader(s) came late: rounds not checked exactly\n",
         (unsigned long)(kReaders - after.queue_depth - waits));
  }
  // Never early: each request spent at least its latency at the device.
  CHECK(after.service_ns - before.service_ns >= kReaders * after.latency_ns);
}

// The Go articles' first experiment: one thread blocked 200 ms in a slow-disk read while
// another keeps counting. With -smp 1 both share one CPU: the count grows only because the
// blocked thread really sleeps in the kernel and gives the CPU away.
struct Experiment {
  volatile int reader_tid = 0;
  volatile int reader_done = 0;
  long read_result = 1;
  bool data_ok = false;
  unsigned long count = 0, count_while_blocked = 0;
  bool saw_disk_wait = false;
};

void* slow_reader(void* arg) {
  auto* e = static_cast<Experiment*>(arg);
  store(&e->reader_tid, gettid());
  long fd = open_ro("/disk/slow");
  uint8_t buf[4096];
  e->read_result = fd < 0 ? fd : sys(SYS_read, fd, p(buf), sizeof buf);
  e->data_ok = e->read_result == long(sizeof buf) &&
               disk_bytes_ok(buf, sizeof buf, kHandoffDiskFiles * kHandoffDiskFileBytes);
  if (fd >= 0) sys(SYS_close, fd);
  store(&e->reader_done, 1);
  return nullptr;
}

void* counter(void* arg) {
  auto* e = static_cast<Experiment*>(arg);
  unsigned long start = 0;
  while (!load(&e->reader_done)) {
    e->count++;
    // Now and then: is the reader asleep in the disk? (/proc: state D, Wchan disk.)
    if (!e->saw_disk_wait && load(&e->reader_tid) && e->count % 4096 == 0) {
      char wchan[32];
      if (thread_state(e->reader_tid, wchan, sizeof wchan) == 'D' && strcmp(wchan, "disk") == 0) {
        e->saw_disk_wait = true;
        start = e->count;
      }
    }
  }
  if (e->saw_disk_wait) e->count_while_blocked = e->count - start;
  return nullptr;
}

void test_slow_disk_blocks_only_its_thread() {
  if (!g_is_handoff) return skip("/disk is Handoff's made-up slow disk");
  HandoffDiskStats disk;
  if (!CHECK(disk_stats(&disk))) return;
  unsigned long mask = 0;
  sys(SYS_sched_getaffinity, 0, sizeof mask, p(&mask));
  line("ttest: note: %d CPU(s); a read from /disk/slow takes %lu ms\n",
       __builtin_popcountl(mask), (unsigned long)(disk.slow_latency_ns / 1000000));
  Experiment e;
  thread_t c = thread_create(counter, &e);
  thread_t r = thread_create(slow_reader, &e);
  if (!CHECK(c && r)) return;
  thread_join(r);
  thread_join(c);
  line("ttest: note: the counter counted %lu while the reader slept in the disk\n",
       e.count_while_blocked);
  CHECK_EQ(e.read_result, 4096);
  CHECK(e.data_ok);
  CHECK(e.saw_disk_wait);
  CHECK(e.count_while_blocked > 1000);
}

// A process killed while its threads wait for the disk: exit_group takes their requests
// back - off the queue, or off the device - so the process ends without waiting out the
// 200 ms latencies, and the device is left consistent: nothing in flight or queued, every
// request submitted also completed (served or not). Counts only: how many requests the
// child got to submit before it was killed depends on timing, their sum does not.
void test_slow_disk_reads_killed() {
  if (!g_is_handoff) return skip("/disk is Handoff's made-up slow disk");
  HandoffDiskStats before, after;
  if (!CHECK(disk_stats(&before))) return;
  long pid = spawn("disk-kill");
  if (!CHECK(pid > 0)) return;
  CHECK_EQ(wait_child(pid), exited_with(7));
  if (!CHECK(disk_stats(&after))) return;
  uint64_t requests = after.requests - before.requests;
  line("ttest: note: %lu requests of the killed child, %lu had to queue, %lu bytes served\n",
       (unsigned long)requests, (unsigned long)(after.queue_waits - before.queue_waits),
       (unsigned long)(after.bytes_read - before.bytes_read));
  CHECK(requests <= 6);
  CHECK_EQ(after.completed - before.completed, requests);
  CHECK_EQ(after.in_flight, 0);
  CHECK_EQ(after.queued, 0);
  CHECK(after.max_in_flight <= after.queue_depth);
}

// ---- /proc ----------------------------------------------------------------------------------

void* gate_waiter(void* arg) {
  static_cast<Gate*>(arg)->wait();
  return reinterpret_cast<void*>(long(gettid()));
}

void test_proc_self_status() {
  char text[2048], value[64];
  if (!CHECK(read_file("/proc/self/status", text, sizeof text) > 0)) return;
  CHECK(strcmp(status_field(text, "Name", value, sizeof value), "threadtests") == 0);
  CHECK(strncmp(status_field(text, "State", value, sizeof value), "R", 1) == 0);  // reading it
  CHECK_EQ(strtol(status_field(text, "Pid", value, sizeof value), nullptr, 10), sys(SYS_getpid));
  CHECK_EQ(strtol(status_field(text, "Tgid", value, sizeof value), nullptr, 10), sys(SYS_getpid));
  CHECK_EQ(strtol(status_field(text, "PPid", value, sizeof value), nullptr, 10), sys(SYS_getppid));
  CHECK_EQ(strtol(status_field(text, "Threads", value, sizeof value), nullptr, 10), 1);
  // /proc/<pid> is the same process.
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/status", sys(SYS_getpid));
  CHECK_EQ(status_number(path, "Pid"), sys(SYS_getpid));
  // Threads: follows the threads we start and join.
  Gate gate;
  thread_t threads[3];
  for (thread_t& t : threads) t = thread_create(gate_waiter, &gate);
  CHECK_EQ(status_number("/proc/self/status", "Threads"), 4);
  gate.release();
  for (thread_t t : threads)
    if (CHECK(t)) thread_join(t);
  CHECK_EQ(status_number("/proc/self/status", "Threads"), 1);
  // A process that does not exist.
  CHECK_EQ(read_file("/proc/999999999/status", text, sizeof text), -LINUX_ENOENT);
}

void test_proc_thread_state() {
  Gate gate;
  BitsetWaiter w;  // reused for its tid field: waits at the gate instead
  volatile int word = 0;
  w.word = &word;
  w.bitset = -1;
  thread_t t = thread_create(bitset_waiter, &w);
  if (!CHECK(t)) return;
  while (!load(&w.tid)) sys(SYS_sched_yield);
  CHECK(wait_until_asleep(w.tid, 'S'));
  char path[96], text[2048], value[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", w.tid);
  CHECK(read_file(path, text, sizeof text) > 0);
  CHECK(strcmp(status_field(text, "State", value, sizeof value), "S (sleeping)") == 0);
  CHECK_EQ(strtol(status_field(text, "Pid", value, sizeof value), nullptr, 10), w.tid);
  CHECK_EQ(strtol(status_field(text, "Tgid", value, sizeof value), nullptr, 10), sys(SYS_getpid));
  if (g_is_handoff) {
    // Handoff's own lines: why it sleeps, and its counters.
    CHECK(strcmp(status_field(text, "Wchan", value, sizeof value), "futex") == 0);
    CHECK(strtol(status_field(text, "Syscalls", value, sizeof value), nullptr, 10) >= 1);
    CHECK(status_field(text, "Ctxt_switches", value, sizeof value)[0] != '\0');
    CHECK(status_field(text, "Run_ns", value, sizeof value)[0] != '\0');
    CHECK(status_field(text, "Blocked_ns", value, sizeof value)[0] != '\0');
  }
  // The stat line: "tid (comm) S ...", 52 fields on Linux 6.x; Handoff writes the same.
  snprintf(path, sizeof path, "/proc/%ld/task/%d/stat", sys(SYS_getpid), w.tid);
  CHECK(read_file(path, text, sizeof text) > 0);
  char expect[64];
  snprintf(expect, sizeof expect, "%d (threadtests) S ", w.tid);
  CHECK(strncmp(text, expect, strlen(expect)) == 0);
  int fields = 0;
  for (const char* s = strrchr(text, ')'); s && *s; s++) fields += *s == ' ';
  CHECK(fields >= 50);
  // thread-self is the calling thread.
  CHECK_EQ(status_number("/proc/thread-self/status", "Pid"), gettid());
  // task/ lists every thread of ours.
  long dir = sys(SYS_openat, LINUX_AT_FDCWD, p("/proc/self/task"), LINUX_O_RDONLY | LINUX_O_DIRECTORY);
  bool found_self = false, found_waiter = false;
  if (CHECK(dir >= 0)) {
    alignas(8) char dents[4096];
    long n;
    while ((n = sys(SYS_getdents64, dir, p(dents), sizeof dents)) > 0) {
      for (long at = 0; at < n;) {
        const char* name = dents + at + 19;  // linux_dirent64's d_name
        long tid = strtol(name, nullptr, 10);
        found_self |= tid == gettid();
        found_waiter |= tid == w.tid;
        at += *reinterpret_cast<unsigned short*>(dents + at + 16);  // d_reclen
      }
    }
    sys(SYS_close, dir);
  }
  CHECK(found_self && found_waiter);
  futex(&word, kWakePrivate, 1);
  thread_join(t);
  CHECK_EQ(w.result, 0);
  // The thread is gone: so is its directory.
  snprintf(path, sizeof path, "/proc/self/task/%d/status", w.tid);
  CHECK_EQ(read_file(path, text, sizeof text), -LINUX_ENOENT);
}

// ---- sched_getaffinity ------------------------------------------------------------------------

void test_sched_getaffinity() {
  unsigned long mask[16] = {};
  long n = sys(SYS_sched_getaffinity, 0, sizeof mask, p(mask));
  // The raw call returns the bytes it wrote (glibc's wrapper turns that into 0).
  CHECK(n > 0 && n % long(sizeof(long)) == 0 && n <= long(sizeof mask));
  int cpus = 0;
  for (long i = 0; i < n / long(sizeof(long)); i++) cpus += __builtin_popcountl(mask[i]);
  CHECK(cpus >= 1);
  line("ttest: note: sched_getaffinity: %d CPU(s), %ld bytes\n", cpus, n);
  if (g_is_handoff) {
    CHECK_EQ(n, 8);  // one long holds all of Handoff's CPUs
    CHECK_EQ(mask[0] & (mask[0] + 1), 0);  // CPUs 0..n-1
  }
  // The calling thread by its tid; a thread that does not exist.
  CHECK_EQ(sys(SYS_sched_getaffinity, gettid(), sizeof mask, p(mask)), n);
  CHECK_EQ(sys(SYS_sched_getaffinity, 999999999, sizeof mask, p(mask)), -LINUX_ESRCH);
  // Lengths: not a multiple of sizeof(long), or too small for every CPU: EINVAL.
  CHECK_EQ(sys(SYS_sched_getaffinity, 0, 4, p(mask)), -LINUX_EINVAL);
  CHECK_EQ(sys(SYS_sched_getaffinity, 0, 0, p(mask)), -LINUX_EINVAL);
  CHECK_EQ(sys(SYS_sched_getaffinity, 0, sizeof mask, 0x10000000000l), -LINUX_EFAULT);
  // Setting the mask we have changes nothing and succeeds.
  CHECK_EQ(sys(SYS_sched_setaffinity, 0, n, p(mask)), 0);
}

// ---- the table -----------------------------------------------------------------------------

struct Test {
  const char* name;
  void (*fn)();
  const char* what;
};

constexpr Test kTests[] = {
    {"threads_create_join_1000", test_threads_create_join_1000,
     "1,000 threads alive at once (/proc counts them), then joined"},
    {"exit_group_kills_all_threads", test_exit_group_kills_all_threads,
     "exit_group ends a child's blocked and spinning threads"},
    {"fault_kills_only_its_process", test_fault_kills_only_its_process,
     "a faulting thread kills its process (SIGSEGV), not ours"},
    {"futex_ping_pong", test_futex_ping_pong, "100,000 futex round trips between two threads"},
    {"futex_timeouts", test_futex_timeouts, "relative, absolute and realtime timeouts expire"},
    {"futex_errors", test_futex_errors, "EAGAIN, EINVAL, EFAULT, ENOSYS as Linux"},
    {"futex_wake_bitset", test_futex_wake_bitset, "WAKE_BITSET wakes only matching waiters"},
    {"futex_no_lost_wakeups", test_futex_no_lost_wakeups,
     "a futex semaphore under 4 producers and 4 consumers"},
    {"pipe_order_and_eof", test_pipe_order_and_eof, "bytes in order; EOF; EBADF"},
    {"pipe_stat_seek_flags", test_pipe_stat_seek_flags, "S_IFIFO, ESPIPE, pipe2 errors, pipe()"},
    {"pipe_blocking", test_pipe_blocking, "readers sleep on empty, writers on full pipes"},
    {"pipe_epipe", test_pipe_epipe, "no reader left: EPIPE"},
    {"pipe_nonblock", test_pipe_nonblock, "O_NONBLOCK: EAGAIN, partial and atomic writes"},
    {"pipe_between_processes", test_pipe_between_processes, "a child writes, we read to EOF"},
    {"pipe_cloexec", test_pipe_cloexec, "O_CLOEXEC ends are closed by execve"},
    {"slow_disk_files", test_slow_disk_files, "/disk contents, sizes, seeks, EROFS, /proc/disk"},
    {"slow_disk_readers", test_slow_disk_readers,
     "16 readers at queue depth 4: 4 device rounds"},
    {"slow_disk_blocks_only_its_thread", test_slow_disk_blocks_only_its_thread,
     "the Go articles' experiment: a 200 ms read, a counter keeps counting"},
    {"slow_disk_reads_killed", test_slow_disk_reads_killed,
     "exit_group takes back queued and in-flight disk requests"},
    {"proc_self_status", test_proc_self_status, "/proc/self/status: Name, Pid, PPid, Threads"},
    {"proc_thread_state", test_proc_thread_state, "/proc/<pid>/task/<tid>: state, Wchan, stat"},
    {"sched_getaffinity", test_sched_getaffinity, "the CPU mask, lengths and errors"},
};

bool selected(const char* name, int argc, char** argv) {
  if (argc <= 1) return true;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], name) == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  g_self_path = argv[0];
  if (argc >= 3 && strcmp(argv[1], "--child") == 0) return child_main(argv[2], argc > 3 ? argv[3] : "");
  if (argc == 2 && strcmp(argv[1], "-l") == 0) {
    for (const Test& t : kTests) printf("%-34s %s\n", t.name, t.what);
    return 0;
  }
  g_is_handoff = detect_handoff();
  if (!g_is_handoff) line("ttest: note: not on Handoff: Handoff-only checks are skipped\n");
  int passed = 0, failed = 0;
  for (const Test& t : kTests) {
    if (!selected(t.name, argc, argv)) continue;
    g_test = t.name;
    g_failures = 0;
    g_skip = nullptr;
    line("ttest: RUN %s\n", t.name);
    HandoffStats before = {}, after = {};
    bool counted = g_is_handoff && handoff_stats(&before);
    t.fn();
    if (g_skip) {
      line("ttest: SKIP %s: %s\n", t.name, g_skip);
      continue;
    }
    if (counted && handoff_stats(&after)) {
      // Every thread and child process of the test is gone (joined, reaped).
      CHECK_EQ(after.threads, before.threads);
      CHECK_EQ(after.processes, before.processes);
    }
    if (g_failures == 0) {
      line("ttest: PASS %s\n", t.name);
      passed++;
    } else {
      line("ttest: FAILED %s\n", t.name);
      failed++;
    }
  }
  line("ttest: done: %d passed, %d failed\n", passed, failed);
  return failed > 255 ? 255 : failed;
}
