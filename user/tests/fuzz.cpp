// user/tests/fuzz.cpp -- a system-call fuzzer: many random system calls with nasty arguments.
//
//   fuzz [N [SEED]] [-v]       N calls (default 100000); SEED (default: from the clock)
//                              makes a run repeatable; -v prints every call before making it
//
// The kernel must survive everything: each call returns a result or -errno, nothing panics,
// nothing leaks (/bin/leakcheck compares the kernel's free pages before and after). The
// fuzzer prints its seed first, a progress line every 10,000 calls, a summary, its verdict
// in the test protocol of tests/run_qemu.py (tag `ftest`, one test named `fuzz`), and last
//
//   fuzz: done: 100000 calls, seed 12345
//
// and exits 0 (1 if it was not healthy afterwards). It runs natively on the Linux host too
// (tests/run_host_usertests.sh), where it must not crash itself or touch anything outside
// itself.
//
// What gets called. Mostly the system calls Handoff implements (kernel/syscall/
// syscall_list.h), each with arguments drawn from a mix made to find the edges: small
// numbers, -1, huge values, kernel addresses of both arches, non-canonical and unmapped
// addresses, misaligned pointers, pointers into a valid buffer with random lengths that run
// into a guard page. Some calls get numbers no kernel has (ENOSYS expected).
//
// What must NOT happen, and how it is prevented:
//   - ending or replacing this process, or blocking forever: no exit, exit_group, execve,
//     clone, kill; wait4 always with WNOHANG; sleeps only tiny, in the past, or invalid;
//     nothing reads the console (the fuzzer closes every inherited descriptor above 2 at the
//     start and never passes 0-2 where that could block, write junk, or move a shared file
//     position);
//   - the kernel writing into the fuzzer's own memory: output pointers point into the fuzz
//     buffer (with a PROT_NONE guard page after it), the scratch areas, read-only memory, or
//     addresses that cannot be written at all;
//   - unmapping or re-protecting the fuzzer's code, data, heap or stack: munmap, mprotect
//     and MAP_FIXED only get ranges inside areas the fuzzer owns (scratch, wild), below the
//     program image (__executable_start) but above 64 KiB, or outside the user half; brk
//     never goes below the current break (and is put back after every call);
//   - on the Linux host, changing the machine: files are opened read-only, never created
//     or truncated; ioctl requests come from a read-only list; arch_prctl codes likewise;
//     no MAP_POPULATE/MAP_LOCKED (a huge length would really allocate the memory).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handoff.h"
#include "kernel/uapi/handoff.h"
#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"

extern "C" char __executable_start[];  // linker-defined: where the program image starts
extern "C" char _end[];                // ...and where its .bss ends (the heap starts above)

