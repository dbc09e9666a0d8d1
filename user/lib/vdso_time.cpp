// user/lib/vdso_time.cpp -- see vdso_time.h.
//
// Each function goes through a pointer that starts out aimed at a "first call" stub. The
// stub looks the vDSO up (vdso_parse.h), aims every pointer at its final target - the vDSO
// function, or a system-call wrapper when there is no vDSO or no such function - and then
// makes the call. From then on a call is a load and an indirect jump: lazy binding, as the
// dynamic linker's PLT does it (and as Go's runtime finds __vdso_clock_gettime once, in
// vdsoauxv).
//
// Threads may make their first calls at the same moment: each then does the (read-only)
// lookup and stores the same values, with atomic stores, so no thread ever sees half a
// pointer; no lock, and no thread ever waits for another. The loads can be relaxed: a
// pointer leads only to code that was there before the program started (ours or the
// vDSO's), never to data that resolve() wrote, so there is nothing a reader must see
// "after" the pointer.
#include "vdso_time.h"

#include "syscall.h"
#include "vdso_parse.h"

namespace {

// The vDSO's functions, with Linux's prototypes (the clock ones return 0 or -errno).
using ClockGettimeFn = int (*)(long, linux_timespec*);
using GettimeofdayFn = int (*)(handoff_timeval*, void*);
using ClockGetresFn = int (*)(long, linux_timespec*);
using TimeFn = long (*)(long*);
using GetcpuFn = long (*)(unsigned*, unsigned*, void*);

// The names and version each arch's vDSO exports (Linux's, see user/vdso/vdso.cpp).
#if defined(__x86_64__)
constexpr const char* kVersion = "LINUX_2.6";
constexpr const char* kClockGettime = "__vdso_clock_gettime";
constexpr const char* kGettimeofday = "__vdso_gettimeofday";
constexpr const char* kClockGetres = "__vdso_clock_getres";
constexpr const char* kTime = "__vdso_time";
constexpr const char* kGetcpu = "__vdso_getcpu";
#elif defined(__aarch64__)
constexpr const char* kVersion = "LINUX_2.6.39";
constexpr const char* kClockGettime = "__kernel_clock_gettime";
constexpr const char* kGettimeofday = "__kernel_gettimeofday";
constexpr const char* kClockGetres = "__kernel_clock_getres";
constexpr const char* kTime = nullptr;  // arm64 Linux exports neither
constexpr const char* kGetcpu = nullptr;
#else
#error "vdso_time.cpp: unsupported architecture"
#endif

// ---- Without a vDSO: the system calls ---------------------------------------------------------
int sys_clock_gettime(long clock, linux_timespec* ts) {
  return int(syscall2(SYS_clock_gettime, clock, reinterpret_cast<long>(ts)));
}
int sys_gettimeofday(handoff_timeval* tv, void* tz) {
  return int(syscall2(SYS_gettimeofday, reinterpret_cast<long>(tv), reinterpret_cast<long>(tz)));
}
int sys_clock_getres(long clock, linux_timespec* res) {
  return int(syscall2(SYS_clock_getres, clock, reinterpret_cast<long>(res)));
}
// Neither Handoff nor arm64 Linux has a time system call: CLOCK_REALTIME's seconds, through
// whichever clock_gettime we have.
long time_from_clock_gettime(long* t) {
  linux_timespec ts;
  int r = handoff_clock_gettime(LINUX_CLOCK_REALTIME, &ts);
  if (r < 0) return r;
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}
long sys_getcpu(unsigned* cpu, unsigned* node, void* cache) {
  return syscall3(SYS_getcpu, reinterpret_cast<long>(cpu), reinterpret_cast<long>(node),
                  reinterpret_cast<long>(cache));
}

// ---- The pointers, and their first-call stubs ------------------------------------------------
int first_clock_gettime(long clock, linux_timespec* ts);
int first_gettimeofday(handoff_timeval* tv, void* tz);
int first_clock_getres(long clock, linux_timespec* res);
long first_time(long* t);
long first_getcpu(unsigned* cpu, unsigned* node, void* cache);

ClockGettimeFn g_clock_gettime = first_clock_gettime;
GettimeofdayFn g_gettimeofday = first_gettimeofday;
ClockGetresFn g_clock_getres = first_clock_getres;
TimeFn g_time = first_time;
GetcpuFn g_getcpu = first_getcpu;

template <typename Fn>
void publish(Fn* slot, const vdso_info* info, const char* name, Fn fallback) {
  Fn found = info && name ? reinterpret_cast<Fn>(vdso_lookup(info, kVersion, name)) : nullptr;
  __atomic_store_n(slot, found ? found : fallback, __ATOMIC_RELAXED);
}

// Aims every pointer at its final target. Safe to run several times, at once too.
void resolve() {
  vdso_info info;
  const vdso_info* vdso = vdso_parse_auxv(&info) ? &info : nullptr;
  publish(&g_clock_gettime, vdso, kClockGettime, sys_clock_gettime);
  publish(&g_gettimeofday, vdso, kGettimeofday, sys_gettimeofday);
  publish(&g_clock_getres, vdso, kClockGetres, sys_clock_getres);
  publish(&g_time, vdso, kTime, time_from_clock_gettime);
  publish(&g_getcpu, vdso, kGetcpu, sys_getcpu);
}

// Linux's READ_ONCE: one whole load. (A volatile load, not __atomic_load_n: for the latter
// AArch64 gcc wants a bare register address and spends an ADD forming it.)
template <typename Fn>
Fn load(Fn* slot) {
  return *static_cast<Fn volatile*>(slot);
}

int first_clock_gettime(long clock, linux_timespec* ts) {
  resolve();
  return load(&g_clock_gettime)(clock, ts);
}
int first_gettimeofday(handoff_timeval* tv, void* tz) {
  resolve();
  return load(&g_gettimeofday)(tv, tz);
}
int first_clock_getres(long clock, linux_timespec* res) {
  resolve();
  return load(&g_clock_getres)(clock, res);
}
long first_time(long* t) {
  resolve();
  return load(&g_time)(t);
}
long first_getcpu(unsigned* cpu, unsigned* node, void* cache) {
  resolve();
  return load(&g_getcpu)(cpu, node, cache);
}

}  // namespace

