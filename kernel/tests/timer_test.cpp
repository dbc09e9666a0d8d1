// kernel/tests/timer_test.cpp - the per-CPU timer queues (kernel/timer.h):
// order, never early, cancel and re-arm, callbacks that re-arm, which CPU a
// timer runs on, cancel waiting for a running callback, and a thread's
// timed sleep. Durations are never asserted: a timer may fire late on a busy
// host, so tests check orders and "not before its deadline" only, and wait
// for events (bounded by ktest_run_until's panic) rather than for time.
#include "kernel/ktest.h"
#include "kernel/sync/spinlock.h"
#include "kernel/tests/kthread_test_support.h"
#include "kernel/tests/mm_test_support.h"
#include "kernel/timer.h"

namespace {

constexpr uint64_t kMs = 1000 * 1000;

// What a test timer's callback records: when and where it ran, and in which
// place among the test's timers.
struct Probe {
    Timer timer;
    int* sequence = nullptr;  // shared counter: the order of firing
    int position = -1;        // this probe's value of *sequence when it fired
    int fired = 0;
    uint64_t fired_at = 0;
    uint64_t deadline_at_fire = 0;
    unsigned cpu = ~0u;

    explicit Probe(int* seq = nullptr) : timer(on_fire, this), sequence(seq) {}
    // Whatever a failed check left armed must not fire into a dead frame.
    ~Probe() { timer_cancel(&timer); }

    static void on_fire(void* arg) {
        auto* p = static_cast<Probe*>(arg);
        p->fired_at = monotonic_ns();
        p->deadline_at_fire = p->timer.deadline_ns;
        p->cpu = arch::cpu_id();
        if (p->sequence) p->position = (*p->sequence)++;
        __atomic_add_fetch(&p->fired, 1, __ATOMIC_RELEASE);
    }
    bool has_fired() const { return __atomic_load_n(&fired, __ATOMIC_ACQUIRE) > 0; }
};

}  // namespace

// Timers armed out of order fire in deadline order, equal deadlines in the
// order they were armed, none before its deadline, all on the arming CPU.
KTEST(timer_fires_in_deadline_order) {
    int sequence = 0;
    Probe probes[6] = {Probe(&sequence), Probe(&sequence), Probe(&sequence),
                       Probe(&sequence), Probe(&sequence), Probe(&sequence)};
    // Deadlines in ms from now, armed in this order; the expected firing
    // order is by (deadline, arming order).
    constexpr uint64_t kAfterMs[6] = {5, 1, 3, 3, 2, 4};
    constexpr int kExpectedPosition[6] = {5, 0, 2, 3, 1, 4};
    unsigned cpu = arch::cpu_id();  // the ktest context stays on its CPU
    {
        // All armed before any can fire, however slowly the host runs us:
        // then even deadlines already passed come out in deadline order.
        InterruptsOffGuard irqs_off;
        uint64_t now = monotonic_ns();
        for (int i = 0; i < 6; i++) timer_arm(&probes[i].timer, now + kAfterMs[i] * kMs);
        for (Probe& p : probes) EXPECT(t, timer_pending(&p.timer));
    }
    ktest_run_until([&] {
        for (Probe& p : probes)
            if (!p.has_fired()) return false;
        return true;
    });
    for (int i = 0; i < 6; i++) {
        EXPECT_EQ(t, probes[i].fired, 1);
        EXPECT_EQ(t, probes[i].position, kExpectedPosition[i]);
        EXPECT(t, probes[i].fired_at >= probes[i].deadline_at_fire);  // never early
        EXPECT_EQ(t, probes[i].cpu, cpu);
        EXPECT(t, !timer_pending(&probes[i].timer));
    }
    kprintf("  timers 1..5 ms: fired %lu us after their deadline at most\n", [&] {
        uint64_t worst = 0;
        for (Probe& p : probes)
            if (p.fired_at - p.deadline_at_fire > worst) worst = p.fired_at - p.deadline_at_fire;
        return worst / 1000;
    }());
}