namespace {

constexpr long kPage = 4096;
constexpr long kDefaultCalls = 100000;
constexpr long kProgressEvery = 10000;

// ---- random numbers: xorshift64* (Marsaglia / Vigna), plenty for a fuzzer -----------------------
uint64_t g_rng;
uint64_t next_u64() {
  g_rng ^= g_rng >> 12;
  g_rng ^= g_rng << 25;
  g_rng ^= g_rng >> 27;
  return g_rng * 0x2545F4914F6CDD1DULL;
}
uint64_t below(uint64_t n) { return n ? next_u64() % n : 0; }
bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
template <typename T, size_t N>
T pick(const T (&items)[N]) {
  return items[below(N)];
}

// ---- the fuzzer's own memory --------------------------------------------------------------------
// Buffer: where valid pointers point. 16 pages followed by a PROT_NONE guard page, so any
// length that runs past the end stops at the guard (EFAULT or a short count), never in the
// fuzzer's data.
constexpr long kBufSize = 16 * kPage;
char* g_buf;
char* g_guard;  // the guard page right after the buffer
// Scratch: a 64-page area that munmap, mprotect and MAP_FIXED may do anything to.
constexpr long kScratchSize = 64 * kPage;
uintptr_t g_scratch;
// Wild: 1 GiB of address space nothing else uses (far above any image or heap, far below
// the stacks and the mmap areas of Handoff and Linux); MAP_FIXED may map anything there.
constexpr uintptr_t kWild = 0x200000000000;
constexpr uintptr_t kWildSize = 1UL << 30;
// Low: [64 KiB, the program image) -- empty, but a legal place for fixed mappings. Not the
// first 64 KiB (Linux's mmap_min_addr): root may map page 0 on Linux, and a NULL pointer
// must stay a bad pointer (a NULL timespec over mapped junk would sleep for years).
constexpr uintptr_t kLowBase = 0x10000;
uintptr_t g_low_top;
// The heap break when the fuzzer started its calls: brk is never taken below this.
uintptr_t g_brk;

// Read-only bytes (.rodata): a write into them must fail with EFAULT.
const char kReadOnly[256] = "the fuzzer's read-only bytes";
// A valid tiny sleep, also in read-only memory.
const linux_timespec kTinySleep = {0, 1000};

// Addresses nothing can be at. The kernel halves of both arches, non-canonical, and the
// first page past the user half.
#if defined(__x86_64__)
constexpr uintptr_t kUserTop = 0x00007ffffffff000;
#else
constexpr uintptr_t kUserTop = 0x0001000000000000;
#endif
constexpr uintptr_t kImpossible[] = {0xffff800000000000, 0xffffffff80000000, 0xffff000040000000,
                                     0xffff000000000000, 0x8000000000000000, 0xfffffffffffff000,
                                     kUserTop};

// ---- descriptors the fuzzer opened (never 0-2) --------------------------------------------------
constexpr int kMaxFds = 48;
long g_fds[kMaxFds];
int g_nfds;

void track_fd(long fd) {
  if (fd < 3) return;
  for (int i = 0; i < g_nfds; i++)
    if (g_fds[i] == fd) return;
  if (g_nfds == kMaxFds) {  // full: close one to make room
    int victim = static_cast<int>(below(kMaxFds));
    syscall1(SYS_close, g_fds[victim]);
    g_fds[victim] = fd;
    return;
  }
  g_fds[g_nfds++] = fd;
}

void forget_fd(long fd) {
  for (int i = 0; i < g_nfds; i++) {
    if (g_fds[i] == fd) {
      g_fds[i] = g_fds[--g_nfds];
      return;
    }
  }
}

// Mappings the kernel placed for us (mmap without MAP_FIXED): unmapped again later.
constexpr int kMaxMaps = 32;
struct Map {
  uintptr_t addr;
  size_t len;
} g_maps[kMaxMaps];
int g_nmaps;

void track_map(uintptr_t addr, size_t len) {
  if (g_nmaps == kMaxMaps) {
    syscall2(SYS_munmap, g_maps[0].addr, g_maps[0].len);
    memmove(g_maps, g_maps + 1, sizeof(Map) * (kMaxMaps - 1));
    g_nmaps--;
  }
  g_maps[g_nmaps++] = {addr, len};
}

bool g_handoff;  // running on Handoff (else: on Linux)
const char* g_self = "/bin/fuzz";

// ---- argument generators ------------------------------------------------------------------------

// Any number: the values that find off-by-ones, sign and overflow bugs.
uint64_t any_int() {
  switch (below(12)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return static_cast<uint64_t>(-1);
    case 3: return below(64);
    case 4: return below(4096);
    case 5: return 0x7fffffff;
    case 6: return 0x80000000;
    case 7: return 0xffffffff;
    case 8: return 0x7fffffffffffffff;
    case 9: return 0x8000000000000000;
    case 10: return 1ULL << below(64);
    default: return next_u64();
  }
}

// A length: small, page-ish, up to the buffer, or absurd.
uint64_t any_len() {
  switch (below(10)) {
    case 0: return 0;
    case 1: return 1 + below(16);
    case 2: return below(256);
    case 3: return below(kBufSize + kPage);
    case 4: return kPage;
    case 5: return static_cast<uint64_t>(-1);
    case 6: return 0x7ffff000 + below(2);
    case 7: return 1ULL << (32 + below(31));
    case 8: return static_cast<uint64_t>(-1) - below(4096);
    default: return next_u64();
  }
}

// A pointer for the kernel to READ from.
uintptr_t in_ptr() {
  switch (below(14)) {
    case 0: case 1: case 2: return reinterpret_cast<uintptr_t>(g_buf) + below(kBufSize);
    case 3: return reinterpret_cast<uintptr_t>(g_buf) + 8 * below(kBufSize / 8);
    case 4: return reinterpret_cast<uintptr_t>(g_buf) + kBufSize - below(64);  // near the guard
    case 5: return g_scratch + below(kScratchSize);
    case 6: return kWild + below(kWildSize);
    case 7: return reinterpret_cast<uintptr_t>(kReadOnly) + below(sizeof kReadOnly);
    case 8: return below(4096);  // NULL and its page
    case 9: return reinterpret_cast<uintptr_t>(g_guard) + below(kPage);
    case 10: return pick(kImpossible) + below(4096);
    case 11: return 0x10000000000;  // 1 TiB: unmapped
    case 12: return reinterpret_cast<uintptr_t>(__executable_start) + below(4096);  // our code
    default: return next_u64();
  }
}

// A pointer for the kernel to WRITE to: never into the fuzzer's own data or stack.
uintptr_t out_ptr() {
  switch (below(12)) {
    case 0: case 1: case 2: return reinterpret_cast<uintptr_t>(g_buf) + below(kBufSize);
    case 3: return reinterpret_cast<uintptr_t>(g_buf) + 8 * below(kBufSize / 8);
    case 4: return reinterpret_cast<uintptr_t>(g_buf) + kBufSize - below(64);
    case 5: return g_scratch + below(kScratchSize);
    case 6: return kWild + below(kWildSize);
    case 7: return reinterpret_cast<uintptr_t>(kReadOnly) + below(sizeof kReadOnly);
    case 8: return below(4096);
    case 9: return reinterpret_cast<uintptr_t>(g_guard) + below(kPage);
    case 10: return pick(kImpossible) + below(4096);
    default: {
      // Random 64-bit values, but never inside the program image or its heap.
      uintptr_t p = next_u64();
      return p < 0x100000000 ? p | 0x100000000000 : p;
    }
  }
}

// A file descriptor: mostly ours, sometimes closed or absurd; never 0-2.
long any_fd() {
  if (g_nfds > 0 && chance(65)) return g_fds[below(g_nfds)];
  switch (below(6)) {
    case 0: return -1;
    case 1: return 3 + static_cast<long>(below(64));
    case 2: return 1024 + static_cast<long>(below(4));
    case 3: return 0x7fffffff;
    case 4: return -100;  // AT_FDCWD
    default:
      // Junk in the upper half; the low 32 bits (all Linux looks at: fds are unsigned int)
      // are at least 0x40000000, so never 0-2.
      return static_cast<long>((next_u64() & 0xffffffff00000000) | 0x40000000 | below(1 << 30));
  }
}

// A dirfd for *at() calls: AT_FDCWD often.
long any_dirfd() { return chance(40) ? LINUX_AT_FDCWD : any_fd(); }

// A path: real ones (files, directories, devices that cannot block), broken ones, and junk.
char g_long_path[5000];
char g_long_name[300];
uintptr_t any_path() {
  static const char* const kPaths[] = {
      "/", "/bin", "/etc", "/etc/motd", "/etc/not-elf", "/dev", "/dev/null", ".", "..", "",
      "/nonexistent", "/etc/motd/x", "/etc/motd/", "bin", "etc/motd", "//etc//./motd",
      "/../../etc", "/bin/", "/dev/null/", "motd", "null", "/proc/self/exe"};
  switch (below(8)) {
    case 0: case 1: case 2: case 3: return reinterpret_cast<uintptr_t>(pick(kPaths));
    case 4: return reinterpret_cast<uintptr_t>(g_self);
    case 5: return reinterpret_cast<uintptr_t>(chance(50) ? g_long_path : g_long_name);
    case 6: {
      // Bytes right up to the guard page with no NUL: the kernel must stop at the guard.
      char* p = g_buf + kBufSize - 1 - below(300);
      memset(p, 'a' + static_cast<int>(below(26)), g_buf + kBufSize - p);
      return reinterpret_cast<uintptr_t>(p);
    }
    default: return in_ptr();
  }
}

// open flags. On Linux: read-only, nothing created or truncated (this is the host's file
// system). Handoff's is read-only anyway, so anything goes there.
long any_open_flags() {
  long f = static_cast<long>(chance(50) ? below(0x400000) : next_u64());
  if (!g_handoff) {
    f &= ~(LINUX_O_ACCMODE | LINUX_O_CREAT | LINUX_O_TRUNC | 020000000 /* __O_TMPFILE */ |
           LINUX_O_APPEND);
  }
  return f;
}

// A struct timespec for a sleep: always tiny, in the past, or invalid -- or a bad pointer.
// (Never one at a random spot: a garbage tv_sec would sleep for years.)
uintptr_t sleep_ptr() {
  auto* t = reinterpret_cast<linux_timespec*>(g_buf + 8 * below(64) + (chance(20) ? 4 : 0));
  switch (below(8)) {
    case 0: *t = {0, static_cast<long>(below(100000))}; break;  // < 0.1 ms
    case 1: *t = {0, 0}; break;
    case 2: *t = {0, 1000000000 + static_cast<long>(below(1000))}; break;  // invalid nsec
    case 3: *t = {0, -1 - static_cast<long>(below(1000))}; break;          // invalid nsec
    case 4: *t = {-1 - static_cast<long>(below(1000)), 0}; break;          // invalid sec
    case 5: return reinterpret_cast<uintptr_t>(&kTinySleep);
    case 6: return pick(kImpossible);
    default: return chance(50) ? 0 : reinterpret_cast<uintptr_t>(g_guard);
  }
  return reinterpret_cast<uintptr_t>(t);
}

// An iovec array in the buffer (or a bad pointer), its entries pointing anywhere.
uintptr_t iov_ptr(bool kernel_writes) {
  if (chance(15)) return chance(50) ? pick(kImpossible) : below(4096);
  int n = 1 + static_cast<int>(below(8));
  auto* iov = reinterpret_cast<uint64_t*>(g_buf + kBufSize - 16 * n - 16 * below(32));
  for (int i = 0; i < n; i++) {
    iov[2 * i] = kernel_writes ? out_ptr() : in_ptr();
    iov[2 * i + 1] = chance(70) ? below(512) : any_len();
  }
  return reinterpret_cast<uintptr_t>(iov);
}

uint64_t any_iovcnt() {
  static const uint64_t kCounts[] = {0, 1, 2, 3, 8, static_cast<uint64_t>(-1), 1024, 1025,
                                     0x80000000, 0x100000001};
  return chance(70) ? 1 + below(8) : pick(kCounts);
}

// An (address, length) pair for munmap / mprotect / MAP_FIXED, inside what the fuzzer owns.
void mm_range(uintptr_t* addr, uint64_t* len) {
  uintptr_t base, size;
  switch (below(5)) {
    case 0: case 1: base = g_scratch, size = kScratchSize; break;
    case 2: base = kWild, size = kWildSize; break;
    case 3: base = kLowBase, size = g_low_top - kLowBase; break;
    default:  // impossible addresses: any length at all
      *addr = pick(kImpossible);
      // Somewhere above it, unless that would wrap around past 2^64 into the user half.
      if (uintptr_t up = below(1ULL << 20) * kPage; chance(50) && *addr + up > *addr) *addr += up;
      *len = any_len();
      return;
  }
  uintptr_t offset = below(size / kPage) * kPage;
  if (chance(10)) offset += 1 + below(kPage - 1);  // misaligned
  if (offset >= size) offset = size - kPage;
  *addr = base + offset;
  uint64_t room = size - offset;
  switch (below(4)) {
    case 0: *len = 0; break;
    case 1: *len = kPage; break;
    case 2: *len = 1 + below(room); break;
    default: *len = (1 + below(room / kPage)) * kPage; break;
  }
  if (*len > room) *len = room;
}

long any_prot() { return chance(85) ? static_cast<long>(below(8)) : static_cast<long>(any_int()); }

long any_mmap_flags() {
  constexpr long kPopulate = 0x8000, kLocked = 0x2000;
  long type = chance(85) ? (chance(75) ? LINUX_MAP_PRIVATE : LINUX_MAP_SHARED)
                         : static_cast<long>(below(16));  // incl. invalid and SHARED_VALIDATE
  long extra = 0;
  static const long kFlags[] = {LINUX_MAP_ANONYMOUS, LINUX_MAP_ANONYMOUS, LINUX_MAP_ANONYMOUS,
                                LINUX_MAP_NORESERVE, LINUX_MAP_STACK, 0x100 /* GROWSDOWN */,
                                0x40000 /* HUGETLB */, 0x80000 /* SYNC */, kPopulate, kLocked,
                                0x40 /* 32BIT */, 0x4000000 /* UNINITIALIZED */};
  for (int i = static_cast<int>(below(4)); i > 0; i--) extra |= pick(kFlags);
  if (chance(5)) extra |= static_cast<long>(next_u64() & 0xffffffff);
  long flags = type | extra;
  flags &= ~(LINUX_MAP_FIXED | 0x100000 /* FIXED_NOREPLACE */);  // placement is mm_range's job
  // On Linux: POPULATE and LOCKED would really allocate a huge length; HUGETLB rounds the
  // length up to a huge page, so a MAP_FIXED range would spill out of its area (and over
  // the fuzzer's buffer), and touching a huge page that cannot be had is SIGBUS.
  constexpr long kHugetlb = 0x40000;
  if (!g_handoff) flags &= ~(kPopulate | kLocked | kHugetlb);
  return flags;
}

// ---- the calls ----------------------------------------------------------------------------------
struct Call {
  long number;
  long args[6];
};

enum : int {
  kRead, kWrite, kClose, kFstat, kLseek, kMmap, kMprotect, kMunmap, kBrk, kIoctl, kPread64,
  kReadv, kWritev, kSchedYield, kDup, kNanosleep, kGetpid, kWait4, kUname, kGetcwd, kChdir,
  kGettimeofday, kGetuid, kGetgid, kGeteuid, kGetegid, kGetppid, kArchPrctl, kGettid,
  kGetdents64, kSetTidAddress, kClockGettime, kClockGetres, kClockNanosleep, kOpenat,
  kNewfstatat, kDup3, kHandoffStats, kPipe2, kEventfd2, kEpollCreate1, kEpollCtl, kEpollPwait,
  kSocket, kSocketpair, kBind, kListen, kConnect, kAccept4, kShutdown, kCallCount,
};

struct CallInfo {
  const char* name;
  long number;  // -1: not on this arch
  long calls, ok;
};
CallInfo g_calls[kCallCount] = {
    {"read", SYS_read, 0, 0},           {"write", SYS_write, 0, 0},
    {"close", SYS_close, 0, 0},         {"fstat", SYS_fstat, 0, 0},
    {"lseek", SYS_lseek, 0, 0},         {"mmap", SYS_mmap, 0, 0},
    {"mprotect", SYS_mprotect, 0, 0},   {"munmap", SYS_munmap, 0, 0},
    {"brk", SYS_brk, 0, 0},             {"ioctl", SYS_ioctl, 0, 0},
    {"pread64", SYS_pread64, 0, 0},     {"readv", SYS_readv, 0, 0},
    {"writev", SYS_writev, 0, 0},       {"sched_yield", SYS_sched_yield, 0, 0},
    {"dup", SYS_dup, 0, 0},             {"nanosleep", SYS_nanosleep, 0, 0},
    {"getpid", SYS_getpid, 0, 0},       {"wait4", SYS_wait4, 0, 0},
    {"uname", SYS_uname, 0, 0},         {"getcwd", SYS_getcwd, 0, 0},
    {"chdir", SYS_chdir, 0, 0},         {"gettimeofday", SYS_gettimeofday, 0, 0},
    {"getuid", SYS_getuid, 0, 0},       {"getgid", SYS_getgid, 0, 0},
    {"geteuid", SYS_geteuid, 0, 0},     {"getegid", SYS_getegid, 0, 0},
    {"getppid", SYS_getppid, 0, 0},
#if defined(__x86_64__)
    {"arch_prctl", SYS_arch_prctl, 0, 0},
#else
    {"arch_prctl", -1, 0, 0},
#endif
    {"gettid", SYS_gettid, 0, 0},       {"getdents64", SYS_getdents64, 0, 0},
    {"set_tid_address", SYS_set_tid_address, 0, 0},
    {"clock_gettime", SYS_clock_gettime, 0, 0},
    {"clock_getres", SYS_clock_getres, 0, 0},
    {"clock_nanosleep", SYS_clock_nanosleep, 0, 0},
    {"openat", SYS_openat, 0, 0},       {"newfstatat", SYS_newfstatat, 0, 0},
    {"dup3", SYS_dup3, 0, 0},
    {"handoff_stats", kSysHandoffStats, 0, 0},  // Handoff's own (ENOSYS on Linux)
    {"pipe2", SYS_pipe2, 0, 0},         {"eventfd2", SYS_eventfd2, 0, 0},
    {"epoll_create1", SYS_epoll_create1, 0, 0},
    {"epoll_ctl", SYS_epoll_ctl, 0, 0}, {"epoll_pwait", SYS_epoll_pwait, 0, 0},
    {"socket", SYS_socket, 0, 0},       {"socketpair", SYS_socketpair, 0, 0},
    {"bind", SYS_bind, 0, 0},           {"listen", SYS_listen, 0, 0},
    {"connect", SYS_connect, 0, 0},     {"accept4", SYS_accept4, 0, 0},
    {"shutdown", SYS_shutdown, 0, 0},
};

// Where pipe2 and socketpair usually write their two descriptors, so that we can track them.
int g_pair[2];
// sockaddr_un for bind and connect: an abstract name from a small set (so that connects find
// listeners), never a path (that would leave socket files behind on Linux).
struct {
  uint16_t family;
  char path[108];
} g_sun;
long any_sockaddr_len() {
  g_sun.family = chance(90) ? 1 /* AF_UNIX */ : static_cast<uint16_t>(any_int());
  g_sun.path[0] = '\0';
  g_sun.path[1] = 'f';
  g_sun.path[2] = static_cast<char>('0' + below(4));
  return chance(85) ? 5 : static_cast<long>(any_int() % 200);
}
long g_unknown_calls, g_unknown_enosys;

// ioctl requests that only read (tty and generic): safe on any descriptor of the host.
constexpr long kSafeIoctls[] = {LINUX_TCGETS, LINUX_TIOCGWINSZ, 0x541B /* FIONREAD */,
                                0x540F /* TIOCGPGRP */, 0x80086601 /* FS_IOC_GETFLAGS */, 0, -1};

// Fills in `c` for call `which`. The comments say what keeps each one harmless.
void make_call(int which, Call* c) {
  long* a = c->args;
  for (int i = 0; i < 6; i++) a[i] = static_cast<long>(any_int());
  c->number = g_calls[which].number;
  uintptr_t addr;
  uint64_t len;
  switch (which) {
    case kRead:  // never fds 0-2 (stdin blocks; on Handoff 1 and 2 are the console too)
      a[0] = any_fd(); a[1] = out_ptr(); a[2] = any_len();
      break;
    case kWrite:
      // Our descriptors, or stdout with a pointer that cannot be read (nothing printed).
      a[0] = any_fd(); a[1] = in_ptr(); a[2] = any_len();
      if (chance(10)) {
        a[0] = 1;
        a[1] = pick(kImpossible) + below(4096);
      }
      break;
    case kPread64:
      a[0] = any_fd(); a[1] = out_ptr(); a[2] = any_len(); a[3] = static_cast<long>(any_int());
      break;
    case kReadv:
      a[0] = any_fd(); a[1] = iov_ptr(true); a[2] = any_iovcnt();
      break;
    case kWritev:
      a[0] = any_fd(); a[1] = iov_ptr(false); a[2] = any_iovcnt();
      break;
    case kClose:  // ours (>= 3) or nonsense
      a[0] = any_fd();
      break;
    case kDup:
      a[0] = any_fd();
      break;
    case kDup3:  // the target is >= 3 too: replacing 0-2 could make a read block
      a[0] = any_fd(); a[1] = chance(80) ? 3 + below(80) : any_fd();
      a[2] = chance(70) ? (chance(50) ? 0 : LINUX_O_CLOEXEC) : static_cast<long>(any_int());
      if (a[1] >= 0 && a[1] < 3) a[1] = 3;
      break;
    case kFstat:  // fstat of 0-2 is harmless
      a[0] = chance(10) ? static_cast<long>(below(3)) : any_fd(); a[1] = out_ptr();
      break;
    case kLseek:  // not 0-2: if stdout were a file, we would move its position
      a[0] = any_fd(); a[1] = static_cast<long>(any_int());
      a[2] = chance(80) ? static_cast<long>(below(5)) : static_cast<long>(any_int());
      break;
    case kIoctl:
      a[0] = chance(15) ? static_cast<long>(below(3)) : any_fd();
      // The host and the console (0-2) only get requests that read; Handoff's own files
      // anything (none of its ioctls change anything outside the fuzzer but the console's).
      if (!g_handoff || a[0] < 3 || chance(50)) a[1] = pick(kSafeIoctls);
      a[2] = out_ptr();
      break;
    case kGetdents64:
      a[0] = any_fd(); a[1] = out_ptr(); a[2] = any_len();
      break;
    case kOpenat:
      a[0] = any_dirfd(); a[1] = any_path(); a[2] = any_open_flags(); a[3] = below(01000);
      break;
    case kNewfstatat:
      a[0] = any_dirfd(); a[1] = any_path(); a[2] = out_ptr();
      a[3] = chance(70) ? static_cast<long>(below(2) * LINUX_AT_EMPTY_PATH | below(2) * 0x100)
                        : static_cast<long>(any_int());
      break;
    case kGetcwd:
      a[0] = out_ptr(); a[1] = any_len();
      break;
    case kChdir:
      a[0] = any_path();
      break;
    case kMmap:
      if (chance(50)) {  // MAP_FIXED (or FIXED_NOREPLACE) only where the fuzzer owns the space
        mm_range(&addr, &len);
        a[0] = static_cast<long>(addr); a[1] = static_cast<long>(len);
        a[3] = any_mmap_flags() | (chance(80) ? LINUX_MAP_FIXED : 0x100000);
      } else {  // a hint: the kernel chooses (tracked and unmapped later)
        a[0] = chance(50) ? 0 : static_cast<long>(any_int());
        a[1] = chance(80) ? static_cast<long>(below(1 << 24)) : static_cast<long>(any_len());
        a[3] = any_mmap_flags();
      }
      a[2] = any_prot();
      a[4] = chance(70) ? -1 : any_fd();
      a[5] = chance(80) ? 0 : static_cast<long>(chance(50) ? below(16) * kPage : any_int());
      break;
    case kMunmap:
      mm_range(&addr, &len);
      a[0] = static_cast<long>(addr); a[1] = static_cast<long>(len);
      break;
    case kMprotect:
      mm_range(&addr, &len);
      a[0] = static_cast<long>(addr); a[1] = static_cast<long>(len); a[2] = any_prot();
      break;
    case kBrk:  // never below the current break: that would free newlib's heap
      switch (below(6)) {
        case 0: a[0] = 0; break;
        case 1: a[0] = static_cast<long>(g_brk); break;
        case 2: a[0] = static_cast<long>(g_brk + below(64) * kPage + below(kPage)); break;
        case 3: a[0] = static_cast<long>(g_brk + (1ULL << (20 + below(30)))); break;
        case 4:  // below the program: under the heap's start
          a[0] = static_cast<long>(below(reinterpret_cast<uintptr_t>(__executable_start)));
          break;
        default: a[0] = static_cast<long>(pick(kImpossible)); break;
      }
      break;
    case kWait4:  // always WNOHANG: we have no children, and must never block
      a[0] = static_cast<long>(any_int()); a[1] = out_ptr();
      a[2] = (chance(70) ? static_cast<long>(below(16)) : static_cast<long>(any_int())) | 1;
      a[3] = chance(50) ? 0 : out_ptr();
      break;
    case kNanosleep:
      a[0] = sleep_ptr(); a[1] = chance(50) ? 0 : out_ptr();
      break;
    case kClockNanosleep: {
      // CPU-time clocks (2, 3, negative ids) would sleep until this process has USED that
      // much CPU -- while it sleeps: forever. Not those.
      static const long kClocks[] = {0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 100, 0x7fffffff};
      a[0] = pick(kClocks);
      a[1] = chance(80) ? static_cast<long>(below(2)) : static_cast<long>(any_int());
      a[2] = sleep_ptr(); a[3] = chance(50) ? 0 : out_ptr();
      break;
    }
    case kClockGettime:
    case kClockGetres:
      a[0] = chance(70) ? static_cast<long>(below(16)) : static_cast<long>(any_int());
      a[1] = chance(10) ? 0 : out_ptr();
      break;
    case kGettimeofday:
      a[0] = chance(20) ? 0 : out_ptr(); a[1] = chance(50) ? 0 : out_ptr();
      break;
    case kUname:
      a[0] = out_ptr();
      break;
    case kSetTidAddress:  // the kernel writes 0 there when we exit: our buffer or nowhere
      a[0] = out_ptr();
      break;
    case kHandoffStats:  // only reads counters, writes them out
      a[0] = out_ptr(); a[1] = any_len();
      break;
    // Everything that makes a descriptor makes a NON-BLOCKING one: a later read, write, accept
    // or connect on it must never wait. Waiting calls get a zero timeout.
    case kPipe2:
      a[0] = chance(85) ? reinterpret_cast<long>(g_pair) : static_cast<long>(out_ptr());
      a[1] = LINUX_O_NONBLOCK | (chance(50) ? LINUX_O_CLOEXEC : 0) |
             (chance(10) ? static_cast<long>(any_int()) & ~LINUX_O_NONBLOCK : 0);
      a[1] |= LINUX_O_NONBLOCK;
      break;
    case kEventfd2:
      a[0] = static_cast<long>(any_int()); a[1] = LINUX_O_NONBLOCK | (chance(30) ? 1 : 0);
      break;
    case kEpollCreate1:
      a[0] = chance(80) ? (chance(50) ? LINUX_O_CLOEXEC : 0) : static_cast<long>(any_int());
      break;
    case kEpollCtl:  // the event comes from our buffer (or from nowhere)
      a[0] = any_fd(); a[1] = chance(85) ? 1 + static_cast<long>(below(3)) : a[1];
      a[2] = any_fd(); a[3] = static_cast<long>(in_ptr());
      break;
    case kEpollPwait:  // timeout 0: a poll; no signal mask
      a[0] = any_fd(); a[1] = static_cast<long>(out_ptr());
      a[2] = chance(80) ? 1 + static_cast<long>(below(16)) : static_cast<long>(any_int());
      a[3] = 0; a[4] = 0; a[5] = 8;
      break;
    case kSocket:
      a[0] = chance(85) ? 1 : static_cast<long>(any_int());
      a[1] = (chance(85) ? 1 : static_cast<long>(below(16))) | LINUX_O_NONBLOCK |
             (chance(50) ? LINUX_O_CLOEXEC : 0);
      a[2] = chance(85) ? 0 : static_cast<long>(any_int());
      if (a[0] != 1 && !g_handoff) a[0] = 1;  // Linux has real networks: stay in AF_UNIX
      break;
    case kSocketpair:
      a[0] = chance(90) ? 1 : static_cast<long>(any_int());
      a[1] = (chance(90) ? 1 : static_cast<long>(below(16))) | LINUX_O_NONBLOCK;
      a[2] = 0;
      a[3] = chance(85) ? reinterpret_cast<long>(g_pair) : static_cast<long>(out_ptr());
      if (a[0] != 1 && !g_handoff) a[0] = 1;
      break;
    case kBind:
    case kConnect:
      a[0] = any_fd();
      if (chance(85)) {
        a[2] = any_sockaddr_len();
        a[1] = reinterpret_cast<long>(&g_sun);
      } else {
        a[1] = static_cast<long>(in_ptr()); a[2] = static_cast<long>(any_len());
      }
      break;
    case kListen:
      a[0] = any_fd(); a[1] = chance(80) ? static_cast<long>(below(8)) : a[1];
      break;
    case kAccept4:  // the new socket is non-blocking too
      a[0] = any_fd(); a[1] = static_cast<long>(out_ptr()); a[2] = static_cast<long>(out_ptr());
      a[3] = LINUX_O_NONBLOCK | (chance(50) ? LINUX_O_CLOEXEC : 0);
      if (chance(20)) a[1] = a[2] = 0;
      break;
    case kShutdown:
      a[0] = any_fd(); a[1] = chance(85) ? static_cast<long>(below(3)) : a[1];
      break;
    case kArchPrctl: {
      // SET_FS moves our thread pointer: restored right after the call (run_call). The
      // other codes: GET_FS/GET_GS, SET_GS (unused by us), and codes no kernel has.
      static const long kCodes[] = {LINUX_ARCH_SET_FS, LINUX_ARCH_GET_FS, LINUX_ARCH_GET_FS,
                                    LINUX_ARCH_SET_GS, LINUX_ARCH_GET_GS, 0, 0x1000, 0x1005,
                                    0x7777, 0x10000};
      a[0] = pick(kCodes);
      bool gets = a[0] == LINUX_ARCH_GET_FS || a[0] == LINUX_ARCH_GET_GS;  // write to a[1]
      a[1] = gets ? static_cast<long>(out_ptr()) : static_cast<long>(any_int());
      break;
    }
    default:  // no arguments that matter: sched_yield, getpid, getppid, gettid, get*id
      break;
  }
}

// A system-call number nobody implements: above Linux's highest on both arches, outside
// Handoff's own range (1024 and up: its calls are in the list above, with arguments that
// keep them harmless), or huge. Linux
// looks only at the low 32 bits (an int), so those must be unused too -- and must not look
// like an x32 call (bit 30) on the x86-64 host.
long unknown_number() {
  if (chance(60)) {
    long n = 512 + static_cast<long>(below(2000 - 512));
    return n >= 1024 && n < 1100 ? n + 100 : n;
  }
  for (;;) {
    uint64_t n = next_u64();
    uint32_t low = static_cast<uint32_t>(n);
    bool low_ok = (low >= 2000 && low < 0x40000000) || low >= 0x40010000;
    if (low_ok) return static_cast<long>(n);
  }
}

long raw_call(const Call& c) {
  return syscall6(c.number, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5]);
}

