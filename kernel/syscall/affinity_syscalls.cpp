// kernel/syscall/affinity_syscalls.cpp - sched_getaffinity / sched_setaffinity.
//
// A thread's affinity is the set of CPUs it may run on, as a bit mask (bit
// n = CPU n). Go's runtime reads it once at start to choose GOMAXPROCS
// (runtime.getproccount), which is why it matters here. Handoff runs every
// thread on any online CPU, so every thread's mask is "all online CPUs".
// Compare Linux's kernel/sched/core.c (sched_getaffinity and friends).
#include "arch/arch.h"
#include "kernel/cpu.h"
#include "kernel/errno.h"
#include "kernel/fs/procfs.h"
#include "kernel/sched/sched.h"
#include "kernel/syscall/handlers.h"
#include "kernel/uaccess.h"

namespace {

// The kernel's cpumask: one unsigned long holds every possible CPU (Linux's
// cpumask_size() with nr_cpu_ids = kMaxCpus).
using CpuMask = unsigned long;
static_assert(kMaxCpus <= sizeof(CpuMask) * 8);

CpuMask online_mask() {
    unsigned n = arch::online_cpus();
    return n >= sizeof(CpuMask) * 8 ? ~CpuMask(0) : (CpuMask(1) << n) - 1;
}

// pid 0 is the caller; any other must name a thread (Linux takes a tid).
int check_pid(int pid) {
    if (pid == 0 || pid == current_thread()->tid) return 0;
    return pid > 0 && proc_tid_exists(pid) ? 0 : -ESRCH;
}

}  // namespace

// Returns the number of bytes written, as the raw system call does (glibc's
// wrapper turns it into 0). `len` must hold every possible CPU and be a
// multiple of sizeof(long), as Linux requires.
long sys_sched_getaffinity(int pid, size_t len, uptr user_mask) {
    if (len * 8 < kMaxCpus || len % sizeof(CpuMask) != 0) return -EINVAL;
    if (int error = check_pid(pid)) return error;
    CpuMask mask = online_mask();
    if (copy_to_user(user_mask, &mask, sizeof mask)) return -EFAULT;
    return long(sizeof mask);
}

// Handoff cannot pin a thread to some CPUs yet. A mask that allows every
// online CPU changes nothing and succeeds; one with no online CPU is -EINVAL
// as on Linux; one that would restrict the thread is -EINVAL too (Linux
// would accept it).
long sys_sched_setaffinity(int pid, size_t len, uptr user_mask) {
    // Linux reads min(len, its mask size) bytes and treats the rest as 0,
    // then looks the thread up.
    CpuMask mask = 0;
    if (copy_from_user(&mask, user_mask, len < sizeof mask ? len : sizeof mask)) return -EFAULT;
    if (int error = check_pid(pid)) return error;
    return (mask & online_mask()) == online_mask() ? 0 : -EINVAL;
}
