// arch/x86_64/include/arch_inline.h - the inline part of arch/arch.h on x86-64.
#pragma once

#include <stdint.h>

#include "arch/x86_64/include/layout.h"
#include "arch/x86_64/trap_frame.h"
#include "kernel/cpu.h"

namespace arch {

// Which column of kernel/syscall/syscall_list.h holds this arch's numbers.
constexpr int kSyscallColumn = 0;
// The ELF e_machine of this arch's programs (EM_X86_64); the ELF loader
// refuses executables built for any other machine.
constexpr uint16_t kElfMachine = 62;
// One past the highest user address.
// One page below the end of the canonical lower half: a SYSCALL from the
// very last page would leave a non-canonical RCX for SYSRET (Linux leaves
// the same gap: TASK_SIZE_MAX). The number lives in layout.h, where the
// SYSCALL exit's assembly can read it too.
constexpr uintptr_t kUserTop = USER_TOP;

// A switched-out thread's kernel context: switch_context() pushes the
// callee-saved registers (rbx rbp r12-r15) and its return address on the
// thread's own kernel stack, so only the stack pointer needs a home here
// (arch/x86_64/switch.S).
struct ThreadContext {
    uint64_t rsp = 0;
};

// The 512-byte image FXSAVE writes and FXRSTOR reads: the x87 and SSE
// registers with their control and status words (Intel SDM vol. 1,
// table 10-2, 64-bit format).
struct FxsaveArea {
    uint16_t fcw;             // x87 control word: rounding, precision, masked exceptions
    uint16_t fsw;             // x87 status word
    uint8_t ftw;              // x87 tag word, abridged: one bit per register, 1 = in use
    uint8_t reserved0;
    uint16_t fop;             // last x87 opcode
    uint64_t fip, fdp;        // last x87 instruction and operand addresses
    uint32_t mxcsr;           // SSE control and status: rounding, masked exceptions
    uint32_t mxcsr_mask;      // which MXCSR bits this CPU supports (written by FXSAVE)
    uint8_t st[8][16];        // x87 registers ST0-ST7 / MMX, 10 bytes used of each 16
    uint8_t xmm[16][16];      // XMM0-XMM15
    uint8_t reserved1[96];
};
static_assert(sizeof(FxsaveArea) == 512);

// User-visible CPU state the kernel switches per thread: the x87/SSE
// registers (FXSAVE's image, which must be 16-byte aligned) and the FS base
// (the thread pointer, set by arch_prctl(ARCH_SET_FS) or CLONE_SETTLS).
// While the thread runs, its state is in the CPU itself, not here: this is
// the copy kept while it is switched out (see arch/x86_64/thread.cpp).
struct UserCpuState {
    alignas(16) FxsaveArea fx = {};
    uint64_t fs_base = 0;
};

// The Linux x86-64 system-call ABI, read from and written to a TrapFrame.
// Inline: the dispatcher calls these on every system call.
inline uint64_t syscall_number(const TrapFrame* frame) { return frame->rax; }
inline uint64_t syscall_arg(const TrapFrame* frame, unsigned index) {
    // r10, not rcx, for the fourth: SYSCALL overwrites rcx with the return
    // rip. A table of member pointers (offsets, really) rather than a
    // switch: one load of the offset and one of the value, no branches.
    static constexpr uint64_t TrapFrame::*kArgRegisters[6] = {
        &TrapFrame::rdi, &TrapFrame::rsi, &TrapFrame::rdx,
        &TrapFrame::r10, &TrapFrame::r8,  &TrapFrame::r9,
    };
    return index < 6 ? frame->*kArgRegisters[index] : 0;
}
inline void set_syscall_result(TrapFrame* frame, uint64_t value) { frame->rax = value; }
inline void set_user_stack_pointer(TrapFrame* frame, uintptr_t sp) { frame->rsp = sp; }
inline uintptr_t user_pc(const TrapFrame* frame) { return frame->rip; }

inline uintptr_t phys_to_virt(uintptr_t phys) { return phys + DIRECT_MAP_BASE; }
inline uintptr_t virt_to_phys(uintptr_t virt) {
    // Kernel image addresses (-mcmodel=kernel) and direct-map addresses both
    // translate by subtraction; which one is decided by the top bits.
    return virt >= KERNEL_VMA ? virt - KERNEL_VMA : virt - DIRECT_MAP_BASE;
}

inline void interrupts_enable() { asm volatile("sti" ::: "memory"); }
inline void interrupts_disable() { asm volatile("cli" ::: "memory"); }
inline bool interrupts_enabled() {
    uint64_t flags;
    asm volatile("pushfq; popq %0" : "=r"(flags));
    return flags & (1 << 9);  // RFLAGS.IF
}
// `sti; hlt` as a pair: STI's one-instruction interrupt shadow means an
// interrupt cannot slip in between and leave us halted with work pending.
inline void wait_for_interrupt() { asm volatile("sti; hlt" ::: "memory"); }

inline uint64_t cycle_counter() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t(hi) << 32) | lo;
}

inline Cpu* this_cpu() {
    Cpu* cpu;
    asm volatile("movq %%gs:0, %0" : "=r"(cpu));
    return cpu;
}
inline unsigned cpu_id() { return this_cpu()->id; }

}  // namespace arch

namespace x86 {
// Each CPU's queue of cross-CPU calls waiting for it, and what runs them
// (arch/x86_64/smp.h): a lock-free stack that any CPU pushes onto and only
// its owner takes from (Linux's llist). One cache line each, so that CPUs
// polling their own queue do not share a line with the others'.
struct CpuCall;
struct alignas(64) CallQueue {
    CpuCall* head;
};
extern CallQueue g_call_queues[kMaxCpus];
void run_pending_calls();
}  // namespace x86

namespace arch {

// PAUSE tells the CPU we are spinning (saves power, helps the sibling
// thread). On x86-64 a spinning CPU also answers the cross-CPU calls
// waiting for it (TLB shootdowns): a CPU spinning with interrupts off on a
// lock whose holder is waiting for such an answer would otherwise wait
// forever (arch/x86_64/tlb.cpp, "Deadlock"). One load when there is none.
inline void cpu_relax() {
    asm volatile("pause" ::: "memory");
    if (__atomic_load_n(&x86::g_call_queues[cpu_id()].head, __ATOMIC_RELAXED))
        x86::run_pending_calls();
}

inline uintptr_t frame_pointer() { return uintptr_t(__builtin_frame_address(0)); }

}  // namespace arch
