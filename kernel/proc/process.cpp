// kernel/proc/process.cpp - process life cycle: init, exit, reaping (see process.h).
#include "kernel/proc/process.h"

#include "kernel/fs/vfs.h"
#include "kernel/futex/futex.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/trap.h"
#include "kernel/uaccess.h"

int allocate_id();  // kernel/proc/thread.cpp

namespace {
SpinLock g_tree_lock;
Process* g_init = nullptr;
long g_process_count = 0;
IntrusiveList<Process, &Process::all_node> g_all_processes;  // under g_tree_lock

// Kernel copies of init's argv, kept for the init thread's first exec.
struct InitArgs {
    int argc;
    const char* const* argv;
};
InitArgs g_init_args;

// Process 1's first thread: exec the init program, then drop to user mode.
void init_thread_main(void*) {
    Thread* self = current_thread();
    const char* envp[] = {"HOME=/", "PATH=/bin", "TERM=vt100", nullptr};
    int err = process_exec(self->user_frame, g_init_args.argv[0], g_init_args.argc, g_init_args.argv, 3,
                           envp);
    if (err) panic("cannot run init program %s: error %d", g_init_args.argv[0], -err);
    arch::return_to_user(self->user_frame);
}

// Hands `dying`'s children to init, which reaps them (Linux: reparenting
// to the child reaper). Called with the tree lock held.
void reparent_children(Process* dying) {
    while (Process* child = dying->children.pop_front()) {
        child->parent = g_init;
        __atomic_store_n(&child->ppid, g_init->pid, __ATOMIC_RELAXED);
        g_init->children.push_back(*child);
    }
}
}  // namespace

SpinLock& process_tree_lock() { return g_tree_lock; }

long process_count() { return __atomic_load_n(&g_process_count, __ATOMIC_RELAXED); }

// Every Process is made and freed through these two, so the count is right.
static Process* process_new() {
    Process* process = new Process;
    if (!process) return nullptr;
    __atomic_add_fetch(&g_process_count, 1, __ATOMIC_RELAXED);
    SpinLockGuard guard(g_tree_lock);
    g_all_processes.push_back(*process);
    return process;
}

static void process_delete(Process* process) {
    {
        SpinLockGuard guard(g_tree_lock);
        g_all_processes.remove(*process);
    }
    delete process;
    __atomic_sub_fetch(&g_process_count, 1, __ATOMIC_RELAXED);
}

Process* find_process_locked(int pid) {
    for (Process& p : g_all_processes)
        if (p.pid == pid) return &p;
    return nullptr;
}


void start_init_process(int argc, const char* const* argv) {
    Process* init = process_new();
    if (!init) panic("out of memory creating init");
    init->pid = 1;
    init->files = FdTable::create();
    if (!init->files) panic("out of memory creating init's files");
    // stdin, stdout and stderr: the console.
    for (int fd = 0; fd < 3; fd++) {
        File* console = console_file();
        if (!console || init->files->install(console) != fd) panic("cannot open the console for init");
    }
    g_init = init;
    g_init_args = {argc, argv};
    Thread* thread = thread_create(init, "init", init_thread_main, nullptr);
    if (!thread) panic("out of memory creating init's thread");
    init->threads.push_back(*thread);
    init->live_threads = 1;
    // pid 1 must be 1: the counter's first value went to this thread; give
    // init's thread the same number, as Linux's main thread has tid == pid.
    thread->tid = 1;
    sched_start(thread);
}

// The last thread of a process is leaving: release what the process holds,
// make it a zombie and tell the parent. Runs on the dying thread.
static void process_release(Process* process, int status) {
    if (process->files) {
        process->files->put();
        process->files = nullptr;
    }
    if (process->mm) {
        // We are still running on this address space: move to the kernel's
        // own tables before the last reference frees the user page tables.
        arch::kernel_page_table().activate();
        AddressSpace* mm = process->mm;
        process->mm = nullptr;
        mm->put();
    }
    if (!process->vfork_released) {
        process->vfork_released = true;
        process->vfork_done.wake_all();
    }
    if (process == g_init) {
        int code = (status >> 8) & 0xff, signal = status & 0x7f;
        if (signal)
            kprintf("init (%s) was killed by signal %d; stopping\n", process->name, signal);
        else
            kprintf("init (%s) exited with status %d; stopping\n", process->name, code);
        arch::shutdown(signal ? 128 + signal : code);
    }
    Process* parent;
    {
        SpinLockGuard guard(g_tree_lock);
        process->exit_status = status;
        reparent_children(process);
        process->state = Process::State::kZombie;
        parent = process->parent;
    }
    // Wake the parent (or init, if it got the zombie by reparenting just now).
    if (parent) parent->child_exit.wake_all();
    g_init->child_exit.wake_all();
}