extern "C" {

int handoff_clock_gettime(long linux_clock, linux_timespec* ts) {
  return load(&g_clock_gettime)(linux_clock, ts);
}
int handoff_clock_getres(long linux_clock, linux_timespec* res) {
  return load(&g_clock_getres)(linux_clock, res);
}
int handoff_gettimeofday(handoff_timeval* tv, void* tz) { return load(&g_gettimeofday)(tv, tz); }
long handoff_time(long* t) { return load(&g_time)(t); }
long handoff_getcpu(unsigned* cpu, unsigned* node) { return load(&g_getcpu)(cpu, node, nullptr); }

unsigned handoff_vdso_functions(void) {
  handoff_vdso_init();
  return (load(&g_clock_gettime) != sys_clock_gettime ? HANDOFF_VDSO_CLOCK_GETTIME : 0u) |
         (load(&g_gettimeofday) != sys_gettimeofday ? HANDOFF_VDSO_GETTIMEOFDAY : 0u) |
         (load(&g_clock_getres) != sys_clock_getres ? HANDOFF_VDSO_CLOCK_GETRES : 0u) |
         (load(&g_time) != time_from_clock_gettime ? HANDOFF_VDSO_TIME : 0u) |
         (load(&g_getcpu) != sys_getcpu ? HANDOFF_VDSO_GETCPU : 0u);
}

void handoff_vdso_init(void) {
  if (load(&g_clock_gettime) == first_clock_gettime) resolve();
}

}  // extern "C"
