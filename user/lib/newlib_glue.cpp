// user/lib/newlib_glue.cpp -- newlib's "OS subroutines" on Handoff's Linux-ABI syscalls,
// plus thin POSIX wrappers newlib lacks (declared in handoff.h).
//
// Stub names (found in newlib 3.3's configure.host, see user/newlib/build.sh):
//   x86_64-elf        MISSING_SYSCALL_NAMES: newlib calls read(), write(), sbrk()...
//   aarch64-none-elf  libc/syscalls wrappers: read() -> _read_r() -> _read(), ...
// NEWLIB_STUB(read) names the right one. Both need _exit.
//
// Translation at this boundary (details in linux_abi.h / linux_errno.h):
//   - errno: the kernel returns -errno in Linux numbering; newlib's <errno.h> differs for 67
//     codes (ENOSYS 38 vs 88...). Every failing call goes through handoff_syscall_ret().
//   - open/fcntl flags, AT_FDCWD, clock ids and signal numbers differ too and are converted.
//   - struct stat: Linux fills its own (per-arch) layout; we copy field by field into newlib's,
//     whose dev_t, ino_t, nlink_t, uid_t and gid_t are only 16 bits wide (newlib's defaults for
//     these targets): st_ino and st_dev are truncated, don't rely on them to identify files.
// newlib's <errno.h> shows its Linux-only names (ECHRNG, EBADE, ENONET...) only under this
// macro; it changes no values. We need them all for the translation table.
#define __LINUX_ERRNO_EXTENSIONS__ 1
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "futex_mutex.h"
#include "handoff.h"
#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"
#include "vdso_time.h"
#include "thread_block.h"

#if defined(__x86_64__)
#define NEWLIB_STUB(name) name
#else
#define NEWLIB_STUB(name) _##name
#endif

