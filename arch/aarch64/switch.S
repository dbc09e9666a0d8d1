/*
 * arch/aarch64/switch.S - switching kernel threads: switch_context and the
 * first code every new thread runs.
 *
 * A thread that is not running is always stopped inside switch_context,
 * called from the scheduler (kernel/sched/sched.cpp, switch_away). To stop
 * it we store the registers a C function must preserve across a call (the
 * AAPCS64 callee-saved x19..x28, the frame pointer x29, the link register
 * x30) and sp in its ThreadContext (context.h); to resume another thread we
 * load that thread's, and RET jumps to the x30 just loaded - back into the
 * scheduler call it made when it stopped. The caller-saved x0..x18 are dead
 * across any call anyway, and the FP/SIMD registers are user state that the
 * scheduler saves separately (fpsimd.S). Linux: cpu_switch_to in
 * arch/arm64/kernel/entry.S; xv6-riscv: swtch.S.
 *
 * Register contract of switch_context(ThreadContext* from, const ThreadContext* to):
 *   on entry   x0 = from, x1 = to, x30 = the caller's return address,
 *              IRQs masked (the scheduler's rule: nothing may run on this
 *              CPU between the save and the load).
 *   clobbers   x9, and - as seen by the caller - nothing else a call may not
 *              clobber: when it returns, it is to `from`'s caller, with
 *              from's x19..x30 and sp back.
 *   on return  in the OTHER thread: its x19..x30 and sp, x0/x1 meaningless.
 *              Memory is not touched besides the two contexts, so no
 *              barrier is needed on one CPU; the scheduler's lock (held
 *              across the switch) orders everything between CPUs.
 *
 * Not switched here: the per-thread kernel stack for traps from EL0 needs no
 * work on AArch64 (SP_EL1 is just this sp), and TPIDR_EL0 is user state,
 * loaded by load_user_cpu_state.
 */
#include "arch/aarch64/context.h"

        .text
        .balign 4
        .globl  switch_context
        .type   switch_context, %function
switch_context:
        /* Save `from`. */
        stp     x19, x20, [x0, #(CONTEXT_X19 + 0 * 8)]
        stp     x21, x22, [x0, #(CONTEXT_X19 + 2 * 8)]
        stp     x23, x24, [x0, #(CONTEXT_X19 + 4 * 8)]
        stp     x25, x26, [x0, #(CONTEXT_X19 + 6 * 8)]
        stp     x27, x28, [x0, #(CONTEXT_X19 + 8 * 8)]
        stp     x29, x30, [x0, #CONTEXT_FP]         /* fp and lr are adjacent */
        mov     x9, sp                              /* STR cannot store sp itself */
        str     x9, [x0, #CONTEXT_SP]

        /* Load `to`: from here on we run on its stack. */
        ldp     x19, x20, [x1, #(CONTEXT_X19 + 0 * 8)]
        ldp     x21, x22, [x1, #(CONTEXT_X19 + 2 * 8)]
        ldp     x23, x24, [x1, #(CONTEXT_X19 + 4 * 8)]
        ldp     x25, x26, [x1, #(CONTEXT_X19 + 6 * 8)]
        ldp     x27, x28, [x1, #(CONTEXT_X19 + 8 * 8)]
        ldp     x29, x30, [x1, #CONTEXT_FP]
        ldr     x9, [x1, #CONTEXT_SP]
        mov     sp, x9
        ret                                         /* to `to`'s x30 */
        .size   switch_context, . - switch_context

/*
 * aarch64_thread_start - where the first switch_context to a new thread
 * "returns" to (init_thread_context in thread.cpp puts its address in the
 * context's lr). Linux: ret_from_fork, which also takes the function and
 * its argument from x19 and x20.
 *
 *   on entry   x19 = entry, x20 = arg (from the context), x29 = 0 (so a
 *              backtrace stops here), sp = the stack top given to
 *              init_thread_context, 16-byte aligned as AAPCS64 requires at
 *              every public interface; IRQs masked, the scheduler's lock
 *              held (sched_thread_start releases both).
 *
 * sched_thread_start(entry, arg) never returns: it finishes the switch and
 * calls entry(arg), which must not return either (it panics if it does).
 */
        .globl  aarch64_thread_start
        .type   aarch64_thread_start, %function
aarch64_thread_start:
        mov     x0, x19
        mov     x1, x20
        bl      sched_thread_start
        brk     #0x1                /* not reached */
        .size   aarch64_thread_start, . - aarch64_thread_start

        .section .note.GNU-stack, "", %progbits
