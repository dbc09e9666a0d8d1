// user/lib/arch/aarch64/crt0.S -- process entry of a Handoff (Linux-ABI) static program.
//
// The kernel enters _start with sp -> argc, argv[0..argc-1], NULL, envp[...], NULL,
// auxv (type, value)..., AT_NULL; sp is 16-byte aligned (AAPCS64 requires that at all times
// anyway); x0 is 0 for a static program (a dynamic linker's atexit hook: ignored).
// We hand sp to __handoff_start(long* sp) (start.cpp), which never returns.
        .text
        .globl  _start
        .type   _start, %function
_start:
        .cfi_startproc
        .cfi_undefined x30          // outermost frame: debuggers stop unwinding here
        mov     x29, #0             // frame-pointer chain ends here
        mov     x30, #0             // and there is no return address
        mov     x0, sp              // arg 1: the initial stack (argc, argv, envp, auxv)
        and     x1, x0, #~15        // keep sp 16-byte aligned (it already is)
        mov     sp, x1
        bl      __handoff_start
        brk     #0                  // not reached
        .cfi_endproc
        .size   _start, . - _start

        .section .note.GNU-stack, "", %progbits
