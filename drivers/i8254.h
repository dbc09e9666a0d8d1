// drivers/i8254.h - the 8254 programmable interval timer (PIT).
//
// Three 16-bit down-counters clocked at 1.193182 MHz (a third of the
// original PC's 3.579545 MHz NTSC colour-burst crystal, divided by 4). Its
// one virtue here: its frequency is known exactly, so Handoff uses it as the
// ruler to measure the TSC and the local APIC timer against, and nothing
// else. Compare Linux's arch/x86/kernel/tsc.c (pit_calibrate_tsc).
//
// Linux uses channel 2, whose gate and output are on port 0x61 (the PC
// speaker's port). QEMU's microvm machine has no port 0x61 and so no way to
// start channel 2. Channel 0 is always gated on; we only read its count and
// leave its interrupt (ISA IRQ 0) masked, so it works on both machines.
#pragma once

#include <stdint.h>

constexpr uint32_t kI8254InputHz = 1193182;

// Starts channel 0 counting down from 65536 in mode 0. Its count wraps and
// keeps going; after the first pass the output stays high, so no more
// interrupt edges are produced.
void i8254_start_countdown();
// Channel 0's current count, read consistently via the latch command.
uint16_t i8254_read_count();
