// sched/net.h -- blocking-style I/O that parks goroutines, not threads: AF_UNIX stream sockets
// and pipes (Go: package net's Listen/Dial/Conn, os.Pipe, and internal/poll.FD underneath).
//
//   rt::Run([] {
//     auto [ln, err] = rt::Listen("/tmp/echo.sock");
//     rt::go([l = ln.get()] {                       // the echo server
//       for (;;) {
//         auto [c, err] = l->Accept();                // parks until a client connects
//         if (err) return;                            // ErrNetClosing once ln is closed
//         rt::go([c = std::move(c)] {
//           char buf[64];
//           for (;;) {
//             rt::IOResult r = c->Read(buf, sizeof buf);  // parks until data arrives
//             if (r.err) return;                          // ErrEOF when the client closes
//             c->Write(buf, r.n);
//           }
//         });
//       }
//     });
//     auto [c, err2] = rt::Dial("/tmp/echo.sock");
//     c->Write("hello", 5);
//     ...
//   });
//
// Every descriptor here is non-blocking and registered with the netpoller (netpoll.cpp): a
// Read with no data parks the calling goroutine on the descriptor -- its M goes on to run other
// goroutines -- and it runs again when epoll says the descriptor is readable. So thousands of
// goroutines blocked in Read cost no threads, unlike thousands blocked in a Syscall(read) of a
// file or a blocking descriptor (the Go articles' two paths).
//
// Errors are values, as in Go: 0 is nil, a positive value a Linux errno (syscall.Errno; the
// names are in defs_linux.h -- newlib's <errno.h> numbers differ), a negative one one of Go's
// error variables below. Deadlines are absolute rt::Nanotime() instants; 0 means none, and one
// in the past makes pending and future I/O fail at once with ErrDeadlineExceeded.
// Everything here must be called from a goroutine -- destroying a Conn, File or Listener too: it
// closes the descriptor if it is still open (Go's finalizers do that). Do not destroy one while
// another goroutine is still using it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <memory>

namespace rt {

using Error = int32_t;
inline constexpr Error ErrEOF = -1;               // io.EOF: the peer closed (read of 0 bytes)
inline constexpr Error ErrUnexpectedEOF = -2;     // io.ErrUnexpectedEOF: a write wrote nothing
inline constexpr Error ErrFileClosing = -3;       // poll.ErrFileClosing "use of closed file"
inline constexpr Error ErrNetClosing = -4;        // net.ErrClosed "use of closed network ..."
inline constexpr Error ErrDeadlineExceeded = -5;  // os.ErrDeadlineExceeded "i/o timeout"
inline constexpr Error ErrNotPollable = -6;       // poll.ErrNotPollable
inline constexpr Error ErrNoDeadline = -7;        // poll.ErrNoDeadline: not in the poller
// What err says, in Go's words ("use of closed network connection", "broken pipe", ...).
const char* ErrorString(Error err);

// Go: (n int, err error).
struct IOResult {
  int64_t n;
  Error err;
};

namespace poll {
class FD;  // Go's internal/poll.FD (net.cpp)
}

// One end of a pipe (Go: an *os.File from os.Pipe).
class File {
 public:
  explicit File(poll::FD* fd) : fd_(fd) {}
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Read up to n bytes; parks while there are none. ErrEOF once every writer has closed.
  IOResult Read(void* p, size_t n);
  // Write all n bytes, parking while the pipe is full. EPIPE if no reader is left.
  IOResult Write(const void* p, size_t n);
  // Close; goroutines blocked in Read/Write on it return ErrFileClosing. A second Close too.
  Error Close();
  Error SetDeadline(int64_t t);
  Error SetReadDeadline(int64_t t);
  Error SetWriteDeadline(int64_t t);
  int Fd() const;

 private:
  poll::FD* fd_;
};

// A connected AF_UNIX stream socket (Go: *net.UnixConn, as a net.Conn).
class Conn {
 public:
  explicit Conn(poll::FD* fd) : fd_(fd) {}
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  IOResult Read(void* p, size_t n);         // ErrEOF when the peer has closed or shut down
  IOResult Write(const void* p, size_t n);  // all n bytes, or an error (EPIPE, a deadline)
  Error Close();                            // waiters get ErrNetClosing
  Error CloseWrite();                       // shutdown(SHUT_WR): the peer reads EOF
  Error SetDeadline(int64_t t);
  Error SetReadDeadline(int64_t t);
  Error SetWriteDeadline(int64_t t);
  int Fd() const;

 private:
  poll::FD* fd_;
};

struct ConnResult {
  std::unique_ptr<Conn> conn;
  Error err;
};

// A listening AF_UNIX stream socket (Go: *net.UnixListener).
class Listener {
 public:
  Listener(poll::FD* fd, const char* path);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  ConnResult Accept();  // parks until a client connects; ErrNetClosing once closed
  Error Close();        // also removes the socket's name, as Go does
  const char* Addr() const { return path_; }
  int Fd() const;

 private:
  poll::FD* fd_;
  char path_[108];
};

struct ListenResult {
  std::unique_ptr<Listener> listener;
  Error err;
};
struct PipeResult {
  std::unique_ptr<File> r, w;
  Error err;
};

// Go: net.Listen("unix", path). A path starting with '@' is Linux's abstract namespace.
ListenResult Listen(const char* path);
// Go: net.Dial("unix", path).
ConnResult Dial(const char* path);
// Go: os.Pipe. Both ends non-blocking and in the netpoller -- or, on a kernel without epoll,
// plain blocking descriptors whose Read holds an M, as Go's os package falls back to.
PipeResult Pipe();

namespace inspect {
// The netpoller's state and counters, for tests and demos.
struct NetpollStats {
  bool epoll;               // the poller is epoll (false: not started yet, or no epoll)
  int waiters;              // goroutines parked on descriptors (netpollWaiters)
  bool blocked;             // an M is blocked in netpoll right now (sched.lastpoll == 0)
  bool breakPending;        // a netpollBreak not yet consumed (netpollWakeSig)
  int64_t pollUntil;        // ...until this Nanotime (0: no timer, it waits for I/O only)
  uint64_t blockingPolls;   // netpoll(delay != 0) calls
  uint64_t breaks;          // netpollBreak calls that wrote the eventfd
  uint64_t breaksCoalesced; // ...that found a wakeup already pending (netpollWakeSig)
  uint64_t breakWakeups;    // blocking polls woken by netpollBreak (they read the eventfd)
  uint64_t readied;         // goroutines netpoll found ready
  uint64_t sysmonReadied;   // ...of them by sysmon's poll
};
NetpollStats ReadNetpoll();
}  // namespace inspect

}  // namespace rt
