// kernel/tests/slow_disk_test.cpp - the slow disk's queue, with kernel
// threads as its readers: the queue depth holds, requests overlap, waiting
// for a request blocks only the waiting thread, and the data is right.
// Each test makes its own SlowDisk, so the command line does not matter.
#include "drivers/slow_disk.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/tests/kthread_test_support.h"
#include "kernel/tests/mm_test_support.h"

namespace {

constexpr uint64_t kMs = 1000 * 1000;
constexpr size_t kSector = BlockDevice::kSectorSize;

// 16 MiB, the last MiB slow.
constexpr uint64_t kSectors = (16u << 20) / kSector;
constexpr uint64_t kSlowSectors = (1u << 20) / kSector;

struct Reader {
    SlowDisk* disk;
    uint64_t sector;
    size_t count;
    int result = 1;
    bool data_ok = false;
    bool done = false;
};

void reader_main(void* arg) {
    auto* r = static_cast<Reader*>(arg);
    uintptr_t page = page_allocator().alloc_page();
    auto* words = static_cast<uint64_t*>(page_allocator().to_virt(page));
    r->result = page ? r->disk->read(r->sector, r->count, words) : -ENOMEM;
    r->data_ok = r->result == 0;
    for (size_t i = 0; r->data_ok && i < r->count * kSector / 8; i++)
        r->data_ok = words[i] == (SlowDisk::kContentTag | (r->sector * kSector + i * 8));
    if (page) page_allocator().free_page(page);
    __atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

bool all_done(const Reader* readers, int n) {
    for (int i = 0; i < n; i++)
        if (!__atomic_load_n(&readers[i].done, __ATOMIC_ACQUIRE)) return false;
    return true;
}

// Counts on, yielding each time, until the reader is done: the "other
// thread" of the Go articles' experiment. It notes its count when it first
// sees the reader asleep at the device, and when the read is over. (It must
// watch for itself: the test's own context runs only when no test thread
// is runnable, and this one always is.)
struct Counter {
    const Reader* reader;
    const Thread* reader_thread;
    uint64_t count = 0;
    uint64_t count_at_start = 0, count_at_end = 0;
    uint64_t tick_at_start = 0, tick_at_end = 0;  // the timer tick count then
    bool done = false;
};

bool asleep_at_disk(const Thread* t) {
    const char* why = __atomic_load_n(&t->wait_reason, __ATOMIC_ACQUIRE);
    return __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == ThreadState::kBlocked && why &&
           strcmp(why, "disk") == 0;
}

void counter_main(void* arg) {
    auto* c = static_cast<Counter*>(arg);
    bool started = false;
    while (!__atomic_load_n(&c->reader->done, __ATOMIC_ACQUIRE)) {
        c->count++;
        if (!started && asleep_at_disk(c->reader_thread)) {
            started = true;
            c->count_at_start = c->count;
            c->tick_at_start = ticks();
        }
        schedule();  // kernel threads are not preempted: let the reader back in when it wakes
    }
    c->count_at_end = c->count;
    c->tick_at_end = ticks();
    __atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

}  // namespace

KTEST(slow_disk_bad_requests) {
    SlowDisk disk("test", kSectors, kSlowSectors, 0, 4, 0);
    uint64_t buffer[64];
    EXPECT_EQ(t, disk.read(0, 0, buffer), -EINVAL);
    EXPECT_EQ(t, disk.read(kSectors, 1, buffer), -EINVAL);
    EXPECT_EQ(t, disk.read(kSectors - 1, 2, buffer), -EINVAL);
    EXPECT_EQ(t, disk.read(~0ull, 1, buffer), -EINVAL);
    EXPECT_EQ(t, disk.read(0, SlowDisk::kMaxRequestSectors + 1, buffer), -EINVAL);
    EXPECT_EQ(t, disk.stats().requests, 0);
    // Queue depths outside 1..64 are clamped.
    SlowDisk zero("test", kSectors, kSlowSectors, 0, 0, 0), huge("test", kSectors, kSlowSectors, 0, 1000, 0);
    EXPECT_EQ(t, zero.stats().queue_depth, 1);
    EXPECT_EQ(t, huge.stats().queue_depth, SlowDisk::kMaxQueueDepth);
}

// The test: 16 concurrent readers at queue depth 4 need about 4
// device latencies, and never more than 4 requests are at the device.
KTEST(slow_disk_queue_depth) {
    LeakCheck leaks;
    long threads = thread_count();
    constexpr int kReaders = 16;
    constexpr unsigned kDepth = 4;
    SlowDisk disk("test", kSectors, kSlowSectors, 2 * kMs, kDepth, 200 * kMs);
    Reader readers[kReaders];
    for (int i = 0; i < kReaders; i++) {
        readers[i].disk = &disk;
        readers[i].sector = uint64_t(i) * 1000 + 3;
        readers[i].count = 8;  // 4 KiB: one page
        EXPECT(t, ktest_spawn(reader_main, &readers[i], "disk-reader"));
    }
    ktest_run_until([&] { return all_done(readers, kReaders); });
    BlockDeviceStats s = disk.stats();
    for (const Reader& r : readers) {
        EXPECT_EQ(t, r.result, 0);
        EXPECT(t, r.data_ok);
    }
    EXPECT_EQ(t, s.requests, kReaders);
    EXPECT_EQ(t, s.completed, kReaders);
    EXPECT_EQ(t, s.in_flight, 0);
    EXPECT_EQ(t, s.queued, 0);
    // Never more than the depth in flight. How many had to queue depends
    // on whether all 16 readers asked before the first request finished -
    // usually, but a busy host can delay a reader's start by more than the
    // 2 ms latency, so only the bounds are certain.
    EXPECT(t, s.max_in_flight >= 1 && s.max_in_flight <= kDepth);
    EXPECT(t, s.queue_waits <= kReaders - kDepth);
    EXPECT_EQ(t, s.bytes_read, kReaders * 8 * kSector);
    // Rounds, by the device's own count: at least 16 / 4 = 4, since no more
    // than 4 overlap; at most 16 (one after another). And exactly 4 when
    // all 12 beyond the first 4 had to queue: then all four slots were
    // taken before any request finished (a finish would have freed a slot
    // for a later reader without queueing), so the first 4 are round 1,
    // and the completion interrupt hands each freed slot straight to the
    // next queued request, in deadline order - the queue drains as 4 + 4 +
    // 4 + 4 however late the woken threads get a CPU. Only when a reader
    // reached the device after the first requests had finished (a busy
    // host) may a round be short.
    EXPECT(t, s.rounds >= kReaders / kDepth && s.rounds <= kReaders);
    if (s.queue_waits == kReaders - kDepth) EXPECT_EQ(t, s.rounds, kReaders / kDepth);
    // Never early: each request spent at least the latency at the device,
    // and each round too.
    EXPECT(t, s.service_ns >= kReaders * 2 * kMs);
    EXPECT(t, s.busy_ns >= s.rounds * 2 * kMs);
    kprintf("  slow disk: %lu rounds, %lu queue waits; busy %lu us, %lu us per request\n", s.rounds,
            s.queue_waits, s.busy_ns / 1000, s.service_ns / s.completed / 1000);
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}

// The Go articles' first experiment, at kernel level: one thread blocked
// 200 ms in a read from the slow zone while another keeps counting on the
// same CPU. The counter must keep growing, and the reader must be seen
// blocked for "disk" meanwhile.
KTEST(slow_disk_read_blocks_only_its_thread) {
    LeakCheck leaks;
    long threads = thread_count();
    SlowDisk disk("test", kSectors, kSlowSectors, 2 * kMs, 4, 200 * kMs);
    Reader reader;
    reader.disk = &disk;
    reader.sector = kSectors - kSlowSectors;  // the slow zone
    reader.count = 8;
    Thread* reader_thread = ktest_spawn(reader_main, &reader, "slow-reader");
    EXPECT(t, reader_thread);
    if (!reader_thread) return;
    Counter counter;
    counter.reader = &reader;
    counter.reader_thread = reader_thread;  // valid until reader.done
    EXPECT(t, ktest_spawn(counter_main, &counter, "counter"));
    ktest_run_until([&] { return __atomic_load_n(&counter.done, __ATOMIC_ACQUIRE); });
    BlockDeviceStats s = disk.stats();
    uint64_t grew = counter.count_at_start ? counter.count_at_end - counter.count_at_start : 0;
    uint64_t ticks_passed = counter.tick_at_end - counter.tick_at_start;
    kprintf("  counter: %lu increments during the 200 ms read (%lu timer ticks)\n", grew, ticks_passed);
    EXPECT_EQ(t, reader.result, 0);
    EXPECT(t, reader.data_ok);
    EXPECT(t, counter.count_at_start > 0);  // it saw the reader asleep for "disk"
    EXPECT(t, grew > 1000);
    // 200 ms is 20 ticks of 10 ms: the tick kept going meanwhile. (Not all
    // 20 are certain: the counter notes the count only once it has seen the
    // reader asleep, which a busy host can delay.)
    EXPECT(t, ticks_passed >= 10);
    // One request, one round, completed by the device's timer no earlier
    // than its 200 ms.
    EXPECT_EQ(t, s.completed, 1);
    EXPECT_EQ(t, s.rounds, 1);
    EXPECT(t, s.service_ns >= 200 * kMs);
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}
