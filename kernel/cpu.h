// kernel/cpu.h - per-CPU data.
//
// Each CPU finds its own `Cpu` in one instruction: through the GS base on
// x86-64 (like Linux's per-cpu area, `%gs:0` holds the self pointer) and
// through TPIDR_EL1 on AArch64. Fields that assembly reads have their offsets
// checked with static_assert next to the assembly's constants.
#pragma once

#include <stdint.h>

struct TrapCatch;
struct Thread;

constexpr unsigned kMaxCpus = 8;

struct Cpu {
    Cpu* self;                    // offset 0: the x86-64 %gs:0 self pointer
    unsigned id;                  // 0 = the boot CPU
    TrapCatch* trap_catch;        // armed recovery point, see kernel/trap_catch.h
    uint64_t ticks;               // timer interrupts taken on this CPU
    uint64_t interrupts;          // all device interrupts taken on this CPU
    Thread* current;              // the thread running here (kernel/sched)
    Thread* idle;                 // this CPU's idle thread
    Thread* switched_from;        // the thread switched away from, until it is off the CPU
    // x86-64 SYSCALL entry (arch/x86_64/syscall_entry.S; offsets checked in
    // arch/x86_64/entry.h). SYSCALL switches neither stack nor anything
    // else, so the entry finds its kernel stack here (kept equal to the
    // TSS's RSP0 by arch::set_kernel_stack) and parks the user's rsp in the
    // scratch slot for the few instructions it has no free register.
    // Unused on AArch64.
    uintptr_t syscall_stack_top;  // top of the running thread's kernel stack
    uint64_t syscall_scratch;     // the user's rsp during SYSCALL entry
    // AArch64 (arch/aarch64/thread.cpp): the top of the running thread's
    // kernel stack, recorded by arch::set_kernel_stack. Only bookkeeping:
    // every exception from EL0 lands on SP_EL1, which the thread's own ERET
    // left at exactly this address; the EL0 entry and return_to_user check
    // that it does. Unused on x86-64.
    uintptr_t el0_stack_top;
};

extern Cpu g_cpus[kMaxCpus];

namespace arch {
// The calling CPU's Cpu (inline, per arch).
inline Cpu* this_cpu();
// Point this CPU's per-CPU register at `cpu` (boot and CPU bring-up only).
void set_this_cpu(Cpu* cpu);
}  // namespace arch
