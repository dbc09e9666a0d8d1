// user/bin/init.cpp -- the first program (/bin/init): a welcome, then a tiny shell.
//
// The kernel starts /bin/init as process 1 when the command line names no test (init=PATH
// picks another program). Process 1 is special in two ways, as on Linux:
//   - orphans are handed to it, and it must reap them (wait4) or they stay zombies forever;
//   - when it exits, the system is over: Handoff powers off with init's exit status.
//
// The shell reads one line at a time from stdin. On Handoff stdin is the console, whose line
// discipline (kernel/fs/tty.cpp) does the editing: read() blocks until Enter, then returns
// the whole line; Ctrl-D on an empty line makes read() return 0, "end of input", and the
// shell exits. A command is either a built-in (help, ls, cd, pwd, echo, exit) or a program,
// looked up in $PATH (/bin), started with vfork + execve and waited for with wait4.
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"
#include "spawn.h"

extern char** environ;

namespace {

constexpr int kMaxArgs = 32;
constexpr size_t kMaxLine = 1024;
constexpr int kWnohang = 1;  // wait4's WNOHANG

const char* signal_name(int sig) {
  static const char* const kNames[] = {
      "0",       "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP", "SIGABRT", "SIGBUS",
      "SIGFPE",  "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
      "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
      "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",  "SIGSYS"};
  return sig > 0 && sig < 32 ? kNames[sig] : "?";
}

// How a child ended, from wait4's status word (Linux's encoding): the low 7 bits are the
// signal that killed it (0: it exited), bits 8-15 the exit status.
void print_status(const char* who, int status) {
  int sig = status & 0x7f, code = (status >> 8) & 0xff;
  if (sig) printf("%s: killed by signal %d (%s)\n", who, sig, signal_name(sig));
  else if (code) printf("%s: exit status %d\n", who, code);
}

// ---- starting programs -----------------------------------------------------------------------
// Programs start with spawn_process (user/lib/spawn.h): vfork + execve, as posix_spawn does it.
// Handoff has no fork (no copy-on-write), and a shell does not need one. Returns the child's
// pid, or -errno.
long spawn(const char* path, char* const argv[]) {
  return spawn_process(path, const_cast<const char* const*>(argv),
                       const_cast<const char* const*>(environ), -1);
}

// Waits for `pid`; wait4 may be interrupted (EINTR) and is then simply asked again.
long wait_for(long pid, int* status) {
  long r;
  do {
    r = syscall4(SYS_wait4, pid, reinterpret_cast<long>(status), 0, 0);
  } while (r == -LINUX_EINTR);
  return r;
}

// Runs argv[0]: a path if it has a '/', else the first $PATH directory that has it.
void run_program(char** argv) {
  char path[512];
  long pid = -LINUX_ENOENT;
  if (strchr(argv[0], '/')) {
    pid = spawn(argv[0], argv);
  } else {
    const char* dirs = getenv("PATH");
    if (!dirs || !*dirs) dirs = "/bin";
    // Try each directory in turn while the answer is "not there".
    while (pid == -LINUX_ENOENT && *dirs) {
      size_t len = strcspn(dirs, ":");
      snprintf(path, sizeof path, "%.*s/%s", static_cast<int>(len), dirs, argv[0]);
      pid = spawn(path, argv);
      dirs += len;
      if (*dirs == ':') dirs++;
    }
  }
  if (syscall_failed(pid)) {
    if (pid == -LINUX_ENOENT) printf("%s: command not found (try help)\n", argv[0]);
    else if (pid == -LINUX_ENOEXEC) printf("%s: not a program this system can run\n", argv[0]);
    else if (pid == -LINUX_EACCES) printf("%s: permission denied (not executable)\n", argv[0]);
    else printf("%s: cannot start: error %ld\n", argv[0], -pid);
    return;
  }
  int status = 0;
  if (wait_for(pid, &status) == pid) print_status(argv[0], status);
}

// Orphans (children of programs that exited before them) are given to process 1. Reap any
// that have finished, without waiting for the ones still running (WNOHANG).
void reap_orphans() {
  int status;
  long pid;
  while ((pid = syscall4(SYS_wait4, -1, reinterpret_cast<long>(&status), kWnohang, 0)) > 0) {
    char who[32];
    snprintf(who, sizeof who, "(orphan %ld)", pid);
    print_status(who, status);
  }
}

// ---- built-ins ---------------------------------------------------------------------------------

// struct linux_dirent64 (include/linux/dirent.h), what getdents64 fills in.
struct Dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  uint16_t d_reclen;
  uint8_t d_type;
  char d_name[1];
};
constexpr uint8_t kDtDir = 4;

