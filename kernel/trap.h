// kernel/trap.h - what the arch trap code calls in the arch-neutral kernel.
//
// The arch entry code (arch/<arch>/trap_entry.S or vectors.S, and the syscall
// entry) saves the user's registers in a TrapFrame on the thread's kernel
// stack and then calls exactly one of these. Compare xv6's usertrap() and
// Linux's do_syscall_64 / el0_svc + irqentry_exit_to_user_mode.
#pragma once

#include <stdint.h>

#include "kernel/proc/process.h"

struct TrapFrame;

// The system-call table (kernel/syscall/syscall.cpp): indexed by this arch's
// Linux number; entries without a handler are calls Handoff lacks.
using SyscallHandler = long (*)(const TrapFrame* frame);
struct SyscallEntry {
    const char* name;
    SyscallHandler handler;
};
extern const SyscallEntry* const g_syscall_table;
extern const uint64_t g_syscall_table_size;

// A system call from user mode. Reads the number and arguments through
// arch::syscall_*(), stores the result with arch::set_syscall_result(). An
// unknown number gives -ENOSYS, as on Linux. Inline: it is the middle of
// every system call (Linux's do_syscall_64 / invoke_syscall).
inline void syscall_dispatch(TrapFrame* frame) {
    // System calls run with interrupts on, like any kernel code that may
    // block; the entry code took them off.
    arch::interrupts_enable();
    current_thread()->syscalls++;
    uint64_t number = arch::syscall_number(frame);
    long result = -ENOSYS;
    if (number < g_syscall_table_size && g_syscall_table[number].handler)
        result = g_syscall_table[number].handler(frame);
    arch::set_syscall_result(frame, uint64_t(result));
}

enum class FaultAccess { kRead, kWrite, kExecute };

// A page fault on a user address (from user mode, or from the kernel while
// it copies to or from user memory). Returns true if it was resolved (demand
// paging) and the faulting instruction may simply run again.
// (kernel/mm/fault.cpp)
bool handle_user_page_fault(uintptr_t address, FaultAccess access);

// After handle_user_page_fault(address, ...) returned false: did `address`
// fall into the guard gap below the stack (and no region of its own)? Then
// the fault is reported as "stack overflow" rather than "page fault"; the
// signal stays SIGSEGV, as on Linux. A question about the address, not a
// remembered flag, so it needs no per-thread state and cannot go stale:
//   user_fault(kSigSegv, page_fault_hit_stack_guard(address) ? "stack overflow"
//                                                             : "page fault", address, pc);
// (kernel/mm/fault.cpp)
bool page_fault_hit_stack_guard(uintptr_t address);

// Signals a fault can end a process with (Linux numbers, asm-generic/signal.h).
constexpr int kSigIll = 4, kSigTrap = 5, kSigBus = 7, kSigFpe = 8, kSigKill = 9, kSigSegv = 11;

// A fault in user mode that cannot be resolved: kills the current process
// with `signal` after printing one line:
//   "pid 7 (/bin/crash): killed by page fault (signal 11) at address 0x0, pc 0x401234"
// `what` names the fault ("page fault", "undefined instruction", "divide
// error", "stack overflow"). Does not return.
[[noreturn]] void user_fault(int signal, const char* what, uintptr_t address, uintptr_t pc);

// Called by the arch right before it returns to user mode (after a system
// call, an interrupt or an exception from user mode, and before a new thread's
// first user instruction): reschedule if this thread's time slice ran out,
// exit if the process is being killed. Called with interrupts off, so no tick
// can slip in between the check and the return. The common case - nothing to
// do - is two loads inline; the rest is out of line (Linux's
// exit_to_user_mode_prepare tests one flags word the same way).
void prepare_return_to_user_slow(TrapFrame* frame);
inline void prepare_return_to_user(TrapFrame* frame) {
    Thread* self = current_thread();
    // (process is null only for the kernel's own tests that visit ring 3.)
    if (__builtin_expect(self->need_resched || (self->process && self->process->exiting), false))
        prepare_return_to_user_slow(frame);
}
