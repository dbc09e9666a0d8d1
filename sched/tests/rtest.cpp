// sched/tests/rtest.cpp -- the shared test registry and helpers (see rtest.h).
#include "rtest.h"

#include <stdarg.h>
#include <atomic>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

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

ChildResult runChild(const char* name) {
  for (const Child& c : childRegistry())
    if (std::string(c.name) == name) return runInChild(c.fn);
  return ChildResult{false, -1, std::string("no child program named ") + name};
}

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

std::vector<std::string> takeFailures() {
  while (g_state.lock.test_and_set(std::memory_order_acquire)) {
  }
  std::vector<std::string> out;
  out.swap(g_state.failures);
  g_state.lock.clear(std::memory_order_release);
  return out;
}

std::vector<std::string> runCase(const Case& c) {
  takeFailures();
  c.fn();
  return takeFailures();
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

int rawGettid() { return static_cast<int>(rt::RawSyscall(kSysGettid).r1); }

ChildResult runInChild(void (*fn)()) {
  fflush(stdout);
  fflush(stderr);
  int fds[2];
  ChildResult r{false, -1, ""};
  if (pipe(fds) != 0) {
    r.output = "pipe failed";
    return r;
  }
  pid_t pid = fork();
  if (pid < 0) {
    r.output = "fork failed";
    close(fds[0]);
    close(fds[1]);
    return r;
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    fn();
    fflush(stdout);
    _exit(0);
  }
  close(fds[1]);
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    r.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (wait(&status) != pid) {
  }
  r.exited = WIFEXITED(status);
  r.status = r.exited ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace rtest
