// user/lib/arch/x86_64/crt0.S -- process entry of a Handoff (Linux-ABI) static program.
//
// The kernel enters _start with (System V AMD64 ABI, "Process Initialization"):
//   %rsp -> argc, argv[0..argc-1], NULL, envp[...], NULL, auxv (type, value)..., AT_NULL
//   %rsp 16-byte aligned; %rdx = a function for atexit (dynamic linker's; 0 from Linux for a
//   static program -- we ignore it); all other registers unspecified.
// We hand the original %rsp to __handoff_start(long* sp) (start.cpp), which never returns.
        .text
        .globl  _start
        .type   _start, @function
_start:
        .cfi_startproc
        .cfi_undefined rip          // outermost frame: debuggers stop unwinding here
        xorl    %ebp, %ebp          // frame-pointer chain ends here
        movq    %rsp, %rdi          // arg 1: the initial stack (argc, argv, envp, auxv)
        andq    $-16, %rsp          // the ABI wants 16-byte alignment at the call ...
        call    __handoff_start     // ... so the callee sees (%rsp + 8) % 16 == 0
        hlt                         // not reached (privileged: faults if it ever is)
        .cfi_endproc
        .size   _start, . - _start

        .section .note.GNU-stack, "", @progbits
