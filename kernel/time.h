// kernel/time.h - the monotonic clock and the tick.
//
// Two notions of time: a nanosecond clock computed from the free-running
// cycle counter (TSC / CNTVCT), and the tick count - the "jiffies" of Linux:
// 10 ms periods since boot (kHz a second), brought up to date by CPU 0's
// tick. The tick is a kernel timer (kernel/timer.h) that every CPU re-arms
// for itself every period; besides the count it drives time slices
// (scheduler_tick) and the vDSO's copy of the clock.
#pragma once

#include <stdint.h>

constexpr unsigned kHz = 100;  // ticks per second (10 ms ticks)
constexpr uint64_t kNsPerTick = 1000000000 / kHz;
// CLOCK_REALTIME when the monotonic clock was 0: 2025-01-01 00:00:00 UTC, in
// ns since 1970 (no RTC is read yet; the same date on every run).
constexpr uint64_t kRealtimeAtBootNs = 1735689600ull * 1000000000ull;

// Records the counter at boot and its frequency; computes the scale.
void time_init(uint64_t counter_hz);
// Starts the calling CPU's tick (every CPU, once, after its timer hardware
// is set up: kmain and secondary_cpu_main).
void tick_start_this_cpu();
// Tick periods since boot, as of CPU 0's last tick.
uint64_t ticks();
// Nanoseconds since boot from the cycle counter.
uint64_t monotonic_ns();
// Converts a cycle-counter delta to nanoseconds (mult/shift, no division).
uint64_t cycles_to_ns(uint64_t cycles);
// The other way, for programming timer hardware: the first cycle_counter()
// value at which monotonic_ns() >= ns (UINT64_MAX if that is beyond the
// counter's range).
uint64_t counter_at_ns(uint64_t ns);
