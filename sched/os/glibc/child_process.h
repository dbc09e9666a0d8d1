// sched/os/glibc/child_process.h -- test support: start a program with its output on a
// descriptor (glibc flavour: posix_spawn, which is vfork + execve on Linux).
#pragma once

#include <spawn.h>
#include <sys/types.h>

extern char** environ;

// Starts `path` with `argv`, our environment, stdout and stderr on out_fd. Returns the pid or
// -errno.
inline long startChildProcess(const char* path, const char* const argv[], int out_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  pid_t pid;
  int err = posix_spawn(&pid, path, &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  return err ? -err : pid;
}
