// kernel/proc/thread.h - a kernel thread: the thing the scheduler runs.
//
// Every thread has its own kernel stack. A thread of a user process also has
// user registers: they are saved in the TrapFrame at the top of its kernel
// stack whenever it enters the kernel (system call, interrupt, fault). The
// runtime's Ms are exactly these threads (Linux's task_struct; xv6's proc,
// which is one thread per process).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/lib/list.h"

struct Process;

enum class ThreadState : uint8_t {
    kRunnable,  // on a run queue, waiting for a CPU
    kRunning,   // on a CPU right now
    kBlocked,   // waiting for something (wait_reason says what)
    kDead,      // exited; its stack is freed once it is off the CPU
};
const char* thread_state_name(ThreadState state);

struct Thread {
    arch::ThreadContext context;     // kernel registers while switched out
    arch::UserCpuState user_state;   // FP/SIMD registers, thread pointer
    int tid = 0;
    Process* process = nullptr;
    ThreadState state = ThreadState::kRunnable;
    bool on_cpu = false;             // still running on a CPU (even if kBlocked)
    bool counted_out = false;        // exited: no longer in thread_count()
    unsigned cpu = 0;                // the CPU whose run queue it is on / last ran on
    bool need_resched = false;       // time slice used up: schedule() before user mode
    const char* wait_reason = nullptr;  // while kBlocked: "wait4", "vfork", "sleep", ...
    uintptr_t kernel_stack = 0;      // lowest address of the kernel stack
    TrapFrame* user_frame = nullptr; // top of the kernel stack, for user threads
    uintptr_t clear_child_tid = 0;   // set_tid_address / CLONE_CHILD_CLEARTID
    int slice_ticks = 0;             // timer ticks left in this time slice
    char name[16] = {};              // for traces and reports

    // Counters a student can read (per-thread /proc later).
    uint64_t syscalls = 0;
    uint64_t user_traps = 0;         // exceptions from user mode other than syscalls
    uint64_t context_switches = 0;
    uint64_t run_cycles = 0;         // cycle-counter ticks spent on a CPU
    uint64_t blocked_cycles = 0;     // ... and blocked
    uint64_t switched_in_at = 0;     // when it last got a CPU
    uint64_t blocked_at = 0;         // when it last blocked

    ListNode sched_node;             // a run queue
    ListNode wait_node;              // a WaitQueue while blocked on one
    ListNode process_node;           // Process::threads
    ListNode all_node;               // every thread (for reports)

    uintptr_t kernel_stack_top() const { return kernel_stack + KERNEL_STACK_SIZE; }
};

// A new thread of `process` (nullptr: a kernel-only thread) that will run
// entry(arg) on its own kernel stack once the scheduler picks it. It is not
// runnable until sched_start(). nullptr when out of memory.
Thread* thread_create(Process* process, const char* name, void (*entry)(void*), void* arg);
// Frees a dead thread's stack and struct (called by the scheduler once the
// thread is off its CPU).
void thread_free(Thread* thread);
// Called by thread_exit before the process can be reaped: the thread no
// longer counts in thread_count().
void thread_count_out(Thread* thread);
// Threads created and not yet freed (idle threads not counted).
long thread_count();