// Makes one call and cleans up after it: keeps track of new descriptors and mappings, and
// puts the program break and the thread pointer back.
long run_call(int which, const Call& c) {
#if defined(__x86_64__)
  if (which == kArchPrctl && c.args[0] == LINUX_ARCH_SET_FS) {
    // Between these two calls no code may touch thread-local storage (errno, stdio):
    // syscall2 is inline assembly, nothing else runs.
    unsigned long fs = 0;
    syscall2(SYS_arch_prctl, LINUX_ARCH_GET_FS, reinterpret_cast<long>(&fs));
    long r = raw_call(c);
    syscall2(SYS_arch_prctl, LINUX_ARCH_SET_FS, static_cast<long>(fs));
    return r;
  }
#endif
  long r = raw_call(c);
  if (syscall_failed(r)) return r;
  switch (which) {
    case kOpenat: case kDup: case kEventfd2: case kEpollCreate1: case kSocket: case kAccept4:
      track_fd(r);
      break;
    case kPipe2: case kSocketpair: {
      // Both descriptors, if they landed where we can read them.
      const int* fds = c.args[which == kPipe2 ? 0 : 3] == reinterpret_cast<long>(g_pair)
                           ? g_pair : nullptr;
      if (fds) {
        track_fd(fds[0]);
        track_fd(fds[1]);
      }
      break;
    }
    case kDup3: track_fd(c.args[1]); break;
    case kClose: forget_fd(c.args[0]); break;
    case kMmap:
      if (!(c.args[3] & (LINUX_MAP_FIXED | 0x100000)))
        track_map(static_cast<uintptr_t>(r), c.args[1]);
      break;
    case kBrk: syscall1(SYS_brk, static_cast<long>(g_brk)); break;
    default: break;
  }
  return r;
}

