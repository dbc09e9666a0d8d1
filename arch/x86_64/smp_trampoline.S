/*
 * arch/x86_64/smp_trampoline.S - the first instructions of every CPU but the
 * boot CPU: 16-bit real mode to 32-bit protected mode to 64-bit long mode,
 * then into the kernel. Compare xv6's entryother.S and Linux's
 * arch/x86/realmode/rm/trampoline_64.S, which make the same climb.
 *
 * This is not run where it is linked. smp.cpp copies the bytes between
 * x86_ap_trampoline and x86_ap_trampoline_end to physical TRAMPOLINE_PHYS
 * (smp.h) and sends the new CPU a STARTUP IPI naming that page. So the blob
 * sits in .rodata - the kernel only ever reads it - and every address it
 * uses is computed for its copy with RELOC().
 *
 * Register contract
 * -----------------
 * On entry (INIT, then STARTUP with vector TRAMPOLINE_PHYS >> 12):
 *   cs = TRAMPOLINE_PHYS >> 4, ip = 0    16-bit real mode, paging off
 *   other segments: base 0; interrupts: off (the CPU was just reset)
 *   cr0 = 0x60000010: CD and NW set - the caches are off
 *   every other register: reset values; the stack is nowhere
 * The boot CPU has filled in the TrampolineParams at
 * x86_ap_trampoline_params (the CR3 to use, the CPU's index, its stack).
 * On exit: x86_secondary_cpu_start(edi = index, rsi = stack top) in
 * smp.cpp, in 64-bit mode on the trampoline's page table (the kernel half
 * plus this page identity-mapped), rsp = the stack top, interrupts off.
 * It does not return.
 */
#include "arch/x86_64/smp.h"

#define CR0_PE   (1 << 0)
#define CR0_MP   (1 << 1)
#define CR0_ET   (1 << 4)
#define CR0_NE   (1 << 5)
#define CR0_WP   (1 << 16)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

/* The trampoline GDT's selectors. */
#define TRAMP_CODE32 0x08
#define TRAMP_DATA   0x10
#define TRAMP_CODE64 0x18

/* Where `label` is in the copy at TRAMPOLINE_PHYS. (A difference of two
 * labels in one section is a constant the assembler knows.) */
#define RELOC(label) (TRAMPOLINE_PHYS + ((label) - x86_ap_trampoline))

        .section .rodata
        .balign 16
        .globl  x86_ap_trampoline, x86_ap_trampoline_end, x86_ap_trampoline_params

/* ------------------------------------------------------- 16-bit real mode */
        .code16
x86_ap_trampoline:
        cli
        cld
        /* DS = 0, so the copy's absolute addresses (below 64 KiB) work as
         * plain offsets. CS stays TRAMPOLINE_PHYS >> 4 until the far jump. */
        xorw    %ax, %ax
        movw    %ax, %ds
        /* lgdtl: the 32-bit operand form, which takes all 32 bits of the
         * base (the 16-bit form keeps only 24). */
        lgdtl   RELOC(tramp_gdt_pointer)
        movl    %cr0, %eax
        orl     $CR0_PE, %eax
        movl    %eax, %cr0
        /* Protected mode is on, but CS still holds a real-mode segment: a
         * far jump loads the 32-bit code descriptor. */
        ljmpl   $TRAMP_CODE32, $RELOC(tramp_start32)

/* ------------------------------------------------ 32-bit protected mode */
        .code32
tramp_start32:
        movw    $TRAMP_DATA, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        /* Long mode, in the order the SDM demands (vol. 3, 10.8.5): PAE,
         * the page table, EFER.LME, then paging on. The same as the boot
         * CPU's path in boot/x86_64/multiboot.S; NXE because the kernel's
         * entries use the no-execute bit, SCE for SYSCALL. */
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    RELOC(x86_ap_trampoline_params) + TP_CR3, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $(EFER_SCE | EFER_LME | EFER_NXE), %eax
        wrmsr
        /* A whole new CR0, not an OR: this also clears CD and NW, which
         * INIT left set, so the caches come on. x86::cpu_init sets the rest
         * as on the boot CPU. The next instruction is fetched through the
         * page table: the trampoline table maps this page at its own
         * physical address, which is why it exists. */
        movl    $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE), %eax
        movl    %eax, %cr0
        /* Compatibility mode; a far jump to a 64-bit code segment enters
         * 64-bit mode proper. */
        ljmp    $TRAMP_CODE64, $RELOC(tramp_start64)

/* ----------------------------------------------------- 64-bit long mode */
        .code64
tramp_start64:
        /* Absolute addresses (no base register, not rip-relative): still
         * the identity-mapped copy. */
        movq    RELOC(x86_ap_trampoline_params) + TP_STACK_TOP, %rsp
        movl    RELOC(x86_ap_trampoline_params) + TP_CPU, %edi
        movq    %rsp, %rsi
        xorl    %ebp, %ebp              /* ends frame-pointer backtraces */
        /* Into the kernel proper, in the higher half (mapped: the trampoline
         * table shares the kernel half). movabs: a 64-bit absolute address,
         * fixed at link time, which the copy keeps. */
        movabsq $x86_secondary_cpu_start, %rax
        call    *%rax
1:      cli
        hlt
        jmp     1b

/* ------------------------------------------------------------------ data */
/* A GDT just for the climb; x86::cpu_init loads the CPU's real one. Each
 * descriptor has its accessed bit set already: otherwise the CPU would
 * write it on the first segment load, and once paging is on this page is
 * mapped read-only. */
        .balign 8
tramp_gdt:
        .quad   0                       /* null                                */
        .quad   0x00cf9b000000ffff      /* 0x08: 32-bit code, flat 4 GiB       */
        .quad   0x00cf93000000ffff      /* 0x10: data, flat 4 GiB              */
        .quad   0x00af9b000000ffff      /* 0x18: 64-bit code                   */
tramp_gdt_end:
tramp_gdt_pointer:
        .word   tramp_gdt_end - tramp_gdt - 1
        .long   RELOC(tramp_gdt)

        /* struct x86::TrampolineParams (smp.h), written by the boot CPU. */
        .balign 8
x86_ap_trampoline_params:
        .long   0                       /* TP_CR3       */
        .long   0                       /* TP_CPU       */
        .quad   0                       /* TP_STACK_TOP */
x86_ap_trampoline_end:

        .section .note.GNU-stack, "", @progbits
