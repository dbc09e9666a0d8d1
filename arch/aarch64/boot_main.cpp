// arch/aarch64/boot_main.cpp - from the boot assembly to kmain().
//
// boot/aarch64/entry.S turns the MMU on with a temporary map of the first
// 4 GiB and calls aarch64_boot_main() with x0 as QEMU left it. Here we find
// the device tree, bring up the PL011 console, translate the tree's
// description (memory, command line, initrd, CPUs) into the arch-neutral
// BootInfo and hand over to kmain().
#include "arch/aarch64/psci.h"
#include "arch/arch.h"
#include "drivers/pl011.h"
#include "kernel/lib/fdt.h"
#include "kernel/lib/string.h"
#include "kernel/main.h"
#include "kernel/printk.h"

extern "C" char __kernel_start[], __kernel_end[];

namespace {
// QEMU virt: RAM starts at 1 GiB. For an ELF kernel QEMU does not pass the
// DTB in x0 (that is the Linux Image protocol); it puts it at the start of
// RAM instead, below our load address (see linker/kernel-aarch64.ld).
constexpr uintptr_t kRamStart = 0x40000000;
constexpr uintptr_t kFallbackUart = 0x09000000;  // virt's PL011, if the DT lacks one
constexpr uint64_t kBootMappedLimit = 4ull << 30;

Pl011 g_uart;
Fdt g_fdt;
BootInfo g_boot;
char g_cmdline[1024];

const void* find_device_tree(uintptr_t x0) {
    const uintptr_t candidates[] = {x0, kRamStart};
    for (uintptr_t phys : candidates) {
        if (phys == 0) continue;
        auto* p = reinterpret_cast<const uint8_t*>(arch::phys_to_virt(phys));
        // The header is big-endian: d0 0d fe ed.
        if (p[0] == 0xd0 && p[1] == 0x0d && p[2] == 0xfe && p[3] == 0xed) return p;
    }
    return nullptr;
}

uintptr_t find_uart() {
    int node = g_fdt.find_compatible("arm,pl011");
    uint64_t base, size;
    if (node != Fdt::kNone && g_fdt.read_reg(node, 0, &base, &size)) return base;
    return kFallbackUart;
}
}  // namespace

extern "C" [[noreturn]] void aarch64_boot_main(uintptr_t x0) {
    arch::set_this_cpu(&g_cpus[0]);
    run_global_constructors();

    const void* dtb = find_device_tree(x0);
    bool dt_ok = dtb && g_fdt.init(dtb, Fdt::kMaxBootSize);
    g_uart.init(arch::phys_to_virt(dt_ok ? find_uart() : kFallbackUart));
    console_register(&g_uart);
    if (!dt_ok) panic("no usable device tree (x0 = 0x%lx): %s", x0, dtb ? g_fdt.error() : "not found");
    g_boot.device_tree = dtb;

    // Memory: every /memory node's reg ranges.
    for (int node = g_fdt.find_by_name("memory"); node != Fdt::kNone;
         node = g_fdt.find_by_name("memory", node)) {
        uint64_t base, size;
        for (int i = 0; g_fdt.read_reg(node, i, &base, &size); i++) g_boot.memory.add_usable(base, size);
    }
    g_boot.memory_total = g_boot.memory.total_usable();

    // /chosen: the command line and the initrd QEMU loaded (-initrd).
    int chosen = g_fdt.find_path("/chosen");
    const char* bootargs = chosen != Fdt::kNone ? g_fdt.read_string(chosen, "bootargs") : nullptr;
    strlcpy(g_cmdline, bootargs ? bootargs : "", sizeof g_cmdline);
    g_boot.cmdline = g_cmdline;
    uint64_t initrd_start = 0, initrd_end = 0;
    uint32_t v32;
    if (chosen != Fdt::kNone) {
        // The properties may be 32 or 64 bits wide.
        if (!g_fdt.read_u64(chosen, "linux,initrd-start", &initrd_start) &&
            g_fdt.read_u32(chosen, "linux,initrd-start", &v32))
            initrd_start = v32;
        if (!g_fdt.read_u64(chosen, "linux,initrd-end", &initrd_end) &&
            g_fdt.read_u32(chosen, "linux,initrd-end", &v32))
            initrd_end = v32;
    }
    if (initrd_end > initrd_start) {
        g_boot.initrd_phys = initrd_start;
        g_boot.initrd_size = initrd_end - initrd_start;
    }

    // Keep out of the page allocator: the DTB (we keep reading it), the
    // kernel image, the initrd, and the DT's own /memreserve/ entries.
    uintptr_t dtb_phys = arch::virt_to_phys(uintptr_t(dtb));
    g_boot.memory.reserve(dtb_phys, g_fdt.total_size());
    g_boot.kernel_phys_start = arch::virt_to_phys(uintptr_t(__kernel_start));
    g_boot.kernel_phys_end = arch::virt_to_phys(uintptr_t(__kernel_end));
    g_boot.memory.reserve(g_boot.kernel_phys_start, g_boot.kernel_phys_end - g_boot.kernel_phys_start);
    if (g_boot.initrd_size) g_boot.memory.reserve(g_boot.initrd_phys, g_boot.initrd_size);
    uint64_t base, size;
    for (int i = 0; g_fdt.reserved_range(i, &base, &size); i++) g_boot.memory.reserve(base, size);
    g_boot.memory.reserve(kBootMappedLimit, ~0ull - kBootMappedLimit);

    int cpus = g_fdt.cpu_count();
    g_boot.cpu_count = cpus > 0 ? unsigned(cpus) : 1;
    // The firmware interface (starting CPUs, power off) and how to call it.
    if (!aarch64::psci_init(g_fdt)) kprintf("boot: no usable /psci node in the device tree\n");

    kmain(g_boot);
}
