// sched/arch/aarch64/syscall_insn.h -- the raw system call instruction (Go: RawSyscall6 in
// syscall/asm_linux_arm64.s), inline so RawSyscall costs no more than the trap itself.
//
// Linux AArch64: number in x8; arguments x0-x5; SVC #0; result in x0 (-errno on failure).
// Nothing else is clobbered; "memory" because the kernel may read or write any buffer we pass.
// (user/lib/syscall.h has the same for C programs; see the x86-64 twin for why this exists.)
#pragma once

namespace rt::arch {

inline long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
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

}  // namespace rt::arch
