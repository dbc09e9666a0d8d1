/*
 * arch/x86_64/switch.S - switching kernel threads (arch::switch_context) and
 * the first instructions of a new one.
 *
 * Compare xv6's swtch.S and Linux's __switch_to_asm / ret_from_fork in
 * arch/x86/entry/entry_64.S.
 *
 * A switched-out thread's kernel registers live on its own kernel stack; its
 * ThreadContext only remembers where (the saved rsp). switch_context is an
 * ordinary function call, so of the registers the System V ABI lets a callee
 * clobber (rax rcx rdx rsi rdi r8-r11) nothing needs saving: the caller
 * expects them clobbered. Only the callee-saved ones - rbx rbp r12-r15 and
 * rsp - must come back as they were, plus the return address, which the
 * call already pushed. (The x87 control word and MXCSR are callee-saved too,
 * but the kernel is built -mgeneral-regs-only and never touches them; the
 * user's FP state is switched separately, see thread.cpp.)
 *
 * Register contract of switch_context(from = rdi, to = rsi):
 *   on entry  interrupts off; rdi, rsi as above; (%rsp) = our return address
 *   on exit   (when some CPU switches back to `from`) rbx rbp r12-r15 rsp
 *             as on entry, returning to the caller; rax rcx rdx rsi rdi
 *             r8-r11 clobbered; interrupts still off
 */
#include "arch/x86_64/entry.h"

        .text
        .globl  switch_context
switch_context:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, CTX_RSP(%rdi)     /* from->rsp: everything else is below it */
        movq    CTX_RSP(%rsi), %rsp     /* now on `to`'s stack */
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret                             /* to wherever `to` called switch_context */

/*
 * The first switch to a new thread "returns" here: x86::init_context() built
 * its stack to look like a switched-out switch_context whose return address
 * is this label, with
 *   rbx = entry, r12 = arg, r13 = the start function to call (normally
 *   sched_thread_start, which never returns)
 *   rbp = 0, so a frame-pointer backtrace stops here
 *   rsp = the stack top, 16-byte aligned, so the call below leaves the
 *         callee the alignment the ABI promises it ((rsp + 8) % 16 == 0).
 */
        .globl  x86_thread_trampoline
x86_thread_trampoline:
        movq    %rbx, %rdi              /* entry */
        movq    %r12, %rsi              /* arg */
        call    *%r13                   /* start(entry, arg) */
        ud2                             /* start functions never return */

        .section .note.GNU-stack, "", @progbits
