// arch/aarch64/trap_frame.h - the registers an exception saves, shared by
// vectors.S (which builds the frame) and traps.cpp (which reads it).
//
// Every exception - a fault, an interrupt, and later a system call from EL0 -
// builds exactly one TrapFrame on the kernel stack (SP_EL1), so the C++ side
// has one type for "the interrupted context". Linux calls it `struct pt_regs`
// (arch/arm64/include/asm/ptrace.h); xv6-riscv's is `struct trapframe`.
//
// The offsets below are written twice: as #defines for the assembler and as
// the struct for C++. The static_asserts at the bottom make the compiler check
// that both say the same thing, so editing one without the other fails the
// build instead of corrupting registers at run time.
#pragma once

// ---- Byte offsets, for vectors.S --------------------------------------------
#define TRAP_FRAME_X0 0          /* x0..x30, 8 bytes each: x<n> at 8 * n */
#define TRAP_FRAME_X30 240
#define TRAP_FRAME_SP_EL0 248    /* the user stack pointer (EL0's SP) */
#define TRAP_FRAME_ELR 256       /* where to return: the interrupted pc */
#define TRAP_FRAME_SPSR 264      /* the interrupted PSTATE (EL, DAIF, NZCV) */
#define TRAP_FRAME_ESR 272       /* why: exception class and details */
#define TRAP_FRAME_FAR 280       /* the faulting address (aborts only) */
#define TRAP_FRAME_RECORD 288    /* {x29, elr}: a frame record for backtraces */
#define TRAP_FRAME_SIZE 304      /* a multiple of 16: SP must stay 16-aligned */

// ---- Which of the 16 vectors was taken, passed to the dispatcher in w1 ------
// VBAR_EL1 holds four groups of four entries; the group says where the
// exception came from, the position in the group what kind it is. The kind
// number is the entry's index in the table: group * 4 + type.
#define VECTOR_TYPE_SYNC 0       /* an instruction caused it (fault, SVC, BRK) */
#define VECTOR_TYPE_IRQ 1        /* an interrupt */
#define VECTOR_TYPE_FIQ 2        /* a fast interrupt (unused: the GIC sends IRQs) */
#define VECTOR_TYPE_SERROR 3     /* an asynchronous external abort */
#define VECTOR_FROM_EL1T 0       /* EL1 running on SP_EL0: never used by Handoff */
#define VECTOR_FROM_EL1H 1       /* EL1 on its own stack SP_EL1: the kernel */
#define VECTOR_FROM_EL0_64 2     /* EL0 in AArch64 state: user programs */
#define VECTOR_FROM_EL0_32 3     /* EL0 in AArch32 state: not supported */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct TrapFrame {
    uint64_t x[31];     // general registers x0..x30 (x29 = frame pointer, x30 = link register)
    uint64_t sp_el0;    // EL0's stack pointer; the kernel's own SP is the frame's end
    uint64_t elr;       // ELR_EL1: return address (faulting instruction, or the next one for SVC)
    uint64_t spsr;      // SPSR_EL1: PSTATE at the time of the exception
    uint64_t esr;       // ESR_EL1: exception syndrome
    uint64_t far;       // FAR_EL1: fault address (valid for aborts and alignment faults)
    // A fake stack frame {previous frame pointer, return address} =
    // {interrupted x29, elr}: x29 points here while the C++ handler runs, so a
    // frame-pointer backtrace walks from the handler straight into the
    // interrupted code as if it had called the handler (Linux: pt_regs's
    // stackframe). Zeroed for exceptions from EL0, which ends the walk.
    uint64_t frame_record[2];
};

static_assert(offsetof(TrapFrame, x) == TRAP_FRAME_X0);
static_assert(offsetof(TrapFrame, x) + 30 * 8 == TRAP_FRAME_X30);
static_assert(offsetof(TrapFrame, sp_el0) == TRAP_FRAME_SP_EL0);
static_assert(offsetof(TrapFrame, elr) == TRAP_FRAME_ELR);
static_assert(offsetof(TrapFrame, spsr) == TRAP_FRAME_SPSR);
static_assert(offsetof(TrapFrame, esr) == TRAP_FRAME_ESR);
static_assert(offsetof(TrapFrame, far) == TRAP_FRAME_FAR);
static_assert(offsetof(TrapFrame, frame_record) == TRAP_FRAME_RECORD);
static_assert(sizeof(TrapFrame) == TRAP_FRAME_SIZE);
static_assert(sizeof(TrapFrame) % 16 == 0, "AArch64 requires a 16-byte aligned SP");

// The one C++ entry point of every exception (arch/aarch64/traps.cpp).
// `kind` = VECTOR_FROM_* * 4 + VECTOR_TYPE_*. Runs with IRQs masked (the CPU
// sets PSTATE.DAIF on exception entry) on the stack the frame is on.
extern "C" void aarch64_trap(TrapFrame* frame, unsigned kind);
#endif
