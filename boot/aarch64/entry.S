/*
 * boot/aarch64/entry.S - the first instructions Handoff runs on AArch64.
 *
 * The image starts with the 64-byte header of a Linux arm64 "Image"
 * (Documentation/arch/arm64/booting.rst), so QEMU's `-kernel kernel.bin`
 * boots us by the Linux protocol: it loads the file at RAM start +
 * text_offset (0x40200000), loads the initrd, describes both in the device
 * tree, and starts CPU 0 at the first byte with the MMU off, usually at EL1
 * (EL2 with virtualization=on; EL3 with secure=on is not supported):
 *
 *   x0 = physical address of the device tree; x1 = x2 = x3 = 0
 *
 * (`-kernel kernel.elf` also boots, entering at _start, but QEMU then
 * loads no initrd: it only does that for Linux images.) The other CPUs stay
 * off until someone asks PSCI to start them.
 *
 * This file drops from EL2 to EL1 if needed, clears the BSS, builds a boot
 * page table that maps the first 4 GiB both at 0 (identity, so the next
 * instruction after "MMU on" still exists) and at DIRECT_MAP_BASE, turns the
 * MMU on, jumps to the higher half and calls aarch64_boot_main(dtb).
 * Compare Linux's arch/arm64/kernel/head.S (primary_entry, __enable_mmu).
 */
#include "arch/aarch64/include/layout.h"

/* MAIR_EL1: attribute 0 = Device-nGnRnE (MMIO), 1 = Normal write-back. */
#define MAIR_VALUE      0x000000000000ff00
#define ATTR_DEVICE     (0 << 2)
#define ATTR_NORMAL     (1 << 2)
#define DESC_BLOCK      0x1
#define DESC_TABLE      0x3
#define DESC_AF         (1 << 10)            /* access flag: no AF fault */
#define DESC_SH_INNER   (3 << 8)
#define DESC_PXN        (1 << 53)
#define DESC_UXN        (1 << 54)
/* TCR_EL1: 48-bit VAs both halves, 4 KiB granules, write-back walks. */
#define TCR_T0SZ        (16 << 0)
#define TCR_IRGN0_WB    (1 << 8)
#define TCR_ORGN0_WB    (1 << 10)
#define TCR_SH0_INNER   (3 << 12)
#define TCR_T1SZ        (16 << 16)
#define TCR_IRGN1_WB    (1 << 24)
#define TCR_ORGN1_WB    (1 << 26)
#define TCR_SH1_INNER   (3 << 28)
#define TCR_TG1_4K      (2 << 30)
#define TCR_VALUE       (TCR_T0SZ | TCR_IRGN0_WB | TCR_ORGN0_WB | TCR_SH0_INNER | \
                         TCR_T1SZ | TCR_IRGN1_WB | TCR_ORGN1_WB | TCR_SH1_INNER | TCR_TG1_4K)
#define SCTLR_M         (1 << 0)             /* MMU */
#define SCTLR_A         (1 << 1)             /* alignment checks: off */
#define SCTLR_C         (1 << 2)             /* data cache */
#define SCTLR_I         (1 << 12)            /* instruction cache */
#define CPACR_FPEN      (3 << 20)            /* FP/SIMD usable at EL0 and EL1 */

        .section .text.boot, "ax"
/* The Linux arm64 Image header. QEMU checks the magic, loads the image at
 * RAM start + text_offset and jumps to its first word. */
        .globl _image_header
_image_header:
        b       _start                  /* code0: jump over the header */
        .long   0                       /* code1 */
        .quad   KERNEL_PHYS_BASE - 0x40000000   /* text_offset: 2 MiB into RAM */
        .quad   __kernel_image_size     /* image_size, including the BSS (linker script) */
        .quad   0xa                     /* flags: little endian, 4 KiB pages, anywhere */
        .quad   0, 0, 0                 /* res2..res4 */
        .ascii  "ARM\x64"               /* magic */
        .long   0                       /* res5 (PE header offset: none) */

        .globl _start