int compare_names(const void* a, const void* b) {
  return strcmp(*static_cast<char* const*>(a), *static_cast<char* const*>(b));
}

// Lists one directory, names sorted, directories marked with '/'.
void list_dir(const char* dir) {
  long fd = syscall4(SYS_openat, LINUX_AT_FDCWD, reinterpret_cast<long>(dir),
                     LINUX_O_RDONLY | LINUX_O_DIRECTORY, 0);
  if (fd == -LINUX_ENOTDIR) {  // a file: ls shows its name
    printf("%s\n", dir);
    return;
  }
  if (syscall_failed(fd)) {
    printf("ls: %s: %s\n", dir, fd == -LINUX_ENOENT ? "no such file or directory" : "cannot open");
    return;
  }
  char* names[256];
  int count = 0;
  alignas(8) static char buf[4096];
  long n;
  while ((n = syscall3(SYS_getdents64, fd, reinterpret_cast<long>(buf), sizeof buf)) > 0) {
    for (long at = 0; at < n;) {
      auto* d = reinterpret_cast<Dirent64*>(buf + at);
      at += d->d_reclen;
      if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 || count == 256) continue;
      size_t len = strlen(d->d_name);
      char* name = static_cast<char*>(malloc(len + 2));
      if (!name) continue;
      memcpy(name, d->d_name, len);
      name[len] = d->d_type == kDtDir ? '/' : '\0';
      name[len + 1] = '\0';
      names[count++] = name;
    }
  }
  syscall1(SYS_close, fd);
  qsort(names, count, sizeof names[0], compare_names);
  // Across the screen, 80 columns.
  size_t column = 0;
  for (int i = 0; i < count; i++) {
    size_t len = strlen(names[i]);
    if (column > 0 && column + 2 + len > 80) {
      printf("\n");
      column = 0;
    }
    printf("%s%s", column ? "  " : "", names[i]);
    column += (column ? 2 : 0) + len;
    free(names[i]);
  }
  if (column) printf("\n");
}

void help() {
  printf("Built-in commands:\n"
         "  help              this text\n"
         "  ls [DIR...]       list directories (default: the current one)\n"
         "  cd [DIR]          change directory (default: /)\n"
         "  pwd               print the current directory\n"
         "  echo [WORD...]    print the words\n"
         "  exit [STATUS]     leave the shell: as process 1, that powers the system off\n"
         "Anything else runs a program from /bin, e.g. hello, crash null, usertests, fuzz 1000.\n"
         "NAME=value words before a program set its environment (GOMAXPROCS=1 godemo handoff);\n"
         "alone on a line they set it for every later program.\n"
         "Quote words with spaces: echo \"a  b\". Ctrl-D on an empty line ends the input.\n");
}

// Returns true if argv[0] was a built-in (and has been run).
bool builtin(int argc, char** argv, bool* leave, int* exit_status) {
  const char* cmd = argv[0];
  if (strcmp(cmd, "help") == 0) {
    help();
  } else if (strcmp(cmd, "ls") == 0) {
    if (argc == 1) list_dir(".");
    for (int i = 1; i < argc; i++) {
      if (argc > 2) printf("%s:\n", argv[i]);
      list_dir(argv[i]);
    }
  } else if (strcmp(cmd, "cd") == 0) {
    const char* dir = argc > 1 ? argv[1] : "/";
    if (chdir(dir) != 0) printf("cd: %s: %s\n", dir, strerror(errno));
  } else if (strcmp(cmd, "pwd") == 0) {
    char cwd[512];
    if (getcwd(cwd, sizeof cwd)) printf("%s\n", cwd);
  } else if (strcmp(cmd, "echo") == 0) {
    for (int i = 1; i < argc; i++) printf("%s%s", argv[i], i + 1 < argc ? " " : "");
    printf("\n");
  } else if (strcmp(cmd, "exit") == 0) {
    *leave = true;
    *exit_status = argc > 1 ? atoi(argv[1]) : 0;
  } else {
    return false;
  }
  return true;
}

// ---- variables ----------------------------------------------------------------------------------
// Words of the form NAME=value at the start of a line set environment variables, as in sh:
//   GOMAXPROCS=1 GODEBUG=schedtrace=100 godemo handoff    (for that one program)
//   GODEBUG=schedtrace=100                                 (alone: for every later program)
// Programs get the shell's environment (environ) when they start.

bool is_assignment(const char* word) {
  const char* eq = strchr(word, '=');
  if (!eq || eq == word) return false;
  for (const char* c = word; c < eq; c++)
    if (!(isalnum(static_cast<unsigned char>(*c)) || *c == '_')) return false;
  return !isdigit(static_cast<unsigned char>(word[0]));
}

