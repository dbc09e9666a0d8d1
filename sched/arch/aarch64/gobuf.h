// sched/arch/aarch64/gobuf.h -- the saved context of a goroutine (Go: runtime2.go's gobuf).
//
// Included by C++ (struct Gobuf) and by context.S (the byte offsets). Go's ABI has no
// callee-saved registers, so Go's gobuf holds little more than sp and pc; C++'s AAPCS64 keeps
// x19-x28, the frame pointer x29 and the low halves of v8-v15 (d8-d15) alive across a call, so a
// switch that "returns" in another goroutine must carry them.
#pragma once

#define GOBUF_SP 0
#define GOBUF_PC 8
#define GOBUF_X19 16
#define GOBUF_X21 32
#define GOBUF_X23 48
#define GOBUF_X25 64
#define GOBUF_X27 80
#define GOBUF_X29 96
#define GOBUF_D8 104
#define GOBUF_D10 120
#define GOBUF_D12 136
#define GOBUF_D14 152
#define GOBUF_SIZE 168

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

namespace rt {

struct Gobuf {
  uintptr_t sp;       // stack pointer to resume with
  uintptr_t pc;       // where to resume (the saved x30)
  uintptr_t x[10];    // x19..x28
  uintptr_t fp;       // x29
  uint64_t d[8];      // d8..d15
};
static_assert(offsetof(Gobuf, sp) == GOBUF_SP && offsetof(Gobuf, pc) == GOBUF_PC);
static_assert(offsetof(Gobuf, x) == GOBUF_X19 && offsetof(Gobuf, fp) == GOBUF_X29);
static_assert(offsetof(Gobuf, d) == GOBUF_D8 && sizeof(Gobuf) == GOBUF_SIZE);

}  // namespace rt
#endif
