// sched/arch/x86_64/syscall_insn.h -- the raw system call instruction (Go: RawSyscall6 in
// syscall/asm_linux_amd64.s), inline so RawSyscall costs no more than the trap itself.
//
// Linux x86-64: number in rax; arguments rdi rsi rdx r10 r8 r9; result in rax (-errno on
// failure). SYSCALL overwrites rcx (return rip) and r11 (saved rflags), so both are clobbered;
// "memory" because the kernel may read or write any buffer we pass. (user/lib/syscall.h has the
// same for C programs; this file exists because the runtime is also built against glibc, whose
// headers define the SYS_* names user/lib's version brings along.)
#pragma once

namespace rt::arch {

inline long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
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

}  // namespace rt::arch
