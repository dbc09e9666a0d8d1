// kernel/mm/fault.cpp - the page-fault hook the arch trap code calls for a
// fault on a user address (kernel/trap.h): hands it to the current
// process's address space, which pages in anonymous memory on first touch.
// Compare Linux's do_user_addr_fault (x86) / do_page_fault (arm64) calling
// handle_mm_fault, and xv6's usertrap, which has no demand paging and
// simply kills the process.
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/trap.h"

namespace {

// The address space of the thread that faulted; nullptr for a kernel
// thread (no user half at all) or a process between address spaces.
AddressSpace* faulting_mm() {
    Thread* thread = current_thread();
    Process* process = thread ? thread->process : nullptr;
    return process ? process->mm : nullptr;
}

}  // namespace

bool handle_user_page_fault(uintptr_t address, FaultAccess access) {
    AddressSpace* mm = faulting_mm();
    if (!mm) return false;
    return mm->handle_fault(address, access == FaultAccess::kWrite, access == FaultAccess::kExecute,
                            nullptr);
}

bool page_fault_hit_stack_guard(uintptr_t address) {
    AddressSpace* mm = faulting_mm();
    return mm && mm->in_stack_guard(address);
}
