// arch/x86_64/syscall.cpp - the "User mode" part of arch/arch.h on x86-64:
// setting up SYSCALL, the first user frame of a program, and the way a new
// thread first enters user mode. The entry and exit themselves are in
// syscall_entry.S (system calls) and trap_entry.S (everything else).
//
// Compare Linux's syscall_init() (arch/x86/kernel/cpu/common.c),
// start_thread() (arch/x86/kernel/process_64.c) and ret_from_fork; xv6's
// usertrapret().
#include "arch/x86_64/syscall.h"

#include "arch/arch.h"
#include "arch/x86_64/entry.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/msr.h"
#include "kernel/printk.h"
#include "kernel/trap.h"

// syscall_entry.S.
extern "C" void x86_syscall_entry();

namespace x86 {

namespace {

constexpr uint64_t kEferSce = 1 << 0;  // EFER.SCE: SYSCALL/SYSRET enabled

// The RFLAGS bits SYSCALL clears on the way in (the SFMASK MSR). SYSCALL
// keeps the user's flags otherwise, and each of these would hurt in the
// kernel's first instructions, which still run on the user's stack:
//   IF  an interrupt now would be taken in ring 0, so on the current stack -
//       the user's - and with the user's GS base. Off until the entry has
//       switched stacks; syscall_dispatch turns it on.
//   TF  a user single-stepping over `syscall` would make the kernel's first
//       instruction raise #DB, again on the user's stack.
//   DF  the C ABI requires it clear (string instructions count up); the
//       user may have left it set (std).
//   AC  with SMAP on, AC = 1 means "ring 0 may touch user pages": the user
//       could switch off SMAP for the whole kernel with popf.
//   NT  "nested task": harmless until the kernel executes IRETQ with it
//       set, which raises #GP in 64-bit mode (Linux masks it for the same
//       reason). The user can set it with popf.
// The user's values of all of them come back with SYSRET/IRETQ from r11.
constexpr uint64_t kSyscallFlagMask = RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT;

}  // namespace

void syscall_init() {
    // The boot code sets EFER.SCE; without it SYSCALL is #UD.
    KASSERT(rdmsr(kMsrEfer) & kEferSce);
    // STAR[47:32]: SYSCALL's CS (SS = CS + 8); STAR[63:48]: the base SYSRET
    // adds 16 (CS) and 8 (SS) to. gdt.h lays the GDT out for exactly this.
    wrmsr(kMsrStar, kStarValue);
    wrmsr(kMsrLstar, uintptr_t(x86_syscall_entry));  // 64-bit SYSCALL jumps here
    wrmsr(kMsrSfmask, kSyscallFlagMask);
    // While the kernel runs, KERNEL_GS_BASE holds the user's GS base, which
    // SWAPGS hands back on the way out. User programs cannot set theirs
    // (arch::prctl), so it is 0 for all of them.
    wrmsr(kMsrKernelGsBase, 0);
}

}  // namespace x86

// Called by syscall_entry.S with the TrapFrame it built and interrupts off;
// returns with interrupts off, the frame ready to go back to user mode.
// (Linux's do_syscall_64.)
extern "C" void x86_syscall_dispatch(TrapFrame* frame) {
    syscall_dispatch(frame);  // turns interrupts on, like any code that may block
    // Off from here to SYSRET/IRETQ (see syscall_entry.S), and off already
    // while the last checks are made: a timer tick after the need_resched
    // check could not then leave its request unseen until the next one.
    arch::interrupts_disable();
    prepare_return_to_user(frame);
}

namespace arch {

void init_user_frame(TrapFrame* frame, uintptr_t pc, uintptr_t sp) {
    // All registers 0 (no kernel values leak into the new program; the
    // x86-64 ABI wants rdx = 0, "no atexit function", from a static start).
    *frame = TrapFrame{};
    frame->rip = pc;
    frame->rsp = sp;
    frame->cs = x86::kUserCodeSelector;  // RPL 3 in the selectors: ring 3
    frame->ss = x86::kUserDataSelector;
    // Interrupts on, and bit 1, which reads as 1 on every CPU.
    frame->rflags = RFLAGS_IF | RFLAGS_RESERVED1;
}

[[noreturn]] void return_to_user(TrapFrame* frame) {
    // Off until IRETQ: the exit's SWAPGS must not be followed by a trap
    // that still believes it is in the kernel.
    interrupts_disable();
    // The frame is the top of this thread's kernel stack: make it the stack
    // the next trap from user mode lands on, which is the same place
    // (the scheduler already did this when it switched to us; cheap to be
    // sure).
    set_kernel_stack(uintptr_t(frame) + sizeof(TrapFrame));
    // A new thread may already be asked to exit (exit_group raced with
    // clone) or to yield: the same check as every other return to user mode.
    prepare_return_to_user(frame);
    // The rest is trap_entry.S's exit: registers from the frame, SWAPGS,
    // IRETQ. Whatever the kernel had on the stack below the frame is
    // abandoned: this thread's kernel code starts afresh at the next trap.
    asm volatile("movq %0, %%rsp\n\t"
                 "jmp x86_trap_return" ::"r"(frame)
                 : "memory");
    __builtin_unreachable();
}

}  // namespace arch
