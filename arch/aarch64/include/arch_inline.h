// arch/aarch64/include/arch_inline.h - the inline part of arch/arch.h on AArch64.
#pragma once

#include <stdint.h>

#include "arch/aarch64/context.h"
#include "arch/aarch64/include/layout.h"
#include "arch/aarch64/trap_frame.h"
#include "kernel/cpu.h"

namespace arch {

// Which column of kernel/syscall/syscall_list.h holds this arch's numbers.
constexpr int kSyscallColumn = 1;
// The ELF e_machine of this arch's programs (EM_AARCH64); the ELF loader
// refuses executables built for any other machine.
constexpr uint16_t kElfMachine = 183;
// One past the highest user address.
constexpr uintptr_t kUserTop = 0x0001000000000000UL;

// ThreadContext (a switched-out thread's kernel registers) and UserCpuState
// (FP/SIMD registers and TPIDR_EL0) are defined in arch/aarch64/context.h,
// next to the offsets switch.S and fpsimd.S use.

inline uintptr_t phys_to_virt(uintptr_t phys) { return phys + DIRECT_MAP_BASE; }
inline uintptr_t virt_to_phys(uintptr_t virt) { return virt - DIRECT_MAP_BASE; }

// DAIF.I masks IRQs; we leave FIQ, SError and debug alone.
inline void interrupts_enable() { asm volatile("msr daifclr, #2" ::: "memory"); }
inline void interrupts_disable() { asm volatile("msr daifset, #2" ::: "memory"); }
inline bool interrupts_enabled() {
    uint64_t daif;
    asm volatile("mrs %0, daif" : "=r"(daif));
    return !(daif & (1 << 7));
}
// WFI first, then unmask. WFI ends when an interrupt is pending even while
// PSTATE masks it, so a wake-up IPI that arrived after the idle loop's last
// look at the run queues ends it at once, and is taken right after, when we
// unmask. The other order (unmask, then WFI) takes such an IRQ *before* the
// WFI, which then sleeps on until the next interrupt - up to a whole tick -
// with a runnable thread on this CPU's queue (rare: the IPI must land in a
// window of a few instructions). Linux's cpu_do_idle() also runs WFI with
// IRQs masked; x86's `sti; hlt` gets the same from STI's one-instruction delay.
// DSB: finish our memory accesses before sleeping, as Linux does.
inline void wait_for_interrupt() { asm volatile("dsb sy; wfi; msr daifclr, #2" ::: "memory"); }

inline uint64_t cycle_counter() {
    uint64_t v;
    // ISB: without it the counter read may be taken early, out of order with
    // the code being measured (Linux's arch_timer_read_cntvct_el0 does this).
    asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

inline Cpu* this_cpu() {
    Cpu* cpu;
    asm volatile("mrs %0, tpidr_el1" : "=r"(cpu));
    return cpu;
}
inline unsigned cpu_id() { return this_cpu()->id; }

// YIELD hints that we are spinning.
inline void cpu_relax() { asm volatile("yield" ::: "memory"); }

inline uintptr_t frame_pointer() { return uintptr_t(__builtin_frame_address(0)); }

// Linux's AArch64 system-call ABI, on the TrapFrame vectors.S saved: x8 =
// number, x0..x5 = arguments, the result in x0 (overwriting the first
// argument; Linux keeps a copy, orig_x0, to restart interrupted calls -
// Handoff does not restart them). Inline although arch.h declares them
// plainly: each is one load or store, and as calls they cost syscall_dispatch
// about 70 instructions of every system call (measured under icount).
inline uint64_t syscall_number(const TrapFrame* frame) { return frame->x[8]; }
inline uint64_t syscall_arg(const TrapFrame* frame, unsigned index) { return frame->x[index]; }
inline void set_syscall_result(TrapFrame* frame, uint64_t value) { frame->x[0] = value; }
inline void set_user_stack_pointer(TrapFrame* frame, uintptr_t sp) { frame->sp_el0 = sp; }
inline uintptr_t user_pc(const TrapFrame* frame) { return frame->elr; }

}  // namespace arch
