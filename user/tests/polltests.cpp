// user/tests/polltests.cpp -- the netpoller's kernel half from user space: epoll, eventfd,
// pollable pipes and AF_UNIX stream sockets (kernel/fs/eventpoll.cpp, eventfd.cpp,
// kernel/net/unix_socket.cpp).
//
// Boot it with init=/bin/polltests (tests/run_qemu.py reads its `ptest:` lines, in the protocol
// of threadtests). The x86-64 build also runs natively on the Linux host -- the differential
// test: every check here is Linux's behaviour, except the few marked Handoff-only.
//   polltests            every test          polltests NAME...   only those
// Raw system calls throughout (user/lib/syscall.h): results are -errno, never errno.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "linux_abi.h"
#include "linux_errno.h"
#include "syscall.h"
#include "thread.h"

namespace {

// ---- the harness ---------------------------------------------------------------------------

const char* g_test = "?";
int g_failures;
bool g_is_handoff;

void line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void line(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

bool check_eq(long got, long want, int where, const char* got_text, const char* want_text) {
  if (got == want) return true;
  line("ptest: FAIL %s: polltests.cpp:%d: %s = %ld, expected %s = %ld\n", g_test, where, got_text,
       got, want_text, want);
  g_failures++;
  return false;
}
#define CHECK_EQ(got, want) check_eq(long(got), long(want), __LINE__, #got, #want)
#define CHECK(cond) check_eq(long(bool(cond)), 1, __LINE__, #cond, "true")

long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  return syscall6(n, a, b, c, d, e, f);
}
template <typename T>
long p(T* pointer) {
  return reinterpret_cast<long>(pointer);
}

// ---- the ABI --------------------------------------------------------------------------------

#if defined(__x86_64__)
struct __attribute__((packed)) EpollEvent {
#else
struct EpollEvent {
#endif
  uint32_t events;
  uint64_t data;
};
constexpr uint32_t IN = 0x001, OUT = 0x004, ERR = 0x008, HUP = 0x010, RDHUP = 0x2000,
                   ONESHOT = 1u << 30, ET = 1u << 31;
constexpr int ADD = 1, DEL = 2, MOD = 3;
constexpr int kNonblock = LINUX_O_NONBLOCK, kCloexec = LINUX_O_CLOEXEC;
constexpr int AF_UNIX = 1, SOCK_STREAM = 1;
constexpr long EAGAIN = -LINUX_EAGAIN, EBADF = -LINUX_EBADF, EINVAL = -LINUX_EINVAL,
               EEXIST = -LINUX_EEXIST, ENOENT = -LINUX_ENOENT, EPERM = -LINUX_EPERM,
               EFAULT = -LINUX_EFAULT, EPIPE = -LINUX_EPIPE;
constexpr long ENOTSOCK = -88, EAFNOSUPPORT = -97, EADDRINUSE = -98, EISCONN = -106,
               ECONNREFUSED = -111;
long* const kBadPointer = reinterpret_cast<long*>(16);

long epoll_create() { return sys(SYS_epoll_create1, kCloexec); }
long ctl(long ep, int op, long fd, uint32_t events, uint64_t data = 0) {
  EpollEvent ev{events, data};
  return sys(SYS_epoll_ctl, ep, op, fd, p(&ev));
}
// epoll_pwait into `out` (up to `max`); the count or -errno.
long wait(long ep, EpollEvent* out, int max, int timeout_ms) {
  return sys(SYS_epoll_pwait, ep, p(out), max, timeout_ms, 0, 8);
}
// Waits (timeout 0: a poll) and returns the single event's mask, 0 for none, -1 for more.
long poll_one(long ep, int timeout_ms = 0, uint64_t* data = nullptr) {
  EpollEvent ev[4];
  long n = wait(ep, ev, 4, timeout_ms);
  if (n == 0) return 0;
  if (n != 1) return n < 0 ? n : -1;
  if (data) *data = ev[0].data;
  return ev[0].events;
}
long pipe(int fds[2], int flags = 0) { return sys(SYS_pipe2, p(fds), flags); }
long socketpair(int fds[2], int flags = 0) {
  return sys(SYS_socketpair, AF_UNIX, SOCK_STREAM | flags, 0, p(fds));
}
long put(long fd, const char* s) { return sys(SYS_write, fd, p(s), long(strlen(s))); }
long get(long fd, char* buf, long size) { return sys(SYS_read, fd, p(buf), size); }
void close(long fd) { sys(SYS_close, fd); }

struct SockaddrUn {
  uint16_t family;
  char path[108];
};
// A name for bind/connect; `abstract`: in the abstract namespace (leading NUL).
long name_of(SockaddrUn* sun, const char* name, bool abstract) {
  *sun = {};
  sun->family = AF_UNIX;
  size_t n = strlen(name);
  memcpy(sun->path + (abstract ? 1 : 0), name, n);
  return long(2 + n + (abstract ? 1 : 0));
}
long bind(long fd, const char* name, bool abstract = false) {
  SockaddrUn sun;
  long len = name_of(&sun, name, abstract);
  return sys(SYS_bind, fd, p(&sun), len);
}
long connect(long fd, const char* name, bool abstract = false) {
  SockaddrUn sun;
  long len = name_of(&sun, name, abstract);
  return sys(SYS_connect, fd, p(&sun), len);
}
long stream_socket(int flags = 0) { return sys(SYS_socket, AF_UNIX, SOCK_STREAM | flags, 0); }
void unlink(const char* path) { sys(SYS_unlinkat, LINUX_AT_FDCWD, p(path), 0); }

// Linux kills a writer to a closed pipe or socket with SIGPIPE; ignore it so EPIPE arrives.
// (Handoff sends no SIGPIPE; its rt_sigaction may refuse, which is fine.)
void ignore_sigpipe() {
  struct {
    unsigned long handler, flags, restorer, mask;
  } action = {1 /* SIG_IGN */, 0, 0, 0};
  sys(SYS_rt_sigaction, 13 /* SIGPIPE */, p(&action), 0, 8);
}

// ---- epoll on pipes -------------------------------------------------------------------------

void level_triggered() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, fds[0], IN, 42), 0);
  CHECK_EQ(poll_one(ep), 0);  // empty: nothing
  CHECK_EQ(put(fds[1], "x"), 1);
  uint64_t data = 0;
  CHECK_EQ(poll_one(ep, 0, &data), IN);
  CHECK_EQ(data, 42);
  CHECK_EQ(poll_one(ep), IN);  // still readable: reported again
  char c;
  CHECK_EQ(get(fds[0], &c, 1), 1);
  CHECK_EQ(poll_one(ep), 0);  // drained
  close(ep), close(fds[0]), close(fds[1]);
}

