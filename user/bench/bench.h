// user/bench/bench.h - what every user-space benchmark shares.
//
// The cycle counter is the same one the kernel uses (TSC / CNTVCT, both
// readable from user mode). Under QEMU icount (qemu/qemu.sh --icount, which
// `make bench` uses) it advances exactly once per guest instruction, so a
// difference of two readings is a count of guest instructions, the same on
// every run. Natively on Linux the numbers are cycles and only a sanity check.
//
// Results are printed as the kernel's benchmarks print them, one JSON object
// a line, collected by tools/bench.py:
//   bench: {"bench":"null_syscall","arch":"x86_64","per":"op","insns":71.000}
#pragma once

#include <stdint.h>
#include <stdio.h>

static inline uint64_t bench_counter() {
#if defined(__x86_64__)
    uint32_t lo, hi;
    // LFENCE first: RDTSC is not ordered against earlier instructions.
    asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t(hi) << 32) | lo;
#elif defined(__aarch64__)
    uint64_t v;
    asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
#endif
}

static inline const char* bench_arch() {
#if defined(__x86_64__)
    return "x86_64";
#else
    return "aarch64";
#endif
}

// Prints one row; `total` counter ticks for `ops` operations.
static inline void bench_report(const char* name, uint64_t total, uint64_t ops) {
    uint64_t x1000 = total * 1000 / ops;
    printf("bench: {\"bench\":\"%s\",\"arch\":\"%s\",\"per\":\"op\",\"insns\":%llu.%03llu}\n", name,
           bench_arch(), (unsigned long long)(x1000 / 1000), (unsigned long long)(x1000 % 1000));
}
