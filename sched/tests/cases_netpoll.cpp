// sched/tests/cases_netpoll.cpp -- the netpoller and the net API (net.h): goroutines parked on
// descriptors hold no threads, deadlines, close, netpollBreak, sysmon's poll, and the Go
// articles' second experiment -- an echo server with 5,000 clients -- against the same shape
// over blocking system calls.
//
// Every assertion is a count or a value: thread counts, goroutines parked (netpollWaiters),
// counters of the poller (rt::inspect::ReadNetpoll), bytes echoed, errors returned.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "chan.h"
#include "child_process.h"
#include "defs_linux.h"  // Linux errno values (newlib's <errno.h> differs)
#include "net.h"
#include "os.h"          // the runtime's system call numbers (os::kSys*)
#include "rtest.h"
#include "runtime.h"
#include "runtime2.h"    // waitReasonIOWait, for the trace
#include "sync.h"
#include "trace.h"

namespace rtest {
extern const char* g_self_path;  // rtest.cpp: argv[0], the program runChild starts
}

namespace {

constexpr uint32_t kGsyscall = 3;

// ThreadSanitizer makes every goroutine a fiber, counts fibers as threads (at most 8,128) and
// keeps a vector clock as long as that count for each: under it the big cases run at a fifth
// of their size, 2,000 goroutines instead of 10,000.
//
// The thread bound of the Go articles' experiment is GOMAXPROCS + 3: the Ms running goroutines,
// the M blocked in epoll, sysmon, and one M in passing -- one that has dropped its P but not
// yet reached the idle list, so that startm, finding no idle M, made another. ThreadSanitizer
// slows the scheduler down enough for two such moments to overlap: two more there.
#if defined(__SANITIZE_THREAD__)
constexpr int kScale(int n) { return n / 5; }
constexpr int kThreadSlack = 5;
#else
constexpr int kScale(int n) { return n; }
constexpr int kThreadSlack = 3;
#endif

rt::Config procs(int n) {
  rt::Config cfg;
  cfg.gomaxprocs = n;
  return cfg;
}

// A fresh AF_UNIX name per call: /tmp/rt-netpoll-<pid>-<n>-<what>.sock where there is a /tmp
// (the Linux host), else at the root.
std::string socketPath(const char* what) {
  static std::atomic<int> n{0};
  static const bool haveTmp = [] {
    int fd = open("/tmp", O_RDONLY);
    if (fd < 0) return false;
    close(fd);
    return true;
  }();
  char buf[100];
  snprintf(buf, sizeof buf, "%s/rt-netpoll-%d-%d-%s.sock", haveTmp ? "/tmp" : "",
           static_cast<int>(getpid()), n.fetch_add(1), what);
  return buf;
}

// Poll cond every millisecond (a timer: the waiting goroutine holds no M) up to limit times.
template <class F>
bool waitFor(F cond, int limit = 20000) {
  for (int i = 0; i < limit; i++) {
    if (cond()) return true;
    rt::Sleep(rt::Millisecond);
  }
  return cond();
}

int waiters() { return rt::inspect::ReadNetpoll().waiters; }

// The waiter count settles to n. A woken G can run -- and finish -- on another M before the M
// that readied it takes it off netpollWaiters: as in Go, netpoll's caller (and a deadline or
// Close) queues the Gs first and adjusts the count after. So a count read right after a wake-up
// may still include the woken G; the count it settles to is the real outcome.
bool waitersSettleTo(int n) {
  return waitFor([n] { return waiters() == n; });
}

// Read exactly n bytes (a stream may deliver them in pieces).
template <class Reader>
bool readFull(Reader* r, char* p, size_t n) {
  size_t got = 0;
  while (got < n) {
    rt::IOResult res = r->Read(p + got, n - got);
    if (res.err) return false;
    got += static_cast<size_t>(res.n);
  }
  return true;
}

// Kernel threads that are not Ms (a sanitizer's background thread, say), so that thread
// counts can be compared with Ms. Call from a goroutine.
int nonMThreads() { return rt::NumThread() - rt::inspect::ReadSched().threads; }

}  // namespace

