/*
 * arch/x86_64/uaccess.S - copying to and from user memory with faults
 * caught (arch::copy_user, arch::copy_user_string).
 *
 * Compare Linux's arch/x86/lib/copy_user_64.S and strncpy_from_user(), and
 * xv6's copyin/copyout (which walk the page table by hand instead).
 *
 * A user pointer may point anywhere: at an unmapped page, a read-only one,
 * or a page not yet paged in. The kernel does not check page by page
 * beforehand; it simply copies, and lets the MMU check. Each instruction
 * here that touches user memory has an entry in the exception table
 * (section __ex_table: pairs {faulting pc, fixup pc}, between the linker
 * symbols __ex_table_start and __ex_table_end). When the #PF or #GP handler
 * (traps.cpp) sees a kernel-mode fault at a pc in the table, it first lets
 * the memory manager page in a user address (demand paging), and retries;
 * if that fails it resumes at the fixup, which returns the error. Linux's
 * _ASM_EXTABLE works the same way (with 32-bit relative entries).
 *
 * SMAP: with CR4.SMAP on, the kernel may touch user pages only while
 * RFLAGS.AC is set. STAC sets it for the copy, CLAC clears it at once after,
 * on every way out. Both are #UD on a CPU without SMAP, hence the test of
 * x86_smap_enabled (Linux patches them in with its alternatives instead).
 * A trap during the copy clears AC on entry and IRETQ restores it, so the
 * window stays open exactly as long as the copy.
 *
 * Callers check the user range first (kernel/uaccess.h: below
 * arch::kUserTop, without overflow); these functions only catch faults.
 */
        .text

.macro USER_ACCESS_BEGIN
        cmpb    $0, x86_smap_enabled(%rip)
        je      9f
        stac
9:
.endm

.macro USER_ACCESS_END
        cmpb    $0, x86_smap_enabled(%rip)
        je      9f
        clac
9:
.endm

/* An exception-table entry: a fault at `insn` resumes at `fixup`. */
.macro EX_TABLE insn, fixup
        .pushsection __ex_table, "a"
        .balign 8
        .quad   \insn, \fixup
        .popsection
.endm

/*
 * size_t copy_user(void* dst = rdi, const void* src = rsi, size_t n = rdx)
 * Returns in rax the number of bytes NOT copied: 0 on success.
 *
 * REP MOVSB copies rcx bytes from (rsi) to (rdi), counting rcx down as it
 * goes. A string instruction that faults part-way stops with rsi, rdi and
 * rcx describing exactly what is left (so that it can be restarted after a
 * page fault - which is also what demand paging relies on). So after a
 * fault, rcx is the answer. Clobbers rcx rsi rdi.
 */
        .globl  copy_user
copy_user:
        movq    %rdx, %rcx
        USER_ACCESS_BEGIN
.Lcopy_user_movs:
        rep movsb
        USER_ACCESS_END
        xorl    %eax, %eax
        ret
.Lcopy_user_fault:
        USER_ACCESS_END
        movq    %rcx, %rax              /* bytes left */
        ret
        EX_TABLE .Lcopy_user_movs, .Lcopy_user_fault

/*
 * long copy_user_string(char* dst = rdi, const char* user_src = rsi,
 *                       size_t max = rdx)
 * Copies bytes up to and including the first NUL, at most `max` of them.
 * Returns the string's length (not counting the NUL), `max` if there was no
 * NUL among the first `max` bytes (dst is then not terminated), or -1 if
 * reading the user string faulted. Byte by byte: simple, and it never reads
 * past the NUL into a page that may not exist. Clobbers rcx.
 */
        .globl  copy_user_string
copy_user_string:
        xorl    %eax, %eax              /* rax = bytes copied so far */
        USER_ACCESS_BEGIN
1:      cmpq    %rdx, %rax
        je      2f                      /* `max` bytes and no NUL */
.Lcopy_string_load:
        movb    (%rsi,%rax), %cl        /* the one user access */
        movb    %cl, (%rdi,%rax)
        testb   %cl, %cl
        jz      2f                      /* the NUL: rax = the length */
        incq    %rax
        jmp     1b
2:      USER_ACCESS_END
        ret
.Lcopy_string_fault:
        USER_ACCESS_END
        movq    $-1, %rax
        ret
        EX_TABLE .Lcopy_string_load, .Lcopy_string_fault

        .section .note.GNU-stack, "", @progbits
