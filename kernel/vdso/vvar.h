// kernel/vdso/vvar.h - the vDSO's data page ("vvar"), shared by the kernel,
// which writes it, and the vDSO (user/vdso/vdso.cpp), which reads it.
//
// Why it exists: clock_gettime is the system call programs make most often
// (Go's time.Now, every timer, every trace event). Entering the kernel for it
// costs hundreds of instructions; reading the cycle counter from user mode and
// scaling it costs a few dozen. So the kernel publishes, in one page mapped
// read-only into every process, everything needed to turn a counter value into
// the time, and keeps it fresh on every timer tick. Linux's counterpart is
// `struct vdso_data` (include/vdso/datapage.h), filled by update_vsyscall()
// in kernel/time/vsyscall.c.
//
// The conversion is exactly the kernel's own (kernel/time.cpp): for each
// clock the page holds its time at the last update (counter value
// cycle_last) as whole seconds plus "shifted nanoseconds" - the nanoseconds
// within that second, times 2^shift, plus the fraction of a nanosecond that
// the kernel's `>> shift` drops - and the vDSO computes
//
//     snsec = base.snsec + (counter - cycle_last) * mult      (128 bits)
//     time  = base.sec seconds + (snsec >> shift) nanoseconds
//
// Keeping the fraction makes the vDSO's answer the very nanosecond the system
// call would give at the same counter value, not one below; keeping seconds
// apart makes the timespec a compare instead of a division by 10^9 (the
// nanoseconds pass 10^9 only when a second boundary went by since the last
// tick). Linux's vdso_timestamp {sec, nsec << shift} is the same idea.
//
// Consistency: the page is several words the kernel cannot write at once, so
// it is protected by a sequence count (Linux's seqcount_t, used by its vDSO
// as vdso_read_begin/vdso_read_retry):
//   writer: seq++ (now odd) ; barrier ; write the fields ; barrier ; seq++ (even)
//   reader: s = seq (retry while odd) ; barrier ; read fields and counter ;
//           barrier ; retry if seq != s
// A reader that overlapped a write sees seq change and tries again, so it never
// uses a torn mix of old and new fields. Writers never wait for readers.
//
// The layout is an ABI between two separately built programs (the kernel and
// the vDSO, and the host tests): the offsets are checked below. Both arches
// are LP64 and little-endian, so one layout serves both.
#pragma once

#include <stddef.h>
#include <stdint.h>

// Linux's clock ids (include/uapi/linux/time.h): the index into base[].
constexpr unsigned kVvarClockRealtime = 0, kVvarClockMonotonic = 1,
                   kVvarClockProcessCputime = 2, kVvarClockThreadCputime = 3,
                   kVvarClockMonotonicRaw = 4, kVvarClockRealtimeCoarse = 5,
                   kVvarClockMonotonicCoarse = 6, kVvarClockBoottime = 7;
constexpr unsigned kVvarClocks = 8;

// The scale's shift is a constant of the design (kernel/time.cpp's kShift):
// with it fixed, the vDSO's `>> shift` of a 128-bit product is one
// instruction (x86-64 SHRD, AArch64 EXTR) instead of a variable-shift
// sequence. vvar_init refuses a clock source with any other shift. (The
// field `shift` still holds it, for readers that want to check.)
constexpr uint32_t kVvarShift = 32;

// counter_mode: may user code read the cycle counter at all? The kernel
// enables it per arch (x86-64: CR4.TSD clear, so RDTSC works in ring 3;
// AArch64: CNTKCTL_EL1.EL0VCTEN, so EL0 may read CNTVCT_EL0). With kNone the
// vDSO passes every call on to the system call (Linux: VDSO_CLOCKMODE_NONE,
// e.g. when the TSC is found unstable).
constexpr uint32_t kVvarCounterNone = 0, kVvarCounterUser = 1;

// getcpu_mode: how __vdso_getcpu learns the CPU number without a system call.
//   kSyscall  it cannot: getcpu(2)
//   kRdtscp   x86-64 RDTSCP returns IA32_TSC_AUX, which the kernel set to the
//             CPU number on every CPU (Linux: (node << 12) | cpu)
//   kRdpid    x86-64 RDPID returns the same MSR without reading the TSC
constexpr uint32_t kVvarGetcpuSyscall = 0, kVvarGetcpuRdtscp = 1, kVvarGetcpuRdpid = 2;

