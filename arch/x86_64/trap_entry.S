/*
 * arch/x86_64/trap_entry.S - the way into the kernel for every exception and
 * interrupt, and the way back out.
 *
 * Compare Linux's arch/x86/entry/entry_64.S (idtentry, error_entry,
 * restore_regs_and_return_to_kernel) and xv6's trapasm.S / vectors.pl.
 *
 * Register contract
 * -----------------
 * On entry (the CPU has gone through the IDT gate of vector N):
 *   rsp       the kernel stack: the current one for a trap from ring 0, the
 *             TSS's RSP0 for a trap from ring 3, or the TSS's IST stack for
 *             the vectors that have one (#DF, NMI, #MC; see gdt.h)
 *   stack     ss, rsp, rflags, cs, rip (+ an error code for some vectors),
 *             pushed by the CPU; rsp was aligned to 16 before the pushes
 *   rflags    IF = 0 (every gate is an interrupt gate), TF = 0
 *   gs base   still the interrupted context's: the user's if cs.RPL == 3
 *   all other registers: the interrupted context's, untouched
 *
 * The stub for vector N pushes a 0 where the CPU pushed no error code, then
 * N, and jumps to trap_common (NMI, #DF and #MC: to trap_paranoid, below),
 * which
 *   1. does SWAPGS if the trap came from ring 3, so %gs:0 is this CPU's Cpu
 *   2. clears DF (the C ABI wants it) and AC (so SMAP stays in force)
 *   3. saves every general register into a struct TrapFrame (trap_frame.h)
 *   4. calls x86_trap_dispatch(rdi = &frame) with rsp 16-byte aligned
 *   5. restores every register from the frame (the dispatcher may have
 *      changed any of them, e.g. to return to a different rip)
 *   6. does SWAPGS again if returning to ring 3, drops vector and error
 *      code, and IRETQ pops rip, cs, rflags, rsp, ss.
 * On exit: all registers as in the (possibly edited) frame; nothing else is
 * clobbered.
 *
 * The SWAPGS rule and its weak spot: the saved CS tells us which GS base is
 * live for the normal vectors. NMI, #MC and #DF can interrupt the kernel at
 * any instruction - including the first ones of the SYSCALL entry
 * (syscall_entry.S), where CS is already the kernel's but SWAPGS has not run
 * yet, and the last ones before SYSRET, after the exit's SWAPGS - so CS says
 * "kernel" while GS is the user's. Those three vectors therefore take the
 * paranoid entry below, which asks the GS_BASE MSR instead of trusting CS
 * (Linux's paranoid_entry / paranoid_exit). They arrive on their own IST
 * stacks, so the stack they find is always good.
 */
#include "arch/x86_64/entry.h"

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3, 6.13):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29,
 * #SX 30. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
                           (v) == 21 || (v) == 29 || (v) == 30)

/* The vectors that may arrive between SYSCALL and SWAPGS (see above): NMI 2,
 * #DF 8, #MC 18. They are also exactly the ones with IST stacks (idt.cpp). */
#define IS_PARANOID(v) ((v) == 2 || (v) == 8 || (v) == 18)

        .altmacro
/* One 16-byte-aligned stub per vector: trap_stub_0 .. trap_stub_255. */
.macro TRAP_STUB vec
        .balign 16
trap_stub_\vec:
        .if !HAS_ERROR_CODE(\vec)
        pushq   $0                      /* no error code: keep the frame shape */
        .endif
        pushq   $\vec
        .if IS_PARANOID(\vec)
        jmp     trap_paranoid
        .else
        jmp     trap_common
        .endif
.endm

        .text
        .set    vector, 0
        .rept   256
        TRAP_STUB %vector
        .set    vector, vector + 1
        .endr

/* ---------------------------------------------------------------- common */
        .balign 16
trap_common:
        /* rsp points at the vector; the CPU's cs is 3 slots above it. */
        testb   $3, (TF_CS - TF_VECTOR)(%rsp)
        jz      1f
        swapgs                          /* from ring 3: take the kernel's GS base */
1:      cld
        /* With SMAP on, RFLAGS.AC = 1 would let the kernel touch user pages
         * unchecked, and user code may set AC (popf). The gate does not clear
         * it, so we do. CLAC is #UD on CPUs without SMAP, hence the test
         * (Linux patches the instruction in with its alternatives instead). */
        cmpb    $0, x86_smap_enabled(%rip)
        je      2f
        clac
2:
        subq    $TF_VECTOR, %rsp        /* room for the 15 general registers */
        SAVE_REGS
        CALL_WITH_FRAME x86_trap_dispatch

        /* Also the way a new thread first leaves for user mode
         * (arch::return_to_user), and the SYSCALL exit's slow path: point rsp
         * at a prepared TrapFrame and jump here, interrupts off. */
        .globl  x86_trap_return
x86_trap_return:                        /* rsp = a TrapFrame to resume */
        RESTORE_REGS
        addq    $TF_RIP, %rsp           /* drop registers, vector, error code */
        /* Back to ring 3: give the user its GS base again. Checked on the
         * frame, not remembered from entry, because the dispatcher may return
         * to a different place than it came from (a new thread, a signal). */
        testb   $3, (TF_CS - TF_RIP)(%rsp)
        jz      3f
        swapgs
3:      iretq

/* --------------------------------------------------------------- paranoid */
/* NMI, #DF and #MC: the same frame and dispatcher, but the GS base is judged
 * by its value, not by CS. The kernel's GS base is a kernel-half address
 * (&g_cpus[n]: bit 63 set); the user's never is (it is 0: user programs
 * cannot set it, see arch::prctl). ebx, callee-saved, remembers whether we
 * swapped, so the exit undoes exactly what the entry did. */
        .balign 16
trap_paranoid:
        cld
        cmpb    $0, x86_smap_enabled(%rip)
        je      1f
        clac
1:      subq    $TF_VECTOR, %rsp
        SAVE_REGS
        movl    $MSR_GS_BASE, %ecx
        rdmsr                           /* edx:eax = GS base */
        xorl    %ebx, %ebx
        testl   %edx, %edx
        js      2f                      /* a kernel address: already ours */
        swapgs
        movl    $1, %ebx
2:      CALL_WITH_FRAME x86_trap_dispatch
        testl   %ebx, %ebx
        jz      3f
        swapgs                          /* give the interrupted code its GS back */
3:      RESTORE_REGS
        addq    $TF_RIP, %rsp
        iretq

/* ------------------------------------------------------------ stub table */
/* x86_trap_stubs[N] is the address of trap_stub_N; idt.cpp points gate N
 * at it. */
.macro STUB_ADDRESS vec
        .quad   trap_stub_\vec
.endm
        .section .rodata
        .balign 8
        .globl  x86_trap_stubs
x86_trap_stubs:
        .set    vector, 0
        .rept   256
        STUB_ADDRESS %vector
        .set    vector, vector + 1
        .endr
        .section .note.GNU-stack, "", @progbits
