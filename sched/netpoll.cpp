// sched/netpoll.cpp -- the network poller, the part every OS shares (Go: netpoll.go).
//
// The Go articles' async path. A goroutine reading a socket that has no data must wait, but
// it should not hold a thread while it waits: there may be 10,000 such goroutines. So every
// descriptor the runtime does I/O on (net.cpp: sockets and pipes, all non-blocking) is
// registered ONCE with the kernel's poller -- epoll, netpoll_epoll.cpp -- for both reading and
// writing, edge-triggered. Then:
//
//   1. A goroutine tries the system call. Usually it succeeds (data was there). If it says
//      EAGAIN, the goroutine parks on the descriptor's pollDesc (netpollblock, via
//      poll_runtime_pollWait) -- status _Gwaiting, reason "IO wait", no M, no P.
//   2. When the kernel has news, some M asks epoll which descriptors became ready: netpoll(0)
//      in findRunnable before stealing, netpoll(0) in sysmon if nobody has polled for 10 ms,
//      and, when an M has nothing at all to do, a blocking netpoll(delay) that sleeps in
//      epoll_pwait until a descriptor is ready or the next timer is due. For each ready
//      descriptor netpollready turns the parked goroutines into runnable ones.
//   3. The goroutine runs again and retries the system call.
//
// The pollDesc, per direction (rg for reading, wg for writing), is a binary semaphore with
// four states -- pdNil, pdReady, pdWait, or the parked G itself -- changed only by CAS (see
// netpoll.h). Edge-triggered registration means the kernel reports "ready" once per change, and
// that report may arrive while nobody waits: it is remembered as pdReady and consumed by the
// next netpollblock, which then does not park. pdWait covers the window between deciding to
// park and being parked (gopark's unlockf commits the G pointer); a notification, a timeout or
// a close that arrives inside the window is seen by netpollblock after gopark returns.
//
// Deadlines are runtime timers (time.cpp) on the pollDesc: when one fires it marks the
// direction expired (rd/wd = -1) and unblocks the waiter, which returns pollErrTimeout. Close
// marks the pollDesc closing and unblocks both directions (pollErrClosing). Both use the
// pollDesc's lock, and a sequence number (rseq/wseq) so that a timer set before a reset or a
// reuse of the descriptor does nothing when it fires late.
//
// The scheduler needs three numbers from here: whether the poller exists (netpollinited),
// whether anyone waits on it (netpollWaiters > 0: findRunnable polls only then), and, through
// sched.lastpoll/pollUntil, whether an M is blocked in epoll right now (lastpoll == 0) and until
// when -- a new timer due earlier must break that M out (wakeNetPoller -> netpollBreak).
//
// Differences from Go: pollDescs live in blocks from mmap instead of Go's persistentalloc, and
// Run can end and start again, so netpollTeardown forgets the Gs and timers of a finished Run
// (Go's process never does that). Go also lets the platform choose level-triggered polling
// (Solaris, AIX: netpollarm); Linux and Handoff are edge-triggered only.
#include "netpoll.h"

#include "os.h"
#include "print.h"
#include "runtime.h"
#include "runtime2.h"

namespace rt {

netpollStats netpollstats;

namespace {

mutex netpollInitLock;
std::atomic<uint32_t> netpollInited{0};
// Gs parked on some pollDesc (Go: netpollWaiters). findRunnable polls only if it is non-zero.
std::atomic<int32_t> netpollWaiters{0};

// Go: pollBlockSize. pollDescs come 4 KiB at a time and are never freed: epoll may still hand
// back a pointer to one whose descriptor was closed a moment ago.
constexpr size_t pollBlockSize = 4 * 1024;

// One block of pollDescs. The blocks are chained only so that netpollTeardown can visit every
// pollDesc (Go has no such walk).
struct pollBlock {
  pollBlock* next;
  pollDesc pds[(pollBlockSize - sizeof(pollBlock*)) / sizeof(pollDesc)];
};
static_assert(sizeof(pollBlock) <= pollBlockSize);

// Go: pollCache. The free list of pollDescs.
struct pollCache {
  mutex lock;
  pollDesc* first = nullptr;
  pollBlock* blocks = nullptr;

