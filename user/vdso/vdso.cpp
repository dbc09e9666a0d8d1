// user/vdso/vdso.cpp - the vDSO: clock functions that run in user mode.
//
// The kernel maps this shared object into every process (kernel/vdso/vdso.cpp)
// and tells the program where through the auxiliary vector (AT_SYSINFO_EHDR).
// A C library finds the functions by name and version in its dynamic symbol
// table (user/lib/vdso_parse.cpp), exactly as glibc, musl and Go find Linux's:
//
//   x86-64  (LINUX_2.6)     __vdso_clock_gettime  __vdso_gettimeofday  __vdso_time
//                           __vdso_getcpu  __vdso_clock_getres
//   AArch64 (LINUX_2.6.39)  __kernel_clock_gettime  __kernel_gettimeofday
//                           __kernel_clock_getres
//
// They read the clock from the data page the kernel keeps fresh (vvar, laid
// out in kernel/vdso/vvar.h) and the cycle counter (RDTSC / CNTVCT_EL0), and
// never enter the kernel - unless the page says they cannot answer (a clock
// they do not serve, a counter user mode may not read), and then they make
// the real system call, so callers never need a second path.
//
// Rules for code in here (checked by user/vdso/check_vdso.sh after linking):
//   - position independent, with nothing for a loader to relocate: the
//     kernel maps the bytes as they are, at any address, and no one patches
//     them. So: no global pointers, no writable data, no calls through a
//     GOT/PLT, no library calls (the compiler's memset included).
//   - the vvar page is found PC-relatively: the linker script
//     (linker/vdso.ld) defines `vvar_page` one page below the image's first
//     byte, and the kernel maps the data page exactly there.
// Linux's counterparts: lib/vdso/gettimeofday.c with
// arch/x86/include/asm/vdso/gettimeofday.h and arch/arm64/.../gettimeofday.h.
#include <stdint.h>

#define HANDOFF_VDSO 1  // vvar.h: the layout only, not the kernel's writer API
#include "kernel/vdso/vvar.h"
#include "user/lib/syscall.h"

// Linux's struct timespec, timeval and timezone on 64-bit arches.
struct vdso_timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};
struct vdso_timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};
struct vdso_timezone {
  int32_t tz_minuteswest;
  int32_t tz_dsttime;
};

// Defined by linker/vdso.ld at (image start - 4096). Hidden: a reference to it
// is a PC-relative address computed at link time (x86-64 `lea vvar_page(%rip)`,
// AArch64 `adrp`+`add`), not a load from a GOT the loader would have to fill.
extern "C" const VvarPage vvar_page __attribute__((visibility("hidden")));

