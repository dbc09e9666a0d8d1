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
 *
 * The other CPUs start at secondary_entry, at the bottom of this file, when
 * arch/aarch64/smp.cpp asks PSCI to switch them on. They share the steps
 * that make a CPU ready for the kernel - el2_to_el1, cpu_setup, enable_mmu -
 * so every CPU is configured by the same instructions.
 */
#include "arch/aarch64/include/layout.h"
#include "arch/aarch64/smp.h"

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

        /* Only CPU 0 boots here; secondaries come later through PSCI CPU_ON
         * and enter at secondary_entry. */
        mrs     x1, mpidr_el1
        and     x1, x1, #0xff
        cbnz    x1, park

        bl      el2_to_el1

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

        bl      cpu_setup
        adrp    x0, boot_l0             /* TTBR0: the identity half */
        mov     x1, x0                  /* TTBR1: the same tables, high half */
        bl      enable_mmu

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

/* ---- Making a CPU ready for the kernel -----------------------------------
 *
 * Everything between "the CPU starts at a physical address with the MMU off"
 * and "the MMU is on": the instructions that turn the MMU on must be mapped
 * at the address they run at, both before (physical) and after (virtual).
 * The boot CPU's identity map covers all of the first 4 GiB; a secondary
 * CPU's identity map (built by smp.cpp) covers only this section, which is
 * why it is a section of its own (Linux: .idmap.text). The linker script
 * places it right after .text.boot and marks it with __idmap_text_start/end.
 * None of these routines touches the stack: there is none yet.
 */
        .section .idmap.text, "ax"

/* el2_to_el1: if the CPU started at EL2 (QEMU -M virt,virtualization=on),
 * make EL1 AArch64, give it the timers, and ERET down to EL1, returning to
 * the caller there. At EL1 already: just return. Clobbers x0. */
el2_to_el1:
        mrs     x0, CurrentEL
        lsr     x0, x0, #2
        cmp     x0, #2
        b.ne    1f
        mov     x0, #(1 << 31)          /* HCR_EL2.RW */
        msr     hcr_el2, x0
        mov     x0, #3                  /* CNTHCTL_EL2.EL1PCTEN | EL1PCEN */
        msr     cnthctl_el2, x0
        /* Virtual count = physical count on every CPU: cycle_counter()
         * must agree between CPUs, or timestamps taken on different CPUs
         * could not be compared. */
        msr     cntvoff_el2, xzr
        mov     x0, #0x3c5              /* SPSR: EL1h with D, A, I, F masked */
        msr     spsr_el2, x0
        msr     elr_el2, x30            /* "return" at EL1 */
        eret
1:      ret

/* cpu_setup: the MMU's configuration, which must be the same on every CPU
 * because they share the kernel's page tables: the memory attributes the
 * table entries index (MAIR), the address-space sizes and walk cacheability
 * (TCR), FP/SIMD access (CPACR), and a TLB with nothing left from before.
 * Linux: __cpu_setup in arch/arm64/mm/proc.S. Clobbers x0, x1. */
cpu_setup:
        ldr     x0, =MAIR_VALUE
        msr     mair_el1, x0
        ldr     x0, =TCR_VALUE
        mrs     x1, id_aa64mmfr0_el1    /* physical address size -> TCR.IPS */
        and     x1, x1, #0x7
        orr     x0, x0, x1, lsl #32
        msr     tcr_el1, x0
        mov     x0, #CPACR_FPEN
        msr     cpacr_el1, x0
        isb
        /* This CPU's TLB only (no IS): its contents after reset are
         * unknown, and no other CPU can hold translations of ours yet. */
        tlbi    vmalle1
        dsb     nsh
        isb
        ret

/* enable_mmu(x0 = TTBR0, x1 = TTBR1, both physical): install the tables and
 * turn on the MMU and the caches. Returns to the caller's (identity-mapped)
 * address with translation on. Linux: __enable_mmu. Clobbers x0, x1. */
enable_mmu:
        msr     ttbr0_el1, x0
        msr     ttbr1_el1, x1
        isb
        mrs     x0, sctlr_el1
        ldr     x1, =(SCTLR_M | SCTLR_C | SCTLR_I)
        orr     x0, x0, x1
        bic     x0, x0, #SCTLR_A
        msr     sctlr_el1, x0
        isb
        ret

/* ---- Secondary CPUs ------------------------------------------------------
 *
 * secondary_entry: where PSCI CPU_ON starts every CPU but the first
 * (arch/aarch64/smp.cpp passes this file's physical address as the entry
 * point). Register contract on entry, set by PSCI:
 *
 *   x0       the context id smp.cpp passed: the PHYSICAL address of this
 *            CPU's SecondaryBoot (arch/aarch64/smp.h): its tables, stack
 *            and index
 *   MMU      off: every address is physical, every data access is Device
 *            memory (uncached, must be aligned)
 *   EL       EL1 (or EL2 if the firmware runs us as a hypervisor)
 *   PSTATE   D, A, I, F masked; sp and all other registers unknown
 *
 * It makes the CPU like the boot CPU - same cpu_setup, MMU on with
 * TTBR1 = the kernel's final tables and TTBR0 = a small identity map of
 * .idmap.text - jumps to the higher half, takes the stack smp.cpp allocated
 * and calls aarch64_secondary_main(SecondaryBoot*) with its virtual address.
 * Linux: secondary_entry / secondary_startup / __secondary_switched.
 */
        .globl  secondary_entry
secondary_entry:
        mov     x19, x0                 /* SecondaryBoot, physical */
        bl      el2_to_el1
        bl      cpu_setup
        ldr     x0, [x19, #SECONDARY_BOOT_TTBR0]
        ldr     x1, [x19, #SECONDARY_BOOT_TTBR1]
        bl      enable_mmu
        ldr     x1, =secondary_high
        br      x1
        .ltorg                          /* the literals above: still in .idmap.text */

        .text
secondary_high:
        /* Now in the kernel's own tables. The SecondaryBoot is in RAM, so
         * the direct map has it at DIRECT_MAP_BASE + its physical address. */
        ldr     x0, =DIRECT_MAP_BASE
        add     x19, x19, x0
        ldr     x1, [x19, #SECONDARY_BOOT_STACK_TOP]
        mov     sp, x1
        mov     x29, xzr                /* ends frame-pointer backtraces */
        mov     x30, xzr
        mov     x0, x19
        bl      aarch64_secondary_main  /* never returns */
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
