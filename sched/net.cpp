// sched/net.cpp -- sockets and pipes whose blocking calls park goroutines (Go: internal/poll's
// FD, fdMutex and pollDesc wrapper; package net's socket, listen, dial and accept for "unix";
// os.Pipe).
//
// The pattern, everywhere (Go: internal/poll.FD.Read):
//
//   lock the descriptor for reading      fdMutex: one reader at a time may park on the pollDesc
//   pollReset('r')                       fails at once if closed or past the deadline
//   loop:
//     read(2) -- RawSyscall              the descriptor is O_NONBLOCK: this never sleeps
//     EAGAIN?  pollWait('r'), retry      park the G (not the M) until epoll says readable
//   unlock
//
// Go makes these calls through syscall.Syscall, with entersyscall and exitsyscall around them.
// On a non-blocking descriptor the call cannot sleep, so there is nothing for sysmon to retake
// and the bookkeeping is pure cost: we use RawSyscall, keeping the P (a deliberate difference
// from Go, which DESIGN.md's pipe ping-pong budget -- 4,000 instructions per round trip --
// pays for). A descriptor the poller cannot take (a kernel without epoll) stays in blocking
// mode and goes through Syscall, holding an M while it waits, as Go's os.File does for a
// regular file.
//
// Closing is the delicate part (Go: FD.Close and fdMutex): the descriptor number must not be
// closed -- and possibly reused by the kernel for a new file -- while another goroutine is still
// inside read(2) with it. So every operation holds a reference; Close marks the fdMutex closed
// (new operations fail with ErrNetClosing/ErrFileClosing), wakes the goroutines parked on the
// pollDesc (pollUnblock: they return the same error), and the last reference to go -- Close's
// own or a woken reader's -- unregisters the descriptor from epoll and closes it. Close waits
// for that on a semaphore, so when it returns the descriptor is gone.
#include "net.h"

#include "defs_linux.h"
#include "netpoll.h"
#include "os.h"
#include "print.h"
#include "runtime.h"
#include "runtime2.h"
#include "sema.h"

namespace rt {

const char* ErrorString(Error err) {
  switch (err) {
    case 0: return "<nil>";
    case ErrEOF: return "EOF";
    case ErrUnexpectedEOF: return "unexpected EOF";
    case ErrFileClosing: return "use of closed file";
    case ErrNetClosing: return "use of closed network connection";
    case ErrDeadlineExceeded: return "i/o timeout";
    case ErrNotPollable: return "not pollable";
    case ErrNoDeadline: return "file type does not support deadline";
    case os::kENOENT: return "no such file or directory";
    case os::kEBADF: return "bad file descriptor";
    case os::kEAGAIN: return "resource temporarily unavailable";
    case os::kEINVAL: return "invalid argument";
    case os::kEMFILE: return "too many open files";
    case os::kEPIPE: return "broken pipe";
    case os::kENOSYS: return "function not implemented";
    case os::kEADDRINUSE: return "address already in use";
    case os::kECONNABORTED: return "software caused connection abort";
    case os::kECONNRESET: return "connection reset by peer";
    case os::kENOTCONN: return "transport endpoint is not connected";
    case os::kECONNREFUSED: return "connection refused";
  }
  return err > 0 ? "system call error (errno)" : "unknown error";
}

namespace poll {
namespace {

// Go: maxRW. Linux's read/write move at most 0x7ffff000 bytes; Go caps each call at 1 GiB.
constexpr size_t maxRW = size_t{1} << 30;

// fdMutex.state, low bit first (Go's layout):
//   bit 0       closed: every later lock or reference attempt fails
//   bit 1       the read lock
//   bit 2       the write lock
//   bits 3-22   references: every operation in progress, locked or not
//   bits 23-42  goroutines waiting for the read lock
//   bits 43-62  goroutines waiting for the write lock
constexpr uint64_t mutexClosed = uint64_t{1} << 0;
constexpr uint64_t mutexRLock = uint64_t{1} << 1;
constexpr uint64_t mutexWLock = uint64_t{1} << 2;
constexpr uint64_t mutexRef = uint64_t{1} << 3;
constexpr uint64_t mutexRefMask = ((uint64_t{1} << 20) - 1) << 3;
constexpr uint64_t mutexRWait = uint64_t{1} << 23;
constexpr uint64_t mutexRMask = ((uint64_t{1} << 20) - 1) << 23;
constexpr uint64_t mutexWWait = uint64_t{1} << 43;
constexpr uint64_t mutexWMask = ((uint64_t{1} << 20) - 1) << 43;

constexpr const char* overflowMsg =
    "too many concurrent operations on a single file or socket (max 1048575)";

// The first descriptor starts the poller (Go: runtime_pollServerInit, once, from pd.init).
// SIGPIPE goes to "ignore" at the same time: a write to a closed peer must come back as EPIPE.
void serverInit() {
  static std::atomic<bool> done{false};
  if (done.load(std::memory_order_acquire)) return;
  poll_runtime_pollServerInit();
  os::ignoreSIGPIPE();
  done.store(true, std::memory_order_release);
}

// A system call that Go would retry on EINTR (ignoringEINTRIO). Through RawSyscall when the
// descriptor is non-blocking (it cannot sleep), Syscall when it is in blocking mode.
SyscallResult sysIO(bool blocking, long trap, uintptr_t a1, uintptr_t a2, uintptr_t a3) {
  for (;;) {
    SyscallResult r = blocking ? Syscall(trap, a1, a2, a3) : RawSyscall(trap, a1, a2, a3);
    if (r.err != static_cast<uintptr_t>(os::kEINTR)) return r;
  }
}

Error errnoErr(const SyscallResult& r) { return static_cast<Error>(r.err); }

}  // namespace

// Go: internal/poll.fdMutex. A reference count plus a read lock and a write lock, all in one
// word; Close sets the closed bit, after which every lock attempt fails.
struct fdMutex {
  std::atomic<uint64_t> state{0};
  std::atomic<uint32_t> rsema{0};
  std::atomic<uint32_t> wsema{0};