// The basic path: a read with nothing to read parks the goroutine on the descriptor (IO wait,
// one netpoll waiter), a write readies it, closing the write end gives EOF.
RT_CASE(Netpoll, pipe_read_parks_until_written) {
  rt::Run(
      [] {
        auto [r, w, err] = rt::Pipe();
        CHECK_EQ(err, 0);
        if (err) return;
        CHECK(rt::inspect::ReadNetpoll().epoll);
        rt::WaitGroup wg;
        wg.Add(1);
        std::string got;
        rt::Error last = 0;
        rt::go([&, r = r.get()] {
          char buf[16];
          for (;;) {
            rt::IOResult res = r->Read(buf, sizeof buf);
            if (res.err) {
              last = res.err;
              break;
            }
            got.append(buf, static_cast<size_t>(res.n));
          }
          wg.Done();
        });
        CHECK(waitFor([] { return waiters() == 1; }));
        rt::IOResult res = w->Write("hello", 5);
        CHECK_EQ(res.n, 5);
        CHECK_EQ(res.err, 0);
        CHECK(waitFor([&] { return waiters() == 1 && got.size() == 5; }));  // parked again
        CHECK_EQ(w->Close(), 0);
        wg.Wait();
        CHECK(got == "hello");
        CHECK_EQ(last, rt::ErrEOF);
        CHECK(waitersSettleTo(0));
      },
      procs(2));
}

