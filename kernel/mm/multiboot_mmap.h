// kernel/mm/multiboot_mmap.h - what a Multiboot 1 loader tells the kernel.
//
// On x86-64, QEMU's -kernel loads Handoff as a Multiboot 1 kernel: it enters
// the kernel with eax = 0x2BADB002 and ebx = the physical address of an
// information structure. That structure holds, each present when its bit in
// `flags` is set: the RAM sizes (bit 0), the command line (bit 2), the
// modules, i.e. the files given with -initrd (bit 3), and the BIOS memory map
// (bit 6), the same list Linux calls e820. This parser turns it into a
// MemoryMap plus the command line and modules; the initrd is module 0.
// Counterparts: the Multiboot Specification 0.6.96, section 3.3; Linux's
// arch/x86/kernel/e820.c for what it does with the memory map.
//
// Everything in the structure is a 32-bit physical address; the caller says
// how to reach physical memory through `phys_to_virt_offset` (pointer =
// physical address + offset: 0 while the boot identity map is in place, the
// direct-map base after, a host buffer's address minus a fake base in tests).
// Lengths and counts from the loader are checked and capped before use.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/memmap.h"

// What the loader puts in eax to say "ebx points at Multiboot information".
constexpr uint32_t kMultibootBootloaderMagic = 0x2BADB002;

struct MultibootModule {
    uint64_t start = 0;              // physical address of the first byte
    uint64_t end = 0;                // physical address one past the last byte
    const char* string = nullptr;    // the module's command line, or nullptr
};

struct MultibootResult {
    // Modules recorded; more are ignored (and `truncated` set).
    static constexpr unsigned kMaxModules = 8;

    const char* cmdline = nullptr;   // the kernel command line, nullptr if none
    MultibootModule modules[kMaxModules];
    unsigned module_count = 0;
    uint64_t memory_total = 0;       // bytes of available RAM the loader reported
    bool truncated = false;          // something was malformed, too long or too many
};

// Reads the information structure at `info`. Adds the available RAM (memory
// map type 1; or, without a memory map, the mem_lower/mem_upper sizes) to
// `map`, and reserves in it the modules and the loader's own structures
// (this structure, the memory map, the module list and strings), so that
// the page allocator does not hand out the initrd or the command line before
// the kernel is done with them. Returns false if the loader described no
// memory at all or the memory map was malformed (what could be read is kept).
// The caller still reserves the kernel image and the first MiB.
bool multiboot_parse(const void* info, uintptr_t phys_to_virt_offset, MemoryMap& map,
                     MultibootResult* result);
