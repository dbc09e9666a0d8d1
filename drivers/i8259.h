// drivers/i8259.h - the two legacy 8259A programmable interrupt controllers.
//
// The PC's original interrupt controller: a master (IRQ 0..7) and a slave
// cascaded on the master's IRQ 2 (IRQ 8..15). Handoff routes device
// interrupts through the I/O APIC instead and only needs the 8259s quiet.
// Compare xv6's picirq.c and Linux's arch/x86/kernel/i8259.c.
#pragma once

#include <stdint.h>

// Re-initialises both PICs to deliver on vectors base..base+15 (away from the
// CPU exceptions) and masks every line. Harmless if the machine has no PIC.
void i8259_disable(uint8_t vector_base);
