// user/tests/usertests.cpp -- Handoff's system-call tests, in the spirit of xv6's usertests:
// one program, many named tests.
//
//   usertests                 run every test
//   usertests NAME...         run only these
//   usertests -l              list the tests and what each checks
//   usertests -n [NAME...]    run the tests in this process (no child per test: for gdb)
//
// It prints the test protocol tests/run_qemu.py reads, with the tag `utest`:
//
//   utest: RUN brk
//   utest: FAIL brk: memory.cpp:42: sys(SYS_brk, 0) = -12 (ENOMEM), expected ...
//   utest: FAILED brk                       (or: utest: PASS brk)
//   utest: SKIP mmap_file: why              (a test that does not apply here: not counted)
//   utest: done: 40 passed, 1 failed, 3 skipped
//
// and exits with the number of failed tests (0: all passed; at most 255).
//
// Isolation: like xv6's usertests, every test runs in a child process of its own, so a test
// that crashes (or a kernel bug that kills it) fails only that test. Handoff has no fork, so
// the child is this same program started again with vfork + execve as
//   usertests --child-test NAME
// which runs the one test and exits 0 (passed), 1 (failed) or 2 (skipped). Tests that need
// more processes start this program again the same way with another argv[1] (see main).
//
// The same binary runs natively on the x86-64 Linux host (tests/run_host_usertests.sh): all
// tests must pass there too, except those that are about Handoff only, which skip themselves
// with a note. Where Handoff and Linux differ on purpose, the test says why.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usertests/ut.h"

namespace ut {
extern const char* g_test_name;
extern int g_test_failures;
extern const char* g_skip_reason;
}  // namespace ut

// Every test function, declared from the list.
#define TEST(name, what) void test_##name();
#include "usertests/test_list.h"
#undef TEST

namespace {

struct Test {
  const char* name;
  void (*fn)();
  const char* what;
};

constexpr Test kTests[] = {
#define TEST(name, what) {#name, test_##name, what},
#include "usertests/test_list.h"
#undef TEST
};

// How a child test reports back (its exit status).
constexpr int kChildPassed = 0, kChildFailed = 1, kChildSkipped = 2;

enum class Result { kPassed, kFailed, kSkipped };

const Test* find_test(const char* name) {
  for (const Test& t : kTests)
    if (strcmp(t.name, name) == 0) return &t;
  return nullptr;
}

// Runs `t` in this process. Prints its FAIL lines and, if it skipped, the SKIP line.
Result run_here(const Test& t) {
  ut::g_test_name = t.name;
  ut::g_test_failures = 0;
  ut::g_skip_reason = nullptr;
  t.fn();
  if (ut::g_test_failures > 0) return Result::kFailed;
  if (ut::g_skip_reason) {
    printf("utest: SKIP %s: %s\n", t.name, ut::g_skip_reason);
    return Result::kSkipped;
  }
  return Result::kPassed;
}

// Runs `t` in a child process (usertests --child-test NAME) and judges its exit. If the
// child cannot be started at all, *spawn_error gets the -errno (and the result means nothing).
Result run_in_child(const Test& t, long* spawn_error) {
  int status;
  long r = ut::run_self({"--child-test", t.name}, &status);
  ut::g_test_name = t.name;
  if (syscall_failed(r)) {
    *spawn_error = r;
    return Result::kFailed;
  }
  if (ut::exited(status)) {
    switch (ut::exit_code(status)) {
      case kChildPassed: return Result::kPassed;
      case kChildSkipped: return Result::kSkipped;
      case kChildFailed: return Result::kFailed;
    }
  }
  ut::fail("the test's process %s", ut::describe_status(status));
  return Result::kFailed;
}

int usage() {
  printf("usage: usertests [-l] [-n] [TEST...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  // Line buffered even into a pipe or file (the host run): a test process that is killed
  // must not take FAIL lines it had already printed with it.
  static char out_buffer[4096];
  setvbuf(stdout, out_buffer, _IOLBF, sizeof out_buffer);
  ut::init_paths(argc > 0 ? argv[0] : "usertests");

  // ---- the child roles (see each function in usertests/process.cpp) -----------------------
  if (argc >= 3 && strcmp(argv[1], "--child-test") == 0) {
    const Test* t = find_test(argv[2]);
    if (!t) return kChildFailed;
    Result r = run_here(*t);
    if (r == Result::kPassed) return kChildPassed;
    return r == Result::kSkipped ? kChildSkipped : kChildFailed;
  }
  if (argc >= 3 && strcmp(argv[1], "--exit") == 0) {
    fflush(stdout);
    // exit_group(2) directly: no atexit handlers or stdio on the way.
    for (;;) ut::sys(SYS_exit_group, atoi(argv[2]));
  }
  if (argc >= 3 && strcmp(argv[1], "--exit-thread") == 0) {
    fflush(stdout);
    // exit(2) ends only the calling thread; it is the only one, so the process ends too.
    for (;;) ut::sys(SYS_exit, atoi(argv[2]));
  }
  if (argc >= 3 && strcmp(argv[1], "--fault") == 0) return ut::child_fault(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "--check-args") == 0)
    return ut::child_check_args(argc, argv, envp);
  if (argc >= 3 && strcmp(argv[1], "--check-ppid") == 0) return ut::child_check_ppid(argv[2]);
  if (argc >= 4 && strcmp(argv[1], "--check-fds") == 0)
    return ut::child_check_fds(argv[2], argv[3]);

  // ---- the runner ----------------------------------------------------------------------------
  bool in_process = false;
  int first = 1;
  for (; first < argc && argv[first][0] == '-'; first++) {
    if (strcmp(argv[first], "-n") == 0) {
      in_process = true;
    } else if (strcmp(argv[first], "-l") == 0) {
      for (const Test& t : kTests) printf("%-22s %s\n", t.name, t.what);
      return 0;
    } else {
      return usage();
    }
  }

  printf("utest: usertests on %s; %s\n", ut::is_handoff() ? "Handoff" : "Linux",
         in_process ? "all tests in this process" : "one child process per test");
  int passed = 0, failed = 0, skipped = 0;
  auto record = [&](const char* name, Result r) {
    if (r == Result::kPassed) {
      passed++;
      printf("utest: PASS %s\n", name);
    } else if (r == Result::kFailed) {
      failed++;
      printf("utest: FAILED %s\n", name);
    } else {
      skipped++;
    }
  };
  auto run = [&](const Test& t) {
    printf("utest: RUN %s\n", t.name);
    fflush(stdout);
    long spawn_error = 0;
    Result r = in_process ? run_here(t) : run_in_child(t, &spawn_error);
    if (spawn_error) {
      // No vfork/execve (a kernel still growing them): carry on in this process.
      ut::note("cannot start a child process (%ld, %s): running this and the remaining tests "
               "in this process", spawn_error, ut::errno_name(-spawn_error));
      in_process = true;
      r = run_here(t);
    }
    record(t.name, r);
  };

  if (first == argc) {
    for (const Test& t : kTests) run(t);
  } else {
    for (int i = first; i < argc; i++) {
      const Test* t = find_test(argv[i]);
      if (t) {
        run(*t);
      } else {
        printf("utest: RUN %s\n", argv[i]);
        ut::g_test_name = argv[i];
        ut::fail("no such test (usertests -l lists them)");
        record(argv[i], Result::kFailed);
      }
    }
  }
  printf("utest: done: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed < 255 ? failed : 255;
}
