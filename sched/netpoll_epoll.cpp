// sched/netpoll_epoll.cpp -- the network poller on Linux and Handoff: epoll (Go:
// netpoll_epoll.go).
//
// One epoll instance per process. Every pollDesc's descriptor is added to it once, at open,
// for EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET: edge-triggered, both directions, never modified
// afterwards -- the kernel tells us when readiness CHANGES, and the pollDesc remembers a change
// nobody was waiting for (pdReady). The event's 64-bit user data carries the pollDesc pointer,
// tagged with its fdseq so that an event for a descriptor closed meanwhile is dropped.
//
// netpoll(delay) is epoll_pwait on that instance: delay 0 to poll (findRunnable, sysmon),
// otherwise to sleep until a descriptor is ready or the next timer is due (findRunnable's idle
// M). To wake that sleeper early -- a timer was added that is due sooner, Run is ending --
// netpollBreak writes to an eventfd that is also in the epoll set (level-triggered, EPOLLIN).
// netpollWakeSig makes concurrent breaks cost one write: it is set by the first break and
// cleared only by the blocking netpoll that reads the eventfd.
//
// Without epoll (a kernel that answers ENOSYS -- Handoff before its epoll existed) the runtime
// still needs somewhere to sleep until the next timer: then netpoll is Go's netpoll_stub.go, a
// note with a timeout, no descriptor can be registered, and net.cpp's files fall back to
// blocking system calls, as Go's os package does for a descriptor the poller refuses.
#include "defs_linux.h"
#include "netpoll.h"
#include "os.h"
#include "print.h"
#include "runtime2.h"
#include "trace.h"

