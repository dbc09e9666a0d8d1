// sched/runtime.h -- the Handoff G/M/P runtime: what a program calls.
//
// A program hands its main function to the runtime, which runs it as goroutine 1 and schedules
// every goroutine it starts over GOMAXPROCS Ps and as many threads (Ms) as blocking system calls
// need -- Go's scheduler, in C++ (read proc.cpp for how). Channels, Mutex, WaitGroup and the
// Semaphore of the Go articles are in chan.h and sync.h.
//
//   int main() {
//     rt::Main([] {                            // like Go's main: exit(0) when it returns
//       rt::WaitGroup wg;
//       for (int i = 0; i < 100; i++) {
//         wg.Add(1);
//         rt::go([&wg] { rt::Syscall(SYS_getppid); wg.Done(); });
//       }
//       wg.Wait();
//     });
//   }
//
// Everything here must be called from a goroutine (inside Run/Main) unless it says otherwise.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <new>
#include <type_traits>
#include <utility>

#include "syscall_insn.h"  // sched/arch/<arch>/: the raw trap instruction

namespace rt {

// Durations are int64 nanoseconds, as in Go's time package.
inline constexpr int64_t Nanosecond = 1;
inline constexpr int64_t Microsecond = 1000 * Nanosecond;
inline constexpr int64_t Millisecond = 1000 * Microsecond;
inline constexpr int64_t Second = 1000 * Millisecond;

// How to start the runtime. Zero/negative fields mean "as Go would decide".
struct Config {
  int gomaxprocs = 0;      // <= 0: $GOMAXPROCS, else the CPUs sched_getaffinity allows
  int schedtrace_ms = -1;  // < 0: from $GODEBUG (schedtrace=N); 0: off
  int scheddetail = -1;    // < 0: from $GODEBUG (scheddetail=1)
  int max_threads = 0;     // <= 0: 10,000 (Go's default, debug.SetMaxThreads)
  size_t stack_size = 0;   // 0: the default reservation per goroutine stack
  bool trace = false;      // record trace events (trace.h)
};

// Run fn as the main goroutine on the calling thread (which becomes m0) and return once it has
// returned: every other M is stopped and joined, every G and stack freed, so Run can be called
// again (with another Config). Goroutines still blocked are abandoned. A goroutine that never
// reaches the scheduler again (an endless loop with no SafePoint, a system call that never
// returns) keeps Run from returning. Call from an ordinary thread, not from a goroutine.
void Run(void (*fn)(void*), void* arg, const Config& cfg = {});
// Go's runtime.main: like Run, but exit(0) the whole process as soon as fn returns.
[[noreturn]] void Main(void (*fn)(void*), void* arg, const Config& cfg = {});

template <class F>
void Run(F&& f, const Config& cfg = {}) {
  using Fn = std::decay_t<F>;
  Fn fn(std::forward<F>(f));
  Run([](void* p) { (*static_cast<Fn*>(p))(); }, &fn, cfg);
}
template <class F>
[[noreturn]] void Main(F&& f, const Config& cfg = {}) {
  using Fn = std::decay_t<F>;
  static Fn* fnp;
  Fn fn(std::forward<F>(f));
  fnp = &fn;
  Main([](void*) { (*fnp)(); }, nullptr, cfg);
}

// ---- goroutines -------------------------------------------------------------------------------
// Go: the go statement (runtime.newproc). f is moved onto the new goroutine's stack.
void newproc(void (*fn)(void*), void (*move)(void* dst, void* src), void* src, size_t size,
             size_t align);
template <class F>
void go(F&& f) {
  using Fn = std::decay_t<F>;
  Fn fn(std::forward<F>(f));
  newproc([](void* p) {
            Fn* fp = static_cast<Fn*>(p);
            (*fp)();
            fp->~Fn();
          },
          [](void* dst, void* src) { new (dst) Fn(std::move(*static_cast<Fn*>(src))); }, &fn,
          sizeof(Fn), alignof(Fn));
}

void Gosched();            // runtime.Gosched: yield the P, stay runnable
[[noreturn]] void Goexit();  // runtime.Goexit: end the calling goroutine now
void Sleep(int64_t ns);    // time.Sleep: park on a timer; holds no M
int64_t Nanotime();        // monotonic clock, ns

// Cooperative preemption: sysmon flags a goroutine that has run for 10 ms; it yields at the
// next SafePoint (also checked inside go, channel operations, Mutex.Lock and Syscall).
// Call it in long loops that make no other runtime calls.
void SafePoint();

// runtime.LockOSThread / UnlockOSThread (counted: n locks need n unlocks). A goroutine that
// exits while locked takes its thread with it.
void LockOSThread();
void UnlockOSThread();

int NumGoroutine();       // runtime.NumGoroutine
int GOMAXPROCS();         // runtime.GOMAXPROCS(0): the current setting (set it with Config)
int NumCPU();             // runtime.NumCPU
int SetMaxThreads(int n); // debug.SetMaxThreads: returns the previous limit
// Threads of this process as the kernel counts them ("Threads:" in /proc/self/status, as the
// Go articles count); where there is no /proc, the runtime's own count of Ms.
int NumThread();

// ---- system calls (Go: package syscall) -------------------------------------------------------
// Linux's numbers and conventions (user/lib/sysnum.h). r1 is the result, err the errno (0: ok);
// on failure r1 is -1, as in Go.
struct SyscallResult {
  uintptr_t r1, r2;  // r2: Go returns a second register; always 0 here
  uintptr_t err;
};
// Linux returns -4095..-1 for errors; Go then reports r1 = -1, err = errno.
inline SyscallResult syscallResult(long r) {
  if (static_cast<unsigned long>(r) > static_cast<unsigned long>(-4096L))
    return SyscallResult{static_cast<uintptr_t>(-1), 0, static_cast<uintptr_t>(-r)};
  return SyscallResult{static_cast<uintptr_t>(r), 0, 0};
}
// entersyscall; the raw call; exitsyscall. The P is free for others while the kernel has us
// (sysmon hands it off if the call takes more than a sysmon tick).
SyscallResult Syscall6(uintptr_t trap, uintptr_t a1, uintptr_t a2, uintptr_t a3, uintptr_t a4,
                       uintptr_t a5, uintptr_t a6);
inline SyscallResult Syscall(uintptr_t trap, uintptr_t a1 = 0, uintptr_t a2 = 0, uintptr_t a3 = 0) {
  return Syscall6(trap, a1, a2, a3, 0, 0, 0);
}
// The raw call alone: cheaper, but the P stays stuck with this M for as long as the kernel
// keeps it -- never use it for a call that can block (the Go articles' warning).
inline SyscallResult RawSyscall6(uintptr_t trap, uintptr_t a1, uintptr_t a2, uintptr_t a3,
                                 uintptr_t a4, uintptr_t a5, uintptr_t a6) {
  return syscallResult(arch::syscall6(static_cast<long>(trap), static_cast<long>(a1),
                                      static_cast<long>(a2), static_cast<long>(a3),
                                      static_cast<long>(a4), static_cast<long>(a5),
                                      static_cast<long>(a6)));
}
inline SyscallResult RawSyscall(uintptr_t trap, uintptr_t a1 = 0, uintptr_t a2 = 0,
                                uintptr_t a3 = 0) {
  return RawSyscall6(trap, a1, a2, a3, 0, 0, 0);
}
// For a call known to block: entersyscallblock hands the P off before entering the kernel
// instead of waiting for sysmon.
SyscallResult BlockingSyscall6(uintptr_t trap, uintptr_t a1, uintptr_t a2, uintptr_t a3,
                               uintptr_t a4, uintptr_t a5, uintptr_t a6);

// The runtime hooks themselves, for code that makes its own system calls (Go exports them to
// package syscall). Every entersyscall needs its exitsyscall on the same goroutine.
void entersyscall();
void entersyscallblock();
void exitsyscall();

// ---- introspection for tests and demos ----------------------------------------------------------
namespace inspect {
struct SchedStats {
  int gomaxprocs, idleprocs, threads, spinningthreads, idlethreads, nmidlelocked, runqueue;
  int64_t mcreated;  // Ms ever created (sched.mnext)
  int64_t mexited;   // Ms that have exited (sched.nmfreed): threads = mcreated - mexited
};
SchedStats ReadSched();
// Per P: how many times it started a goroutine (schedtick) -- "work spread across Ps".
int PSchedtick(int p);
// Goroutines currently in the given Go status (_Gsyscall = 3, _Gwaiting = 4 ...).
int CountGStatus(uint32_t status);
// The id of the M running the calling goroutine.
int64_t CurrentM();
// Is the calling goroutine locked to its thread (LockOSThread)?
bool LockedToThread();
// Gs taken from other Ps' queues by P p's M (runqsteal).
uint64_t PSteals(int p);
// Every G ever made in this Run, dead ones on free lists included (allgs).
int AllGs();
}  // namespace inspect

}  // namespace rt
