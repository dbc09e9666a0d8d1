// drivers/slow_disk.cpp - see slow_disk.h.
//
// A request goes through the same four steps as on a real disk:
//   1. Get a slot in the device's queue. All `depth` taken: wait in the
//      kernel (WaitQueue "disk") until a completion frees one.
//   2. The device works on it: the thread sleeps until the request's
//      latency has passed (sched_block_until, reason "disk": /proc shows the
//      thread in state D, as Linux shows a thread waiting for its disk).
//   3. The data arrives (a real disk's DMA): we make it up.
//   4. Completion: free the slot and let the next queued request in (a
//      real driver does this in its interrupt handler, then wakes the
//      thread; here the thread itself is the one that woke up).
// Requests in flight overlap in time, so `depth` of them finish in about
// one latency: 16 requests at depth 4 need about 4 latencies.
#include "drivers/slow_disk.h"

#include "kernel/cmdline_args.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/syscall/handlers.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"
#include "kernel/uapi/handoff.h"

namespace {

constexpr uint64_t kNsPerUs = 1000;
constexpr uint64_t kDefaultLatencyUs = 2000;         // 2 ms, the default
constexpr uint64_t kDefaultSlowLatencyUs = 200000;   // 200 ms: the Go articles' experiment
constexpr uint64_t kDefaultQueueDepth = 4;
constexpr uint64_t kMaxLatencyUs = 10 * 1000 * 1000;  // 10 s: anything longer is a typo

}  // namespace

SlowDisk::SlowDisk(const char* name, uint64_t sectors, uint64_t slow_sectors, uint64_t latency_ns,
                   unsigned queue_depth, uint64_t slow_latency_ns)
    : name_(name),
      sectors_(sectors),
      slow_start_(slow_sectors < sectors ? sectors - slow_sectors : 0),
      latency_ns_(latency_ns),
      slow_latency_ns_(slow_latency_ns),
      depth_(queue_depth < 1 ? 1 : queue_depth > kMaxQueueDepth ? kMaxQueueDepth : queue_depth) {
    stats_.queue_depth = depth_;
}

int SlowDisk::read(uint64_t sector, size_t count, void* buffer) {
    // Written so that a huge sector or count cannot wrap around.
    if (count == 0 || count > kMaxRequestSectors || sector >= sectors_ || count > sectors_ - sector)
        return -EINVAL;
    uint64_t latency = sector + count > slow_start_ ? slow_latency_ns_ : latency_ns_;
    {
        SpinLockGuard guard(slots_.lock());
        stats_.requests++;
    }

    // 1. A slot. The condition runs with the queue's lock held: taking the
    // slot and counting are one step with the check.
    bool waited = false;
    uint64_t started = 0, round = 0;
    bool got_slot = slots_.wait_until(
        [&] {
            if (stats_.in_flight < depth_) {
                started = monotonic_ns();
                round = finished_round_ + 1;
                if (round > stats_.rounds) stats_.rounds = round;
                if (stats_.in_flight++ == 0) busy_since_ = started;
                if (stats_.in_flight > stats_.max_in_flight) stats_.max_in_flight = stats_.in_flight;
                if (waited) stats_.queued--;
                return true;
            }
            if (!waited) {
                waited = true;
                stats_.queue_waits++;
                stats_.queued++;
            }
            return false;
        },
        "disk");
    if (!got_slot) {  // the process is being killed: leave the queue
        {
            SpinLockGuard guard(slots_.lock());
            stats_.queued--;
            stats_.completed++;  // finished, unserved: requests == completed + in_flight + queued
        }
        // We may have been the one a completion chose to wake: pass it on.
        slots_.wake_one();
        return -EINTR;
    }

    // 2. The device is busy with it: sleep (the CPU runs other threads).
    // Waking early means sched_wake() for another reason (a kill): sleep on
    // unless the process is going away.
    uint64_t deadline = started + latency;
    bool killed = false;
    while (sched_block_until(nullptr, deadline, "disk")) {
        if (thread_interrupted(current_thread())) {
            killed = true;
            break;
        }
    }

    // 3. The data: every 8-byte word holds the tag and its own disk offset.
    if (!killed) {
        uint64_t offset = sector * kSectorSize;
        auto* words = static_cast<uint64_t*>(buffer);
        for (size_t i = 0; i < count * kSectorSize / sizeof(uint64_t); i++)
            words[i] = kContentTag | (offset + i * sizeof(uint64_t));
    }

    // 4. Completion: free the slot and wake the longest-waiting request to
    // take it (a request arriving just then may take it first; the woken
    // one then queues again).
    {
        SpinLockGuard guard(slots_.lock());
        uint64_t now = monotonic_ns();
        stats_.completed++;
        stats_.service_ns += now - started;
        if (round > finished_round_) finished_round_ = round;
        if (!killed) stats_.bytes_read += count * kSectorSize;
        if (--stats_.in_flight == 0) stats_.busy_ns += now - busy_since_;
    }
    slots_.wake_one();
    return killed ? -EINTR : 0;
}