namespace rt {
namespace {

int32_t epfd = -1;            // the process's epoll instance
int32_t netpollEventFd = -1;  // the eventfd netpollBreak writes to
std::atomic<uint32_t> netpollWakeSig{0};  // 1: a break is written and not yet read

// The eventfd's epoll data: the address of netpollEventFd, which no tagged pollDesc pointer
// can equal (Go does the same).
uint64_t eventFdData() { return reinterpret_cast<uintptr_t>(&netpollEventFd); }

// Go: the events array of netpoll, 128 per epoll_pwait. It lives on the g0 stack of the
// polling M (or sysmon's).
constexpr int32_t kMaxEvents = 128;

// ---- no epoll: netpoll_stub.go -------------------------------------------------------------
bool noEpoll = false;
mutex stubLock;         // only one M sleeps on the note
mutex stubBrokenLock;   // guards stubBroken: avoids a double notewakeup
bool stubBroken;
note stubNote;

void stubBreak() {
  lock(&stubBrokenLock);
  const bool broken = stubBroken;
  stubBroken = true;
  if (!broken) notewakeup(&stubNote);
  unlock(&stubBrokenLock);
}

void stubPoll(int64_t delay) {
  if (delay == 0) return;
  lock(&stubLock);
  lock(&stubBrokenLock);
  noteclear(&stubNote);
  stubBroken = false;
  // Run's shutdown sets its flag and then breaks the poller: checking the flag here, under the
  // lock netpollBreak takes, means that wakeup cannot fall between the check and the sleep.
  const bool stop = sched.shutdown.load();
  unlock(&stubBrokenLock);
  if (!stop) notetsleep(&stubNote, delay);
  unlock(&stubLock);
}

}  // namespace

// Go: netpollinit. Called once, by netpollGenericInit.
void netpollinit() {
  int32_t r = os::epollcreate1(os::kO_CLOEXEC);
  if (r == -os::kENOSYS) {
    noEpoll = true;
    return;
  }
  if (r < 0) {
    print("runtime: epollcreate failed with ", -r, "\n");
    fatal("runtime: netpollinit failed");
  }
  epfd = r;
  const int32_t efd = os::eventfd(0, os::kO_CLOEXEC | os::kO_NONBLOCK);
  if (efd < 0) {
    print("runtime: eventfd failed with ", -efd, "\n");
    fatal("runtime: eventfd failed");
  }
  os::epollevent ev{};
  ev.events = os::kEPOLLIN;
  ev.setData(eventFdData());
  r = os::epollctl(epfd, os::kEPOLL_CTL_ADD, efd, &ev);
  if (r != 0) {
    print("runtime: epollctl failed with ", -r, "\n");
    fatal("runtime: epollctl failed");
  }
  netpollEventFd = efd;
}

// Go: netpollopen. Arm edge-triggered notifications for fd, both directions, once. Returns 0
// or a positive errno.
int32_t netpollopen(uintptr_t fd, pollDesc* pd) {
  if (noEpoll) return os::kENOSYS;
  os::epollevent ev{};
  ev.events = os::kEPOLLIN | os::kEPOLLOUT | os::kEPOLLRDHUP | os::kEPOLLET;
  ev.setData(taggedPointerPack(pd, pd->fdseq.load()));
  return -os::epollctl(epfd, os::kEPOLL_CTL_ADD, static_cast<int32_t>(fd), &ev);
}

// Go: netpollclose.
int32_t netpollclose(uintptr_t fd) {
  os::epollevent ev{};  // ignored by EPOLL_CTL_DEL, but old kernels wanted a pointer
  return -os::epollctl(epfd, os::kEPOLL_CTL_DEL, static_cast<int32_t>(fd), &ev);
}

bool netpollUsesEpoll() { return netpollinited() && !noEpoll; }

bool netpollBreakPending() { return netpollWakeSig.load() != 0; }

// Run's shutdown breaks the poller whether or not an M sleeps in it; with every M gone, read
// what nobody consumed so that the next Run starts with no wakeup pending.
void netpollResetBreak() {
  if (epfd == -1) return;
  uint64_t v;
  os::read(netpollEventFd, &v, sizeof v);  // non-blocking: EAGAIN if there was none
  netpollWakeSig.store(0);
}

// Go: netpollBreak. Interrupts an epoll_pwait. May be called from any M, with or without a P.
void netpollBreak() {
  if (!netpollinited()) return;  // nobody can be blocked in a poller that does not exist
  if (noEpoll) {
    stubBreak();
    return;
  }
  // If the flag is already set, an earlier break has written the eventfd and the poller has
  // not read it yet: it will wake anyway, one write is enough.
  uint32_t zero = 0;
  if (!netpollWakeSig.compare_exchange_strong(zero, 1)) {
    netpollstats.breaksCoalesced.fetch_add(1, std::memory_order_relaxed);
    traceEvent(TraceEv::NetpollBreak, 0, 0);
    return;
  }
  uint64_t one = 1;
  for (;;) {
    int32_t n = os::write(netpollEventFd, &one, sizeof one);
    if (n == sizeof one) break;
    if (n == -os::kEINTR) continue;
    if (n == -os::kEAGAIN) return;  // the counter is full: the poller will wake anyway
    print("runtime: netpollBreak write failed with ", -n, "\n");
    fatal("runtime: netpollBreak write failed");
  }
  netpollstats.breaks.fetch_add(1, std::memory_order_relaxed);
  traceEvent(TraceEv::NetpollBreak, 1, 0);
}

// Go: netpoll. Asks epoll which registered descriptors are ready and returns the goroutines
// parked on them, plus the change to netpollWaiters that the caller applies once they are
// queued. delay < 0 sleeps until something is ready (or netpollBreak), 0 only looks, > 0 sleeps
// at most that many nanoseconds. Runs on g0: findRunnable's M (without a P when it sleeps), or
// sysmon.
netpollResult netpoll(int64_t delay) {
  if (epfd == -1) {
    if (noEpoll) stubPoll(delay);
    return {};
  }
  int32_t waitms;
  if (delay < 0) {
    waitms = -1;
  } else if (delay == 0) {
    waitms = 0;
  } else if (delay < 1000000) {
    waitms = 1;
  } else if (delay < 1000000000000000LL) {
    waitms = static_cast<int32_t>(delay / 1000000);
  } else {
    waitms = 1000000000;  // about 11.5 days: a timer further away just costs one more wakeup
  }
  if (delay != 0) {
    // Run's shutdown breaks the poller after setting its flag; a poller that starts to sleep
    // after that finds the eventfd readable, or the flag here.
    if (sched.shutdown.load()) return {};
    netpollstats.blockingPolls.fetch_add(1, std::memory_order_relaxed);
  }
  os::epollevent events[kMaxEvents];
retry:
  int32_t n = os::epollwait(epfd, events, kMaxEvents, waitms);
  if (n < 0) {
    if (n != -os::kEINTR) {
      print("runtime: epollwait on fd ", epfd, " failed with ", -n, "\n");
      fatal("runtime: netpoll failed");
    }
    // A signal cut a timed sleep short: return empty-handed, the caller works out the new
    // delay. An untimed or zero wait is simply retried.
    if (waitms > 0) return {};
    goto retry;
  }
  netpollResult res;
  for (int32_t i = 0; i < n; i++) {
    const os::epollevent& ev = events[i];
    if (ev.events == 0) continue;

    if (ev.getData() == eventFdData()) {
      if (ev.events != os::kEPOLLIN) {
        print("runtime: netpoll: eventfd ready for ", ev.events, "\n");
        fatal("runtime: netpoll: eventfd ready for something unexpected");
      }
      if (delay != 0) {
        // The break is meant for a sleeping poller, so only a blocking poll consumes it; a
        // non-blocking one (findRunnable, sysmon) leaves it for the sleeper. One read resets
        // the counter to 0 however many breaks were written (no EFD_SEMAPHORE).
        uint64_t one;
        os::read(netpollEventFd, &one, sizeof one);
        netpollWakeSig.store(0);
        netpollstats.breakWakeups.fetch_add(1, std::memory_order_relaxed);
      }
      continue;
    }

    int32_t mode = 0;
    if (ev.events & (os::kEPOLLIN | os::kEPOLLRDHUP | os::kEPOLLHUP | os::kEPOLLERR)) mode += 'r';
    if (ev.events & (os::kEPOLLOUT | os::kEPOLLHUP | os::kEPOLLERR)) mode += 'w';
    if (mode != 0) {
      const uint64_t tp = ev.getData();
      pollDesc* pd = taggedPointerPointer(tp);
      const uintptr_t tag = taggedPointerTag(tp);
      if (pd->fdseq.load() == tag) {
        pd->setEventErr(ev.events == os::kEPOLLERR, tag);
        res.delta += netpollready(&res.list, pd, mode);
      }
    }
  }
  // Every G netpollready returned took one off netpollWaiters: -delta of them.
  if (res.delta != 0) {
    netpollstats.readied.fetch_add(static_cast<uint64_t>(-res.delta), std::memory_order_relaxed);
  }
  if (res.delta != 0 || delay != 0)
    traceEvent(TraceEv::Netpoll, static_cast<uint64_t>(-res.delta), static_cast<uint64_t>(delay));
  return res;
}

}  // namespace rt
