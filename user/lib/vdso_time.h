// user/lib/vdso_time.h -- reading the clock through the vDSO, with the system call as the
// fallback (C and C++).
//
// These are the raw-ABI versions, for the newlib glue, the G/M/P runtime and tests: Linux
// clock ids (LINUX_CLOCK_* in linux_abi.h, not newlib's CLOCK_*), Linux structures, and the
// result as the kernel gives it: 0 or -errno with Linux's numbers (errno is NOT set), like
// syscallN() - and like the vDSO functions themselves, whose prototypes these are. The first call finds the vDSO's functions (vdso_parse.h); when there is no
// vDSO (Handoff with vdso=off) or it lacks a function, the call goes to the kernel instead -
// callers never need a second path. The same binary on a Linux host uses Linux's vDSO.
//
//   x86-64:  __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time, __vdso_getcpu,
//            __vdso_clock_getres at LINUX_2.6
//   AArch64: __kernel_clock_gettime, __kernel_gettimeofday, __kernel_clock_getres
//            at LINUX_2.6.39 (no time or getcpu there: those use clock_gettime / the syscall)
#pragma once

#include <stdint.h>

#include "linux_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

// Linux's struct timeval on 64-bit arches (linux_abi.h has only the timespec).
struct handoff_timeval {
  long tv_sec;
  long tv_usec;
};

// clock_gettime(2) / clock_getres(2) / gettimeofday(2) / time(2) / getcpu(2). After the
// first call, each costs one load and an indirect jump on top of the vDSO function itself.
int handoff_clock_gettime(long linux_clock, struct linux_timespec* ts);
int handoff_clock_getres(long linux_clock, struct linux_timespec* res);
// tz: NULL, or a struct timezone {int minuteswest; int dsttime;} to be zeroed (UTC).
int handoff_gettimeofday(struct handoff_timeval* tv, void* tz);
// Seconds since 1970 (also stored in *t when t is not NULL), or -errno.
long handoff_time(long* t);
// The CPU (and NUMA node) the caller runs on; either pointer may be NULL.
long handoff_getcpu(unsigned* cpu, unsigned* node);

// Which of them go through the vDSO: bits HANDOFF_VDSO_* (0: none, e.g. with vdso=off).
// The first call does the lookup; later ones just answer.
#define HANDOFF_VDSO_CLOCK_GETTIME 1u
#define HANDOFF_VDSO_GETTIMEOFDAY 2u
#define HANDOFF_VDSO_CLOCK_GETRES 4u
#define HANDOFF_VDSO_TIME 8u
#define HANDOFF_VDSO_GETCPU 16u
unsigned handoff_vdso_functions(void);

// Resolve the vDSO functions now rather than at the first call (e.g. from program startup,
// before there are threads). Optional: calling it again does nothing.
void handoff_vdso_init(void);

#ifdef __cplusplus
}
#endif
