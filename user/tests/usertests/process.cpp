// user/tests/usertests/process.cpp -- tests of processes and threads: clone, execve, exit,
// exit_group, wait4, kill, getpid, getppid, gettid, set_tid_address, getuid & co.
// (kernel/proc/proc_syscalls.cpp), user faults (arch/<arch>/traps.cpp), and the roles
// usertests plays when it runs itself as a child (child_* below).
//
// Three ways to get a second process or thread, all without fork (Handoff has no
// copy-on-write, so clone without CLONE_VM is ENOSYS there):
//   - ut::spawn / ut::run_self: vfork (CLONE_VM | CLONE_VFORK) + execve of this program;
//   - a CLONE_VM child (no CLONE_VFORK) that runs beside us in our memory, on its own stack,
//     until we let it go -- the only way to have a child that is certainly still running;
//   - a CLONE_THREAD thread.
// The last two are started with libhandoff's __handoff_clone (clone.S) and share our thread
// pointer (no CLONE_SETTLS), so they make raw system calls only: no errno, no printf.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff.h"
#include "thread.h"
#include "ut.h"

extern char** environ;

using ut::sys;

namespace {

constexpr long kPage = 4096;

// A stack for a clone child: 64 KiB, 16-byte aligned; clone.S takes its top.
struct ChildStack {
  alignas(16) char bytes[64 * 1024];
  void* top() { return bytes + sizeof bytes; }
};

// Waits up to `seconds` for `pid` to end, polling with WNOHANG so a child that never ends
// fails the test instead of hanging it. The pid, or -errno, or 0 on timeout.
long wait_bounded(long pid, int* status, int seconds) {
  long r = 0;
  ut::wait_until([&] { return (r = sys(SYS_wait4, pid, status, 1 /* WNOHANG */, nullptr)) != 0; },
                 seconds);
  return r;
}

// ---- a CLONE_VM child that waits for us --------------------------------------------------
struct VmChild {
  volatile int ready;       // the child has filled in what it saw
  volatile int go;          // we let it exit
  volatile long pid, ppid, tid;
  volatile long value;      // we write, the child answers value + 1 in `echo`
  volatile long echo;
};

void vm_child_main(void* arg) {
  auto* s = static_cast<VmChild*>(arg);
  s->pid = syscall0(SYS_getpid);
  s->ppid = syscall0(SYS_getppid);
  s->tid = syscall0(SYS_gettid);
  __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&s->go, __ATOMIC_ACQUIRE)) syscall0(SYS_sched_yield);
  s->echo = s->value + 1;
  for (;;) syscall1(SYS_exit, 7);
}

// Starts one. Statics, not locals: if a test gives up on the child, it may still be running
// and writing there after the test function has returned.
long start_vm_child(VmChild* s, ChildStack* stack) {
  memset(const_cast<VmChild*>(s), 0, sizeof *s);
  return __handoff_clone(LINUX_CLONE_VM | LINUX_SIGCHLD, stack->top(), nullptr, nullptr, nullptr,
                         vm_child_main, s);
}

// ---- the fault kinds (child_fault) --------------------------------------------------------
void fault_null() {
  // The empty asm hides the value from the compiler: a store through a pointer it KNOWS is
  // NULL is undefined behaviour, and g++ would simply delete it.
  int* p = nullptr;
  __asm__ volatile("" : "+r"(p));
  *p = 1;
}

void fault_ud() {
#if defined(__x86_64__)
  __asm__ volatile("ud2");  // "undefined instruction", defined to raise #UD
#else
  __asm__ volatile("udf #0");  // permanently undefined
#endif
}

void fault_div() {
#if defined(__x86_64__)
  // div by a zero register: #DE. (AArch64's udiv returns 0 instead of trapping.)
  __asm__ volatile("xor %%ecx, %%ecx\n\tdiv %%ecx" ::: "eax", "edx", "ecx");
#endif
}

void fault_kernel() { (void)*reinterpret_cast<volatile long*>(ut::kKernelHere); }

void fault_rodata() {
  static const char kLiteral[] = "read-only";
  *const_cast<volatile char*>(kLiteral) = 'R';
}

// The limit is a volatile the compiler cannot see through: without it g++ rightly calls
// this "infinite recursion" -- which is the point.
volatile long g_depth_limit = 1L << 40;

