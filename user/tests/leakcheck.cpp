// user/tests/leakcheck.cpp - run a program and check the kernel got every
// page and heap object back afterwards.
//
//   leakcheck PROGRAM [ARGS...]
//
// Reads the kernel's counters (Handoff's own system call, kernel/uapi/
// handoff.h), runs PROGRAM as a child (vfork + execve + wait4), reads them
// again and compares: free physical pages, live kernel heap objects,
// processes and threads. A system call that forgets to free what it
// allocated shows up here, whichever test made it - the fuzzer's 100,000
// random calls, or all of usertests. Like xv6's usertests, which count free
// pages before and after. Prints the test protocol of tests/run_qemu.py:
//   ltest: RUN leak:fuzz ... ltest: PASS leak:fuzz ... ltest: done: 1 passed, 0 failed
// and exits with the child's failure or 1 for a leak. On Linux the counter
// call does not exist (-ENOSYS): the program still runs, the check is skipped.
#include <stdio.h>
#include <string.h>

#include "kernel/uapi/handoff.h"
#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"
#include "sysnum.h"
#include "spawn.h"

extern char** environ;

namespace {

bool read_stats(HandoffStats* stats) {
    return syscall2(kSysHandoffStats, reinterpret_cast<long>(stats), sizeof *stats) == sizeof *stats;
}

// Programs start with vfork + execve (user/lib/spawn.h): Handoff has no fork.
long spawn(const char* path, char* const argv[], char* const envp[]) {
    return spawn_process(path, const_cast<const char* const*>(argv),
                         const_cast<const char* const*>(envp), -1);
}

// The counters once the kernel has finished tearing the program down. A thread leaves the
// thread count as it exits, but its kernel stack is freed by the next thread its CPU switches
// to (kernel/sched/sched.cpp: finish_switch), and on a loaded host that virtual CPU may not run
// again for a while after wait4 has already returned here. So a difference is read again, up to
// 100 times 10 ms apart: memory that comes back was not leaked; memory that never does was.
// (The loop only ever waits; it never judges by time.)
bool read_settled_stats(const HandoffStats& before, HandoffStats* after) {
    for (int attempt = 0;; attempt++) {
        if (!read_stats(after)) return false;
        bool same = after->free_pages == before.free_pages &&
                    after->heap_allocations == before.heap_allocations &&
                    after->processes == before.processes && after->threads == before.threads;
        if (same || attempt == 100) return true;
        linux_timespec ten_ms = {0, 10 * 1000 * 1000};
        syscall2(SYS_nanosleep, reinterpret_cast<long>(&ten_ms), 0);
    }
}

const char* base_name(const char* path) {
    const char* slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: leakcheck PROGRAM [ARGS...]\n");
        return 2;
    }
    const char* name = base_name(argv[1]);
    printf("ltest: RUN leak:%s\n", name);
    fflush(stdout);
    HandoffStats before, after;
    bool have_stats = read_stats(&before);

    long pid = spawn(argv[1], argv + 1, environ);
    if (pid < 0) {
        printf("ltest: FAIL leak:%s: cannot run %s (error %ld)\n", name, argv[1], -pid);
        printf("ltest: FAILED leak:%s\nltest: done: 0 passed, 1 failed\n", name);
        return 1;
    }
    int status = 0;
    long reaped;
    do reaped = syscall4(SYS_wait4, pid, reinterpret_cast<long>(&status), 0, 0);
    while (reaped == -LINUX_EINTR);

    int failures = 0;
    if ((status & 0x7f) != 0) {
        printf("ltest: FAIL leak:%s: %s was killed by signal %d\n", name, argv[1], status & 0x7f);
        failures++;
    } else if (((status >> 8) & 0xff) != 0) {
        printf("ltest: FAIL leak:%s: %s exited with status %d\n", name, argv[1], (status >> 8) & 0xff);
        failures++;
    }
    if (!have_stats) {
        printf("ltest: note: no kernel counters here (not Handoff): leak check skipped\n");
    } else if (!read_settled_stats(before, &after)) {
        printf("ltest: FAIL leak:%s: the counters could not be read afterwards\n", name);
        failures++;
    } else {
        struct Counter {
            const char* what;
            uint64_t before, after;
        } const counters[] = {
            {"free pages", before.free_pages, after.free_pages},
            {"kernel heap objects", before.heap_allocations, after.heap_allocations},
            {"processes", before.processes, after.processes},
            {"threads", before.threads, after.threads},
        };
        for (const Counter& c : counters) {
            printf("ltest: %s: %llu before, %llu after\n", c.what, (unsigned long long)c.before,
                   (unsigned long long)c.after);
            if (c.before != c.after) {
                printf("ltest: FAIL leak:%s: %s changed from %llu to %llu\n", name, c.what,
                       (unsigned long long)c.before, (unsigned long long)c.after);
                failures++;
            }
        }
    }
    printf(failures ? "ltest: FAILED leak:%s\n" : "ltest: PASS leak:%s\n", name);
    printf("ltest: done: %d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