// Cancelling an armed timer stops it; cancelling one that fired, or was
// never armed, says so.
KTEST(timer_cancel) {
    Probe never_armed, cancelled, later;
    EXPECT(t, !timer_cancel(&never_armed.timer));
    {
        InterruptsOffGuard irqs_off;  // so `cancelled` cannot fire before we cancel it
        uint64_t now = monotonic_ns();
        timer_arm(&cancelled.timer, now + 2 * kMs);
        timer_arm(&later.timer, now + 4 * kMs);
        EXPECT(t, timer_cancel(&cancelled.timer));
        EXPECT(t, !timer_pending(&cancelled.timer));
        EXPECT(t, !timer_cancel(&cancelled.timer));  // a second time: nothing left to cancel
    }
    ktest_run_until([&] { return later.has_fired(); });
    // `later` fired after the cancelled one's deadline, and timers of one
    // CPU fire in deadline order: had it still been armed, it would have fired.
    EXPECT_EQ(t, cancelled.fired, 0);
    EXPECT_EQ(t, later.fired, 1);
    EXPECT(t, !timer_cancel(&later.timer));  // it already fired
}

// Arming an armed timer moves it: it fires once, at the new deadline.
KTEST(timer_rearm_moves_it) {
    int sequence = 0;
    Probe moved(&sequence), marker(&sequence);
    uint64_t now;
    {
        InterruptsOffGuard irqs_off;  // all three steps before either can fire
        now = monotonic_ns();
        timer_arm(&moved.timer, now + 1000 * 1000 * kMs);  // 1000 s: would never come
        timer_arm(&marker.timer, now + 3 * kMs);
        timer_arm(&moved.timer, now + 1 * kMs);          // earlier now
    }
    ktest_run_until([&] { return marker.has_fired(); });
    EXPECT_EQ(t, moved.fired, 1);
    EXPECT_EQ(t, moved.position, 0);  // before the marker
    EXPECT_EQ(t, moved.deadline_at_fire, now + 1 * kMs);
    EXPECT(t, moved.fired_at >= now + 1 * kMs);
    // Armed again (it fired, so it is a fresh arming), moved, then cancelled:
    // it must not fire again. Deadlines far off, so no interrupt can come first.
    now = monotonic_ns();
    timer_arm(&moved.timer, now + 500 * 1000 * kMs);
    timer_arm(&moved.timer, now + 1000 * 1000 * kMs);
    EXPECT(t, timer_cancel(&moved.timer));
    EXPECT_EQ(t, moved.fired, 1);
}

// A deadline that has passed already fires at once (on the next interrupt,
// which the hardware raises straight away), not never.
KTEST(timer_past_deadline_fires) {
    Probe past;
    timer_arm(&past.timer, 0);  // the monotonic clock's start: long gone
    ktest_run_until([&] { return past.has_fired(); });
    EXPECT_EQ(t, past.fired, 1);
}

namespace {
// A callback that arms its own timer again, as the tick does.
struct Repeater {
    Timer timer{fire, this};
    int remaining = 5;
    int fired = 0;
    bool early = false;
    ~Repeater() { timer_cancel(&timer); }
    static void fire(void* arg) {
        auto* r = static_cast<Repeater*>(arg);
        if (monotonic_ns() < r->timer.deadline_ns) r->early = true;
        r->fired++;
        if (--r->remaining > 0) timer_arm(&r->timer, r->timer.deadline_ns + kMs);
        else __atomic_store_n(&r->remaining, 0, __ATOMIC_RELEASE);
    }
};
}  // namespace

KTEST(timer_callback_rearms_itself) {
    Repeater r;
    uint64_t expirations = timer_expirations(arch::cpu_id());
    timer_arm(&r.timer, monotonic_ns() + kMs);
    ktest_run_until([&] { return __atomic_load_n(&r.remaining, __ATOMIC_ACQUIRE) == 0; });
    EXPECT_EQ(t, r.fired, 5);
    EXPECT(t, !r.early);
    EXPECT(t, !timer_pending(&r.timer));
    // This CPU ran at least those five (and its ticks meanwhile).
    EXPECT(t, timer_expirations(arch::cpu_id()) >= expirations + 5);
}

namespace {
bool have_cpus(KTestContext& t, unsigned needed) {
    if (arch::online_cpus() >= needed) return true;
    kprintf("  (needs %u CPUs; %u online: nothing to check)\n", needed, arch::online_cpus());
    (void)t;
    return false;
}

struct ArmAt {
    Probe* probe;
    uint64_t deadline;
};
void arm_here(void* arg) {
    auto* a = static_cast<ArmAt*>(arg);
    timer_arm(&a->probe->timer, a->deadline);
}
}  // namespace

