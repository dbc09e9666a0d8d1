// arch/aarch64/smp.h - starting the other CPUs, and interrupts between CPUs
// (internal to arch/aarch64; the arch-neutral part is arch/arch.h's "SMP").
//
// SecondaryBoot is what the boot CPU hands a CPU it starts: PSCI CPU_ON
// passes one number through to the new CPU (the "context id", x0 at
// boot/aarch64/entry.S's secondary_entry), and we make it the physical
// address of one of these. The new CPU reads the first fields with its MMU
// still off, so their offsets are written twice, for the assembler and for
// C++, and checked against each other (the scheme of trap_frame.h).
#pragma once

#define SECONDARY_BOOT_TTBR0 0       /* identity map of .idmap.text, physical */
#define SECONDARY_BOOT_TTBR1 8       /* the kernel's tables, physical */
#define SECONDARY_BOOT_STACK_TOP 16  /* top of this CPU's first stack, virtual */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

namespace aarch64 {

struct SecondaryBoot {
    uint64_t ttbr0;
    uint64_t ttbr1;
    uint64_t stack_top;
    unsigned cpu;       // the index it will have: g_cpus[cpu]
    // The handshake (smp.cpp): the boot CPU sets kStarting; then exactly one
    // of the two CPUs moves it on with a compare-and-swap - the new CPU to
    // kOnline when it is ready, or the boot CPU to kAbandoned when it gave
    // up waiting. So a CPU that turns up late can never take an index the
    // boot CPU has since given to another.
    uint32_t state;
    uint8_t gic_cpu_mask;  // the new CPU's GICD_ITARGETSR0, read on it
};
constexpr uint32_t kSecondaryStarting = 0, kSecondaryOnline = 1, kSecondaryAbandoned = 2;

static_assert(offsetof(SecondaryBoot, ttbr0) == SECONDARY_BOOT_TTBR0);
static_assert(offsetof(SecondaryBoot, ttbr1) == SECONDARY_BOOT_TTBR1);
static_assert(offsetof(SecondaryBoot, stack_top) == SECONDARY_BOOT_STACK_TOP);

// The GIC's SGIs (software-generated interrupts, IDs 0..15) Handoff uses, as
// Linux numbers its arm64 IPIs (arch/arm64/kernel/smp.c, enum ipi_msg_type).
constexpr unsigned kSgiReschedule = 0;     // IPI_RESCHEDULE
constexpr unsigned kSgiCallFunction = 1;   // IPI_CALL_FUNC

// How many reschedule IPIs CPU `cpu` has taken (for tests and reports).
uint64_t reschedule_ipis_received(unsigned cpu);
// CPU `cpu`'s bit in GIC target lists (GICD_ITARGETSR / GICD_SGIR), and
// its MPIDR_EL1 affinity, as start_secondary_cpus recorded them.
uint8_t gic_cpu_mask(unsigned cpu);
uint64_t cpu_mpidr(unsigned cpu);
// CPUs the device tree describes (0 until start_secondary_cpus has run).
unsigned cpus_described();

}  // namespace aarch64

namespace arch {
// Runs fn(arg) on CPU `cpu`, in its interrupt context, and returns when it
// has finished (Linux's smp_call_function_single with wait = 1). On the
// calling CPU itself it simply calls fn with interrupts off. Call it with
// interrupts ON, from thread context: a CPU waiting here with them off could
// never answer a call aimed at it, and two such CPUs would wait for each
// other forever. fn must be short and must not block.
void run_on_cpu(unsigned cpu, void (*fn)(void*), void* arg);
}  // namespace arch
#endif
