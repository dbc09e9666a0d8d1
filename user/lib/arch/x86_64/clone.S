// user/lib/arch/x86_64/clone.S -- create a thread with the raw Linux clone(2) system call.
//
// long __handoff_clone(unsigned long flags, void* stack_top, int* parent_tid, int* child_tid,
//                      void* tls, void (*fn)(void*), void* arg);
//   returns the new thread's tid in the parent, or -errno. The child starts on stack_top with
//   the thread pointer = tls and runs fn(arg); if fn returns, the thread exits (SYS_exit).
//
// Why assembly: after clone the child has the SAME registers as the parent but a different
// stack, so it cannot return through the C function that called clone (its frame lives on the
// parent's stack). We park fn and arg on the child's stack before the syscall and pick them
// up from there in the child.
// x86-64 clone argument order: (flags, stack, parent_tid, child_tid, tls) -- note aarch64's
// differs (tls and child_tid swapped, CONFIG_CLONE_BACKWARDS).
        .text
        .globl  __handoff_clone
        .type   __handoff_clone, @function
__handoff_clone:
        .cfi_startproc
        movq    8(%rsp), %rax       // arg 7: arg
        andq    $-16, %rsi          // child stack: 16-byte aligned ...
        subq    $16, %rsi
        movq    %r9, 0(%rsi)        // ... with fn
        movq    %rax, 8(%rsi)       // ... and arg on top
        movq    %rcx, %r10          // syscall arg 4 travels in r10 (syscall clobbers rcx)
        movl    $56, %eax           // SYS_clone
        syscall                     // rdi flags, rsi stack, rdx ptid, r10 ctid, r8 tls
        testq   %rax, %rax
        jz      1f
        ret                         // parent: tid or -errno
1:      // child: fresh stack, thread pointer already set by CLONE_SETTLS
        .cfi_undefined rip
        xorl    %ebp, %ebp
        popq    %rax                // fn
        popq    %rdi                // arg; %rsp is 16-byte aligned again for the call
        call    *%rax
        xorl    %edi, %edi
        movl    $60, %eax           // SYS_exit (this thread only)
        syscall
        hlt
        .cfi_endproc
        .size   __handoff_clone, . - __handoff_clone

        .section .note.GNU-stack, "", @progbits
