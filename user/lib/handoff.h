// user/lib/handoff.h -- POSIX-ish functions Handoff's user runtime (libhandoff.a) adds to
// newlib, for C and C++ programs. newlib either has no header for these on our targets
// (sys/mman.h, sys/uio.h, sys/utsname.h do not exist -- user/lib/include/c/sys/ has one-line
// shims by those names that include this file, so code shared with the Linux host build can
// include the usual headers) or declares them only under feature macros our targets do not
// define (_POSIX_TIMERS, _POSIX_MONOTONIC_CLOCK, _POSIX_THREADS).
//
// All of them follow the libc convention: on failure they return -1 (or MAP_FAILED) and set
// errno to NEWLIB's code for the error (the glue translates Linux's -errno; linux_errno.h).
// They take newlib's constants (CLOCK_MONOTONIC, SIGUSR1, O_NONBLOCK...) and translate them.
// For the raw kernel interface use syscall.h + linux_abi.h instead.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- time ------------------------------------------------------------------------------------
// newlib numbers its clocks differently from Linux (CLOCK_REALTIME is 1, Linux 0); these take
// newlib's ids. time.h only defines CLOCK_MONOTONIC & co. under _POSIX_MONOTONIC_CLOCK /
// __GNU_VISIBLE, so we supply the missing ones with newlib's own numbering.
#ifndef CLOCK_PROCESS_CPUTIME_ID
#define CLOCK_PROCESS_CPUTIME_ID ((clockid_t)2)
#endif
#ifndef CLOCK_THREAD_CPUTIME_ID
#define CLOCK_THREAD_CPUTIME_ID ((clockid_t)3)
#endif
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif
#ifndef CLOCK_MONOTONIC_RAW
#define CLOCK_MONOTONIC_RAW ((clockid_t)5)
#endif
#ifndef CLOCK_MONOTONIC_COARSE
#define CLOCK_MONOTONIC_COARSE ((clockid_t)6)
#endif
#ifndef CLOCK_BOOTTIME
#define CLOCK_BOOTTIME ((clockid_t)7)
#endif
int clock_gettime(clockid_t clock_id, struct timespec* tp);
int clock_getres(clockid_t clock_id, struct timespec* res);
int nanosleep(const struct timespec* req, struct timespec* rem);
// flags: 0 or TIMER_ABSTIME (newlib's value, 4). Returns an errno value, not -1 (POSIX).
int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec* req,
                    struct timespec* rem);

// ---- threads and processes --------------------------------------------------------------------
int sched_yield(void);
pid_t gettid(void);
// Linux getcpu(2): current CPU (and NUMA node); either pointer may be NULL.
int getcpu(unsigned* cpu, unsigned* node);
// Number of CPUs this thread may run on (sched_getaffinity), at least 1.
int handoff_ncpus(void);
// The auxiliary vector the kernel passed (AT_* numbers: linux_abi.h LINUX_AT_*); 0 if absent.
unsigned long getauxval(unsigned long type);

// ---- memory ----------------------------------------------------------------------------------
#ifndef PROT_READ
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS
#define MAP_NORESERVE 0x4000
#define MAP_STACK 0x20000
#define MAP_FAILED ((void*)-1)
#endif
void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void* addr, size_t len);
int mprotect(void* addr, size_t len, int prot);

// ---- I/O -------------------------------------------------------------------------------------
struct iovec {
  void* iov_base;
  size_t iov_len;
};
ssize_t readv(int fd, const struct iovec* iov, int iovcnt);
ssize_t writev(int fd, const struct iovec* iov, int iovcnt);
// pipe2 flags: O_NONBLOCK / O_CLOEXEC (newlib values, translated).
int pipe2(int fds[2], int flags);
ssize_t getrandom(void* buf, size_t len, unsigned flags);

// ---- system ----------------------------------------------------------------------------------
struct utsname {
  char sysname[65];
  char nodename[65];
  char release[65];
  char version[65];
  char machine[65];
  char domainname[65];
};
int uname(struct utsname* u);

// ---- generic system call (glibc's syscall(2) function) --------------------------------------
// Up to six long arguments; returns the result, or -1 with errno (newlib numbering) set.
// SYS_* numbers: sysnum.h (or <sys/syscall.h>). Raw -errno variant: syscall.h's syscallN().
long syscall(long number, ...);

// ---- errno and signal translation (exposed for tests and for code mixing raw syscalls) -------
// Linux errno number -> newlib errno number (Linux codes newlib lacks map to
// HANDOFF_EUNMAPPED_BASE + code; strerror() calls them unknown).
#define HANDOFF_EUNMAPPED_BASE 2000
int handoff_errno_from_linux(int linux_errno);
// newlib signal number -> Linux signal number (-1 if Linux has no such signal).
int handoff_sig_to_linux(int newlib_sig);
// Linux open(2)/fcntl flags <-> newlib's O_* values.
int handoff_oflags_to_linux(int newlib_flags);
int handoff_oflags_from_linux(int linux_flags);
// The libc convention for a raw result: r >= 0 -> r; else errno = translated(-r), return -1.
long handoff_syscall_ret(long r);

#ifdef __cplusplus
}
#endif
