// sched/netpoll_stub.cpp -- the netpoll hook, without a network poller yet (Go: netpoll_stub.go,
// the version Go uses on systems without epoll/kqueue).
//
// The scheduler calls netpoll in two places, exactly where it will call the real one:
//   netpoll(0)      findRunnable before stealing, and sysmon every 10 ms: "which Gs waiting on
//                   descriptors are ready?" -- nobody can wait on a descriptor yet, so: none.
//   netpoll(delay)  findRunnable when an M is out of work but a timer is pending: block until
//                   the timer is due or netpollBreak. Here that is a note with a timeout; the
//                   netpoller issue (7) replaces this file with epoll_pwait(delay) plus an eventfd
//                   for netpollBreak, and adds pollDesc, netpollblock/netpollunblock.
#include "runtime2.h"

namespace rt {
namespace {
mutex netpollStubLock;    // only one M sleeps on the note
mutex netpollBrokenLock;  // guards netpollBroken: avoids a double notewakeup
bool netpollBroken;
note netpollNote;
}  // namespace

// The stub is always ready to wait for timers.
bool netpollinited() { return true; }

// Whether any G is parked on a descriptor (Go: netpollWaiters). None until issue 7.
bool netpollAnyWaiters() { return false; }

// Go: netpollBreak. Wake the M blocked in netpoll(delay), if any.
void netpollBreak() {
  lock(&netpollBrokenLock);
  bool broken = netpollBroken;
  netpollBroken = true;
  if (!broken) notewakeup(&netpollNote);
  unlock(&netpollBrokenLock);
}

// Go: netpoll. delay < 0: block until broken; 0: poll; > 0: block up to delay ns.
// Returns the Gs made runnable (none, for now).
gList netpoll(int64_t delay) {
  if (delay != 0) {
    lock(&netpollStubLock);
    lock(&netpollBrokenLock);
    noteclear(&netpollNote);
    netpollBroken = false;
    // Run's shutdown sets its flag and then breaks the poller: checking the flag here, under
    // the lock netpollBreak takes, means that wakeup cannot fall between the check and the sleep.
    const bool stop = sched.shutdown.load();
    unlock(&netpollBrokenLock);
    if (!stop) notetsleep(&netpollNote, delay);
    unlock(&netpollStubLock);
  }
  return gList{};
}

}  // namespace rt