namespace {

constexpr uint64_t kNsPerSec = 1000000000;

// Linux's READ_ONCE: one whole load the compiler may not split, repeat or
// move out of the retry loop (the kernel may be writing the field right now).
// A volatile load, as Linux's: gcc's relaxed __atomic_load_n would do too, but
// on AArch64 it insists on a bare register address, and the function would
// spend an ADD per field forming them.
template <typename T>
inline T read_once(const T* field) {
  return *static_cast<const volatile T*>(field);
}

// The cycle counter, read in user mode.
inline uint64_t read_counter() {
#if defined(__x86_64__)
  // LFENCE first: RDTSC is not ordered with earlier loads, so without it the
  // CPU may read the TSC before it has loaded `seq` and the fields, and the
  // counter could be older than cycle_last (Linux: rdtsc_ordered()).
  // RDTSC writes EDX:EAX (and so clears the upper halves of RAX and RDX);
  // the 64-bit value is put together in here, so RDX is free at once.
  uint64_t value;
  asm volatile(
      "lfence\n\t"
      "rdtsc\n\t"
      "shlq $32, %%rdx\n\t"
      "orq %%rdx, %%rax"
      : "=a"(value)::"rdx", "memory");
  return value;
#elif defined(__aarch64__)
  // ISB for the same reason: it stops CNTVCT_EL0 being read speculatively,
  // ahead of the loads before it (Linux: __arch_get_hw_counter).
  uint64_t value;
  asm volatile("isb; mrs %0, cntvct_el0" : "=r"(value)::"memory");
  return value;
#endif
}

// The data page. On AArch64 the empty asm hides from the compiler where the
// pointer came from, so it keeps it in one register and reads every field at
// an offset from it, instead of forming each field's address anew from the
// symbol (ADRP+ADD per field). On x86-64 the symbol itself is best: every
// fixed field is then one RIP-relative load, and no register is spent on
// the page's address.
inline const VvarPage* vvar() {
  const VvarPage* page = &vvar_page;
#if defined(__aarch64__)
  asm("" : "+r"(page));
#endif
  return page;
}

// (a * b + c) >> kVvarShift, with the product in 128 bits.
inline uint64_t scale(uint64_t a, uint64_t b, uint64_t c) {
#if defined(__x86_64__)
  // MUL leaves the 128-bit product in RDX:RAX; add c with carry, and SHRD
  // takes the middle 64 bits. Four instructions: gcc's own __int128 code
  // for this moves the halves through four more registers first.
  uint64_t lo = a, hi;
  asm("mulq %[b]\n\t"
      "addq %[c], %%rax\n\t"
      "adcq $0, %%rdx\n\t"
      "shrdq %[shift], %%rdx, %%rax"
      : "+a"(lo), "=&d"(hi)
      : [b] "rm"(b), [c] "rm"(c), [shift] "i"(kVvarShift)
      : "cc");
  return lo;
#else
  // AArch64 gcc does well on its own: MUL, UMULH, ADDS, CINC, EXTR.
  return uint64_t(((unsigned __int128)a * b + c) >> kVvarShift);
#endif
}

inline void cpu_relax() {
#if defined(__x86_64__)
  asm volatile("pause" ::: "memory");
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// ts->tv_sec holds the base's seconds; `ns` nanoseconds (at least one second's
// worth) go on top.
__attribute__((noinline)) void carry_seconds(vdso_timespec* ts, uint64_t ns) {
  ts->tv_sec += int64_t(ns / kNsPerSec);
  ts->tv_nsec = int64_t(ns % kNsPerSec);
}

// Reads clock `clock` into *ts, if bit `clock` of *mask says the vDSO may
// (mask: the page's hres_mask or coarse_mask). False otherwise: the caller
// then makes the system call. The reader's half of the sequence count
// (vvar.h); Linux's do_hres() in lib/vdso/gettimeofday.c.
// `clock` must be below kVvarClocks.
inline bool read_clock(const VvarPage* vv, const uint32_t* mask, uint32_t clock,
                       vdso_timespec* ts) {
  // The masks are written once, at boot (Linux re-checks its clock mode
  // inside the loop because it can change at run time; ours cannot yet).
  if (!(read_once(mask) & (1u << clock))) return false;
#if defined(__x86_64__)
  // The empty asm makes gcc form &base[clock] as one LEA of the array plus
  // clock * 16, instead of (clock + 4) * 16 plus the page: one instruction
  // fewer. (AArch64 gets it right by itself: ADD x, page, clock, LSL #4.)
  const VvarTimestamp* bases = vv->base;
  asm("" : "+r"(bases));
  const VvarTimestamp* base = &bases[clock];
#else
  const VvarTimestamp* base = &vv->base[clock];
#endif
  for (;;) {
    // Acquire: the loads below cannot be done before this one (AArch64:
    // LDAR; x86-64 never reorders loads with loads: a plain MOV).
    const uint32_t seq = __atomic_load_n(&vv->seq, __ATOMIC_ACQUIRE);
    if (__builtin_expect(seq & 1, 0)) {  // the kernel is writing right now
      cpu_relax();
      continue;
    }
    // Any order of these loads between the two reads of `seq` is right.
    // This one (the counter last but one) keeps the fewest values in
    // registers at once: on x86-64 they all fit in the caller-saved ones.
    const uint64_t mult = read_once(&vv->mult);
    const uint64_t snsec = read_once(&base->snsec);
    // Straight into the caller's timespec, even if we retry: one register
    // fewer to hold (and the caller's buffer is ours to write anyway).
    ts->tv_sec = int64_t(read_once(&base->sec));
    uint64_t delta = read_counter() - read_once(&vv->cycle_last);
    // smp_rmb(): the loads above complete before `seq` is read again
    // (AArch64 `dmb ishld`; on x86-64 only the compiler must be stopped).
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__builtin_expect(read_once(&vv->seq) != seq, 0))
      continue;  // the kernel wrote meanwhile: what we read may be torn

    // Another CPU's counter may lag the one the kernel read by a little:
    // never go below the published time (Linux's vread_tsc does the same).
    // That time is base.snsec's nanoseconds, always below a second.
    if (__builtin_expect(int64_t(delta) < 0, 0)) {
      ts->tv_nsec = int64_t(snsec >> kVvarShift);
      return true;
    }
    // 128 bits: delta * mult overflows 64 when a tick is late by seconds
    // (AArch64's mult is 16 << 32: a 62.5 MHz counter).
    const uint64_t ns = scale(delta, mult, snsec);
    // Past the second the page started in (usually by less than a tick): a
    // division, once a second or so, out of the common path.
    if (__builtin_expect(ns >= kNsPerSec, 0)) {
      carry_seconds(ts, ns);
      return true;
    }
    ts->tv_nsec = int64_t(ns);
    return true;
  }
}

// Everything but the common case, out of its way: the coarse clocks (the
// same time, rounded down to a tick, which the kernel made sure divides a
// second) and the system call for whatever the page does not serve.
__attribute__((noinline)) int clock_gettime_slow(long clock, vdso_timespec* ts) {
  const VvarPage* vv = vvar();
  // Unsigned: a negative id (Linux's dynamic POSIX clocks) is huge here.
  if (uint64_t(clock) < kVvarClocks && read_clock(vv, &vv->coarse_mask, uint32_t(clock), ts)) {
    ts->tv_nsec -= ts->tv_nsec % int64_t(read_once(&vv->coarse_ns));
    return 0;
  }
  return int(syscall2(SYS_clock_gettime, clock, reinterpret_cast<long>(ts)));
}

// The fast path is a leaf: everything else is a tail call to the slow one.
inline int do_clock_gettime(long clock, vdso_timespec* ts) {
  const VvarPage* vv = vvar();
  if (__builtin_expect(uint64_t(clock) < kVvarClocks, 1) &&
      read_clock(vv, &vv->hres_mask, uint32_t(clock), ts))
    return 0;
  return clock_gettime_slow(clock, ts);
}

inline long do_gettimeofday(vdso_timeval* tv, vdso_timezone* tz) {
  if (tv) {
    const VvarPage* vv = vvar();
    vdso_timespec ts;
    if (!read_clock(vv, &vv->hres_mask, kVvarClockRealtime, &ts))
      return syscall2(SYS_gettimeofday, reinterpret_cast<long>(tv), reinterpret_cast<long>(tz));
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  if (tz) {  // the kernel's time zone is UTC, no DST (as the system call says)
    tz->tz_minuteswest = 0;
    tz->tz_dsttime = 0;
  }
  return 0;
}

inline long do_clock_getres(long clock, vdso_timespec* res) {
  const VvarPage* vv = vvar();
  // The resolutions never change after boot: no sequence count needed.
  const uint32_t bit = uint64_t(clock) < kVvarClocks ? 1u << clock : 0;
  const bool hres = read_once(&vv->hres_mask) & bit;
  const bool coarse = read_once(&vv->coarse_mask) & bit;
  if (!hres && !coarse) return syscall2(SYS_clock_getres, clock, reinterpret_cast<long>(res));
  if (res) {
    // 1 ns for the counter clocks, a tick for the coarse ones: the system
    // call's answer (kernel/syscall/misc_syscalls.cpp).
    res->tv_sec = 0;
    res->tv_nsec = hres ? 1 : int64_t(read_once(&vv->coarse_ns));
  }
  return 0;
}

}  // namespace

// ---- The exported functions ------------------------------------------------
// Same prototypes and return convention as Linux's: 0, or -errno from the
// system call they fell back to. `used` keeps them; the version script
// (user/vdso/vdso-<arch>.map) exports them.
#define VDSO_EXPORT extern "C" __attribute__((used, visibility("default")))

#if defined(__x86_64__)

VDSO_EXPORT int __vdso_clock_gettime(long clock, vdso_timespec* ts) {
  return int(do_clock_gettime(clock, ts));
}

VDSO_EXPORT int __vdso_gettimeofday(vdso_timeval* tv, vdso_timezone* tz) {
  return int(do_gettimeofday(tv, tz));
}

VDSO_EXPORT int __vdso_clock_getres(long clock, vdso_timespec* res) {
  return int(do_clock_getres(clock, res));
}

// time(2): seconds of CLOCK_REALTIME. (The kernel has no time system call,
// so even the fallback goes through clock_gettime.)
VDSO_EXPORT long __vdso_time(long* t) {
  vdso_timespec ts;
  long err = do_clock_gettime(kVvarClockRealtime, &ts);
  if (err) return err;
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}

// getcpu(2): the CPU (and NUMA node: always 0 here) this thread runs on - by
// the time the caller looks, maybe no longer. `cache` is unused, as on Linux.
VDSO_EXPORT long __vdso_getcpu(unsigned* cpu, unsigned* node, void* cache) {
  uint32_t aux;
  switch (read_once(&vvar()->getcpu_mode)) {
    case kVvarGetcpuRdtscp: {
      uint32_t lo, hi;
      asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
      break;
    }
    case kVvarGetcpuRdpid: {
      uint64_t value;
      asm volatile("rdpid %0" : "=r"(value));
      aux = uint32_t(value);
      break;
    }
    default:
      return syscall3(SYS_getcpu, reinterpret_cast<long>(cpu), reinterpret_cast<long>(node),
                      reinterpret_cast<long>(cache));
  }
  // IA32_TSC_AUX holds (node << 12) | cpu, as Linux sets it (vdso_encode_cpunode).
  if (cpu) *cpu = aux & 0xfff;
  if (node) *node = aux >> 12;
  return 0;
}

#elif defined(__aarch64__)

VDSO_EXPORT int __kernel_clock_gettime(long clock, vdso_timespec* ts) {
  return int(do_clock_gettime(clock, ts));
}

VDSO_EXPORT int __kernel_gettimeofday(vdso_timeval* tv, vdso_timezone* tz) {
  return int(do_gettimeofday(tv, tz));
}

VDSO_EXPORT int __kernel_clock_getres(long clock, vdso_timespec* res) {
  return int(do_clock_getres(clock, res));
}

#else
#error "vdso.cpp: unsupported architecture"
#endif