void edge_triggered() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, fds[0], IN | ET), 0);
  CHECK_EQ(put(fds[1], "a"), 1);
  CHECK_EQ(poll_one(ep), IN);
  CHECK_EQ(poll_one(ep), 0);  // no new edge, though still readable
  CHECK_EQ(put(fds[1], "b"), 1);
  CHECK_EQ(poll_one(ep), IN);  // a new write is a new edge
  close(ep), close(fds[0]), close(fds[1]);
}

void oneshot() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, fds[0], IN | ONESHOT), 0);
  CHECK_EQ(put(fds[1], "a"), 1);
  CHECK_EQ(poll_one(ep), IN);
  CHECK_EQ(put(fds[1], "b"), 1);
  CHECK_EQ(poll_one(ep), 0);  // disarmed
  CHECK_EQ(ctl(ep, MOD, fds[0], IN | ONESHOT), 0);
  CHECK_EQ(poll_one(ep), IN);  // re-armed, and it is readable
  close(ep), close(fds[0]), close(fds[1]);
}

void timeout() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, fds[0], IN), 0);
  EpollEvent ev[2];
  CHECK_EQ(wait(ep, ev, 2, 30), 0);  // nothing within 30 ms: 0 events (the time is not asserted)
  close(ep), close(fds[0]), close(fds[1]);
}

