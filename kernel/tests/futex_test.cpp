// kernel/tests/futex_test.cpp - the futex hash table and its queues, with
// kernel threads waiting on kernel words (futex_wait/futex_wake with mm ==
// nullptr: the same code as for user words, minus uaccess). futex(2)'s
// argument decoding is tested from user space (user/tests/threadtests.cpp).
#include "kernel/errno.h"
#include "kernel/futex/futex.h"
#include "kernel/ktest.h"
#include "kernel/tests/kthread_test_support.h"
#include "kernel/tests/mm_test_support.h"

namespace {

constexpr uint64_t kMs = 1000 * 1000;

uintptr_t addr(const uint32_t* word) { return reinterpret_cast<uintptr_t>(word); }

uint32_t load(const uint32_t* word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
void store(uint32_t* word, uint32_t value) { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }

// ---- one waiter with a time limit --------------------------------------------
struct TimedWait {
    uint32_t word = 7;
    uint64_t deadline = 0;
    long result = 1;
    uint64_t woke_at = 0;
    bool done = false;
};

void timed_waiter(void* arg) {
    auto* w = static_cast<TimedWait*>(arg);
    w->result = futex_wait(nullptr, addr(&w->word), 7, w->deadline);
    w->woke_at = monotonic_ns();
    __atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

// ---- several waiters, each with its own bitset ---------------------------------
struct Waiters {
    uint32_t word = 0;
    uint32_t other = 0;        // a second futex: waking it must not wake these
    long results[4] = {1, 1, 1, 1};
    int finished = 0;
};
struct WaiterArg {
    Waiters* shared;
    int index;
};

void bitset_waiter(void* arg) {
    auto* a = static_cast<WaiterArg*>(arg);
    a->shared->results[a->index] =
        futex_wait(nullptr, addr(&a->shared->word), 0, kNoDeadline, 1u << a->index);
    __atomic_add_fetch(&a->shared->finished, 1, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

// ---- ping-pong: two threads hand a turn back and forth --------------------------
struct PingPong {
    uint32_t turn = 0;  // whose turn: 0 or 1
    int rounds = 0;
    int finished = 0;
    int completed[2] = {};
};
struct PlayerArg {
    PingPong* game;
    uint32_t me;
};

void player(void* arg) {
    auto* p = static_cast<PlayerArg*>(arg);
    PingPong* g = p->game;
    uint32_t other = 1 - p->me;
    for (int i = 0; i < g->rounds; i++) {
        // Sleep while it is the other's turn; a lost wake-up would hang here.
        while (load(&g->turn) != p->me) futex_wait(nullptr, addr(&g->turn), other, kNoDeadline);
        store(&g->turn, other);
        futex_wake(nullptr, addr(&g->turn), 1);
        g->completed[p->me]++;
    }
    __atomic_add_fetch(&g->finished, 1, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

// ---- a futex mutex under contention ----------------------------------------------
// Drepper's mutex (user/lib/futex_mutex.h has the same): 0 free, 1 held,
// 2 held with maybe a sleeper.
struct Mutex {
    uint32_t state = 0;
    void lock() {
        uint32_t c = 0;
        if (__atomic_compare_exchange_n(&state, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
        if (c != 2) c = __atomic_exchange_n(&state, 2, __ATOMIC_ACQUIRE);
        while (c != 0) {
            futex_wait(nullptr, addr(&state), 2, kNoDeadline);
            c = __atomic_exchange_n(&state, 2, __ATOMIC_ACQUIRE);
        }
    }
    void unlock() {
        if (__atomic_fetch_sub(&state, 1, __ATOMIC_RELEASE) != 1) {
            __atomic_store_n(&state, 0, __ATOMIC_RELEASE);
            futex_wake(nullptr, addr(&state), 1);
        }
    }
};

struct Contention {
    Mutex mutex;
    long counter = 0;
    int iterations = 0;
    int finished = 0;
};

void contender(void* arg) {
    auto* c = static_cast<Contention*>(arg);
    for (int i = 0; i < c->iterations; i++) {
        c->mutex.lock();
        long seen = c->counter;
        // Give up the CPU while holding the lock every few rounds: the
        // others then find it taken and sleep on the futex.
        if (i % 3 == 0) schedule();
        c->counter = seen + 1;
        c->mutex.unlock();
    }
    __atomic_add_fetch(&c->finished, 1, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

}  // namespace

KTEST(futex_errors) {
    LeakCheck leaks;
    alignas(8) uint32_t words[2] = {5, 0};
    // The value check: a waiter that saw a stale value must not sleep.
    EXPECT_EQ(t, futex_wait(nullptr, addr(&words[0]), 4, kNoDeadline), -EAGAIN);
    EXPECT_EQ(t, futex_wait(nullptr, addr(&words[0]) + 2, 5, kNoDeadline), -EINVAL);
    EXPECT_EQ(t, futex_wait(nullptr, addr(&words[0]), 5, kNoDeadline, 0), -EINVAL);
    EXPECT_EQ(t, futex_wake(nullptr, addr(&words[0]) + 1, 1), -EINVAL);
    EXPECT_EQ(t, futex_wake(nullptr, addr(&words[0]), 1, 0), -EINVAL);
    EXPECT_EQ(t, futex_wake(nullptr, addr(&words[0]), 1), 0);  // nobody waits
    EXPECT_EQ(t, futex_waiter_count(), 0);
    EXPECT(t, leaks.clean());
}

KTEST(futex_timeout) {
    LeakCheck leaks;
    long threads = thread_count();
    // A deadline in the past: queued, then ETIMEDOUT at once.
    TimedWait past;
    past.deadline = monotonic_ns();
    // 30 ms ahead: sleeps (at tick resolution) and times out.
    TimedWait future;
    uint64_t start = monotonic_ns();
    future.deadline = start + 30 * kMs;
    EXPECT(t, ktest_spawn(timed_waiter, &past, "futex-past"));
    EXPECT(t, ktest_spawn(timed_waiter, &future, "futex-30ms"));
    ktest_run_until([&] { return __atomic_load_n(&past.done, __ATOMIC_ACQUIRE) &&
                                 __atomic_load_n(&future.done, __ATOMIC_ACQUIRE); });
    EXPECT_EQ(t, past.result, -ETIMEDOUT);
    EXPECT_EQ(t, future.result, -ETIMEDOUT);
    EXPECT(t, future.woke_at >= future.deadline);
    EXPECT_EQ(t, futex_waiter_count(), 0);
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}

KTEST(futex_wake_counts_and_bitsets) {
    LeakCheck leaks;
    long threads = thread_count();
    Waiters w;
    WaiterArg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = {&w, i};
        EXPECT(t, ktest_spawn(bitset_waiter, &args[i], "futex-waiter"));
    }
    ktest_run_until([] { return futex_waiter_count() == 4; });
    // Another word, and bits nobody waits for: no one wakes.
    EXPECT_EQ(t, futex_wake(nullptr, addr(&w.other), 10), 0);
    EXPECT_EQ(t, futex_wake(nullptr, addr(&w.word), 10, 1u << 7), 0);
    // Waiters 1 and 3 match bits 1|3; a count of 10 wakes just those two.
    EXPECT_EQ(t, futex_wake(nullptr, addr(&w.word), 10, (1u << 1) | (1u << 3)), 2);
    ktest_run_until([&] { return __atomic_load_n(&w.finished, __ATOMIC_ACQUIRE) == 2; });
    EXPECT_EQ(t, w.results[1], 0);
    EXPECT_EQ(t, w.results[3], 0);
    EXPECT_EQ(t, futex_waiter_count(), 2);
    // Count 1 wakes exactly one; a count of 0 still wakes one (as Linux).
    EXPECT_EQ(t, futex_wake(nullptr, addr(&w.word), 1), 1);
    EXPECT_EQ(t, futex_wake(nullptr, addr(&w.word), 0), 1);
    ktest_run_until([&] { return __atomic_load_n(&w.finished, __ATOMIC_ACQUIRE) == 4; });
    EXPECT_EQ(t, w.results[0], 0);
    EXPECT_EQ(t, w.results[2], 0);
    EXPECT_EQ(t, futex_wake(nullptr, addr(&w.word), 10), 0);
    EXPECT_EQ(t, futex_waiter_count(), 0);
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}

KTEST(futex_ping_pong) {
    LeakCheck leaks;
    long threads = thread_count();
    PingPong game;
    game.rounds = 20000;
    PlayerArg players[2] = {{&game, 0}, {&game, 1}};
    EXPECT(t, ktest_spawn(player, &players[0], "ping"));
    EXPECT(t, ktest_spawn(player, &players[1], "pong"));
    ktest_run_until([&] { return __atomic_load_n(&game.finished, __ATOMIC_ACQUIRE) == 2; });
    EXPECT_EQ(t, game.completed[0], game.rounds);
    EXPECT_EQ(t, game.completed[1], game.rounds);
    EXPECT_EQ(t, futex_waiter_count(), 0);
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}

KTEST(futex_mutex_contention) {
    LeakCheck leaks;
    long threads = thread_count();
    constexpr int kThreads = 8;
    Contention c;
    c.iterations = 3000;
    for (int i = 0; i < kThreads; i++) EXPECT(t, ktest_spawn(contender, &c, "futex-mutex"));
    ktest_run_until([&] { return __atomic_load_n(&c.finished, __ATOMIC_ACQUIRE) == kThreads; });
    EXPECT_EQ(t, c.counter, long(kThreads) * c.iterations);
    EXPECT_EQ(t, c.mutex.state, 0);
    EXPECT_EQ(t, futex_waiter_count(), 0);
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}