// The Go articles' second experiment, with counts. GOMAXPROCS=4, an echo server (one goroutine
// accepting, one per connection) and 5,000 client goroutines that each dial, send a message,
// read the echo and then wait until all have been served -- so at the peak 5,000 server
// goroutines are parked in Read and 5,000 clients on a channel. Over the netpoller: every echo
// intact, and the process never has more than GOMAXPROCS + 3 threads (Ps' Ms, the M blocked in
// epoll, sysmon, one spare). Then the same shape over blocking system calls -- blocking sockets
// read with Syscall, as a file would be -- where every server goroutine waiting for its client
// keeps its own M: the thread count grows with the connections. (200 connections there: enough
// to show the growth, and 200 threads fit in Handoff's memory where 5,000 would not.)
RT_CASE(Netpoll, echo_5000_clients_threads_vs_blocking) {
  constexpr int kClients = kScale(5000), kProcs = 4, kBlockingClients = 200;
  rt::Run(
      [] {
        const int others = nonMThreads();
        const int64_t created0 = rt::inspect::ReadSched().mcreated;
        // ---- over the netpoller ----
        std::string path = socketPath("echo");
        auto [ln, err] = rt::Listen(path.c_str());
        CHECK_EQ(err, 0);
        if (err) return;
        std::atomic<int> handlersEOF{0}, echoedOK{0};
        rt::Error acceptErr = 0;
        rt::WaitGroup server;
        server.Add(1);
        rt::go([&, l = ln.get()] {
          for (;;) {
            auto [c, e] = l->Accept();
            if (e) {
              acceptErr = e;
              break;
            }
            server.Add(1);
            rt::go([&, c = std::move(c)] {
              char buf[64];
              for (;;) {
                rt::IOResult r = c->Read(buf, sizeof buf);
                if (r.err) {
                  if (r.err == rt::ErrEOF) handlersEOF.fetch_add(1);
                  break;
                }
                if (c->Write(buf, static_cast<size_t>(r.n)).err) break;
              }
              server.Done();
            });
          }
          server.Done();
        });

        rt::WaitGroup echoed, done;
        rt::Chan<int> release;
        echoed.Add(kClients);
        done.Add(kClients);
        for (int i = 0; i < kClients; i++) {
          rt::go([&, i] {
            char msg[32], back[32];
            int n = snprintf(msg, sizeof msg, "hello from client %d", i);
            auto [c, e] = rt::Dial(path.c_str());
            CHECK_EQ(e, 0);
            if (!e && c->Write(msg, static_cast<size_t>(n)).n == n &&
                readFull(c.get(), back, static_cast<size_t>(n)) && memcmp(msg, back, n) == 0)
              echoedOK.fetch_add(1);
            echoed.Done();
            int v;
            release.Recv(&v);  // until every client has been served
            if (c) c->Close();
            done.Done();
          });
        }
        echoed.Wait();
        // The peak: every server goroutine parked in Read, the acceptor in Accept.
        CHECK(waitFor([] { return waiters() == kClients + 1; }));
        rt::inspect::SchedStats s = rt::inspect::ReadSched();
        const int threads = rt::NumThread() - others;
        const int ms = s.threads;
        const int64_t created = s.mcreated - created0;
        const int parked = waiters();
        release.Close();
        done.Wait();
        CHECK_EQ(ln->Close(), 0);
        server.Wait();
        CHECK_EQ(echoedOK.load(), kClients);
        CHECK_EQ(handlersEOF.load(), kClients);
        CHECK_EQ(acceptErr, rt::ErrNetClosing);
        CHECK_EQ(parked, kClients + 1);
        CHECK_LE(ms, kProcs + kThreadSlack);
        CHECK_LE(created, kProcs + kThreadSlack);
        CHECK_LE(threads, kProcs + kThreadSlack);

        // ---- the same shape over blocking I/O ----
        std::string bpath = socketPath("echo-blocking");
        rt::os::sockaddrUnix sa{};
        sa.family = rt::os::kAF_UNIX;
        strncpy(sa.path, bpath.c_str(), sizeof sa.path - 1);
        const uintptr_t salen = 2 + bpath.size() + 1;
        const int lfd = static_cast<int>(
            rt::RawSyscall(rt::os::kSysSocket, rt::os::kAF_UNIX, rt::os::kSOCK_STREAM).r1);
        CHECK_EQ(rt::RawSyscall(rt::os::kSysBind, lfd, reinterpret_cast<uintptr_t>(&sa), salen)
                     .err,
                 0u);
        CHECK_EQ(rt::RawSyscall(rt::os::kSysListen, lfd, 1024).err, 0u);
        std::atomic<int> bEOF{0}, bOK{0};
        rt::WaitGroup bserver, bechoed, bdone;
        rt::Chan<int> brelease;
        bserver.Add(kBlockingClients);
        rt::go([&] {
          for (int i = 0; i < kBlockingClients; i++) {
            rt::SyscallResult a = rt::Syscall(rt::os::kSysAccept4, lfd, 0, 0);
            CHECK_EQ(a.err, 0u);
            const int cfd = static_cast<int>(a.r1);
            rt::go([&, cfd] {
              char buf[64];
              for (;;) {
                rt::SyscallResult r = rt::Syscall(rt::os::kSysRead, cfd,
                                                  reinterpret_cast<uintptr_t>(buf), sizeof buf);
                if (r.err || r.r1 == 0) {
                  if (!r.err) bEOF.fetch_add(1);
                  break;
                }
                rt::Syscall(rt::os::kSysWrite, cfd, reinterpret_cast<uintptr_t>(buf), r.r1);
              }
              rt::RawSyscall(rt::os::kSysClose, cfd);
              bserver.Done();
            });
          }
        });
        bechoed.Add(kBlockingClients);
        bdone.Add(kBlockingClients);
        for (int i = 0; i < kBlockingClients; i++) {
          rt::go([&, i] {
            char msg[32], back[32];
            int n = snprintf(msg, sizeof msg, "blocking client %d", i);
            const int fd = static_cast<int>(
                rt::RawSyscall(rt::os::kSysSocket, rt::os::kAF_UNIX, rt::os::kSOCK_STREAM).r1);
            bool ok = rt::Syscall(rt::os::kSysConnect, fd, reinterpret_cast<uintptr_t>(&sa),
                                  salen).err == 0 &&
                      rt::Syscall(rt::os::kSysWrite, fd, reinterpret_cast<uintptr_t>(msg), n)
                              .r1 == static_cast<uintptr_t>(n);
            size_t got = 0;
            while (ok && got < static_cast<size_t>(n)) {
              rt::SyscallResult r = rt::Syscall(rt::os::kSysRead, fd,
                                                reinterpret_cast<uintptr_t>(back + got), n - got);
              ok = !r.err && r.r1 > 0;
              got += ok ? r.r1 : 0;
            }
            if (ok && memcmp(msg, back, n) == 0) bOK.fetch_add(1);
            bechoed.Done();
            int v;
            brelease.Recv(&v);
            rt::RawSyscall(rt::os::kSysClose, fd);
            bdone.Done();
          });
        }
        bechoed.Wait();
        // Every server goroutine is in a blocking read(2), each on an M of its own.
        CHECK(waitFor([] { return rt::inspect::CountGStatus(kGsyscall) >= kBlockingClients; }));
        rt::inspect::SchedStats bs = rt::inspect::ReadSched();
        const int bthreads = rt::NumThread() - others;
        brelease.Close();
        bdone.Wait();
        bserver.Wait();
        rt::RawSyscall(rt::os::kSysClose, lfd);
        rt::RawSyscall(rt::os::kSysUnlinkat, static_cast<uintptr_t>(-100),
                       reinterpret_cast<uintptr_t>(bpath.c_str()), 0);
        CHECK_EQ(bOK.load(), kBlockingClients);
        CHECK_EQ(bEOF.load(), kBlockingClients);
        CHECK_GE(bs.threads, kBlockingClients);
        CHECK_GE(bthreads, kBlockingClients);
        rtest::note("netpoll: %d clients echoed, %d goroutines parked, threads %d (Ms %d, "
                    "created %lld); blocking: %d clients, threads %d (Ms %d)",
                    echoedOK.load(), parked, threads, ms, static_cast<long long>(created),
                    bOK.load(), bthreads, bs.threads);
      },
      procs(kProcs));
}

