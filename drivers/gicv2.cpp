// drivers/gicv2.cpp - see gicv2.h. Register offsets and bit names from the
// GICv2 architecture specification (Arm IHI 0048B), chapter 4.
#include "drivers/gicv2.h"

#include "drivers/mmio.h"
#include "kernel/lib/fdt.h"

namespace {

// Distributor (GICD_*). Most registers are arrays with one bit, two bits or
// one byte per interrupt ID: the helpers below compute which word and bit.
constexpr uintptr_t kGicdCtlr = 0x000;        // bit 0: forward interrupts to CPUs
constexpr uintptr_t kGicdTyper = 0x004;       // [4:0]: (lines / 32) - 1
constexpr uintptr_t kGicdIsenabler = 0x100;   // write 1: enable (1 bit per ID)
constexpr uintptr_t kGicdIcenabler = 0x180;   // write 1: disable
constexpr uintptr_t kGicdIspendr = 0x200;     // read: pending
constexpr uintptr_t kGicdIcpendr = 0x280;     // write 1: clear pending
constexpr uintptr_t kGicdIcactiver = 0x380;   // write 1: clear active
constexpr uintptr_t kGicdIpriorityr = 0x400;  // 1 byte per ID
constexpr uintptr_t kGicdItargetsr = 0x800;   // 1 byte per ID: CPU mask
constexpr uintptr_t kGicdIcfgr = 0xc00;       // 2 bits per ID: bit 1 = edge
// Software generated interrupts: [25:24] target filter (0 = the CPUs in
// the list, 2 = only the CPU that writes), [23:16] CPU target list, [3:0]
// the SGI's ID.
constexpr uintptr_t kGicdSgir = 0xf00;
constexpr unsigned kSgirTargetListShift = 16;
constexpr uint32_t kSgirToSelf = 2u << 24;

// CPU interface (GICC_*), banked per CPU.
constexpr uintptr_t kGiccCtlr = 0x00;  // bit 0: signal interrupts to this CPU
constexpr uintptr_t kGiccPmr = 0x04;   // priority mask
constexpr uintptr_t kGiccBpr = 0x08;   // binary point (preemption grouping)
constexpr uintptr_t kGiccIar = 0x0c;   // interrupt acknowledge
constexpr uintptr_t kGiccEoir = 0x10;  // end of interrupt

// IDs 0..31 (SGIs and PPIs) are banked per CPU: each CPU's accesses to the
// first word of each array reach its own copy.
constexpr unsigned kBankedIds = 32;

GicV2 g_gic;

}  // namespace

GicV2& gic() { return g_gic; }

bool GicV2::find(const Fdt& fdt, Location* where) {
    // QEMU virt says "arm,cortex-a15-gic"; a real GIC-400 (Raspberry Pi 4)
    // says "arm,gic-400". Same programming model.
    static const char* const kCompatible[] = {"arm,cortex-a15-gic", "arm,gic-400"};
    for (const char* compatible : kCompatible) {
        int node = fdt.find_compatible(compatible);
        if (node == Fdt::kNone) continue;
        // reg = <distributor base, size, CPU interface base, size, ...>
        // (a GIC with virtualization support lists two more blocks).
        uint64_t base, size;
        if (!fdt.read_reg(node, 0, &base, &size)) return false;
        where->distributor_phys = base;
        where->distributor_size = size;
        if (!fdt.read_reg(node, 1, &base, &size)) return false;
        where->cpu_interface_phys = base;
        where->cpu_interface_size = size;
        return true;
    }
    return false;
}

bool GicV2::interrupt_from_dt(const Fdt& fdt, int node, int index, unsigned* id) {
    constexpr int kCellsPerInterrupt = 3;
    constexpr int kMaxInterrupts = 8;  // the /timer node has 4
    constexpr uint32_t kTypeSpi = 0, kTypePpi = 1;
    if (index < 0 || index >= kMaxInterrupts) return false;
    if (fdt.interrupt_cells(node) != kCellsPerInterrupt) return false;
    uint32_t cells[kCellsPerInterrupt * kMaxInterrupts];
    int count = fdt.read_interrupts(node, cells, kCellsPerInterrupt * kMaxInterrupts);
    if (count < (index + 1) * kCellsPerInterrupt) return false;
    uint32_t type = cells[index * kCellsPerInterrupt],
             number = cells[index * kCellsPerInterrupt + 1];
    if (type == kTypeSpi && number < 988) {
        *id = 32 + number;
    } else if (type == kTypePpi && number < 16) {
        *id = 16 + number;
    } else {
        return false;
    }
    return true;
}

