/*
 * arch/x86_64/syscall_entry.S - the SYSCALL instruction's way into the
 * kernel, and SYSRET's (or IRETQ's) way back out.
 *
 * Compare Linux's arch/x86/entry/entry_64.S (entry_SYSCALL_64) with
 * do_syscall_64() in arch/x86/entry/common.c, and xv6's uservec/userret.
 *
 * SYSCALL is the fast way in: no IDT, no TSS, no memory access at all. The
 * CPU only copies rip to rcx and rflags to r11, clears the RFLAGS bits named
 * in the SFMASK MSR, loads CS and SS from the STAR MSR and jumps to LSTAR
 * (set up in syscall.cpp). Everything an interrupt gate would do for us -
 * switching to the kernel stack, pushing the user's rip, rsp and rflags -
 * is ours to do, and so is the care that goes with it.
 *
 * Register contract
 * -----------------
 * On entry (Linux's x86-64 system-call ABI):
 *   rax       system call number
 *   rdi rsi rdx r10 r8 r9   arguments 0..5 (r10, not rcx: SYSCALL takes rcx)
 *   rcx       the user's rip: the instruction after `syscall`
 *   r11       the user's rflags
 *   rsp       still the USER's stack - SYSCALL switches no stack
 *   rflags    the user's, minus SFMASK: IF, TF, DF, AC, NT are 0
 *   cs, ss    the kernel's (STAR); gs base: still the user's
 *   rbx rbp r12-r15: the user's, which it expects back unchanged
 * On exit to user mode:
 *   rax       the result (or -errno)
 *   rcx, r11  clobbered: they hold the user's rip and rflags again (this is
 *             why the ABI lists them as clobbered by `syscall`)
 *   all else  as in the TrapFrame, which execve or clone may have rewritten
 *             completely: then every register, rcx and r11 included, comes
 *             from the frame through IRETQ.
 *
 * Steps:
 *   1. SWAPGS: %gs now reaches this CPU's Cpu (kernel/cpu.h)
 *   2. park the user's rsp in Cpu::syscall_scratch, load the thread's kernel
 *      stack from Cpu::syscall_stack_top (arch::set_kernel_stack keeps it
 *      equal to TSS.RSP0, so both ways in land on the same TrapFrame: the
 *      thread's user_frame at the top of its kernel stack)
 *   3. push ss, rsp, rflags, cs, rip, error code 0 and the vector
 *      TF_VECTOR_SYSCALL, then the general registers: the same TrapFrame an
 *      interrupt from user mode leaves (trap_frame.h)
 *   4. x86_syscall_dispatch(frame) (syscall.cpp): syscall_dispatch(frame),
 *      interrupts off, prepare_return_to_user(frame)
 *   5. leave by SYSRET if the frame allows it, by IRETQ otherwise.
 *
 * Interrupts are off from SYSCALL (SFMASK clears IF) until syscall_dispatch
 * turns them on, and off again from before prepare_return_to_user to SYSRET:
 * an interrupt while rsp is the user's, or while gs is the wrong one, would
 * run the kernel on the user's stack or with the user's GS base. Only NMI,
 * #MC and #DF can still arrive there, and they take the paranoid entry on
 * their own stacks (trap_entry.S).
 */
#include "arch/x86_64/entry.h"
#include "arch/x86_64/include/layout.h"

        .text
        .balign 16
        .globl  x86_syscall_entry
x86_syscall_entry:
        swapgs
        movq    %rsp, %gs:CPU_SYSCALL_SCRATCH
        movq    %gs:CPU_SYSCALL_STACK_TOP, %rsp

        pushq   $USER_DS                /* ss */
        pushq   %gs:CPU_SYSCALL_SCRATCH /* rsp */
        pushq   %r11                    /* rflags */
        pushq   $USER_CS                /* cs */
        pushq   %rcx                    /* rip */
        pushq   $0                      /* error code */
        pushq   $TF_VECTOR_SYSCALL      /* vector */
        subq    $TF_VECTOR, %rsp        /* room for the 15 general registers */
        SAVE_REGS

        /* syscall_dispatch, then prepare_return_to_user (syscall.cpp). */
        CALL_WITH_FRAME x86_syscall_dispatch

        /* ---- SYSRET or IRETQ? ------------------------------------------------
         * SYSRET is the fast way out: it loads rip from rcx and rflags from
         * r11, and CS/SS from STAR, and nothing else. It is only correct, and
         * only safe, when the frame is exactly what it can express:
         *
         *  - CS and SS are the 64-bit user selectors. (Anything else was put
         *    there on purpose; SYSRET would ignore it.)
         *  - rcx == rip and r11 == rflags in the frame. SYSRET returns with
         *    rcx = rip and r11 = rflags; if the frame says otherwise (execve
         *    zeroed every register, a clone child copied another frame),
         *    only IRETQ can give the user what the frame says. Linux tests
         *    the same (do_syscall_64's SYSRET conditions).
         *  - rip is below USER_TOP, so canonical. The reason is a classic:
         *    on Intel CPUs SYSRET with a non-canonical rcx raises #GP while
         *    still in ring 0 - but with the user's rsp already loaded and the
         *    user's GS base swapped in. The #GP handler then runs on a stack
         *    the user chose, with the user's GS: a way to take over the
         *    kernel (CVE-2012-0217, which hit Xen, FreeBSD and others; AMD
         *    CPUs fault after the switch to ring 3 and are not affected).
         *    USER_TOP leaves the last canonical page out, so even a rip that
         *    SYSCALL itself produced from that page cannot be non-canonical.
         *  - rflags has IF set and none of TF, RF, VM, NT. IRETQ restores
         *    those exactly; SYSRET cannot restore RF, would make TF trap on
         *    the first user instruction, and VM/NT have no business in a
         *    64-bit user's flags. (A user cannot clear IF; a frame without
         *    it was made by someone on purpose.)
         *
         * Anything else leaves through x86_trap_return: IRETQ restores every
         * register of the frame and checks what it loads. */
        cmpq    $USER_CS, TF_CS(%rsp)
        jne     .Lreturn_by_iretq
        cmpq    $USER_DS, TF_SS(%rsp)
        jne     .Lreturn_by_iretq
        movq    TF_RCX(%rsp), %rcx
        cmpq    %rcx, TF_RIP(%rsp)
        jne     .Lreturn_by_iretq
        movq    $USER_TOP, %r11
        cmpq    %r11, %rcx
        jae     .Lreturn_by_iretq       /* unsigned: also catches kernel addresses */
        movq    TF_R11(%rsp), %r11
        cmpq    %r11, TF_RFLAGS(%rsp)
        jne     .Lreturn_by_iretq
        testq   $(RFLAGS_TF | RFLAGS_RF | RFLAGS_VM | RFLAGS_NT), %r11
        jnz     .Lreturn_by_iretq
        testq   $RFLAGS_IF, %r11
        jz      .Lreturn_by_iretq

        /* SYSRET. From here on nothing may trap: rsp is about to become the
         * user's, and after SWAPGS so is the GS base. */
        RESTORE_REGS                    /* rcx = rip and r11 = rflags: checked */
        movq    TF_RSP(%rsp), %rsp
        swapgs
        sysretq

.Lreturn_by_iretq:
        jmp     x86_trap_return         /* rsp = the frame; interrupts off */

        .section .note.GNU-stack, "", @progbits
