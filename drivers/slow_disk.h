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
// Latencies are kept by a kernel timer (kernel/timer.h) that plays the
// device's completion interrupt: a 2 ms request completes 2 ms after it
// reached the device (plus the interrupt's own delay), not at a tick. The
// device's counters (busy_ns, service_ns) measure what really happened.
#pragma once

#include <stdint.h>

#include "drivers/block_device.h"
#include "kernel/lib/list.h"
#include "kernel/sched/sched.h"
#include "kernel/timer.h"

class SlowDisk final : public BlockDevice {
public:
    // Linux's long-time default max_sectors_kb: 128 KiB per request.
    static constexpr size_t kMaxRequestSectors = 128 * 1024 / kSectorSize;
    static constexpr unsigned kMaxQueueDepth = 64;

    // A disk of `sectors` sectors whose last `slow_sectors` are the slow zone.
    SlowDisk(const char* name, uint64_t sectors, uint64_t slow_sectors, uint64_t latency_ns,
             unsigned queue_depth, uint64_t slow_latency_ns);
    // Only once no request is left (tests make disks of their own); waits
    // for a completion interrupt still running on another CPU.
    ~SlowDisk();
    SlowDisk(const SlowDisk&) = delete;
    SlowDisk& operator=(const SlowDisk&) = delete;

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
    // One read in progress, on its thread's kernel stack (Linux's struct
    // request, without the allocation).
    struct Request {
        ListNode node;             // on waiting_ or at_device_
        Thread* thread;            // whom the completion wakes
        uint64_t latency_ns;       // how long the device will work on it
        uint64_t started_ns = 0;   // when it got a slot
        uint64_t deadline_ns = 0;  // when the device is done with it
        uint64_t round = 0;        // see block_device.h
        bool at_device = false;    // has had a slot (else: in waiting_)
        bool done = false;         // completed by the device (set under lock_)
    };

    void start_locked(Request& request, uint64_t now);
    void finish_locked(Request& request, uint64_t now);
    void arm_completion_locked();
    static void completion_interrupt(void* disk);

    const char* name_;
    uint64_t sectors_;
    uint64_t slow_start_;  // first sector of the slow zone
    uint64_t latency_ns_, slow_latency_ns_;
    unsigned depth_;

    // lock_ guards everything below. The completion timer's callback takes
    // it too, so it is never held across timer_cancel.
    mutable SpinLock lock_;
    IntrusiveList<Request, &Request::node> waiting_;    // no slot yet, oldest first
    IntrusiveList<Request, &Request::node> at_device_;  // in flight, by deadline
    // The device's interrupt line: armed for the earliest in-flight deadline.
    // One timer for the device (not one per request) completes requests in
    // deadline order, whichever CPUs they came from.
    Timer completion_{completion_interrupt, this};
    BlockDeviceStats stats_;
    uint64_t busy_since_ = 0;      // when in_flight last went from 0 to 1
    uint64_t finished_round_ = 0;  // the latest round in which a request finished
};

// The disk behind /disk, configured from the kernel command line on first
// use. 64 MiB of data files and the 1 MiB slow zone (kernel/fs/disk_files.cpp
// lays the files out).
SlowDisk& slow_disk();