  // Adds a reference; false if closed.
  bool incref() {
    for (;;) {
      uint64_t old = state.load();
      if (old & mutexClosed) return false;
      uint64_t nw = old + mutexRef;
      if ((nw & mutexRefMask) == 0) gopanic(overflowMsg);
      if (state.compare_exchange_weak(old, nw)) return true;
    }
  }

  // Sets the closed bit and takes a reference; false if it was already closed. Wakes all
  // waiters for the locks: they will find it closed.
  bool increfAndClose() {
    for (;;) {
      uint64_t old = state.load();
      if (old & mutexClosed) return false;
      // Closed, plus a reference for the closer, and no waiters left in the count...
      uint64_t nw = (old | mutexClosed) + mutexRef;
      if ((nw & mutexRefMask) == 0) gopanic(overflowMsg);
      nw &= ~(mutexRMask | mutexWMask);
      if (state.compare_exchange_weak(old, nw)) {
        // ...because each of them is woken now, and will find the closed bit.
        while (old & mutexRMask) {
          old -= mutexRWait;
          semrelease(&rsema);
        }
        while (old & mutexWMask) {
          old -= mutexWWait;
          semrelease(&wsema);
        }
        return true;
      }
    }
  }

  // Removes a reference; true if it was the last one of a closed fdMutex.
  bool decref() {
    for (;;) {
      uint64_t old = state.load();
      if ((old & mutexRefMask) == 0) gopanic("inconsistent poll.fdMutex");
      uint64_t nw = old - mutexRef;
      if (state.compare_exchange_weak(old, nw))
        return (nw & (mutexClosed | mutexRefMask)) == mutexClosed;
    }
  }

