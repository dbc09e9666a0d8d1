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
 * N, and jumps to trap_common, which
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
 * any instruction - including the first ones of the SYSCALL entry (next
 * issue), where CS is already the kernel's but SWAPGS has not run yet, and
 * the last ones before SYSRET, after the exit's SWAPGS - so CS says "kernel"
 * while GS is the user's. Linux's paranoid_entry reads MSR_GS_BASE to
 * decide instead. Today those three vectors only panic; when SYSCALL
 * arrives, give them a paranoid entry.
 */
#include "arch/x86_64/trap_frame.h"

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3, 6.13):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29,
 * #SX 30. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
                           (v) == 21 || (v) == 29 || (v) == 30)

        .altmacro
/* One 16-byte-aligned stub per vector: trap_stub_0 .. trap_stub_255. */
.macro TRAP_STUB vec
        .balign 16
trap_stub_\vec:
        .if !HAS_ERROR_CODE(\vec)
        pushq   $0                      /* no error code: keep the frame shape */
        .endif
        pushq   $\vec
        jmp     trap_common
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
        movq    %r15, TF_R15(%rsp)
        movq    %r14, TF_R14(%rsp)
        movq    %r13, TF_R13(%rsp)
        movq    %r12, TF_R12(%rsp)
        movq    %rbp, TF_RBP(%rsp)
        movq    %rbx, TF_RBX(%rsp)
        movq    %r11, TF_R11(%rsp)
        movq    %r10, TF_R10(%rsp)
        movq    %r9, TF_R9(%rsp)
        movq    %r8, TF_R8(%rsp)
        movq    %rax, TF_RAX(%rsp)
        movq    %rcx, TF_RCX(%rsp)
        movq    %rdx, TF_RDX(%rsp)
        movq    %rsi, TF_RSI(%rsp)
        movq    %rdi, TF_RDI(%rsp)

        /* Make the interrupted rip look like our caller, so a frame-pointer
         * backtrace from inside the dispatcher walks on into the code that
         * trapped: push {rip, rbp} as a fake frame record. */
        pushq   TF_RIP(%rsp)
        pushq   %rbp
        movq    %rsp, %rbp
        leaq    16(%rsp), %rdi          /* rdi = struct TrapFrame* */
        call    x86_trap_dispatch
        addq    $16, %rsp               /* drop the fake frame record */

        /* Also the way a new thread will first leave for user mode: point rsp
         * at a prepared TrapFrame and jump here. */
        .globl  x86_trap_return
x86_trap_return:                        /* rsp = a TrapFrame to resume */
        movq    TF_R15(%rsp), %r15
        movq    TF_R14(%rsp), %r14
        movq    TF_R13(%rsp), %r13
        movq    TF_R12(%rsp), %r12
        movq    TF_RBP(%rsp), %rbp
        movq    TF_RBX(%rsp), %rbx
        movq    TF_R11(%rsp), %r11
        movq    TF_R10(%rsp), %r10
        movq    TF_R9(%rsp), %r9
        movq    TF_R8(%rsp), %r8
        movq    TF_RAX(%rsp), %rax
        movq    TF_RCX(%rsp), %rcx
        movq    TF_RDX(%rsp), %rdx
        movq    TF_RSI(%rsp), %rsi
        movq    TF_RDI(%rsp), %rdi
        addq    $TF_RIP, %rsp           /* drop registers, vector, error code */
        /* Back to ring 3: give the user its GS base again. Checked on the
         * frame, not remembered from entry, because the dispatcher may return
         * to a different place than it came from (a new thread, a signal). */
        testb   $3, (TF_CS - TF_RIP)(%rsp)
        jz      3f
        swapgs
3:      iretq

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
