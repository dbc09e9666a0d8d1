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

// ---- os_linux.cpp: the netpoller's system calls (Go: netpoll_epoll.go's syscall.EpollCreate1,
// EpollCtl, EpollWait, Eventfd, and the runtime's own read, write, closefd) -------------------
// Each returns what the kernel returned: a result >= 0, or -errno (Linux's numbers,
// defs_linux.h). struct epollevent is per arch (arch/<arch>/epollevent.h).
struct epollevent;
int32_t epollcreate1(int32_t flags);
int32_t epollctl(int32_t epfd, int32_t op, int32_t fd, epollevent* ev);
// epoll_pwait with no signal mask (AArch64 has no epoll_wait); timeout in ms, -1: forever.
int32_t epollwait(int32_t epfd, epollevent* ev, int32_t nev, int32_t msec);
int32_t eventfd(uint32_t initval, int32_t flags);
int32_t read(int32_t fd, void* p, int32_t n);
int32_t write(int32_t fd, const void* p, int32_t n);
int32_t closefd(int32_t fd);
// Set SIGPIPE to "ignore", so that a write to a pipe or socket whose reader is gone fails with
// EPIPE instead of killing the process. (Go's runtime catches SIGPIPE and ignores it for every
// descriptor but 1 and 2: sigpipe/epipecheck. We have no signal handlers; Handoff has no
// signals yet and always just fails the write.) Best effort: returns the kernel's result.
int32_t ignoreSIGPIPE();

// Linux system call numbers for the code above this layer that makes its own calls through
// RawSyscall/Syscall (net.cpp, as Go's package syscall does): defined in os_linux.cpp, the one
// file that may include user/lib's sysnum.h.
extern const long kSysRead, kSysWrite, kSysClose, kSysPipe2, kSysSocket, kSysBind, kSysListen,
    kSysAccept4, kSysConnect, kSysShutdown, kSysGetsockopt, kSysUnlinkat;

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
