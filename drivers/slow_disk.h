// drivers/slow_disk.h - a disk that exists only in software, and is slow.
//
// The Go articles' blocking I/O: a read that makes the thread wait in the
// kernel, with nothing to poll. No QEMU device is needed: the "disk" makes
// its contents up on the fly (a pattern anyone can check, see
// kernel/uapi/handoff.h) and makes every request take a fixed latency, during
// which the requesting thread truly sleeps and its CPU runs other threads.
// It works on at most `queue_depth` requests at once; more wait in the
// kernel for a slot, like requests for a real disk's tags.
//
// Kernel command line (defaults in brackets):
//   disk_latency_us=N        each request's latency [2000: 2 ms]
//   disk_queue_depth=N       requests at the device at once [4], 1..64
//   disk_slow_latency_us=N   latency in the slow zone [200000: 200 ms]
// The slow zone is the disk's last kSlowZoneBytes (/disk/slow): a request
// touching it takes disk_slow_latency_us, like a drive retrying a weak
// sector. It gives the Go articles' "one thread blocked 200 ms in a read"
// with a single small read.
//
// Latencies are as precise as the scheduler's sleeps: today a sleeping
// thread wakes on the first timer tick after its deadline (10 ms ticks), so
// a 2 ms request takes up to one tick. The device's counters (busy_ns,
// service_ns) measure what really happened.
#pragma once

#include <stdint.h>

#include "drivers/block_device.h"
#include "kernel/sched/sched.h"

class SlowDisk final : public BlockDevice {
public:
    // Linux's long-time default max_sectors_kb: 128 KiB per request.
    static constexpr size_t kMaxRequestSectors = 128 * 1024 / kSectorSize;
    static constexpr unsigned kMaxQueueDepth = 64;

    // A disk of `sectors` sectors whose last `slow_sectors` are the slow zone.
    SlowDisk(const char* name, uint64_t sectors, uint64_t slow_sectors, uint64_t latency_ns,
             unsigned queue_depth, uint64_t slow_latency_ns);

    const char* name() const override { return name_; }
    uint64_t sector_count() const override { return sectors_; }
    size_t max_request_sectors() const override { return kMaxRequestSectors; }
    int read(uint64_t sector, size_t count, void* buffer) override;
    BlockDeviceStats stats() const override;

    uint64_t latency_ns() const { return latency_ns_; }
    uint64_t slow_latency_ns() const { return slow_latency_ns_; }

    // The contents: the 8-byte little-endian word at every byte offset p
    // divisible by 8 is kContentTag | p (kHandoffDiskTag in the uapi).
    static constexpr uint64_t kContentTag = 0xD15C000000000000;

private:
    const char* name_;
    uint64_t sectors_;
    uint64_t slow_start_;  // first sector of the slow zone
    uint64_t latency_ns_, slow_latency_ns_;
    unsigned depth_;

    // Requests waiting for a slot. Its lock guards the counters below.
    mutable WaitQueue slots_;
    BlockDeviceStats stats_;
    uint64_t busy_since_ = 0;      // when in_flight last went from 0 to 1
    uint64_t finished_round_ = 0;  // the latest round in which a request finished
};

// The disk behind /disk, configured from the kernel command line on first
// use. 64 MiB of data files and the 1 MiB slow zone (kernel/fs/disk_files.cpp
// lays the files out).
SlowDisk& slow_disk();