__attribute__((noinline)) long recurse(long depth) {
  volatile char frame[1024];  // volatile: the frames must really be there
  frame[0] = static_cast<char>(depth);
  if (depth >= g_depth_limit) return 0;
  return recurse(depth + 1) + frame[0];  // not a tail call: every frame stays
}
void fault_stack() { recurse(0); }

char* map_page(int prot) {
  long r = sys(SYS_mmap, nullptr, kPage, prot, LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS, -1, 0);
  return syscall_failed(r) ? nullptr : reinterpret_cast<char*>(r);
}

void fault_munmap() {
  char* p = map_page(LINUX_PROT_READ | LINUX_PROT_WRITE);
  if (!p) return;
  p[0] = 1;
  sys(SYS_munmap, p, kPage);
  (void)*static_cast<volatile char*>(p);
}

void fault_mprotect() {
  char* p = map_page(LINUX_PROT_READ | LINUX_PROT_WRITE);
  if (!p) return;
  p[0] = 1;
  sys(SYS_mprotect, p, kPage, LINUX_PROT_READ);
  *static_cast<volatile char*>(p) = 2;
}

void fault_protnone() {
  char* p = map_page(LINUX_PROT_READ | LINUX_PROT_WRITE);
  if (!p) return;
  p[0] = 1;
  sys(SYS_mprotect, p, kPage, LINUX_PROT_NONE);
  (void)*static_cast<volatile char*>(p);
}

void fault_exec_data() {
  // A function that just returns, written into a page mapped read-write but not
  // executable: calling it must fault (NX / XN), not run.
  char* p = map_page(LINUX_PROT_READ | LINUX_PROT_WRITE);
  if (!p) return;
#if defined(__x86_64__)
  p[0] = static_cast<char>(0xc3);  // ret
#else
  const unsigned ret = 0xd65f03c0;  // ret
  memcpy(p, &ret, sizeof ret);
#endif
  reinterpret_cast<void (*)()>(p)();
}

struct FaultAction {
  const char* name;
  void (*run)();
};
constexpr FaultAction kFaultActions[] = {
    {"null", fault_null},         {"ud", fault_ud},
    {"div", fault_div},           {"kernel", fault_kernel},
    {"rodata", fault_rodata},     {"stack", fault_stack},
    {"munmap", fault_munmap},     {"mprotect", fault_mprotect},
    {"protnone", fault_protnone}, {"exec-data", fault_exec_data},
};

// "3,60" -> {3, 60}; returns the count.
int parse_fds(const char* list, long* out, int max) {
  int n = 0;
  while (*list && n < max) {
    char* end;
    out[n++] = strtol(list, &end, 10);
    list = *end == ',' ? end + 1 : end;
    if (end == list && *end != ',') break;
  }
  return n;
}

}  // namespace