// 10,000 goroutines parked on descriptors -- both ends of 4,000 socket connections, 1,000
// empty pipes (readers) and 1,000 full pipes (writers) -- and still only GOMAXPROCS + 3 threads.
// Then closing wakes every one of them with the right error: the closed side's own waiter gets
// ErrNetClosing, its peer's reader EOF; a pipe's reader EOF, a full pipe's writer EPIPE.
RT_CASE(Netpoll, ten_thousand_parked_cost_no_threads) {
  constexpr int kConns = kScale(4000), kPipes = kScale(1000), kProcs = 4;
  constexpr int kParked = 2 * kConns + 2 * kPipes;
  rt::Run(
      [] {
        const int others = nonMThreads();
        std::string path = socketPath("parked");
        auto [ln, err] = rt::Listen(path.c_str());
        CHECK_EQ(err, 0);
        if (err) return;
        std::vector<std::unique_ptr<rt::Conn>> client(kConns), server(kConns);
        for (int i = 0; i < kConns; i++) {
          auto [c, e] = rt::Dial(path.c_str());
          CHECK_EQ(e, 0);
          auto [s, e2] = ln->Accept();
          CHECK_EQ(e2, 0);
          if (e || e2) return;
          client[i] = std::move(c);
          server[i] = std::move(s);
        }
        std::vector<std::unique_ptr<rt::File>> er(kPipes), ew(kPipes), fr(kPipes), fw(kPipes);
        for (int i = 0; i < kPipes; i++) {
          auto [r, w, e] = rt::Pipe();
          auto [r2, w2, e2] = rt::Pipe();
          CHECK_EQ(e, 0);
          CHECK_EQ(e2, 0);
          if (e || e2) return;
          er[i] = std::move(r);
          ew[i] = std::move(w);
          fr[i] = std::move(r2);
          fw[i] = std::move(w2);
        }
        static char big[256 * 1024];  // more than any pipe holds
        std::atomic<int> closing{0}, eof{0}, epipe{0}, other{0};
        rt::WaitGroup wg;
        wg.Add(kParked);
        auto classify = [&](rt::Error e) {
          if (e == rt::ErrNetClosing) closing.fetch_add(1);
          else if (e == rt::ErrEOF) eof.fetch_add(1);
          else if (e == rt::os::kEPIPE) epipe.fetch_add(1);
          else other.fetch_add(1);
          wg.Done();
        };
        for (int i = 0; i < kConns; i++) {
          for (rt::Conn* c : {client[i].get(), server[i].get()}) {
            rt::go([&, c] {
              char b;
              classify(c->Read(&b, 1).err);
            });
          }
        }
        for (int i = 0; i < kPipes; i++) {
          rt::go([&, r = er[i].get()] {
            char b;
            classify(r->Read(&b, 1).err);
          });
          rt::go([&, w = fw[i].get()] {
            rt::IOResult res;
            do res = w->Write(big, sizeof big);
            while (!res.err);
            classify(res.err);
          });
        }
        CHECK(waitFor([] { return waiters() == kParked; }));
        const int parked = waiters();
        rt::inspect::SchedStats s = rt::inspect::ReadSched();
        const int threads = rt::NumThread() - others;
        CHECK_EQ(parked, kParked);
        CHECK_LE(s.threads, kProcs + kThreadSlack);
        CHECK_LE(threads, kProcs + kThreadSlack);

        // Close one side of everything: 4,000 ErrNetClosing + 4,000 EOF from the sockets,
        // 1,000 EOF from the empty pipes, 1,000 EPIPE from the full ones.
        for (int i = 0; i < kConns; i++) CHECK_EQ(client[i]->Close(), 0);
        for (int i = 0; i < kPipes; i++) {
          CHECK_EQ(ew[i]->Close(), 0);
          CHECK_EQ(fr[i]->Close(), 0);
        }
        wg.Wait();
        CHECK_EQ(closing.load(), kConns);
        CHECK_EQ(eof.load(), kConns + kPipes);
        CHECK_EQ(epipe.load(), kPipes);
        CHECK_EQ(other.load(), 0);
        CHECK(waitersSettleTo(0));
        CHECK_EQ(client[0]->Close(), rt::ErrNetClosing);  // a second Close
        CHECK_EQ(ew[0]->Close(), rt::ErrFileClosing);
        CHECK_EQ(ln->Close(), 0);
        rtest::note("%d goroutines parked on %d descriptors: threads %d (Ms %d)", parked,
                    2 * kConns + 4 * kPipes + 1, threads, s.threads);
      },
      procs(kProcs));
}

