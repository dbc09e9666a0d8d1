// sched/os.h -- the small OS layer under the runtime (Go: os_linux.go, newosproc, futex).
//
// Everything above this header is the same source on the three places the runtime runs:
//   (a) the Linux host with glibc      -- os/glibc/: Ms are pthreads (glibc keeps per-thread
//                                         state, so a raw clone would leave it half set up);
//   (b) a static newlib program        -- os/handoff/: Ms are raw clone(2) threads from
//       (user/lib), native or qemu-user   user/lib/thread.h, exactly what Handoff will run;
//   (c) Handoff itself                 -- (b) unchanged, once the kernel has threads (issue 4).
// The system calls themselves are Linux's on all three (os_linux.cpp), made with the raw
// syscall instruction (user/lib/syscall.h), never through a C library wrapper.
// The flavour is chosen by the build (which directory it compiles, which one is on the
// include path for "getg.h"), not by #ifdefs here.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rt {
struct M;
}

namespace rt::os {

// ---- os_linux.cpp: plain Linux-ABI system calls, identical for every flavour ----------------

// CPUs this process may run on (sched_getaffinity), at least 1. Go: getproccount.
int32_t getproccount();
// CLOCK_MONOTONIC in nanoseconds. Go: nanotime.
int64_t nanotime();
// Sleep the calling thread (nanosleep). Go: usleep.
void usleep(uint32_t usec);
// Give up the CPU (sched_yield). Go: osyield.
void osyield();
// FUTEX_WAIT_PRIVATE: sleep while *addr == val, at most ns nanoseconds (ns < 0: no limit).
// May return early (spurious wakeups, signals): callers re-check their condition.
void futexsleep(uint32_t* addr, uint32_t val, int64_t ns);
// FUTEX_WAKE_PRIVATE: wake up to cnt threads sleeping on addr.
void futexwakeup(uint32_t* addr, uint32_t cnt);
// Anonymous private read/write memory (mmap), nullptr on failure; release with sysFree.
void* sysAlloc(size_t n);
void sysFree(void* p, size_t n);
// Make [p, p+n) inaccessible (mprotect PROT_NONE): stack guard pages.
bool sysGuard(void* p, size_t n);
// Write to standard error with write(2), no buffering and no locks (Go: writeErr).
void write2(const void* p, size_t n);
// End the whole process now (exit_group). Go: exit.
[[noreturn]] void exit(int code);
// The kernel's thread count: "Threads:" in /proc/self/status, or -1 when there is no /proc
// (Handoff gets /proc with issue 4).
int threadCountProc();
// The calling thread's kernel id.
int gettid();

// ---- os/<flavour>/thread.cpp: threads and the environment -------------------------------------

// Start a new thread that calls mstart(mp) on its own stack, which becomes mp->g0's stack.
// Returns false if the system refused (Go: newosproc, which throws on failure).
bool newosproc(M* mp);
// Called first on every M's thread, m0 included: records the g0 stack bounds (for the
// sanitizers' fiber annotations and for the scheddetail dump). Go: minit.
void minit(M* mp);
// Has mp's thread finished (returned from mstart)? Then its stack can be reused.
bool threadExited(M* mp);
// Wait for mp's thread to finish and release what the OS layer holds for it.
void threadJoin(M* mp);
// getenv for GOMAXPROCS and GODEBUG.
const char* getenv(const char* name);

}  // namespace rt::os
