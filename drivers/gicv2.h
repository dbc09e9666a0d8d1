// drivers/gicv2.h - the Arm Generic Interrupt Controller, version 2.
//
// Between the devices and the CPUs sits the GIC. It has two register blocks:
//
//   the distributor (GICD), one for the machine: which interrupt lines are
//     enabled, their priority, and which CPU(s) each shared line goes to;
//   the CPU interface (GICC), one per CPU at the same address (each CPU sees
//     its own): the priority mask, "which interrupt is this?" (IAR, which
//     also marks it active) and "done with it" (EOIR).
//
// Life of an interrupt: a device raises its line -> the distributor forwards
// it, if enabled, to its target CPU's interface -> the CPU takes an IRQ
// exception -> the handler reads IAR to learn the ID -> quietens the device
// -> writes the same value to EOIR. Until EOIR the GIC does not deliver that
// ID again. Register names from the GICv2 architecture specification (Arm IHI
// 0048B); Linux's driver is drivers/irqchip/irq-gic.c.
//
// QEMU's `virt,gic-version=2` machine describes it in the device tree as
// "arm,cortex-a15-gic" with reg = <GICD base, size, GICC base, size>.
#pragma once

#include <stdint.h>

class Fdt;

class GicV2 {
public:
    // IAR's answer when nothing is pending (another CPU took it, or the
    // device dropped its line in the meantime): no EOI for that one.
    static constexpr unsigned kSpuriousId = 1023;

    // Where the two register blocks are in the device tree (physical).
    struct Location {
        uintptr_t distributor_phys = 0, distributor_size = 0;
        uintptr_t cpu_interface_phys = 0, cpu_interface_size = 0;
    };
    // Finds the GIC node ("arm,cortex-a15-gic" or "arm,gic-400") in the DTB.
    static bool find(const Fdt& fdt, Location* where);
    // The GIC interrupt ID of the index-th interrupt in a device node's
    // "interrupts" property. The GIC binding uses three cells per interrupt:
    // <type number flags>, type 0 = SPI (ID 32 + number), 1 = PPI (ID 16 +
    // number). False if the node has no such entry.
    static bool interrupt_from_dt(const Fdt& fdt, int node, int index, unsigned* id);

    // Once for the machine, on the boot CPU: every line disabled, default
    // priority, then the distributor on. `distributor` and `cpu_interface`
    // are virtual addresses of the register blocks. Also initializes the
    // calling CPU's interface.
    void init(uintptr_t distributor, uintptr_t cpu_interface);
    // On every other CPU when it starts: its banked PPI/SGI state and its
    // CPU interface. IDs 0..31 have one enable bit and one priority per CPU
    // (the distributor "banks" those registers by who is asking), so an SGI
    // or PPI enabled on the boot CPU is still off here until this CPU
    // enables it too (arch/aarch64/interrupts.cpp, irq_init_this_cpu).
    void init_this_cpu();

    // Number of interrupt IDs this GIC implements (GICD_TYPER.ITLinesNumber).
    unsigned line_count() const { return lines_; }

    void enable(unsigned id);
    void disable(unsigned id);
    // 0 is the most urgent; the CPU interface only signals priorities
    // numerically below its mask (kPriorityMask).
    void set_priority(unsigned id, uint8_t priority);
    // For SPIs: the set of CPUs (bit n = CPU interface n) the line goes to.
    // PPIs and SGIs always go to their own CPU; their target is read-only.
    void set_target(unsigned id, uint8_t cpu_mask);
    // Level-sensitive (the line stays up until the device is serviced) or
    // edge-triggered. PPIs' configuration may be fixed by the hardware.
    void set_edge_triggered(unsigned id, bool edge);
    // This CPU's own bit for set_target (GICD_ITARGETSR0, which reads back
    // the asking CPU's mask). 0 on a GIC built for one CPU, where the
    // target registers read as zero (all interrupts go to that CPU anyway).
    uint8_t this_cpu_mask() const;
    bool is_pending(unsigned id) const;
    // Makes `id` pending as if its device had raised it (GICD_ISPENDR):
    // how tests exercise an interrupt path without the device.
    void set_pending(unsigned id);

    // Sends software-generated interrupt `sgi` (0..15) to the CPUs in
    // `cpu_mask` (bit n = CPU interface n, as this_cpu_mask() reads on each
    // CPU): how one CPU interrupts others (GICD_SGIR). The receiving CPU's
    // IAR also names the sender (bits [12:10]); EOI with the whole value.
    // Stores made before the call are visible to the receivers before the
    // interrupt arrives.
    void send_sgi(unsigned sgi, uint8_t cpu_mask);
    // The same to the calling CPU itself, by the register's "this CPU only"
    // filter instead of a target list: works on a uniprocessor GIC too,
    // whose CPU has no mask (this_cpu_mask() reads 0 there).
    void send_sgi_to_self(unsigned sgi);

    // Reads GICC_IAR: the highest-priority pending interrupt, now active.
    // Bits [9:0] are the ID (kSpuriousId if none); pass the whole value
    // back to end_of_interrupt.
    uint32_t acknowledge();
    void end_of_interrupt(uint32_t iar);
    static unsigned interrupt_id(uint32_t iar) { return iar & 0x3ff; }

    static constexpr uint8_t kDefaultPriority = 0xa0;
    static constexpr uint8_t kPriorityMask = 0xf0;

private:
    uintptr_t gicd_ = 0;
    uintptr_t gicc_ = 0;
    unsigned lines_ = 0;
};

// The machine's GIC (QEMU virt has one).
GicV2& gic();
