// user/bin/crash.cpp -- crash on purpose, to watch the kernel deal with a faulting program.
//
//   crash null    write through a NULL pointer        -> SIGSEGV (page fault)
//   crash ud      execute an undefined instruction    -> SIGILL
//   crash div     divide by zero (x86-64 only)        -> SIGFPE
//   crash stack   recurse until the stack runs out    -> SIGSEGV (stack overflow)
//
// The CPU raises an exception, the kernel sees it came from user mode, prints one line about
// it (which process, what fault, where) and ends just this process with the signal's
// "killed" status. The shell then reports "killed by signal N"; the system carries on.
#include <stdio.h>
#include <string.h>

namespace {

void crash_null() {
  // The empty asm hides the value from the compiler: a store through a pointer it KNOWS is
  // NULL is undefined behaviour, and g++ would quietly delete it.
  int* p = nullptr;
  __asm__ volatile("" : "+r"(p));
  *p = 42;
}

void crash_ud() {
#if defined(__x86_64__)
  __asm__ volatile("ud2");  // an instruction defined to be undefined: #UD
#else
  __asm__ volatile("udf #0");  // AArch64's permanently undefined instruction
#endif
}

bool crash_div() {
#if defined(__x86_64__)
  // In assembly: written in C++, g++ turns `1 / x` into a comparison (the quotient can only
  // be 1, -1 or 0) and never divides. Here: edx:eax divided by ecx = 0 -> #DE.
  __asm__ volatile("xor %%ecx, %%ecx\n\tdiv %%ecx" ::: "eax", "edx", "ecx");
  return true;
#else
  // AArch64's divide instructions return 0 for a zero divisor instead of trapping.
  return false;
#endif
}

// The limit is a volatile the compiler cannot see through: without it g++ rightly calls
// this "infinite recursion" -- which is the point.
volatile long g_depth_limit = 1L << 40;

__attribute__((noinline)) long recurse(long depth) {
  volatile char frame[4096];  // a page per call; volatile so the frames really exist
  frame[0] = static_cast<char>(depth);
  if (depth >= g_depth_limit) return 0;
  return recurse(depth + 1) + frame[0];  // not a tail call: every frame stays
}

int usage() {
  printf("usage: crash null|ud|div|stack\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return usage();
  const char* how = argv[1];
  printf("crash: about to %s...\n",
         strcmp(how, "null") == 0    ? "write through a NULL pointer"
         : strcmp(how, "ud") == 0    ? "run an undefined instruction"
         : strcmp(how, "div") == 0   ? "divide by zero"
         : strcmp(how, "stack") == 0 ? "recurse without end"
                                     : "do nothing I know");
  fflush(stdout);  // the fault will not give stdio a chance to flush later
  if (strcmp(how, "null") == 0) {
    crash_null();
  } else if (strcmp(how, "ud") == 0) {
    crash_ud();
  } else if (strcmp(how, "div") == 0) {
    if (!crash_div()) {
      printf("crash: integer division by zero does not trap on AArch64 (the result is 0)\n");
      return 1;
    }
  } else if (strcmp(how, "stack") == 0) {
    recurse(0);
  } else {
    return usage();
  }
  printf("crash: still alive -- the fault did not happen\n");
  return 1;
}