namespace ut {

const FaultKind kFaultKinds[] = {
    {"null", LINUX_SIGSEGV, "write through a NULL pointer"},
    {"ud", LINUX_SIGILL, "an undefined instruction"},
#if defined(__x86_64__)
    {"div", LINUX_SIGFPE, "integer division by zero"},
#else
    {"div", 0, "integer division by zero (does not trap on AArch64)"},
#endif
    {"kernel", LINUX_SIGSEGV, "read a kernel address"},
    {"rodata", LINUX_SIGSEGV, "write a string literal (.rodata)"},
    {"stack", LINUX_SIGSEGV, "endless recursion (stack overflow)"},
    {"exec-data", LINUX_SIGSEGV, "jump into a page without PROT_EXEC"},
};
const size_t kFaultKindCount = sizeof kFaultKinds / sizeof kFaultKinds[0];

int child_fault(const char* kind) {
  for (const FaultAction& f : kFaultActions) {
    if (strcmp(f.name, kind) != 0) continue;
    fflush(stdout);
    f.run();
    printf("usertests --fault %s: still alive after the fault\n", kind);
    return 99;
  }
  printf("usertests --fault: no fault kind '%s'\n", kind);
  return 98;
}

int child_check_args(int argc, char** argv, char** envp) {
  // Two shapes (test_execve_args): with arguments and three variables, or none of either.
  static const char* const kArgs[] = {"one", "two words", "", "last"};
  static const char* const kEnv[] = {"UT_A=1", "UT_B=two words", "UT_EMPTY="};
  int envc = 0;
  while (envp[envc]) envc++;
  printf("  (child: argc=%d, %d environment strings)\n", argc, envc);
  if (argc == 2) return envc == 0 ? 0 : 3;
  if (argc != 6 || envc != 3) return 3;
  for (int i = 0; i < 4; i++)
    if (strcmp(argv[2 + i], kArgs[i]) != 0) return 4;
  for (int i = 0; i < 3; i++)
    if (strcmp(envp[i], kEnv[i]) != 0) return 5;
  const char* b = getenv("UT_B");  // newlib's environ is the same array
  if (!b || strcmp(b, "two words") != 0) return 6;
  return 0;
}

int child_check_ppid(const char* parent_pid) {
  long parent = strtol(parent_pid, nullptr, 10);
  long pid = sys(SYS_getpid), ppid = sys(SYS_getppid), tid = sys(SYS_gettid);
  if (ppid != parent || pid == parent || tid != pid) {
    printf("  (child: pid %ld, ppid %ld, tid %ld; parent said %ld)\n", pid, ppid, tid, parent);
    return 1;
  }
  return 0;
}

int child_check_fds(const char* closed_fds, const char* open_fds) {
  long fds[16];
  linux_stat st;
  int bad = 0;
  for (int i = 0, n = parse_fds(closed_fds, fds, 16); i < n; i++) {
    if (sys(SYS_fstat, fds[i], &st) != -LINUX_EBADF) {
      printf("  (child: fd %ld should have been closed by execve)\n", fds[i]);
      bad = 1;
    }
  }
  for (int i = 0, n = parse_fds(open_fds, fds, 16); i < n; i++) {
    if (sys(SYS_fstat, fds[i], &st) != 0) {
      printf("  (child: fd %ld should have stayed open across execve)\n", fds[i]);
      bad = 1;
    }
  }
  return bad;
}

}  // namespace ut

void test_exit_status() {
  int status;
  for (int code : {0, 1, 42, 255}) {
    char arg[16];
    snprintf(arg, sizeof arg, "%d", code);
    long pid = EXPECT_OK(ut::run_self({"--exit", arg}, &status));
    if (pid > 0) {
      EXPECT(pid != sys(SYS_getpid));
      EXPECT_EXIT(status, code, "exit_group");
    }
  }
  // Only the low 8 bits of the status reach the parent.
  if (EXPECT_OK(ut::run_self({"--exit", "300"}, &status)) > 0)
    EXPECT_EXIT(status, 300 & 0xff, "exit_group(300)");
  // exit (one thread) from a process's only thread ends the process with that status.
  if (EXPECT_OK(ut::run_self({"--exit-thread", "5"}, &status)) > 0) EXPECT_EXIT(status, 5, "exit");
}

void test_execve_errors() {
  // A failed execve returns to its caller, so these run right here. (Had one wrongly
  // succeeded, this test's own process would be gone -- and the runner would say so.)
  const char* argv[] = {"x", nullptr};
  const char* envp[] = {nullptr};
  char path[512];
  snprintf(path, sizeof path, "%s/missing", ut::etc_dir());
  EXPECT_ERR(sys(SYS_execve, path, argv, envp), LINUX_ENOENT);
  EXPECT_ERR(sys(SYS_execve, "", argv, envp), LINUX_ENOENT);
  EXPECT_ERR(sys(SYS_execve, ut::not_elf_path(), argv, envp), LINUX_ENOEXEC);  // mode 0755, text
  EXPECT_ERR(sys(SYS_execve, ut::motd_path(), argv, envp), LINUX_EACCES);      // no execute bit
  EXPECT_ERR(sys(SYS_execve, ut::etc_dir(), argv, envp), LINUX_EACCES);        // a directory
  snprintf(path, sizeof path, "%s/x", ut::motd_path());
  EXPECT_ERR(sys(SYS_execve, path, argv, envp), LINUX_ENOTDIR);
  for (uintptr_t p : ut::kBadPointers) {
    EXPECT_ERR(sys(SYS_execve, p, argv, envp), LINUX_EFAULT);
    if (p == 0) continue;  // NULL argv/envp are allowed (as empty lists)
    EXPECT_ERR(sys(SYS_execve, ut::self_path(), p, envp), LINUX_EFAULT);
    EXPECT_ERR(sys(SYS_execve, ut::self_path(), argv, p), LINUX_EFAULT);
  }
  // A bad string inside argv.
  const char* bad_argv[] = {"x", reinterpret_cast<const char*>(ut::kKernelHere), nullptr};
  EXPECT_ERR(sys(SYS_execve, ut::self_path(), bad_argv, envp), LINUX_EFAULT);
  EXPECT_RESULT(sys(SYS_getpid), getpid());  // still us
}

