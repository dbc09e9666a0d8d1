// arch/aarch64/thread.cpp - a thread's CPU state on AArch64 (arch/arch.h,
// sections "Threads" and "User mode").
//
// A thread that runs user code lives in three places:
//
//   its kernel stack   16 KiB; the TrapFrame with its user registers sits at
//                      the very top (kernel/proc/thread.cpp puts it there):
//
//                        top ->  +----------------------+
//                                | TrapFrame (304 B)    |  x0..x30, sp_el0,
//                                |                      |  pc, PSTATE, ...
//                    frame ->    +----------------------+
//                                | kernel call frames   |
//                                |         ...          |
//
//   its ThreadContext  its kernel registers while it is switched out
//                      (switch.S);
//   its UserCpuState   FP/SIMD registers and TPIDR_EL0 (fpsimd.S).
//
// Why the frame must be at the top: an exception from EL0 always lands on
// SP_EL1, and vectors.S builds the frame just below it. SP_EL1 is simply the
// kernel sp of whatever thread last ERET'ed to EL0 from this CPU, and that
// ERET popped the frame, leaving sp = top. So no register needs setting when
// threads switch - unlike x86-64, whose TSS.RSP0 and SYSCALL stack must be
// pointed at the next thread's stack - and set_kernel_stack only records the
// address to check the invariant. Linux's arm64 works the same way (its
// pt_regs sit at the top of the task's stack: task_pt_regs()).
#include "arch/arch.h"
#include "kernel/errno.h"
#include "kernel/printk.h"

extern "C" {
void aarch64_thread_start();                           // switch.S
void aarch64_fpsimd_save(arch::UserCpuState* state);   // fpsimd.S
void aarch64_fpsimd_load(const arch::UserCpuState* state);
[[noreturn]] void aarch64_return_to_user(TrapFrame* frame);  // vectors.S
}

namespace {
// SPSR_EL1.M[3:0], the mode an ERET returns to: 0 = EL0 with SP_EL0 ("EL0t").
constexpr uint64_t kSpsrModeMask = 0xf;
constexpr uint64_t kSpsrEl0t = 0x0;
// SPSR_EL1.M[4]: 1 = AArch32. Handoff runs only AArch64 programs.
constexpr uint64_t kSpsrAarch32 = 1 << 4;
}  // namespace

namespace arch {

// ---- Kernel contexts ---------------------------------------------------------

void init_thread_context(ThreadContext* context, uintptr_t stack_top, void (*entry)(void*), void* arg) {
    // AAPCS64: sp is 16-byte aligned at every public interface.
    KASSERT(stack_top % 16 == 0);
    *context = ThreadContext{};
    // The first switch_context to this thread loads these and "returns" to
    // aarch64_thread_start, which calls sched_thread_start(x19, x20).
    context->x19_x28[0] = uintptr_t(entry);  // x19
    context->x19_x28[1] = uintptr_t(arg);    // x20
    context->fp = 0;                         // end of the backtrace
    context->lr = uintptr_t(aarch64_thread_start);
    context->sp = stack_top;
}

void set_kernel_stack(uintptr_t stack_top) { this_cpu()->el0_stack_top = stack_top; }

// ---- User FP/SIMD state and the thread pointer ----------------------------------

void init_user_cpu_state(UserCpuState* state) {
    // All registers zero; FPCR 0 = round to nearest, no flush-to-zero, no FP
    // exception traps (what Linux gives a new program).
    *state = UserCpuState{};
}

void save_user_cpu_state(UserCpuState* state) { aarch64_fpsimd_save(state); }
void load_user_cpu_state(const UserCpuState* state) { aarch64_fpsimd_load(state); }

// These read and write the SAVED copy; a running thread's live TPIDR_EL0
// changes with it at the next load_user_cpu_state (clone's CLONE_SETTLS
// sets it in the child's state before the child first runs).
void set_thread_pointer(UserCpuState* state, uintptr_t tp) { state->tpidr_el0 = tp; }
uintptr_t thread_pointer(const UserCpuState* state) { return state->tpidr_el0; }

// arch_prctl(2) exists only on x86-64, whose FS base user code cannot set
// itself (without FSGSBASE). AArch64 programs write TPIDR_EL0 directly
// (MSR TPIDR_EL0 is allowed at EL0), so there is nothing to ask the kernel.
long prctl(UserCpuState*, int, uintptr_t) { return -EINVAL; }

// ---- User mode -----------------------------------------------------------------

void init_user_frame(TrapFrame* frame, uintptr_t pc, uintptr_t sp) {
    *frame = TrapFrame{};    // x0..x30 = 0: nothing of the kernel leaks out
    frame->elr = pc;
    frame->sp_el0 = sp;
    // SPSR 0: EL0t, AArch64, NZCV clear, and DAIF clear - so interrupts
    // are on in user mode (the timer must be able to take the CPU back).
    frame->spsr = kSpsrEl0t;
}

[[noreturn]] void return_to_user(TrapFrame* frame) {
    // The frame must be exactly at the top of the running thread's kernel
    // stack: popping it leaves SP_EL1 = top, where the next exception from
    // EL0 will build its frame (see the top of this file).
    KASSERT(uintptr_t(frame) + sizeof(TrapFrame) == this_cpu()->el0_stack_top);
    // An ERET to anything but EL0t would run "user" code in the kernel.
    // Only the kernel fills frames today; sigreturn, when it comes, must
    // check the same before it loads one from user memory (Linux:
    // valid_user_regs).
    KASSERT((frame->spsr & (kSpsrModeMask | kSpsrAarch32)) == kSpsrEl0t);
    aarch64_return_to_user(frame);
}

// The system-call ABI accessors (syscall_number, syscall_arg, ...) are
// inline, in arch_inline.h: they are on every system call's path.

}  // namespace arch
