// arch/x86_64/msr.h - model-specific registers Handoff uses.
#pragma once

#include <stdint.h>

constexpr uint32_t kMsrEfer = 0xC0000080;
constexpr uint32_t kMsrStar = 0xC0000081;          // SYSCALL/SYSRET segments
constexpr uint32_t kMsrLstar = 0xC0000082;         // SYSCALL entry point
constexpr uint32_t kMsrSfmask = 0xC0000084;        // RFLAGS bits SYSCALL clears
constexpr uint32_t kMsrFsBase = 0xC0000100;
constexpr uint32_t kMsrGsBase = 0xC0000101;
constexpr uint32_t kMsrKernelGsBase = 0xC0000102;  // swapped in by SWAPGS
constexpr uint32_t kMsrApicBase = 0x1B;
constexpr uint32_t kMsrTscDeadline = 0x6E0;      // local APIC timer in TSC-deadline mode

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t(hi) << 32) | lo;
}

inline void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)));
}
