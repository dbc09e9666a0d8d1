// user/tests/hello_newlib.cpp -- smoke test of the user C library (newlib + libhandoff).
//
// A static Linux-ABI program: it runs natively on the x86-64 Linux host, under qemu-aarch64
// on the host, and (later) on Handoff itself. user/newlib/selftest.sh runs it as
//   env -i HANDOFF_TEST=42 hello_newlib arg1
// and compares its output with user/tests/hello_newlib.expected (identical on both arches).
// Every check prints "ok - name" or "FAIL - name ..."; the last line, printed by a global
// destructor (so after main, atexit handlers and exit's stdio flush path), is
//   hello_newlib: N checks, M failed
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "handoff.h"
#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"

namespace {

int g_checks, g_failed;

void check(bool ok, const char* name, const char* fmt = nullptr, long a = 0, long b = 0) {
  g_checks++;
  if (ok) {
    printf("ok - %s\n", name);
    return;
  }
  g_failed++;
  printf("FAIL - %s", name);
  if (fmt) {
    printf(" (");
    printf(fmt, a, b);
    printf(")");
  }
  printf("\n");
}

// Global constructor and destructor: .init_array and __cxa_atexit.
struct Global {
  int value;
  Global() : value(1234) {}
  ~Global() { printf("hello_newlib: %d checks, %d failed\n", g_checks, g_failed); }
} g_global;

// Virtual dispatch (vtables; no RTTI).
struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
};
struct Square : Shape {
  double s;
  explicit Square(double side) : s(side) {}
  double area() const override { return s * s; }
};

int counter() {
  static int calls = 0;  // function-local static: __cxa_guard_acquire/release
  return ++calls;
}


void at_exit_handler() { printf("atexit handler ran\n"); }

}  // namespace

// Static TLS. External linkage, so the compiler cannot fold their values away.
thread_local int tls_init = 77;    // .tdata
thread_local int tls_zero;         // .tbss
thread_local char tls_char = 'h';  // odd TLS size: catches a wrong TLS block offset

