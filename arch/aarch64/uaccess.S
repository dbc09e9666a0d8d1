/*
 * arch/aarch64/uaccess.S - the kernel's only loads and stores to user memory.
 *
 *   size_t copy_user(void* dst, const void* src, size_t n)
 *       returns the number of bytes NOT copied (0 = all of them);
 *   long copy_user_string(char* dst, const char* user_src, size_t max)
 *       returns the string's length, -1 on a fault, or `max` if there is
 *       no NUL in the first `max` bytes.
 * kernel/uaccess.h checks the user range before calling either.
 *
 * Two problems, two tools:
 *
 * 1. The user address may be bad (unmapped, read-only, the kernel's), and
 *    that must become -EFAULT, not a kernel panic. Every instruction that
 *    touches user memory is listed in the exception table (section
 *    __ex_table: pairs {instruction address, fixup address}; the linker
 *    script gathers them between __ex_table_start and __ex_table_end). When
 *    such an instruction faults, the EL1 abort handler (traps.cpp) first
 *    offers the fault to demand paging (handle_user_page_fault: the page may
 *    just not be there yet) and retries the instruction if that worked;
 *    otherwise it resumes at the fixup, which returns the error. Any other
 *    kernel instruction faulting on a user address is a kernel bug and
 *    still panics. Linux: arch/arm64/lib/copy_from_user.S, the _asm_extable
 *    macro and fixup_exception() in arch/arm64/mm/extable.c.
 *
 * 2. PAN (Privileged Access Never, paging.cpp) makes every ordinary kernel
 *    load or store to user-accessible memory fault. Two ways around it:
 *    clear PSTATE.PAN for the copy (MSR PAN, #0 ... #1, one routine for both
 *    directions), or use the UNPRIVILEGED load/store instructions LDTR/STTR,
 *    which EL1 executes with EL0's permissions - PAN does not apply to them
 *    because they are not privileged accesses. We use LDTR/STTR, as Linux
 *    does today (its user_ldst macros), because:
 *      - the access is checked exactly as if the user program made it: a
 *        page the program may not read (kernel-only, or PROT_NONE, which
 *        kernel/mm keeps mapped kernel-only) gives -EFAULT, as on Linux,
 *        instead of being read with the kernel's rights;
 *      - PAN is never off, not even for an instant;
 *      - it works unchanged on CPUs without PAN (Armv8.0, -cpu cortex-a72),
 *        where MSR PAN is an undefined instruction.
 *    The price: LDTR/STTR move one register (no pairs) and only take an
 *    immediate offset, and we must know which side is the user's: the
 *    destination if it is below arch::kUserTop, else the source (a copy
 *    from user memory to user memory is never needed).
 *
 * Register contract (both are ordinary AAPCS64 leaf functions):
 *   x0, x1, x2 = arguments, result in x0; clobbers x3, x4 and x9; no stack.
 *   May fault ONLY at the instructions marked with `user`; the fault handler
 *   then either retries the instruction (page now present) or resumes at
 *   the named fixup label with all registers as they were.
 */

/* USER_TOP = arch::kUserTop (arch_inline.h): 1 << 48, TTBR0's half. */
#define USER_TOP_SHIFT 48

/* `user fixup, instruction`: emits the instruction and its exception-table
 * entry {address of the instruction, address to resume at on a fault}. */
.macro user fixup, insn:vararg
8888:   \insn
        .pushsection __ex_table, "a"
        .balign 8
        .quad   8888b, \fixup
        .popsection
.endm

        .text
        .balign 4

/* ---- copy_user(x0 = dst, x1 = src, x2 = n) -> x0 = bytes not copied ------
 * Eight bytes at a time while at least eight are left, then bytes. If an
 * 8-byte access faults (say it straddles into an unmapped page) we fall back
 * to the byte loop at the same position, which copies every byte up to the
 * bad one: the count returned is exact. Unaligned 8-byte accesses are fine
 * on Normal memory (SCTLR_EL1.A = 0). */
        .globl  copy_user
        .type   copy_user, %function
copy_user:
        movz    x9, #1, lsl #USER_TOP_SHIFT
        cmp     x0, x9
        b.lo    copy_to_user_space

/* From user space: unprivileged loads (LDTR), ordinary stores. */
copy_from_user_space:
        cmp     x2, #8
        b.lo    2f
1:      user    3f, ldtr x3, [x1]       /* fault: finish byte by byte at 3 */
        str     x3, [x0], #8
        add     x1, x1, #8
        sub     x2, x2, #8
        cmp     x2, #8
        b.hs    1b
2:      cbz     x2, 4f
3:      user    4f, ldtrb w3, [x1]      /* fault: x2 bytes are left */
        strb    w3, [x0], #1
        add     x1, x1, #1
        subs    x2, x2, #1
        b.ne    3b
4:      mov     x0, x2                  /* 0 when done */
        ret

/* To user space: ordinary loads, unprivileged stores (STTR). */
copy_to_user_space:
        cmp     x2, #8
        b.lo    2f
1:      ldr     x3, [x1], #8
        user    5f, sttr x3, [x0]       /* fault: step back, go bytewise */
        add     x0, x0, #8
        sub     x2, x2, #8
        cmp     x2, #8
        b.hs    1b
2:      cbz     x2, 4f
3:      ldrb    w3, [x1], #1
        user    6f, sttrb w3, [x0]      /* fault: x2 bytes are left */
        add     x0, x0, #1
        subs    x2, x2, #1
        b.ne    3b
4:      mov     x0, x2
        ret
5:      sub     x1, x1, #8              /* the load above already advanced */
        b       3b
6:      mov     x0, x2                  /* this byte was not stored either */
        ret
        .size   copy_user, . - copy_user

/* ---- copy_user_string(x0 = dst, x1 = user_src, x2 = max) ------------------
 * One byte at a time (Linux's strncpy_from_user reads words and finds the
 * NUL with bit tricks; bytes are easier to follow). The NUL is copied too.
 *   x3 = bytes copied so far. */
        .globl  copy_user_string
        .type   copy_user_string, %function
copy_user_string:
        mov     x3, #0
1:      cmp     x3, x2
        b.hs    3f                      /* max bytes and no NUL */
        user    4f, ldtrb w4, [x1]
        strb    w4, [x0, x3]
        cbz     w4, 2f
        add     x3, x3, #1
        add     x1, x1, #1
        b       1b
2:      mov     x0, x3                  /* the length, without the NUL */
        ret
3:      mov     x0, x2
        ret
4:      mov     x0, #-1                 /* a fault */
        ret
        .size   copy_user_string, . - copy_user_string

        .section .note.GNU-stack, "", %progbits
