// user/lib/arch/aarch64/clone.S -- create a thread with the raw Linux clone(2) system call.
//
// long __handoff_clone(unsigned long flags, void* stack_top, int* parent_tid, int* child_tid,
//                      void* tls, void (*fn)(void*), void* arg);
//   returns the new thread's tid in the parent, or -errno. The child starts on stack_top with
//   TPIDR_EL0 = tls and runs fn(arg); if fn returns, the thread exits (SYS_exit).
//
// Why assembly: the child cannot return through its C caller's frame (that is on the
// parent's stack), so fn and arg are parked on the child's stack before the syscall.
// arm64 uses the generic clone with CONFIG_CLONE_BACKWARDS:
//   clone(flags, stack, parent_tid, tls, child_tid)   -- tls 4th, child_tid 5th,
// unlike x86-64's (flags, stack, parent_tid, child_tid, tls).
        .text
        .globl  __handoff_clone
        .type   __handoff_clone, %function
__handoff_clone:
        .cfi_startproc
        and     x1, x1, #~15        // child stack: 16-byte aligned ...
        stp     x5, x6, [x1, #-16]! // ... with fn and arg on top
        mov     x9, x3              // swap child_tid and tls into the arm64 order
        mov     x3, x4
        mov     x4, x9
        mov     x8, #220            // SYS_clone
        svc     #0
        cbz     x0, 1f
        ret                         // parent: tid or -errno
1:      // child: fresh stack, TPIDR_EL0 already set by CLONE_SETTLS
        .cfi_undefined x30
        mov     x29, #0
        mov     x30, #0
        ldp     x9, x0, [sp], #16   // fn, arg
        blr     x9
        mov     x0, #0
        mov     x8, #93             // SYS_exit (this thread only)
        svc     #0
        brk     #0
        .cfi_endproc
        .size   __handoff_clone, . - __handoff_clone

        .section .note.GNU-stack, "", %progbits
