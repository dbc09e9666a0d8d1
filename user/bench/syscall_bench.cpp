// user/bench/syscall_bench.cpp - the cost of entering the kernel and back.
//
// The null system call: getppid through the raw syscall instruction (SYSCALL
// / SVC), no C library in between. What is counted is the whole round trip:
// the trap, saving the user registers, the dispatch, the tiny handler and the
// return (SYSRET or IRETQ; ERET). The loop is unrolled ten times so its own
// increment-compare-branch adds a fraction of an instruction per call, and
// the counter overhead is measured with zero iterations and taken off; the
// instruction that loads the number and the trap instruction itself are
// counted. DESIGN.md's reference: Linux 6.1 measured the same way costs 338
// instructions through glibc's syscall().
#include "bench.h"
#include "syscall.h"
#include "sysnum.h"

namespace {
constexpr uint64_t kCalls = 10000;  // a multiple of the unroll factor

// noinline: the same code runs for 0 and for kCalls calls.
[[gnu::noinline]] uint64_t time_getppid(uint64_t calls) {
    uint64_t start = bench_counter();
    for (uint64_t i = 0; i < calls; i += 10) {
        syscall0(SYS_getppid), syscall0(SYS_getppid), syscall0(SYS_getppid), syscall0(SYS_getppid),
            syscall0(SYS_getppid), syscall0(SYS_getppid), syscall0(SYS_getppid),
            syscall0(SYS_getppid), syscall0(SYS_getppid), syscall0(SYS_getppid);
    }
    return bench_counter() - start;
}
}  // namespace

int main() {
    time_getppid(100);  // warm up: first-touch page faults, caches
    uint64_t empty = time_getppid(0);
    uint64_t full = time_getppid(kCalls);
    bench_report("null_syscall_getppid", full - empty, kCalls);
    printf("bench: done\n");
    return 0;
}
