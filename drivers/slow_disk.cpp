// drivers/slow_disk.cpp - see slow_disk.h.
//
// A request goes through the same steps as on a real disk with a queue:
//   1. Submission. The device works on at most `depth` requests at once: a
//      free slot starts the request now, else it waits in the device's
//      queue (in the kernel, on the submitting thread's stack).
//   2. The thread sleeps until its request is complete (sched_block_until,
//      reason "disk": /proc shows it in state D, as Linux shows a thread
//      waiting for its disk). Its CPU runs other threads meanwhile.
//   3. Completion, in interrupt context: a kernel timer armed for the
//      earliest deadline at the device plays the disk's interrupt line. Its
//      handler finishes every request that is due, starts the oldest queued
//      request in each freed slot - as a real driver's interrupt handler
//      submits the next request - and wakes the finished requests' threads.
//   4. The data: the woken thread makes it up in its buffer (a real disk
//      would have written it by DMA before interrupting).
// Requests in flight overlap in time, so `depth` of them finish in about
// one latency: 16 requests at depth 4 need 4 latencies back to back. The
// queue advances in the interrupt, not when a woken thread next gets a CPU,
// so how busy the CPUs are does not change the device's rounds.
// Compare Linux's blk-mq: blk_mq_submit_bio -> the driver's queue_rq, and
// blk_mq_complete_request from the device's interrupt.
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

SlowDisk::~SlowDisk() {
    KASSERT(waiting_.empty() && at_device_.empty());
    // The timer may still be armed for a request that was cancelled.
    timer_cancel(&completion_);
}

// The request gets a slot: the device starts on it at `now`.
void SlowDisk::start_locked(Request& request, uint64_t now) {
    request.at_device = true;
    request.started_ns = now;
    request.deadline_ns = now + request.latency_ns;
    request.round = finished_round_ + 1;
    if (request.round > stats_.rounds) stats_.rounds = request.round;
    if (stats_.in_flight++ == 0) busy_since_ = now;
    if (stats_.in_flight > stats_.max_in_flight) stats_.max_in_flight = stats_.in_flight;
    // Sorted by deadline (latencies differ: the slow zone), ties in order.
    for (Request& other : at_device_) {
        if (other.deadline_ns > request.deadline_ns) {
            at_device_.insert_before(other, request);
            return;
        }
    }
    at_device_.push_back(request);
}

// The request leaves the device (done, or given up by a killed thread),
// which frees its slot for the oldest queued request.
void SlowDisk::finish_locked(Request& request, uint64_t now) {
    at_device_.remove(request);
    stats_.completed++;
    stats_.service_ns += now - request.started_ns;
    if (request.round > finished_round_) finished_round_ = request.round;
    if (--stats_.in_flight == 0) stats_.busy_ns += now - busy_since_;
    if (Request* next = waiting_.pop_front()) {
        stats_.queued--;
        start_locked(*next, now);
    }
}

// Points the completion timer at the earliest deadline at the device. An
// empty device leaves it as it is: if it fires, it finds nothing due.
void SlowDisk::arm_completion_locked() {
    Request* first = at_device_.front();
    if (first && (!timer_pending(&completion_) || completion_.deadline_ns != first->deadline_ns))
        timer_arm(&completion_, first->deadline_ns);
}

// The device's interrupt (a timer callback: interrupt context, on the CPU
// that last armed it).
void SlowDisk::completion_interrupt(void* arg) {
    auto* disk = static_cast<SlowDisk*>(arg);
    SpinLockGuard guard(disk->lock_);
    uint64_t now = monotonic_ns();
    while (Request* r = disk->at_device_.front()) {
        if (r->deadline_ns > now) break;  // the rest are later (sorted)
        disk->finish_locked(*r, now);
        r->done = true;
        // Under lock_: the thread cannot see `done`, return and pop its
        // Request off its stack before we are finished with it.
        sched_wake(r->thread);
    }
    disk->arm_completion_locked();
}

int SlowDisk::read(uint64_t sector, size_t count, void* buffer) {
    // Written so that a huge sector or count cannot wrap around.
    if (count == 0 || count > kMaxRequestSectors || sector >= sectors_ || count > sectors_ - sector)
        return -EINVAL;
    Request request;
    request.thread = current_thread();
    request.latency_ns = sector + count > slow_start_ ? slow_latency_ns_ : latency_ns_;
    bool killed = false;
    {
        SpinLockGuard guard(lock_);
        stats_.requests++;
        // 1. A slot, or the queue.
        if (stats_.in_flight < depth_) {
            start_locked(request, monotonic_ns());
            arm_completion_locked();
        } else {
            waiting_.push_back(request);
            stats_.queued++;
            stats_.queue_waits++;
        }
        // 2. Sleep until the completion interrupt marks it done. (Woken for
        // anything else - a kill - we look again.)
        while (!request.done) {
            if (thread_interrupted(request.thread)) {
                // The process is being killed: give the request up. Queued,
                // it just leaves the queue; at the device, its slot is freed
                // (a real disk would finish it anyway; waiting for that would
                // keep the dying process around for up to a slow-zone latency).
                // The completion timer may stay armed for it: it then finds
                // nothing due.
                killed = true;
                if (request.at_device) {
                    finish_locked(request, monotonic_ns());
                    arm_completion_locked();
                } else {
                    waiting_.remove(request);
                    stats_.queued--;
                    // Finished, unserved: requests == completed + in_flight + queued.
                    stats_.completed++;
                }
                break;
            }
            sched_block_until(&lock_, kNoDeadline, "disk");
        }
        if (!killed) stats_.bytes_read += count * kSectorSize;
    }
    if (killed) return -EINTR;

    // 4. The data: every 8-byte word holds the tag and its own disk offset.
    uint64_t offset = sector * kSectorSize;
    auto* words = static_cast<uint64_t*>(buffer);
    for (size_t i = 0; i < count * kSectorSize / sizeof(uint64_t); i++)
        words[i] = kContentTag | (offset + i * sizeof(uint64_t));
    return 0;
}

BlockDeviceStats SlowDisk::stats() const {
    SpinLockGuard guard(lock_);
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