namespace {

// ---- errno --------------------------------------------------------------------------------------
struct ErrnoPair {
  short linux_no, newlib_no;
};
#define P(name) {LINUX_##name, name}
// Every Linux code newlib also names. Missing in newlib: ERESTART EUCLEAN ENOTNAM ENAVAIL
// EISNAM EREMOTEIO EMEDIUMTYPE ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED ERFKILL EHWPOISON.
// Note Linux's ENOTSUP == EOPNOTSUPP (95) -> newlib EOPNOTSUPP (95), not newlib's ENOTSUP (134);
// Linux's EDEADLOCK == EDEADLK (35) -> newlib EDEADLK (45).
constexpr ErrnoPair kErrnoPairs[] = {
    P(EPERM), P(ENOENT), P(ESRCH), P(EINTR), P(EIO), P(ENXIO), P(E2BIG), P(ENOEXEC), P(EBADF),
    P(ECHILD), P(EAGAIN), P(ENOMEM), P(EACCES), P(EFAULT), P(ENOTBLK), P(EBUSY), P(EEXIST),
    P(EXDEV), P(ENODEV), P(ENOTDIR), P(EISDIR), P(EINVAL), P(ENFILE), P(EMFILE), P(ENOTTY),
    P(ETXTBSY), P(EFBIG), P(ENOSPC), P(ESPIPE), P(EROFS), P(EMLINK), P(EPIPE), P(EDOM),
    P(ERANGE), P(EDEADLK), P(ENAMETOOLONG), P(ENOLCK), P(ENOSYS), P(ENOTEMPTY), P(ELOOP),
    P(ENOMSG), P(EIDRM), P(ECHRNG), P(EL2NSYNC), P(EL3HLT), P(EL3RST), P(ELNRNG), P(EUNATCH),
    P(ENOCSI), P(EL2HLT), P(EBADE), P(EBADR), P(EXFULL), P(ENOANO), P(EBADRQC), P(EBADSLT),
    P(EBFONT), P(ENOSTR), P(ENODATA), P(ETIME), P(ENOSR), P(ENONET), P(ENOPKG), P(EREMOTE),
    P(ENOLINK), P(EADV), P(ESRMNT), P(ECOMM), P(EPROTO), P(EMULTIHOP), P(EDOTDOT), P(EBADMSG),
    P(EOVERFLOW), P(ENOTUNIQ), P(EBADFD), P(EREMCHG), P(ELIBACC), P(ELIBBAD), P(ELIBSCN),
    P(ELIBMAX), P(ELIBEXEC), P(EILSEQ), P(ESTRPIPE), P(EUSERS), P(ENOTSOCK), P(EDESTADDRREQ),
    P(EMSGSIZE), P(EPROTOTYPE), P(ENOPROTOOPT), P(EPROTONOSUPPORT), P(ESOCKTNOSUPPORT),
    P(EOPNOTSUPP), P(EPFNOSUPPORT), P(EAFNOSUPPORT), P(EADDRINUSE), P(EADDRNOTAVAIL),
    P(ENETDOWN), P(ENETUNREACH), P(ENETRESET), P(ECONNABORTED), P(ECONNRESET), P(ENOBUFS),
    P(EISCONN), P(ENOTCONN), P(ESHUTDOWN), P(ETOOMANYREFS), P(ETIMEDOUT), P(ECONNREFUSED),
    P(EHOSTDOWN), P(EHOSTUNREACH), P(EALREADY), P(EINPROGRESS), P(ESTALE), P(EDQUOT),
    P(ENOMEDIUM), P(ECANCELED), P(EOWNERDEAD), P(ENOTRECOVERABLE),
};
#undef P

struct ErrnoTable {
  short v[LINUX_EMAX + 1];
};
constexpr ErrnoTable kErrnoFromLinux = [] {
  ErrnoTable t{};
  for (int i = 0; i <= LINUX_EMAX; i++) t.v[i] = static_cast<short>(HANDOFF_EUNMAPPED_BASE + i);
  for (const ErrnoPair& p : kErrnoPairs) t.v[p.linux_no] = p.newlib_no;
  return t;
}();
static_assert(kErrnoFromLinux.v[LINUX_EBADF] == EBADF);
static_assert(kErrnoFromLinux.v[LINUX_ENOSYS] == ENOSYS);
static_assert(kErrnoFromLinux.v[LINUX_ETIMEDOUT] == ETIMEDOUT);

// ---- signals ------------------------------------------------------------------------------------
struct SigPair {
  int newlib_no, linux_no;
};
// newlib's <sys/signal.h> numbering (BSD) vs Linux's. Identical only for 1-6, 8, 9, 11, 13-15.
constexpr SigPair kSigPairs[] = {
    {SIGHUP, LINUX_SIGHUP},     {SIGINT, LINUX_SIGINT},       {SIGQUIT, LINUX_SIGQUIT},
    {SIGILL, LINUX_SIGILL},     {SIGTRAP, LINUX_SIGTRAP},     {SIGABRT, LINUX_SIGABRT},
    {SIGFPE, LINUX_SIGFPE},     {SIGKILL, LINUX_SIGKILL},     {SIGBUS, LINUX_SIGBUS},
    {SIGSEGV, LINUX_SIGSEGV},   {SIGSYS, LINUX_SIGSYS},       {SIGPIPE, LINUX_SIGPIPE},
    {SIGALRM, LINUX_SIGALRM},   {SIGTERM, LINUX_SIGTERM},     {SIGURG, LINUX_SIGURG},
    {SIGSTOP, LINUX_SIGSTOP},   {SIGTSTP, LINUX_SIGTSTP},     {SIGCONT, LINUX_SIGCONT},
    {SIGCHLD, LINUX_SIGCHLD},   {SIGTTIN, LINUX_SIGTTIN},     {SIGTTOU, LINUX_SIGTTOU},
    {SIGIO, LINUX_SIGIO},       {SIGXCPU, LINUX_SIGXCPU},     {SIGXFSZ, LINUX_SIGXFSZ},
    {SIGVTALRM, LINUX_SIGVTALRM}, {SIGPROF, LINUX_SIGPROF},   {SIGWINCH, LINUX_SIGWINCH},
    {SIGUSR1, LINUX_SIGUSR1},   {SIGUSR2, LINUX_SIGUSR2},
    // SIGEMT and SIGLOST have no Linux counterpart.
};

// ---- open flags ---------------------------------------------------------------------------------
struct FlagPair {
  int newlib_flag, linux_flag;
};
constexpr FlagPair kOpenFlags[] = {
    {O_APPEND, LINUX_O_APPEND},     {O_CREAT, LINUX_O_CREAT},       {O_TRUNC, LINUX_O_TRUNC},
    {O_EXCL, LINUX_O_EXCL},         {O_NONBLOCK, LINUX_O_NONBLOCK}, {O_NOCTTY, LINUX_O_NOCTTY},
    {O_CLOEXEC, LINUX_O_CLOEXEC},   {O_NOFOLLOW, LINUX_O_NOFOLLOW}, {O_DIRECTORY, LINUX_O_DIRECTORY},
    {O_DIRECT, LINUX_O_DIRECT},     {O_SYNC, LINUX_O_SYNC},
#ifdef O_NOATIME  // newlib hides these two behind feature macros
    {O_NOATIME, LINUX_O_NOATIME},
#endif
#ifdef O_PATH
    {O_PATH, LINUX_O_PATH},
#endif
};
static_assert(O_RDONLY == LINUX_O_RDONLY && O_WRONLY == LINUX_O_WRONLY && O_RDWR == LINUX_O_RDWR);

// newlib clock ids -> Linux (newlib: REALTIME_COARSE 0, REALTIME 1, MONOTONIC 4, RAW 5).
long clock_to_linux(clockid_t id) {
  switch (id) {
    case CLOCK_REALTIME: return LINUX_CLOCK_REALTIME;
    case CLOCK_MONOTONIC: return LINUX_CLOCK_MONOTONIC;
    case CLOCK_PROCESS_CPUTIME_ID: return LINUX_CLOCK_PROCESS_CPUTIME_ID;
    case CLOCK_THREAD_CPUTIME_ID: return LINUX_CLOCK_THREAD_CPUTIME_ID;
    case CLOCK_MONOTONIC_RAW: return LINUX_CLOCK_MONOTONIC_RAW;
    case 0: return LINUX_CLOCK_REALTIME_COARSE;  // newlib CLOCK_REALTIME_COARSE (GNU only)
    case CLOCK_MONOTONIC_COARSE: return LINUX_CLOCK_MONOTONIC_COARSE;
    case CLOCK_BOOTTIME: return LINUX_CLOCK_BOOTTIME;
    default: return -1;
  }
}

int set_errno(int e) {
  errno = e;
  return -1;
}

// ---- struct stat ----------------------------------------------------------------------------------
void stat_from_linux(struct stat* st, const struct linux_stat& l) {
  memset(st, 0, sizeof(*st));
  st->st_dev = static_cast<dev_t>(l.st_dev);
  st->st_ino = static_cast<ino_t>(l.st_ino);
  st->st_mode = static_cast<mode_t>(l.st_mode);  // S_IF* and permission bits agree
  st->st_nlink = static_cast<nlink_t>(l.st_nlink);
  st->st_uid = static_cast<uid_t>(l.st_uid);
  st->st_gid = static_cast<gid_t>(l.st_gid);
  st->st_rdev = static_cast<dev_t>(l.st_rdev);
  st->st_size = static_cast<off_t>(l.st_size);
  st->st_atim.tv_sec = l.st_atim.tv_sec;
  st->st_atim.tv_nsec = l.st_atim.tv_nsec;
  st->st_mtim.tv_sec = l.st_mtim.tv_sec;
  st->st_mtim.tv_nsec = l.st_mtim.tv_nsec;
  st->st_ctim.tv_sec = l.st_ctim.tv_sec;
  st->st_ctim.tv_nsec = l.st_ctim.tv_nsec;
  st->st_blksize = l.st_blksize;
  st->st_blocks = l.st_blocks;
}
static_assert(S_IFMT == 0170000 && S_IFDIR == 0040000 && S_IFREG == 0100000 &&
              S_IFLNK == 0120000 && S_IFSOCK == 0140000 && S_IFIFO == 0010000);

handoff::FutexMutex g_brk_lock;
char* g_brk_cur;

}  // namespace

