// user/tests/usertests/ut.h -- the small test harness of usertests (see ../usertests.cpp).
//
// A test is a function `void test_NAME()` listed in test_list.h. It checks system calls with
// the EXPECT macros below; each failed check prints one protocol line
//
//     utest: FAIL NAME: file.cpp:LINE: what went wrong
//
// and the runner prints `utest: PASS NAME` or `utest: FAILED NAME` when the test returns.
//
// System calls are made RAW (sys() below, over user/lib/syscall.h) so a test sees exactly
// what the kernel returned: a result, or -errno with LINUX's numbers (LINUX_E* from
// linux_errno.h). newlib's errno numbering differs for many codes, so raw results are always
// compared with LINUX_E*, and `errno` after a libc call with newlib's E* names.
//
// Handoff and Linux: the same binary runs on both (the differential test, DESIGN.md). Where
// the two legitimately differ, a test asks is_handoff() and says why in a comment; a test
// that only makes sense on one of them calls skip("why"), which prints a note line
//
//     utest: SKIP NAME: why
//
// and the test counts as neither passed nor failed.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <initializer_list>
#include <type_traits>

#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"

// libhandoff's clone helper (user/lib/arch/<arch>/clone.S): the child starts on `stack_top`
// and runs fn(arg); when fn returns, the child calls SYS_exit(0). Used for the tests'
// concurrent CLONE_VM children and raw threads.
extern "C" long __handoff_clone(unsigned long flags, void* stack_top, volatile int* parent_tid,
                                volatile int* child_tid, void* tls, void (*fn)(void*), void* arg);

