// sched/arch/aarch64/context.S -- switching between goroutine stacks (Go: asm_arm64.s).
//
// Register contract (AAPCS64): arguments in x0-x3, return address in x30; x19-x29, sp and
// d8-d15 are callee-saved, everything else may be clobbered by a call. A Gobuf (gobuf.h) holds
// exactly the callee-saved set plus sp and pc (= x30 at the saving call), so "resuming" a Gobuf
// looks to the code that saved it like an ordinary return from the saving call.
//
//   uintptr_t rt_gosave(Gobuf* buf)                   save the caller's context; returns 0 now,
//                                                     and the `ret` of a later rt_gogo(buf, ret)
//   void rt_gogo(Gobuf* buf, uintptr_t ret)           restore buf and jump; never returns
//   void rt_mcall_switch(Gobuf* save, uintptr_t sp,   save the caller's context in *save, move to
//                        G* gp, void (*fn)(G*))       stack sp and call rt_mcall_entry(gp, fn);
//                                                     resumes when someone rt_gogo's *save
//   rt_gostart                                        first pc of every new goroutine
#include "gobuf.h"

        .text

// Store the callee-saved registers, sp and x30 into the Gobuf at x0.
.macro SAVE_CONTEXT
        mov x9, sp
        str x9, [x0, #GOBUF_SP]
        str x30, [x0, #GOBUF_PC]
        stp x19, x20, [x0, #GOBUF_X19]
        stp x21, x22, [x0, #GOBUF_X21]
        stp x23, x24, [x0, #GOBUF_X23]
        stp x25, x26, [x0, #GOBUF_X25]
        stp x27, x28, [x0, #GOBUF_X27]
        str x29, [x0, #GOBUF_X29]
        stp d8, d9, [x0, #GOBUF_D8]
        stp d10, d11, [x0, #GOBUF_D10]
        stp d12, d13, [x0, #GOBUF_D12]
        stp d14, d15, [x0, #GOBUF_D14]
.endm

        .globl rt_gosave
        .type rt_gosave, %function
rt_gosave:
        SAVE_CONTEXT
        mov x0, #0
        ret
        .size rt_gosave, . - rt_gosave

        .globl rt_gogo
        .type rt_gogo, %function
rt_gogo:
        ldp x19, x20, [x0, #GOBUF_X19]
        ldp x21, x22, [x0, #GOBUF_X21]
        ldp x23, x24, [x0, #GOBUF_X23]
        ldp x25, x26, [x0, #GOBUF_X25]
        ldp x27, x28, [x0, #GOBUF_X27]
        ldr x29, [x0, #GOBUF_X29]
        ldp d8, d9, [x0, #GOBUF_D8]
        ldp d10, d11, [x0, #GOBUF_D10]
        ldp d12, d13, [x0, #GOBUF_D12]
        ldp d14, d15, [x0, #GOBUF_D14]
        ldr x9, [x0, #GOBUF_SP]
        mov sp, x9
        ldr x9, [x0, #GOBUF_PC]
        mov x30, x9                     // as if the saving call had just returned
        mov x0, x1                      // what rt_gosave appears to return
        br x9
        .size rt_gogo, . - rt_gogo

        .globl rt_mcall_switch
        .type rt_mcall_switch, %function
rt_mcall_switch:
        SAVE_CONTEXT
        mov sp, x1                      // g0's stack
        mov x29, #0                     // end of the frame chain for debuggers
        mov x0, x2                      // rt_mcall_entry(gp, fn)
        mov x1, x3
        bl rt_mcall_entry
        brk #0                          // rt_mcall_entry never returns
        .size rt_mcall_switch, . - rt_mcall_switch

        .globl rt_gostart
        .type rt_gostart, %function
rt_gostart:
        mov x29, #0                     // the goroutine's outermost frame
        mov x30, #0
        bl rt_goentry
        brk #0                          // rt_goentry ends in goexit, never returns
        .size rt_gostart, . - rt_gostart

        .section .note.GNU-stack, "", %progbits
