// arch/x86_64/smp.h - several CPUs on x86-64: starting them, per-CPU set-up,
// and making one CPU do something on another (smp.cpp, smp_trampoline.S).
//
// The C++ part is below the assembler guard; above it are the numbers the
// real-mode trampoline (smp_trampoline.S) shares with C++, each checked
// with a static_assert, as in entry.h.
#pragma once

// ---- The real-mode trampoline -------------------------------------------------
// Where the trampoline is copied and where a started CPU begins: a STARTUP
// IPI can only say "page N below 1 MiB" (an 8-bit page number), and the CPU
// starts there in 16-bit real mode. Why 0x8000 is free on QEMU's microvm
// (and on a PC): the page allocator never hands out the first MiB
// (boot_main.cpp), and none of what firmware leaves there lives in this
// page - the real-mode IVT and BIOS data area are at 0..0x4ff, QEMU puts
// the Multiboot information at 0x9000 (hw/i386/multiboot.c, read once in
// boot_main and not needed after), the EBDA sits at 0x9fc00 and the
// firmware with its ACPI tables at 0xe0000 and up. (Looking at a booted
// microvm: between the BIOS data area and 0xa0000, only the pages at
// 0x7000 and 0x9000 hold anything - so xv6's 0x7000 would not do here.
// Linux allocates its trampoline below 1 MiB at boot, reserve_real_mode.)
#define TRAMPOLINE_PHYS 0x8000

// The parameters the boot CPU writes into the trampoline's copy before
// each start-up (struct TrampolineParams below): offsets from its start.
#define TP_CR3 0        // 32 bits: the trampoline page table's root, < 4 GiB
#define TP_CPU 4        // 32 bits: the new CPU's index (its cpu_id())
#define TP_STACK_TOP 8  // 64 bits: the top of its first kernel stack

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/cpu.h"

namespace x86 {

struct TrampolineParams {
    uint32_t cr3;
    uint32_t cpu;
    uint64_t stack_top;
};
static_assert(offsetof(TrampolineParams, cr3) == TP_CR3);
static_assert(offsetof(TrampolineParams, cpu) == TP_CPU);
static_assert(offsetof(TrampolineParams, stack_top) == TP_STACK_TOP);

// ---- Per-CPU set-up --------------------------------------------------------------
// Everything a CPU sets up for itself, the boot CPU (from arch::traps_init)
// and every other (from the trampoline) alike: the CR0/CR4 features
// (paging.cpp's enable_cpu_features), its own GDT and TSS with RSP0 =
// `kernel_stack_top`, the shared IDT, and SYSCALL's MSRs. Linux's
// cpu_init() and its callers on the boot and secondary paths.
void cpu_init(unsigned cpu, uintptr_t kernel_stack_top);

// ---- CPU numbers and APIC IDs ----------------------------------------------------
// cpu_id() is a CPU's index into g_cpus (0 = the boot CPU, then 1, 2, ... in
// the order they came up); the local APIC addresses CPUs by APIC ID, which
// the firmware chooses. Two tables translate (Linux's
// x86_cpu_to_apicid and its reverse lookup).
uint8_t apic_id_of_cpu(unsigned cpu);
// The index of the CPU with `apic_id`, or kMaxCpus if no online CPU has it.
unsigned cpu_of_apic_id(uint8_t apic_id);

// ---- Cross-CPU calls -------------------------------------------------------------
// fn(arg) run on another CPU, with interrupts off there, and the caller
// waiting until it has returned: Linux's smp_call_function_many() with
// wait = true. The request lives on the caller's stack; the target finds
// it in its queue, which the call-function IPI (or the target's own
// spinning, see tlb.cpp, "Deadlock") makes it look at.
struct CpuCall {
    void (*fn)(void*);
    void* arg;
    CpuCall* next;  // the next request in the target's queue
    bool done;      // set by the target once fn has returned
};

// (Each CPU's queue of them, g_call_queues, is declared in arch_inline.h:
// arch::cpu_relax() looks at it.)

// Runs fn(arg) on every online CPU in `cpu_mask` (bit n = CPU n; the
// calling CPU too if its bit is set) and returns when all have finished.
// May be called with interrupts on or off, and from inside another call's
// fn. fn must not block or take a lock someone may hold while waiting for
// this CPU; it may itself make cross-CPU calls. Panics if a CPU has not
// answered after kCallTimeoutSeconds (a hung CPU, not something to wait
// out).
void call_on_cpus(uint32_t cpu_mask, void (*fn)(void*), void* arg);
constexpr uint64_t kCallTimeoutSeconds = 5;  // Linux's csd_lock_timeout: 5 s

// Runs every request queued for the calling CPU. Called by the
// call-function IPI and by arch::cpu_relax() when the queue is not empty
// (which is why arch_inline.h declares it too).
void run_pending_calls();

// Every online CPU except the caller, as a mask for call_on_cpus.
uint32_t other_online_cpus();

// ---- Counters (for tests and debugging; Linux's /proc/interrupts rows
// "RES" and "CAL") ------------------------------------------------------------
struct IpiCounts {
    uint64_t reschedule;     // reschedule IPIs taken
    uint64_t call_function;  // call-function IPIs taken
    uint64_t calls_run;      // cross-CPU requests run (by IPI or by polling)
};
IpiCounts ipi_counts(unsigned cpu);
// The IPI handlers (interrupts.cpp calls them).
void handle_reschedule_ipi();
void handle_call_function_ipi();  // runs the calls queued for this CPU

}  // namespace x86

namespace arch {
// Runs fn(arg) on CPU `cpu` (the caller's own included) and returns when it
// has: x86::call_on_cpus with one bit, and the same rules for fn. Linux's
// smp_call_function_single(cpu, fn, arg, wait = 1). Declared here until
// arch/arch.h has it.
void run_on_cpu(unsigned cpu, void (*fn)(void*), void* arg);
}  // namespace arch

#endif  // !__ASSEMBLER__
