// kernel/proc/process.h - processes: an address space, open files, threads.
//
// A process owns an AddressSpace and an FdTable (both shareable, for
// threads and vfork) and one or more threads. Processes form a tree: each
// has a parent that collects its exit status with wait4(). A process whose
// last thread exits becomes a zombie until then; orphans are handed to init
// (pid 1), which reaps them. Compare xv6's proc.c (exit/wait/kill) and
// Linux's kernel/exit.c.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/lib/list.h"
#include "kernel/mm/address_space.h"
#include "kernel/sched/sched.h"

struct Process {
    int pid = 0;
    Process* parent = nullptr;
    int ppid = 0;                    // parent->pid, kept for a lock-free getppid()
    char name[64] = {};              // the program's path, as given to execve
    AddressSpace* mm = nullptr;
    FdTable* files = nullptr;
    char cwd[256] = "/";

    enum class State : uint8_t { kAlive, kZombie } state = State::kAlive;
    bool exiting = false;            // exit_group or a fatal fault: threads must die
    int exit_status = 0;             // Linux wait status: (code << 8) or signal number

    IntrusiveList<Thread, &Thread::process_node> threads;
    int live_threads = 0;

    ListNode sibling_node;           // parent's children list
    ListNode all_node;               // every process (for kill and /proc)
    IntrusiveList<Process, &Process::sibling_node> children;
    WaitQueue child_exit;            // wait4() sleeps here for a child to exit

    // vfork: the parent thread sleeps until the child execs or exits.
    WaitQueue vfork_done;
    bool vfork_released = true;
};

// The process tree lock: parent/children links, zombies, reaping.
SpinLock& process_tree_lock();

// Process 1, started by the kernel with argv (the init= program): on its
// own thread, which execs the program and enters user mode. When it exits,
// the kernel stops the machine with its exit status (that is how guest test
// programs report to tests/run_qemu.py).
void start_init_process(int argc, const char* const* argv);

// Processes alive or zombie (not yet reaped).
long process_count();

// The current thread's process.
inline Process* current_process() { return current_thread()->process; }

// Ends the calling thread (exit) or the whole process (exit_group / fatal
// signal). `status` is the Linux wait status. Never returns.
[[noreturn]] void thread_exit(int status);
[[noreturn]] void process_exit(int status);

// Loads `path` into a fresh address space of the current process and
// prepares `frame` to start it with argv/envp (kernel copies). On success the
// old address space is released (and a vfork parent woken). 0 or -errno; on
// failure the process is unchanged.
int process_exec(TrapFrame* frame, const char* path, int argc, const char* const* argv,
                 int envc, const char* const* envp);

// Looks a process up by pid (alive or zombie). Call with the tree lock held;
// the result is valid while it is held.
Process* find_process_locked(int pid);

// Makes every thread of process `pid` exit with `status` (a Linux wait
// status): blocked ones are woken, running ones interrupted. Returns at once:
// 0, or -ESRCH if there is no such live process. A negative status only
// checks that the process exists.
int process_kill_pid(int pid, int status);

// A child made by clone() that never ran (clone failed half way): undo it.
void process_exit_unstarted(Process* process);

// Linux wait status helpers.
constexpr int wait_status_exited(int code) { return (code & 0xff) << 8; }
constexpr int wait_status_signaled(int signal) { return signal & 0x7f; }