void GicV2::init(uintptr_t distributor, uintptr_t cpu_interface) {
    gicd_ = distributor;
    gicc_ = cpu_interface;
    lines_ = 32 * ((mmio_read32(gicd_ + kGicdTyper) & 0x1f) + 1);
    if (lines_ > 1020) lines_ = 1020;  // IDs 1020..1023 are special

    // Distributor off while we set it up, then every shared line: disabled,
    // not pending or active (a previous boot stage may have left some),
    // default priority, level-triggered, no target yet.
    mmio_write32(gicd_ + kGicdCtlr, 0);
    for (unsigned id = kBankedIds; id < lines_; id += 32) {
        mmio_write32(gicd_ + kGicdIcenabler + id / 8, 0xffffffff);
        mmio_write32(gicd_ + kGicdIcpendr + id / 8, 0xffffffff);
        mmio_write32(gicd_ + kGicdIcactiver + id / 8, 0xffffffff);
    }
    for (unsigned id = kBankedIds; id < lines_; id++) {
        mmio_write8(gicd_ + kGicdIpriorityr + id, kDefaultPriority);
        mmio_write8(gicd_ + kGicdItargetsr + id, 0);
    }
    for (unsigned id = kBankedIds; id < lines_; id += 16)
        mmio_write32(gicd_ + kGicdIcfgr + id / 4, 0);
    // All interrupts stay in group 0 (the reset value). Without the GIC's
    // security extensions (QEMU virt unless secure=on) group 0 is signalled
    // as IRQ, which is what our vectors expect.
    mmio_write32(gicd_ + kGicdCtlr, 1);

    init_this_cpu();
}

void GicV2::init_this_cpu() {
    // This CPU's banked SGIs and PPIs: disabled, default priority.
    mmio_write32(gicd_ + kGicdIcenabler, 0xffffffff);
    mmio_write32(gicd_ + kGicdIcpendr, 0xffffffff);
    mmio_write32(gicd_ + kGicdIcactiver, 0xffffffff);
    for (unsigned id = 0; id < kBankedIds; id++)
        mmio_write8(gicd_ + kGicdIpriorityr + id, kDefaultPriority);

    // Let every priority more urgent than kPriorityMask through; no
    // preemption grouping (BPR 0: interrupts nest by full priority, though
    // Handoff never unmasks IRQs inside a handler anyway).
    mmio_write32(gicc_ + kGiccPmr, kPriorityMask);
    mmio_write32(gicc_ + kGiccBpr, 0);
    mmio_write32(gicc_ + kGiccCtlr, 1);
}

void GicV2::enable(unsigned id) {
    mmio_write32(gicd_ + kGicdIsenabler + (id / 32) * 4, 1u << (id % 32));
}

void GicV2::disable(unsigned id) {
    mmio_write32(gicd_ + kGicdIcenabler + (id / 32) * 4, 1u << (id % 32));
}

void GicV2::set_priority(unsigned id, uint8_t priority) {
    mmio_write8(gicd_ + kGicdIpriorityr + id, priority);
}

void GicV2::set_target(unsigned id, uint8_t cpu_mask) {
    if (id < kBankedIds) return;  // read-only for SGIs and PPIs
    mmio_write8(gicd_ + kGicdItargetsr + id, cpu_mask);
}

void GicV2::set_edge_triggered(unsigned id, bool edge) {
    uintptr_t reg = gicd_ + kGicdIcfgr + (id / 16) * 4;
    unsigned shift = (id % 16) * 2 + 1;  // bit 1 of the ID's 2-bit field
    uint32_t value = mmio_read32(reg);
    value = edge ? (value | (1u << shift)) : (value & ~(1u << shift));
    mmio_write32(reg, value);
}

uint8_t GicV2::this_cpu_mask() const {
    // The first ITARGETSR word is banked and read-only: each byte is the
    // reading CPU's own mask (Linux's gic_get_cpumask()).
    uint32_t mask = mmio_read32(gicd_ + kGicdItargetsr);
    mask |= mask >> 16;
    mask |= mask >> 8;
    return uint8_t(mask);
}

bool GicV2::is_pending(unsigned id) const {
    return mmio_read32(gicd_ + kGicdIspendr + (id / 32) * 4) & (1u << (id % 32));
}

void GicV2::set_pending(unsigned id) {
    mmio_write32(gicd_ + kGicdIspendr + (id / 32) * 4, 1u << (id % 32));
}

void GicV2::send_sgi(unsigned sgi, uint8_t cpu_mask) {
    // The receiver will look at memory we wrote just before (a run queue, a
    // call slot): those stores must be visible to it before it can take the
    // interrupt, and a store to normal memory and a write to a device
    // register are not ordered by themselves (Linux: the dmb(ishst) in
    // gic_ipi_send_mask).
    asm volatile("dmb ishst" ::: "memory");
    mmio_write32(gicd_ + kGicdSgir, (uint32_t(cpu_mask) << kSgirTargetListShift) | (sgi & 0xf));
}

void GicV2::send_sgi_to_self(unsigned sgi) {
    asm volatile("dmb ishst" ::: "memory");  // as in send_sgi
    mmio_write32(gicd_ + kGicdSgir, kSgirToSelf | (sgi & 0xf));
}

uint32_t GicV2::acknowledge() { return mmio_read32(gicc_ + kGiccIar); }

void GicV2::end_of_interrupt(uint32_t iar) { mmio_write32(gicc_ + kGiccEoir, iar); }
