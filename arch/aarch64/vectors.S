/*
 * arch/aarch64/vectors.S - where the CPU goes on every exception at EL1,
 * and the one way back out: to the kernel, or to user mode (EL0).
 *
 * AArch64 has no per-cause table like the x86 IDT. VBAR_EL1 points at one
 * 2 KiB table of 16 entries, 128 bytes (32 instructions) each, chosen by
 * where the exception came from and what kind it is:
 *
 *   offset  from                                 sync   IRQ    FIQ    SError
 *   0x000   current EL, SP_EL0  ("EL1t")         0x000  0x080  0x100  0x180
 *   0x200   current EL, SP_ELx  ("EL1h")         0x200  0x280  0x300  0x380
 *   0x400   lower EL, AArch64   (EL0 programs)   0x400  0x480  0x500  0x580
 *   0x600   lower EL, AArch32   (unsupported)    0x600  0x680  0x700  0x780
 *
 * The cause itself is in ESR_EL1 (traps.cpp decodes it). Every entry does the
 * same thing: build one TrapFrame (trap_frame.h) on the current stack, call
 * aarch64_trap(frame, kind) in C++, restore everything from the frame and
 * ERET. A system call is no different: SVC from EL0 is just a synchronous
 * exception whose ESR class is 0x15, and its arguments are the saved x0..x5
 * and x8. Compare Linux's arch/arm64/kernel/entry.S (vectors, kernel_ventry,
 * kernel_entry / kernel_exit, ret_to_user) and xv6-riscv's kernelvec.S /
 * trampoline.S.
 *
 * Register contract
 * -----------------
 * On entry (set by the CPU):
 *   ELR_EL1   the interrupted pc: the faulting instruction for aborts and
 *             undefined instructions, the instruction AFTER an SVC.
 *   SPSR_EL1  the interrupted PSTATE (its EL, SP choice, DAIF mask, flags).
 *   ESR_EL1   the syndrome; FAR_EL1 the faulting address for aborts.
 *   PSTATE    EL1, SP_EL1 selected, D, A, I, F all masked: no interrupt can
 *             arrive while we save state.
 *   sp        SP_EL1. From EL1h that is the interrupted kernel stack; from
 *             EL0 it is whatever SP_EL1 held when we ERET'ed to user mode,
 *             i.e. the top of the current thread's kernel stack: every
 *             return to EL0 pops a frame that sits at the very top, and a
 *             context switch saves and restores sp with the rest of the
 *             thread (thread.cpp; traps.cpp checks it on every EL0 entry).
 *             So the frame built here IS the thread's user_frame. TPIDR_EL1
 *             (this CPU's `Cpu`) cannot be changed by EL0, so it is valid too.
 *   PSTATE.PAN  set by the exception entry (SCTLR_EL1.SPAN = 0): the kernel
 *             cannot touch user memory by accident (uaccess.S uses LDTR/STTR).
 *   x0..x30   the interrupted program's values, all live: nothing may be
 *             touched before it is stored. For an SVC from EL0 they are the
 *             Linux syscall ABI: x8 = number, x0..x5 = arguments.
 *   sp_el0    EL0's stack pointer (user mode); unused by the kernel.
 *   q0..q31, FPCR, FPSR, TPIDR_EL0   the user's, and NOT saved here: the
 *             kernel never uses them (-mgeneral-regs-only), so they stay
 *             intact; a context switch saves them (fpsimd.S).
 *
 * While aarch64_trap runs:
 *   x0 = the TrapFrame (also sp), w1 = the vector kind (index 0..15),
 *   x29 = the frame's frame_record, so backtraces see the interrupted code.
 *
 * On ERET (restored from the frame, so C++ may edit it first):
 *   x0..x30, sp_el0, ELR_EL1, SPSR_EL1 = the frame's values (a syscall's
 *   result goes in frame->x[0]; skipping an instruction is frame->elr += 4);
 *   sp = its value before the exception (for EL0: the top of the kernel
 *   stack again). ESR/FAR are not written back. IRQs are masked from the
 *   first instruction of trap_return to the ERET, whatever the C++ code did,
 *   because an interrupt would overwrite ELR_EL1/SPSR_EL1 once loaded; the
 *   ERET then sets PSTATE (and so the IRQ mask) from the frame's SPSR.
 *   Every register is reloaded, so nothing of the kernel leaks to EL0.
 *
 * Not handled (as in xv6): a kernel stack overflow. If SP_EL1 itself points
 * at unmapped memory the first store below faults again, forever. Linux
 * detects that in kernel_ventry by testing SP against the stack's alignment
 * and switching to a per-CPU overflow stack.
 */
