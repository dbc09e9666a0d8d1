// user/lib/spawn.h -- start a program in a new process, the way posix_spawn does.
//
// Handoff has no fork (no copy-on-write), and starting a program does not need one:
// clone(CLONE_VM | CLONE_VFORK) makes a child that runs in OUR memory, on OUR stack, while the
// kernel keeps us stopped until the child has called execve (and so has memory of its own) or
// exited. This is what glibc's posix_spawn does on Linux too, for the same reason: nothing is
// copied. Used by the shell (init), leakcheck and the test programs.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

// Starts `path` with `argv` and `envp` (NULL-terminated arrays). If out_fd >= 0 the child's
// standard output and standard error are that descriptor (dup3'd onto 1 and 2 before execve).
// Returns the child's pid, or -errno (Linux numbers) when clone or execve failed; a child that
// could not exec is reaped here.
long spawn_process(const char* path, const char* const argv[], const char* const envp[],
                   int out_fd);

#ifdef __cplusplus
}
#endif
