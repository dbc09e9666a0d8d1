// sched/netpoll.h -- the netpoller's descriptors: pollDesc and the calls internal/poll makes
// (Go: netpoll.go; the runtime_poll* functions that package internal/poll links to).
//
// Read netpoll.cpp for how it works. In short: every non-blocking descriptor a program reads or
// writes through the runtime (net.h: sockets and pipes) gets a pollDesc, registered with the
// kernel's poller once, edge-triggered, for both directions. A goroutine whose read or write
// would block (EAGAIN) parks on the pollDesc -- no thread waits for it -- and whoever polls
// the kernel (findRunnable, sysmon) makes it runnable again when the descriptor is ready.
//
// The poller's own calls (netpollinit, netpollopen, netpollclose, netpoll, netpollBreak) are
// per OS: netpoll_epoll.cpp for Linux and Handoff.
#pragma once

#include <atomic>
#include <stdint.h>

#include "runtime2.h"

namespace rt {

// What runtime_pollReset and runtime_pollWait return (Go: pollNoError ... pollErrNotPollable;
// internal/poll turns them into ErrNetClosing/ErrFileClosing, ErrDeadlineExceeded...).
enum : int {
  pollNoError = 0,
  pollErrClosing = 1,      // the descriptor is being closed
  pollErrTimeout = 2,      // the read or write deadline has passed
  pollErrNotPollable = 3,  // epoll reported an error on the descriptor (EPOLLERR)
};

// pollDesc.rg (reading) and .wg (writing) each hold one of four values:
//   pdNil    the resting state: nobody waits, and no readiness has been seen since the last
//            attempt;
//   pdReady  epoll said "ready" while nobody was waiting; the next goroutine to wait takes it
//            (back to pdNil) and tries its I/O again instead of parking;
//   pdWait   a goroutine has decided to park but is not parked yet (gopark is switching away);
//            if readiness (-> pdReady) or a timeout or close (-> pdNil) comes now, it finds
//            that when it would commit, and does not park;
//   a G*     that goroutine is parked; readiness (-> pdReady) or a timeout or close (-> pdNil)
//            takes it out and readies it.
// Every change is a compare-and-swap, so the poller, timers, Close and the goroutine itself
// can race freely (Go calls them binary semaphores).
inline constexpr uintptr_t pdNil = 0;
inline constexpr uintptr_t pdReady = 1;
inline constexpr uintptr_t pdWait = 2;

// pollDesc.atomicInfo: closing, rd and wd summarised in one word for netpollcheckerr, which
// runs without the lock (Go: pollInfo). Written only with pd.lock held (publishInfo), except
// pollEventErr, which netpoll sets.
inline constexpr uint32_t pollClosing = 1 << 0;
inline constexpr uint32_t pollEventErr = 1 << 1;
inline constexpr uint32_t pollExpiredReadDeadline = 1 << 2;
inline constexpr uint32_t pollExpiredWriteDeadline = 1 << 3;
inline constexpr uint32_t pollFDSeq = 4;  // the low 20 bits of fdseq, from this bit up
inline constexpr uint32_t pollFDSeqBits = 20;
inline constexpr uintptr_t pollFDSeqMask = (uintptr_t{1} << pollFDSeqBits) - 1;

// The network poller's descriptor (Go: pollDesc). pollDescs are never freed (pollcache): the
// kernel may still hand us a pointer to one after its descriptor has been closed, and fdseq
// tells such stale notifications apart.
struct pollDesc {
  pollDesc* link = nullptr;  // next free pollDesc (pollcache.lock)
  uintptr_t fd = 0;          // set by pollOpen, unchanged until pollClose
  // Bumped each time the pollDesc is freed; the kernel's copy travels in the epoll data with
  // the pointer (taggedPointer), so events for a previous use are ignored.
  std::atomic<uintptr_t> fdseq{0};
  std::atomic<uint32_t> atomicInfo{0};  // pollClosing | pollEventErr | ... (see above)

  std::atomic<uintptr_t> rg{pdNil};  // the reading side: pdNil, pdReady, pdWait or a G*
  std::atomic<uintptr_t> wg{pdNil};  // the writing side, the same way

