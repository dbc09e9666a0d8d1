// kernel/syscall/handoff_syscalls.cpp - Handoff's own system calls
// (kernel/uapi/handoff.h): a window on the kernel's counters for tests and
// demos.
#include "kernel/mm/heap.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/proc/process.h"
#include "kernel/syscall/handlers.h"
#include "kernel/uaccess.h"
#include "kernel/uapi/handoff.h"

long sys_handoff_stats(uptr out, size_t size) {
    HandoffStats stats = {};
    // Empty slabs the heap keeps for reuse are not leaks: give them back
    // first so free_pages only moves when something is really held.
    kernel_heap().trim();
    stats.free_pages = page_allocator().free_page_count();
    stats.total_pages = page_allocator().total_page_count();
    HeapStats heap = kernel_heap().stats();
    stats.heap_allocations = heap.allocations;
    stats.heap_bytes = heap.bytes_in_use;
    stats.processes = process_count();
    stats.threads = thread_count();
    Thread* self = current_thread();
    stats.thread_syscalls = self->syscalls;
    stats.thread_switches = self->context_switches;
    stats.thread_traps = self->user_traps;
    if (size > sizeof stats) size = sizeof stats;
    if (copy_to_user(out, &stats, size)) return -EFAULT;
    return long(size);
}