void test_execve_args() {
  const char* argv[] = {ut::self_path(), "--check-args", "one", "two words", "", "last", nullptr};
  const char* envp[] = {"UT_A=1", "UT_B=two words", "UT_EMPTY=", nullptr};
  fflush(stdout);
  long pid = EXPECT_OK(ut::spawn(ut::self_path(), argv, envp));
  int status;
  if (pid > 0 && EXPECT_RESULT(ut::wait_for(pid, &status), pid))
    EXPECT_EXIT(status, 0, "child checking its argv and envp");
  // An empty environment arrives empty.
  const char* argv2[] = {ut::self_path(), "--check-args", nullptr};
  const char* none[] = {nullptr};
  pid = EXPECT_OK(ut::spawn(ut::self_path(), argv2, none));
  if (pid > 0 && EXPECT_RESULT(ut::wait_for(pid, &status), pid))
    EXPECT_EXIT(status, 0, "child checking an empty environment");
}

void test_wait4() {
  int status = 0;
  // No children yet (each test runs in a fresh process).
  EXPECT_ERR(sys(SYS_wait4, -1, &status, 0, nullptr), LINUX_ECHILD);
  EXPECT_ERR(sys(SYS_wait4, -1, &status, 1 /* WNOHANG */, nullptr), LINUX_ECHILD);
  EXPECT_ERR(sys(SYS_wait4, sys(SYS_getpid), &status, 0, nullptr), LINUX_ECHILD);
  EXPECT_ERR(sys(SYS_wait4, -1, &status, 4 /* WEXITED: waitid's only */, nullptr), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_wait4, -1, &status, 0x1000, nullptr), LINUX_EINVAL);

  const char* exit3[] = {ut::self_path(), "--exit", "3", nullptr};
  const char* exit4[] = {ut::self_path(), "--exit", "4", nullptr};
  auto envp = const_cast<const char* const*>(environ);
  // A status pointer the kernel cannot write: EFAULT -- and the child has been reaped all
  // the same (Linux reports nothing else), so it is not there to wait for any more.
  long pid = EXPECT_OK(ut::spawn(ut::self_path(), exit3, envp));
  if (pid > 0) {
    EXPECT_ERR(sys(SYS_wait4, pid, ut::kKernelHere, 0, nullptr), LINUX_EFAULT);
    EXPECT_ERR(sys(SYS_wait4, pid, &status, 1, nullptr), LINUX_ECHILD);
  }
  // A struct rusage (144 bytes) is filled in; a bad one is EFAULT.
  unsigned char rusage[144];
  pid = EXPECT_OK(ut::spawn(ut::self_path(), exit4, envp));
  if (pid > 0) {
    EXPECT_RESULT(sys(SYS_wait4, pid, &status, 0, rusage), pid);
    EXPECT_EXIT(status, 4, "wait4 with rusage");
  }
  pid = EXPECT_OK(ut::spawn(ut::self_path(), exit4, envp));
  if (pid > 0) EXPECT_ERR(sys(SYS_wait4, pid, &status, 0, ut::kKernelHere), LINUX_EFAULT);
  // Two children, reaped by "any child" (-1 and 0), each once; NULL status is allowed.
  long a = EXPECT_OK(ut::spawn(ut::self_path(), exit3, envp));
  long b = EXPECT_OK(ut::spawn(ut::self_path(), exit4, envp));
  long first = sys(SYS_wait4, -1, &status, 0, nullptr);
  long second = sys(SYS_wait4, 0, nullptr, 0, nullptr);
  EXPECT((first == a && second == b) || (first == b && second == a));
  EXPECT_EXIT(status, first == a ? 3 : 4, "the first child reaped");
  EXPECT_ERR(sys(SYS_wait4, -1, &status, 0, nullptr), LINUX_ECHILD);
}

