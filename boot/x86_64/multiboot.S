/*
 * boot/x86_64/multiboot.S - the first instructions Handoff runs on x86-64.
 *
 * QEMU's `-kernel` loads us with the Multiboot 1 protocol. It will not load an
 * ELF64 file as such ("give a 32bit one"), so the header below sets the a.out
 * kludge flag (bit 16): QEMU then copies the file's bytes flat to `load_addr`
 * and jumps to `entry_addr` in 32-bit protected mode with paging off:
 *
 *   eax = 0x2BADB002 (Multiboot magic)     ebx = physical address of the info
 *   cs/ds/ss = flat 4 GiB segments         interrupts off, no valid stack
 *
 * This file switches to 64-bit long mode with a throw-away page table that maps
 * the first 4 GiB twice (identity and the direct map at DIRECT_MAP_BASE) and
 * the first 2 GiB at KERNEL_VMA, jumps to the higher half, clears the BSS and
 * calls x86_64_boot_main(magic, info) in C++. The C++ side builds the real page
 * tables (W^X, whole RAM) and drops this one. Compare xv6's entry.S and Linux's
 * arch/x86/boot/compressed/head_64.S, which do the same dance.
 */
#include "arch/x86_64/include/layout.h"

#define MB_MAGIC       0x1BADB002
#define MB_PAGE_ALIGN  (1 << 0)     /* modules (the initrd) page aligned */
#define MB_MEMINFO     (1 << 1)     /* we want the memory map */
#define MB_AOUT_KLUDGE (1 << 16)    /* use the address fields below, not ELF */
#define MB_FLAGS       (MB_PAGE_ALIGN | MB_MEMINFO | MB_AOUT_KLUDGE)

#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)          /* kernel honours read-only pages too */
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_SCE (1 << 0)           /* SYSCALL/SYSRET */
#define EFER_LME (1 << 8)           /* long mode */
#define EFER_NXE (1 << 11)          /* no-execute bit in page tables */
#define PTE_P    (1 << 0)
#define PTE_W    (1 << 1)
#define PTE_PS   (1 << 7)           /* 2 MiB page in a page directory */

/* ---------------------------------------------------------------- header */
        .section .multiboot, "a"
        .balign 4
multiboot_header:
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)
        .long multiboot_header      /* header_addr: where this header lands   */
        .long __load_start_phys     /* load_addr: first byte of the image     */
        .long __load_end_phys       /* load_end_addr: end of .data            */
        .long __bss_end_phys        /* bss_end_addr: the loader zeroes to here */
        .long _start32              /* entry_addr                             */

/* ---------------------------------------------------------- 32-bit entry */
        .section .boot.text, "ax"
        .code32
        .globl _start32
_start32:
        cli
        cld
        movl    %eax, boot_multiboot_magic
        movl    %ebx, boot_multiboot_info
        movl    $boot_stack32_top, %esp

        /* Long mode needs CPUID leaf 0x80000001 EDX bit 29. Without it we can
         * only say so on the serial port and stop. */
        movl    $0x80000000, %eax
        cpuid
        cmpl    $0x80000001, %eax
        jb      no_long_mode
        movl    $0x80000001, %eax
        cpuid
        btl     $29, %edx
        jnc     no_long_mode

        /* Zero the seven boot page-table pages (PML4, two PDPTs, four PDs). */
        movl    $boot_pml4, %edi
        xorl    %eax, %eax
        movl    $(7 * 4096 / 4), %ecx
        rep stosl

        /* The four PDs map 0..4 GiB with 2048 2-MiB pages (the high half of
         * each 64-bit entry stays zero: physical addresses are below 4 GiB). */
        movl    $boot_pd, %edi
        movl    $(PTE_P | PTE_W | PTE_PS), %eax
        xorl    %ecx, %ecx
