// user/tests/usertests/ut.cpp -- the harness behind ut.h: check reporting, paths, spawning.
#include "ut.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "handoff.h"
#include "spawn.h"

extern char** environ;

namespace ut {

// The running test (usertests.cpp sets these).
const char* g_test_name = "?";
int g_test_failures = 0;
const char* g_skip_reason = nullptr;

namespace {

const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

// A raw result for a message: "-9 (EBADF)" for errors, else the number (hex if big).
const char* format_result(long value, char* buf, size_t size) {
  if (value < 0 && value >= -4095)
    snprintf(buf, size, "%ld (%s)", value, errno_name(-value));
  else if (value > 0xffffff || value < -0xffffff)
    snprintf(buf, size, "0x%lx", static_cast<unsigned long>(value));
  else
    snprintf(buf, size, "%ld", value);
  return buf;
}

struct ErrnoName {
  int number;
  const char* name;
};
// The codes Handoff's kernel uses (kernel/errno.h) and a few more.
constexpr ErrnoName kErrnoNames[] = {
    {LINUX_EPERM, "EPERM"},     {LINUX_ENOENT, "ENOENT"},   {LINUX_ESRCH, "ESRCH"},
    {LINUX_EINTR, "EINTR"},     {LINUX_EIO, "EIO"},         {LINUX_ENXIO, "ENXIO"},
    {LINUX_E2BIG, "E2BIG"},     {LINUX_ENOEXEC, "ENOEXEC"}, {LINUX_EBADF, "EBADF"},
    {LINUX_ECHILD, "ECHILD"},   {LINUX_EAGAIN, "EAGAIN"},   {LINUX_ENOMEM, "ENOMEM"},
    {LINUX_EACCES, "EACCES"},   {LINUX_EFAULT, "EFAULT"},   {LINUX_EBUSY, "EBUSY"},
    {LINUX_EEXIST, "EEXIST"},   {LINUX_EXDEV, "EXDEV"},     {LINUX_ENODEV, "ENODEV"},
    {LINUX_ENOTDIR, "ENOTDIR"}, {LINUX_EISDIR, "EISDIR"},   {LINUX_EINVAL, "EINVAL"},
    {LINUX_ENFILE, "ENFILE"},   {LINUX_EMFILE, "EMFILE"},   {LINUX_ENOTTY, "ENOTTY"},
    {LINUX_ETXTBSY, "ETXTBSY"}, {LINUX_EFBIG, "EFBIG"},     {LINUX_ENOSPC, "ENOSPC"},
    {LINUX_ESPIPE, "ESPIPE"},   {LINUX_EROFS, "EROFS"},     {LINUX_EPIPE, "EPIPE"},
    {LINUX_ERANGE, "ERANGE"},   {LINUX_EDEADLK, "EDEADLK"}, {LINUX_ENAMETOOLONG, "ENAMETOOLONG"},
    {LINUX_ENOSYS, "ENOSYS"},   {LINUX_ENOTEMPTY, "ENOTEMPTY"}, {LINUX_ELOOP, "ELOOP"},
    {LINUX_EOVERFLOW, "EOVERFLOW"}, {LINUX_EOPNOTSUPP, "EOPNOTSUPP"},
    {LINUX_ETIMEDOUT, "ETIMEDOUT"},
};

constexpr const char* kSignalNames[32] = {
    "0",       "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT",
    "SIGBUS",  "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",
    "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",
    "SIGTTIN", "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ",   "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO",  "SIGPWR",    "SIGSYS",
};

// Rewrites an absolute path in place without "." components, "//", or "dir/.." pairs
// ("/a/./b/../c" -> "/a/c"), so it reads like what getcwd returns. Purely textual: fine for
// the paths usertests lives under.
void normalize(char* path) {
  char out[256];
  size_t n = 0;
  for (const char* p = path; *p;) {
    while (*p == '/') p++;
    const char* name = p;
    while (*p && *p != '/') p++;
    size_t len = static_cast<size_t>(p - name);
    if (len == 0 || (len == 1 && name[0] == '.')) continue;
    if (len == 2 && name[0] == '.' && name[1] == '.') {
      while (n > 0 && out[n - 1] != '/') n--;  // drop the last name...
      if (n > 0) n--;                          // ...and its slash
      continue;
    }
    if (n + 1 + len >= sizeof out) break;
    out[n++] = '/';
    memcpy(out + n, name, len);
    n += len;
  }
  if (n == 0) out[n++] = '/';
  out[n] = '\0';
  strcpy(path, out);
}

// Paths (init_paths).
// Sized so that each fits the one it is made from plus its suffix.
char g_self[256], g_bin[256], g_etc[272], g_motd[288], g_not_elf[288];

}  // namespace

const char* errno_name(long e) {
  for (const ErrnoName& n : kErrnoNames)
    if (n.number == e) return n.name;
  return "?";
}

const char* signal_name(int sig) { return sig > 0 && sig < 32 ? kSignalNames[sig] : "?"; }

// ---- reporting -----------------------------------------------------------------------------

void fail(const char* fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("utest: FAIL %s: %s\n", g_test_name, msg);
  g_test_failures++;
}

void note(const char* fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("utest: note %s: %s\n", g_test_name, msg);
}

void skip(const char* why) { g_skip_reason = why; }

bool check(bool ok, const char* file, int line, const char* what) {
  if (!ok) fail("%s:%d: expected %s", base_name(file), line, what);
  return ok;
}

bool check_eq(long got, long want, const char* file, int line, const char* got_text,
              const char* want_text) {
  if (got == want) return true;
  char g[64], w[64];
  fail("%s:%d: %s is %s, expected %s (%s)", base_name(file), line, got_text,
       format_result(got, g, sizeof g), want_text, format_result(want, w, sizeof w));
  return false;
}

bool check_result(long got, long want, const char* file, int line, const char* call) {
  if (got == want) return true;
  char g[64], w[64];
  fail("%s:%d: %s = %s, expected %s", base_name(file), line, call, format_result(got, g, sizeof g),
       format_result(want, w, sizeof w));
  return false;
}

long check_ok(long got, const char* file, int line, const char* call) {
  if (!syscall_failed(got)) return got;
  char g[64];
  fail("%s:%d: %s failed: %s", base_name(file), line, call, format_result(got, g, sizeof g));
  return got;
}

const char* describe_status(int status) {
  static char buf[64];
  if (exited(status))
    snprintf(buf, sizeof buf, "exited with status %d", exit_code(status));
  else if (signaled(status))
    snprintf(buf, sizeof buf, "killed by signal %d (%s)", term_signal(status),
             signal_name(term_signal(status)));
  else
    snprintf(buf, sizeof buf, "status word 0x%x", status);
  return buf;
}

bool check_exit(int status, int code, const char* file, int line, const char* what) {
  if (exited(status) && exit_code(status) == code) return true;
  fail("%s:%d: %s: child %s, expected exit status %d", base_name(file), line, what,
       describe_status(status), code);
  return false;
}

bool check_signal(int status, int signal, const char* file, int line, const char* what) {
  if (signaled(status) && term_signal(status) == signal) return true;
  fail("%s:%d: %s: child %s, expected to be killed by signal %d (%s)", base_name(file), line,
       what, describe_status(status), signal, signal_name(signal));
  return false;
}

// ---- the system ---------------------------------------------------------------------------

bool is_handoff() {
  static int cached = -1;
  if (cached < 0) {
    linux_utsname u;
    cached = sys(SYS_uname, &u) == 0 && strcmp(u.sysname, "Handoff") == 0;
  }
  return cached == 1;
}

const char* self_path() { return g_self; }
const char* bin_dir() { return g_bin; }
const char* etc_dir() { return g_etc; }
const char* motd_path() { return g_motd; }
const char* not_elf_path() { return g_not_elf; }

void init_paths(const char* argv0) {
  // AT_EXECFN is the path execve was given -- argv[0] is only what the caller chose to call
  // us (the shell passes the name typed). Made absolute, since tests change directory.
  const char* exe = reinterpret_cast<const char*>(getauxval(LINUX_AT_EXECFN));
  if (!exe || !*exe) exe = argv0;
  if (exe[0] == '/') {
    snprintf(g_self, sizeof g_self, "%s", exe);
  } else {
    char cwd[256];
    if (sys(SYS_getcwd, cwd, sizeof cwd) <= 0) strcpy(cwd, "/");
    snprintf(g_self, sizeof g_self, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, exe);
  }
  normalize(g_self);
  // <root>/bin/usertests -> <root>/bin -> <root>
  snprintf(g_bin, sizeof g_bin, "%s", g_self);
  char* slash = strrchr(g_bin, '/');
  if (slash) *slash = '\0';
  char root[256];
  snprintf(root, sizeof root, "%s", g_bin);
  slash = strrchr(root, '/');
  if (slash) *slash = '\0';
  snprintf(g_etc, sizeof g_etc, "%s/etc", root);
  snprintf(g_motd, sizeof g_motd, "%s/motd", g_etc);
  snprintf(g_not_elf, sizeof g_not_elf, "%s/not-elf", g_etc);
}

// ---- child processes ----------------------------------------------------------------------

// The mechanism itself is user/lib/spawn.cpp (vfork + execve); these tests exercise it.
long spawn(const char* path, const char* const argv[], const char* const envp[]) {
  return spawn_process(path, argv, envp, -1);
}

long wait_for(long pid, int* status) {
  *status = 0;
  for (;;) {
    long r = sys(SYS_wait4, pid, status, 0, nullptr);
    if (r != -LINUX_EINTR) return r;
  }
}

long run_self(std::initializer_list<const char*> args, int* status) {
  const char* argv[16];
  size_t argc = 0;
  argv[argc++] = g_self;
  for (const char* a : args)
    if (argc < 15) argv[argc++] = a;
  argv[argc] = nullptr;
  fflush(stdout);  // the child writes to the same console: keep the order
  long pid = spawn(g_self, argv, environ);
  *status = 0;
  if (syscall_failed(pid)) return pid;
  return wait_for(pid, status);
}

long monotonic_ns() {
  linux_timespec ts;
  if (sys(SYS_clock_gettime, LINUX_CLOCK_MONOTONIC, &ts) != 0) return -1;
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

}  // namespace ut
