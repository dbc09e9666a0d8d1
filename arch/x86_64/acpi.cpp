// arch/x86_64/acpi.cpp - see acpi.h. Layouts from the ACPI 6.5
// specification, sections 5.2.5 (RSDP), 5.2.6 (table header) and 5.2.12
// (MADT).
#include "arch/x86_64/acpi.h"

#include <stddef.h>

#include "arch/x86_64/paging.h"
#include "kernel/lib/string.h"

namespace {

struct [[gnu::packed]] Rsdp {
    char signature[8];      // "RSD PTR "
    uint8_t checksum;       // the first 20 bytes sum to 0
    char oem_id[6];
    uint8_t revision;       // 0: ACPI 1.0 (RSDT only); 2+: XSDT fields valid
    uint32_t rsdt_address;
    uint32_t length;        // revision 2+ from here on
    uint64_t xsdt_address;
    uint8_t extended_checksum;
    uint8_t reserved[3];
};
static_assert(sizeof(Rsdp) == 36);

struct [[gnu::packed]] TableHeader {
    char signature[4];
    uint32_t length;        // of the whole table, header included
    uint8_t revision;
    uint8_t checksum;       // all `length` bytes sum to 0
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
};
static_assert(sizeof(TableHeader) == 36);

struct [[gnu::packed]] Madt {
    TableHeader header;
    uint32_t lapic_address;
    uint32_t flags;         // bit 0: the machine also has 8259 PICs
    // followed by variable-length entries, each starting {type, length}
};
static_assert(sizeof(Madt) == 44);

// MADT entry types and their layouts.
constexpr uint8_t kMadtLocalApic = 0;
constexpr uint8_t kMadtIoApic = 1;
constexpr uint8_t kMadtSourceOverride = 2;
constexpr uint8_t kMadtLocalApicAddressOverride = 5;

struct [[gnu::packed]] MadtLocalApic {
    uint8_t type, length;
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags;         // bit 0: enabled; bit 1: can be enabled later
};
struct [[gnu::packed]] MadtIoApic {
    uint8_t type, length;
    uint8_t id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;      // the first GSI this I/O APIC's pin 0 serves
};
struct [[gnu::packed]] MadtSourceOverride {
    uint8_t type, length;
    uint8_t bus;            // 0: ISA
    uint8_t source;         // the ISA IRQ
    uint32_t gsi;
    uint16_t flags;         // bits 0..1 polarity, 2..3 trigger mode
};
struct [[gnu::packed]] MadtLocalApicAddressOverride {
    uint8_t type, length;
    uint16_t reserved;
    uint64_t address;
};
static_assert(sizeof(MadtLocalApic) == 8);
static_assert(sizeof(MadtIoApic) == 12);
static_assert(sizeof(MadtSourceOverride) == 10);
static_assert(sizeof(MadtLocalApicAddressOverride) == 12);

// MPS INTI flags in a source override: 01 = active high, 11 = active low;
// 01 = edge, 11 = level (00 = "as the bus says", which for ISA is high/edge).
constexpr uint16_t kPolarityMask = 3, kPolarityActiveLow = 3;
constexpr uint16_t kTriggerMask = 3 << 2, kTriggerLevel = 3 << 2;

constexpr uint32_t kMadtLocalApicEnabled = 1 << 0;

bool checksum_ok(const void* p, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) sum = uint8_t(sum + static_cast<const uint8_t*>(p)[i]);
    return sum == 0;
}

// The RSDP sits on a 16-byte boundary in the first KiB of the EBDA or in the
// BIOS ROM area 0xe0000..0xfffff (ACPI 5.2.5.1).
const Rsdp* find_rsdp() {
    struct {
        uintptr_t base, size;
    } areas[2] = {{0xe0000, 0x20000}, {0, 0}};
    // The EBDA's segment is stored at 0x40e in the BIOS data area.
    uintptr_t bda = x86::map_firmware(0x40e, 2);
    areas[1] = {uintptr_t(*reinterpret_cast<const uint16_t*>(bda)) << 4, 1024};
    for (const auto& area : areas) {
        if (area.base == 0) continue;
        uintptr_t va = x86::map_firmware(area.base, area.size);
        for (uintptr_t off = 0; off + sizeof(Rsdp) <= area.size; off += 16) {
            auto* rsdp = reinterpret_cast<const Rsdp*>(va + off);
            if (memcmp(rsdp->signature, "RSD PTR ", 8) == 0 && checksum_ok(rsdp, 20)) return rsdp;
        }
    }
    return nullptr;
}

