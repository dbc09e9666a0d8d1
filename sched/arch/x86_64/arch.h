// sched/arch/x86_64/arch.h -- what the runtime needs from an x86-64 CPU.
//
// The arch-neutral runtime includes "arch.h" and gets this file or its aarch64 twin from the
// include path (-Isched/arch/<arch>), never an #ifdef.
#pragma once

#include <stdint.h>

#include "gobuf.h"

namespace rt::arch {

inline constexpr const char* kName = "x86_64";

// The cycle counter every trace point and benchmark reads (Go: cputicks). Under QEMU with
// -icount shift=0 the TSC advances exactly once per guest instruction, so differences are
// instruction counts. No lfence: a trace point wants to be cheap, not serialising.
inline uint64_t cputicks() {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

// One busy-wait step while spinning on a lock (Go: procyield's PAUSE loop).
inline void procyield(uint32_t cycles) {
  for (uint32_t i = 0; i < cycles; i++) __asm__ volatile("pause" ::: "memory");
}

// A goroutine's stack pointer when it starts: 16-byte aligned, because rt_gostart is entered
// by a jump (no return address pushed) and then CALLs C++ code, which expects rsp % 16 == 8
// at its first instruction.
inline constexpr uintptr_t kStackAlign = 16;

}  // namespace rt::arch