  // Adds a reference and takes the read or the write lock, parking while another goroutine
  // holds it; false if closed.
  bool rwlock(bool read) {
    const uint64_t mutexBit = read ? mutexRLock : mutexWLock;
    const uint64_t mutexWait = read ? mutexRWait : mutexWWait;
    const uint64_t mutexMask = read ? mutexRMask : mutexWMask;
    std::atomic<uint32_t>* mutexSema = read ? &rsema : &wsema;
    for (;;) {
      uint64_t old = state.load();
      if (old & mutexClosed) return false;
      uint64_t nw;
      if ((old & mutexBit) == 0) {
        nw = (old | mutexBit) + mutexRef;  // free: take it, with a reference
        if ((nw & mutexRefMask) == 0) gopanic(overflowMsg);
      } else {
        nw = old + mutexWait;  // held: count ourselves as a waiter
        if ((nw & mutexMask) == 0) gopanic(overflowMsg);
      }
      if (state.compare_exchange_weak(old, nw)) {
        if ((old & mutexBit) == 0) return true;
        semacquire(mutexSema);
        // Whoever woke us took us off the waiter count: try again from the top.
      }
    }
  }

  // Drops the lock and the reference, waking one waiter; true if it was the last reference
  // of a closed fdMutex.
  bool rwunlock(bool read) {
    const uint64_t mutexBit = read ? mutexRLock : mutexWLock;
    const uint64_t mutexWait = read ? mutexRWait : mutexWWait;
    const uint64_t mutexMask = read ? mutexRMask : mutexWMask;
    std::atomic<uint32_t>* mutexSema = read ? &rsema : &wsema;
    for (;;) {
      uint64_t old = state.load();
      if ((old & mutexBit) == 0 || (old & mutexRefMask) == 0)
        gopanic("inconsistent poll.fdMutex");
      // Release the lock and our reference; if someone waits, take one waiter off the count
      // and wake it.
      uint64_t nw = (old & ~mutexBit) - mutexRef;
      if (old & mutexMask) nw -= mutexWait;
      if (state.compare_exchange_weak(old, nw)) {
        if (old & mutexMask) semrelease(mutexSema);
        return (nw & (mutexClosed | mutexRefMask)) == mutexClosed;
      }
    }
  }
};

// Go: internal/poll.FD -- a descriptor, its fdMutex and its pollDesc.
class FD {
 public:
  FD(int32_t sysfd, bool isFile) : Sysfd(sysfd), isFile_(isFile) {}

  int32_t Sysfd;

  // Go: FD.Init. Register with the poller (the descriptor must be O_NONBLOCK), or, if !pollable
  // or the poller refuses it, use the descriptor in blocking mode.
  Error Init(bool pollable) {
    if (!pollable) {
      isBlocking_ = true;
      return 0;
    }
    serverInit();
    int e = 0;
    pollDesc* p = poll_runtime_pollOpen(static_cast<uintptr_t>(Sysfd), &e);
    if (!p) {
      isBlocking_ = true;  // the poller refused it: plain blocking calls from now on
      return e;
    }
    pd_ = p;
    return 0;
  }

  bool closed() const { return fdmu_.state.load() & mutexClosed; }

  // Go: FD.Close.
  Error Close() {
    if (!fdmu_.increfAndClose()) return errClosing();
    // Wake every goroutine parked on the pollDesc (Go: pd.evict); they return the closing
    // error and drop their references, and any that tries to park from now on fails at once.
    // None of them can take long: the descriptor is non-blocking.
    if (pd_) poll_runtime_pollUnblock(pd_);
    // Drop our own reference; if it was the last one, this closes the descriptor right here.
    Error err = decref();
    // Otherwise the last goroutine to let go closes it: wait for that, so that the descriptor
    // is gone when Close returns. Not in blocking mode, though: a goroutine inside a blocking
    // read(2) could keep us waiting for ever.
    if (!isBlocking_) semacquire(&csema_);
    return err;
  }

  // Go: FD.Read.
  IOResult Read(void* p, size_t n) {
    if (Error e = readLock()) return {0, e};
    IOResult res = readLocked(p, n);
    readUnlock();
    return res;
  }

  // Go: FD.Write.
  IOResult Write(const void* p, size_t n) {
    if (Error e = writeLock()) return {0, e};
    IOResult res = writeLocked(static_cast<const char*>(p), n);
    writeUnlock();
    return res;
  }

  // Go: FD.Accept. Returns the new descriptor (non-blocking, close-on-exec) or -1 and *err.
  int32_t Accept(Error* err) {
    if ((*err = readLock()) != 0) return -1;
    int32_t s = acceptLocked(err);
    readUnlock();
    return s;
  }