void ctl_errors() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, fds[0], IN), 0);
  CHECK_EQ(ctl(ep, ADD, fds[0], IN), EEXIST);
  CHECK_EQ(ctl(ep, MOD, fds[1], OUT), ENOENT);
  CHECK_EQ(ctl(ep, DEL, fds[1], 0), ENOENT);
  CHECK_EQ(ctl(ep, ADD, 999, IN), EBADF);
  CHECK_EQ(ctl(fds[0], ADD, fds[1], OUT), EINVAL);  // not an epoll
  CHECK_EQ(ctl(ep, ADD, ep, IN), EINVAL);           // itself
  CHECK_EQ(ctl(ep, 99, fds[1], OUT), EINVAL);
  CHECK_EQ(sys(SYS_epoll_ctl, ep, ADD, fds[1], p(kBadPointer)), EFAULT);
  long dir = sys(SYS_openat, LINUX_AT_FDCWD, p("."), LINUX_O_RDONLY | LINUX_O_DIRECTORY);
  CHECK(dir >= 0);
  CHECK_EQ(ctl(ep, ADD, dir, IN), EPERM);  // a directory cannot be polled
  close(dir);
  EpollEvent ev;
  CHECK_EQ(wait(ep, &ev, 0, 0), EINVAL);
  CHECK_EQ(wait(fds[0], &ev, 1, 0), EINVAL);
  CHECK_EQ(put(fds[1], "x"), 1);  // an event to copy out, to a bad address
  CHECK_EQ(wait(ep, reinterpret_cast<EpollEvent*>(kBadPointer), 1, 0), EFAULT);
  CHECK_EQ(sys(SYS_epoll_create1, 12345), EINVAL);
  close(ep), close(fds[0]), close(fds[1]);
}

// A thread blocked in epoll_pwait(-1) wakes up for a write, and gets exactly that event.
struct WaitArgs {
  long ep;
  long result;
  uint64_t data;
};
void* wait_forever(void* arg) {
  auto* w = static_cast<WaitArgs*>(arg);
  w->result = poll_one(w->ep, -1, &w->data);
  return nullptr;
}

void wakes_blocked_waiter() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, fds[0], IN, 7), 0);
  WaitArgs w{ep, -99, 0};
  thread_t t = thread_create(wait_forever, &w);
  CHECK_EQ(put(fds[1], "x"), 1);
  thread_join(t);
  CHECK_EQ(w.result, IN);
  CHECK_EQ(w.data, 7);
  close(ep), close(fds[0]), close(fds[1]);
}

// DEL while a thread waits: the removed descriptor no longer wakes it; another one does.
void del_while_waiting() {
  int a[2], b[2];
  CHECK_EQ(pipe(a), 0);
  CHECK_EQ(pipe(b), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, a[0], IN, 1), 0);
  WaitArgs w{ep, -99, 0};
  thread_t t = thread_create(wait_forever, &w);
  CHECK_EQ(ctl(ep, DEL, a[0], 0), 0);
  CHECK_EQ(put(a[1], "x"), 1);  // not watched any more
  CHECK_EQ(ctl(ep, ADD, b[0], IN, 2), 0);
  CHECK_EQ(put(b[1], "y"), 1);
  thread_join(t);
  CHECK_EQ(w.result, IN);
  CHECK_EQ(w.data, 2);
  close(ep), close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

void two_sets() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep1 = epoll_create(), ep2 = epoll_create();
  CHECK_EQ(ctl(ep1, ADD, fds[0], IN, 1), 0);
  CHECK_EQ(ctl(ep2, ADD, fds[0], IN | ET, 2), 0);
  CHECK_EQ(put(fds[1], "x"), 1);
  uint64_t d1 = 0, d2 = 0;
  CHECK_EQ(poll_one(ep1, 0, &d1), IN);
  CHECK_EQ(poll_one(ep2, 0, &d2), IN);
  CHECK_EQ(d1, 1);
  CHECK_EQ(d2, 2);
  close(ep1), close(ep2), close(fds[0]), close(fds[1]);
}

// Closing the last descriptor of a file removes it from every epoll; a dup keeps it in.
void close_removes() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep = epoll_create();
  long copy = sys(SYS_dup3, fds[0], 100, 0);
  CHECK_EQ(copy, 100);
  CHECK_EQ(ctl(ep, ADD, fds[0], IN, 5), 0);
  close(fds[0]);  // the dup keeps the pipe end open: still registered
  CHECK_EQ(put(fds[1], "x"), 1);
  uint64_t data = 0;
  CHECK_EQ(poll_one(ep, 0, &data), IN);
  CHECK_EQ(data, 5);
  close(copy);  // the last one: gone from the epoll
  CHECK_EQ(poll_one(ep), 0);
  close(ep), close(fds[1]);
}