1:      movl    %eax, (%edi, %ecx, 8)
        addl    $0x200000, %eax
        incl    %ecx
        cmpl    $2048, %ecx
        jne     1b

        /* The PDs, reached three ways:
         *   PML4[0]   -> pdpt_low[0..3]     identity (we are running there now)
         *   PML4[256] -> pdpt_low[0..3]     DIRECT_MAP_BASE + phys
         *   PML4[511] -> pdpt_high[510,511] KERNEL_VMA + phys (-mcmodel=kernel) */
        movl    $(boot_pd + PTE_P + PTE_W), boot_pdpt_low
        movl    $(boot_pd + 4096 + PTE_P + PTE_W), boot_pdpt_low + 8
        movl    $(boot_pd + 8192 + PTE_P + PTE_W), boot_pdpt_low + 16
        movl    $(boot_pd + 12288 + PTE_P + PTE_W), boot_pdpt_low + 24
        movl    $(boot_pd + PTE_P + PTE_W), boot_pdpt_high + 510 * 8
        movl    $(boot_pd + 4096 + PTE_P + PTE_W), boot_pdpt_high + 511 * 8
        movl    $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4
        movl    $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4 + 256 * 8
        movl    $(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8

        /* PAE paging, then EFER.LME, then CR0.PG turns long mode on. */
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $boot_pml4, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $(EFER_SCE | EFER_LME | EFER_NXE), %eax
        wrmsr
        movl    %cr0, %eax
        orl     $(CR0_PG | CR0_WP | CR0_PE), %eax
        movl    %eax, %cr0

        /* We are in compatibility mode; a far jump to a 64-bit code segment
         * enters 64-bit mode proper. */
        lgdt    boot_gdt_pointer
        ljmp    $0x08, $start64_low

no_long_mode:
        movl    $no_long_mode_msg, %esi
1:      lodsb
        testb   %al, %al
        jz      2f
        movw    $0x3f8, %dx
        outb    %al, %dx
        jmp     1b
2:      hlt
        jmp     2b

        .code64
start64_low:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        xorw    %ax, %ax
        movw    %ax, %fs
        movw    %ax, %gs
        /* Leave the identity-mapped boot code for the higher half. */
        movabsq $start64_high, %rax
        jmp     *%rax

        .section .boot.data, "aw"
        .balign 8
boot_gdt:
        .quad   0                       /* null                        */
        .quad   0x00af9a000000ffff      /* 0x08: 64-bit kernel code    */
        .quad   0x00cf92000000ffff      /* 0x10: kernel data           */
boot_gdt_end:
boot_gdt_pointer:
        .word   boot_gdt_end - boot_gdt - 1
        .long   boot_gdt
        .globl  boot_multiboot_magic, boot_multiboot_info
boot_multiboot_magic:   .long 0
boot_multiboot_info:    .long 0
no_long_mode_msg:
        .asciz  "Handoff: this CPU has no 64-bit long mode; stopping.\r\n"

        /* Boot page tables and a tiny 32-bit stack, all below 1 MiB + image.
         * They are zeroed by the code above; they sit inside the loaded image
         * (not NOBITS) so the a.out-kludge image stays one flat run of bytes. */
        .section .boot.pagetables, "aw"
        .balign 4096
        .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
boot_stack32:   .skip 1024
boot_stack32_top:

/* ----------------------------------------------------- 64-bit, higher half */
        .text
start64_high:
        /* Clear the kernel BSS (the loader promised to, but say it in code). */
        movabsq $__bss_start, %rdi
        movabsq $__bss_end, %rcx
        subq    %rdi, %rcx
        xorl    %eax, %eax
        rep stosb

        movabsq $boot_stack_top, %rsp
        xorl    %ebp, %ebp              /* ends frame-pointer backtraces */
        movl    boot_multiboot_magic, %edi
        movl    boot_multiboot_info, %esi
        call    x86_64_boot_main
1:      cli
        hlt
        jmp     1b

        .section .bss
        .balign 16
        .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        .skip   KERNEL_STACK_SIZE
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
