// arch/x86_64/idt.cpp - see idt.h. Compare xv6's tvinit()/idtinit() and
// Linux's arch/x86/kernel/idt.c.
#include "arch/x86_64/idt.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/vectors.h"

// From trap_entry.S: the address of each vector's stub.
extern "C" const uint64_t x86_trap_stubs[256];

namespace x86 {
namespace {

// A 64-bit IDT gate (Intel SDM vol. 3, figure 6-8): the handler address is
// split over three fields for compatibility with the 32-bit layout.
struct [[gnu::packed]] IdtGate {
    uint16_t offset_low;
    uint16_t selector;     // code segment to run the handler in
    uint8_t ist;           // bits 0..2: IST slot (0 = stay on / switch to RSP0)
    uint8_t type_attr;     // present, DPL, gate type
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

// Present, DPL 0, type 0xE = 64-bit interrupt gate. An interrupt gate (unlike
// a trap gate, 0xF) clears RFLAGS.IF on entry, so every handler starts with
// interrupts off and decides for itself when to turn them on (Linux also
// uses interrupt gates everywhere).
constexpr uint8_t kInterruptGate = 0x8e;
// The same, but with DPL 3: user code may raise it with `int N`. Only #BP
// (int3, for debuggers) and #OF (into) allow that, as on Linux; for every
// other vector `int N` from ring 3 becomes a #GP.
constexpr uint8_t kUserInterruptGate = 0xee;

alignas(16) IdtGate g_idt[256];

struct [[gnu::packed]] IdtPointer {
    uint16_t limit;
    uint64_t base;
};
static_assert(sizeof(IdtPointer) == 10);

void set_gate(unsigned vector, uint8_t type_attr, unsigned ist) {
    uint64_t handler = x86_trap_stubs[vector];
    IdtGate& gate = g_idt[vector];
    gate.offset_low = uint16_t(handler);
    gate.selector = kKernelCodeSelector;
    gate.ist = uint8_t(ist);
    gate.type_attr = type_attr;
    gate.offset_mid = uint16_t(handler >> 16);
    gate.offset_high = uint32_t(handler >> 32);
    gate.reserved = 0;
}

}  // namespace

void idt_init() {
    static bool filled = false;
    if (!filled) {
        for (unsigned v = 0; v < 256; v++) set_gate(v, kInterruptGate, 0);
        set_gate(kVectorBreakpoint, kUserInterruptGate, 0);
        set_gate(kVectorOverflow, kUserInterruptGate, 0);
        // These three may arrive when the current stack cannot be trusted
        // (a double fault is usually a kernel stack overflow) or at any
        // instruction at all (NMI, #MC): always switch to a known-good stack.
        set_gate(kVectorDoubleFault, kInterruptGate, kIstDoubleFault);
        set_gate(kVectorNmi, kInterruptGate, kIstNmi);
        set_gate(kVectorMachineCheck, kInterruptGate, kIstMachineCheck);
        filled = true;
    }
    IdtPointer pointer = {sizeof g_idt - 1, uintptr_t(g_idt)};
    asm volatile("lidt %0" ::"m"(pointer));
}

}  // namespace x86