void print_call(long i, const char* name, const Call& c) {
  printf("fuzz: #%ld %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", i, name, c.args[0], c.args[1],
         c.args[2], c.args[3], c.args[4], c.args[5]);
  fflush(stdout);
}

// ---- setup and teardown -------------------------------------------------------------------------

long map_or_die(size_t size, int prot) {
  long r = syscall6(SYS_mmap, 0, static_cast<long>(size), prot,
                    LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS, -1, 0);
  if (syscall_failed(r)) {
    printf("fuzz: cannot map %zu bytes: error %ld\n", size, -r);
    exit(1);
  }
  return r;
}

void setup() {
  // Close everything inherited above stderr (a make jobserver pipe, say): from now on any
  // descriptor >= 3 is one the fuzzer opened itself.
  for (long fd = 3; fd < 1024; fd++) syscall1(SYS_close, fd);

  long buf = map_or_die(kBufSize + kPage, LINUX_PROT_READ | LINUX_PROT_WRITE);
  g_buf = reinterpret_cast<char*>(buf);
  g_guard = g_buf + kBufSize;
  syscall3(SYS_mprotect, reinterpret_cast<long>(g_guard), kPage, LINUX_PROT_NONE);
  g_scratch = static_cast<uintptr_t>(map_or_die(kScratchSize, LINUX_PROT_READ | LINUX_PROT_WRITE));
  g_low_top = reinterpret_cast<uintptr_t>(__executable_start) & ~(kPage - 1);

  memset(g_long_path, 'p', sizeof g_long_path - 1);
  g_long_path[0] = '/';
  g_long_name[0] = '/';
  memset(g_long_name + 1, 'n', sizeof g_long_name - 2);

  linux_utsname u;
  g_handoff = syscall1(SYS_uname, reinterpret_cast<long>(&u)) == 0 &&
              strcmp(u.sysname, "Handoff") == 0;
  const char* exe = reinterpret_cast<const char*>(getauxval(LINUX_AT_EXECFN));
  if (exe) g_self = exe;

  // Make sure stdio has its buffer before the fuzzing starts: printf must not need malloc
  // (and so brk) later.
  static char out[4096];
  setvbuf(stdout, out, _IOLBF, sizeof out);
  g_brk = static_cast<uintptr_t>(syscall1(SYS_brk, 0));
}

