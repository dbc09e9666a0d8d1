// sched/os_linux.cpp -- the Linux system calls the runtime makes for itself (Go: os_linux.go,
// sys_linux_*.s). Raw syscall instructions (user/lib/syscall.h): the same code runs on the host
// under glibc, as a static newlib program, and on Handoff, whose ABI is a subset of Linux's.
// (This is the one file that includes user/lib's syscall numbers: glibc's C++ headers define
// the same SYS_* macros, so it includes no C++ library header.)
#include "syscall.h"  // user/lib: syscallN(), SYS_* numbers of this arch

#include "os.h"

namespace rt::os {
namespace {

// Linux constants (not newlib's: user/lib/linux_abi.h explains why they differ).
constexpr long kFutexWaitPrivate = 0 | 128;  // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
constexpr long kFutexWakePrivate = 1 | 128;  // FUTEX_WAKE | FUTEX_PRIVATE_FLAG
constexpr long kProtNone = 0, kProtRW = 1 | 2;
constexpr long kMapPrivateAnon = 0x02 | 0x20;  // MAP_PRIVATE | MAP_ANONYMOUS
constexpr long kAtFdcwd = -100;
constexpr long kORdonlyCloexec = 02000000;

struct timespec64 {
  long tv_sec;
  long tv_nsec;
};

}  // namespace

int32_t getproccount() {
  // A 1024-CPU mask is plenty; the kernel returns how many bytes of it it filled.
  uint64_t mask[16] = {};
  long r = syscall3(SYS_sched_getaffinity, 0, sizeof mask, reinterpret_cast<long>(mask));
  if (r <= 0) return 1;
  int32_t n = 0;
  for (long i = 0; i < r / 8; i++) n += __builtin_popcountll(mask[i]);
  return n > 0 ? n : 1;
}

// nanotime is per flavour (os/<flavour>/nanotime.cpp): both go through the vDSO.

void usleep(uint32_t usec) {
  timespec64 ts{static_cast<long>(usec / 1000000), static_cast<long>(usec % 1000000) * 1000};
  syscall2(SYS_nanosleep, reinterpret_cast<long>(&ts), 0);
}

void osyield() { syscall0(SYS_sched_yield); }

void futexsleep(uint32_t* addr, uint32_t val, int64_t ns) {
  if (ns < 0) {
    syscall4(SYS_futex, reinterpret_cast<long>(addr), kFutexWaitPrivate, val, 0);
    return;
  }
  timespec64 ts{static_cast<long>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  syscall4(SYS_futex, reinterpret_cast<long>(addr), kFutexWaitPrivate, val,
           reinterpret_cast<long>(&ts));
}

void futexwakeup(uint32_t* addr, uint32_t cnt) {
  syscall3(SYS_futex, reinterpret_cast<long>(addr), kFutexWakePrivate, cnt);
}

void* sysAlloc(size_t n) {
  long r = syscall6(SYS_mmap, 0, static_cast<long>(n), kProtRW, kMapPrivateAnon, -1, 0);
  return syscall_failed(r) ? nullptr : reinterpret_cast<void*>(r);
}

void sysFree(void* p, size_t n) {
  syscall2(SYS_munmap, reinterpret_cast<long>(p), static_cast<long>(n));
}

bool sysGuard(void* p, size_t n) {
  return !syscall_failed(
      syscall3(SYS_mprotect, reinterpret_cast<long>(p), static_cast<long>(n), kProtNone));
}

void write2(const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    long r = syscall3(SYS_write, 2, reinterpret_cast<long>(c), static_cast<long>(n));
    if (r <= 0) return;
    c += r;
    n -= static_cast<size_t>(r);
  }
}

void exit(int code) {
  for (;;) syscall1(SYS_exit_group, code);
}

int threadCountProc() {
  long fd = syscall4(SYS_openat, kAtFdcwd, reinterpret_cast<long>("/proc/self/status"),
                     kORdonlyCloexec, 0);
  if (syscall_failed(fd)) return -1;
  char buf[4096];
  long n = 0;
  for (;;) {
    long r = syscall3(SYS_read, fd, reinterpret_cast<long>(buf + n),
                      static_cast<long>(sizeof buf - 1 - n));
    if (r <= 0) break;
    n += r;
    if (n == static_cast<long>(sizeof buf - 1)) break;
  }
  syscall1(SYS_close, fd);
  buf[n] = 0;
  // Find the line "Threads:\t<n>".
  static const char kKey[] = "\nThreads:";
  for (long i = 0; i + static_cast<long>(sizeof kKey) - 1 <= n; i++) {
    long k = 0;
    while (kKey[k] && buf[i + k] == kKey[k]) k++;
    if (kKey[k]) continue;
    long j = i + k;
    while (buf[j] == ' ' || buf[j] == '\t') j++;
    int v = 0;
    while (buf[j] >= '0' && buf[j] <= '9') v = v * 10 + (buf[j++] - '0');
    return v;
  }
  return -1;
}

int gettid() { return static_cast<int>(syscall0(SYS_gettid)); }

// ---- the netpoller's calls ----------------------------------------------------------------

int32_t epollcreate1(int32_t flags) {
  return static_cast<int32_t>(syscall1(SYS_epoll_create1, flags));
}

int32_t epollctl(int32_t epfd, int32_t op, int32_t fd, epollevent* ev) {
  return static_cast<int32_t>(
      syscall4(SYS_epoll_ctl, epfd, op, fd, reinterpret_cast<long>(ev)));
}

int32_t epollwait(int32_t epfd, epollevent* ev, int32_t nev, int32_t msec) {
  // A null sigmask: epoll_pwait then behaves exactly like epoll_wait (and the size of the
  // sigset, 8 here, is not even looked at).
  return static_cast<int32_t>(
      syscall6(SYS_epoll_pwait, epfd, reinterpret_cast<long>(ev), nev, msec, 0, 8));
}

int32_t eventfd(uint32_t initval, int32_t flags) {
  return static_cast<int32_t>(syscall2(SYS_eventfd2, initval, flags));
}

int32_t read(int32_t fd, void* p, int32_t n) {
  return static_cast<int32_t>(syscall3(SYS_read, fd, reinterpret_cast<long>(p), n));
}

int32_t write(int32_t fd, const void* p, int32_t n) {
  return static_cast<int32_t>(syscall3(SYS_write, fd, reinterpret_cast<long>(p), n));
}

int32_t closefd(int32_t fd) { return static_cast<int32_t>(syscall1(SYS_close, fd)); }

int32_t ignoreSIGPIPE() {
  // The kernel's struct sigaction on both arches: handler, flags, restorer, mask.
  struct {
    long handler, flags, restorer;
    uint64_t mask;
  } act{1 /* SIG_IGN */, 0, 0, 0};
  constexpr long kSigpipe = 13;
  return static_cast<int32_t>(
      syscall4(SYS_rt_sigaction, kSigpipe, reinterpret_cast<long>(&act), 0, sizeof act.mask));
}

extern const long kSysRead = SYS_read;
extern const long kSysWrite = SYS_write;
extern const long kSysClose = SYS_close;
extern const long kSysPipe2 = SYS_pipe2;
extern const long kSysSocket = SYS_socket;
extern const long kSysBind = SYS_bind;
extern const long kSysListen = SYS_listen;
extern const long kSysAccept4 = SYS_accept4;
extern const long kSysConnect = SYS_connect;
extern const long kSysShutdown = SYS_shutdown;
extern const long kSysGetsockopt = SYS_getsockopt;
extern const long kSysUnlinkat = SYS_unlinkat;

}  // namespace rt::os