namespace ut {

// ---- raw system calls ------------------------------------------------------------------
// sys(SYS_read, fd, buf, 10): any mix of integers and pointers, up to six. Always traps with
// six argument registers; the kernel ignores the ones a call does not take.
template <typename T>
inline long to_arg(T v) {
  if constexpr (std::is_null_pointer_v<T>) return 0;
  else if constexpr (std::is_pointer_v<T>) return reinterpret_cast<long>(v);
  else return static_cast<long>(v);
}

template <typename... A>
inline long sys(long number, A... args) {
  static_assert(sizeof...(A) <= 6, "system calls take at most six arguments");
  long a[6] = {to_arg(args)...};
  return syscall6(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// Addresses no program may touch: the kernel halves of both arches (x86-64's direct map,
// AArch64's kernel image area), a non-canonical one, and a user address nothing is mapped at
// (1 TiB: far above any program image or heap, far below the stacks and mmap areas).
constexpr uintptr_t kKernelX86 = 0xffff800000000000;
constexpr uintptr_t kKernelArm = 0xffff000040000000;
constexpr uintptr_t kNonCanonical = 0x8000000000000000;
constexpr uintptr_t kUnmapped = 0x10000000000;
#if defined(__x86_64__)
constexpr uintptr_t kKernelHere = kKernelX86;  // this arch's kernel half
constexpr uintptr_t kUserTopHere = 0x00007ffffffff000;  // one past the last user page (Linux's
#else                                                     // TASK_SIZE; Handoff's kUserTop)
constexpr uintptr_t kKernelHere = kKernelArm;
constexpr uintptr_t kUserTopHere = 0x0001000000000000;
#endif
// Every pointer above, plus NULL and 0x1: what a bad-pointer check loops over.
constexpr uintptr_t kBadPointers[] = {0, 1, kKernelX86, kKernelArm, kNonCanonical, kUnmapped};

// ---- checks ----------------------------------------------------------------------------
// Each returns whether the check held; a failed one prints a FAIL line.
bool check(bool ok, const char* file, int line, const char* what);
bool check_eq(long got, long want, const char* file, int line, const char* got_text,
              const char* want_text);
// A raw result must be exactly `want` (a value, or -LINUX_Exxx).
bool check_result(long got, long want, const char* file, int line, const char* call);
// A raw result must not be an error. Returns the result (so it can be kept) or prints and
// returns the -errno.
long check_ok(long got, const char* file, int line, const char* call);

#define EXPECT(cond) ::ut::check(static_cast<bool>(cond), __FILE__, __LINE__, #cond)
#define EXPECT_EQ(got, want) \
  ::ut::check_eq(static_cast<long>(got), static_cast<long>(want), __FILE__, __LINE__, #got, #want)
// EXPECT_ERR(sys(SYS_read, -1, buf, 1), LINUX_EBADF): the call must fail with exactly that.
#define EXPECT_ERR(call, linux_errno) \
  ::ut::check_result((call), -static_cast<long>(linux_errno), __FILE__, __LINE__, #call)
#define EXPECT_RESULT(call, want) \
  ::ut::check_result((call), static_cast<long>(want), __FILE__, __LINE__, #call)
// long fd = EXPECT_OK(sys(SYS_openat, ...)): the call must succeed; gives its result.
#define EXPECT_OK(call) ::ut::check_ok((call), __FILE__, __LINE__, #call)

// Prints "utest: FAIL <test>: <message>" (printf-style) and marks the test failed.
void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// A free-form note about the running test ("utest: note <test>: ...").
void note(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Marks the running test skipped, with the reason; the test should return right after.
void skip(const char* why);

// ---- the system we run on --------------------------------------------------------------
// uname's sysname is "Handoff": true on Handoff, false on Linux.
bool is_handoff();
// Paths found at startup from our own executable's path (AT_EXECFN): the program lives in
// <root>/bin, its data in <root>/etc. On Handoff <root> is "" (the initramfs root), on the
// Linux host e.g. /work/main/build/host-user.
const char* self_path();    // absolute path of this program
const char* bin_dir();      // <root>/bin
const char* etc_dir();      // <root>/etc
const char* motd_path();    // <root>/etc/motd: a text file that mentions "Handoff"
const char* not_elf_path(); // <root>/etc/not-elf: executable (mode 0755), but not an ELF file
void init_paths(const char* argv0);

// ---- child processes ---------------------------------------------------------------------
// Starts `path` in a new process the way posix_spawn does: clone(CLONE_VM | CLONE_VFORK) +
// execve (Handoff has no fork: no copy-on-write). Returns the child's pid, or -errno when
// clone or execve failed (the child that could not exec is reaped here).
long spawn(const char* path, const char* const argv[], const char* const envp[]);
// Runs this program again with `args` (argv[0] is our path, the environment ours) and waits
// for it. Returns the child's pid, or -errno; *status gets wait4's status word.
long run_self(std::initializer_list<const char*> args, int* status);
// Waits for `pid` (wait4, blocking): its pid, or -errno.
long wait_for(long pid, int* status);

// The wait status word (Linux's encoding, which newlib's <sys/wait.h> shares).
inline bool exited(int status) { return (status & 0x7f) == 0; }
inline int exit_code(int status) { return (status >> 8) & 0xff; }
inline bool signaled(int status) { return (status & 0x7f) != 0 && (status & 0x7f) != 0x7f; }
inline int term_signal(int status) { return status & 0x7f; }
// "exited with status 3" / "killed by signal 11 (SIGSEGV)", in a static buffer.
const char* describe_status(int status);
// Expect a child to have exited with `code` / been killed by `signal`.
bool check_exit(int status, int code, const char* file, int line, const char* what);
bool check_signal(int status, int signal, const char* file, int line, const char* what);
#define EXPECT_EXIT(status, code, what) \
  ::ut::check_exit((status), (code), __FILE__, __LINE__, what)
#define EXPECT_SIGNAL(status, sig, what) \
  ::ut::check_signal((status), (sig), __FILE__, __LINE__, what)

// ---- what the children do (process.cpp) -------------------------------------------------
// usertests runs itself as a child for tests that need a second process; argv[1] says what
// the child should do (see usertests.cpp's main). Each returns the child's exit status.
int child_fault(const char* kind);                    // --fault KIND: must be killed
int child_check_args(int argc, char** argv, char** envp);  // --check-args ...
int child_check_ppid(const char* parent_pid);         // --check-ppid PID
int child_check_fds(const char* closed_fd, const char* open_fd);  // --check-fds CLOSED OPEN
// The fault kinds child_fault knows, and the signal each must end with (0: not on this arch).
struct FaultKind {
  const char* name;
  int signal;
  const char* what;
};
extern const FaultKind kFaultKinds[];
extern const size_t kFaultKindCount;

// ---- names for messages -------------------------------------------------------------------
const char* errno_name(long linux_errno);  // "EBADF"; "?" when unknown
const char* signal_name(int linux_signal);  // "SIGSEGV"; "?" when unknown

// ---- small helpers ----------------------------------------------------------------------
// Nanoseconds on CLOCK_MONOTONIC (raw syscall); -1 if the clock fails.
long monotonic_ns();
// Calls sched_yield until pred() holds or about `seconds` have passed; whether it held.
template <typename Pred>
bool wait_until(Pred pred, int seconds) {
  long start = monotonic_ns();
  for (long spins = 0;; spins++) {
    if (pred()) return true;
    long now = monotonic_ns();
    // Without a working clock, give up after many yields instead.
    if (now < 0 ? spins > 20000000 : now - start > seconds * 1000000000L) return pred();
    sys(SYS_sched_yield);
  }
}

}  // namespace ut