_start:
        mov     x19, x0                 /* keep the DTB pointer (if any) */

        /* Only CPU 0 boots here; secondaries come later through PSCI CPU_ON. */
        mrs     x1, mpidr_el1
        and     x1, x1, #0xff
        cbnz    x1, park

        mrs     x1, CurrentEL
        lsr     x1, x1, #2
        cmp     x1, #2
        b.ne    at_el1
        /* At EL2: make EL1 AArch64, give it the timers, and ERET down to it. */
        mov     x1, #(1 << 31)          /* HCR_EL2.RW */
        msr     hcr_el2, x1
        mov     x1, #3                  /* CNTHCTL_EL2.EL1PCTEN | EL1PCEN */
        msr     cnthctl_el2, x1
        msr     cntvoff_el2, xzr
        mov     x1, #0x3c5              /* SPSR: EL1h with D, A, I, F masked */
        msr     spsr_el2, x1
        adr     x1, at_el1
        msr     elr_el2, x1
        eret

at_el1:
        /* Clear the BSS while still at physical addresses (adrp is PC
         * relative, so it yields physical addresses here). With the MMU off
         * every access is Device memory and must be aligned: 8 bytes a step. */
        adrp    x1, __bss_start
        add     x1, x1, :lo12:__bss_start
        adrp    x2, __bss_end
        add     x2, x2, :lo12:__bss_end
1:      cmp     x1, x2
        b.hs    2f
        str     xzr, [x1], #8
        b       1b
2:
        /* Boot page tables (in the BSS, so already zero):
         *   L0[0] -> L1;  L1[0] = 0..1 GiB device (UART, GIC, ...)
         *   L1[1..3] = 1..4 GiB normal memory (RAM starts at 1 GiB on virt).
         * TTBR0 and TTBR1 both point at L0: VA 0 + pa and VA 0xffff... + pa
         * walk the same tables because the top 16 bits only pick the TTBR. */
        adrp    x1, boot_l0
        adrp    x2, boot_l1
        orr     x3, x2, #DESC_TABLE
        str     x3, [x1]
        ldr     x3, =(DESC_BLOCK | ATTR_DEVICE | DESC_AF | DESC_PXN | DESC_UXN)
        str     x3, [x2]
        ldr     x3, =(DESC_BLOCK | ATTR_NORMAL | DESC_AF | DESC_SH_INNER | DESC_UXN)
        mov     x4, #(1 << 30)
        orr     x5, x3, x4
        str     x5, [x2, #8]
        add     x5, x5, x4
        str     x5, [x2, #16]
        add     x5, x5, x4
        str     x5, [x2, #24]

        ldr     x3, =MAIR_VALUE
        msr     mair_el1, x3
        ldr     x3, =TCR_VALUE
        mrs     x4, id_aa64mmfr0_el1    /* physical address size -> TCR.IPS */
        and     x4, x4, #0x7
        orr     x3, x3, x4, lsl #32
        msr     tcr_el1, x3
        msr     ttbr0_el1, x1
        msr     ttbr1_el1, x1
        mov     x3, #CPACR_FPEN
        msr     cpacr_el1, x3
        isb
        tlbi    vmalle1
        dsb     nsh
        isb
        mrs     x3, sctlr_el1
        ldr     x4, =(SCTLR_M | SCTLR_C | SCTLR_I)
        orr     x3, x3, x4
        bic     x3, x3, #SCTLR_A
        msr     sctlr_el1, x3
        isb

        /* The MMU is on and we still run at the identity address; jump to
         * the linked (higher-half) address of the rest of the kernel. */
        ldr     x1, =start_high
        br      x1

park:   wfe
        b       park

        .text
start_high:
        ldr     x1, =boot_stack_top
        mov     sp, x1
        mov     x29, xzr                /* ends frame-pointer backtraces */
        mov     x30, xzr
        mov     x0, x19
        bl      aarch64_boot_main
1:      wfi
        b       1b

        .section .bss
        .balign 4096
        .globl boot_l0, boot_l1
boot_l0:        .skip 4096
boot_l1:        .skip 4096
        .balign 16
        .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        .skip   KERNEL_STACK_SIZE
boot_stack_top:

        .section .note.GNU-stack, "", %progbits
