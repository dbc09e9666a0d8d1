// user/lib/spawn.cpp -- spawn_process: vfork + execve (see spawn.h).
#include "spawn.h"

#include "linux_abi.h"
#include "syscall.h"

// Rules for the child, which runs on our stack until it execs: make nothing but raw, inline
// system calls; never return from this function (that would pop our frame under our feet); call
// no function that might write the stack. If execve fails, the child leaves the error in
// `exec_error` -- our memory, shared -- and exits; we read it when we run again.
extern "C" __attribute__((noinline)) long spawn_process(const char* path, const char* const argv[],
                                                        const char* const envp[], int out_fd) {
  volatile long exec_error = 0;
  long pid = syscall5(SYS_clone, LINUX_CLONE_VM | LINUX_CLONE_VFORK | LINUX_SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) {  // the child
    long r = 0;
    if (out_fd >= 0 && out_fd != 1) r = syscall3(SYS_dup3, out_fd, 1, 0);
    if (r >= 0 && out_fd >= 0 && out_fd != 2) r = syscall3(SYS_dup3, out_fd, 2, 0);
    if (r >= 0)
      r = syscall3(SYS_execve, reinterpret_cast<long>(path), reinterpret_cast<long>(argv),
                   reinterpret_cast<long>(envp));
    exec_error = r;
    for (;;) syscall1(SYS_exit, 127);
  }
  if (syscall_failed(pid)) return pid;  // clone failed: no child
  if (exec_error != 0) {
    int status;
    syscall4(SYS_wait4, pid, reinterpret_cast<long>(&status), 0, 0);  // reap it
    return exec_error;
  }
  return pid;
}
