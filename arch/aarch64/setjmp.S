/*
 * arch/aarch64/setjmp.S - save and resume a kernel context (arch/arch.h).
 *
 * arch_setjmp(JumpBuffer* x0) saves x19..x28, the frame pointer x29, the
 * link register x30 and sp (AAPCS64 callee-saved; the kernel has no FP
 * registers in use: -mgeneral-regs-only). arch_longjmp(x0, w1) restores them
 * and returns a second time from arch_setjmp with w1.
 */
        .text
        .globl arch_setjmp
arch_setjmp:
        stp     x19, x20, [x0, #0]
        stp     x21, x22, [x0, #16]
        stp     x23, x24, [x0, #32]
        stp     x25, x26, [x0, #48]
        stp     x27, x28, [x0, #64]
        stp     x29, x30, [x0, #80]
        mov     x2, sp
        str     x2, [x0, #96]
        mov     w0, #0
        ret

        .globl arch_longjmp
arch_longjmp:
        ldp     x19, x20, [x0, #0]
        ldp     x21, x22, [x0, #16]
        ldp     x23, x24, [x0, #32]
        ldp     x25, x26, [x0, #48]
        ldp     x27, x28, [x0, #64]
        ldp     x29, x30, [x0, #80]
        ldr     x2, [x0, #96]
        mov     sp, x2
        mov     w0, w1
        ret

        .section .note.GNU-stack, "", %progbits
