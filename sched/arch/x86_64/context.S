// sched/arch/x86_64/context.S -- switching between goroutine stacks (Go: asm_amd64.s).
//
// Register contract (SysV x86-64): arguments in rdi rsi rdx rcx; rbx rbp r12-r15 and rsp are
// callee-saved, everything else may be clobbered by a call. A Gobuf (gobuf.h) holds exactly the
// callee-saved set plus sp and pc, so "resuming" a Gobuf looks to the code that saved it like an
// ordinary return from the saving call.
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

        .globl rt_gosave
        .type rt_gosave, @function
rt_gosave:
        lea 8(%rsp), %rax               // the caller's sp once we have returned
        mov %rax, GOBUF_SP(%rdi)
        mov (%rsp), %rax                // our return address: where the caller continues
        mov %rax, GOBUF_PC(%rdi)
        mov %rbx, GOBUF_RBX(%rdi)
        mov %rbp, GOBUF_RBP(%rdi)
        mov %r12, GOBUF_R12(%rdi)
        mov %r13, GOBUF_R13(%rdi)
        mov %r14, GOBUF_R14(%rdi)
        mov %r15, GOBUF_R15(%rdi)
        xor %eax, %eax
        ret
        .size rt_gosave, . - rt_gosave

        .globl rt_gogo
        .type rt_gogo, @function
rt_gogo:
        mov GOBUF_RBX(%rdi), %rbx
        mov GOBUF_RBP(%rdi), %rbp
        mov GOBUF_R12(%rdi), %r12
        mov GOBUF_R13(%rdi), %r13
        mov GOBUF_R14(%rdi), %r14
        mov GOBUF_R15(%rdi), %r15
        mov GOBUF_SP(%rdi), %rsp
        mov %rsi, %rax                  // what rt_gosave appears to return
        jmp *GOBUF_PC(%rdi)
        .size rt_gogo, . - rt_gogo

        .globl rt_mcall_switch
        .type rt_mcall_switch, @function
rt_mcall_switch:
        lea 8(%rsp), %rax               // same as rt_gosave: the caller resumes after this call
        mov %rax, GOBUF_SP(%rdi)
        mov (%rsp), %rax
        mov %rax, GOBUF_PC(%rdi)
        mov %rbx, GOBUF_RBX(%rdi)
        mov %rbp, GOBUF_RBP(%rdi)
        mov %r12, GOBUF_R12(%rdi)
        mov %r13, GOBUF_R13(%rdi)
        mov %r14, GOBUF_R14(%rdi)
        mov %r15, GOBUF_R15(%rdi)
        mov %rsi, %rsp                  // g0's stack, 16-byte aligned: the call below is ABI-clean
        xor %ebp, %ebp                  // end of the frame chain for debuggers
        mov %rdx, %rdi                  // rt_mcall_entry(gp, fn)
        mov %rcx, %rsi
        call rt_mcall_entry
        ud2                             // rt_mcall_entry never returns
        .size rt_mcall_switch, . - rt_mcall_switch

        .globl rt_gostart
        .type rt_gostart, @function
rt_gostart:
        xor %ebp, %ebp                  // the goroutine's outermost frame
        call rt_goentry
        ud2                             // rt_goentry ends in goexit, never returns
        .size rt_gostart, . - rt_gostart

        .section .note.GNU-stack, "", @progbits
