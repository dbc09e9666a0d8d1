// kernel/syscall/handlers.h - the system-call handlers, one per entry of
// syscall_list.h. Each takes its arguments with their C types (the table's
// adapter converts the raw 64-bit registers) and returns the result or a
// negative errno, exactly what the user sees in rax / x0.
//
// Where they live: process calls in kernel/proc/proc_syscalls.cpp, memory in
// kernel/mm/mm_syscalls.cpp, files in kernel/fs/fs_syscalls.cpp, time and
// identity in kernel/syscall/misc_syscalls.cpp.
#pragma once

#include <stddef.h>
#include <stdint.h>

using uptr = uintptr_t;  // a user-space address: never dereferenced directly

// Files
long sys_read(int fd, uptr buf, size_t count);
long sys_write(int fd, uptr buf, size_t count);
long sys_pread64(int fd, uptr buf, size_t count, int64_t offset);
long sys_readv(int fd, uptr iov, int iovcnt);
long sys_writev(int fd, uptr iov, int iovcnt);
long sys_openat(int dirfd, uptr path, int flags, unsigned mode);
long sys_close(int fd);
long sys_fstat(int fd, uptr statbuf);
long sys_newfstatat(int dirfd, uptr path, uptr statbuf, int flags);
long sys_lseek(int fd, int64_t offset, int whence);
long sys_ioctl(int fd, unsigned long request, uptr arg);
long sys_getdents64(int fd, uptr dirp, size_t count);
long sys_dup(int fd);
long sys_dup3(int oldfd, int newfd, int flags);
long sys_getcwd(uptr buf, size_t size);
long sys_chdir(uptr path);
long sys_pipe(uptr fds);                          // kernel/fs/pipe.cpp
long sys_pipe2(uptr fds, int flags);
// epoll (kernel/fs/eventpoll.cpp) and eventfd (kernel/fs/eventfd.cpp)
long sys_epoll_create(int size);
long sys_epoll_create1(int flags);
long sys_epoll_ctl(int epfd, int op, int fd, uptr event);
long sys_epoll_wait(int epfd, uptr events, int maxevents, int timeout_ms);
long sys_epoll_pwait(int epfd, uptr events, int maxevents, int timeout_ms, uptr sigmask,
                     size_t sigsetsize);
long sys_eventfd(unsigned initval);
long sys_eventfd2(unsigned initval, int flags);
// AF_UNIX stream sockets (kernel/net/unix_socket.cpp)
long sys_socket(int family, int type, int protocol);
long sys_socketpair(int family, int type, int protocol, uptr fds);
long sys_bind(int fd, uptr addr, int addrlen);
long sys_listen(int fd, int backlog);
long sys_connect(int fd, uptr addr, int addrlen);
long sys_accept(int fd, uptr addr, uptr addrlen);
long sys_accept4(int fd, uptr addr, uptr addrlen, int flags);
long sys_shutdown(int fd, int how);

// Memory
long sys_brk(uptr addr);
long sys_mmap(uptr addr, size_t length, int prot, int flags, int fd, int64_t offset);
long sys_munmap(uptr addr, size_t length);
long sys_mprotect(uptr addr, size_t length, int prot);

// Processes and threads
long sys_exit(int status);
long sys_exit_group(int status);
long sys_getpid();
long sys_getppid();
long sys_gettid();
long sys_clone(unsigned long flags, uptr stack, uptr parent_tid, uptr arg3, uptr arg4);
long sys_execve(uptr path, uptr argv, uptr envp);
long sys_wait4(int pid, uptr wstatus, int options, uptr rusage);
long sys_kill(int pid, int sig);
long sys_set_tid_address(uptr tidptr);
long sys_sched_yield();
long sys_getcpu(uptr cpu, uptr node, uptr cache);
long sys_arch_prctl(int code, uptr addr);
long sys_futex(uptr uaddr, int op, uint32_t val, uptr timeout, uptr uaddr2,
              uint32_t val3);  // kernel/futex/futex.cpp
// kernel/syscall/affinity_syscalls.cpp
long sys_sched_getaffinity(int pid, size_t len, uptr mask);
long sys_sched_setaffinity(int pid, size_t len, uptr mask);

// Time and identity
long sys_clock_gettime(int clock, uptr ts);
long sys_clock_getres(int clock, uptr ts);
long sys_gettimeofday(uptr tv, uptr tz);
long sys_nanosleep(uptr req, uptr rem);
long sys_clock_nanosleep(int clock, int flags, uptr req, uptr rem);
long sys_uname(uptr buf);
long sys_getuid();
long sys_getgid();
long sys_geteuid();
long sys_getegid();

// Handoff's own (kernel/uapi/handoff.h)
long sys_handoff_stats(uptr out, size_t size);
long sys_handoff_disk_stats(uptr out, size_t size);  // drivers/slow_disk.cpp
