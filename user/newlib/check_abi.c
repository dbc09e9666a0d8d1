/* user/newlib/check_abi.c -- compile-time check of user/lib's Linux ABI tables.
 *
 * Compiled (not run) by user/newlib/selftest.sh with the HOST toolchains, i.e. against glibc
 * and the Linux UAPI headers of Debian 12, for both arches:
 *   gcc                   -fsyntax-only user/newlib/check_abi.c -Iuser/lib
 *   aarch64-linux-gnu-gcc -fsyntax-only user/newlib/check_abi.c -Iuser/lib
 * Every LINUX_* constant, SYS_* number and struct linux_stat layout we wrote by hand is
 * compared with the system's own definition; a mismatch is a compile error.
 */
#define _GNU_SOURCE 1
#include <asm/unistd.h> /* __NR_* only (glibc's <sys/syscall.h> would clash with SYS_*) */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#if defined(__x86_64__)
#include <asm/prctl.h>
#endif

#include "linux_abi.h"
#include "linux_errno.h"
#include "sysnum.h"

#define SAME(ours, theirs) _Static_assert((ours) == (theirs), #ours " != " #theirs)

/* ---- system call numbers ---- */
#define NR(n) SAME(SYS_##n, __NR_##n)
NR(read); NR(write); NR(readv); NR(writev); NR(pread64); NR(pwrite64); NR(openat); NR(close);
NR(fstat); NR(newfstatat); NR(lseek); NR(brk); NR(mmap); NR(munmap); NR(mprotect); NR(madvise);
NR(exit); NR(exit_group); NR(getpid); NR(getppid); NR(gettid); NR(uname); NR(clock_gettime);
NR(clock_getres); NR(gettimeofday); NR(nanosleep); NR(clock_nanosleep); NR(sched_yield);
NR(set_tid_address); NR(ioctl); NR(fcntl); NR(clone); NR(execve); NR(wait4); NR(futex);
NR(pipe2); NR(sched_getaffinity); NR(sched_setaffinity); NR(kill); NR(tgkill);
NR(rt_sigaction); NR(rt_sigprocmask); NR(rt_sigreturn); NR(sigaltstack); NR(epoll_create1);
NR(epoll_ctl); NR(epoll_pwait); NR(eventfd2); NR(ppoll); NR(socket); NR(socketpair); NR(bind);
NR(listen); NR(accept); NR(accept4); NR(connect); NR(shutdown); NR(sendto); NR(recvfrom);
NR(sendmsg); NR(recvmsg); NR(getsockname); NR(getpeername); NR(setsockopt); NR(getsockopt);
NR(getcpu); NR(dup); NR(dup3); NR(getdents64); NR(chdir); NR(getcwd); NR(mkdirat);
NR(unlinkat); NR(linkat); NR(renameat); NR(faccessat); NR(readlinkat); NR(ftruncate);
NR(fsync); NR(times); NR(getrandom); NR(getuid); NR(geteuid); NR(getgid); NR(getegid);
NR(umask); NR(prlimit64); NR(getrusage);
#if defined(__x86_64__)
NR(open); NR(arch_prctl); NR(fork); NR(vfork); NR(pipe); NR(epoll_wait);
#else
#if defined(SYS_open) || defined(SYS_arch_prctl) || defined(SYS_fork) || defined(SYS_pipe)
#error "aarch64 has no open/arch_prctl/fork/pipe system calls"
#endif
#endif

/* ---- errno (Linux's, not glibc-specific: glibc uses the kernel's numbers) ---- */
SAME(LINUX_EPERM, EPERM); SAME(LINUX_ENOENT, ENOENT); SAME(LINUX_EINTR, EINTR);
SAME(LINUX_EBADF, EBADF); SAME(LINUX_EAGAIN, EAGAIN); SAME(LINUX_ENOMEM, ENOMEM);
SAME(LINUX_EFAULT, EFAULT); SAME(LINUX_EINVAL, EINVAL); SAME(LINUX_ENOTTY, ENOTTY);
SAME(LINUX_ESPIPE, ESPIPE); SAME(LINUX_EPIPE, EPIPE); SAME(LINUX_EDEADLK, EDEADLK);
SAME(LINUX_ENAMETOOLONG, ENAMETOOLONG); SAME(LINUX_ENOSYS, ENOSYS);
SAME(LINUX_ENOTEMPTY, ENOTEMPTY); SAME(LINUX_ELOOP, ELOOP); SAME(LINUX_EOVERFLOW, EOVERFLOW);
SAME(LINUX_ENOTSOCK, ENOTSOCK); SAME(LINUX_EOPNOTSUPP, EOPNOTSUPP);
SAME(LINUX_EAFNOSUPPORT, EAFNOSUPPORT); SAME(LINUX_EADDRINUSE, EADDRINUSE);
SAME(LINUX_ECONNRESET, ECONNRESET); SAME(LINUX_ENOTCONN, ENOTCONN);
SAME(LINUX_ETIMEDOUT, ETIMEDOUT); SAME(LINUX_ECONNREFUSED, ECONNREFUSED);
SAME(LINUX_EINPROGRESS, EINPROGRESS); SAME(LINUX_EALREADY, EALREADY);
SAME(LINUX_ECANCELED, ECANCELED); SAME(LINUX_EOWNERDEAD, EOWNERDEAD);
SAME(LINUX_EHWPOISON, EHWPOISON); SAME(LINUX_EMAX, EHWPOISON);

