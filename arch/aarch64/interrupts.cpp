// arch/aarch64/interrupts.cpp - from "an IRQ happened" to the device's handler.
//
// On AArch64 every device interrupt arrives as the same IRQ exception
// (vectors.S -> traps.cpp -> irq_handle here). Which device it was is the
// GIC's answer to "acknowledge" (drivers/gicv2.h). interrupts_init() finds
// the GIC, the timer and the UART in the device tree, and routes:
//
//   GIC ID 0  (SGI 0)   reschedule IPI      -> smp.cpp (every CPU; registered
//   GIC ID 1  (SGI 1)   call-function IPI   -> smp.cpp  by start_secondary_cpus)
//   GIC ID 27 (PPI 11)  EL1 virtual timer   -> timer.cpp: kernel timers (every CPU)
//   GIC ID 33 (SPI 1)   PL011 UART receive  -> uart_interrupt: input ring
//                                              (CPU 0 only: one CPU suffices)
//
// (the numbers are QEMU virt's; the device tree is what we believe). Linux's
// counterparts: gic_handle_irq() in drivers/irqchip/irq-gic.c and the
// generic irq_desc layer; xv6-riscv's devintr() with its PLIC.
#include "arch/aarch64/irq.h"
#include "arch/arch.h"
#include "drivers/gicv2.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/lib/fdt.h"
#include "kernel/lib/ring_buffer.h"
#include "kernel/printk.h"

namespace {

// Used when the device tree lacks a node (QEMU virt's values).
constexpr unsigned kDefaultTimerIrq = 27;  // PPI 11: EL1 virtual timer
constexpr unsigned kDefaultUartIrq = 33;   // SPI 1: the PL011
// The /timer node lists: secure physical, non-secure physical, virtual,
// hypervisor. We are an EL1 kernel using the virtual timer.
constexpr int kTimerVirtualIndex = 2;

aarch64::IrqHandler g_handlers[aarch64::kMaxIrqs];
uint64_t g_counts[aarch64::kMaxIrqs];  // per ID, all CPUs

unsigned g_console_irq;

void uart_interrupt(unsigned) {
    // Reading the data register until the receive FIFO is empty takes the
    // bytes *and* acknowledges the device: the PL011's receive and receive-
    // timeout interrupts clear once the FIFO drains (PL011 TRM, UARTRIS), so
    // its level-triggered line drops before we send the GIC its EOI.
    console_drain_device();
}

unsigned find_irq(const Fdt& fdt, const char* compatible, int index, unsigned fallback) {
    int node = fdt.find_compatible(compatible);
    unsigned id;
    if (node != Fdt::kNone && GicV2::interrupt_from_dt(fdt, node, index, &id)) return id;
    kprintf("interrupts: no interrupt for \"%s\" in the device tree, using %u\n", compatible,
            fallback);
    return fallback;
}

}  // namespace

namespace aarch64 {

void irq_register(unsigned irq, IrqHandler handler) {
    KASSERT(irq < kMaxIrqs && irq < gic().line_count());
    g_handlers[irq] = handler;
    gic().set_priority(irq, GicV2::kDefaultPriority);
    gic().set_target(irq, gic().this_cpu_mask());  // ignored for PPIs: always ours
    gic().enable(irq);
}

void irq_init_this_cpu() {
    gic().init_this_cpu();
    for (unsigned irq = 0; irq < kFirstSpi; irq++) {
        if (!g_handlers[irq]) continue;
        gic().set_priority(irq, GicV2::kDefaultPriority);
        gic().enable(irq);
    }
}

void irq_handle() {
    // Take interrupts until the GIC has none left for us, so two devices
    // interrupting together cost one exception (Linux's gic_handle_irq loop).
    for (;;) {
        uint32_t iar = gic().acknowledge();
        unsigned irq = GicV2::interrupt_id(iar);
        // 1023: nothing pending - the line dropped, or another CPU took it.
        if (irq == GicV2::kSpuriousId) return;
        arch::this_cpu()->interrupts++;
        if (irq < kMaxIrqs) __atomic_add_fetch(&g_counts[irq], 1, __ATOMIC_RELAXED);
        if (irq < kMaxIrqs && g_handlers[irq]) {
            g_handlers[irq](irq);
        } else {
            // Nobody asked for it: switch it off so a level-triggered line
            // does not interrupt us forever.
            gic().disable(irq);
            kprintf("interrupts: unexpected interrupt %u, disabled\n", irq);
        }
        gic().end_of_interrupt(iar);
    }
}

uint64_t irq_count(unsigned irq) {
    return irq < kMaxIrqs ? __atomic_load_n(&g_counts[irq], __ATOMIC_RELAXED) : 0;
}

unsigned console_irq() { return g_console_irq; }

}  // namespace aarch64

namespace arch {

void interrupts_init(const BootInfo& boot) {
    Fdt fdt;
    if (!boot.device_tree || !fdt.init(boot.device_tree, Fdt::kMaxBootSize))
        panic("interrupts_init: no usable device tree");
    GicV2::Location where;
    if (!GicV2::find(fdt, &where))
        panic("interrupts_init: no GICv2 in the device tree (QEMU needs -M virt,gic-version=2)");
    // paging_init mapped both register blocks into the direct map, as device memory.
    gic().init(phys_to_virt(where.distributor_phys), phys_to_virt(where.cpu_interface_phys));

    aarch64::timer_init(find_irq(fdt, "arm,armv8-timer", kTimerVirtualIndex, kDefaultTimerIrq));
    g_console_irq = find_irq(fdt, "arm,pl011", 0, kDefaultUartIrq);
    aarch64::irq_register(g_console_irq, uart_interrupt);
    // IRQs stay masked in PSTATE until kmain calls interrupts_enable().
}

}  // namespace arch
