// arch/aarch64/sysreg.h - reading and writing AArch64 system registers.
//
// System registers are reached only by the MRS/MSR instructions, whose
// register name is part of the instruction encoding: it cannot be a run-time
// argument, so these are macros that paste the name into the asm (Linux's
// read_sysreg()/write_sysreg() in arch/arm64/include/asm/sysreg.h). Registers
// the assembler may not know by name are spelled s<op0>_<op1>_c<n>_c<m>_<op2>.
#pragma once

#include <stdint.h>

#define read_sysreg(reg)                                      \
    ({                                                        \
        uint64_t value_;                                      \
        asm volatile("mrs %0, " #reg : "=r"(value_));         \
        value_;                                               \
    })

#define write_sysreg(reg, value) \
    asm volatile("msr " #reg ", %0" ::"r"(uint64_t(value)) : "memory")

// An ISB makes a system-register write take effect for the instructions that
// follow it (the CPU may otherwise still be running with the old value).
inline void isb() { asm volatile("isb" ::: "memory"); }
