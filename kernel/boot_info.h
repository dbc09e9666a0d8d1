// kernel/boot_info.h - what the boot code learned about the machine.
//
// Filled by each architecture's boot_main from its firmware's description
// (Multiboot information on x86-64, the flattened device tree on AArch64),
// then handed to the arch-neutral kmain(). Everything else asks this struct.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/memmap.h"

struct BootInfo {
    const char* cmdline = "";        // kernel command line (may be empty)
    MemoryMap memory;                // usable RAM minus what the boot reserved
    uint64_t memory_total = 0;       // bytes of RAM found, for the banner
    uintptr_t initrd_phys = 0;       // initramfs (QEMU -initrd), 0 if none
    size_t initrd_size = 0;
    uintptr_t kernel_phys_start = 0; // the kernel image, physical
    uintptr_t kernel_phys_end = 0;
    const void* device_tree = nullptr;  // AArch64: the DTB (direct-mapped)
    unsigned cpu_count = 1;          // CPUs the firmware describes
};
