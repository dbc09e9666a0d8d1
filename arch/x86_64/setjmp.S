/*
 * arch/x86_64/setjmp.S - save and resume a kernel context (arch/arch.h).
 *
 * arch_setjmp(JumpBuffer* rdi) saves the System V callee-saved registers,
 * the stack pointer and the return address; arch_longjmp(rdi, esi) restores
 * them and returns a second time from arch_setjmp with esi. Used to get out
 * of a trap handler back into a test that expected the trap.
 */
        .text
        .globl arch_setjmp
arch_setjmp:
        movq    %rbx, 0(%rdi)
        movq    %rbp, 8(%rdi)
        movq    %r12, 16(%rdi)
        movq    %r13, 24(%rdi)
        movq    %r14, 32(%rdi)
        movq    %r15, 40(%rdi)
        leaq    8(%rsp), %rax           /* the caller's rsp after we return */
        movq    %rax, 48(%rdi)
        movq    (%rsp), %rax            /* our return address */
        movq    %rax, 56(%rdi)
        xorl    %eax, %eax
        ret

        .globl arch_longjmp
arch_longjmp:
        movq    0(%rdi), %rbx
        movq    8(%rdi), %rbp
        movq    16(%rdi), %r12
        movq    24(%rdi), %r13
        movq    32(%rdi), %r14
        movq    40(%rdi), %r15
        movq    48(%rdi), %rsp
        movl    %esi, %eax
        jmpq    *56(%rdi)

        .section .note.GNU-stack, "", @progbits
