// drivers/block_device.h - what the kernel asks of a disk.
//
// A block device stores fixed-size sectors and reads them on request. The
// file layer (kernel/fs/disk_files.cpp) knows only this interface, so the
// made-up slow disk (drivers/slow_disk.h) can later give way to a real
// virtio-blk driver without the files noticing. The read is synchronous: the
// calling thread blocks in the kernel until the device has finished, which
// is exactly the "blocking, non-pollable I/O" a Go M gets stuck in. Compare
// Linux's struct block_device_operations and the request queue (blk-mq)
// underneath, and xv6's virtio_disk_rw(), which sleeps the same way.
//
// A device has a queue depth: how many requests it works on at once (a
// SATA disk's NCQ tags, a virtio ring's descriptors). More requests than
// that wait in the kernel for a slot; the counters below show it happening.
//
// Rounds count how many request latencies the device's work took, one
// after another: a request that gets a slot is served in round 1 + the
// last round in which a request finished. So a burst of 16 requests at
// depth 4 takes 4 rounds (requests 5-8 start as 1-4 finish, ...), at depth
// 1 it takes 16, whatever the latency and however late a woken thread gets
// to run; `rounds` is the highest round so far, so a test compares it
// before and after.
#pragma once

#include <stddef.h>
#include <stdint.h>

// What a device has done since boot (kernel/uapi/handoff.h's
// HandoffDiskStats copies these out to user space).
struct BlockDeviceStats {
    uint64_t requests = 0;       // requests submitted
    uint64_t completed = 0;      // requests finished (with or without data)
    uint64_t in_flight = 0;      // at the device right now
    uint64_t max_in_flight = 0;  // the most ever at the device at once
    uint64_t queued = 0;         // waiting in the kernel for a slot right now
    uint64_t queue_waits = 0;    // requests that had to wait for a slot
    uint64_t rounds = 0;         // latency rounds so far (below)
    uint64_t busy_ns = 0;        // time with at least one request at the device
    uint64_t service_ns = 0;     // the completed requests' time at the device, summed
    uint64_t bytes_read = 0;
    uint64_t queue_depth = 0;    // slots: requests the device works on at once
};

class BlockDevice {
public:
    static constexpr size_t kSectorSize = 512;

    virtual const char* name() const = 0;
    virtual uint64_t sector_count() const = 0;
    // The largest request, in sectors (Linux's max_sectors).
    virtual size_t max_request_sectors() const = 0;
    // Reads sectors [sector, sector + count) into the kernel buffer, which
    // must hold count * kSectorSize bytes. Blocks the calling thread (never
    // spins) until the device is done. 0, or -EINVAL (count 0, too many
    // sectors, past the end), -EIO, -EINTR (the process is being killed:
    // the buffer's contents are undefined).
    virtual int read(uint64_t sector, size_t count, void* buffer) = 0;
    virtual BlockDeviceStats stats() const = 0;

protected:
    ~BlockDevice() = default;  // devices are never deleted through this interface
};