void teardown() {
  for (int i = 0; i < g_nmaps; i++) syscall2(SYS_munmap, g_maps[i].addr, g_maps[i].len);
  g_nmaps = 0;
  for (int i = 0; i < g_nfds; i++) syscall1(SYS_close, g_fds[i]);
  g_nfds = 0;
  syscall2(SYS_munmap, static_cast<long>(kWild), static_cast<long>(kWildSize));
  syscall2(SYS_munmap, static_cast<long>(kLowBase), static_cast<long>(g_low_top - kLowBase));
  syscall2(SYS_munmap, static_cast<long>(g_scratch), kScratchSize);
  syscall1(SYS_brk, static_cast<long>(g_brk));
  syscall1(SYS_set_tid_address, 0);
}

}  // namespace

int main(int argc, char** argv) {
  // Writes to pipes and sockets whose other end is closed: Linux would kill us with SIGPIPE;
  // we want the EPIPE. (Handoff sends no SIGPIPE; if it refuses the call, nothing changes.)
  struct {
    unsigned long handler, flags, restorer, mask;
  } ignore = {1 /* SIG_IGN */, 0, 0, 0};
  syscall4(SYS_rt_sigaction, 13 /* SIGPIPE */, reinterpret_cast<long>(&ignore), 0, 8);
  long calls = kDefaultCalls;
  uint64_t seed = 0;
  bool verbose = false;
  int positional = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0) {
      verbose = true;
    } else if (positional == 0) {
      calls = strtol(argv[i], nullptr, 0), positional++;
    } else if (positional == 1) {
      seed = strtoull(argv[i], nullptr, 0), positional++;
    } else {
      printf("usage: fuzz [N [SEED]] [-v]\n");
      return 2;
    }
  }
  if (positional < 2) {  // no seed given: take one from the clock, and say which
    linux_timespec ts = {0, 0};
    syscall2(SYS_clock_gettime, LINUX_CLOCK_MONOTONIC, reinterpret_cast<long>(&ts));
    seed = static_cast<uint64_t>(ts.tv_sec) * 1000000007ULL ^ static_cast<uint64_t>(ts.tv_nsec);
    seed %= 1000000000;
  }
  g_rng = seed * 0x9E3779B97F4A7C15ULL + 1;  // xorshift must not start at 0

  setup();
  char cwd[512] = "/";
  syscall2(SYS_getcwd, reinterpret_cast<long>(cwd), sizeof cwd);
  printf("ftest: RUN fuzz\n");
  printf("fuzz: %ld calls, seed %llu (repeat with: fuzz %ld %llu) on %s\n", calls,
         static_cast<unsigned long long>(seed), calls, static_cast<unsigned long long>(seed),
         g_handoff ? "Handoff" : "Linux");

  for (long i = 1; i <= calls; i++) {
    Call c;
    long r;
    if (chance(88)) {
      int which = static_cast<int>(below(kCallCount));
      if (g_calls[which].number < 0) which = kGetpid;  // not on this arch
      make_call(which, &c);
      if (verbose) print_call(i, g_calls[which].name, c);
      r = run_call(which, c);
      g_calls[which].calls++;
      if (!syscall_failed(r)) g_calls[which].ok++;
    } else {
      c.number = unknown_number();
      for (long& arg : c.args) arg = static_cast<long>(chance(50) ? any_int() : in_ptr());
      if (verbose) printf("fuzz: #%ld syscall %ld\n", i, c.number);
      r = raw_call(c);
      g_unknown_calls++;
      if (r == -LINUX_ENOSYS) g_unknown_enosys++;
    }
    if (i % kProgressEvery == 0) printf("fuzz: %ld/%ld calls\n", i, calls);
  }

  teardown();
  syscall1(SYS_chdir, reinterpret_cast<long>(cwd));
  // Summary: how often each call ran and succeeded.
  printf("fuzz: calls (succeeded) per system call:\n");
  int column = 0;
  for (const CallInfo& ci : g_calls) {
    if (ci.number < 0) continue;
    char cell[64];
    snprintf(cell, sizeof cell, "%s %ld (%ld)", ci.name, ci.calls, ci.ok);
    printf("  %-26s%s", cell, ++column % 3 == 0 ? "\n" : "");
  }
  printf("%s  unknown numbers %ld (%ld ENOSYS)\n", column % 3 ? "\n" : "", g_unknown_calls,
         g_unknown_enosys);
  if (g_unknown_enosys != g_unknown_calls)
    printf("fuzz: note: %ld unknown system-call numbers did not return ENOSYS\n",
           g_unknown_calls - g_unknown_enosys);
  // Still healthy: memory, the heap, the clock.
  void* p = malloc(1 << 20);
  bool healthy = p != nullptr && syscall0(SYS_getpid) > 0;
  free(p);
  if (healthy) {
    printf("ftest: PASS fuzz\nftest: done: 1 passed, 0 failed\n");
  } else {
    printf("ftest: FAIL fuzz: malloc or getpid failed after the calls\n");
    printf("ftest: FAILED fuzz\nftest: done: 0 passed, 1 failed\n");
  }
  printf("fuzz: done: %ld calls, seed %llu\n", calls, static_cast<unsigned long long>(seed));
  return healthy ? 0 : 1;
}
