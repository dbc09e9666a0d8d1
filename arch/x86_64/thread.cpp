// arch/x86_64/thread.cpp - the "Threads" part of arch/arch.h on x86-64: the
// first stack of a new kernel thread, the kernel stack traps land on, and
// the user-visible CPU state every thread carries (x87/SSE registers, the
// FS base) with arch_prctl(2). switch_context itself is in switch.S.
//
// Compare Linux's copy_thread() and __switch_to() (arch/x86/kernel/
// process_64.c), its eager FPU switching (arch/x86/kernel/fpu/core.c) and
// do_arch_prctl_64(); xv6 has only allocproc()'s forkret trick.
#include "arch/x86_64/thread.h"

#include "arch/x86_64/entry.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/msr.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/uaccess.h"

// switch.S: where the first switch to a new thread lands.
extern "C" void x86_thread_trampoline();
// kernel/sched/sched.cpp: every thread's first C++ function.
extern "C" void sched_thread_start(void (*entry)(void*), void* arg);

namespace x86 {

void init_context(arch::ThreadContext* context, uintptr_t stack_top, StartFunction start,
                  void (*entry)(void*), void* arg) {
    KASSERT(stack_top % 16 == 0);
    // The new stack looks exactly like one switch_context() switched away
    // from: the six callee-saved registers it pops, lowest address first,
    // then the address its `ret` goes to. The trampoline finds entry, arg
    // and start in rbx, r12 and r13 (switch.S), and the return address sits
    // in the top 8 bytes, so that after the `ret` rsp == stack_top: 16-byte
    // aligned, as the trampoline's call needs.
    struct InitialStack {
        uint64_t r15, r14, r13, r12, rbx, rbp;
        uint64_t return_address;
    };
    auto* stack = reinterpret_cast<InitialStack*>(stack_top - sizeof(InitialStack));
    *stack = InitialStack{};
    stack->r13 = uintptr_t(start);
    stack->r12 = uintptr_t(arg);
    stack->rbx = uintptr_t(entry);
    stack->rbp = 0;  // ends frame-pointer backtraces here
    stack->return_address = uintptr_t(x86_thread_trampoline);
    context->rsp = uintptr_t(stack);
}

}  // namespace x86

namespace arch {

void init_thread_context(ThreadContext* context, uintptr_t stack_top, void (*entry)(void*), void* arg) {
    x86::init_context(context, stack_top, sched_thread_start, entry, arg);
}

void set_kernel_stack(uintptr_t stack_top) { x86::set_kernel_stack(cpu_id(), stack_top); }

// ---- User-visible CPU state ---------------------------------------------------
// The model: while a thread runs, its user state is in the CPU itself - the
// kernel is built -mgeneral-regs-only, so it never touches an x87 or SSE
// register and the user's values simply wait there during a system call.
// UserCpuState is where the state goes while the thread is switched out:
// saved when the scheduler switches away, loaded when it switches back
// ("eager" switching, as Linux does since 4.x; the old lazy scheme, which
// set CR0.TS and waited for the #NM fault, saved work but leaked state
// across processes through speculation: LazyFP, CVE-2018-3665).

void init_user_cpu_state(UserCpuState* state) {
    *state = UserCpuState{};
    // What FNINIT and a fresh Linux process start with: every x87 and SSE
    // exception masked (a divide by zero gives inf, not a signal),
    // round-to-nearest, and 64-bit x87 precision.
    state->fx.fcw = 0x037f;
    state->fx.mxcsr = 0x1f80;
}

void save_user_cpu_state(UserCpuState* state) {
    // fxsave64: the 64-bit form, which stores full 64-bit x87 instruction
    // and operand pointers.
    asm volatile("fxsave64 %0" : "=m"(state->fx));
    // The live FS base: arch_prctl sets it, but a user program can also
    // change it by loading a selector into FS (mov %ax, %fs loads the base
    // from the descriptor, 0). Read it back so the saved copy is the truth.
    state->fs_base = rdmsr(kMsrFsBase);
}

void load_user_cpu_state(const UserCpuState* state) {
    asm volatile("fxrstor64 %0" ::"m"(state->fx));
    wrmsr(kMsrFsBase, state->fs_base);
}

void set_thread_pointer(UserCpuState* state, uintptr_t tp) {
    // clone(CLONE_SETTLS) passes the user's value straight here. A
    // non-canonical one would make the WRMSR in load_user_cpu_state fault
    // inside the kernel, so anything outside the user half becomes 0: the
    // thread then faults on its first TLS access, in user mode. (Linux
    // refuses such a clone with EPERM, as arch_prctl does below.)
    state->fs_base = tp < kUserTop ? tp : 0;
}
uintptr_t thread_pointer(const UserCpuState* state) { return state->fs_base; }

// arch_prctl(2) codes (Linux's arch/x86/include/uapi/asm/prctl.h).
constexpr int kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003, kArchGetGs = 0x1004;

long prctl(UserCpuState* state, int code, uintptr_t addr) {
    switch (code) {
        case kArchSetFs:
            // FS base is the thread pointer of the x86-64 TLS ABI: %fs:0
            // points at the thread's control block (musl, glibc and Go all
            // use it). A kernel address would never be reachable from user
            // mode, and a non-canonical one would make the WRMSR fault:
            // refuse both, with Linux's errno (EPERM, not EINVAL).
            if (addr >= kUserTop) return -EPERM;
            state->fs_base = addr;
            // The calling thread is running: the CPU's copy is the live one.
            wrmsr(kMsrFsBase, addr);
            return 0;
        case kArchGetFs:
            return put_user(addr, uint64_t(rdmsr(kMsrFsBase)));  // 0 or -EFAULT
        case kArchSetGs:
        case kArchGetGs:
            // Not supported: a per-thread user GS base would have to be
            // switched through KERNEL_GS_BASE (the slot SWAPGS exchanges
            // with the kernel's Cpu pointer). No runtime we target uses GS
            // on x86-64, so every user thread simply sees GS base 0.
            return -EINVAL;
        default:
            return -EINVAL;
    }
}

}  // namespace arch