// Hang-ups: a closed write end makes the read end report HUP; a closed read end makes the write
// end report ERR.
void pipe_hangups() {
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, fds[0], IN), 0);
  close(fds[1]);
  CHECK_EQ(poll_one(ep), HUP);
  close(fds[0]);
  CHECK_EQ(pipe(fds), 0);
  CHECK_EQ(ctl(ep, ADD, fds[1], OUT), 0);
  CHECK_EQ(poll_one(ep), OUT);
  close(fds[0]);
  CHECK_EQ(poll_one(ep), OUT | ERR);
  close(ep), close(fds[1]);
}

// ---- eventfd -------------------------------------------------------------------------------

void eventfd_counter() {
  long fd = sys(SYS_eventfd2, 3, kNonblock);
  CHECK(fd >= 0);
  uint64_t v = 0;
  CHECK_EQ(sys(SYS_read, fd, p(&v), 8), 8);
  CHECK_EQ(v, 3);
  CHECK_EQ(sys(SYS_read, fd, p(&v), 8), EAGAIN);
  v = 5;
  CHECK_EQ(sys(SYS_write, fd, p(&v), 8), 8);
  v = 6;
  CHECK_EQ(sys(SYS_write, fd, p(&v), 8), 8);
  CHECK_EQ(sys(SYS_read, fd, p(&v), 8), 8);
  CHECK_EQ(v, 11);
  CHECK_EQ(sys(SYS_read, fd, p(&v), 4), EINVAL);  // shorter than 8 bytes
  v = ~uint64_t(0);
  CHECK_EQ(sys(SYS_write, fd, p(&v), 8), EINVAL);
  CHECK_EQ(sys(SYS_write, fd, p(kBadPointer), 8), EFAULT);
  close(fd);
  fd = sys(SYS_eventfd2, 2, kNonblock | 1 /* EFD_SEMAPHORE */);
  CHECK_EQ(sys(SYS_read, fd, p(&v), 8), 8);
  CHECK_EQ(v, 1);
  CHECK_EQ(sys(SYS_read, fd, p(&v), 8), 8);
  CHECK_EQ(v, 1);
  CHECK_EQ(sys(SYS_read, fd, p(&v), 8), EAGAIN);
  close(fd);
  CHECK_EQ(sys(SYS_eventfd2, 0, 0x100), EINVAL);
}

// Go's netpollBreak: a thread asleep in epoll on an eventfd wakes when someone writes 1.
void eventfd_breaks_epoll() {
  long fd = sys(SYS_eventfd2, 0, kNonblock | kCloexec);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, fd, IN, 9), 0);
  CHECK_EQ(poll_one(ep), 0);
  WaitArgs w{ep, -99, 0};
  thread_t t = thread_create(wait_forever, &w);
  uint64_t one = 1;
  CHECK_EQ(sys(SYS_write, fd, p(&one), 8), 8);
  thread_join(t);
  CHECK_EQ(w.result, IN);
  CHECK_EQ(w.data, 9);
  close(ep), close(fd);
}

// ---- AF_UNIX stream sockets -----------------------------------------------------------------

void socketpair_stream() {
  int sv[2];
  CHECK_EQ(socketpair(sv), 0);
  char buf[16] = {};
  CHECK_EQ(put(sv[0], "hello"), 5);
  CHECK_EQ(get(sv[1], buf, sizeof buf), 5);
  CHECK_EQ(memcmp(buf, "hello", 5), 0);
  CHECK_EQ(put(sv[1], "back"), 4);
  CHECK_EQ(get(sv[0], buf, sizeof buf), 4);
  CHECK_EQ(memcmp(buf, "back", 4), 0);
  // Half-close: the peer reads EOF (and epoll says RDHUP), but can still write back.
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, sv[1], IN | RDHUP), 0);
  CHECK_EQ(sys(SYS_shutdown, sv[0], 1 /* SHUT_WR */), 0);
  CHECK_EQ(poll_one(ep), IN | RDHUP);
  CHECK_EQ(get(sv[1], buf, sizeof buf), 0);
  CHECK_EQ(put(sv[1], "ok"), 2);
  CHECK_EQ(get(sv[0], buf, sizeof buf), 2);
  CHECK_EQ(put(sv[0], "no"), EPIPE);
  CHECK_EQ(sys(SYS_shutdown, sv[0], 7), EINVAL);
  close(ep), close(sv[0]), close(sv[1]);
  CHECK_EQ(sys(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, p(kBadPointer)), EFAULT);
}

