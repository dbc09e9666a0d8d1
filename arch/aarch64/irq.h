// arch/aarch64/irq.h - routing device interrupts on AArch64 (internal to arch/aarch64).
//
// Every interrupt reaches the CPU through the GIC as one IRQ exception; the
// GIC tells us which device it was (the interrupt ID). interrupts.cpp keeps
// a table from ID to handler, like Linux's irq_desc array / xv6's devintr().
#pragma once

#include <stdint.h>

namespace aarch64 {

// GIC interrupt ID ranges (GICv2 spec, "Interrupt IDs"):
//   0..15    SGIs, software-generated (inter-processor interrupts)
//   16..31   PPIs, private to each CPU (its timers)
//   32..1019 SPIs, shared peripherals; a device tree's "SPI n" is ID 32 + n
constexpr unsigned kFirstPpi = 16;
constexpr unsigned kFirstSpi = 32;
constexpr unsigned kMaxIrqs = 256;  // QEMU virt's GICv2 has 288 lines; we use few

// Called with IRQs masked, in the interrupt's exception context. The handler
// must quieten its device (so a level-triggered line drops) before returning.
using IrqHandler = void (*)(unsigned irq);

// Routes `irq` to `handler` and enables it at the GIC, targeted at this CPU.
// An SGI or PPI (irq < kFirstSpi) is enabled on this CPU only: every other
// CPU enables its own copy in irq_init_this_cpu.
void irq_register(unsigned irq, IrqHandler handler);
// On a secondary CPU as it starts: its GIC CPU interface, and every SGI and
// PPI that has a handler enabled in its banked registers, so each CPU takes
// the same per-CPU interrupts (its timer, IPIs) as the boot CPU.
void irq_init_this_cpu();
// Called by the IRQ vector (traps.cpp): acknowledges and dispatches every
// pending interrupt, then returns to the interrupted code.
void irq_handle();

// How often interrupt `irq` was taken, on all CPUs (Linux: /proc/interrupts).
uint64_t irq_count(unsigned irq);

// The GIC ID the console UART interrupts on (from the device tree).
unsigned console_irq();

// Set up by interrupts_init (timer.cpp): the generic timer's interrupt
// `irq` (a PPI) and the calling CPU's timer.
void timer_init(unsigned irq);
// Sets up this CPU's own timer (EL0 counter access, comparator quiet until
// programmed): each CPU has its own comparator, so a secondary CPU calls
// this as it starts (after irq_init_this_cpu has enabled the PPI for it).
void timer_start_this_cpu();

}  // namespace aarch64