  // Go: FD.Shutdown.
  Error Shutdown(int32_t how) {
    if (!fdmu_.incref()) return errClosing();
    SyscallResult r = RawSyscall(os::kSysShutdown, static_cast<uintptr_t>(Sysfd),
                                 static_cast<uintptr_t>(how));
    decref();
    return errnoErr(r);
  }

  // Go: setDeadlineImpl. t is an absolute Nanotime, 0 for none; mode 'r', 'w' or 'r'+'w'.
  Error SetDeadline(int64_t t, int mode) {
    int64_t d = 0;
    if (t != 0) {
      d = t - os::nanotime();
      if (d == 0) d = -1;  // "now" is a deadline that has passed, not "no deadline"
    }
    if (!fdmu_.incref()) return errClosing();
    Error err = 0;
    if (!pd_) {
      err = ErrNoDeadline;
    } else {
      poll_runtime_pollSetDeadline(pd_, d, mode);
    }
    decref();
    return err;
  }

  // Go: netFD.connect for a non-blocking socket, then FD.Init. Parks while the connection is in
  // progress.
  Error Connect(const os::sockaddrUnix* sa, uint32_t salen) {
    int64_t backoff = Millisecond;
    for (;;) {
      SyscallResult r = RawSyscall(os::kSysConnect, static_cast<uintptr_t>(Sysfd),
                                   reinterpret_cast<uintptr_t>(sa), salen);
      const Error e = errnoErr(r);
      if (e == os::kEINPROGRESS || e == os::kEALREADY || e == os::kEINTR) break;
      if (e == 0 || e == os::kEISCONN) return Init(true);
      if (e == os::kEAGAIN) {
        // An AF_UNIX listener's backlog is full. Linux says EAGAIN at once to a non-blocking
        // connect (a blocking one would sleep until there is room), and Go returns that error
        // to the caller. We wait and try again instead, doubling the wait up to 16 ms -- what
        // a TCP client gets from its SYN retries, and what the Go articles' 5,000 clients
        // need when they all dial at once.
        Sleep(backoff);
        if (backoff < 16 * Millisecond) backoff *= 2;
        continue;
      }
      return e;
    }
    if (Error e = Init(true)) return e;
    for (;;) {
      // The connection is under way: writable means it is settled, and SO_ERROR says how
      // (calling connect again would not reliably tell). Go also confirms success with
      // getpeername, against spurious wakeups; an AF_UNIX connect never comes this way on
      // Linux or Handoff, it succeeds or fails at once.
      if (Error e = WaitWrite()) return e;
      int32_t nerr = 0;
      uint32_t len = sizeof nerr;
      SyscallResult r = RawSyscall6(os::kSysGetsockopt, static_cast<uintptr_t>(Sysfd),
                                    os::kSOL_SOCKET, os::kSO_ERROR,
                                    reinterpret_cast<uintptr_t>(&nerr),
                                    reinterpret_cast<uintptr_t>(&len), 0);
      if (r.err) return errnoErr(r);
      if (nerr == os::kEINPROGRESS || nerr == os::kEALREADY || nerr == os::kEINTR) continue;
      return nerr == os::kEISCONN ? 0 : nerr;
    }
  }

  // Go: FD.WaitWrite.
  Error WaitWrite() { return pd_ ? convertErr(poll_runtime_pollWait(pd_, 'w')) : ErrNotPollable; }

 private:
  Error errClosing() const { return isFile_ ? ErrFileClosing : ErrNetClosing; }

  // Go: convertErr. A pollDesc error code as the error the caller sees.
  Error convertErr(int res) const {
    switch (res) {
      case pollNoError: return 0;
      case pollErrClosing: return errClosing();
      case pollErrTimeout: return ErrDeadlineExceeded;
      case pollErrNotPollable: return ErrNotPollable;
    }
    print("unreachable: ", res, "\n");
    gopanic("unreachable");
  }

  // Go: pollDesc.prepareRead / prepareWrite / waitRead / waitWrite. No pollDesc: nothing to
  // prepare, nothing to wait for (blocking mode).
  Error prepare(int mode) { return pd_ ? convertErr(poll_runtime_pollReset(pd_, mode)) : 0; }
  Error wait(int mode) { return convertErr(poll_runtime_pollWait(pd_, mode)); }
  bool pollable() const { return pd_ != nullptr; }

