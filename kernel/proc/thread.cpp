// kernel/proc/thread.cpp - creating and freeing threads (see thread.h).
#include "kernel/proc/thread.h"

#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"

namespace {
// KERNEL_STACK_SIZE (16 KiB) as a buddy order: 2^2 pages.
constexpr unsigned kStackOrder = 2;
static_assert((kPageSize << kStackOrder) == KERNEL_STACK_SIZE);

int g_next_id = 1;  // pids and tids come from one counter, as in Linux
long g_thread_count = 0;  // live threads, for HandoffStats
}  // namespace

int allocate_id() { return __atomic_fetch_add(&g_next_id, 1, __ATOMIC_RELAXED); }

const char* thread_state_name(ThreadState state) {
    switch (state) {
        case ThreadState::kRunnable: return "runnable";
        case ThreadState::kRunning: return "running";
        case ThreadState::kBlocked: return "blocked";
        case ThreadState::kDead: return "dead";
    }
    return "?";
}

Thread* thread_create(Process* process, const char* name, void (*entry)(void*), void* arg) {
    Thread* thread = new Thread;
    if (!thread) return nullptr;
    uintptr_t stack = page_allocator().alloc_pages(kStackOrder);
    if (!stack) {
        delete thread;
        return nullptr;
    }
    thread->kernel_stack = arch::phys_to_virt(stack);
    __atomic_add_fetch(&g_thread_count, 1, __ATOMIC_RELAXED);
    thread->tid = allocate_id();
    thread->process = process;
    strlcpy(thread->name, name, sizeof thread->name);
    // A user thread's registers live in the TrapFrame at the very top of its
    // kernel stack (where the arch entry code saves them); its kernel code
    // runs on the stack below that frame.
    uintptr_t top = thread->kernel_stack_top();
    if (process) {
        thread->user_frame = reinterpret_cast<TrapFrame*>(top - sizeof(TrapFrame));
        top = uintptr_t(thread->user_frame);
        arch::init_user_cpu_state(&thread->user_state);
    }
    arch::init_thread_context(&thread->context, top, entry, arg);
    thread->state = ThreadState::kBlocked;  // not runnable until sched_start()
    thread->wait_reason = "new";
    return thread;
}

void thread_free(Thread* thread) {
    // An exited thread left the count in thread_exit (thread_count_out);
    // one that never ran (a failed clone) leaves it here.
    bool counted = !thread->counted_out;
    page_allocator().free_pages(arch::virt_to_phys(thread->kernel_stack), kStackOrder);
    delete thread;
    if (counted) __atomic_sub_fetch(&g_thread_count, 1, __ATOMIC_RELAXED);
}

void thread_count_out(Thread* thread) {
    // Counted out as it exits, not when its stack is freed: that happens
    // only at its CPU's next switch, which a parent reaping the process on
    // another CPU must not have to wait for to see an exact count.
    thread->counted_out = true;
    __atomic_sub_fetch(&g_thread_count, 1, __ATOMIC_RELAXED);
}

long thread_count() { return __atomic_load_n(&g_thread_count, __ATOMIC_RELAXED); }
