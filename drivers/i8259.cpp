// drivers/i8259.cpp - see i8259.h. Command words from the 8259A data sheet.
#include "drivers/i8259.h"

#include "arch/x86_64/include/portio.h"

namespace {
constexpr uint16_t kMasterCommand = 0x20, kMasterData = 0x21;
constexpr uint16_t kSlaveCommand = 0xa0, kSlaveData = 0xa1;

constexpr uint8_t kIcw1Init = 0x11;      // ICW1: initialise, edge triggered, ICW4 follows
constexpr uint8_t kIcw3MasterHasSlaveOnIrq2 = 1 << 2;
constexpr uint8_t kIcw3SlaveId = 2;      // the slave's cascade identity
constexpr uint8_t kIcw48086Mode = 0x01;  // ICW4: 8086 mode, normal EOI
constexpr uint8_t kMaskAll = 0xff;
}  // namespace

void i8259_disable(uint8_t vector_base) {
    // The four initialisation words, to each chip in turn. Without them the
    // PICs would keep whatever vector base they came up with - on a PC that
    // is 8, where IRQ 0 would look like a double fault.
    x86::outb(kMasterCommand, kIcw1Init);
    x86::outb(kSlaveCommand, kIcw1Init);
    x86::outb(kMasterData, vector_base);          // ICW2: vector of IRQ 0
    x86::outb(kSlaveData, uint8_t(vector_base + 8));  // ... and of IRQ 8
    x86::outb(kMasterData, kIcw3MasterHasSlaveOnIrq2);
    x86::outb(kSlaveData, kIcw3SlaveId);
    x86::outb(kMasterData, kIcw48086Mode);
    x86::outb(kSlaveData, kIcw48086Mode);
    // OCW1: mask every line. From here on the PICs raise nothing (the local
    // APIC's LINT0, where the master's output arrives, is masked too).
    x86::outb(kMasterData, kMaskAll);
    x86::outb(kSlaveData, kMaskAll);
}
