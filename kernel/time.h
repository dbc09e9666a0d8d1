// kernel/time.h - ticks and the monotonic clock.
//
// Two notions of time: the tick counter (incremented by the periodic timer
// interrupt, kHz ticks a second - the "jiffies" of Linux) and a nanosecond
// clock computed from the free-running cycle counter (TSC / CNTVCT), which
// keeps counting between ticks.
#pragma once

#include <stdint.h>

constexpr unsigned kHz = 100;  // timer interrupts per second (10 ms ticks)
// CLOCK_REALTIME when the monotonic clock was 0: 2025-01-01 00:00:00 UTC, in
// ns since 1970 (no RTC is read yet; the same date on every run).
constexpr uint64_t kRealtimeAtBootNs = 1735689600ull * 1000000000ull;

// Records the counter at boot and its frequency; computes the scale.
void time_init(uint64_t counter_hz);
// Called by the arch's timer interrupt handler on every CPU.
void timer_tick();
uint64_t ticks();
// Nanoseconds since boot from the cycle counter.
uint64_t monotonic_ns();
// Converts a cycle-counter delta to nanoseconds (mult/shift, no division).
uint64_t cycles_to_ns(uint64_t cycles);
