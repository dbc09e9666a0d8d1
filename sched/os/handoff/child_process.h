// sched/os/handoff/child_process.h -- test support: start a program with its output on a
// descriptor (Handoff flavour: spawn_process, vfork + execve, from user/lib/spawn.h).
#pragma once

#include "spawn.h"

extern char** environ;

// Starts `path` with `argv`, our environment, stdout and stderr on out_fd. Returns the pid or
// -errno (Linux's numbers, which newlib's errno.h shares).
inline long startChildProcess(const char* path, const char* const argv[], int out_fd) {
  return spawn_process(path, argv, const_cast<const char* const*>(environ), out_fd);
}
