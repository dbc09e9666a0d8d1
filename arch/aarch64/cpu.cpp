// arch/aarch64/cpu.cpp - identifying and stopping the CPU.
#include "arch/aarch64/psci.h"
#include "arch/arch.h"
#include "kernel/lib/format.h"

Cpu g_cpus[kMaxCpus];

namespace arch {

const char* name() { return "aarch64"; }

void cpu_model(char* buf, size_t size) {
    // MIDR_EL1: implementer [31:24], variant [23:20], part number [15:4],
    // revision [3:0]. Decode the few QEMU models; print the rest raw.
    uint64_t midr;
    asm volatile("mrs %0, midr_el1" : "=r"(midr));
    unsigned implementer = (midr >> 24) & 0xff, part = (midr >> 4) & 0xfff;
    const char* known = nullptr;
    if (implementer == 0x41) {  // 'A': Arm Ltd.
        switch (part) {
            case 0xd03: known = "Arm Cortex-A53"; break;
            case 0xd07: known = "Arm Cortex-A57"; break;
            case 0xd08: known = "Arm Cortex-A72"; break;
            case 0xd0c: known = "Arm Neoverse-N1"; break;
            case 0xd40: known = "Arm Neoverse-V1"; break;
        }
    } else if (implementer == 0 && part == 0x051) {
        known = "QEMU 'max' CPU";  // -cpu max reports implementer 0
    }
    if (known)
        ksnprintf(buf, size, "%s (MIDR 0x%08lx)", known, midr);
    else
        ksnprintf(buf, size, "implementer 0x%02x part 0x%03x (MIDR 0x%08lx)", implementer, part, midr);
}

void set_this_cpu(Cpu* cpu) {
    cpu->self = cpu;
    asm volatile("msr tpidr_el1, %0" ::"r"(cpu));
}

[[noreturn]] void halt() {
    for (;;) asm volatile("msr daifset, #0xf; wfi");
}

namespace {
// Arm semihosting (QEMU -semihosting): HLT #0xF000 with the operation in w0
// and a parameter block pointer in x1.
constexpr uint64_t kSysExitExtended = 0x20;
constexpr uint64_t kAdpStoppedApplicationExit = 0x20026;
}  // namespace

[[noreturn]] void shutdown(int status) {
    // SYS_EXIT_EXTENDED makes QEMU exit with exactly `status`. It needs
    // QEMU's -semihosting, which qemu/qemu.sh always passes; started without
    // it, HLT is an undefined instruction and the exception lands back here,
    // so the second time round go straight to PSCI SYSTEM_OFF (QEMU exit 0).
    static bool semihosting_failed = false;
    if (!semihosting_failed) {
        semihosting_failed = true;
        uint64_t block[2] = {kAdpStoppedApplicationExit, uint64_t(status)};
        register uint64_t w0 asm("x0") = kSysExitExtended;
        register uint64_t x1 asm("x1") = uintptr_t(block);
        asm volatile("hlt #0xf000" : "+r"(w0) : "r"(x1) : "memory");
    }
    aarch64::psci_system_off();  // through the device tree's conduit (psci.cpp)
    halt();
}

}  // namespace arch
