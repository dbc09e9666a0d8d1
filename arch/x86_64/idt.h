// arch/x86_64/idt.h - the interrupt descriptor table.
//
// One table of 256 gates, shared by every CPU (it only holds code addresses,
// like Linux's idt_table). Gate N sends the CPU to trap_stub_N in
// trap_entry.S, which saves a TrapFrame and calls x86_trap_dispatch().
#pragma once

namespace x86 {
// Fills the table (once) and loads it on the calling CPU.
void idt_init();
}  // namespace x86
