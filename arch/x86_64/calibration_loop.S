/*
 * arch/x86_64/calibration_loop.S - arch::calibration_loop(rdi = iterations).
 * Two instructions per iteration (kCalibrationLoopInsns): DEC and JNZ.
 */
        .text
        .globl _ZN4arch16calibration_loopEm
_ZN4arch16calibration_loopEm:
        testq   %rdi, %rdi
        jz      2f
1:      decq    %rdi
        jnz     1b
2:      ret

        .section .note.GNU-stack, "", @progbits
