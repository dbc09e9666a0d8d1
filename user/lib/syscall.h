// user/lib/syscall.h -- raw Linux-ABI system calls for Handoff user programs (C and C++).
//
// syscallN(nr, a1..aN) traps into the kernel and returns what the kernel returned: a result
// >= 0, or -errno with LINUX's errno numbers (linux_errno.h) -- errno is NOT set. Use
// syscall_failed(r) to test. These are what the newlib glue, the thread library and the
// G/M/P runtime's RawSyscall use; ordinary programs call the libc functions instead.
//
// Register convention (the Linux one, see shared/DESIGN.md):
//   x86-64:  number in rax; args rdi rsi rdx r10 r8 r9; `syscall`; result in rax.
//            The CPU itself overwrites rcx (return rip) and r11 (saved rflags): clobbers.
//            (r10 instead of rcx for arg 4 precisely because syscall destroys rcx.)
//   aarch64: number in x8; args x0..x5; `svc #0`; result in x0. Nothing else is clobbered.
// "memory" is clobbered on both: the kernel may read or write any buffer we passed.
#pragma once

#include "sysnum.h"

#if defined(__x86_64__)

static inline long syscall0(long n) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory");
  return r;
}
static inline long syscall1(long n, long a1) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a1) : "rcx", "r11", "memory");
  return r;
}
static inline long syscall2(long n, long a1, long a2) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a1), "S"(a2) : "rcx", "r11", "memory");
  return r;
}
static inline long syscall3(long n, long a1, long a2, long a3) {
  long r;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3)
                   : "rcx", "r11", "memory");
  return r;
}
static inline long syscall4(long n, long a1, long a2, long a3, long a4) {
  long r;
  register long r10 __asm__("r10") = a4;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
                   : "rcx", "r11", "memory");
  return r;
}
static inline long syscall5(long n, long a1, long a2, long a3, long a4, long a5) {
  long r;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                   : "rcx", "r11", "memory");
  return r;
}
static inline long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
  long r;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return r;
}

#elif defined(__aarch64__)

static inline long syscall0(long n) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0");
  __asm__ volatile("svc #0" : "=r"(x0) : "r"(x8) : "memory");
  return x0;
}
static inline long syscall1(long n, long a1) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a1;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8) : "memory");
  return x0;
}
static inline long syscall2(long n, long a1, long a2) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a1;
  register long x1 __asm__("x1") = a2;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
  return x0;
}
static inline long syscall3(long n, long a1, long a2, long a3) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a1;
  register long x1 __asm__("x1") = a2;
  register long x2 __asm__("x2") = a3;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
static inline long syscall4(long n, long a1, long a2, long a3, long a4) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a1;
  register long x1 __asm__("x1") = a2;
  register long x2 __asm__("x2") = a3;
  register long x3 __asm__("x3") = a4;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}
static inline long syscall5(long n, long a1, long a2, long a3, long a4, long a5) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a1;
  register long x1 __asm__("x1") = a2;
  register long x2 __asm__("x2") = a3;
  register long x3 __asm__("x3") = a4;
  register long x4 __asm__("x4") = a5;
  __asm__ volatile("svc #0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
                   : "memory");
  return x0;
}
static inline long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a1;
  register long x1 __asm__("x1") = a2;
  register long x2 __asm__("x2") = a3;
  register long x3 __asm__("x3") = a4;
  register long x4 __asm__("x4") = a5;
  register long x5 __asm__("x5") = a6;
  __asm__ volatile("svc #0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
}

#else
#error "syscall.h: unsupported architecture"
#endif

// Linux returns errors as -4095..-1; every other value (including large unsigned results
// such as mmap addresses) is a success.
static inline int syscall_failed(long r) { return (unsigned long)r > (unsigned long)-4096L; }
