// user/lib/sysnum.h -- Linux system call numbers used by Handoff user programs.
//
// Handoff's syscall ABI is a subset of Linux's (shared/DESIGN.md), so these are Linux's numbers:
// x86-64 from arch/x86/entry/syscalls/syscall_64.tbl, aarch64 from the generic table
// (include/uapi/asm-generic/unistd.h). The two tables are unrelated: read is 0 on x86-64 and
// 63 on aarch64. aarch64 (like every newer port) has no legacy calls -- no open, pipe, fork,
// epoll_wait, dup2, stat... -- only their *at / *2 / p* successors; those legacy numbers are
// defined for x86-64 only, so portable code must use the successors (openat, pipe2, clone,
// epoll_pwait, dup3, newfstatat). arch_prctl exists only on x86-64 (aarch64 sets TPIDR_EL0
// from user mode directly).
// Checked against Debian 12's linux-libc-dev (x86-64) and linux-libc-dev-arm64-cross headers.
// Calls Handoff adds itself (trace buffer, kernel stats...) use numbers >= 1024 on both arches;
// they belong to the kernel's own header, not here.
#pragma once

#if defined(__x86_64__)
#define SYS_read               0
#define SYS_write              1
#define SYS_readv              19
#define SYS_writev             20
#define SYS_pread64            17
#define SYS_pwrite64           18
#define SYS_open               2
#define SYS_openat             257
#define SYS_close              3
#define SYS_fstat              5
#define SYS_newfstatat         262
#define SYS_lseek              8
#define SYS_brk                12
#define SYS_mmap               9
#define SYS_munmap             11
#define SYS_mprotect           10
#define SYS_madvise            28
#define SYS_exit               60
#define SYS_exit_group         231
#define SYS_getpid             39
#define SYS_getppid            110
#define SYS_gettid             186
#define SYS_uname              63
#define SYS_clock_gettime      228
#define SYS_clock_getres       229
#define SYS_gettimeofday       96
#define SYS_nanosleep          35
#define SYS_clock_nanosleep    230
#define SYS_sched_yield        24
#define SYS_set_tid_address    218
#define SYS_ioctl              16
#define SYS_fcntl              72
#define SYS_arch_prctl         158
#define SYS_clone              56
#define SYS_fork               57
#define SYS_vfork              58
#define SYS_execve             59
#define SYS_wait4              61
#define SYS_futex              202
#define SYS_pipe               22
#define SYS_pipe2              293
#define SYS_sched_getaffinity  204
#define SYS_sched_setaffinity  203
#define SYS_kill               62
#define SYS_tgkill             234
#define SYS_rt_sigaction       13
#define SYS_rt_sigprocmask     14
#define SYS_rt_sigreturn       15
#define SYS_sigaltstack        131
#define SYS_epoll_create1      291
#define SYS_epoll_ctl          233
#define SYS_epoll_wait         232
#define SYS_epoll_pwait        281
#define SYS_eventfd2           290
#define SYS_ppoll              271
#define SYS_socket             41
#define SYS_socketpair         53
#define SYS_bind               49
#define SYS_listen             50
#define SYS_accept             43
#define SYS_accept4            288
#define SYS_connect            42
#define SYS_shutdown           48
#define SYS_sendto             44
#define SYS_recvfrom           45
#define SYS_sendmsg            46
#define SYS_recvmsg            47
#define SYS_getsockname        51
#define SYS_getpeername        52
#define SYS_setsockopt         54
#define SYS_getsockopt         55
#define SYS_getcpu             309
#define SYS_dup                32
#define SYS_dup3               292
#define SYS_getdents64         217
#define SYS_chdir              80
#define SYS_getcwd             79
#define SYS_mkdirat            258
#define SYS_unlinkat           263
#define SYS_linkat             265
#define SYS_renameat           264
#define SYS_faccessat          269
#define SYS_readlinkat         267
#define SYS_ftruncate          77
#define SYS_fsync              74
#define SYS_times              100
#define SYS_getrandom          318
#define SYS_getuid             102
#define SYS_geteuid            107
#define SYS_getgid             104
#define SYS_getegid            108
#define SYS_umask              95
#define SYS_prlimit64          302
#define SYS_getrusage          98
#elif defined(__aarch64__)
#define SYS_read               63
#define SYS_write              64
#define SYS_readv              65
#define SYS_writev             66
#define SYS_pread64            67
#define SYS_pwrite64           68
#define SYS_openat             56
#define SYS_close              57
#define SYS_fstat              80
#define SYS_newfstatat         79
#define SYS_lseek              62
#define SYS_brk                214
#define SYS_mmap               222
#define SYS_munmap             215
#define SYS_mprotect           226
#define SYS_madvise            233
#define SYS_exit               93
#define SYS_exit_group         94
#define SYS_getpid             172
#define SYS_getppid            173
#define SYS_gettid             178
#define SYS_uname              160
#define SYS_clock_gettime      113
#define SYS_clock_getres       114
#define SYS_gettimeofday       169
#define SYS_nanosleep          101
#define SYS_clock_nanosleep    115
#define SYS_sched_yield        124
#define SYS_set_tid_address    96
#define SYS_ioctl              29
#define SYS_fcntl              25
#define SYS_clone              220
#define SYS_execve             221
#define SYS_wait4              260
#define SYS_futex              98
#define SYS_pipe2              59
#define SYS_sched_getaffinity  123
#define SYS_sched_setaffinity  122
#define SYS_kill               129
#define SYS_tgkill             131
#define SYS_rt_sigaction       134
#define SYS_rt_sigprocmask     135
#define SYS_rt_sigreturn       139
#define SYS_sigaltstack        132
#define SYS_epoll_create1      20
#define SYS_epoll_ctl          21
#define SYS_epoll_pwait        22
#define SYS_eventfd2           19
#define SYS_ppoll              73
#define SYS_socket             198
#define SYS_socketpair         199
#define SYS_bind               200
#define SYS_listen             201
#define SYS_accept             202
#define SYS_accept4            242
#define SYS_connect            203
#define SYS_shutdown           210
#define SYS_sendto             206
#define SYS_recvfrom           207
#define SYS_sendmsg            211
#define SYS_recvmsg            212
#define SYS_getsockname        204
#define SYS_getpeername        205
#define SYS_setsockopt         208
#define SYS_getsockopt         209
#define SYS_getcpu             168
#define SYS_dup                23
#define SYS_dup3               24
#define SYS_getdents64         61
#define SYS_chdir              49
#define SYS_getcwd             17
#define SYS_mkdirat            34
#define SYS_unlinkat           35
#define SYS_linkat             37
#define SYS_renameat           38
#define SYS_faccessat          48
#define SYS_readlinkat         78
#define SYS_ftruncate          46
#define SYS_fsync              82
#define SYS_times              153
#define SYS_getrandom          278
#define SYS_getuid             174
#define SYS_geteuid            175
#define SYS_getgid             176
#define SYS_getegid            177
#define SYS_umask              166
#define SYS_prlimit64          261
#define SYS_getrusage          165
#else
#error "sysnum.h: unsupported architecture"
#endif