  pollDesc* alloc();
  void free(pollDesc* pd);
} pollcache;

pollDesc* pollCache::alloc() {
  rt::lock(&lock);
  if (!first) {
    void* mem = os::sysAlloc(pollBlockSize);
    if (!mem) fatal("runtime: cannot allocate memory for pollDescs");
    pollBlock* b = new (mem) pollBlock();
    // taggedPointerPack keeps the tag in the top 16 bits of the pointer.
    if (reinterpret_cast<uintptr_t>(b) >> (64 - taggedPointerTagBits) != 0)
      fatal("runtime: pollDesc address does not fit in a taggedPointer");
    b->next = blocks;
    blocks = b;
    for (pollDesc& pd : b->pds) {
      pd.link = first;
      first = &pd;
    }
  }
  pollDesc* pd = first;
  first = pd->link;
  rt::unlock(&lock);
  return pd;
}

void pollCache::free(pollDesc* pd) {
  // Nobody else can hold pd any more; the lock is taken because publishInfo expects it.
  rt::lock(&pd->lock);
  // A new fdseq: an epoll event still in flight for the old descriptor carries the old tag, and
  // netpoll will drop it instead of marking the next user of pd ready.
  pd->fdseq.store((pd->fdseq.load() + 1) & taggedPointerTagMask);
  pd->publishInfo();
  rt::unlock(&pd->lock);

  rt::lock(&lock);
  pd->link = first;
  first = pd;
  rt::unlock(&lock);
}

int netpollcheckerr(pollDesc* pd, int32_t mode) {
  const uint32_t info = pd->info();
  if (info & pollClosing) return pollErrClosing;
  if ((mode == 'r' && (info & pollExpiredReadDeadline)) ||
      (mode == 'w' && (info & pollExpiredWriteDeadline)))
    return pollErrTimeout;
  // EPOLLERR alone is reported to readers only: a writer's next write(2) fails anyway, with
  // the precise errno.
  if (mode == 'r' && (info & pollEventErr)) return pollErrNotPollable;
  return pollNoError;
}

// Go: netpollblockcommit, gopark's unlockf in netpollblock: runs on g0 once gp is parked.
// Swap pdWait for the G pointer -- unless a notification, timeout or close got there first, in
// which case the G is resumed at once.
bool netpollblockcommit(G* gp, void* gpp) {
  uintptr_t expected = pdWait;
  bool r = static_cast<std::atomic<uintptr_t>*>(gpp)->compare_exchange_strong(
      expected, reinterpret_cast<uintptr_t>(gp));
  if (r) {
    // One more goroutine the poller owes a wakeup: findRunnable polls, and an idle M sleeps in
    // epoll, only while this count is above zero.
    netpollAdjustWaiters(1);
  }
  return r;
}

// Go: netpollgoready. (netpollWaiters is adjusted by the caller, with the delta of
// netpollunblock.) The current M holds a P: goready queues gp on it.
void netpollgoready(G* gp) { goready(gp); }

// Go: netpollblock. Park until mode's side of pd is ready (true) or until a deadline or Close
// ends the wait (false). waitio ignores deadlines and Close (Go needs that on Windows only; it
// stays for the shape of the code).
bool netpollblock(pollDesc* pd, int32_t mode, bool waitio) {
  std::atomic<uintptr_t>* gpp = mode == 'w' ? &pd->wg : &pd->rg;

  // pdNil -> pdWait, announcing that we are about to park.
  for (;;) {
    // A notification that came while nobody waited: take it and do not park at all.
    uintptr_t v = pdReady;
    if (gpp->compare_exchange_strong(v, pdNil)) return true;
    v = pdNil;
    if (gpp->compare_exchange_strong(v, pdWait)) break;
    // Neither pdReady nor pdNil: another goroutine waits here already (net.cpp's fdMutex lets
    // only one reader and one writer at a time get this far), or pd is corrupt.
    v = gpp->load();
    if (v != pdReady && v != pdNil) fatal("runtime: double wait");
  }

  // A close or an expired deadline may have happened just before we stored pdWait. Those
  // store closing/rd/wd first and then look at rg/wg; we stored rg/wg and now look at their
  // flags. Both sides are seq_cst, so at least one of them sees the other: either they found
  // pdWait (and will leave pdNil for us to find below), or we see the flag here and skip the
  // park.
  if (waitio || netpollcheckerr(pd, mode) == pollNoError)
    gopark(netpollblockcommit, gpp, waitReasonIOWait);
  // Whatever woke us (or stopped us from parking) left pdReady or pdNil; a notification may
  // also have arrived between the check and here. Take the state and reset it in one go.
  uintptr_t old = gpp->exchange(pdNil);
  if (old > pdWait) fatal("runtime: corrupted polldesc");
  return old == pdReady;
}

// Go: netpollunblock. Moves mode's semaphore to pdReady (ioready: a notification) or pdNil (a
// timeout or close) and returns the G that was parked on it, if any; *delta counts that G off
// netpollWaiters. A timeout or close does not disturb pdNil or pdReady: pollWait checks for
// those itself before it parks.
G* netpollunblock(pollDesc* pd, int32_t mode, bool ioready, int32_t* delta) {
  std::atomic<uintptr_t>* gpp = mode == 'w' ? &pd->wg : &pd->rg;
  for (;;) {
    uintptr_t old = gpp->load();
    if (old == pdReady) return nullptr;
    if (old == pdNil && !ioready) {
      // A timeout or close with nobody waiting: nothing to record, the next pollWait sees the
      // flag itself. Only I/O readiness is remembered (pdReady).
      return nullptr;
    }
    const uintptr_t nw = ioready ? pdReady : pdNil;
    if (gpp->compare_exchange_strong(old, nw)) {
      if (old == pdWait) {
        old = pdNil;
      } else if (old != pdNil) {
        *delta -= 1;
      }
      return reinterpret_cast<G*>(old);
    }
  }
}

// Go: netpolldeadlineimpl. A deadline timer fired (on some M, with its P, from checkTimers).
void netpolldeadlineimpl(pollDesc* pd, uintptr_t seq, bool read, bool write) {
  lock(&pd->lock);
  // seq is what rseq/wseq was when this timer was armed. If it has moved on since -- the
  // deadline was changed, or pd closed and reused -- this firing is stale: ignore it.
  uintptr_t currentSeq = read ? pd->rseq : pd->wseq;
  if (seq != currentSeq) {
    unlock(&pd->lock);
    return;
  }
  int32_t delta = 0;
  G* rg = nullptr;
  if (read) {
    if (pd->rd <= 0 || !pd->rrun) fatal("runtime: inconsistent read deadline");
    pd->rd = -1;
    pd->publishInfo();
    rg = netpollunblock(pd, 'r', false, &delta);
  }
  G* wg = nullptr;
  if (write) {
    if (pd->wd <= 0 || (!pd->wrun && !read)) fatal("runtime: inconsistent write deadline");
    pd->wd = -1;
    pd->publishInfo();
    wg = netpollunblock(pd, 'w', false, &delta);
  }
  unlock(&pd->lock);
  if (rg) netpollgoready(rg);
  if (wg) netpollgoready(wg);
  netpollAdjustWaiters(delta);
}

// The timers' functions (Go: netpollDeadline when both deadlines are the same instant and one
// timer serves both, netpollReadDeadline, netpollWriteDeadline).
void netpollDeadline(void* arg, uintptr_t seq) {
  netpolldeadlineimpl(static_cast<pollDesc*>(arg), seq, true, true);
}
void netpollReadDeadline(void* arg, uintptr_t seq) {
  netpolldeadlineimpl(static_cast<pollDesc*>(arg), seq, true, false);
}
void netpollWriteDeadline(void* arg, uintptr_t seq) {
  netpolldeadlineimpl(static_cast<pollDesc*>(arg), seq, false, true);
}

// Go: timer.modify, for a timer that may be pending, firing right now, or idle: take it out of
// its heap if it is in one, then add it afresh to the current P's. A firing that is already
// under way used the old seq, which the caller has just made stale. pd.lock held.
void modtimer(timer* t, int64_t when, void (*f)(void*, uintptr_t), void* arg, uintptr_t seq) {
  deltimer(t);
  t->when = when;
  t->period = 0;
  t->f = f;
  t->arg = arg;
  t->seq = seq;
  addtimer(t);
}

}  // namespace

// ---- pollDesc ---------------------------------------------------------------------------------

// Go: pollDesc.publishInfo. Summarise closing, rd and wd for netpollcheckerr. pd.lock held.
void pollDesc::publishInfo() {
  uint32_t i = 0;
  if (closing) i |= pollClosing;
  if (rd < 0) i |= pollExpiredReadDeadline;
  if (wd < 0) i |= pollExpiredWriteDeadline;
  i |= static_cast<uint32_t>(fdseq.load() & pollFDSeqMask) << pollFDSeq;
  // Replace everything but pollEventErr, which netpoll owns.
  uint32_t x = atomicInfo.load();
  while (!atomicInfo.compare_exchange_weak(x, (x & pollEventErr) | i)) {
  }
}

// Go: pollDesc.setEventErr. netpoll saw EPOLLERR (b) or not for the use of the descriptor
// tagged seq (0: whatever use is current).
void pollDesc::setEventErr(bool b, uintptr_t seq) {
  const uint32_t mSeq = static_cast<uint32_t>(seq & pollFDSeqMask);
  uint32_t x = atomicInfo.load();
  uint32_t xSeq = (x >> pollFDSeq) & pollFDSeqMask;
  if (seq != 0 && xSeq != mSeq) return;
  while (((x & pollEventErr) != 0) != b && !atomicInfo.compare_exchange_weak(x, x ^ pollEventErr)) {
    xSeq = (x >> pollFDSeq) & pollFDSeqMask;
    if (seq != 0 && xSeq != mSeq) return;
  }
}

// ---- the poller's life ------------------------------------------------------------------------

bool netpollinited() { return netpollInited.load() != 0; }

// Go: netpollGenericInit. Start the poller once per process: by the first descriptor opened
// (poll_runtime_pollServerInit) or the first timer added (addtimer -- an M waiting for a timer
// sleeps in netpoll(delay)).
void netpollGenericInit() {
  if (netpollInited.load() == 0) {
    lock(&netpollInitLock);
    if (netpollInited.load() == 0) {
      netpollinit();
      netpollInited.store(1);
    }
    unlock(&netpollInitLock);
  }
}

void poll_runtime_pollServerInit() { netpollGenericInit(); }

// Go: netpollAnyWaiters.
bool netpollAnyWaiters() { return netpollWaiters.load() > 0; }

// Go: netpollAdjustWaiters.
void netpollAdjustWaiters(int32_t delta) {
  if (delta != 0) netpollWaiters.fetch_add(delta);
}

int32_t netpollWaitersCount() { return netpollWaiters.load(); }

// Go: netpollready. epoll says pd's descriptor can be read ('r'), written ('w') or both
// ('r'+'w'): mark those sides ready and collect on toRun the goroutines parked there. Returns
// the change to netpollWaiters, applied by netpoll's caller once those Gs are queued.
int32_t netpollready(gList* toRun, pollDesc* pd, int32_t mode) {
  int32_t delta = 0;
  G* rg = nullptr;
  G* wg = nullptr;
  if (mode == 'r' || mode == 'r' + 'w') rg = netpollunblock(pd, 'r', true, &delta);
  if (mode == 'w' || mode == 'r' + 'w') wg = netpollunblock(pd, 'w', true, &delta);
  if (rg) toRun->push(rg);
  if (wg) toRun->push(wg);
  return delta;
}

// ---- what internal/poll calls -------------------------------------------------------------

// Go: poll_runtime_pollOpen.
pollDesc* poll_runtime_pollOpen(uintptr_t fd, int* errno_) {
  pollDesc* pd = pollcache.alloc();
  lock(&pd->lock);
  uintptr_t wg = pd->wg.load();
  if (wg != pdNil && wg != pdReady) fatal("runtime: blocked write on free polldesc");
  uintptr_t rg = pd->rg.load();
  if (rg != pdNil && rg != pdReady) fatal("runtime: blocked read on free polldesc");
  pd->fd = fd;
  if (pd->fdseq.load() == 0) {
    // setEventErr reads seq 0 as "any use": a real use never gets 0.
    pd->fdseq.store(1);
  }
  pd->closing = false;
  pd->setEventErr(false, 0);
  pd->rseq++;
  pd->rg.store(pdNil);
  pd->rd = 0;
  pd->wseq++;
  pd->wg.store(pdNil);
  pd->wd = 0;
  pd->publishInfo();
  unlock(&pd->lock);

  int32_t e = netpollopen(fd, pd);
  if (e != 0) {
    pollcache.free(pd);
    *errno_ = e;
    return nullptr;
  }
  *errno_ = 0;
  return pd;
}

// Go: poll_runtime_pollClose.
void poll_runtime_pollClose(pollDesc* pd) {
  if (!pd->closing) fatal("runtime: close polldesc w/o unblock");
  uintptr_t wg = pd->wg.load();
  if (wg != pdNil && wg != pdReady) fatal("runtime: blocked write on closing polldesc");
  uintptr_t rg = pd->rg.load();
  if (rg != pdNil && rg != pdReady) fatal("runtime: blocked read on closing polldesc");
  netpollclose(pd->fd);
  pollcache.free(pd);
}

// Go: poll_runtime_pollReset. Before each I/O attempt on side mode ('r' or 'w'): fail now if
// closing or past the deadline, and forget a readiness that the attempt itself will check.
int poll_runtime_pollReset(pollDesc* pd, int mode) {
  int errcode = netpollcheckerr(pd, mode);
  if (errcode != pollNoError) return errcode;
  if (mode == 'r') {
    pd->rg.store(pdNil);
  } else if (mode == 'w') {
    pd->wg.store(pdNil);
  }
  return pollNoError;
}

// Go: poll_runtime_pollWait. The attempt said EAGAIN: park until side mode ('r' or 'w') is
// ready again, or return the error that ended the wait.
int poll_runtime_pollWait(pollDesc* pd, int mode) {
  int errcode = netpollcheckerr(pd, mode);
  if (errcode != pollNoError) return errcode;
  while (!netpollblock(pd, mode, false)) {
    errcode = netpollcheckerr(pd, mode);
    if (errcode != pollNoError) return errcode;
    // Woken with no error: a deadline expired and unblocked us, then was moved into the future
    // again before we ran. As far as the caller is concerned nothing happened: wait again.
  }
  return pollNoError;
}

// Go: poll_runtime_pollSetDeadline.
void poll_runtime_pollSetDeadline(pollDesc* pd, int64_t d, int mode) {
  lock(&pd->lock);
  if (pd->closing) {
    unlock(&pd->lock);
    return;
  }
  const int64_t rd0 = pd->rd, wd0 = pd->wd;
  const bool combo0 = rd0 > 0 && rd0 == wd0;
  if (d > 0) {
    d += os::nanotime();
    if (d <= 0) {
      // now + d overflowed: a deadline that far away is as good as the largest one.
      d = INT64_MAX;
    }
  }
  if (mode == 'r' || mode == 'r' + 'w') pd->rd = d;
  if (mode == 'w' || mode == 'r' + 'w') pd->wd = d;
  pd->publishInfo();
  const bool combo = pd->rd > 0 && pd->rd == pd->wd;
  void (*rtf)(void*, uintptr_t) = combo ? netpollDeadline : netpollReadDeadline;
  if (!pd->rrun) {
    if (pd->rd > 0) {
      // The timer carries the current rseq: if it has changed by the time the timer fires
      // (deadline moved, descriptor closed or reused), netpolldeadlineimpl ignores it.
      modtimer(&pd->rt, pd->rd, rtf, pd, pd->rseq);
      pd->rrun = true;
    }
  } else if (pd->rd != rd0 || combo != combo0) {
    pd->rseq++;  // a firing of the old timer is now stale
    if (pd->rd > 0) {
      modtimer(&pd->rt, pd->rd, rtf, pd, pd->rseq);
    } else {
      deltimer(&pd->rt);
      pd->rrun = false;
    }
  }
  if (!pd->wrun) {
    if (pd->wd > 0 && !combo) {
      modtimer(&pd->wt, pd->wd, netpollWriteDeadline, pd, pd->wseq);
      pd->wrun = true;
    }
  } else if (pd->wd != wd0 || combo != combo0) {
    pd->wseq++;  // a firing of the old timer is now stale
    if (pd->wd > 0 && !combo) {
      modtimer(&pd->wt, pd->wd, netpollWriteDeadline, pd, pd->wseq);
    } else {
      deltimer(&pd->wt);
      pd->wrun = false;
    }
  }
  // A deadline already in the past (d < 0) expires now: wake a goroutine that is waiting.
  // (The expired flag was published above, before we look at rg/wg, as netpollblock needs.)
  int32_t delta = 0;
  G* rg = nullptr;
  G* wg = nullptr;
  if (pd->rd < 0) rg = netpollunblock(pd, 'r', false, &delta);
  if (pd->wd < 0) wg = netpollunblock(pd, 'w', false, &delta);
  unlock(&pd->lock);
  if (rg) netpollgoready(rg);
  if (wg) netpollgoready(wg);
  netpollAdjustWaiters(delta);
}

// Go: poll_runtime_pollUnblock. The descriptor is being closed: wake its waiters.
void poll_runtime_pollUnblock(pollDesc* pd) {
  lock(&pd->lock);
  if (pd->closing) fatal("runtime: unblock on closing polldesc");
  pd->closing = true;
  pd->rseq++;
  pd->wseq++;
  pd->publishInfo();
  int32_t delta = 0;
  G* rg = netpollunblock(pd, 'r', false, &delta);
  G* wg = netpollunblock(pd, 'w', false, &delta);
  if (pd->rrun) {
    deltimer(&pd->rt);
    pd->rrun = false;
  }
  if (pd->wrun) {
    deltimer(&pd->wt);
    pd->wrun = false;
  }
  unlock(&pd->lock);
  if (rg) netpollgoready(rg);
  if (wg) netpollgoready(wg);
  netpollAdjustWaiters(delta);
}

// Run has ended: every M has left, and every G and P (with its timer heap) is about to be
// freed. A Run may leave goroutines parked on descriptors it never closed; forget them, and the
// deadline timers that lived in the Ps' heaps, so that a later Run (or a late epoll event)
// never touches them. The poller itself -- epoll and eventfd -- stays for the next Run, as
// Go's stays for the life of the process.
void netpollTeardown() {
  lock(&pollcache.lock);
  for (pollBlock* b = pollcache.blocks; b; b = b->next) {
    for (pollDesc& pd : b->pds) {
      if (pd.rg.load() > pdWait) pd.rg.store(pdNil);
      if (pd.wg.load() > pdWait) pd.wg.store(pdNil);
      for (timer* t : {&pd.rt, &pd.wt}) {
        t->pp.store(nullptr);
        t->idx = -1;
      }
      // A deadline whose timer is gone would never expire: drop it (an expired one stays).
      if (pd.rd > 0) pd.rd = 0;
      if (pd.wd > 0) pd.wd = 0;
      pd.rrun = pd.wrun = false;
      pd.publishInfo();
    }
  }
  unlock(&pollcache.lock);
  netpollWaiters.store(0);
  netpollResetBreak();
}

}  // namespace rt