// Deadlines go through the runtime's timers: a blocked read times out with
// ErrDeadlineExceeded; a deadline in the past fails at once; moving a deadline while a read
// waits re-arms the timer; a deadline moved into the past wakes the reader now; and a write
// to a full pipe times out having written what fitted.
RT_CASE(Netpoll, deadline_times_out_blocked_read) {
  rt::Run(
      [] {
        auto [r, w, err] = rt::Pipe();
        CHECK_EQ(err, 0);
        if (err) return;
        char b;
        // A blocked read times out.
        CHECK_EQ(r->SetReadDeadline(rt::Nanotime() + 20 * rt::Millisecond), 0);
        rt::IOResult res = r->Read(&b, 1);
        CHECK_EQ(res.n, 0);
        CHECK_EQ(res.err, rt::ErrDeadlineExceeded);
        // Once expired, every read fails until the deadline is changed.
        CHECK_EQ(r->Read(&b, 1).err, rt::ErrDeadlineExceeded);
        CHECK_EQ(r->SetReadDeadline(0), 0);
        w->Write("x", 1);
        res = r->Read(&b, 1);
        CHECK_EQ(res.n, 1);
        CHECK_EQ(res.err, 0);
        // In the past: no wait at all, even with data there (Go checks the deadline first).
        w->Write("y", 1);
        CHECK_EQ(r->SetReadDeadline(rt::Nanotime() - rt::Second), 0);
        CHECK_EQ(r->Read(&b, 1).err, rt::ErrDeadlineExceeded);
        CHECK_EQ(r->SetReadDeadline(0), 0);
        CHECK_EQ(r->Read(&b, 1).n, 1);

        // Moved while a reader waits: an hour, then two hours (the timer is re-armed), then
        // data arrives: the read succeeds. Then an hour again, moved into the past: the reader
        // wakes at once with the timeout.
        rt::Chan<rt::IOResult> results(1);
        auto reader = [&, rp = r.get()] {
          char c;
          results.Send(rp->Read(&c, 1));
        };
        CHECK_EQ(r->SetReadDeadline(rt::Nanotime() + 3600 * rt::Second), 0);
        rt::go(reader);
        CHECK(waitFor([] { return waiters() == 1; }));
        CHECK_EQ(r->SetReadDeadline(rt::Nanotime() + 7200 * rt::Second), 0);
        w->Write("z", 1);
        res = results.Recv();
        CHECK_EQ(res.n, 1);
        CHECK_EQ(res.err, 0);
        CHECK_EQ(r->SetReadDeadline(rt::Nanotime() + 3600 * rt::Second), 0);
        rt::go(reader);
        CHECK(waitFor([] { return waiters() == 1; }));
        CHECK_EQ(r->SetReadDeadline(rt::Nanotime() - 1), 0);
        res = results.Recv();
        CHECK_EQ(res.n, 0);
        CHECK_EQ(res.err, rt::ErrDeadlineExceeded);
        CHECK(waitersSettleTo(0));
        CHECK_EQ(r->SetReadDeadline(0), 0);

        // A write deadline on a pipe that fills up: partial count, then the timeout.
        static char big[1 << 20];
        CHECK_EQ(w->SetWriteDeadline(rt::Nanotime() + 20 * rt::Millisecond), 0);
        res = w->Write(big, sizeof big);
        CHECK_EQ(res.err, rt::ErrDeadlineExceeded);
        CHECK(res.n > 0 && res.n < static_cast<int64_t>(sizeof big));

        // Deadlines on sockets, both directions at once (one timer serves both).
        std::string path = socketPath("deadline");
        auto [ln, e1] = rt::Listen(path.c_str());
        auto [c, e2] = rt::Dial(path.c_str());
        CHECK_EQ(e1, 0);
        CHECK_EQ(e2, 0);
        if (e1 || e2) return;
        CHECK_EQ(c->SetDeadline(rt::Nanotime() + 20 * rt::Millisecond), 0);
        CHECK_EQ(c->Read(&b, 1).err, rt::ErrDeadlineExceeded);
        CHECK_EQ(c->Write("q", 1).err, rt::ErrDeadlineExceeded);
        CHECK_EQ(c->SetDeadline(0), 0);
        CHECK_EQ(c->Write("q", 1).n, 1);
        CHECK_EQ(ln->Close(), 0);
        CHECK_EQ(c->Close(), 0);
        CHECK_EQ(c->SetReadDeadline(0), rt::ErrNetClosing);
      },
      procs(2));
}