/* ---- open / at / fcntl ---- */
SAME(LINUX_O_CREAT, O_CREAT); SAME(LINUX_O_EXCL, O_EXCL); SAME(LINUX_O_NOCTTY, O_NOCTTY);
SAME(LINUX_O_TRUNC, O_TRUNC); SAME(LINUX_O_APPEND, O_APPEND); SAME(LINUX_O_NONBLOCK, O_NONBLOCK);
SAME(LINUX_O_DSYNC, O_DSYNC); SAME(LINUX_O_ASYNC, O_ASYNC); SAME(LINUX_O_DIRECT, O_DIRECT);
SAME(LINUX_O_DIRECTORY, O_DIRECTORY); SAME(LINUX_O_NOFOLLOW, O_NOFOLLOW);
SAME(LINUX_O_NOATIME, O_NOATIME); SAME(LINUX_O_CLOEXEC, O_CLOEXEC); SAME(LINUX_O_SYNC, O_SYNC);
SAME(LINUX_O_PATH, O_PATH);
SAME(LINUX_AT_FDCWD, AT_FDCWD); SAME(LINUX_AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW);
SAME(LINUX_AT_REMOVEDIR, AT_REMOVEDIR); SAME(LINUX_AT_EACCESS, AT_EACCESS);
SAME(LINUX_AT_SYMLINK_FOLLOW, AT_SYMLINK_FOLLOW); SAME(LINUX_AT_EMPTY_PATH, AT_EMPTY_PATH);
SAME(LINUX_F_DUPFD, F_DUPFD); SAME(LINUX_F_GETFD, F_GETFD); SAME(LINUX_F_SETFD, F_SETFD);
SAME(LINUX_F_GETFL, F_GETFL); SAME(LINUX_F_SETFL, F_SETFL); SAME(LINUX_F_GETLK, F_GETLK);
SAME(LINUX_F_SETLK, F_SETLK); SAME(LINUX_F_SETLKW, F_SETLKW); SAME(LINUX_F_SETOWN, F_SETOWN);
SAME(LINUX_F_GETOWN, F_GETOWN); SAME(LINUX_F_DUPFD_CLOEXEC, F_DUPFD_CLOEXEC);
SAME(LINUX_FD_CLOEXEC, FD_CLOEXEC);
SAME(LINUX_TCGETS, TCGETS); SAME(LINUX_TIOCGWINSZ, TIOCGWINSZ); SAME(LINUX_FIONBIO, FIONBIO);

/* ---- clocks ---- */
SAME(LINUX_CLOCK_REALTIME, CLOCK_REALTIME); SAME(LINUX_CLOCK_MONOTONIC, CLOCK_MONOTONIC);
SAME(LINUX_CLOCK_PROCESS_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID);
SAME(LINUX_CLOCK_THREAD_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID);
SAME(LINUX_CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_RAW);
SAME(LINUX_CLOCK_REALTIME_COARSE, CLOCK_REALTIME_COARSE);
SAME(LINUX_CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_COARSE);
SAME(LINUX_CLOCK_BOOTTIME, CLOCK_BOOTTIME); SAME(LINUX_TIMER_ABSTIME, TIMER_ABSTIME);

/* ---- signals ---- */
SAME(LINUX_SIGHUP, SIGHUP); SAME(LINUX_SIGINT, SIGINT); SAME(LINUX_SIGQUIT, SIGQUIT);
SAME(LINUX_SIGILL, SIGILL); SAME(LINUX_SIGTRAP, SIGTRAP); SAME(LINUX_SIGABRT, SIGABRT);
SAME(LINUX_SIGBUS, SIGBUS); SAME(LINUX_SIGFPE, SIGFPE); SAME(LINUX_SIGKILL, SIGKILL);
SAME(LINUX_SIGUSR1, SIGUSR1); SAME(LINUX_SIGSEGV, SIGSEGV); SAME(LINUX_SIGUSR2, SIGUSR2);
SAME(LINUX_SIGPIPE, SIGPIPE); SAME(LINUX_SIGALRM, SIGALRM); SAME(LINUX_SIGTERM, SIGTERM);
SAME(LINUX_SIGSTKFLT, SIGSTKFLT); SAME(LINUX_SIGCHLD, SIGCHLD); SAME(LINUX_SIGCONT, SIGCONT);
SAME(LINUX_SIGSTOP, SIGSTOP); SAME(LINUX_SIGTSTP, SIGTSTP); SAME(LINUX_SIGTTIN, SIGTTIN);
SAME(LINUX_SIGTTOU, SIGTTOU); SAME(LINUX_SIGURG, SIGURG); SAME(LINUX_SIGXCPU, SIGXCPU);
SAME(LINUX_SIGXFSZ, SIGXFSZ); SAME(LINUX_SIGVTALRM, SIGVTALRM); SAME(LINUX_SIGPROF, SIGPROF);
SAME(LINUX_SIGWINCH, SIGWINCH); SAME(LINUX_SIGIO, SIGIO); SAME(LINUX_SIGPWR, SIGPWR);
SAME(LINUX_SIGSYS, SIGSYS); SAME(LINUX_SIG_BLOCK, SIG_BLOCK); SAME(LINUX_SIG_UNBLOCK, SIG_UNBLOCK);
SAME(LINUX_SIG_SETMASK, SIG_SETMASK);

