// sched/tests/rtest.h -- the runtime's test cases, written once, run two ways:
//   gtest_main.cpp      on the Linux host under GoogleTest (ThreadSanitizer, AddressSanitizer);
//   runtime_tests.cpp   as a static newlib program printing the `rtest:` protocol of
//                       tests/run_qemu.py (natively, under qemu-aarch64, later inside Handoff).
// So a case may use only the runtime, POSIX calls both libcs have, and these helpers.
//
//   RT_CASE(Chan, buffered_fifo) {
//     rt::Run([] { ...; CHECK(x == 3); CHECK_EQ(a, b); }, cfg);
//   }
// CHECK may be used from any goroutine or thread; failures are collected and reported after
// the case returns. Cases assert counts and orders, never times (DESIGN.md, Testing).
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace rtest {

using CaseFn = void (*)();
struct Case {
  const char* suite;
  const char* name;
  CaseFn fn;
};
std::vector<Case>& registry();
struct Registrar {
  Registrar(const char* suite, const char* name, CaseFn fn) {
    registry().push_back({suite, name, fn});
  }
};

// Failures of the running case ("file:line: what"), thread-safe.
void fail(const char* file, int line, const std::string& what);
struct Outcome {
  std::vector<std::string> failures;
};
// Run one case.
Outcome runCase(const Case& c);

// Informational note printed with the results (both harnesses).
void note(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// ---- helpers ----------------------------------------------------------------------------------

// Linux system call numbers for this arch (from user/lib/sysnum.h, which cannot share a file
// with glibc's C++ headers).
extern const long kSysRead, kSysWrite, kSysClose, kSysPipe2, kSysNanosleep, kSysGetppid,
    kSysGettid;

// Syscall(nanosleep) / RawSyscall(nanosleep): the Go articles' "slow disk read" -- a call that
// blocks the thread in the kernel for ms milliseconds.
void syscallSleep(int64_t ms);
void rawSyscallSleep(int64_t ms);
// The Go articles' 200 ms disk read: in Handoff a real read(2) of /disk/slow, which the kernel's
// slow disk serves in 200 ms; where there is no such file (the Linux host) a 200 ms nanosleep.
// Through Syscall, or RawSyscall if raw. Returns true if it read the real disk.
bool slowDiskRead(bool raw);
int rawGettid();

// Child programs: bodies that end the process (fatal errors, Main's exit), registered by name
// with RT_CHILD. A case runs one as a new process -- this test program started again as
// `PROGRAM --child NAME` (both mains call runChildHere for that) -- with its stdout and stderr
// captured. Starting a program, not forking: Handoff has no fork, and the child should begin
// with a fresh runtime anyway. If the body returns, the child exits 0.
struct ChildResult {
  bool ran;      // a child process ran (false: it could not be started; a failure is recorded)
  bool exited;   // exited normally (else killed by a signal)
  int status;    // exit status
  std::string output;
};
struct Child {
  const char* name;
  void (*fn)();
};
std::vector<Child>& childRegistry();
struct ChildRegistrar {
  ChildRegistrar(const char* name, void (*fn)()) { childRegistry().push_back({name, fn}); }
};
void setSelfPath(const char* argv0);     // main's argv[0]: the program runChild starts
ChildResult runChild(const char* name);  // by name, in a child process
int runChildHere(const char* name);      // by name, in this process (returns 0 if fn returns)

}  // namespace rtest

#define RT_CASE(suite, name)                                                        \
  static void rtest_case_##suite##_##name();                                        \
  static ::rtest::Registrar rtest_reg_##suite##_##name(#suite, #name,               \
                                                       rtest_case_##suite##_##name); \
  static void rtest_case_##suite##_##name()

#define RT_CHILD(name)                                                          \
  static void rtest_child_##name();                                             \
  static ::rtest::ChildRegistrar rtest_child_reg_##name(#name, rtest_child_##name); \
  static void rtest_child_##name()

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) ::rtest::fail(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_EQ(a, b)                                                                      \
  do {                                                                                      \
    auto rtest_a = (a);                                                                     \
    auto rtest_b = (b);                                                                     \
    if (!(rtest_a == rtest_b))                                                              \
      ::rtest::fail(__FILE__, __LINE__,                                                     \
                    "CHECK_EQ(" #a ", " #b "): " + std::to_string(rtest_a) + " vs " +       \
                        std::to_string(rtest_b));                                           \
  } while (0)

#define CHECK_LE(a, b)                                                                      \
  do {                                                                                      \
    auto rtest_a = (a);                                                                     \
    auto rtest_b = (b);                                                                     \
    if (!(rtest_a <= rtest_b))                                                              \
      ::rtest::fail(__FILE__, __LINE__,                                                     \
                    "CHECK_LE(" #a ", " #b "): " + std::to_string(rtest_a) + " vs " +       \
                        std::to_string(rtest_b));                                           \
  } while (0)

#define CHECK_GE(a, b) CHECK_LE(b, a)

#define CHECK_CONTAINS(haystack, needle)                                                  \
  do {                                                                                    \
    const std::string& rtest_h = (haystack);                                              \
    if (rtest_h.find(needle) == std::string::npos)                                        \
      ::rtest::fail(__FILE__, __LINE__,                                                   \
                    std::string("output does not contain \"") + (needle) + "\":\n" + rtest_h); \
  } while (0)
