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

// long syscall(kSysHandoffDiskStats, struct HandoffDiskStats* out, size_t size)
// The slow disk's counters (drivers/block_device.h, since boot) and its
// configuration (drivers/slow_disk.h). Returns the number of bytes written
// (at most `size`: the struct can grow) or -EFAULT. /proc/disk shows the
// same numbers as text.
constexpr long kSysHandoffDiskStats = 1025;

struct HandoffDiskStats {
    uint64_t requests;           // requests submitted to the device
    uint64_t completed;          // requests finished
    uint64_t in_flight;          // at the device now
    uint64_t max_in_flight;      // the most ever at once: never above queue_depth
    uint64_t queued;             // waiting in the kernel for a slot now
    uint64_t queue_waits;        // requests that had to wait for a slot
    uint64_t busy_ns;            // time with at least one request at the device
    uint64_t service_ns;         // completed requests' time at the device, summed
    uint64_t bytes_read;
    uint64_t queue_depth;        // disk_queue_depth=
    uint64_t latency_ns;         // disk_latency_us= (in ns)
    uint64_t slow_latency_ns;    // disk_slow_latency_us= (in ns): /disk/slow's requests
    uint64_t max_request_bytes;  // a read is split into requests of at most this
    uint64_t rounds;             // request latencies the device's work took, one after
                                 // another (drivers/block_device.h): 16 requests at
                                 // depth 4 take 4 rounds, at depth 1 16
};

// What /disk holds: files of made-up, checkable contents. The 8-byte
// little-endian word at every offset p (a multiple of 8) of the disk is
// kHandoffDiskTag | p. /disk/data0 .. /disk/data15 are kHandoffDiskFileBytes
// each, /disk/dataN starting at disk offset N * kHandoffDiskFileBytes;
// /disk/slow (kHandoffDiskSlowBytes) follows them.
constexpr uint64_t kHandoffDiskTag = 0xD15C000000000000;
constexpr unsigned kHandoffDiskFiles = 16;
constexpr uint64_t kHandoffDiskFileBytes = 4u << 20;
constexpr uint64_t kHandoffDiskSlowBytes = 1u << 20;
