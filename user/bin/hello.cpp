// user/bin/hello.cpp -- the smallest useful program: who and where am I?
//
// Two system calls behind ordinary C library functions: uname(2) names the machine and the
// kernel, getpid(2) gives our process id. The same binary runs on Handoff and, for the x86-64
// build, natively on Linux -- it says which.
#include <stdio.h>
#include <unistd.h>

#include "handoff.h"  // uname() and struct utsname (newlib has no <sys/utsname.h>)

int main(int argc, char** argv) {
  struct utsname u;
  if (uname(&u) != 0) {
    perror("hello: uname");
    return 1;
  }
  printf("Hello from user space on %s!\n", u.machine);
  printf("I am %s, process %d (my parent is %d), running on %s %s.\n", argc > 0 ? argv[0] : "hello",
         static_cast<int>(getpid()), static_cast<int>(getppid()), u.sysname, u.release);
  return 0;
}