void test_clone_vm_child() {
  static VmChild s;
  static ChildStack stack;
  long pid = EXPECT_OK(start_vm_child(&s, &stack));
  if (pid <= 0) return;
  EXPECT(ut::wait_until([] { return __atomic_load_n(&s.ready, __ATOMIC_ACQUIRE) != 0; }, 10));
  // It is running (it waits for `go`), so WNOHANG finds nothing to reap yet.
  int status = -1;
  EXPECT_RESULT(sys(SYS_wait4, pid, &status, 1 /* WNOHANG */, nullptr), 0);
  // What the child saw: its own pid (its first thread's tid), us as its parent.
  EXPECT_EQ(s.pid, pid);
  EXPECT_EQ(s.tid, pid);
  EXPECT_EQ(s.ppid, sys(SYS_getpid));
  // Shared memory: it answers our value after we let it go.
  s.value = 41;
  __atomic_store_n(&s.go, 1, __ATOMIC_RELEASE);
  if (EXPECT_RESULT(wait_bounded(pid, &status, 10), pid)) EXPECT_EXIT(status, 7, "CLONE_VM child");
  EXPECT_EQ(s.echo, 42);
}

void test_clone_errors() {
  // Linux's rules: threads share signal handlers, which need shared memory.
  EXPECT_ERR(sys(SYS_clone, LINUX_CLONE_THREAD | LINUX_CLONE_VM, 0, 0, 0, 0), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_clone, LINUX_CLONE_SIGHAND, 0, 0, 0, 0), LINUX_EINVAL);
  // fork: a child with a copy of our memory. Handoff has no copy-on-write and says ENOSYS
  // (programs use vfork + execve, kernel/proc/proc_syscalls.cpp); Linux forks.
  long r = sys(SYS_clone, LINUX_SIGCHLD, 0, 0, 0, 0);
  if (r == 0) for (;;) sys(SYS_exit_group, 9);  // the child (Linux): leave at once
  if (ut::is_handoff()) {
    EXPECT_ERR(r, LINUX_ENOSYS);
  } else if (EXPECT_OK(r) > 0) {
    int status;
    if (EXPECT_RESULT(ut::wait_for(r, &status), r)) EXPECT_EXIT(status, 9, "forked child");
  }
}

namespace {
struct ThreadSeen {
  volatile long tid, pid, ppid, word;
};
ThreadSeen g_seen;
volatile int g_tid_word;  // CLONE_PARENT_SETTID writes the tid, CLONE_CHILD_CLEARTID clears it

void raw_thread_main(void*) {
  g_seen.tid = syscall0(SYS_gettid);
  g_seen.pid = syscall0(SYS_getpid);
  g_seen.ppid = syscall0(SYS_getppid);
  g_seen.word = g_tid_word;
  // Returning ends the thread: clone.S calls exit (this thread only).
}
}  // namespace

void test_threads() {
  static ChildStack stack;
  g_tid_word = -1;
  const unsigned long flags = LINUX_CLONE_VM | LINUX_CLONE_FS | LINUX_CLONE_FILES |
                              LINUX_CLONE_SIGHAND | LINUX_CLONE_THREAD | LINUX_CLONE_SYSVSEM |
                              LINUX_CLONE_PARENT_SETTID | LINUX_CLONE_CHILD_CLEARTID;
  long tid = EXPECT_OK(__handoff_clone(flags, stack.top(), &g_tid_word, &g_tid_word, nullptr,
                                       raw_thread_main, nullptr));
  if (tid <= 0) return;
  // The kernel zeroes the word when the thread has exited.
  if (!EXPECT(ut::wait_until([] { return g_tid_word == 0; }, 10))) return;
  EXPECT(tid != sys(SYS_getpid));
  EXPECT_EQ(g_seen.tid, tid);
  EXPECT_EQ(g_seen.word, tid);  // PARENT_SETTID stored it before the thread ran
  EXPECT_EQ(g_seen.pid, sys(SYS_getpid));
  EXPECT_EQ(g_seen.ppid, sys(SYS_getppid));
  EXPECT_RESULT(sys(SYS_gettid), sys(SYS_getpid));  // we are the main thread
  // A thread is not a child process: nothing to wait for.
  int status;
  EXPECT_ERR(sys(SYS_wait4, tid, &status, 1, nullptr), LINUX_ECHILD);
}

namespace {
void* sum_to(void* arg) {
  long n = reinterpret_cast<long>(arg), sum = 0;
  for (long i = 1; i <= n; i++) sum += i;
  return reinterpret_cast<void*>(sum);
}
}  // namespace

