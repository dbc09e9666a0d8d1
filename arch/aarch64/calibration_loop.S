/*
 * arch/aarch64/calibration_loop.S - arch::calibration_loop(x0 = iterations).
 * Two instructions per iteration (kCalibrationLoopInsns): SUBS and B.NE.
 */
        .text
        .globl _ZN4arch16calibration_loopEm
_ZN4arch16calibration_loopEm:
        cbz     x0, 2f
1:      subs    x0, x0, #1
        b.ne    1b
2:      ret

        .section .note.GNU-stack, "", %progbits
