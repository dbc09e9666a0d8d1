// arch/x86_64/lapic.h - the local APIC: each CPU's own interrupt controller
// and timer.
//
// Every CPU has one, at the same physical address (0xfee00000 by default):
// an access goes to the calling CPU's own APIC. It accepts interrupts from
// the I/O APIC and from other CPUs, ranks them, delivers them, and wants an
// EOI (end of interrupt) when the handler is done. Its timer interrupts
// once, or periodically, after a programmed count of its input clock, or
// when the TSC reaches a programmed value (see below). Compare Linux's
// arch/x86/kernel/apic/apic.c and xv6's lapic.c. Intel SDM vol. 3, chapter 11.
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

// ---- Inter-processor interrupts (Intel SDM vol. 3, 11.6) -------------------
// A CPU interrupts another by writing the interrupt command register (ICR)
// of its own local APIC: a destination APIC ID and what to deliver. All
// three are safe with interrupts on or off (they turn them off for the two
// register writes an ICR message takes).
// A "fixed" interrupt: `vector` on the CPU with APIC ID `apic_id`.
void lapic_send_ipi(uint8_t apic_id, uint8_t vector);
// The start-up messages of the INIT-SIPI-SIPI sequence (smp.cpp). INIT
// resets the target CPU into "wait for start-up"; STARTUP then starts it in
// real mode at physical address page * 4096 (CS = page * 256, IP = 0).
void lapic_send_init(uint8_t apic_id);
void lapic_send_startup(uint8_t apic_id, uint8_t page);

// ---- The timer (Intel SDM vol. 3, 11.5.4) -----------------------------------
// Three modes. Periodic and one-shot count down from an initial count at
// the timer's input clock (divide-by-1 here); TSC-deadline mode instead
// interrupts once the TSC reaches the value in the IA32_TSC_DEADLINE MSR -
// the same clock the kernel's timestamps come from, so no conversion and no
// calibration error. Handoff uses TSC-deadline mode where the CPU has it
// (CPUID.01H:ECX.TSC_Deadline[bit 24]) and one-shot mode otherwise, as
// Linux does (lapic_next_deadline / lapic_next_event).
bool lapic_timer_has_tsc_deadline();
// TSC-deadline mode on `vector`, disarmed until lapic_timer_set_tsc_deadline.
void lapic_timer_start_tsc_deadline(uint8_t vector);
// Arms it: one interrupt once the TSC >= tsc (0 disarms, so 0 becomes 1).
void lapic_timer_set_tsc_deadline(uint64_t tsc);
// One-shot mode on `vector`, stopped until lapic_timer_set_count.
void lapic_timer_start_one_shot(uint8_t vector);
// Starts the count down from `count` (> 0): one interrupt when it reaches 0.
void lapic_timer_set_count(uint32_t count);
// One-shot with the interrupt masked: a free-running down-counter, for
// measuring the input clock (calibration).
void lapic_timer_start_counting(uint32_t initial_count);
uint32_t lapic_timer_current_count();
void lapic_timer_stop();

}  // namespace x86