BlockDeviceStats SlowDisk::stats() const {
    SpinLockGuard guard(slots_.lock());
    BlockDeviceStats copy = stats_;
    // A busy period still going on counts up to now.
    if (copy.in_flight > 0) copy.busy_ns += monotonic_ns() - busy_since_;
    return copy;
}

SlowDisk& slow_disk() {
    // Built on first use (the command line is parsed by then), with
    // interrupts off so two CPUs cannot both build it: the kernel is
    // compiled with -fno-threadsafe-statics, so we guard it ourselves.
    static SpinLock lock;
    static SlowDisk* disk = nullptr;
    SpinLockGuard guard(lock);
    if (!disk) {
        const Cmdline& args = kernel_args();
        uint64_t latency_us = args.get_u64("disk_latency_us", kDefaultLatencyUs);
        uint64_t slow_us = args.get_u64("disk_slow_latency_us", kDefaultSlowLatencyUs);
        uint64_t depth = args.get_u64("disk_queue_depth", kDefaultQueueDepth);
        if (latency_us > kMaxLatencyUs) latency_us = kMaxLatencyUs;
        if (slow_us > kMaxLatencyUs) slow_us = kMaxLatencyUs;
        if (depth > SlowDisk::kMaxQueueDepth) depth = SlowDisk::kMaxQueueDepth;
        uint64_t bytes = kHandoffDiskFiles * kHandoffDiskFileBytes + kHandoffDiskSlowBytes;
        static SlowDisk the_disk("slowdisk", bytes / SlowDisk::kSectorSize,
                                 kHandoffDiskSlowBytes / SlowDisk::kSectorSize,
                                 latency_us * kNsPerUs, unsigned(depth), slow_us * kNsPerUs);
        disk = &the_disk;
        kprintf("slowdisk: %lu MiB, %lu us a request (%lu us in the slow zone), %lu at once\n",
                bytes >> 20, latency_us, slow_us, depth < 1 ? 1 : depth);
    }
    return *disk;
}

long sys_handoff_disk_stats(uptr out, size_t size) {
    SlowDisk& disk = slow_disk();
    BlockDeviceStats s = disk.stats();
    HandoffDiskStats stats = {};
    stats.requests = s.requests;
    stats.completed = s.completed;
    stats.in_flight = s.in_flight;
    stats.max_in_flight = s.max_in_flight;
    stats.queued = s.queued;
    stats.queue_waits = s.queue_waits;
    stats.rounds = s.rounds;
    stats.busy_ns = s.busy_ns;
    stats.service_ns = s.service_ns;
    stats.bytes_read = s.bytes_read;
    stats.queue_depth = s.queue_depth;
    stats.latency_ns = disk.latency_ns();
    stats.slow_latency_ns = disk.slow_latency_ns();
    stats.max_request_bytes = disk.max_request_sectors() * SlowDisk::kSectorSize;
    if (size > sizeof stats) size = sizeof stats;
    if (copy_to_user(out, &stats, size)) return -EFAULT;
    return long(size);
}
