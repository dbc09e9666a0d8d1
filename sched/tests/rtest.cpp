// sched/tests/rtest.cpp -- the shared test registry and helpers (see rtest.h).
#include "rtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <atomic>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_process.h"
#include "runtime.h"

namespace rtest {
namespace {

// A spinlock: CHECK may fail on any thread, inside or outside the runtime, and must not park.
struct {
  std::vector<std::string> failures;
  std::atomic_flag lock = ATOMIC_FLAG_INIT;
} g_state;

struct Timespec {
  long sec, nsec;
};

}  // namespace

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

std::vector<Child>& childRegistry() {
  static std::vector<Child> children;
  return children;
}

const char* g_self_path = nullptr;

void setSelfPath(const char* argv0) { g_self_path = argv0; }

int runChildHere(const char* name) {
  for (const Child& c : childRegistry()) {
    if (std::string(c.name) != name) continue;
    c.fn();
    fflush(stdout);
    return 0;
  }
  fprintf(stderr, "no child program named %s\n", name);
  return 127;
}

void fail(const char* file, int line, const std::string& what) {
  const char* base = file;
  for (const char* p = file; *p; p++)
    if (*p == '/') base = p + 1;
  std::string msg = std::string(base) + ":" + std::to_string(line) + ": " + what;
  while (g_state.lock.test_and_set(std::memory_order_acquire)) {
  }
  g_state.failures.push_back(msg);
  g_state.lock.clear(std::memory_order_release);
}

namespace {
Outcome takeOutcome() {
  while (g_state.lock.test_and_set(std::memory_order_acquire)) {
  }
  Outcome out;
  out.failures.swap(g_state.failures);
  g_state.lock.clear(std::memory_order_release);
  return out;
}
}  // namespace

Outcome runCase(const Case& c) {
  takeOutcome();
  c.fn();
  return takeOutcome();
}

void note(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  printf("  note: %s\n", buf);
  fflush(stdout);
}

void syscallSleep(int64_t ms) {
  Timespec ts{static_cast<long>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
  rt::Syscall(kSysNanosleep, reinterpret_cast<uintptr_t>(&ts), 0);
}

void rawSyscallSleep(int64_t ms) {
  Timespec ts{static_cast<long>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
  rt::RawSyscall(kSysNanosleep, reinterpret_cast<uintptr_t>(&ts), 0);
}

bool slowDiskRead(bool raw) {
  int fd = open("/disk/slow", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    raw ? rawSyscallSleep(200) : syscallSleep(200);
    return false;
  }
  char b;
  const uintptr_t args[3] = {static_cast<uintptr_t>(fd), reinterpret_cast<uintptr_t>(&b), 1};
  rt::SyscallResult r = raw ? rt::RawSyscall(kSysRead, args[0], args[1], args[2])
                            : rt::Syscall(kSysRead, args[0], args[1], args[2]);
  close(fd);
  if (r.r1 != 1) fail(__FILE__, __LINE__, "read of /disk/slow failed");
  return true;
}

int rawGettid() { return static_cast<int>(rt::RawSyscall(kSysGettid).r1); }

// The child is this program again, started with vfork + execve (child_process.h, per OS
// flavour), its output into a pipe we read to the end before reaping it.
ChildResult runChild(const char* name) {
  fflush(stdout);
  fflush(stderr);
  ChildResult r{false, false, -1, ""};
  int fds[2];
  if (!g_self_path) {
    fail(__FILE__, __LINE__, "runChild: main did not call rtest::setSelfPath");
    return r;
  }
  if (pipe2(fds, O_CLOEXEC) != 0) {
    fail(__FILE__, __LINE__, std::string("runChild: pipe2: ") + strerror(errno));
    return r;
  }
  const char* argv[] = {g_self_path, "--child", name, nullptr};
  long pid = startChildProcess(g_self_path, argv, fds[1]);
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    fail(__FILE__, __LINE__, std::string("runChild: cannot start ") + g_self_path + ": " +
                                 strerror(static_cast<int>(-pid)));
    return r;
  }
  r.ran = true;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
  }
  r.exited = WIFEXITED(status);
  r.status = r.exited ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace rtest