// The peer closes: reads see EOF, writes EPIPE, epoll HUP.
void socket_peer_closed() {
  int sv[2];
  CHECK_EQ(socketpair(sv), 0);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, sv[0], IN | OUT | RDHUP), 0);
  CHECK_EQ(poll_one(ep), OUT);
  close(sv[1]);
  CHECK_EQ(poll_one(ep), IN | OUT | HUP | RDHUP);
  char c;
  CHECK_EQ(get(sv[0], &c, 1), 0);
  CHECK_EQ(put(sv[0], "x"), EPIPE);
  close(ep), close(sv[0]);
}

void socket_nonblocking() {
  int sv[2];
  CHECK_EQ(socketpair(sv, kNonblock), 0);
  char buf[512];
  CHECK_EQ(get(sv[0], buf, sizeof buf), EAGAIN);
  memset(buf, 'z', sizeof buf);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, sv[0], OUT | ET), 0);
  CHECK_EQ(poll_one(ep), OUT);
  long total = 0, r;
  while ((r = sys(SYS_write, sv[0], p(buf), sizeof buf)) > 0) total += r;  // fill it up
  CHECK_EQ(r, EAGAIN);
  CHECK(total > 0);
  CHECK_EQ(poll_one(ep), 0);  // full: not writable
  long drained = 0;
  while ((r = get(sv[1], buf, sizeof buf)) > 0) drained += r;
  CHECK_EQ(r, EAGAIN);
  CHECK_EQ(drained, total);
  CHECK_EQ(poll_one(ep), OUT);  // room again: a new edge
  close(ep), close(sv[0]), close(sv[1]);
}

void listen_connect_accept(bool abstract) {
  const char* name = abstract ? "ptest-abstract" : "ptest.sock";
  if (!abstract) unlink(name);
  long server = stream_socket(kCloexec | kNonblock);
  CHECK(server >= 0);
  CHECK_EQ(bind(server, name, abstract), 0);
  CHECK_EQ(sys(SYS_listen, server, 8), 0);
  long other = stream_socket();
  CHECK_EQ(bind(other, name, abstract), EADDRINUSE);
  close(other);
  long ep = epoll_create();
  CHECK_EQ(ctl(ep, ADD, server, IN), 0);
  CHECK_EQ(poll_one(ep), 0);  // nobody waiting to be accepted
  CHECK_EQ(sys(SYS_accept4, server, 0, 0, 0), EAGAIN);  // a non-blocking listener, nobody there
  long client = stream_socket();
  CHECK_EQ(connect(client, name, abstract), 0);
  CHECK_EQ(poll_one(ep), IN);  // a connection is waiting
  SockaddrUn peer = {};
  int len = sizeof peer;
  long conn = sys(SYS_accept4, server, p(&peer), p(&len), kCloexec);
  CHECK(conn >= 0);
  CHECK_EQ(len, 2);  // the client is unnamed: only the family
  CHECK_EQ(peer.family, AF_UNIX);
  char buf[8] = {};
  CHECK_EQ(put(client, "ping"), 4);
  CHECK_EQ(get(conn, buf, sizeof buf), 4);
  CHECK_EQ(put(conn, "pong"), 4);
  CHECK_EQ(get(client, buf, sizeof buf), 4);
  CHECK_EQ(memcmp(buf, "pong", 4), 0);
  CHECK_EQ(connect(client, name, abstract), EISCONN);
  close(conn), close(client), close(ep), close(server);
  // No listener any more. (A path: Linux keeps the socket file until it is unlinked, Handoff
  // drops the name with the socket; unlinked, both say there is no such file.)
  if (!abstract) unlink(name);
  long late = stream_socket();
  CHECK_EQ(connect(late, name, abstract), abstract ? ECONNREFUSED : ENOENT);
  close(late);
}
void listen_connect_accept_path() { listen_connect_accept(false); }
void listen_connect_accept_abstract() { listen_connect_accept(true); }

