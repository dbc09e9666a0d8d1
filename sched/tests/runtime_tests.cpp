// sched/tests/runtime_tests.cpp -- the runtime's test cases (rtest.h) as a guest-style program:
// a static newlib binary that prints the protocol tests/run_qemu.py reads,
//   rtest: RUN <suite>.<name>
//   rtest: FAIL <suite>.<name>: <why>     (for each failed check)
//   rtest: PASS <suite>.<name>  |  rtest: FAILED <suite>.<name>
//   rtest: done: N passed, M failed
// and exits 0 only if everything passed. The same binary runs natively on the x86-64 host and
// under qemu-aarch64 (sched/tests/run_guest.sh), and inside Handoff once it has threads.
//   runtime_tests [substring]    runs only the cases whose suite.name contains substring
//   runtime_tests --child NAME   runs one child program (cases_fatal.cpp) in this process: its
//                                exit status and output are what the Fatal cases check
#include <stdio.h>
#include <string.h>

#include <string>

#include "rtest.h"

int main(int argc, char** argv) {
  if (argc > 2 && strcmp(argv[1], "--child") == 0) return rtest::runChildHere(argv[2]);
  rtest::setSelfPath(argv[0]);
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const rtest::Case& c : rtest::registry()) {
    std::string name = std::string(c.suite) + "." + c.name;
    if (filter && name.find(filter) == std::string::npos) continue;
    printf("rtest: RUN %s\n", name.c_str());
    fflush(stdout);
    rtest::Outcome o = rtest::runCase(c);
    for (const std::string& f : o.failures) printf("rtest: FAIL %s: %s\n", name.c_str(), f.c_str());
    printf("rtest: %s %s\n", o.failures.empty() ? "PASS" : "FAILED", name.c_str());
    fflush(stdout);
    (o.failures.empty() ? passed : failed)++;
  }
  printf("rtest: done: %d passed, %d failed\n", passed, failed);
  fflush(stdout);
  return failed == 0 ? 0 : 1;
}
