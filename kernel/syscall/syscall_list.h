// kernel/syscall/syscall_list.h - every system call Handoff implements.
//
// SYSCALL(name, x86-64 number, AArch64 number). The numbers
// are Linux's (x86-64: arch/x86/entry/syscalls/syscall_64.tbl; AArch64: the
// generic include/uapi/asm-generic/unistd.h), so unmodified Linux programs
// and the same test binaries run on both Handoff and Linux. -1: the call
// does not exist on that arch. Calls Linux lacks use numbers >= 1024 on
// both arches (DESIGN.md). The handlers are declared in handlers.h and
// named sys_<name>.
//
// Included several times with different SYSCALL definitions (an "X macro").

//      name               x86-64  aarch64
SYSCALL(read,                  0,     63)
SYSCALL(write,                 1,     64)
SYSCALL(close,                 3,     57)
SYSCALL(fstat,                 5,     80)
SYSCALL(lseek,                 8,     62)
SYSCALL(mmap,                  9,    222)
SYSCALL(mprotect,             10,    226)
SYSCALL(munmap,               11,    215)
SYSCALL(brk,                  12,    214)
SYSCALL(ioctl,                16,     29)
SYSCALL(pread64,              17,     67)
SYSCALL(readv,                19,     65)
SYSCALL(writev,               20,     66)
SYSCALL(pipe,                 22,     -1)
SYSCALL(sched_yield,          24,    124)
SYSCALL(dup,                  32,     23)
SYSCALL(nanosleep,            35,    101)
SYSCALL(getpid,               39,    172)
SYSCALL(clone,                56,    220)
SYSCALL(execve,               59,    221)
SYSCALL(exit,                 60,     93)
SYSCALL(wait4,                61,    260)
SYSCALL(kill,                 62,    129)
SYSCALL(uname,                63,    160)
SYSCALL(getcwd,               79,     17)
SYSCALL(chdir,                80,     49)
SYSCALL(gettimeofday,         96,    169)
SYSCALL(getuid,              102,    174)
SYSCALL(getgid,              104,    176)
SYSCALL(geteuid,             107,    175)
SYSCALL(getegid,             108,    177)
SYSCALL(getppid,             110,    173)
SYSCALL(arch_prctl,          158,     -1)
SYSCALL(gettid,              186,    178)
SYSCALL(futex,               202,     98)
SYSCALL(sched_setaffinity,   203,    122)
SYSCALL(sched_getaffinity,   204,    123)
SYSCALL(getdents64,          217,     61)
SYSCALL(set_tid_address,     218,     96)
SYSCALL(clock_gettime,       228,    113)
SYSCALL(clock_getres,        229,    114)
SYSCALL(clock_nanosleep,     230,    115)
SYSCALL(exit_group,          231,     94)
SYSCALL(openat,              257,     56)
SYSCALL(newfstatat,          262,     79)
SYSCALL(dup3,                292,     24)
SYSCALL(pipe2,               293,     59)
SYSCALL(getcpu,              309,    168)
// Handoff's own (kernel/uapi/handoff.h)
SYSCALL(handoff_stats,      1024,   1024)
SYSCALL(handoff_disk_stats, 1025,   1025)
