// user/bench/threads_bench.cpp - what it costs kernel threads to hand the CPU to each other.
//
// Two threads of one process take turns, and every turn goes through the kernel: one thread
// wakes the other and then sleeps until it is woken back. With -smp 1 (`make bench`) the two
// share one CPU, so a round trip is exactly: wake + sleep + context switch, twice. The rows:
//
//   futex_pingpong       a shared word `turn` and FUTEX_WAIT/FUTEX_WAKE on it (private
//                        futexes): the kernel half of every lock hand-off and of Go's
//                        notesleep/notewakeup between two Ms.
//                        DESIGN.md: target <= 2,000 / <= 3,000; Linux 6.1: 7,807 / 12,460.
//   pipe_pingpong        one byte there over one pipe and back over another: the same
//                        hand-off behind read(2)/write(2) and a pipe's wait queue.
//                        DESIGN.md: target <= 3,000 / <= 4,000; Linux 6.1: 11,414 / 15,850.
//   thread_create_join   thread_create() + thread_join() (user/lib/thread.h) of a thread
//                        that returns at once: mmap + mprotect of its stack, clone, its first
//                        instructions (and the page faults of its first stack touches), exit
//                        with the CLONE_CHILD_CLEARTID wake, the join's futex wait, munmap.
//                        What Go pays once per M it starts (newosproc).
//
// Each row is timed from the main thread over kRounds operations after a warm-up (first
// touches and page faults): a round trip is from "I hand over" to "it came back". Under QEMU
// icount (tools/bench.py) the counter advances once per guest instruction, so the figures are
// guest instructions and repeat exactly run to run. The timer tick (100 Hz) lands inside the
// measured loops too, as it would in real life; at one tick per 10 million instructions it
// adds well under one instruction a round trip.
#include "bench.h"
#include "linux_abi.h"
#include "syscall.h"
#include "sysnum.h"
#include "thread.h"

namespace {

constexpr uint64_t kWarmup = 100;
constexpr uint64_t kRounds = 10000;
constexpr uint64_t kThreads = 1000;  // thread_create_join: each one maps and unmaps a stack

long futex_wait(volatile int* word, int expected) {
    return syscall4(SYS_futex, long(word), LINUX_FUTEX_WAIT_PRIVATE, expected, 0);
}
long futex_wake(volatile int* word) {
    return syscall3(SYS_futex, long(word), LINUX_FUTEX_WAKE_PRIVATE, 1);
}

// ---- futex ping-pong ----------------------------------------------------------------------
// `turn` says whose move it is: 0 the main thread, 1 the partner. A player whose turn it is
// not sleeps in FUTEX_WAIT for as long as the word still says so (the kernel rechecks the
// word, so a wake that came first is not lost: the wait just returns EAGAIN).
volatile int g_turn;

void take_turn(int me) {
    while (__atomic_load_n(&g_turn, __ATOMIC_ACQUIRE) != me) futex_wait(&g_turn, 1 - me);
}

void hand_over(int other) {
    __atomic_store_n(&g_turn, other, __ATOMIC_RELEASE);
    futex_wake(&g_turn);
}

void* futex_partner(void*) {
    for (uint64_t i = 0; i < kWarmup + kRounds; i++) {
        take_turn(1);
        hand_over(0);
    }
    return nullptr;
}

uint64_t futex_rounds(uint64_t rounds) {
    uint64_t start = bench_counter();
    for (uint64_t i = 0; i < rounds; i++) {
        hand_over(1);
        take_turn(0);
    }
    return bench_counter() - start;
}

void bench_futex_pingpong() {
    g_turn = 0;
    thread_t partner = thread_create(futex_partner, nullptr);
    if (!partner) {
        printf("bench: threads_bench: thread_create failed\n");
        return;
    }
    futex_rounds(kWarmup);
    uint64_t total = futex_rounds(kRounds);
    thread_join(partner);
    bench_report("futex_pingpong", total, kRounds);
}

// ---- pipe ping-pong -----------------------------------------------------------------------
// One byte to the partner over `there`, and the partner sends it back over `back`. Each read
// finds its pipe empty and sleeps until the other side writes.
int g_there[2], g_back[2];  // [0] read end, [1] write end

void* pipe_partner(void*) {
    char byte;
    for (uint64_t i = 0; i < kWarmup + kRounds; i++) {
        syscall3(SYS_read, g_there[0], long(&byte), 1);
        syscall3(SYS_write, g_back[1], long(&byte), 1);
    }
    return nullptr;
}

uint64_t pipe_rounds(uint64_t rounds) {
    char byte = 'x';
    uint64_t start = bench_counter();
    for (uint64_t i = 0; i < rounds; i++) {
        syscall3(SYS_write, g_there[1], long(&byte), 1);
        syscall3(SYS_read, g_back[0], long(&byte), 1);
    }
    return bench_counter() - start;
}

void bench_pipe_pingpong() {
    if (syscall_failed(syscall2(SYS_pipe2, long(g_there), 0)) ||
        syscall_failed(syscall2(SYS_pipe2, long(g_back), 0))) {
        printf("bench: threads_bench: pipe2 failed\n");
        return;
    }
    thread_t partner = thread_create(pipe_partner, nullptr);
    if (!partner) {
        printf("bench: threads_bench: thread_create failed\n");
        return;
    }
    pipe_rounds(kWarmup);
    uint64_t total = pipe_rounds(kRounds);
    thread_join(partner);
    syscall1(SYS_close, g_there[0]);
    syscall1(SYS_close, g_there[1]);
    syscall1(SYS_close, g_back[0]);
    syscall1(SYS_close, g_back[1]);
    bench_report("pipe_pingpong", total, kRounds);
}

// ---- thread create + join -----------------------------------------------------------------
void* return_at_once(void* arg) { return arg; }

uint64_t create_join(uint64_t threads) {
    uint64_t start = bench_counter();
    for (uint64_t i = 0; i < threads; i++) {
        thread_t t = thread_create(return_at_once, nullptr);
        if (!t) {
            printf("bench: threads_bench: thread_create failed\n");
            break;
        }
        thread_join(t);
    }
    return bench_counter() - start;
}

void bench_thread_create_join() {
    create_join(kWarmup);
    bench_report("thread_create_join", create_join(kThreads), kThreads);
}

}  // namespace

int main() {
    bench_futex_pingpong();
    bench_pipe_pingpong();
    bench_thread_create_join();
    printf("bench: done\n");
    return 0;
}
