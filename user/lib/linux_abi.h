// user/lib/linux_abi.h -- Linux kernel ABI constants and structures, as Handoff's kernel sees
// them (C and C++). Everything is prefixed LINUX_ / linux_ because newlib's headers define
// the same POSIX names with DIFFERENT values:
//
//   what                  newlib                        Linux (x86-64 / aarch64)
//   O_CREAT O_TRUNC ...   0x200 0x400 (BSD style)       0100 01000 (octal); O_DIRECTORY and
//                                                       O_NOFOLLOW even differ between arches
//   AT_FDCWD              -2                            -100
//   AT_REMOVEDIR          8                             0x200
//   F_GETLK/F_SETOWN...   7/6 (F_GETFD..F_SETFL same)   5/8
//   CLOCK_REALTIME        1  (MONOTONIC 4)              0  (MONOTONIC 1)
//   SIGUSR1 SIGCHLD ...   30 20 (BSD numbering)         10 17
//   errno                 see linux_errno.h             see linux_errno.h
//   struct stat           16-bit dev/ino/uid/nlink      64-bit fields, and the x86-64 and
//                                                       aarch64 layouts differ from each other
//
// The newlib glue (newlib_glue.cpp) converts at the boundary so programs can use newlib's
// names; code making raw syscalls (syscall.h) must use these. Values checked against Debian
// 12's linux-libc-dev for both arches by user/newlib/check_abi.c (run by selftest.sh).
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

// ---- open(2) flags -------------------------------------------------------------------------
#define LINUX_O_RDONLY     00
#define LINUX_O_WRONLY     01
#define LINUX_O_RDWR       02
#define LINUX_O_ACCMODE    03
#define LINUX_O_CREAT      0100
#define LINUX_O_EXCL       0200
#define LINUX_O_NOCTTY     0400
#define LINUX_O_TRUNC      01000
#define LINUX_O_APPEND     02000
#define LINUX_O_NONBLOCK   04000
#define LINUX_O_DSYNC      010000
#define LINUX_O_ASYNC      020000
#define LINUX_O_NOATIME    01000000
#define LINUX_O_CLOEXEC    02000000
#define LINUX_O_SYNC       04010000
#define LINUX_O_PATH       010000000
#if defined(__x86_64__)
#define LINUX_O_DIRECT     040000
#define LINUX_O_LARGEFILE  0100000
#define LINUX_O_DIRECTORY  0200000
#define LINUX_O_NOFOLLOW   0400000
#elif defined(__aarch64__)
#define LINUX_O_DIRECTORY  040000
#define LINUX_O_NOFOLLOW   0100000
#define LINUX_O_DIRECT     0200000
#define LINUX_O_LARGEFILE  0400000
#endif

// ---- *at(2) ----------------------------------------------------------------------------------
#define LINUX_AT_FDCWD            (-100)
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_EACCESS          0x200   // faccessat
#define LINUX_AT_REMOVEDIR        0x200   // unlinkat
#define LINUX_AT_SYMLINK_FOLLOW   0x400
#define LINUX_AT_EMPTY_PATH       0x1000

// ---- fcntl(2) --------------------------------------------------------------------------------
#define LINUX_F_DUPFD         0
#define LINUX_F_GETFD         1
#define LINUX_F_SETFD         2
#define LINUX_F_GETFL         3
#define LINUX_F_SETFL         4
#define LINUX_F_GETLK         5
#define LINUX_F_SETLK         6
#define LINUX_F_SETLKW        7
#define LINUX_F_SETOWN        8
#define LINUX_F_GETOWN        9
#define LINUX_F_DUPFD_CLOEXEC 1030
#define LINUX_FD_CLOEXEC      1

// ---- ioctl(2) (tty) --------------------------------------------------------------------------
#define LINUX_TCGETS      0x5401
#define LINUX_TIOCGWINSZ  0x5413
#define LINUX_FIONBIO     0x5421

// ---- clocks ----------------------------------------------------------------------------------
#define LINUX_CLOCK_REALTIME           0
#define LINUX_CLOCK_MONOTONIC          1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID  3
#define LINUX_CLOCK_MONOTONIC_RAW      4
#define LINUX_CLOCK_REALTIME_COARSE    5
#define LINUX_CLOCK_MONOTONIC_COARSE   6
#define LINUX_CLOCK_BOOTTIME           7
#define LINUX_TIMER_ABSTIME            1

// ---- signals (x86-64 and aarch64 share this numbering) ---------------------------------------
#define LINUX_SIGHUP     1
#define LINUX_SIGINT     2
#define LINUX_SIGQUIT    3
#define LINUX_SIGILL     4
#define LINUX_SIGTRAP    5
#define LINUX_SIGABRT    6
#define LINUX_SIGBUS     7
#define LINUX_SIGFPE     8
#define LINUX_SIGKILL    9
#define LINUX_SIGUSR1    10
#define LINUX_SIGSEGV    11
#define LINUX_SIGUSR2    12
#define LINUX_SIGPIPE    13
#define LINUX_SIGALRM    14
#define LINUX_SIGTERM    15
#define LINUX_SIGSTKFLT  16
#define LINUX_SIGCHLD    17
#define LINUX_SIGCONT    18
#define LINUX_SIGSTOP    19
#define LINUX_SIGTSTP    20
#define LINUX_SIGTTIN    21
#define LINUX_SIGTTOU    22
#define LINUX_SIGURG     23
#define LINUX_SIGXCPU    24
#define LINUX_SIGXFSZ    25
#define LINUX_SIGVTALRM  26
#define LINUX_SIGPROF    27
#define LINUX_SIGWINCH   28
#define LINUX_SIGIO      29
#define LINUX_SIGPWR     30
#define LINUX_SIGSYS     31
#define LINUX_SIG_BLOCK    0
#define LINUX_SIG_UNBLOCK  1
#define LINUX_SIG_SETMASK  2