// A timer runs on the CPU that armed it: each CPU's hardware timer serves
// its own queue.
KTEST(timer_runs_on_the_arming_cpu) {
    if (!have_cpus(t, 2)) return;
    unsigned online = arch::online_cpus();
    Probe probes[kMaxCpus];
    for (unsigned cpu = 0; cpu < online; cpu++) {
        ArmAt arm = {&probes[cpu], monotonic_ns() + 2 * kMs};
        arch::run_on_cpu(cpu, arm_here, &arm);
    }
    ktest_run_until([&] {
        for (unsigned cpu = 0; cpu < online; cpu++)
            if (!probes[cpu].has_fired()) return false;
        return true;
    });
    for (unsigned cpu = 0; cpu < online; cpu++) {
        EXPECT_EQ(t, probes[cpu].cpu, cpu);
        EXPECT(t, probes[cpu].fired_at >= probes[cpu].deadline_at_fire);
    }
    // Cancelled from another CPU than its own: this one, for CPU 1's.
    Probe far;
    ArmAt arm = {&far, monotonic_ns() + 1000 * 1000 * kMs};
    arch::run_on_cpu(1, arm_here, &arm);
    EXPECT(t, timer_pending(&far.timer));
    EXPECT(t, timer_cancel(&far.timer));
    EXPECT(t, !timer_pending(&far.timer));
}

namespace {
// A callback that takes a while: it holds its CPU for kBusyNs of the
// counter, with flags around it.
struct SlowCallback {
    Timer timer{run, this};
    bool started = false;
    bool finished = false;
    static constexpr uint64_t kBusyNs = 20 * kMs;
    ~SlowCallback() { timer_cancel(&timer); }
    static void run(void* arg) {
        auto* s = static_cast<SlowCallback*>(arg);
        __atomic_store_n(&s->started, true, __ATOMIC_RELEASE);
        uint64_t until = monotonic_ns() + kBusyNs;
        while (monotonic_ns() < until) arch::cpu_relax();
        __atomic_store_n(&s->finished, true, __ATOMIC_RELEASE);
    }
};
}  // namespace

// timer_cancel on a timer whose callback is running on another CPU returns
// only once the callback has returned: after that the owner may free it.
KTEST(timer_cancel_waits_for_running_callback) {
    if (!have_cpus(t, 2)) return;
    SlowCallback slow;
    struct Arm {
        SlowCallback* s;
        static void go(void* arg) {
            auto* a = static_cast<Arm*>(arg);
            timer_arm(&a->s->timer, monotonic_ns() + kMs);
        }
    } request{&slow};
    arch::run_on_cpu(1, Arm::go, &request);
    ktest_run_until([&] { return __atomic_load_n(&slow.started, __ATOMIC_ACQUIRE); });
    // It is running on CPU 1 now (for kBusyNs, unless the host was slow to
    // get us here): cancel must wait for it, and report it was not armed.
    EXPECT(t, !timer_cancel(&slow.timer));
    EXPECT(t, __atomic_load_n(&slow.finished, __ATOMIC_ACQUIRE));
}

namespace {
struct Sleeper {
    uint64_t deadline = 0;
    uint64_t woke_at = 0;
    bool result = false;
    bool done = false;
};
void sleeper_main(void* arg) {
    auto* s = static_cast<Sleeper*>(arg);
    s->result = sched_sleep_until(s->deadline);
    s->woke_at = monotonic_ns();
    __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
    ktest_thread_exit();
}
}  // namespace

// A kernel thread's timed sleep ends at its deadline, never before, woken
// by its own timer (kernel/sched: sched_block_until), and nothing of the
// timer is left behind.
KTEST(timer_wakes_a_sleeping_thread) {
    LeakCheck leaks;
    long threads = thread_count();
    Sleeper sleepers[3];
    constexpr uint64_t kAfterMs[3] = {2, 7, 1};
    uint64_t now = monotonic_ns();
    for (int i = 0; i < 3; i++) {
        sleepers[i].deadline = now + kAfterMs[i] * kMs;
        EXPECT(t, ktest_spawn(sleeper_main, &sleepers[i], "sleeper"));
    }
    ktest_run_until([&] {
        for (Sleeper& s : sleepers)
            if (!__atomic_load_n(&s.done, __ATOMIC_ACQUIRE)) return false;
        return true;
    });
    for (Sleeper& s : sleepers) {
        EXPECT(t, s.result);
        EXPECT(t, s.woke_at >= s.deadline);
    }
    kprintf("  sleeps of 1, 2, 7 ms ended %lu, %lu, %lu us after their deadlines\n",
            (sleepers[2].woke_at - sleepers[2].deadline) / 1000,
            (sleepers[0].woke_at - sleepers[0].deadline) / 1000,
            (sleepers[1].woke_at - sleepers[1].deadline) / 1000);
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}
