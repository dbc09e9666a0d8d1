// arch/x86_64/boot_main.cpp - from the Multiboot hand-off to kmain().
//
// boot/x86_64/multiboot.S gets us into 64-bit mode on a temporary page table
// and calls x86_64_boot_main() with the Multiboot magic and the physical
// address of the Multiboot information structure. Here we bring up the
// console, translate what the loader told us into the arch-neutral BootInfo
// (memory map, command line, initrd) and hand over to kmain().
#include "arch/arch.h"
#include "arch/x86_64/fw_cfg.h"
#include "drivers/uart16550.h"
#include "kernel/lib/string.h"
#include "kernel/main.h"
#include "kernel/mm/multiboot_mmap.h"
#include "kernel/printk.h"

extern "C" char __bss_end_phys[];

namespace {
// Only the first 4 GiB are mapped by the boot page tables (and QEMU puts RAM
// above 3 GiB at 4 GiB+, past the PCI hole). Memory beyond is ignored.
constexpr uint64_t kBootMappedLimit = 4ull << 30;

Uart16550 g_com1(0x3f8);
BootInfo g_boot;
// The loader's command line lives in memory the page allocator will reuse:
// keep a copy.
char g_cmdline[1024];
}  // namespace

extern "C" [[noreturn]] void x86_64_boot_main(uint32_t magic, uint32_t info_phys) {
    arch::set_this_cpu(&g_cpus[0]);
    run_global_constructors();
    g_com1.init();
    console_register(&g_com1);

    if (magic != kMultibootBootloaderMagic)
        panic("not started by a Multiboot loader (eax = 0x%x); boot with qemu -kernel", magic);

    MultibootResult mb;
    if (!multiboot_parse(reinterpret_cast<const void*>(arch::phys_to_virt(info_phys)),
                         DIRECT_MAP_BASE, g_boot.memory, &mb))
        panic("unusable Multiboot information at 0x%x", info_phys);
    // QEMU (like GRUB) starts the Multiboot command line with the kernel's
    // own file name: "build/x86_64/kernel.elf test=all". Skip that word.
    const char* cmdline = mb.cmdline ? mb.cmdline : "";
    while (*cmdline && *cmdline != ' ') cmdline++;
    while (*cmdline == ' ') cmdline++;
    strlcpy(g_cmdline, cmdline, sizeof g_cmdline);
    g_boot.cmdline = g_cmdline;
    g_boot.memory_total = mb.memory_total;

    // What the page allocator must not hand out: the first MiB (BIOS data,
    // real-mode IVT, the boot CPU's trampolines later), the kernel image with
    // its boot page tables, and the initrd until the kernel has unpacked it.
    g_boot.kernel_phys_start = KERNEL_PHYS_BASE;
    g_boot.kernel_phys_end = uintptr_t(__bss_end_phys);
    g_boot.memory.reserve(0, 0x100000);
    g_boot.memory.reserve(g_boot.kernel_phys_start, g_boot.kernel_phys_end - g_boot.kernel_phys_start);
    if (mb.module_count > 0) {
        g_boot.initrd_phys = mb.modules[0].start;
        g_boot.initrd_size = mb.modules[0].end - mb.modules[0].start;
        g_boot.memory.reserve(g_boot.initrd_phys, g_boot.initrd_size);
    }
    g_boot.memory.reserve(kBootMappedLimit, ~0ull - kBootMappedLimit);
    g_boot.cpu_count = fw_cfg_cpu_count();

    kmain(g_boot);
}
