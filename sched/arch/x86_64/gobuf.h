// sched/arch/x86_64/gobuf.h -- the saved context of a goroutine (Go: runtime2.go's gobuf).
//
// Included by C++ (struct Gobuf) and by context.S (the byte offsets). Go's own gobuf holds only
// sp, pc and a few words because Go's ABI has no callee-saved registers: at a call every register
// is dead. C++'s SysV ABI keeps rbx rbp r12-r15 alive across a call, so a switch that "returns" in
// another goroutine must carry them too. Everything else is caller-saved: the compiler already
// spilled whatever it needs before calling the switch routine.
#pragma once

#define GOBUF_SP 0
#define GOBUF_PC 8
#define GOBUF_RBX 16
#define GOBUF_RBP 24
#define GOBUF_R12 32
#define GOBUF_R13 40
#define GOBUF_R14 48
#define GOBUF_R15 56
#define GOBUF_SIZE 64

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

namespace rt {

struct Gobuf {
  uintptr_t sp;   // stack pointer to resume with
  uintptr_t pc;   // where to resume
  uintptr_t rbx, rbp, r12, r13, r14, r15;  // callee-saved registers
};
static_assert(offsetof(Gobuf, sp) == GOBUF_SP && offsetof(Gobuf, pc) == GOBUF_PC);
static_assert(offsetof(Gobuf, rbx) == GOBUF_RBX && offsetof(Gobuf, rbp) == GOBUF_RBP);
static_assert(offsetof(Gobuf, r12) == GOBUF_R12 && offsetof(Gobuf, r15) == GOBUF_R15);
static_assert(sizeof(Gobuf) == GOBUF_SIZE);

}  // namespace rt
#endif