void socket_errors() {
  long inet = sys(SYS_socket, 2 /* AF_INET */, SOCK_STREAM, 0);
  if (g_is_handoff) CHECK_EQ(inet, EAFNOSUPPORT);  // Handoff-only: Linux has IPv4, of course
  if (inet >= 0) close(inet);
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  CHECK_EQ(sys(SYS_listen, fds[0], 1), ENOTSOCK);
  CHECK_EQ(sys(SYS_accept4, fds[0], 0, 0, 0), ENOTSOCK);
  close(fds[0]), close(fds[1]);
  long s = stream_socket();
  CHECK_EQ(sys(SYS_accept4, s, 0, 0, 0), EINVAL);  // not listening
  CHECK_EQ(sys(SYS_bind, s, p(kBadPointer), 10), EFAULT);
  CHECK_EQ(connect(s, "/no/such/dir/sock"), ENOENT);
  CHECK_EQ(sys(SYS_bind, 999, 0, 0), EBADF);
  close(s);
}

// 10,000 connected pairs: 20,000 sockets open in one process, all still working. (On Linux as
// many as RLIMIT_NOFILE's hard limit allows, raised to it first as a server must.)
void twenty_thousand_sockets() {
  constexpr int kMaxPairs = 10000;
  int pairs = kMaxPairs;
  if (!g_is_handoff) {
    struct {
      uint64_t cur, max;
    } limit = {0, 0};
    sys(SYS_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, p(&limit));
    limit.cur = limit.max;
    if (sys(SYS_prlimit64, 0, 7, p(&limit), 0) != 0 || limit.max < 1000) {
      line("ptest: note: cannot raise RLIMIT_NOFILE here: many sockets not tried\n");
      return;
    }
    if (limit.max < 2 * kMaxPairs + 64) pairs = int((limit.max - 64) / 2);
  }
  static int sv[kMaxPairs][2];
  int made = 0;
  for (; made < pairs; made++) {
    long r = socketpair(sv[made]);
    if (r != 0) {
      CHECK_EQ(r, 0);
      break;
    }
  }
  CHECK_EQ(made, pairs);
  char c = 0;
  for (int i = 0; i < made; i += 997) {  // a sample of them carries a byte
    CHECK_EQ(put(sv[i][0], "!"), 1);
    CHECK_EQ(get(sv[i][1], &c, 1), 1);
  }
  for (int i = 0; i < made; i++) close(sv[i][0]), close(sv[i][1]);
}

struct Test {
  const char* name;
  void (*fn)();
};
const Test kTests[] = {
    {"level_triggered", level_triggered},
    {"edge_triggered", edge_triggered},
    {"oneshot", oneshot},
    {"timeout", timeout},
    {"ctl_errors", ctl_errors},
    {"wakes_blocked_waiter", wakes_blocked_waiter},
    {"del_while_waiting", del_while_waiting},
    {"two_sets", two_sets},
    {"close_removes", close_removes},
    {"pipe_hangups", pipe_hangups},
    {"eventfd_counter", eventfd_counter},
    {"eventfd_breaks_epoll", eventfd_breaks_epoll},
    {"socketpair_stream", socketpair_stream},
    {"socket_peer_closed", socket_peer_closed},
    {"socket_nonblocking", socket_nonblocking},
    {"listen_connect_accept_path", listen_connect_accept_path},
    {"listen_connect_accept_abstract", listen_connect_accept_abstract},
    {"socket_errors", socket_errors},
    {"twenty_thousand_sockets", twenty_thousand_sockets},
};

bool selected(const char* name, int argc, char** argv) {
  if (argc < 2) return true;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], name) == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  char uts[6 * 65] = {};
  g_is_handoff = sys(SYS_uname, p(uts)) == 0 && strcmp(uts, "Handoff") == 0;
  if (!g_is_handoff) line("ptest: note: not on Handoff: Handoff-only checks are skipped\n");
  ignore_sigpipe();
  int passed = 0, failed = 0;
  for (const Test& t : kTests) {
    if (!selected(t.name, argc, argv)) continue;
    g_test = t.name;
    g_failures = 0;
    line("ptest: RUN %s\n", t.name);
    t.fn();
    line("ptest: %s %s\n", g_failures ? "FAILED" : "PASS", t.name);
    (g_failures ? failed : passed)++;
  }
  line("ptest: done: %d passed, %d failed\n", passed, failed);
  return failed > 255 ? 255 : failed;
}
