// arch/x86_64/lapic.h - the local APIC: each CPU's own interrupt controller
// and timer.
//
// Every CPU has one, at the same physical address (0xfee00000 by default):
// an access goes to the calling CPU's own APIC. It accepts interrupts from
// the I/O APIC and from other CPUs, ranks them, delivers them, and wants an
// EOI (end of interrupt) when the handler is done. Its timer counts down
// from a programmed value at the bus clock rate and can interrupt
// periodically. Compare Linux's arch/x86/kernel/apic/apic.c and xv6's
// lapic.c. Intel SDM vol. 3, chapter 11.
#pragma once

#include <stdint.h>

namespace x86 {

// Maps the registers (once), then on the calling CPU: software-enables the
// APIC with kVectorSpurious, masks LINT0 (the 8259 is not used), makes LINT1
// the NMI line, sets the error vector and accepts all priorities.
void lapic_init();
// This CPU's APIC ID (what the I/O APIC and IPIs address).
uint8_t lapic_id();
// Acknowledges the interrupt being handled, so the APIC delivers the next
// one of the same or lower priority. Not for the spurious vector.
void lapic_eoi();

// The timer counts down at its input clock (divide-by-1 here) from
// `initial_count`.
// Periodic: interrupt on `vector` each time it reaches 0, then reload.
void lapic_timer_start_periodic(uint8_t vector, uint32_t initial_count);
// One-shot with the interrupt masked: a free-running down-counter, for
// measuring the input clock (calibration).
void lapic_timer_start_counting(uint32_t initial_count);
uint32_t lapic_timer_current_count();
void lapic_timer_stop();

}  // namespace x86