void test_threads_lib() {
  thread_t t[4];
  for (long i = 0; i < 4; i++) {
    t[i] = thread_create(sum_to, reinterpret_cast<void*>(1000 * (i + 1)));
    EXPECT(t[i] != nullptr);
  }
  for (long i = 0; i < 4; i++) {
    if (!t[i]) continue;
    long n = 1000 * (i + 1);
    EXPECT_EQ(reinterpret_cast<long>(thread_join(t[i])), n * (n + 1) / 2);
  }
}

void test_kill() {
  const long self = sys(SYS_getpid);
  EXPECT_RESULT(sys(SYS_kill, self, 0), 0);  // signal 0: "does it exist?"
  EXPECT_ERR(sys(SYS_kill, 999999, 0), LINUX_ESRCH);
  EXPECT_ERR(sys(SYS_kill, self, 65), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_kill, self, -1), LINUX_EINVAL);
  // A child that never exits by itself ends by SIGKILL, or by SIGTERM's default action.
  static VmChild s[2];
  static ChildStack stacks[2];
  const int signals[2] = {LINUX_SIGKILL, LINUX_SIGTERM};
  for (int i = 0; i < 2; i++) {
    long pid = EXPECT_OK(start_vm_child(&s[i], &stacks[i]));
    if (pid <= 0) continue;
    VmChild* c = &s[i];
    EXPECT(ut::wait_until([c] { return __atomic_load_n(&c->ready, __ATOMIC_ACQUIRE) != 0; }, 10));
    EXPECT_RESULT(sys(SYS_kill, pid, 0), 0);
    EXPECT_RESULT(sys(SYS_kill, pid, signals[i]), 0);
    int status;
    long r = wait_bounded(pid, &status, 10);
    if (r == 0) {
      ut::fail("the child outlived kill(%ld, %s)", pid, ut::signal_name(signals[i]));
      __atomic_store_n(&c->go, 1, __ATOMIC_RELEASE);  // let it end on its own
      wait_bounded(pid, &status, 10);
    } else if (EXPECT_RESULT(r, pid)) {
      EXPECT_SIGNAL(status, signals[i], "killed child");
    }
  }
}

void test_faults() {
  for (size_t i = 0; i < ut::kFaultKindCount; i++) {
    const ut::FaultKind& k = ut::kFaultKinds[i];
    if (k.signal == 0) {
      ut::note("not on this arch: %s", k.what);
      continue;
    }
    int status;
    if (EXPECT_OK(ut::run_self({"--fault", k.name}, &status)) > 0)
      EXPECT_SIGNAL(status, k.signal, k.what);
  }
  EXPECT(sys(SYS_getpid) > 0);  // and we are still here
}

void test_ids() {
  const long pid = sys(SYS_getpid), ppid = sys(SYS_getppid), tid = sys(SYS_gettid);
  EXPECT(pid > 0);
  EXPECT_EQ(tid, pid);  // the main thread's tid is the pid
  if (pid == 1) EXPECT_EQ(ppid, 0);  // init has no parent
  else EXPECT(ppid > 0 && ppid != pid);
  EXPECT_EQ(getpid(), pid);  // newlib agrees
  EXPECT_EQ(getppid(), ppid);
  static volatile int clear_me;
  EXPECT_RESULT(sys(SYS_set_tid_address, &clear_me), tid);
  EXPECT_RESULT(sys(SYS_set_tid_address, nullptr), tid);
  // Not a set-uid program: real and effective ids agree. Handoff has only root.
  EXPECT_EQ(sys(SYS_getuid), sys(SYS_geteuid));
  EXPECT_EQ(sys(SYS_getgid), sys(SYS_getegid));
  if (ut::is_handoff()) {
    EXPECT_RESULT(sys(SYS_getuid), 0);
    EXPECT_RESULT(sys(SYS_getgid), 0);
  }
  EXPECT_EQ(getuid(), sys(SYS_getuid));
  // A child sees us as its parent.
  char arg[24];
  snprintf(arg, sizeof arg, "%ld", pid);
  int status;
  if (EXPECT_OK(ut::run_self({"--check-ppid", arg}, &status)) > 0)
    EXPECT_EXIT(status, 0, "child checking getppid() == our pid");
}