#include "arch/aarch64/trap_frame.h"

/* One table entry: make room for the frame, free two registers by saving
 * them, put the entry's kind in w1 and continue in the common code (an entry
 * has only 32 instructions of room; the common code needs more). The .org
 * places entry `kind` at exactly kind * 128 bytes into the table, and fails
 * the build if the entry before it grew too long. */
.macro vector_entry kind, common
        .org    exception_vectors + \kind * 128
        sub     sp, sp, #TRAP_FRAME_SIZE
        stp     x0, x1, [sp, #TRAP_FRAME_X0]
        mov     w1, #\kind
        b       \common
.endm

/* Save everything else in the frame (x0, x1 are already there), set up the
 * frame record, call aarch64_trap(frame, kind) and return through
 * trap_return. `from_el0` = 1 ends the backtrace at the frame: EL0's x29 and
 * pc mean nothing in the kernel's address space. */
.macro save_frame_and_call from_el0
        stp     x2, x3, [sp, #(TRAP_FRAME_X0 + 2 * 8)]
        stp     x4, x5, [sp, #(TRAP_FRAME_X0 + 4 * 8)]
        stp     x6, x7, [sp, #(TRAP_FRAME_X0 + 6 * 8)]
        stp     x8, x9, [sp, #(TRAP_FRAME_X0 + 8 * 8)]
        stp     x10, x11, [sp, #(TRAP_FRAME_X0 + 10 * 8)]
        stp     x12, x13, [sp, #(TRAP_FRAME_X0 + 12 * 8)]
        stp     x14, x15, [sp, #(TRAP_FRAME_X0 + 14 * 8)]
        stp     x16, x17, [sp, #(TRAP_FRAME_X0 + 16 * 8)]
        stp     x18, x19, [sp, #(TRAP_FRAME_X0 + 18 * 8)]
        stp     x20, x21, [sp, #(TRAP_FRAME_X0 + 20 * 8)]
        stp     x22, x23, [sp, #(TRAP_FRAME_X0 + 22 * 8)]
        stp     x24, x25, [sp, #(TRAP_FRAME_X0 + 24 * 8)]
        stp     x26, x27, [sp, #(TRAP_FRAME_X0 + 26 * 8)]
        stp     x28, x29, [sp, #(TRAP_FRAME_X0 + 28 * 8)]
        mrs     x2, sp_el0
        stp     x30, x2, [sp, #TRAP_FRAME_X30]      /* x30 and sp_el0 are adjacent */
        mrs     x2, elr_el1
        mrs     x3, spsr_el1
        stp     x2, x3, [sp, #TRAP_FRAME_ELR]
        .if \from_el0
        stp     xzr, xzr, [sp, #TRAP_FRAME_RECORD]
        .else
        stp     x29, x2, [sp, #TRAP_FRAME_RECORD]   /* {interrupted fp, interrupted pc} */
        .endif
        mrs     x2, esr_el1
        mrs     x3, far_el1
        stp     x2, x3, [sp, #TRAP_FRAME_ESR]

        add     x29, sp, #TRAP_FRAME_RECORD
        mov     x0, sp
        bl      aarch64_trap
        b       trap_return
.endm

        .text

/* ---- The table ----------------------------------------------------------
 * VBAR_EL1's low 11 bits are RES0: the table must be 2 KiB aligned. */
        .balign 2048
        .globl  exception_vectors
exception_vectors:
        /* Current EL with SP_EL0. Handoff always runs EL1 on SP_EL1, so
         * anything here is a bug; it still gets a full report. */
        vector_entry 0, kernel_entry        /* VECTOR_FROM_EL1T, sync */
        vector_entry 1, kernel_entry        /* IRQ */
        vector_entry 2, kernel_entry        /* FIQ */
        vector_entry 3, kernel_entry        /* SError */
        /* Current EL with SP_ELx: exceptions in the kernel itself. */
        vector_entry 4, kernel_entry        /* VECTOR_FROM_EL1H, sync: kernel faults */
        vector_entry 5, kernel_entry        /* IRQ while in the kernel */
        vector_entry 6, kernel_entry        /* FIQ */
        vector_entry 7, kernel_entry        /* SError */
        /* Lower EL in AArch64: user programs. Sync includes SVC (syscalls). */
        vector_entry 8, user_entry          /* VECTOR_FROM_EL0_64, sync */
        vector_entry 9, user_entry          /* IRQ while in user mode */
        vector_entry 10, user_entry         /* FIQ */
        vector_entry 11, user_entry         /* SError */
        /* Lower EL in AArch32: Handoff runs no 32-bit programs; such an
         * exception kills the process (traps.cpp). */
        vector_entry 12, user_entry         /* VECTOR_FROM_EL0_32, sync */
        vector_entry 13, user_entry         /* IRQ */
        vector_entry 14, user_entry         /* FIQ */
        vector_entry 15, user_entry         /* SError */
        .org    exception_vectors + 16 * 128

/* ---- The common paths --------------------------------------------------- */
kernel_entry:
        save_frame_and_call from_el0=0

user_entry:
        /* The same, but the backtrace ends here. System calls need nothing
         * extra in assembly: aarch64_trap sees ESR class 0x15 (SVC) and the
         * Linux ABI registers in the frame, and a result stored in
         * frame->x[0] is what x0 holds after the ERET below. */
        save_frame_and_call from_el0=1

/* aarch64_return_to_user(TrapFrame* x0): enter user mode through a frame
 * that is not the one an exception built - a new process after execve, a
 * new thread after clone (arch::return_to_user in thread.cpp checks that the
 * frame sits at the top of this thread's kernel stack). Point sp at it and
 * leave as if returning from an exception (Linux: ret_to_user). */
        .globl  aarch64_return_to_user
aarch64_return_to_user:
        mov     sp, x0
        b       trap_return

/* Restore the interrupted context from the frame at sp and return to it. */
        .globl  trap_return
trap_return:
        msr     daifset, #2                         /* IRQs off until the ERET */
        ldp     x2, x3, [sp, #TRAP_FRAME_ELR]
        msr     elr_el1, x2
        msr     spsr_el1, x3
        ldp     x30, x2, [sp, #TRAP_FRAME_X30]
        msr     sp_el0, x2
        ldp     x0, x1, [sp, #(TRAP_FRAME_X0 + 0 * 8)]
        ldp     x2, x3, [sp, #(TRAP_FRAME_X0 + 2 * 8)]
        ldp     x4, x5, [sp, #(TRAP_FRAME_X0 + 4 * 8)]
        ldp     x6, x7, [sp, #(TRAP_FRAME_X0 + 6 * 8)]
        ldp     x8, x9, [sp, #(TRAP_FRAME_X0 + 8 * 8)]
        ldp     x10, x11, [sp, #(TRAP_FRAME_X0 + 10 * 8)]
        ldp     x12, x13, [sp, #(TRAP_FRAME_X0 + 12 * 8)]
        ldp     x14, x15, [sp, #(TRAP_FRAME_X0 + 14 * 8)]
        ldp     x16, x17, [sp, #(TRAP_FRAME_X0 + 16 * 8)]
        ldp     x18, x19, [sp, #(TRAP_FRAME_X0 + 18 * 8)]
        ldp     x20, x21, [sp, #(TRAP_FRAME_X0 + 20 * 8)]
        ldp     x22, x23, [sp, #(TRAP_FRAME_X0 + 22 * 8)]
        ldp     x24, x25, [sp, #(TRAP_FRAME_X0 + 24 * 8)]
        ldp     x26, x27, [sp, #(TRAP_FRAME_X0 + 26 * 8)]
        ldp     x28, x29, [sp, #(TRAP_FRAME_X0 + 28 * 8)]
        add     sp, sp, #TRAP_FRAME_SIZE
        /* ERET restores PSTATE from SPSR_EL1 (including the DAIF mask the
         * interrupted code had) and jumps to ELR_EL1, in one step. */
        eret

        .section .note.GNU-stack, "", %progbits
