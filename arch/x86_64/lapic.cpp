// arch/x86_64/lapic.cpp - see lapic.h.
#include "arch/x86_64/lapic.h"

#include "arch/arch.h"
#include "arch/x86_64/cpu_regs.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/vectors.h"
#include "drivers/mmio.h"

namespace x86 {
namespace {

// Register offsets from the APIC base (Intel SDM vol. 3, table 11-1).
constexpr uintptr_t kRegId = 0x020;
constexpr uintptr_t kRegTaskPriority = 0x080;
constexpr uintptr_t kRegEoi = 0x0b0;
constexpr uintptr_t kRegSpurious = 0x0f0;
constexpr uintptr_t kRegErrorStatus = 0x280;
constexpr uintptr_t kRegIcrLow = 0x300;   // writing it sends the message
constexpr uintptr_t kRegIcrHigh = 0x310;  // bits 24..31: the destination APIC ID
constexpr uintptr_t kRegLvtTimer = 0x320;
constexpr uintptr_t kRegLvtLint0 = 0x350;
constexpr uintptr_t kRegLvtLint1 = 0x360;
constexpr uintptr_t kRegLvtError = 0x370;
constexpr uintptr_t kRegTimerInitialCount = 0x380;
constexpr uintptr_t kRegTimerCurrentCount = 0x390;
constexpr uintptr_t kRegTimerDivide = 0x3e0;

constexpr uint32_t kSpuriousApicEnable = 1 << 8;  // the software enable bit
constexpr uint32_t kLvtMasked = 1 << 16;
// LVT timer mode, bits 17-18: 00 one-shot, 01 periodic, 10 TSC-deadline.
constexpr uint32_t kLvtTimerOneShot = 0 << 17;
constexpr uint32_t kLvtTimerTscDeadline = 2 << 17;
constexpr uint32_t kCpuidTscDeadline = 1 << 24;   // CPUID.01H:ECX
constexpr uint32_t kLvtDeliveryNmi = 4 << 8;
constexpr uint32_t kTimerDivideBy1 = 0xb;         // the odd encoding of "divide by 1"

// Interrupt command register bits (SDM vol. 3, figure 11-12). Destination
// mode 0 (physical: the high word is an APIC ID) and no shorthand.
constexpr uint32_t kIcrFixed = 0 << 8;           // delivery mode: the vector, to the CPU
constexpr uint32_t kIcrInit = 5 << 8;            // delivery mode: INIT
constexpr uint32_t kIcrStartup = 6 << 8;         // delivery mode: start-up (SIPI)
constexpr uint32_t kIcrSendPending = 1 << 12;    // delivery status: not yet accepted
constexpr uint32_t kIcrAssert = 1 << 14;         // level: assert (always, except INIT de-assert)
constexpr uint32_t kIcrLevelTriggered = 1 << 15; // trigger mode (INIT wants level)

constexpr uint64_t kApicBaseGlobalEnable = 1 << 11;  // IA32_APIC_BASE bit 11
constexpr uint64_t kApicBaseAddressMask = 0xffffff000ull;

uintptr_t g_regs;  // virtual address of the register page

uint32_t read(uintptr_t reg) { return mmio_read32(g_regs + reg); }
void write(uintptr_t reg, uint32_t value) { mmio_write32(g_regs + reg, value); }

// Sends one ICR message. The two writes must not be split by an interrupt
// handler that sends an IPI of its own (it would change the destination
// under us), hence interrupts off. The APIC takes one message at a time:
// wait until the previous one has been accepted before writing the next
// (Linux's __xapic_wait_icr_idle). A plain `pause` in the wait, not
// arch::cpu_relax(), which may run cross-CPU calls that send IPIs themselves.
void send_icr(uint8_t apic_id, uint32_t command) {
    bool irqs_were_on = arch::interrupts_enabled();
    arch::interrupts_disable();
    while (read(kRegIcrLow) & kIcrSendPending) asm volatile("pause");
    write(kRegIcrHigh, uint32_t(apic_id) << 24);
    write(kRegIcrLow, command);
    if (irqs_were_on) arch::interrupts_enable();
}

}  // namespace

void lapic_init() {
    uint64_t base = rdmsr(kMsrApicBase);
    // The global enable bit in IA32_APIC_BASE; firmware has normally set it
    // already (with it clear the APIC is switched off, not just quiet).
    if (!(base & kApicBaseGlobalEnable)) wrmsr(kMsrApicBase, base | kApicBaseGlobalEnable);
    if (!g_regs) g_regs = map_mmio(base & kApicBaseAddressMask, 4096);

    write(kRegTaskPriority, 0);  // accept every priority class
    write(kRegLvtLint0, kLvtMasked);
    write(kRegLvtLint1, kLvtDeliveryNmi);
    write(kRegLvtError, kVectorLapicError);
    // A write makes the error status register take in (and the APIC forget)
    // the errors seen so far: this clears what firmware may have left.
    write(kRegErrorStatus, 0);
    // Last, the software enable: from here on the APIC delivers interrupts.
    write(kRegSpurious, kSpuriousApicEnable | kVectorSpurious);
}

uint8_t lapic_id() { return uint8_t(read(kRegId) >> 24); }

void lapic_eoi() { write(kRegEoi, 0); }

void lapic_send_ipi(uint8_t apic_id, uint8_t vector) {
    send_icr(apic_id, kIcrFixed | kIcrAssert | vector);
}

void lapic_send_init(uint8_t apic_id) {
    // Level-triggered assert. The matching "INIT level de-assert" message
    // of the MP specification only mattered to the external 82489DX APIC;
    // CPUs since the Pentium 4 ignore it (SDM vol. 3, 11.6.1), so we skip it.
    send_icr(apic_id, kIcrInit | kIcrAssert | kIcrLevelTriggered);
}

void lapic_send_startup(uint8_t apic_id, uint8_t page) {
    send_icr(apic_id, kIcrStartup | kIcrAssert | page);
}

bool lapic_timer_has_tsc_deadline() { return cpuid(1).ecx & kCpuidTscDeadline; }

void lapic_timer_start_tsc_deadline(uint8_t vector) {
    write(kRegLvtTimer, kLvtTimerTscDeadline | vector);
    // The SDM (11.5.4.1) wants the switch to TSC-deadline mode to be seen
    // before the first write of IA32_TSC_DEADLINE, and WRMSR is not ordered
    // with the MMIO write by itself: fence (Linux: the same mfence in
    // __setup_APIC_LVTT).
    asm volatile("mfence" ::: "memory");
    wrmsr(kMsrTscDeadline, 0);
}

void lapic_timer_set_tsc_deadline(uint64_t tsc) { wrmsr(kMsrTscDeadline, tsc ? tsc : 1); }

void lapic_timer_start_one_shot(uint8_t vector) {
    write(kRegTimerDivide, kTimerDivideBy1);
    write(kRegLvtTimer, kLvtTimerOneShot | vector);
    write(kRegTimerInitialCount, 0);  // stopped
}

void lapic_timer_set_count(uint32_t count) {
    write(kRegTimerInitialCount, count);  // writing the count starts it
}

void lapic_timer_start_counting(uint32_t initial_count) {
    write(kRegTimerDivide, kTimerDivideBy1);
    write(kRegLvtTimer, kLvtMasked | kVectorLapicTimer);
    write(kRegTimerInitialCount, initial_count);
}

uint32_t lapic_timer_current_count() { return read(kRegTimerCurrentCount); }

void lapic_timer_stop() { write(kRegTimerInitialCount, 0); }

}  // namespace x86