// Closing a descriptor wakes everything waiting on it with the closing error: the reader
// parked on the pollDesc and the readers queued behind it on the descriptor's read lock; a
// reader and a writer parked on one socket; a goroutine in Accept. Close returns only once the
// descriptor is really closed.
RT_CASE(Netpoll, close_wakes_waiters_with_error) {
  rt::Run(
      [] {
        auto [r, w, err] = rt::Pipe();
        CHECK_EQ(err, 0);
        if (err) return;
        constexpr int kReaders = 3;
        std::atomic<int> closing{0};
        rt::WaitGroup wg;
        wg.Add(kReaders);
        for (int i = 0; i < kReaders; i++) {
          rt::go([&, rp = r.get()] {
            char b;
            rt::IOResult res = rp->Read(&b, 1);
            if (res.err == rt::ErrFileClosing && res.n == 0) closing.fetch_add(1);
            wg.Done();
          });
        }
        // One reader on the pollDesc, two on the read lock's semaphore.
        CHECK(waitFor([] { return waiters() == 1; }));
        for (int i = 0; i < 5; i++) rt::Sleep(rt::Millisecond);
        CHECK_EQ(r->Close(), 0);
        wg.Wait();
        CHECK_EQ(closing.load(), kReaders);
        CHECK(waitersSettleTo(0));
        char b;
        CHECK_EQ(r->Read(&b, 1).err, rt::ErrFileClosing);
        CHECK_EQ(r->Close(), rt::ErrFileClosing);
        CHECK_EQ(w->Write("x", 1).err, rt::os::kEPIPE);  // no reader left: EPIPE, no SIGPIPE

        // A socket with a parked reader and a parked writer (its send buffer full).
        std::string path = socketPath("close");
        auto [ln, e1] = rt::Listen(path.c_str());
        CHECK_EQ(e1, 0);
        if (e1) return;
        auto [c, e2] = rt::Dial(path.c_str());
        auto [s, e3] = ln->Accept();
        CHECK_EQ(e2, 0);
        CHECK_EQ(e3, 0);
        if (e2 || e3) return;
        rt::Error readErr = 0, writeErr = 0;
        wg.Add(2);
        rt::go([&, cp = c.get()] {
          char b2;
          readErr = cp->Read(&b2, 1).err;
          wg.Done();
        });
        rt::go([&, cp = c.get()] {
          static char big[1 << 20];
          rt::IOResult res;
          do res = cp->Write(big, sizeof big);
          while (!res.err);
          writeErr = res.err;
          wg.Done();
        });
        CHECK(waitFor([] { return waiters() == 2; }));
        CHECK_EQ(c->Close(), 0);
        wg.Wait();
        CHECK_EQ(readErr, rt::ErrNetClosing);
        CHECK_EQ(writeErr, rt::ErrNetClosing);

        // Accept, then Close of the listener.
        rt::Error acceptErr = 0;
        wg.Add(1);
        rt::go([&, l = ln.get()] {
          acceptErr = l->Accept().err;
          wg.Done();
        });
        CHECK(waitFor([] { return waiters() == 1; }));
        CHECK_EQ(ln->Close(), 0);
        wg.Wait();
        CHECK_EQ(acceptErr, rt::ErrNetClosing);
        // The peer of the closed connection reads what was sent, then EOF.
        static char sink[1 << 16];
        rt::IOResult last;
        do last = s->Read(sink, sizeof sink);
        while (!last.err);
        CHECK_EQ(last.err, rt::ErrEOF);
        CHECK(waitersSettleTo(0));
      },
      procs(2));
}