// ---- mmap(2) (same values on both arches) ----------------------------------------------------
#define LINUX_PROT_NONE      0
#define LINUX_PROT_READ      1
#define LINUX_PROT_WRITE     2
#define LINUX_PROT_EXEC      4
#define LINUX_MAP_SHARED     0x01
#define LINUX_MAP_PRIVATE    0x02
#define LINUX_MAP_FIXED      0x10
#define LINUX_MAP_ANONYMOUS  0x20
#define LINUX_MAP_NORESERVE  0x4000
#define LINUX_MAP_STACK      0x20000

// ---- futex(2) --------------------------------------------------------------------------------
#define LINUX_FUTEX_WAIT          0
#define LINUX_FUTEX_WAKE          1
#define LINUX_FUTEX_PRIVATE_FLAG  128
#define LINUX_FUTEX_WAIT_PRIVATE  (LINUX_FUTEX_WAIT | LINUX_FUTEX_PRIVATE_FLAG)
#define LINUX_FUTEX_WAKE_PRIVATE  (LINUX_FUTEX_WAKE | LINUX_FUTEX_PRIVATE_FLAG)

// ---- clone(2) --------------------------------------------------------------------------------
#define LINUX_CSIGNAL              0x000000ff
#define LINUX_CLONE_VM             0x00000100
#define LINUX_CLONE_FS             0x00000200
#define LINUX_CLONE_FILES          0x00000400
#define LINUX_CLONE_SIGHAND        0x00000800
#define LINUX_CLONE_VFORK          0x00004000
#define LINUX_CLONE_PARENT         0x00008000
#define LINUX_CLONE_THREAD         0x00010000
#define LINUX_CLONE_SYSVSEM        0x00040000
#define LINUX_CLONE_SETTLS         0x00080000
#define LINUX_CLONE_PARENT_SETTID  0x00100000
#define LINUX_CLONE_CHILD_CLEARTID 0x00200000
#define LINUX_CLONE_CHILD_SETTID   0x01000000

// ---- arch_prctl(2), x86-64 only ----------------------------------------------------------------
#define LINUX_ARCH_SET_GS 0x1001
#define LINUX_ARCH_SET_FS 0x1002
#define LINUX_ARCH_GET_FS 0x1003
#define LINUX_ARCH_GET_GS 0x1004

// ---- auxiliary vector (after envp's NULL on the initial stack) -------------------------------
#define LINUX_AT_NULL          0
#define LINUX_AT_PHDR          3
#define LINUX_AT_PHENT         4
#define LINUX_AT_PHNUM         5
#define LINUX_AT_PAGESZ        6
#define LINUX_AT_ENTRY         9
#define LINUX_AT_UID           11
#define LINUX_AT_HWCAP         16
#define LINUX_AT_CLKTCK        17
#define LINUX_AT_SECURE        23
#define LINUX_AT_RANDOM        25
#define LINUX_AT_HWCAP2        26
#define LINUX_AT_EXECFN        31
#define LINUX_AT_SYSINFO_EHDR  33   // the vDSO (shared/DESIGN.md)
#define LINUX_AT_MINSIGSTKSZ   51

// ---- structures --------------------------------------------------------------------------------
struct linux_timespec {
  long tv_sec;
  long tv_nsec;
};

// struct stat as fstat/newfstatat fill it. Two different layouts:
#if defined(__x86_64__)
// arch/x86/include/uapi/asm/stat.h (144 bytes): nlink before mode, 64-bit nlink.
struct linux_stat {
  unsigned long st_dev;
  unsigned long st_ino;
  unsigned long st_nlink;
  unsigned int st_mode;
  unsigned int st_uid;
  unsigned int st_gid;
  unsigned int pad0;
  unsigned long st_rdev;
  long st_size;
  long st_blksize;
  long st_blocks;
  struct linux_timespec st_atim;
  struct linux_timespec st_mtim;
  struct linux_timespec st_ctim;
  long reserved[3];
};
#elif defined(__aarch64__)
// include/uapi/asm-generic/stat.h (128 bytes): mode before nlink, 32-bit nlink and blksize.
struct linux_stat {
  unsigned long st_dev;
  unsigned long st_ino;
  unsigned int st_mode;
  unsigned int st_nlink;
  unsigned int st_uid;
  unsigned int st_gid;
  unsigned long st_rdev;
  unsigned long pad1;
  long st_size;
  int st_blksize;
  int pad2;
  long st_blocks;
  struct linux_timespec st_atim;
  struct linux_timespec st_mtim;
  struct linux_timespec st_ctim;
  unsigned int reserved4;
  unsigned int reserved5;
};
#endif

// struct new_utsname, filled by uname(2).
struct linux_utsname {
  char sysname[65];
  char nodename[65];
  char release[65];
  char version[65];
  char machine[65];
  char domainname[65];
};

// times(2)
struct linux_tms {
  long tms_utime;
  long tms_stime;
  long tms_cutime;
  long tms_cstime;
};

#ifdef __cplusplus
}
#endif
