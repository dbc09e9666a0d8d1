// kernel/syscall/misc_syscalls.cpp - time and identity system calls.
//
// Clocks. Every clock here derives from monotonic_ns() (kernel/time.h), the
// cycle counter scaled to nanoseconds since boot; that is also what the
// vDSO will read, so the system call and the fast path agree.
//   CLOCK_MONOTONIC, _RAW, BOOTTIME  monotonic_ns() (no NTP slewing and no
//                                    suspend, so Linux's three are one here)
//   CLOCK_REALTIME                   kBootEpoch + monotonic_ns()
//   *_COARSE                         the same, rounded down to the last tick
//                                    (Linux's coarse clocks read the time of
//                                    the last tick instead of the counter)
//   CLOCK_PROCESS/THREAD_CPUTIME_ID  monotonic_ns() for now: there is no CPU
//                                    time accounting yet, so this counts time
//                                    spent waiting too
// Reading a real-time clock chip at boot would give CLOCK_REALTIME the true
// date; for now the machine believes it booted at kBootEpoch, which also
// makes every run under icount print the same dates.
//
// Identity: there is one user, root; every id is 0.
#include "arch/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/sched/sched.h"
#include "kernel/syscall/handlers.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"

namespace {

// Clock ids: include/uapi/linux/time.h.
constexpr int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2,
              CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5,
              CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;
constexpr int TIMER_ABSTIME = 1;  // clock_nanosleep: `req` is a time, not a duration

constexpr uint64_t kNsPerSec = 1000000000;
constexpr uint64_t kTickNs = kNsPerSec / kHz;
// The wall-clock time at boot: 2025-01-01 00:00:00 UTC, in seconds since 1970.
constexpr uint64_t kBootEpochNs = kRealtimeAtBootNs;  // kernel/time.h: the vDSO uses it too

// struct timespec / struct timeval / struct timezone on 64-bit Linux.
struct Timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct Timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};
struct Timezone {
    int32_t tz_minuteswest;
    int32_t tz_dsttime;
};

Timespec ns_to_timespec(uint64_t ns) { return {int64_t(ns / kNsPerSec), int64_t(ns % kNsPerSec)}; }

// Linux's timespec64_valid(): no negative times, nanoseconds below a second.
bool timespec_valid(const Timespec& ts) {
    return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && uint64_t(ts.tv_nsec) < kNsPerSec;
}

// A valid timespec in nanoseconds, saturating: 2^64 ns is 584 years, and a
// sleep that long may as well be forever.
uint64_t timespec_to_ns(const Timespec& ts) {
    uint64_t sec = uint64_t(ts.tv_sec);
    if (sec > (UINT64_MAX - uint64_t(ts.tv_nsec)) / kNsPerSec) return UINT64_MAX;
    return sec * kNsPerSec + uint64_t(ts.tv_nsec);
}

// The time on `clock` in nanoseconds, or -EINVAL for a clock we do not have.
int read_clock(int clock, uint64_t* ns) {
    uint64_t now = monotonic_ns();
    switch (clock) {
    case CLOCK_REALTIME: *ns = kBootEpochNs + now; return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: *ns = now; return 0;
    case CLOCK_REALTIME_COARSE: *ns = kBootEpochNs + now - now % kTickNs; return 0;
    case CLOCK_MONOTONIC_COARSE: *ns = now - now % kTickNs; return 0;
    default: return -EINVAL;
    }
}

// Sleeps until `deadline` on the monotonic clock. 0, or -EINTR (with the
// time left in *rem for a relative sleep) if woken early - which only
// happens when the process is being killed.
long sleep_until(uint64_t deadline, bool relative, uptr rem) {
    if (monotonic_ns() < deadline) sched_sleep_until(deadline);
    uint64_t now = monotonic_ns();
    if (now >= deadline) return 0;
    if (relative && rem && put_user(rem, ns_to_timespec(deadline - now))) return -EFAULT;
    return -EINTR;
}

}  // namespace

long sys_clock_gettime(int clock, uptr ts) {
    uint64_t ns;
    if (int error = read_clock(clock, &ns)) return error;
    return put_user(ts, ns_to_timespec(ns));
}

long sys_clock_getres(int clock, uptr res) {
    uint64_t ignored;
    if (int error = read_clock(clock, &ignored)) return error;
    if (!res) return 0;  // allowed: just "is this a clock?"
    // Nanosecond counters report 1 ns, as Linux's hrtimer clocks do; the
    // coarse ones move once a tick.
    bool coarse = clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE;
    return put_user(res, ns_to_timespec(coarse ? kTickNs : 1));
}

long sys_gettimeofday(uptr tv, uptr tz) {
    if (tv) {
        uint64_t ns = kBootEpochNs + monotonic_ns();
        Timeval value = {int64_t(ns / kNsPerSec), int64_t(ns % kNsPerSec / 1000)};
        if (int error = put_user(tv, value)) return error;
    }
    // Time zones belong to user space: the kernel's is UTC, no DST.
    if (tz) return put_user(tz, Timezone{0, 0});
    return 0;
}

long sys_nanosleep(uptr req, uptr rem) {
    // nanosleep measures on CLOCK_MONOTONIC, as Linux's does.
    return sys_clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
}

long sys_clock_nanosleep(int clock, int flags, uptr req, uptr rem) {
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
        break;
    case CLOCK_THREAD_CPUTIME_ID:  // a thread cannot wait for its own CPU time to pass
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
        return -EOPNOTSUPP;  // real clocks, but Linux cannot sleep on them either
    default:
        return -EINVAL;
    }
    Timespec ts;
    if (int error = get_user(&ts, req)) return error;
    if (!timespec_valid(ts)) return -EINVAL;
    uint64_t ns = timespec_to_ns(ts);
    // Other flag bits are ignored, as Linux ignores them.
    if (!(flags & TIMER_ABSTIME)) {
        uint64_t now = monotonic_ns();
        return sleep_until(ns > UINT64_MAX - now ? UINT64_MAX : now + ns, true, rem);
    }
    // An absolute time: on the monotonic clock it is the deadline itself;
    // realtime = kBootEpoch + monotonic, so subtract the epoch (a time before
    // boot has passed already).
    if (clock == CLOCK_REALTIME) ns = ns > kBootEpochNs ? ns - kBootEpochNs : 0;
    return sleep_until(ns, false, rem);
}

long sys_uname(uptr buf) {
    // struct new_utsname (include/uapi/linux/utsname.h): six NUL-terminated
    // strings of 65 bytes.
    struct Utsname {
        char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
    };
    static_assert(sizeof(Utsname) == 390);
    Utsname u = {};  // the unused tail of every field is zero, not stack garbage
    strlcpy(u.sysname, "Handoff", sizeof u.sysname);
    strlcpy(u.nodename, "handoff", sizeof u.nodename);
    strlcpy(u.release, "0.1", sizeof u.release);
    // Linux's version is "#<build number> <config> <build date>"; ours is
    // the date this file was compiled.
    strlcpy(u.version, "#1 " __DATE__ " " __TIME__, sizeof u.version);
    strlcpy(u.machine, arch::name(), sizeof u.machine);
    strlcpy(u.domainname, "(none)", sizeof u.domainname);  // Linux's default
    return put_user(buf, u);
}

long sys_getuid() { return 0; }
long sys_getgid() { return 0; }
long sys_geteuid() { return 0; }
long sys_getegid() { return 0; }