  Error readLock() { return fdmu_.rwlock(true) ? 0 : errClosing(); }
  void readUnlock() {
    if (fdmu_.rwunlock(true)) destroy();
  }
  Error writeLock() { return fdmu_.rwlock(false) ? 0 : errClosing(); }
  void writeUnlock() {
    if (fdmu_.rwunlock(false)) destroy();
  }
  Error decref() { return fdmu_.decref() ? destroy() : 0; }

  // Go: FD.destroy. The last reference is gone: unregister and close the descriptor, and let
  // Close return.
  Error destroy() {
    // Out of epoll first, while the number still names this descriptor.
    if (pd_) {
      poll_runtime_pollClose(pd_);
      pd_ = nullptr;
    }
    SyscallResult r = RawSyscall(os::kSysClose, static_cast<uintptr_t>(Sysfd));
    Sysfd = -1;
    semrelease(&csema_);
    return errnoErr(r);
  }

  // Go: FD.eofError. A read of 0 bytes from a stream is EOF.
  Error eofError(int64_t n, Error err) const { return n == 0 && err == 0 ? ErrEOF : err; }

  IOResult readLocked(void* p, size_t n) {
    // Nothing asked, nothing read -- and no read(2), whose 0 would look like EOF.
    if (n == 0) return {0, 0};
    if (Error e = prepare('r')) return {0, e};
    if (n > maxRW) n = maxRW;
    for (;;) {
      SyscallResult r = sysIO(isBlocking_, os::kSysRead, static_cast<uintptr_t>(Sysfd),
                              reinterpret_cast<uintptr_t>(p), n);
      int64_t got = 0;
      Error err = errnoErr(r);
      if (err != 0) {
        if (err == os::kEAGAIN && pollable()) {
          if ((err = wait('r')) == 0) continue;
        }
      } else {
        got = static_cast<int64_t>(r.r1);
      }
      return {got, eofError(got, err)};
    }
  }

  IOResult writeLocked(const char* p, size_t n) {
    if (Error e = prepare('w')) return {0, e};
    size_t nn = 0;
    for (;;) {
      size_t max = n;
      if (max - nn > maxRW) max = nn + maxRW;
      SyscallResult r = sysIO(isBlocking_, os::kSysWrite, static_cast<uintptr_t>(Sysfd),
                              reinterpret_cast<uintptr_t>(p + nn), max - nn);
      Error err = errnoErr(r);
      if (err == 0) nn += r.r1;
      if (nn == n) return {static_cast<int64_t>(nn), err};
      if (err == os::kEAGAIN && pollable()) {
        if ((err = wait('w')) == 0) continue;
      }
      if (err != 0) return {static_cast<int64_t>(nn), err};
      if (r.r1 == 0) return {static_cast<int64_t>(nn), ErrUnexpectedEOF};
    }
  }

  int32_t acceptLocked(Error* err) {
    if ((*err = prepare('r')) != 0) return -1;
    for (;;) {
      SyscallResult r = RawSyscall6(os::kSysAccept4, static_cast<uintptr_t>(Sysfd), 0, 0,
                                    os::kO_NONBLOCK | os::kO_CLOEXEC, 0, 0);
      Error e = errnoErr(r);
      if (e == 0) return static_cast<int32_t>(r.r1);
      if (e == os::kEINTR) continue;
      if (e == os::kEAGAIN && pollable()) {
        if ((e = wait('r')) == 0) continue;
      } else if (e == os::kECONNABORTED) {
        continue;  // the client gave up while queued: take the next one
      }
      *err = e;
      return -1;
    }
  }

