// kernel/proc/proc_syscalls.cpp - system calls about processes and threads.
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/proc/process.h"
#include "kernel/syscall/handlers.h"
#include "kernel/uaccess.h"

long process_wait(int pid, int* status, bool nohang);  // process.cpp
Process* process_create_child(Process* parent);       // process.cpp

long sys_exit(int status) { thread_exit(wait_status_exited(status)); }

long sys_exit_group(int status) { process_exit(wait_status_exited(status)); }

long sys_getpid() { return current_process()->pid; }

// The parent's pid is cached in the child (and updated when the child is
// handed to init), so this needs no lock: the parent may be exiting on
// another CPU right now.
long sys_getppid() { return __atomic_load_n(&current_process()->ppid, __ATOMIC_RELAXED); }

long sys_gettid() { return current_thread()->tid; }

long sys_set_tid_address(uptr tidptr) {
    current_thread()->clear_child_tid = tidptr;
    return current_thread()->tid;
}

long sys_sched_yield() {
    schedule();
    return 0;
}

// The CPU we are running on right now (it may change at the next
// instruction: the answer is a hint, as on Linux). One NUMA node: 0.
long sys_getcpu(uptr cpu, uptr node, uptr /*cache: unused since Linux 2.6.24*/) {
    unsigned id = arch::cpu_id(), zero = 0;
    if (cpu && put_user(cpu, id)) return -EFAULT;
    if (node && put_user(node, zero)) return -EFAULT;
    return 0;
}

// ---- clone -------------------------------------------------------------------
namespace {
// Linux's clone flags (include/uapi/linux/sched.h).
constexpr unsigned long kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400,
                        kCloneSighand = 0x800, kCloneVfork = 0x4000, kCloneThread = 0x10000,
                        kCloneSysvsem = 0x40000, kCloneSettls = 0x80000,
                        kCloneParentSettid = 0x100000, kCloneChildCleartid = 0x200000,
                        kCloneChildSettid = 0x1000000;
constexpr unsigned long kCloneSignalMask = 0xff;  // the signal sent to the parent at exit
constexpr unsigned long kCloneSupported = kCloneSignalMask | kCloneVm | kCloneFs | kCloneFiles |
                                          kCloneSighand | kCloneVfork | kCloneThread | kCloneSysvsem |
                                          kCloneSettls | kCloneParentSettid | kCloneChildCleartid |
                                          kCloneChildSettid;

// The child's first kernel code: its registers are a copy of the parent's
// at the clone() call, with 0 as the result. Off to user mode.
void clone_child_main(void*) { arch::return_to_user(current_thread()->user_frame); }
}  // namespace

long sys_clone(unsigned long flags, uptr stack, uptr parent_tid, uptr arg3, uptr arg4) {
    // The last two arguments come in a different order on the two arches
    // (x86-64: child_tid, tls; AArch64 and most others: tls, child_tid).
    uptr child_tid = arch::kSyscallColumn == 0 ? arg3 : arg4;
    uptr tls = arch::kSyscallColumn == 0 ? arg4 : arg3;
    if (flags & ~kCloneSupported) return -EINVAL;
    // Linux's rules: threads share signal handlers, which share memory.
    if ((flags & kCloneThread) && !(flags & kCloneSighand)) return -EINVAL;
    if ((flags & kCloneSighand) && !(flags & kCloneVm)) return -EINVAL;
    // A child with its own copy of memory (fork) needs copy-on-write,
    // which Handoff does not have: programs start others with vfork +
    // execve, as posix_spawn does.
    if (!(flags & kCloneVm)) return -ENOSYS;

    Process* parent = current_process();
    Thread* parent_thread = current_thread();
    Process* process = parent;
    if (!(flags & kCloneThread)) {
        process = process_create_child(parent);
        if (!process) return -ENOMEM;
        process->mm = parent->mm;
        process->mm->get();
        if (flags & kCloneFiles) {
            process->files = parent->files;
            process->files->get();
        } else {
            process->files = parent->files->clone();
        }
        if (!process->files) {
            process_exit_unstarted(process);
            return -ENOMEM;
        }
    }
    Thread* thread = thread_create(process, parent_thread->name, clone_child_main, nullptr);
    if (!thread) {
        if (process != parent) process_exit_unstarted(process);
        return -ENOMEM;
    }
    *thread->user_frame = *parent_thread->user_frame;
    arch::set_syscall_result(thread->user_frame, 0);
    if (stack) arch::set_user_stack_pointer(thread->user_frame, stack);
    arch::save_user_cpu_state(&thread->user_state);  // the parent's FP registers, live now
    if (flags & kCloneSettls) {
        if (tls >= arch::kUserTop) {  // Linux: -EPERM for a non-user TLS address
            thread_free(thread);
            if (process != parent) process_exit_unstarted(process);
            return -EPERM;
        }
        arch::set_thread_pointer(&thread->user_state, tls);
    }
    if (flags & kCloneChildCleartid) thread->clear_child_tid = child_tid;
    // Both TID stores go to memory the two share (CLONE_VM).
    if ((flags & kCloneParentSettid) && put_user(parent_tid, int(thread->tid))) {
        thread_free(thread);
        if (process != parent) process_exit_unstarted(process);
        return -EFAULT;
    }
    if (flags & kCloneChildSettid) put_user(child_tid, int(thread->tid));

    int tid = thread->tid;
    {
        SpinLockGuard guard(process_tree_lock());
        process->threads.push_back(*thread);
        process->live_threads++;
    }
    if (process != parent) process->pid = tid;  // a process's first thread: tid == pid
    if (flags & kCloneVfork) process->vfork_released = false;
    sched_start(thread);
    // vfork: the child borrows our memory and stack until it execs or
    // exits, so we must not run until then.
    if (flags & kCloneVfork)
        process->vfork_done.wait_until([&] { return process->vfork_released; }, "vfork");
    return tid;
}

