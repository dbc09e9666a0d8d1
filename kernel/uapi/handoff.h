// kernel/uapi/handoff.h - the system calls Handoff adds to the Linux ABI.
//
// Shared by the kernel and user programs (user code includes it as
// "kernel/uapi/handoff.h"). Linux has no such calls, so they use numbers
// from 1024 up on both arches (DESIGN.md); on Linux they return -ENOSYS,
// which lets the same test binary tell where it runs.
#pragma once

#include <stdint.h>

// long syscall(kSysHandoffStats, struct HandoffStats* out, size_t size)
// Fills `out` (up to `size` bytes, so the struct can grow) with kernel-wide
// and per-thread counters. Returns the number of bytes written or -EFAULT.
// The kernel trims its heap's caches first, so free_pages is comparable
// before and after a test: a leak shows as fewer free pages.
constexpr long kSysHandoffStats = 1024;

struct HandoffStats {
    uint64_t free_pages;        // physical pages free in the page allocator
    uint64_t total_pages;       // pages the allocator manages
    uint64_t heap_allocations;  // live kernel heap objects
    uint64_t heap_bytes;        // bytes in them
    uint64_t processes;         // live processes (including zombies)
    uint64_t threads;           // live kernel threads (excluding idle threads)
    uint64_t thread_syscalls;   // system calls made by the calling thread
    uint64_t thread_switches;   // context switches of the calling thread
    uint64_t thread_traps;      // exceptions the calling thread took in user mode
                                // (page faults, ...), not counting system calls
};