// netpollBreak: an M is blocked in epoll_pwait until a timer an hour away; a goroutine then
// sleeps for a millisecond -- a timer due much sooner -- and the blocked M must be woken
// through the eventfd (breakWakeups counts blocking polls that read it), or nobody would run
// that timer until sysmon noticed.
RT_CASE(Netpoll, break_wakes_blocked_poller) {
  rt::Run(
      [] {
        rt::go([] { rt::Sleep(3600 * rt::Second); });  // the far timer
        // Wait (without timers of our own) until some M sleeps in epoll for that hour.
        const int64_t far = rt::Nanotime() + 1800 * rt::Second;
        bool blocked = false;
        for (int i = 0; i < 20000000 && !blocked; i++) {
          rt::inspect::NetpollStats st = rt::inspect::ReadNetpoll();
          // (No break pending either: the poller would return at once to consume it.)
          blocked = st.blocked && !st.breakPending && (st.pollUntil == 0 || st.pollUntil > far);
          if (!blocked) rt::Gosched();
        }
        CHECK(blocked);
        const rt::inspect::NetpollStats s0 = rt::inspect::ReadNetpoll();
        rt::Sleep(rt::Millisecond);
        // The poller counts its wakeup when it reads the eventfd; if the host kept that thread
        // off the CPU for a while, somebody else (sysmon) may have run our timer first. Wait
        // for it without timers of our own -- they would break the poller again.
        for (int i = 0; i < 20000000 && rt::inspect::ReadNetpoll().breakWakeups == s0.breakWakeups;
             i++)
          rt::Gosched();
        const rt::inspect::NetpollStats s1 = rt::inspect::ReadNetpoll();
        CHECK_GE(s1.breaks, s0.breaks + 1);
        CHECK_GE(s1.breakWakeups, s0.breakWakeups + 1);
        rtest::note("breaks %llu (+%llu coalesced), blocking polls woken by a break %llu",
                    static_cast<unsigned long long>(s1.breaks - s0.breaks),
                    static_cast<unsigned long long>(s1.breaksCoalesced - s0.breaksCoalesced),
                    static_cast<unsigned long long>(s1.breakWakeups - s0.breakWakeups));
      },
      procs(2));
}

// sysmon polls the network when nobody has for 10 ms. GOMAXPROCS=1 and the only P busy with a
// goroutine that never blocks (it yields at SafePoint when sysmon asks, and goes straight back
// to the global queue, so findRunnable never reaches its own poll): a goroutine parked on a
// pipe whose data has arrived can only be found by sysmon's netpoll.
RT_CASE(Netpoll, sysmon_polls_when_nobody_does) {
  rt::Run(
      [] {
        auto [r, w, err] = rt::Pipe();
        CHECK_EQ(err, 0);
        if (err) return;
        std::atomic<bool> got{false};
        rt::go([&, rp = r.get()] {
          char b;
          if (rp->Read(&b, 1).n == 1) got.store(true);
        });
        CHECK(waitFor([] { return waiters() == 1; }));
        // An M may still be in the blocking poll that slept for waitFor's timer: let it come
        // back. From then on we hold the only P, and no M can start a blocking poll without one.
        const int64_t guard = rt::Nanotime() + 60 * rt::Second;  // a hang guard, not a timing
        while (rt::inspect::ReadNetpoll().blocked && rt::Nanotime() < guard) rt::SafePoint();
        CHECK(!rt::inspect::ReadNetpoll().blocked);
        const uint64_t before = rt::inspect::ReadNetpoll().sysmonReadied;
        w->Write("x", 1);
        // Spin WITHOUT entering the runtime: our M keeps the only P and never reaches
        // findRunnable's own poll, so sysmon's poll (nobody polled for 10 ms) is the only one
        // that can find the reader. (With SafePoint, a preemption could let findRunnable's
        // non-blocking poll win the race instead.)
        while (rt::inspect::ReadNetpoll().sysmonReadied == before && rt::Nanotime() < guard) {
        }
        CHECK_GE(rt::inspect::ReadNetpoll().sysmonReadied, before + 1);
        while (!got.load() && rt::Nanotime() < guard) rt::SafePoint();
        CHECK(got.load());
      },
      procs(1));
}