// ---- execve ------------------------------------------------------------------
namespace {
constexpr size_t kMaxPath = 4096;
constexpr int kMaxArgs = 1024;              // argv + envp entries
constexpr size_t kMaxArgBytes = 128 * 1024;  // their strings together (Linux: MAX_ARG_STRLEN-ish)

// Kernel copies of execve's arguments, in one heap block freed afterwards.
struct ExecArgs {
    char path[kMaxPath];
    const char* argv[kMaxArgs + 1];
    const char* envp[kMaxArgs + 1];
    int argc = 0, envc = 0;
    char strings[kMaxArgBytes];
    size_t used = 0;

    // Copies the NULL-terminated user array `list` into `out`. 0 or -errno.
    int copy_list(uptr list, const char** out, int* count) {
        *count = 0;
        if (!list) {  // Linux accepts NULL argv/envp as empty
            out[0] = nullptr;
            return 0;
        }
        for (;;) {
            uptr item;
            if (get_user(&item, list + uintptr_t(*count) * sizeof(uptr))) return -EFAULT;
            if (!item) break;
            if (argc + envc + *count >= kMaxArgs) return -E2BIG;
            long len = copy_string_from_user(strings + used, item, kMaxArgBytes - used);
            if (len == -ENAMETOOLONG) return -E2BIG;
            if (len < 0) return int(len);
            out[(*count)++] = strings + used;
            used += size_t(len) + 1;
        }
        out[*count] = nullptr;
        return 0;
    }
};
}  // namespace

long sys_execve(uptr path, uptr argv, uptr envp) {
    ExecArgs* args = new ExecArgs;
    if (!args) return -ENOMEM;
    long err = copy_string_from_user(args->path, path, kMaxPath);
    if (err >= 0) err = args->copy_list(argv, args->argv, &args->argc);
    if (err >= 0) err = args->copy_list(envp, args->envp, &args->envc);
    if (err >= 0)
        err = process_exec(current_thread()->user_frame, args->path, args->argc, args->argv, args->envc,
                           args->envp);
    delete args;
    return err < 0 ? err : 0;
}

// ---- wait4 -------------------------------------------------------------------
long sys_wait4(int pid, uptr wstatus, int options, uptr rusage) {
    constexpr int kWnohang = 1, kWuntraced = 2, kWcontinued = 8, kWall = 0x40000000,
                  kWclone = int(0x80000000u), kWnothread = 0x20000000;
    if (options & ~(kWnohang | kWuntraced | kWcontinued | kWall | kWclone | kWnothread)) return -EINVAL;
    // No process groups in Handoff: "any child in my group" is any child.
    if (pid == 0 || pid < -1) pid = -1;
    int status = 0;
    long reaped = process_wait(pid, &status, options & kWnohang);
    if (reaped <= 0) return reaped;
    if (wstatus && put_user(wstatus, status)) return -EFAULT;
    if (rusage) {
        // struct rusage: 2 timevals and 14 longs, all zero (not accounted yet).
        static const uint8_t zeros[144] = {};
        if (copy_to_user(rusage, zeros, sizeof zeros)) return -EFAULT;
    }
    return reaped;
}

// x86-64 only (AArch64 has no such call: TPIDR_EL0 is written from EL0).
long sys_arch_prctl(int code, uptr addr) { return arch::prctl(&current_thread()->user_state, code, addr); }

// ---- kill ----------------------------------------------------------------------
// Handoff has no signal handlers yet, so a signal can only do its default
// action (Linux's signal(7) table): terminate the process, or nothing for
// the few that are ignored by default. Stopping (SIGSTOP, SIGTSTP, ...) is
// not implemented and those are accepted and ignored. Only single processes
// are addressed: there are no process groups (pid 0 or < -1) and kill(-1, ...)
// ("everyone") is refused with -EPERM rather than taking the machine down.
long sys_kill(int pid, int sig) {
    constexpr int kSigChld = 17, kSigCont = 18, kSigStop = 19, kSigTstp = 20, kSigTtin = 21,
                  kSigTtou = 22, kSigUrg = 23, kSigWinch = 28, kMaxSignal = 64;
    if (sig < 0 || sig > kMaxSignal) return -EINVAL;
    if (pid <= 0) return pid == -1 ? -EPERM : -ESRCH;
    bool terminates = true;
    switch (sig) {
        case 0:                                                      // "does it exist?"
        case kSigChld: case kSigCont: case kSigUrg: case kSigWinch:  // ignored by default
        case kSigStop: case kSigTstp: case kSigTtin: case kSigTtou:  // stopping: not implemented
            terminates = false;
    }
    return process_kill_pid(pid, terminates ? wait_status_signaled(sig) : -1);
}
