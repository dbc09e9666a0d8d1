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
// the same gap: TASK_SIZE_MAX).
constexpr uintptr_t kUserTop = 0x00007ffffffff000UL;

// A switched-out thread's kernel context: switch_context() pushes the
// callee-saved registers (rbx rbp r12-r15) and its return address on the
// thread's own kernel stack, so only the stack pointer needs a home here.
struct ThreadContext {
    uint64_t rsp = 0;
};

// User-visible CPU state the kernel switches per thread: the x87/SSE
// registers (FXSAVE's 512-byte image, which must be 16-byte aligned) and the
// FS base (the thread pointer, set by arch_prctl or CLONE_SETTLS).
struct UserCpuState {
    alignas(16) uint8_t fxsave[512] = {};
    uint64_t fs_base = 0;
};

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

// PAUSE tells the CPU we are spinning (saves power, helps the sibling thread).
inline void cpu_relax() { asm volatile("pause" ::: "memory"); }

inline uintptr_t frame_pointer() { return uintptr_t(__builtin_frame_address(0)); }

}  // namespace arch