int main(int argc, char** argv) {
  printf("hello, newlib\n");

  // ---- startup: argv, environ, auxv, constructors, TLS ------------------------------------
  check(argc == 2 && strcmp(argv[1], "arg1") == 0, "argv");
  const char* env = getenv("HANDOFF_TEST");
  check(env && strcmp(env, "42") == 0, "environ");
  check(getauxval(LINUX_AT_PAGESZ) == 4096, "auxv AT_PAGESZ");
  check(g_global.value == 1234, "global constructor");
  check(tls_init == 77 && tls_zero == 0 && tls_char == 'h', "thread_local initial values");
  tls_init++;
  tls_zero = 5;
  check(tls_init == 78 && tls_zero == 5, "thread_local writes");

  // ---- printf -------------------------------------------------------------------------------
  char buf[256];
  snprintf(buf, sizeof buf, "%d %s %x %5.2f|%-4d|%lld %zu %hhd %e %g", -42, "str", 0xbeef,
           3.14159, 7, 1234567890123LL, sizeof(int), static_cast<signed char>(-3), 12345.678,
           0.0001);
  printf("printf: %s\n", buf);
  check(strcmp(buf, "-42 str beef  3.14|7   |1234567890123 4 -3 1.234568e+04 0.0001") == 0,
        "snprintf formats");
  volatile double third = 1.0 / 3.0;
  printf("float: %f %.10f\n", third, static_cast<double>(third));

  // ---- malloc -------------------------------------------------------------------------------
  bool mem_ok = true;
  void* blocks[64];
  for (int i = 0; i < 64; i++) {
    size_t n = 16 + static_cast<size_t>(i) * 997;
    blocks[i] = malloc(n);
    if (!blocks[i]) {
      mem_ok = false;
      break;
    }
    memset(blocks[i], i, n);
  }
  for (int i = 0; mem_ok && i < 64; i++) {
    auto* p = static_cast<unsigned char*>(blocks[i]);
    size_t n = 16 + static_cast<size_t>(i) * 997;
    if (p[0] != i || p[n - 1] != i) mem_ok = false;
    free(p);
  }
  check(mem_ok, "malloc/free 64 blocks");
  void* big = malloc(8 << 20);  // 8 MiB: more than one sbrk step
  check(big != nullptr, "malloc 8 MiB");
  if (big) memset(big, 0xab, 8 << 20);
  free(big);
  int* z = static_cast<int*>(calloc(100, sizeof(int)));
  check(z && z[0] == 0 && z[99] == 0, "calloc zeroes");
  z = static_cast<int*>(realloc(z, 10000 * sizeof(int)));
  check(z != nullptr, "realloc");
  free(z);

  // ---- strings ------------------------------------------------------------------------------
  char s[64];
  strcpy(s, "handoff kernel lite");
  check(strlen(s) == 19, "strlen");
  check(strstr(s, "kernel") == s + 8, "strstr");
  check(strcmp("abc", "abd") < 0 && memcmp("xyz", "xyz", 3) == 0, "strcmp/memcmp");
  check(strtol("-0x7f", nullptr, 16) == -127, "strtol");
  char* tok = strtok(s, " ");
  int ntok = 0;
  while (tok) {
    ntok++;
    tok = strtok(nullptr, " ");
  }
  check(ntok == 3, "strtok");
  int arr[] = {5, 3, 9, 1, 7};
  qsort(arr, 5, sizeof(int), [](const void* a, const void* b) {
    return *static_cast<const int*>(a) - *static_cast<const int*>(b);
  });
  check(arr[0] == 1 && arr[4] == 9, "qsort");

  // ---- math (volatile inputs: the calls really go to libm) ----------------------------------
  volatile double two = 2.0, one = 1.0;
  double r2 = sqrt(two), s1 = sin(one);
  printf("math: sqrt(2)=%.9f sin(1)=%.9f pow=%.3f exp(1)=%.6f\n", r2, s1, pow(two, 10.5),
         exp(one));
  check(fabs(r2 - 1.414213562) < 1e-9, "sqrt");
  check(fabs(s1 - 0.841470985) < 1e-9, "sin");
  check(floor(-2.5) == -3.0 && fmod(7.0, 3.0) == 1.0, "floor/fmod");

  // ---- errno from failing system calls (Linux codes translated to newlib's) -----------------
  errno = 0;
  int rc = close(-1);
  check(rc == -1 && errno == EBADF, "close(-1) -> EBADF", "rc=%ld errno=%ld", rc, errno);
  printf("strerror(EBADF): %s\n", strerror(EBADF));
  errno = 0;
  rc = open("/nonexistent/handoff", O_RDONLY);
  check(rc == -1 && errno == ENOENT, "open missing -> ENOENT", "rc=%ld errno=%ld", rc, errno);
  std::string longname(5000, 'x');  // Linux ENAMETOOLONG is 36, newlib's 91
  errno = 0;
  rc = open(("/" + longname).c_str(), O_RDONLY);
  check(rc == -1 && errno == ENAMETOOLONG, "open long name -> ENAMETOOLONG", "errno=%ld",
        errno);
  long r = syscall(4000);  // no such syscall: Linux ENOSYS 38 -> newlib 88
  check(r == -1 && errno == ENOSYS, "syscall(4000) -> ENOSYS", "errno=%ld", errno);
  check(syscall(SYS_getppid) == getppid(), "syscall(SYS_getppid)");
  check(syscall2(SYS_close, -1, 0) == -LINUX_EBADF, "raw syscall -> -LINUX_EBADF");
  check(handoff_errno_from_linux(LINUX_ETIMEDOUT) == ETIMEDOUT, "errno table ETIMEDOUT");

  // ---- files, pipes, stat -------------------------------------------------------------------
  int fds[2];
  check(pipe2(fds, O_CLOEXEC) == 0, "pipe2");
  struct iovec iov[2] = {{const_cast<char*>("ping "), 5}, {const_cast<char*>("pong"), 4}};
  check(writev(fds[1], iov, 2) == 9, "writev");
  char rb[16] = {};
  check(read(fds[0], rb, sizeof rb) == 9 && strcmp(rb, "ping pong") == 0, "read from pipe");
  struct stat st;
  check(fstat(fds[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat pipe is FIFO");
  check((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0, "O_CLOEXEC via fcntl");
  bool nonblock = fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0 && (fcntl(fds[0], F_GETFL) & O_NONBLOCK);
  check(nonblock, "O_NONBLOCK via fcntl (flags translated)");
  errno = 0;
  // (only when O_NONBLOCK took: a blocking read of the empty pipe would hang the test)
  check(nonblock && read(fds[0], rb, 1) == -1 && errno == EAGAIN, "nonblocking read -> EAGAIN");
  errno = 0;
  check(lseek(fds[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek pipe -> ESPIPE");
  close(fds[0]);
  close(fds[1]);
  check(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "stat / is a directory");

  // ---- time ---------------------------------------------------------------------------------
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct timespec nap = {0, 2000000};  // 2 ms
  check(nanosleep(&nap, nullptr) == 0, "nanosleep");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long elapsed_ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
  check(elapsed_ns >= 2000000, "CLOCK_MONOTONIC advances over a 2 ms sleep", "%ld ns",
        elapsed_ns);
  struct timeval tv;
  check(gettimeofday(&tv, nullptr) == 0 && tv.tv_sec > 1600000000, "gettimeofday");
  check(time(nullptr) > 1600000000, "time()");
  check(sched_yield() == 0, "sched_yield");
  check(getpid() > 0 && getppid() > 0 && gettid() == getpid(), "getpid/getppid/gettid");
  struct utsname u;
  check(uname(&u) == 0 && u.sysname[0] != 0, "uname");

  // ---- mmap ---------------------------------------------------------------------------------
  void* m = mmap(nullptr, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  check(m != MAP_FAILED, "mmap anonymous");
  if (m != MAP_FAILED) {
    static_cast<char*>(m)[65535] = 1;
    check(munmap(m, 1 << 16) == 0, "munmap");
  }

  // ---- C++ ----------------------------------------------------------------------------------
  std::unique_ptr<Shape> sq = std::make_unique<Square>(3.0);
  check(sq->area() == 9.0, "virtual call through unique_ptr");
  check(counter() == 1 && counter() == 2, "function-local static");
  std::vector<int> v;
  for (int i = 0; i < 1000; i++) v.push_back(999 - i);
  std::sort(v.begin(), v.end());
  check(v.front() == 0 && v.back() == 999, "std::vector + std::sort");
  std::array<int, 4> a4{4, 2, 3, 1};
  check(*std::max_element(a4.begin(), a4.end()) == 4, "std::array");
  std::string str = "hand";
  str += "off";
  check(str == "handoff" && str.size() == 7, "std::string");

  atexit(at_exit_handler);
  printf("main returning\n");
  return g_failed ? 1 : 0;
}