/* ---- mmap, futex, clone, arch_prctl, auxv ---- */
SAME(LINUX_PROT_READ, PROT_READ); SAME(LINUX_PROT_WRITE, PROT_WRITE);
SAME(LINUX_PROT_EXEC, PROT_EXEC); SAME(LINUX_MAP_SHARED, MAP_SHARED);
SAME(LINUX_MAP_PRIVATE, MAP_PRIVATE); SAME(LINUX_MAP_FIXED, MAP_FIXED);
SAME(LINUX_MAP_ANONYMOUS, MAP_ANONYMOUS); SAME(LINUX_MAP_NORESERVE, MAP_NORESERVE);
SAME(LINUX_MAP_STACK, MAP_STACK);
SAME(LINUX_FUTEX_WAIT, FUTEX_WAIT); SAME(LINUX_FUTEX_WAKE, FUTEX_WAKE);
SAME(LINUX_FUTEX_WAIT_PRIVATE, FUTEX_WAIT_PRIVATE); SAME(LINUX_FUTEX_WAKE_PRIVATE, FUTEX_WAKE_PRIVATE);
SAME(LINUX_CLONE_VM, CLONE_VM); SAME(LINUX_CLONE_FS, CLONE_FS); SAME(LINUX_CLONE_FILES, CLONE_FILES);
SAME(LINUX_CLONE_SIGHAND, CLONE_SIGHAND); SAME(LINUX_CLONE_VFORK, CLONE_VFORK);
SAME(LINUX_CLONE_PARENT, CLONE_PARENT); SAME(LINUX_CLONE_THREAD, CLONE_THREAD);
SAME(LINUX_CLONE_SYSVSEM, CLONE_SYSVSEM); SAME(LINUX_CLONE_SETTLS, CLONE_SETTLS);
SAME(LINUX_CLONE_PARENT_SETTID, CLONE_PARENT_SETTID);
SAME(LINUX_CLONE_CHILD_CLEARTID, CLONE_CHILD_CLEARTID);
SAME(LINUX_CLONE_CHILD_SETTID, CLONE_CHILD_SETTID);
#if defined(__x86_64__)
SAME(LINUX_ARCH_SET_FS, ARCH_SET_FS); SAME(LINUX_ARCH_GET_FS, ARCH_GET_FS);
SAME(LINUX_ARCH_SET_GS, ARCH_SET_GS); SAME(LINUX_ARCH_GET_GS, ARCH_GET_GS);
#endif
SAME(LINUX_AT_NULL, AT_NULL); SAME(LINUX_AT_PHDR, AT_PHDR); SAME(LINUX_AT_PHENT, AT_PHENT);
SAME(LINUX_AT_PHNUM, AT_PHNUM); SAME(LINUX_AT_PAGESZ, AT_PAGESZ); SAME(LINUX_AT_ENTRY, AT_ENTRY);
SAME(LINUX_AT_UID, AT_UID); SAME(LINUX_AT_HWCAP, AT_HWCAP); SAME(LINUX_AT_CLKTCK, AT_CLKTCK);
SAME(LINUX_AT_SECURE, AT_SECURE); SAME(LINUX_AT_RANDOM, AT_RANDOM); SAME(LINUX_AT_HWCAP2, AT_HWCAP2);
SAME(LINUX_AT_EXECFN, AT_EXECFN); SAME(LINUX_AT_SYSINFO_EHDR, AT_SYSINFO_EHDR);
SAME(LINUX_AT_MINSIGSTKSZ, 51);

/* ---- structures: glibc's struct stat is the kernel's on both arches ---- */
#define FIELD(f) SAME(offsetof(struct linux_stat, f), offsetof(struct stat, f))
SAME(sizeof(struct linux_stat), sizeof(struct stat));
FIELD(st_dev); FIELD(st_ino); FIELD(st_nlink); FIELD(st_mode); FIELD(st_uid); FIELD(st_gid);
FIELD(st_rdev); FIELD(st_size); FIELD(st_blksize); FIELD(st_blocks); FIELD(st_atim);
FIELD(st_mtim); FIELD(st_ctim);
SAME(sizeof(((struct linux_stat*)0)->st_nlink), sizeof(((struct stat*)0)->st_nlink));
SAME(sizeof(((struct linux_stat*)0)->st_blksize), sizeof(((struct stat*)0)->st_blksize));
SAME(sizeof(struct linux_utsname), sizeof(struct utsname));
SAME(offsetof(struct linux_utsname, machine), offsetof(struct utsname, machine));
SAME(sizeof(struct linux_tms), sizeof(struct tms));
SAME(sizeof(struct linux_timespec), sizeof(struct timespec));
