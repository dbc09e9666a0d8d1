// arch/x86_64/cpu_regs.h - control registers, CPUID and TLB instructions.
//
// Thin wrappers, one instruction each, so C++ code reads as what it does.
// (MSRs are in msr.h, I/O ports in include/portio.h.)
#pragma once

#include <stdint.h>

namespace x86 {

// ---- Control register bits (Intel SDM vol. 3, 2.5) -------------------------
constexpr uint64_t kCr0Mp = 1ull << 1;   // monitor coprocessor: WAIT honours TS
constexpr uint64_t kCr0Em = 1ull << 2;   // emulate x87: set = every FP insn faults
constexpr uint64_t kCr0Ne = 1ull << 5;   // x87 errors raise #MF (not the external IRQ 13)
constexpr uint64_t kCr0Wp = 1ull << 16;  // ring 0 honours read-only pages
constexpr uint64_t kCr0Nw = 1ull << 29;  // not write-through (with CD: caches off)
constexpr uint64_t kCr0Cd = 1ull << 30;  // cache disable
constexpr uint64_t kCr4Pge = 1ull << 7;        // global pages survive CR3 reloads
constexpr uint64_t kCr4Osfxsr = 1ull << 9;     // OS saves SSE state with FXSAVE
constexpr uint64_t kCr4Osxmmexcpt = 1ull << 10;  // OS handles #XM (SIMD FP errors)
constexpr uint64_t kCr4Smep = 1ull << 20;      // ring 0 may not execute user pages
constexpr uint64_t kCr4Smap = 1ull << 21;      // ring 0 may not touch user pages (unless AC)

inline uint64_t read_cr0() {
    uint64_t v;
    asm volatile("movq %%cr0, %0" : "=r"(v));
    return v;
}
inline void write_cr0(uint64_t v) { asm volatile("movq %0, %%cr0" ::"r"(v) : "memory"); }
// CR2 holds the linear address of the last page fault.
inline uint64_t read_cr2() {
    uint64_t v;
    asm volatile("movq %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr3() {
    uint64_t v;
    asm volatile("movq %%cr3, %0" : "=r"(v));
    return v;
}
// Loading CR3 switches address space and flushes the TLB's non-global entries.
inline void write_cr3(uint64_t v) { asm volatile("movq %0, %%cr3" ::"r"(v) : "memory"); }
inline uint64_t read_cr4() {
    uint64_t v;
    asm volatile("movq %%cr4, %0" : "=r"(v));
    return v;
}
inline void write_cr4(uint64_t v) { asm volatile("movq %0, %%cr4" ::"r"(v) : "memory"); }

// Drops the TLB entry for one page (global or not) on this CPU.
inline void invlpg(uintptr_t va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidResult r;
    asm volatile("cpuid"
                 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                 : "a"(leaf), "c"(subleaf));
    return r;
}

}  // namespace x86
