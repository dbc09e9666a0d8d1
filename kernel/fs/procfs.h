// kernel/fs/procfs.h - /proc: the kernel's state, read as text files.
//
// Nothing under /proc is stored anywhere: opening a file asks the kernel
// about a process or thread right then and writes the answer, as text, into
// a buffer the File keeps; read() copies from that buffer (so no kernel lock
// is held while user memory is touched). Linux's fs/proc/ works the same way
// (seq_file fills its buffer when read); the Go articles count a program's
// threads with `grep Threads /proc/<pid>/status`.
//
//   /proc/<pid>/status             Name, State, Tgid, Pid, PPid, Threads, ...
//   /proc/<pid>/stat               one line in Linux's 52-field format
//   /proc/<pid>/task/<tid>/status  one thread: State, and Handoff's own lines:
//                                  Wchan (why it is blocked: futex, sleep,
//                                  pipe, disk, wait4, vfork, tty read), Cpu,
//                                  Syscalls, Traps, Ctxt_switches, Run_ns,
//                                  Blocked_ns
//   /proc/<pid>/task/<tid>/stat    that thread's stat line
//   /proc/self, /proc/thread-self  the caller's own <pid>, <pid>/task/<tid>
//                                  (symlinks on Linux; here the same nodes)
//   /proc/disk                     the slow disk's counters (Handoff's own;
//                                  Linux's nearest is /proc/diskstats)
// State letters as Linux: R running or runnable, S sleeping, D waiting for
// the disk (Linux's uninterruptible sleep), Z zombie.
//
// Processes come and go, but the file tree never frees a node, so the
// <pid> and <tid> directories come from a fixed pool, relabelled for
// whatever is looked up (procfs.cpp explains). Their files answer ENOENT
// once the process or thread is gone.
#pragma once

#include "kernel/fs/inode.h"

// Adds /proc to `tree` under `root`. Called once while the tree is built
// (kernel/fs/vfs.cpp). False when out of memory.
bool procfs_add(FsTree& tree, Inode* root);

// Is there a thread `tid` (of any process, zombies' none)? For system calls
// that take a pid or tid (sched_getaffinity). Walks the process tree.
bool proc_tid_exists(int tid);