[[noreturn]] void thread_exit(int status) {
    Thread* self = current_thread();
    Process* process = self->process;
    // CLONE_CHILD_CLEARTID: tell a joiner we are gone - zero the tid word and
    // wake one thread sleeping on it (Linux's mm_release). A bad address is
    // ignored.
    if (self->clear_child_tid && put_user(self->clear_child_tid, int(0)) == 0)
        futex_wake(process->mm, self->clear_child_tid, 1);
    bool last;
    {
        SpinLockGuard guard(g_tree_lock);
        process->threads.remove(*self);
        last = --process->live_threads == 0;
    }
    thread_count_out(self);
    if (last) process_release(process, status);
    // From here on the parent may reap (free) the process at any moment.
    self->process = nullptr;
    {
        InterruptsOffGuard irqs_off;
        self->state = ThreadState::kDead;
    }
    schedule();
    panic("dead thread %d was scheduled", self->tid);
}

// Called with the tree lock held.
static void kill_locked(Process* process, int status, Thread* except) {
    if (!process->exiting) {
        process->exiting = true;
        process->exit_status = status;
    }
    // Every thread must die (Linux's zap_other_threads): one blocked in the
    // kernel is woken, gives up its wait and exits on its way back to user
    // mode; one running on another CPU is interrupted so it notices now
    // rather than at its next tick. The last one out releases the process.
    for (Thread& t : process->threads) {
        if (&t == except) continue;
        if (!sched_wake(&t) && __atomic_load_n(&t.on_cpu, __ATOMIC_ACQUIRE))
            arch::send_reschedule_ipi(t.cpu);
    }
}

int process_kill_pid(int pid, int status) {
    SpinLockGuard guard(g_tree_lock);
    Process* target = find_process_locked(pid);
    if (!target || target->state == Process::State::kZombie) return -ESRCH;
    if (status >= 0) kill_locked(target, status, nullptr);
    return 0;
}

[[noreturn]] void process_exit(int status) {
    Process* process = current_process();
    {
        SpinLockGuard guard(g_tree_lock);
        kill_locked(process, status, current_thread());
        status = process->exit_status;  // the first exit's status wins
    }
    thread_exit(status);
}

void prepare_return_to_user_slow(TrapFrame*) {
    Thread* self = current_thread();
    if (self->process && self->process->exiting) thread_exit(self->process->exit_status);
    if (self->need_resched) schedule();
}

[[noreturn]] void user_fault(int signal, const char* what, uintptr_t address, uintptr_t pc) {
    Process* process = current_process();
    kprintf("pid %d (%s): killed by %s (signal %d) at address 0x%lx, pc 0x%lx\n", process->pid,
            process->name, what, signal, address, pc);
    process_exit(wait_status_signaled(signal));
}

// Finds a zombie child matching `pid` (-1: any). Called with the tree lock.
// Sets *have_children if any child matches at all.
static Process* find_zombie(Process* parent, int pid, bool* have_children) {
    *have_children = false;
    for (Process& child : parent->children) {
        if (pid != -1 && child.pid != pid) continue;
        *have_children = true;
        if (child.state == Process::State::kZombie) return &child;
    }
    return nullptr;
}

long process_wait(int pid, int* status, bool nohang) {
    Process* self = current_process();
    Process* zombie = nullptr;
    bool have_children = false;
    bool waited = self->child_exit.wait_until(
        [&] {
            SpinLockGuard guard(g_tree_lock);
            zombie = find_zombie(self, pid, &have_children);
            return zombie || !have_children || nohang;
        },
        "wait4");
    if (!waited) return -EINTR;  // we are being killed
    if (!zombie) return have_children ? 0 : -ECHILD;
    {
        SpinLockGuard guard(g_tree_lock);
        self->children.remove(*zombie);
    }
    // Its threads are all dead. The last one may still be on its way off
    // its CPU, but it no longer touches the Process (thread_exit clears its
    // pointer right after releasing it), so the struct can go now.
    *status = zombie->exit_status;
    int reaped = zombie->pid;
    process_delete(zombie);
    return reaped;
}

Process* process_create_child(Process* parent) {
    Process* child = process_new();
    if (!child) return nullptr;
    child->pid = allocate_id();
    child->parent = parent;
    child->ppid = parent->pid;
    strlcpy(child->name, parent->name, sizeof child->name);
    strlcpy(child->cwd, parent->cwd, sizeof child->cwd);
    SpinLockGuard guard(g_tree_lock);
    parent->children.push_back(*child);
    return child;
}

void process_exit_unstarted(Process* process) {
    {
        SpinLockGuard guard(g_tree_lock);
        if (process->parent) process->parent->children.remove(*process);
    }
    if (process->files) process->files->put();
    if (process->mm) process->mm->put();
    process_delete(process);
}
