/*
 * arch/aarch64/replace_ttbr1.S - switch the kernel's own page tables safely.
 *
 * aarch64_replace_ttbr1(x0 = new TTBR1_EL1, x1 = physical address of an
 * all-zero table page), called at its PHYSICAL address through the boot
 * identity map in TTBR0 (paging.cpp does that).
 *
 * Why not just `msr ttbr1_el1, x0`? The kernel runs in the TTBR1 half, and
 * the boot tables map it with 1 GiB blocks while the new ones use 2 MiB
 * blocks and 4 KiB pages. Between the switch and the TLB flush the TLB could
 * then hold an old 1 GiB entry and a new 4 KiB entry for the same address -
 * a "TLB conflict", which the architecture allows to abort or worse. The
 * rule is break-before-make: remove the old translation everywhere, then
 * install the new one. We cannot remove the mapping we are running from, so
 * we run from the identity map (TTBR0) instead for these few instructions,
 * point TTBR1 at an empty table (break), flush, and only then install the
 * new tables (make). No memory in TTBR1 - not even the stack - is touched in
 * between. Linux does the same in idmap_cpu_replace_ttbr1 (proc.S).
 *
 * Returns through x30 to the (TTBR1) caller, now mapped by the new tables.
 * Clobbers nothing else.
 */
        .text
        .balign 4
        .globl  aarch64_replace_ttbr1
aarch64_replace_ttbr1:
        /* The new tables were written with ordinary stores: make them
         * visible to the table walker before it can use them. */
        dsb     ishst

        /* Break: no translations in the upper half at all. */
        msr     ttbr1_el1, x1
        isb
        tlbi    vmalle1is
        dsb     ish
        isb

        /* Make: the new tables. Nothing of the old ones can be cached now. */
        msr     ttbr1_el1, x0
        isb
        ret

        .section .note.GNU-stack, "", %progbits
