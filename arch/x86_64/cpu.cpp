// arch/x86_64/cpu.cpp - identifying and stopping the CPU.
#include "arch/arch.h"
#include "arch/x86_64/include/portio.h"
#include "arch/x86_64/msr.h"
#include "kernel/lib/string.h"

Cpu g_cpus[kMaxCpus];

namespace arch {

const char* name() { return "x86_64"; }

void cpu_model(char* buf, size_t size) {
    // CPUID leaves 0x80000002..4 hold the 48-byte brand string, e.g.
    // "QEMU TCG CPU version 2.5+" or the host CPU's name under -cpu max.
    uint32_t regs[12];
    for (uint32_t leaf = 0; leaf < 3; leaf++) {
        uint32_t* r = &regs[leaf * 4];
        asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(0x80000002 + leaf), "c"(0));
    }
    const char* brand = reinterpret_cast<const char*>(regs);
    size_t len = strnlen(brand, sizeof regs);
    while (len && brand[len - 1] == ' ') len--;
    while (len && *brand == ' ') brand++, len--;
    if (size == 0) return;
    if (len >= size) len = size - 1;
    memcpy(buf, brand, len);
    buf[len] = 0;
}

void set_this_cpu(Cpu* cpu) {
    cpu->self = cpu;
    // The kernel runs with its per-CPU pointer in GS base. (KERNEL_GS_BASE,
    // the value SWAPGS exchanges it with, joins when user mode does.)
    wrmsr(kMsrGsBase, uintptr_t(cpu));
}

[[noreturn]] void halt() {
    for (;;) asm volatile("cli; hlt");
}

[[noreturn]] void shutdown(int status) {
    // QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4):
    // writing V makes QEMU exit with status (V << 1) | 1, so 0 cannot be
    // expressed. 0x10 (QEMU exit 33) means success, 0x11 (35) failure;
    // tests/run_qemu.py maps them back.
    x86::outl(0xf4, status == 0 ? 0x10 : 0x11);
    // Still here: QEMU was started without the device (by hand?). Stop.
    halt();
}

}  // namespace arch