extern "C" {

// ---- translation helpers (handoff.h) -----------------------------------------------------------
int handoff_errno_from_linux(int e) {
  if (e > 0 && e <= LINUX_EMAX) return kErrnoFromLinux.v[e];
  return HANDOFF_EUNMAPPED_BASE + e;
}

long handoff_syscall_ret(long r) {
  if (syscall_failed(r)) {
    errno = handoff_errno_from_linux(static_cast<int>(-r));
    return -1;
  }
  return r;
}

int handoff_sig_to_linux(int sig) {
  if (sig == 0) return 0;
  for (const SigPair& p : kSigPairs)
    if (p.newlib_no == sig) return p.linux_no;
  return -1;
}

static int sig_from_linux(int sig) {
  for (const SigPair& p : kSigPairs)
    if (p.linux_no == sig) return p.newlib_no;
  return -1;
}

int handoff_oflags_to_linux(int f) {
  int l = f & O_ACCMODE;
  for (const FlagPair& p : kOpenFlags)
    if ((f & p.newlib_flag) == p.newlib_flag) l |= p.linux_flag;
  return l;
}

int handoff_oflags_from_linux(int l) {
  int f = l & LINUX_O_ACCMODE;
  for (const FlagPair& p : kOpenFlags)
    if ((l & p.linux_flag) == p.linux_flag) f |= p.newlib_flag;
  return f;
}

// ---- the newlib stubs ----------------------------------------------------------------------------
_READ_WRITE_RETURN_TYPE NEWLIB_STUB(read)(int fd, void* buf, size_t n) {
  return static_cast<int>(handoff_syscall_ret(
      syscall3(SYS_read, fd, reinterpret_cast<long>(buf), static_cast<long>(n))));
}

_READ_WRITE_RETURN_TYPE NEWLIB_STUB(write)(int fd, const void* buf, size_t n) {
  return static_cast<int>(handoff_syscall_ret(
      syscall3(SYS_write, fd, reinterpret_cast<long>(buf), static_cast<long>(n))));
}

int NEWLIB_STUB(open)(const char* path, int flags, ...) {
  long mode = 0;
  if (flags & O_CREAT) {
    __builtin_va_list ap;
    __builtin_va_start(ap, flags);
    mode = __builtin_va_arg(ap, int);
    __builtin_va_end(ap);
  }
  return static_cast<int>(handoff_syscall_ret(syscall4(SYS_openat, LINUX_AT_FDCWD,
                                                       reinterpret_cast<long>(path),
                                                       handoff_oflags_to_linux(flags), mode)));
}

int NEWLIB_STUB(close)(int fd) { return static_cast<int>(handoff_syscall_ret(syscall1(SYS_close, fd))); }

int NEWLIB_STUB(fstat)(int fd, struct stat* st) {
  struct linux_stat l;
  long r = handoff_syscall_ret(syscall2(SYS_fstat, fd, reinterpret_cast<long>(&l)));
  if (r < 0) return -1;
  stat_from_linux(st, l);
  return 0;
}

int NEWLIB_STUB(stat)(const char* path, struct stat* st) {
  struct linux_stat l;
  long r = handoff_syscall_ret(syscall4(SYS_newfstatat, LINUX_AT_FDCWD,
                                        reinterpret_cast<long>(path),
                                        reinterpret_cast<long>(&l), 0));
  if (r < 0) return -1;
  stat_from_linux(st, l);
  return 0;
}

// A terminal is what answers TCGETS (as glibc and musl decide it).
int NEWLIB_STUB(isatty)(int fd) {
  unsigned char termios[64];  // struct termios is 36 bytes on both arches; room to spare
  long r = syscall3(SYS_ioctl, fd, LINUX_TCGETS, reinterpret_cast<long>(termios));
  if (syscall_failed(r)) {
    handoff_syscall_ret(r);  // errno = ENOTTY / EBADF
    return 0;
  }
  return 1;
}

_off_t NEWLIB_STUB(lseek)(int fd, _off_t off, int whence) {
  // SEEK_SET/CUR/END are 0/1/2 on both sides.
  return handoff_syscall_ret(syscall3(SYS_lseek, fd, off, whence));
}

// malloc's memory. Linux brk(addr) returns the new break, or the old one when it refuses.
void* NEWLIB_STUB(sbrk)(ptrdiff_t incr) {
  g_brk_lock.lock();
  if (!g_brk_cur) g_brk_cur = reinterpret_cast<char*>(syscall1(SYS_brk, 0));
  char* old = g_brk_cur;
  if (incr != 0) {
    char* want = old + incr;
    char* got = reinterpret_cast<char*>(syscall1(SYS_brk, reinterpret_cast<long>(want)));
    if (got != want) {
      g_brk_lock.unlock();
      errno = ENOMEM;
      return reinterpret_cast<void*>(-1);
    }
    g_brk_cur = want;
  }
  g_brk_lock.unlock();
  return old;
}

int NEWLIB_STUB(kill)(pid_t pid, int sig) {
  int lsig = handoff_sig_to_linux(sig);
  if (lsig < 0) return set_errno(EINVAL);
  return static_cast<int>(handoff_syscall_ret(syscall2(SYS_kill, pid, lsig)));
}

pid_t NEWLIB_STUB(getpid)(void) { return static_cast<pid_t>(syscall0(SYS_getpid)); }

// exit() ends here after atexit handlers and stdio flushing: end the whole process (all
// threads), as Linux's exit_group does for glibc's _exit.
void _exit(int status) {
  for (;;) syscall1(SYS_exit_group, status);
}

int NEWLIB_STUB(gettimeofday)(struct timeval* tv, void* tz) {
  // Through the vDSO when there is one (vdso_time.h): no kernel entry.
  struct linux_timespec ts;
  long r = handoff_syscall_ret(handoff_clock_gettime(LINUX_CLOCK_REALTIME, &ts));
  if (r < 0) return -1;
  if (tv) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  if (tz) memset(tz, 0, 2 * sizeof(int));  // struct timezone: UTC, no DST
  return 0;
}

clock_t NEWLIB_STUB(times)(struct tms* buf) {
  struct linux_tms l;
  long r = syscall1(SYS_times, reinterpret_cast<long>(&l));
  if (syscall_failed(r)) return static_cast<clock_t>(handoff_syscall_ret(r));
  if (buf) {
    buf->tms_utime = static_cast<clock_t>(l.tms_utime);
    buf->tms_stime = static_cast<clock_t>(l.tms_stime);
    buf->tms_cutime = static_cast<clock_t>(l.tms_cutime);
    buf->tms_cstime = static_cast<clock_t>(l.tms_cstime);
  }
  return static_cast<clock_t>(r);
}

int NEWLIB_STUB(unlink)(const char* path) {
  return static_cast<int>(handoff_syscall_ret(
      syscall3(SYS_unlinkat, LINUX_AT_FDCWD, reinterpret_cast<long>(path), 0)));
}

int NEWLIB_STUB(link)(const char* old_path, const char* new_path) {
  return static_cast<int>(handoff_syscall_ret(
      syscall5(SYS_linkat, LINUX_AT_FDCWD, reinterpret_cast<long>(old_path), LINUX_AT_FDCWD,
               reinterpret_cast<long>(new_path), 0)));
}

// mkdir and fcntl get their PLAIN names on both arches: aarch64's libc.a has no mkdir() at
// all (libc/syscalls lacks it) and its fcntl() is a stub answering ENOSYS (HAVE_FCNTL unset).
// The underscored names newlib's _mkdir_r/_fcntl_r call are added below for aarch64.
int mkdir(const char* path, mode_t mode) {
  return static_cast<int>(handoff_syscall_ret(
      syscall3(SYS_mkdirat, LINUX_AT_FDCWD, reinterpret_cast<long>(path), mode)));
}

// The status word uses Linux's encoding, which newlib's <sys/wait.h> macros share
// (WIFEXITED/WEXITSTATUS); WTERMSIG yields a LINUX signal number.
pid_t NEWLIB_STUB(wait)(int* status) {
  return static_cast<pid_t>(
      handoff_syscall_ret(syscall4(SYS_wait4, -1, reinterpret_cast<long>(status), 0, 0)));
}

// waitpid is not among newlib's system-call stubs on either arch: wait4 with no rusage.
pid_t waitpid(pid_t pid, int* status, int options) {
  return static_cast<pid_t>(handoff_syscall_ret(
      syscall4(SYS_wait4, pid, reinterpret_cast<long>(status), options, 0)));
}

int NEWLIB_STUB(execve)(const char* path, char* const argv[], char* const envp[]) {
  return static_cast<int>(handoff_syscall_ret(syscall3(SYS_execve, reinterpret_cast<long>(path),
                                                       reinterpret_cast<long>(argv),
                                                       reinterpret_cast<long>(envp))));
}

// fork() as Linux's libc does it: clone(SIGCHLD) with no new stack. A kernel without clone
// answers ENOSYS. As on any POSIX system, a multi-threaded program may only exec (or use
// async-signal-safe calls) in the child: locks held by other threads stay held there.
pid_t NEWLIB_STUB(fork)(void) {
  long r = syscall5(SYS_clone, LINUX_SIGCHLD, 0, 0, 0, 0);
  if (r == 0) handoff_tb_self()->tid = static_cast<int>(syscall0(SYS_gettid));
  return static_cast<pid_t>(handoff_syscall_ret(r));
}

int fcntl(int fd, int cmd, ...) {
  __builtin_va_list ap;
  __builtin_va_start(ap, cmd);
  long arg = __builtin_va_arg(ap, long);
  __builtin_va_end(ap);
  switch (cmd) {
    case F_DUPFD:
      return static_cast<int>(handoff_syscall_ret(syscall3(SYS_fcntl, fd, LINUX_F_DUPFD, arg)));
    case F_DUPFD_CLOEXEC:
      return static_cast<int>(
          handoff_syscall_ret(syscall3(SYS_fcntl, fd, LINUX_F_DUPFD_CLOEXEC, arg)));
    case F_GETFD:  // FD_CLOEXEC is 1 on both sides
      return static_cast<int>(handoff_syscall_ret(syscall2(SYS_fcntl, fd, LINUX_F_GETFD)));
    case F_SETFD:
      return static_cast<int>(handoff_syscall_ret(syscall3(SYS_fcntl, fd, LINUX_F_SETFD, arg)));
    case F_GETFL: {
      long r = handoff_syscall_ret(syscall2(SYS_fcntl, fd, LINUX_F_GETFL));
      return r < 0 ? -1 : handoff_oflags_from_linux(static_cast<int>(r));
    }
    case F_SETFL:
      return static_cast<int>(handoff_syscall_ret(syscall3(
          SYS_fcntl, fd, LINUX_F_SETFL, handoff_oflags_to_linux(static_cast<int>(arg)))));
    case F_GETOWN:
      return static_cast<int>(handoff_syscall_ret(syscall2(SYS_fcntl, fd, LINUX_F_GETOWN)));
    case F_SETOWN:
      return static_cast<int>(handoff_syscall_ret(syscall3(SYS_fcntl, fd, LINUX_F_SETOWN, arg)));
    default:
      // Record locks: newlib's struct flock (16-bit l_type/l_pid) is not Linux's. Not needed.
      return set_errno(EINVAL);
  }
}

#if defined(__aarch64__)
int _mkdir(const char* path, mode_t mode) { return mkdir(path, mode); }
int _fcntl(int fd, int cmd, ...) {
  __builtin_va_list ap;
  __builtin_va_start(ap, cmd);
  long arg = __builtin_va_arg(ap, long);
  __builtin_va_end(ap);
  return fcntl(fd, cmd, arg);
}
#endif

long syscall(long number, ...) {
  __builtin_va_list ap;
  __builtin_va_start(ap, number);
  long a1 = __builtin_va_arg(ap, long), a2 = __builtin_va_arg(ap, long);
  long a3 = __builtin_va_arg(ap, long), a4 = __builtin_va_arg(ap, long);
  long a5 = __builtin_va_arg(ap, long), a6 = __builtin_va_arg(ap, long);
  __builtin_va_end(ap);
  // Reading six arguments when fewer were passed is harmless (the kernel ignores the extra
  // registers); glibc's syscall() does the same.
  return handoff_syscall_ret(syscall6(number, a1, a2, a3, a4, a5, a6));
}

// start.cpp calls this so this object is linked from libhandoff.a before libc.a is scanned:
// then our definitions (fcntl above) win over libc's same-named ENOSYS wrappers.
void __handoff_glue_linked(void) {}

// ---- POSIX functions newlib declares but does not implement for these targets ------------------
pid_t getppid(void) { return static_cast<pid_t>(syscall0(SYS_getppid)); }
uid_t getuid(void) { return static_cast<uid_t>(syscall0(SYS_getuid)); }
uid_t geteuid(void) { return static_cast<uid_t>(syscall0(SYS_geteuid)); }
gid_t getgid(void) { return static_cast<gid_t>(syscall0(SYS_getgid)); }
gid_t getegid(void) { return static_cast<gid_t>(syscall0(SYS_getegid)); }

int pipe2(int fds[2], int flags) {
  int lfds[2];  // the kernel writes two ints
  long r = handoff_syscall_ret(
      syscall2(SYS_pipe2, reinterpret_cast<long>(lfds), handoff_oflags_to_linux(flags)));
  if (r < 0) return -1;
  fds[0] = lfds[0];
  fds[1] = lfds[1];
  return 0;
}

int pipe(int fds[2]) { return pipe2(fds, 0); }

int dup(int fd) {
  return static_cast<int>(handoff_syscall_ret(syscall3(SYS_fcntl, fd, LINUX_F_DUPFD, 0)));
}

int dup3(int oldfd, int newfd, int flags) {
  return static_cast<int>(
      handoff_syscall_ret(syscall3(SYS_dup3, oldfd, newfd, handoff_oflags_to_linux(flags))));
}

int dup2(int oldfd, int newfd) {
  if (oldfd == newfd) {  // dup3 refuses equal fds; dup2 returns fd if it is valid
    long r = handoff_syscall_ret(syscall2(SYS_fcntl, oldfd, LINUX_F_GETFD));
    return r < 0 ? -1 : newfd;
  }
  return dup3(oldfd, newfd, 0);
}

int chdir(const char* path) {
  return static_cast<int>(handoff_syscall_ret(syscall1(SYS_chdir, reinterpret_cast<long>(path))));
}

char* getcwd(char* buf, size_t size) {
  char* mine = nullptr;
  if (!buf) {  // glibc extension many programs use: allocate
    if (size == 0) size = 4096;
    buf = mine = static_cast<char*>(malloc(size));
    if (!buf) return nullptr;
  }
  long r = handoff_syscall_ret(
      syscall2(SYS_getcwd, reinterpret_cast<long>(buf), static_cast<long>(size)));
  if (r < 0) {
    free(mine);
    return nullptr;
  }
  return buf;
}

int rmdir(const char* path) {
  return static_cast<int>(handoff_syscall_ret(syscall3(
      SYS_unlinkat, LINUX_AT_FDCWD, reinterpret_cast<long>(path), LINUX_AT_REMOVEDIR)));
}

int access(const char* path, int mode) {  // R_OK/W_OK/X_OK/F_OK = 4/2/1/0 on both sides
  return static_cast<int>(handoff_syscall_ret(
      syscall3(SYS_faccessat, LINUX_AT_FDCWD, reinterpret_cast<long>(path), mode)));
}

int fsync(int fd) { return static_cast<int>(handoff_syscall_ret(syscall1(SYS_fsync, fd))); }

int ftruncate(int fd, off_t len) {
  return static_cast<int>(handoff_syscall_ret(syscall2(SYS_ftruncate, fd, len)));
}

int sched_yield(void) { return static_cast<int>(handoff_syscall_ret(syscall0(SYS_sched_yield))); }

pid_t gettid(void) { return static_cast<pid_t>(syscall0(SYS_gettid)); }

int getcpu(unsigned* cpu, unsigned* node) {
  return static_cast<int>(handoff_syscall_ret(
      syscall3(SYS_getcpu, reinterpret_cast<long>(cpu), reinterpret_cast<long>(node), 0)));
}

int sched_getcpu(void) {
  unsigned cpu = 0;
  return getcpu(&cpu, nullptr) < 0 ? -1 : static_cast<int>(cpu);
}

int handoff_ncpus(void) {
  unsigned long mask[16];  // 1024 CPUs
  long r = syscall3(SYS_sched_getaffinity, 0, sizeof(mask), reinterpret_cast<long>(mask));
  if (syscall_failed(r)) return 1;
  int n = 0;
  for (long i = 0; i < r / static_cast<long>(sizeof(mask[0])); i++) n += __builtin_popcountl(mask[i]);
  return n > 0 ? n : 1;
}

// ---- time ---------------------------------------------------------------------------------------
int clock_gettime(clockid_t id, struct timespec* tp) {
  long lid = clock_to_linux(id);
  if (lid < 0) return set_errno(EINVAL);
  // struct timespec is {int64 tv_sec; long tv_nsec} in newlib and Linux alike. The vDSO
  // answers without entering the kernel when it can (vdso_time.h).
  return static_cast<int>(
      handoff_syscall_ret(handoff_clock_gettime(lid, reinterpret_cast<linux_timespec*>(tp))));
}

int clock_getres(clockid_t id, struct timespec* res) {
  long lid = clock_to_linux(id);
  if (lid < 0) return set_errno(EINVAL);
  return static_cast<int>(
      handoff_syscall_ret(handoff_clock_getres(lid, reinterpret_cast<linux_timespec*>(res))));
}

int nanosleep(const struct timespec* req, struct timespec* rem) {
  return static_cast<int>(handoff_syscall_ret(
      syscall2(SYS_nanosleep, reinterpret_cast<long>(req), reinterpret_cast<long>(rem))));
}

int clock_nanosleep(clockid_t id, int flags, const struct timespec* req, struct timespec* rem) {
  long lid = clock_to_linux(id);
  if (lid < 0) return EINVAL;
  long lflags = (flags & TIMER_ABSTIME) ? LINUX_TIMER_ABSTIME : 0;
  long r = syscall4(SYS_clock_nanosleep, lid, lflags, reinterpret_cast<long>(req),
                    reinterpret_cast<long>(rem));
  return syscall_failed(r) ? handoff_errno_from_linux(static_cast<int>(-r)) : 0;
}

unsigned sleep(unsigned seconds) {
  struct timespec req = {static_cast<time_t>(seconds), 0}, rem = {0, 0};
  if (nanosleep(&req, &rem) < 0 && errno == EINTR) return static_cast<unsigned>(rem.tv_sec);
  return 0;
}

int usleep(useconds_t us) {
  struct timespec req = {static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
  return nanosleep(&req, nullptr);
}

// ---- memory -------------------------------------------------------------------------------------
// PROT_* and MAP_* in handoff.h already carry Linux's values.
void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  long r = syscall6(SYS_mmap, reinterpret_cast<long>(addr), static_cast<long>(len), prot, flags,
                    fd, off);
  if (syscall_failed(r)) {
    handoff_syscall_ret(r);
    return MAP_FAILED;
  }
  return reinterpret_cast<void*>(r);
}

int munmap(void* addr, size_t len) {
  return static_cast<int>(handoff_syscall_ret(
      syscall2(SYS_munmap, reinterpret_cast<long>(addr), static_cast<long>(len))));
}

int mprotect(void* addr, size_t len, int prot) {
  return static_cast<int>(handoff_syscall_ret(
      syscall3(SYS_mprotect, reinterpret_cast<long>(addr), static_cast<long>(len), prot)));
}

// ---- I/O ----------------------------------------------------------------------------------------
ssize_t readv(int fd, const struct iovec* iov, int iovcnt) {
  return handoff_syscall_ret(syscall3(SYS_readv, fd, reinterpret_cast<long>(iov), iovcnt));
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  return handoff_syscall_ret(syscall3(SYS_writev, fd, reinterpret_cast<long>(iov), iovcnt));
}

ssize_t getrandom(void* buf, size_t len, unsigned flags) {
  return handoff_syscall_ret(
      syscall3(SYS_getrandom, reinterpret_cast<long>(buf), static_cast<long>(len), flags));
}

// newlib's arc4random() seeds itself from this.
int getentropy(void* buf, size_t len) {
  if (len > 256) return set_errno(EIO);
  auto* p = static_cast<char*>(buf);
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  return 0;
}

int uname(struct utsname* u) {
  static_assert(sizeof(struct utsname) == sizeof(struct linux_utsname));
  return static_cast<int>(handoff_syscall_ret(syscall1(SYS_uname, reinterpret_cast<long>(u))));
}

// ---- signal masks -------------------------------------------------------------------------------
// newlib's sigset_t is one unsigned long with bit (sig - 1) per NEWLIB signal number; Linux's
// kernel sigset is 64 bits with bit (sig - 1) per LINUX number. Translate bit by bit.
int sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  long lhow;
  switch (how) {
    case SIG_BLOCK: lhow = LINUX_SIG_BLOCK; break;
    case SIG_UNBLOCK: lhow = LINUX_SIG_UNBLOCK; break;
    case SIG_SETMASK: lhow = LINUX_SIG_SETMASK; break;
    default: return set_errno(EINVAL);
  }
  uint64_t lset = 0, lold = 0;
  if (set) {
    for (const SigPair& p : kSigPairs)
      if (*set & (1UL << (p.newlib_no - 1))) lset |= 1ULL << (p.linux_no - 1);
  }
  long r = handoff_syscall_ret(syscall4(SYS_rt_sigprocmask, lhow,
                                        set ? reinterpret_cast<long>(&lset) : 0,
                                        reinterpret_cast<long>(&lold), sizeof(lset)));
  if (r < 0) return -1;
  if (old) {
    sigset_t o = 0;
    for (int s = 1; s <= 64; s++) {
      if (!(lold & (1ULL << (s - 1)))) continue;
      int n = sig_from_linux(s);
      if (n > 0) o |= 1UL << (n - 1);
    }
    *old = o;
  }
  return 0;
}

}  // extern "C"