// Trace points: a goroutine parking on a descriptor is a GoStatus event with the IO wait
// reason, and the poll that finds it ready a Netpoll event with a count.
RT_CASE(Netpoll, trace_shows_io_wait_and_netpoll) {
  rt::Config cfg = procs(2);
  cfg.trace = true;
  rt::trace::Take();
  rt::Run(
      [] {
        auto [r, w, err] = rt::Pipe();
        CHECK_EQ(err, 0);
        if (err) return;
        rt::WaitGroup wg;
        wg.Add(1);
        rt::go([&, rp = r.get()] {
          char b;
          rp->Read(&b, 1);
          wg.Done();
        });
        CHECK(waitFor([] { return waiters() == 1; }));
        w->Write("x", 1);
        wg.Wait();
      },
      cfg);
  rt::trace::Stop();
  int ioWaits = 0, polls = 0;
  for (const rt::TraceEvent& e : rt::trace::Take()) {
    if (e.ev == static_cast<uint8_t>(rt::TraceEv::GoStatus) && ((e.b >> 8) & 0xff) == 4 &&
        (e.b >> 16) == static_cast<uint64_t>(rt::waitReasonIOWait))
      ioWaits++;
    if (e.ev == static_cast<uint8_t>(rt::TraceEv::Netpoll) && e.a >= 1) polls++;
  }
  CHECK_GE(ioWaits, 1);
  CHECK_GE(polls, 1);
}

// Dial and Listen report the kernel's errors as Linux errnos.
RT_CASE(Netpoll, dial_and_listen_errors) {
  rt::Run([] {
    std::string path = socketPath("errors");
    CHECK_EQ(rt::Dial(path.c_str()).err, rt::os::kENOENT);
    auto [ln, err] = rt::Listen(path.c_str());
    CHECK_EQ(err, 0);
    CHECK_EQ(rt::Listen(path.c_str()).err, rt::os::kEADDRINUSE);
    auto [c, e2] = rt::Dial(path.c_str());
    CHECK_EQ(e2, 0);
    if (ln) CHECK_EQ(ln->Close(), 0);
    CHECK_EQ(rt::Listen("").err, rt::os::kEINVAL);
    CHECK(strcmp(rt::ErrorString(rt::ErrNetClosing), "use of closed network connection") == 0);
  });
}

// ---- no deadlock while goroutines wait on the netpoller ---------------------------------------

// The grandchild: sleeps, then writes to its stdout -- the parent's pipe -- and exits.
RT_CHILD(netpoll_late_writer) {
  struct {
    long sec, nsec;
  } ts{0, 100 * 1000 * 1000};
  rt::RawSyscall(rtest::kSysNanosleep, reinterpret_cast<uintptr_t>(&ts), 0);
  const char msg[] = "late\n";
  rt::RawSyscall(rtest::kSysWrite, 1, reinterpret_cast<uintptr_t>(msg), sizeof msg - 1);
}

// Every goroutine waits on a pipe, no timer is pending, and the writer is another process: Go
// reports no deadlock, because the M blocked in epoll counts as running (checkdead). Helper
// goroutines come and go meanwhile, so Ms go idle -- and checkdead runs -- while the reader
// waits.
RT_CHILD(netpoll_waits_without_deadlock) {
  rt::Run(
      [] {
        auto [r, w, err] = rt::Pipe();
        if (err) return;
        // (A child program has no g_self_path: the case passes it in the environment.)
        const char* self = getenv("RT_NETPOLL_SELF");
        if (!self) return;
        const char* argv[] = {self, "--child", "netpoll_late_writer", nullptr};
        long pid = startChildProcess(self, argv, w->Fd());
        w->Close();
        if (pid < 0) {
          printf("cannot start the writer: %ld\n", pid);
          return;
        }
        for (int i = 0; i < 8; i++) {
          rt::go([] {
            for (int k = 0; k < 10; k++) rt::Gosched();
          });
        }
        auto [r2, w2, err2] = rt::Pipe();  // another goroutine waits on a pipe of its own
        if (err2) return;
        rt::go([rp = r2.get()] {
          char b;
          rp->Read(&b, 1);
        });
        std::string got;
        char buf[16];
        for (;;) {
          rt::IOResult res = r->Read(buf, sizeof buf);
          if (res.err) break;
          got.append(buf, static_cast<size_t>(res.n));
        }
        w2->Close();
        int status = 0;
        waitpid(static_cast<pid_t>(pid), &status, 0);
        printf("read: %s", got.c_str());
        fflush(stdout);
      },
      procs(2));
}

RT_CASE(Netpoll, no_deadlock_while_waiting_on_netpoll) {
  setenv("RT_NETPOLL_SELF", rtest::g_self_path, 1);
  rtest::ChildResult r = rtest::runChild("netpoll_waits_without_deadlock");
  CHECK(r.exited);
  CHECK_EQ(r.status, 0);
  CHECK_CONTAINS(r.output, "read: late");
  CHECK(r.output.find("deadlock") == std::string::npos);
}