  fdMutex fdmu_;
  pollDesc* pd_ = nullptr;          // nullptr: not in the poller (blocking mode)
  std::atomic<uint32_t> csema_{0};  // Close waits here for the last reference
  bool isBlocking_ = false;
  const bool isFile_;  // a file (pipe): errors say "file", not "network connection"
};

}  // namespace poll

namespace {

// Go: sysSocket. A non-blocking, close-on-exec AF_UNIX stream socket.
Error sysSocket(int32_t* s) {
  SyscallResult r = RawSyscall(os::kSysSocket, os::kAF_UNIX,
                               os::kSOCK_STREAM | os::kO_NONBLOCK | os::kO_CLOEXEC, 0);
  if (r.err) return static_cast<Error>(r.err);
  *s = static_cast<int32_t>(r.r1);
  return 0;
}

// Go: SockaddrUnix.sockaddr. path as a sockaddr_un: its length counts the terminating NUL,
// except for an abstract name ('@' becomes the leading NUL, and nothing follows the name).
Error unixSockaddr(const char* path, os::sockaddrUnix* sa, uint32_t* len) {
  size_t n = 0;
  while (path[n]) n++;
  if (n == 0 || n >= sizeof sa->path) return os::kEINVAL;
  sa->family = os::kAF_UNIX;
  for (size_t i = 0; i < sizeof sa->path; i++) sa->path[i] = i < n ? path[i] : 0;
  uint32_t sl = 2 + static_cast<uint32_t>(n) + 1;
  if (sa->path[0] == '@') {
    sa->path[0] = 0;
    sl--;  // an abstract name is exactly its bytes: no terminating NUL in the length
  }
  *len = sl;
  return 0;
}

void closeRaw(int32_t fd) { RawSyscall(os::kSysClose, static_cast<uintptr_t>(fd)); }

}  // namespace

// ---- File ---------------------------------------------------------------------------------

File::~File() {
  if (!fd_->closed()) fd_->Close();
  delete fd_;
}
IOResult File::Read(void* p, size_t n) { return fd_->Read(p, n); }
IOResult File::Write(const void* p, size_t n) { return fd_->Write(p, n); }
Error File::Close() { return fd_->Close(); }
Error File::SetDeadline(int64_t t) { return fd_->SetDeadline(t, 'r' + 'w'); }
Error File::SetReadDeadline(int64_t t) { return fd_->SetDeadline(t, 'r'); }
Error File::SetWriteDeadline(int64_t t) { return fd_->SetDeadline(t, 'w'); }
int File::Fd() const { return fd_->Sysfd; }

// Go: os.Pipe -- pipe2(O_CLOEXEC), then newFile(kindPipe): non-blocking and in the poller if
// the poller takes it.
PipeResult Pipe() {
  poll::serverInit();
  const bool pollable = netpollUsesEpoll();
  int32_t p[2];
  SyscallResult r = RawSyscall(os::kSysPipe2, reinterpret_cast<uintptr_t>(p),
                               os::kO_CLOEXEC | (pollable ? os::kO_NONBLOCK : 0));
  if (r.err) return {nullptr, nullptr, static_cast<Error>(r.err)};
  auto* rfd = new poll::FD(p[0], true);
  auto* wfd = new poll::FD(p[1], true);
  Error err = rfd->Init(pollable);
  if (err == 0) err = wfd->Init(pollable);
  if (err != 0) {
    rfd->Close();
    wfd->Close();
    delete rfd;
    delete wfd;
    return {nullptr, nullptr, err};
  }
  return {std::make_unique<File>(rfd), std::make_unique<File>(wfd), 0};
}

// ---- Conn ---------------------------------------------------------------------------------

Conn::~Conn() {
  if (!fd_->closed()) fd_->Close();
  delete fd_;
}
IOResult Conn::Read(void* p, size_t n) { return fd_->Read(p, n); }
IOResult Conn::Write(const void* p, size_t n) { return fd_->Write(p, n); }
Error Conn::Close() { return fd_->Close(); }
Error Conn::CloseWrite() { return fd_->Shutdown(os::kSHUT_WR); }
Error Conn::SetDeadline(int64_t t) { return fd_->SetDeadline(t, 'r' + 'w'); }
Error Conn::SetReadDeadline(int64_t t) { return fd_->SetDeadline(t, 'r'); }
Error Conn::SetWriteDeadline(int64_t t) { return fd_->SetDeadline(t, 'w'); }
int Conn::Fd() const { return fd_->Sysfd; }

// Go: net.Dial("unix", path) -- DialUnix: a socket, then a connect that parks while it is in
// progress.
ConnResult Dial(const char* path) {
  os::sockaddrUnix sa;
  uint32_t salen;
  if (Error e = unixSockaddr(path, &sa, &salen)) return {nullptr, e};
  poll::serverInit();
  int32_t s;
  if (Error e = sysSocket(&s)) return {nullptr, e};
  auto* fd = new poll::FD(s, false);
  if (Error e = fd->Connect(&sa, salen)) {
    fd->Close();
    delete fd;
    return {nullptr, e};
  }
  return {std::make_unique<Conn>(fd), 0};
}

// ---- Listener -----------------------------------------------------------------------------

Listener::Listener(poll::FD* fd, const char* path) : fd_(fd) {
  size_t i = 0;
  for (; path[i] && i + 1 < sizeof path_; i++) path_[i] = path[i];
  path_[i] = 0;
}

Listener::~Listener() {
  if (!fd_->closed()) Close();
  delete fd_;
}

// Go: UnixListener.Accept.
ConnResult Listener::Accept() {
  Error err = 0;
  int32_t s = fd_->Accept(&err);
  if (s < 0) return {nullptr, err};
  auto* fd = new poll::FD(s, false);
  if (Error e = fd->Init(true)) {
    fd->Close();
    delete fd;
    return {nullptr, e};
  }
  return {std::make_unique<Conn>(fd), 0};
}

// Go: UnixListener.close. The operating system doesn't clean up the file that Listen created,
// so we remove it ourselves, before closing (Go's order), and only on the first Close.
Error Listener::Close() {
  if (fd_->closed()) return ErrNetClosing;
  if (path_[0] != '@')
    RawSyscall(os::kSysUnlinkat, static_cast<uintptr_t>(static_cast<intptr_t>(os::kAT_FDCWD)),
               reinterpret_cast<uintptr_t>(path_), 0);
  return fd_->Close();
}

int Listener::Fd() const { return fd_->Sysfd; }

// Go: net.Listen("unix", path) -- ListenUnix: socket, bind, listen, then into the poller.
ListenResult Listen(const char* path) {
  os::sockaddrUnix sa;
  uint32_t salen;
  if (Error e = unixSockaddr(path, &sa, &salen)) return {nullptr, e};
  poll::serverInit();
  int32_t s;
  if (Error e = sysSocket(&s)) return {nullptr, e};
  SyscallResult r = RawSyscall(os::kSysBind, static_cast<uintptr_t>(s),
                               reinterpret_cast<uintptr_t>(&sa), salen);
  if (!r.err) r = RawSyscall(os::kSysListen, static_cast<uintptr_t>(s), os::kSOMAXCONN);
  if (r.err) {
    closeRaw(s);
    return {nullptr, static_cast<Error>(r.err)};
  }
  auto* fd = new poll::FD(s, false);
  if (Error e = fd->Init(true)) {
    fd->Close();
    delete fd;
    return {nullptr, e};
  }
  return {std::make_unique<Listener>(fd, path), 0};
}

// ---- inspection -----------------------------------------------------------------------------

namespace inspect {
NetpollStats ReadNetpoll() {
  NetpollStats s{};
  s.epoll = netpollUsesEpoll();
  s.waiters = netpollWaitersCount();
  s.blocked = sched.lastpoll.load() == 0;
  s.breakPending = netpollBreakPending();
  s.pollUntil = s.blocked ? sched.pollUntil.load() : 0;
  s.blockingPolls = netpollstats.blockingPolls.load(std::memory_order_relaxed);
  s.breaks = netpollstats.breaks.load(std::memory_order_relaxed);
  s.breaksCoalesced = netpollstats.breaksCoalesced.load(std::memory_order_relaxed);
  s.breakWakeups = netpollstats.breakWakeups.load(std::memory_order_relaxed);
  s.readied = netpollstats.readied.load(std::memory_order_relaxed);
  s.sysmonReadied = netpollstats.sysmonReadied.load(std::memory_order_relaxed);
  return s;
}
}  // namespace inspect

}  // namespace rt