// Maps the table at `phys` (header first, to learn its length) and checks
// it. Returns nullptr for a broken table.
const TableHeader* map_table(uintptr_t phys) {
    auto* header =
        reinterpret_cast<const TableHeader*>(x86::map_firmware(phys, sizeof(TableHeader)));
    if (header->length < sizeof(TableHeader)) return nullptr;
    x86::map_firmware(phys, header->length);
    return checksum_ok(header, header->length) ? header : nullptr;
}

// Looks `signature` up in the RSDT (32-bit pointers) or XSDT (64-bit).
const TableHeader* find_table(const Rsdp* rsdp, const char* signature) {
    bool xsdt = rsdp->revision >= 2 && rsdp->xsdt_address != 0;
    const TableHeader* root = map_table(xsdt ? rsdp->xsdt_address : rsdp->rsdt_address);
    if (!root) return nullptr;
    size_t entry_size = xsdt ? 8 : 4;
    size_t count = (root->length - sizeof(TableHeader)) / entry_size;
    auto* entries = reinterpret_cast<const uint8_t*>(root + 1);
    for (size_t i = 0; i < count; i++) {
        uint64_t phys = 0;
        memcpy(&phys, entries + i * entry_size, entry_size);  // unaligned, little-endian
        const TableHeader* table = map_table(phys);
        if (table && memcmp(table->signature, signature, 4) == 0) return table;
    }
    return nullptr;
}

}  // namespace

bool acpi_read_madt(MadtInfo* out) {
    const Rsdp* rsdp = find_rsdp();
    if (!rsdp) return false;
    auto* madt = reinterpret_cast<const Madt*>(find_table(rsdp, "APIC"));
    if (!madt) return false;

    MadtInfo info;
    info.lapic_phys = madt->lapic_address;
    for (unsigned irq = 0; irq < 16; irq++) info.isa[irq] = {irq, false, false};
    bool have_ioapic = false;
    auto* p = reinterpret_cast<const uint8_t*>(madt + 1);
    auto* end = reinterpret_cast<const uint8_t*>(madt) + madt->header.length;
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        switch (p[0]) {
        case kMadtLocalApic: {
            auto* e = reinterpret_cast<const MadtLocalApic*>(p);
            if (e->flags & kMadtLocalApicEnabled) {
                if (info.cpu_count < kMaxCpus) info.apic_ids[info.cpu_count] = e->apic_id;
                info.cpu_count++;
            }
            break;
        }
        case kMadtIoApic: {
            // Several I/O APICs split the GSIs between them (microvm adds a
            // second one for virtio-mmio). ISA IRQs live on the one at GSI 0.
            auto* e = reinterpret_cast<const MadtIoApic*>(p);
            if (!have_ioapic || e->gsi_base == 0) {
                info.ioapic_phys = e->address;
                info.ioapic_gsi_base = e->gsi_base;
                have_ioapic = true;
            }
            break;
        }
        case kMadtSourceOverride: {
            auto* e = reinterpret_cast<const MadtSourceOverride*>(p);
            if (e->bus == 0 && e->source < 16)
                info.isa[e->source] = {e->gsi, (e->flags & kPolarityMask) == kPolarityActiveLow,
                                       (e->flags & kTriggerMask) == kTriggerLevel};
            break;
        }
        case kMadtLocalApicAddressOverride:
            info.lapic_phys = reinterpret_cast<const MadtLocalApicAddressOverride*>(p)->address;
            break;
        }
        p += p[1];
    }
    if (!have_ioapic) return false;
    *out = info;
    return true;
}