  mutex lock;  // guards the rest: deadlines, their timers, closing
  bool closing = false;
  bool rrun = false;   // rt has been armed (it may have fired since)
  bool wrun = false;   // wt has been armed
  uintptr_t rseq = 0;  // bumped to make an armed read timer stale
  timer rt;            // read deadline timer
  int64_t rd = 0;      // read deadline: a nanotime to come, -1 once passed, 0 none
  uintptr_t wseq = 0;  // bumped to make an armed write timer stale
  timer wt;            // write deadline timer
  int64_t wd = 0;      // write deadline: a nanotime to come, -1 once passed, 0 none

  void publishInfo();
  void setEventErr(bool b, uintptr_t seq);
  uint32_t info() const { return atomicInfo.load(); }
};

// ---- what internal/poll calls (Go: poll_runtime_*, linked as internal/poll.runtime_*) ------
// All from a goroutine.
void poll_runtime_pollServerInit();
// Registers fd (non-blocking) with the poller. Returns the pollDesc, or nullptr and sets *errno
// (a positive Linux errno) if the kernel refused.
pollDesc* poll_runtime_pollOpen(uintptr_t fd, int* errno_);
// After pollUnblock, with no goroutine left waiting: unregister and free pd.
void poll_runtime_pollClose(pollDesc* pd);
// Before an I/O attempt: clear a stale readiness notification. mode is 'r' or 'w'.
int poll_runtime_pollReset(pollDesc* pd, int mode);
// After EAGAIN: park until the descriptor is ready for mode, or closing, or the deadline.
int poll_runtime_pollWait(pollDesc* pd, int mode);
// Set the read ('r'), write ('w') or both ('r'+'w') deadline: d > 0 is a duration from now,
// d < 0 "already expired", 0 none (internal/poll's setDeadlineImpl computes it).
void poll_runtime_pollSetDeadline(pollDesc* pd, int64_t d, int mode);
// Closing: wake every goroutine parked on pd with pollErrClosing, stop its timers.
void poll_runtime_pollUnblock(pollDesc* pd);

// ---- between netpoll.cpp and netpoll_epoll.cpp --------------------------------------------
// Implemented per OS (netpoll_epoll.cpp):
void netpollinit();
int32_t netpollopen(uintptr_t fd, pollDesc* pd);  // 0 or a positive errno
int32_t netpollclose(uintptr_t fd);
bool netpollUsesEpoll();  // inited with epoll (false: not yet, or the kernel has none)
bool netpollBreakPending();  // netpollWakeSig: a break written, not yet read
void netpollResetBreak();    // Run ends: consume a break nobody waited for
// Implemented once (netpoll.cpp), called by netpoll: fd of pd is ready for mode ('r', 'w' or
// 'r'+'w'); push the Gs to run on toRun. Returns the change to netpollWaiters.
int32_t netpollready(gList* toRun, pollDesc* pd, int32_t mode);

// The epoll data word of an event: the pollDesc pointer with the low bits of its fdseq in the
// top 16 bits, which user-space addresses do not use (Go: taggedPointer).
inline constexpr int taggedPointerTagBits = 16;
inline constexpr uintptr_t taggedPointerTagMask = (uintptr_t{1} << taggedPointerTagBits) - 1;
inline uint64_t taggedPointerPack(pollDesc* pd, uintptr_t tag) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(pd)) |
         static_cast<uint64_t>(tag & taggedPointerTagMask) << (64 - taggedPointerTagBits);
}
inline pollDesc* taggedPointerPointer(uint64_t tp) {
  return reinterpret_cast<pollDesc*>(tp & ((uint64_t{1} << (64 - taggedPointerTagBits)) - 1));
}
inline uintptr_t taggedPointerTag(uint64_t tp) { return tp >> (64 - taggedPointerTagBits); }

// ---- counters for tests and benchmarks (rt::inspect::ReadNetpoll in net.h) -----------------
struct netpollStats {
  std::atomic<uint64_t> breaks{0};          // netpollBreak calls that wrote the eventfd
  std::atomic<uint64_t> breaksCoalesced{0}; // ... that found a wakeup already pending
  std::atomic<uint64_t> blockingPolls{0};   // netpoll(delay != 0) calls
  std::atomic<uint64_t> breakWakeups{0};    // blocking polls that consumed a netpollBreak
  std::atomic<uint64_t> readied{0};         // Gs that netpoll found ready
  std::atomic<uint64_t> sysmonReadied{0};   // ... of them found by sysmon's poll
};
extern netpollStats netpollstats;
int32_t netpollWaitersCount();

}  // namespace rt
