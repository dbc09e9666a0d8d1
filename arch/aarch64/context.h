// arch/aarch64/context.h - what a switched-out thread keeps of the CPU on AArch64.
//
// Two pieces, both per thread (kernel/proc/thread.h holds one of each):
//
//   ThreadContext  the thread's KERNEL registers while another thread runs:
//                  the callee-saved x19..x28, the frame pointer x29, the link
//                  register x30 and sp. switch.S saves and loads them. The
//                  caller-saved x0..x18 need no home: switch_context is an
//                  ordinary function call, so the compiler already assumes
//                  they are lost. Linux: struct cpu_context in
//                  arch/arm64/include/asm/processor.h; xv6-riscv: struct
//                  context in proc.h - the same idea, field for field.
//
//   UserCpuState   the USER registers the kernel itself never touches, so
//                  they still hold the user's values whenever we are in the
//                  kernel: the 32 128-bit FP/SIMD registers q0..q31 with
//                  FPCR/FPSR (the kernel is built -mgeneral-regs-only) and
//                  the thread pointer TPIDR_EL0 (which EL0 may write itself,
//                  with MSR). fpsimd.S saves and loads them on a context
//                  switch. Linux: struct user_fpsimd_state and
//                  thread.uw.tp_value, saved by fpsimd_save_state in
//                  arch/arm64/kernel/entry-fpsimd.S.
//
// (The user's general registers x0..x30, sp_el0, pc and PSTATE are not here:
// they are in the TrapFrame at the top of the thread's kernel stack,
// trap_frame.h.)
//
// The offsets are written twice, as #defines for the assembler and as the
// structs for C++; the static_asserts make the compiler check they agree
// (the same scheme as trap_frame.h).
#pragma once

// ---- ThreadContext, for switch.S --------------------------------------------
#define CONTEXT_X19 0     /* x19..x28, 8 bytes each: x<n> at 8 * (n - 19) */
#define CONTEXT_FP 80     /* x29 */
#define CONTEXT_LR 88     /* x30: where switch_context "returns" to */
#define CONTEXT_SP 96
#define CONTEXT_SIZE 104

// ---- UserCpuState, for fpsimd.S -----------------------------------------------
#define USER_STATE_V0 0        /* q0..q31, 16 bytes each */
#define USER_STATE_FPCR 512    /* FP control: rounding mode, flush-to-zero, trap enables */
#define USER_STATE_FPSR 520    /* FP status: the sticky exception flags */
#define USER_STATE_TPIDR 528   /* TPIDR_EL0, the user's thread pointer */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

namespace arch {

struct ThreadContext {
    uint64_t x19_x28[10] = {};
    uint64_t fp = 0;  // x29
    uint64_t lr = 0;  // x30
    uint64_t sp = 0;
};

struct UserCpuState {
    alignas(16) __uint128_t v[32] = {};  // q0..q31 (v0..v31 as vectors)
    uint64_t fpcr = 0, fpsr = 0;         // 32-bit registers, kept in 64-bit slots
    uint64_t tpidr_el0 = 0;
};

static_assert(offsetof(ThreadContext, x19_x28) == CONTEXT_X19);
static_assert(offsetof(ThreadContext, fp) == CONTEXT_FP);
static_assert(offsetof(ThreadContext, lr) == CONTEXT_LR);
static_assert(offsetof(ThreadContext, sp) == CONTEXT_SP);
static_assert(sizeof(ThreadContext) == CONTEXT_SIZE);
static_assert(offsetof(UserCpuState, v) == USER_STATE_V0);
static_assert(offsetof(UserCpuState, fpcr) == USER_STATE_FPCR);
static_assert(offsetof(UserCpuState, fpsr) == USER_STATE_FPSR);
static_assert(offsetof(UserCpuState, tpidr_el0) == USER_STATE_TPIDR);
// LDP/STP of q registers need no alignment, but keep the 16-byte slots on
// 16-byte boundaries anyway (one cache line holds four of them exactly).
static_assert(alignof(UserCpuState) == 16);

}  // namespace arch
#endif