int leading_assignments(int argc, char** argv) {
  int n = 0;
  while (n < argc && is_assignment(argv[n])) n++;
  return n;
}

// Sets each NAME=value (argv[0..n)). If saved is not null, saved[i] keeps the old value of
// variable i (a copy, or null if it was unset) for restore_variables.
void set_variables(int n, char** argv, char** saved) {
  for (int i = 0; i < n; i++) {
    char* eq = strchr(argv[i], '=');
    *eq = '\0';  // argv[i] is now the name, eq + 1 the value
    if (saved) {
      const char* old = getenv(argv[i]);
      saved[i] = old ? strdup(old) : nullptr;
    }
    setenv(argv[i], eq + 1, 1);
  }
}

void restore_variables(int n, char** names, char** saved) {
  for (int i = 0; i < n; i++) {
    if (saved[i]) setenv(names[i], saved[i], 1);
    else unsetenv(names[i]);
    free(saved[i]);
  }
}

// ---- reading and splitting lines ----------------------------------------------------------------

// Reads one line (without its '\n') into `line`. False at the end of input. Works whether
// read() hands over exactly one line (a terminal) or any amount (a pipe or a file): bytes
// after the line wait in `pending` for the next call.
bool read_line(char* line, size_t size) {
  static char pending[kMaxLine];
  static size_t have = 0;
  for (;;) {
    char* nl = static_cast<char*>(memchr(pending, '\n', have));
    if (nl || have == sizeof pending) {  // a whole line (or a full buffer: cut it there)
      size_t len = nl ? static_cast<size_t>(nl - pending) : have;
      size_t keep = len < size - 1 ? len : size - 1;
      memcpy(line, pending, keep);
      line[keep] = '\0';
      size_t used = nl ? len + 1 : len;
      memmove(pending, pending + used, have - used);
      have -= used;
      return true;
    }
    long n = syscall3(SYS_read, 0, reinterpret_cast<long>(pending + have), sizeof pending - have);
    if (n == -LINUX_EINTR) continue;
    if (n <= 0) {  // end of input (0) or an error: a last unterminated line still counts
      if (have == 0) return false;
      pending[have] = '\n';
      have++;
      continue;
    }
    have += static_cast<size_t>(n);
  }
}

// Splits `line` in place into words: blanks separate them, "..." or '...' keep blanks in.
int split(char* line, char** argv) {
  int argc = 0;
  char* in = line;
  while (argc < kMaxArgs) {
    while (*in == ' ' || *in == '\t') in++;
    if (*in == '\0') break;
    char* word = in;
    char* out = in;  // the word is rebuilt in place, quotes dropped
    char quote = 0;
    for (; *in && (quote || (*in != ' ' && *in != '\t')); in++) {
      if (!quote && (*in == '"' || *in == '\'')) quote = *in;
      else if (quote && *in == quote) quote = 0;
      else *out++ = *in;
    }
    if (*in) in++;  // past the blank that ended the word
    *out = '\0';
    argv[argc++] = word;
  }
  argv[argc] = nullptr;
  return argc;
}

void welcome() {
  printf("\nWelcome to Handoff. This is /bin/init, process %d: a tiny shell.\n",
         static_cast<int>(getpid()));
  printf("Programs in /bin:\n");
  list_dir("/bin");
  printf("Try: hello | crash null | godemo | godemo handoff trace | usertests | ls /bin | help\n\n");
}

}  // namespace

int main() {
  welcome();
  char line[kMaxLine];
  char* argv[kMaxArgs + 1];
  bool leave = false;
  int exit_status = 0;
  while (!leave) {
    char cwd[256];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
    printf("handoff:%s$ ", cwd);
    fflush(stdout);
    if (!read_line(line, sizeof line)) {
      printf("\n");  // end of input: leave like `exit`
      break;
    }
    int argc = split(line, argv);
    int nvars = leading_assignments(argc, argv);
    if (nvars == argc) {
      set_variables(nvars, argv, nullptr);  // `NAME=value` alone: for the shell from now on
    } else {
      // `NAME=value program ...`: the variables are for that program only.
      char* saved[kMaxArgs];
      set_variables(nvars, argv, saved);
      char** cmd = argv + nvars;
      if (!builtin(argc - nvars, cmd, &leave, &exit_status)) {
        fflush(stdout);  // our output first: the child writes to the same console
        run_program(cmd);
      }
      restore_variables(nvars, argv, saved);
    }
    reap_orphans();
  }
  printf("init: bye\n");
  return exit_status;
}