// One clock's time at cycle_last: sec + (snsec >> shift) ns, where
// snsec = (nanoseconds within the second << shift) + fraction of a ns.
struct VvarTimestamp {
    uint64_t sec;
    uint64_t snsec;
};

struct VvarPage {
    // Even: the fields are consistent. Odd: the kernel is writing them.
    uint32_t seq;
    uint32_t counter_mode;         // kVvarCounter*
    uint64_t cycle_last;           // counter value at the last update
    uint64_t mult;                 // ns = cycles * mult >> shift ...
    uint32_t shift;                // ... the scale of kernel/time.cpp (kVvarShift)
    // Bit n set: the vDSO answers Linux clock id n itself from the counter,
    // to the nanosecond. Zero when counter_mode is kNone, so the vDSO need
    // test only the masks.
    uint32_t hres_mask;
    // Bit n set: the vDSO answers clock n, rounded down to a multiple of
    // coarse_ns, as the system call rounds CLOCK_*_COARSE.
    uint32_t coarse_mask;
    uint32_t getcpu_mode;          // kVvarGetcpu*
    uint64_t coarse_ns;            // resolution of the coarse clocks (a tick; divides 10^9)
    uint64_t counter_hz;           // counter ticks per second (for readers' reports)
    uint64_t updates;              // how many times the kernel wrote the page
    VvarTimestamp base[kVvarClocks];  // each clock at cycle_last, by Linux clock id
};

// The layout, as the vDSO and the tests were compiled against it.
static_assert(offsetof(VvarPage, seq) == 0);
static_assert(offsetof(VvarPage, counter_mode) == 4);
static_assert(offsetof(VvarPage, cycle_last) == 8);
static_assert(offsetof(VvarPage, mult) == 16);
static_assert(offsetof(VvarPage, shift) == 24);
static_assert(offsetof(VvarPage, hres_mask) == 28);
static_assert(offsetof(VvarPage, coarse_mask) == 32);
static_assert(offsetof(VvarPage, getcpu_mode) == 36);
static_assert(offsetof(VvarPage, coarse_ns) == 40);
static_assert(offsetof(VvarPage, counter_hz) == 48);
static_assert(offsetof(VvarPage, updates) == 56);
static_assert(offsetof(VvarPage, base) == 64);
static_assert(sizeof(VvarTimestamp) == 16);
static_assert(sizeof(VvarPage) == 64 + 16 * kVvarClocks);
static_assert(sizeof(VvarPage) <= 4096, "the vvar area is one page");

// ---- The kernel's writer (kernel/vdso/vvar.cpp) -----------------------------
// Not visible to the vDSO, which only reads.
#ifndef HANDOFF_VDSO

// What the kernel's clock is made of (kernel/time.cpp): the counter's value
// at boot, its frequency and the mult/shift that turn ticks into ns.
struct VvarClockSource {
    uint64_t counter_hz;
    uint64_t boot_counter;
    uint64_t mult;
    uint32_t shift;
    uint64_t realtime_at_boot_ns;  // CLOCK_REALTIME when the monotonic clock was 0
    uint64_t tick_ns;              // the timer tick: resolution of *_COARSE
};

// Allocates the page (from the page allocator, zeroed), writes the clock into
// it and makes it live. Called once at boot by time_init(), after the page
// allocator and the direct map exist. False if out of memory or the source's
// shift is not kVvarShift (then there is no vDSO: vvar_page_phys() stays 0).
bool vvar_init(const VvarClockSource& source);
// Republishes the clock at the current counter value. Called on every timer
// tick by CPU 0 (kernel/time.cpp's tick, next to Linux's do_timer), with
// interrupts off. Cheap: a dozen stores. Does nothing before vvar_init.
void vvar_update();
// The same at a given counter value (for tests that drive a fake page).
void vvar_update_at(uint64_t counter);
// How __vdso_getcpu may find the CPU number: the x86-64 arch code calls this
// once IA32_TSC_AUX holds the CPU number on every CPU. Default: system call.
void vvar_set_getcpu_mode(uint32_t mode);

// The page, for the vDSO mapping (its physical address) and for tests.
uintptr_t vvar_page_phys();
const VvarPage* vvar_page();

#endif  // HANDOFF_VDSO
