// sched/arch/aarch64/arch.h -- what the runtime needs from an AArch64 CPU.
//
// The arch-neutral runtime includes "arch.h" and gets this file or its x86-64 twin from the
// include path (-Isched/arch/<arch>), never an #ifdef.
#pragma once

#include <stdint.h>

#include "gobuf.h"

namespace rt::arch {

inline constexpr const char* kName = "aarch64";

// The cycle counter every trace point and benchmark reads (Go: cputicks). CNTVCT_EL0 is
// readable from EL0 on Linux and Handoff; under QEMU with -icount shift=4 it advances exactly
// once per guest instruction. No ISB: a trace point wants to be cheap, not serialising.
inline uint64_t cputicks() {
  uint64_t v;
  __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
  return v;
}

// One busy-wait step while spinning on a lock (Go: procyield's YIELD loop).
inline void procyield(uint32_t cycles) {
  for (uint32_t i = 0; i < cycles; i++) __asm__ volatile("yield" ::: "memory");
}

// sp must always be 16-byte aligned on AArch64 (the hardware checks it).
inline constexpr uintptr_t kStackAlign = 16;

}  // namespace rt::arch
