/*
 * arch/aarch64/fpsimd.S - saving and loading a thread's user FP/SIMD state.
 *
 * The kernel is compiled with -mgeneral-regs-only: no kernel instruction
 * reads or writes q0..q31, FPCR or FPSR, and no exception entry saves them.
 * So while a thread is in the kernel these registers still hold its USER
 * values, and only a switch to another user thread has to save them (and
 * load the other's). The scheduler does that around switch_context
 * (save_user_cpu_state / load_user_cpu_state, thread.cpp). Linux switches
 * them lazily (fpsimd_thread_switch only marks the state as foreign, and
 * the return to user loads it); we simply save and load eagerly on every
 * switch: 64 instructions, and no state machine to explain.
 *
 * TPIDR_EL0 travels with them: it is the user's thread pointer (TLS), which
 * EL0 may change itself with MSR at any time, so it must be read back on
 * every switch too.
 *
 * These need FP/SIMD enabled at EL1 (CPACR_EL1.FPEN = 3, set by
 * boot/aarch64/entry.S), or every instruction below traps (EC 0x07).
 *
 * Register contract of both functions:
 *   x0 = the UserCpuState (context.h); clobbers x1..x3; touches no other
 *   general register and no memory besides *x0.
 */
#include "arch/aarch64/context.h"

        .text
        .balign 4

/* aarch64_fpsimd_save(UserCpuState* x0): registers -> *x0. */
        .globl  aarch64_fpsimd_save
        .type   aarch64_fpsimd_save, %function
aarch64_fpsimd_save:
        stp     q0, q1, [x0, #(USER_STATE_V0 + 0 * 16)]
        stp     q2, q3, [x0, #(USER_STATE_V0 + 2 * 16)]
        stp     q4, q5, [x0, #(USER_STATE_V0 + 4 * 16)]
        stp     q6, q7, [x0, #(USER_STATE_V0 + 6 * 16)]
        stp     q8, q9, [x0, #(USER_STATE_V0 + 8 * 16)]
        stp     q10, q11, [x0, #(USER_STATE_V0 + 10 * 16)]
        stp     q12, q13, [x0, #(USER_STATE_V0 + 12 * 16)]
        stp     q14, q15, [x0, #(USER_STATE_V0 + 14 * 16)]
        stp     q16, q17, [x0, #(USER_STATE_V0 + 16 * 16)]
        stp     q18, q19, [x0, #(USER_STATE_V0 + 18 * 16)]
        stp     q20, q21, [x0, #(USER_STATE_V0 + 20 * 16)]
        stp     q22, q23, [x0, #(USER_STATE_V0 + 22 * 16)]
        stp     q24, q25, [x0, #(USER_STATE_V0 + 24 * 16)]
        stp     q26, q27, [x0, #(USER_STATE_V0 + 26 * 16)]
        stp     q28, q29, [x0, #(USER_STATE_V0 + 28 * 16)]
        stp     q30, q31, [x0, #(USER_STATE_V0 + 30 * 16)]
        mrs     x1, fpcr
        mrs     x2, fpsr
        str     x1, [x0, #USER_STATE_FPCR]          /* (STP's offset reach ends at 504) */
        str     x2, [x0, #USER_STATE_FPSR]
        mrs     x3, tpidr_el0
        str     x3, [x0, #USER_STATE_TPIDR]
        ret
        .size   aarch64_fpsimd_save, . - aarch64_fpsimd_save

/* aarch64_fpsimd_load(const UserCpuState* x0): *x0 -> registers. */
        .globl  aarch64_fpsimd_load
        .type   aarch64_fpsimd_load, %function
aarch64_fpsimd_load:
        ldp     q0, q1, [x0, #(USER_STATE_V0 + 0 * 16)]
        ldp     q2, q3, [x0, #(USER_STATE_V0 + 2 * 16)]
        ldp     q4, q5, [x0, #(USER_STATE_V0 + 4 * 16)]
        ldp     q6, q7, [x0, #(USER_STATE_V0 + 6 * 16)]
        ldp     q8, q9, [x0, #(USER_STATE_V0 + 8 * 16)]
        ldp     q10, q11, [x0, #(USER_STATE_V0 + 10 * 16)]
        ldp     q12, q13, [x0, #(USER_STATE_V0 + 12 * 16)]
        ldp     q14, q15, [x0, #(USER_STATE_V0 + 14 * 16)]
        ldp     q16, q17, [x0, #(USER_STATE_V0 + 16 * 16)]
        ldp     q18, q19, [x0, #(USER_STATE_V0 + 18 * 16)]
        ldp     q20, q21, [x0, #(USER_STATE_V0 + 20 * 16)]
        ldp     q22, q23, [x0, #(USER_STATE_V0 + 22 * 16)]
        ldp     q24, q25, [x0, #(USER_STATE_V0 + 24 * 16)]
        ldp     q26, q27, [x0, #(USER_STATE_V0 + 26 * 16)]
        ldp     q28, q29, [x0, #(USER_STATE_V0 + 28 * 16)]
        ldp     q30, q31, [x0, #(USER_STATE_V0 + 30 * 16)]
        ldr     x1, [x0, #USER_STATE_FPCR]
        ldr     x2, [x0, #USER_STATE_FPSR]
        msr     fpcr, x1
        msr     fpsr, x2
        ldr     x3, [x0, #USER_STATE_TPIDR]
        msr     tpidr_el0, x3
        /* No ISB needed: FPCR/FPSR/TPIDR_EL0 writes are seen by later
         * instructions in order, and the ERET that goes back to user mode
         * is a context synchronization event anyway. */
        ret
        .size   aarch64_fpsimd_load, . - aarch64_fpsimd_load

        .section .note.GNU-stack, "", %progbits
