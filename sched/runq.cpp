// sched/runq.cpp -- run queues and idle lists (Go: runqput, runqget, runqgrab, runqsteal,
// globrunq*, pidleput/pidleget, mput/mget in proc.go).
//
// Each P has a 256-slot ring of runnable Gs plus one runnext slot. Only the P's owner pushes
// (at the tail, publishing with a store-release of runqtail); the owner and thieves pop at the
// head with a CAS on runqhead. So the common path -- go, then run it -- takes no lock at all.
// A full ring spills half of itself to the global queue (sched.runq, under sched.lock), which
// every P checks when it runs dry and once every 61 schedticks.
#include "os.h"
#include "print.h"
#include "runtime2.h"
#include "trace.h"

namespace rt {
namespace {

// Go: runqputslow. The ring is full: move half of it, plus gp, to the global queue (in one
// lock acquisition). Fails if a thief changed the head meanwhile; the caller retries.
bool runqputslow(P* pp, G* gp, uint32_t h, uint32_t t) {
  G* batch[kRunqSize / 2 + 1];
  uint32_t n = (t - h) / 2;
  if (n != kRunqSize / 2) fatal("runqputslow: queue is not full");
  for (uint32_t i = 0; i < n; i++)
    batch[i] = pp->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
  if (!pp->runqhead.compare_exchange_strong(h, h + n, std::memory_order_release)) return false;
  batch[n] = gp;
  lock(&sched.lock);
  for (uint32_t i = 0; i <= n; i++) globrunqput(batch[i]);
  unlock(&sched.lock);
  return true;
}

// Go: runqgrab. Copy up to half of pp's queue into batch (a ring starting at batchHead) and
// commit by advancing pp's head. Runs on the thief's M.
uint32_t runqgrab(P* pp, std::atomic<G*>* batch, uint32_t batchHead, bool stealRunNextG) {
  for (;;) {
    uint32_t h = pp->runqhead.load(std::memory_order_acquire);  // synchronize with other consumers
    uint32_t t = pp->runqtail.load(std::memory_order_acquire);  // synchronize with the producer
    uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (stealRunNextG) {
        // Try to steal from pp.runnext.
        if (G* next = pp->runnext.load(std::memory_order_relaxed)) {
          if (pp->status.load(std::memory_order_relaxed) == _Prunning) {
            // Sleep to ensure that pp isn't about to run the G we are about to steal. The
            // important case is a G that readies another and then almost immediately blocks:
            // instead of stealing runnext in this window, give pp a chance to schedule it
            // (a channel hand-off takes well under 3 us).
            os::usleep(3);
          }
          if (!pp->runnext.compare_exchange_strong(next, nullptr)) continue;
          batch[batchHead % kRunqSize].store(next, std::memory_order_relaxed);
          return 1;
        }
      }
      return 0;
    }
    if (n > kRunqSize / 2) continue;  // read inconsistent h and t
    for (uint32_t i = 0; i < n; i++) {
      G* gp = pp->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
      batch[(batchHead + i) % kRunqSize].store(gp, std::memory_order_relaxed);
    }
    if (pp->runqhead.compare_exchange_strong(h, h + n, std::memory_order_release)) return n;
  }
}

}  // namespace

// Go: runqempty. Both runq and runnext, read consistently: a G can move from runnext to runq
// between our reads, so recheck the tail.
bool runqempty(P* pp) {
  for (;;) {
    uint32_t head = pp->runqhead.load();
    uint32_t tail = pp->runqtail.load();
    G* runnext = pp->runnext.load();
    if (tail == pp->runqtail.load()) return head == tail && runnext == nullptr;
  }
}

// Go: runqput. Put gp on pp's local queue; next = into runnext, kicking the old runnext to the
// tail. Executed only by the owner P.
void runqput(P* pp, G* gp, bool next) {
  if (next) {
    // Go retries a CAS; an exchange does the same in one step (a thief may take runnext at
    // any moment, so whatever we swap out is ours to requeue).
    G* oldnext = pp->runnext.exchange(gp);
    if (!oldnext) return;
    gp = oldnext;  // Kick the old runnext out to the regular run queue.
  }
  for (;;) {
    uint32_t h = pp->runqhead.load(std::memory_order_acquire);  // synchronize with consumers
    uint32_t t = pp->runqtail.load(std::memory_order_relaxed);
    if (t - h < kRunqSize) {
      pp->runq[t % kRunqSize].store(gp, std::memory_order_relaxed);
      pp->runqtail.store(t + 1, std::memory_order_release);  // makes the item available
      return;
    }
    if (runqputslow(pp, gp, h, t)) return;
    // The queue is not full now, so the put above will succeed.
  }
}

// Go: runqget. runnext first (inheriting the time slice), then the ring's head. Owner only.
G* runqget(P* pp, bool* inheritTime) {
  // If there's a runnext, it's the next G to run.
  G* next = pp->runnext.load(std::memory_order_relaxed);
  // Only the owner sets runnext non-nil, so if the CAS fails a thief took it: fall through.
  if (next && pp->runnext.compare_exchange_strong(next, nullptr)) {
    *inheritTime = true;
    return next;
  }
  for (;;) {
    uint32_t h = pp->runqhead.load(std::memory_order_acquire);  // synchronize with other consumers
    uint32_t t = pp->runqtail.load(std::memory_order_relaxed);
    if (t == h) return nullptr;
    G* gp = pp->runq[h % kRunqSize].load(std::memory_order_relaxed);
    if (pp->runqhead.compare_exchange_weak(h, h + 1, std::memory_order_release)) {
      *inheritTime = false;
      return gp;
    }
  }
}

// Go: runqsteal. Steal half of p2's queue into pp's (owned by us) and return one of them.
G* runqsteal(P* pp, P* p2, bool stealRunNextG) {
  uint32_t t = pp->runqtail.load(std::memory_order_relaxed);
  uint32_t n = runqgrab(p2, pp->runq, t, stealRunNextG);
  if (n == 0) return nullptr;
  traceEvent(TraceEv::Steal, static_cast<uint64_t>(p2->id), n);
  pp->stealsFrom.fetch_add(n, std::memory_order_relaxed);
  n--;
  G* gp = pp->runq[(t + n) % kRunqSize].load(std::memory_order_relaxed);
  if (n == 0) return gp;
  uint32_t h = pp->runqhead.load(std::memory_order_acquire);
  if (t - h + n >= kRunqSize) fatal("runqsteal: runq overflow");
  pp->runqtail.store(t + n, std::memory_order_release);
  return gp;
}

// ---- the global queue (sched.lock held) --------------------------------------------------------

void globrunqput(G* gp) {
  sched.runq.pushBack(gp);
  sched.runqsize.fetch_add(1, std::memory_order_relaxed);
}

void globrunqputhead(G* gp) {
  sched.runq.push(gp);
  sched.runqsize.fetch_add(1, std::memory_order_relaxed);
}

// Go: globrunqget. Take a fair share of the global queue (its size / GOMAXPROCS + 1, at most
// max if max > 0, at most half a local ring): return one, queue the rest locally.
G* globrunqget(P* pp, int32_t max) {
  int32_t size = sched.runqsize.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  int32_t n = size / gomaxprocs + 1;
  if (n > size) n = size;
  if (max > 0 && n > max) n = max;
  if (n > static_cast<int32_t>(kRunqSize / 2)) n = kRunqSize / 2;
  sched.runqsize.fetch_sub(n, std::memory_order_relaxed);
  G* gp = sched.runq.pop();
  for (n--; n > 0; n--) runqput(pp, sched.runq.pop(), false);
  return gp;
}

// Go: injectglist. Make a list of waiting Gs (from netpoll) runnable and start Ms for idle Ps.
void injectglist(gList* glist) {
  if (glist->empty()) return;
  traceEvent(TraceEv::Netpoll, 0, 0);
  int n = 0;
  lock(&sched.lock);
  while (G* gp = glist->pop()) {
    casgstatus(gp, _Gwaiting, _Grunnable);
    globrunqput(gp);
    n++;
  }
  unlock(&sched.lock);
  for (; n != 0 && sched.npidle.load() != 0; n--) startm(nullptr, false);
}

// ---- idle Ps and Ms (sched.lock held) ----------------------------------------------------------

// Go: pidleput. pp must be _Pidle with an empty run queue.
void pidleput(P* pp) {
  if (!runqempty(pp)) fatal("pidleput: P has non-empty run queue");
  pp->link = sched.pidle;
  sched.pidle = pp;
  sched.npidle.fetch_add(1);
}

// Go: pidleget.
P* pidleget() {
  P* pp = sched.pidle;
  if (pp) {
    sched.pidle = pp->link;
    sched.npidle.fetch_sub(1);
  }
  return pp;
}

// Go: pidlegetSpinning. For an M that has found work but holds no P: if there is none, set
// needspinning so that an M about to drop its P looks at the work instead (findRunnable).
P* pidlegetSpinning() {
  P* pp = pidleget();
  if (!pp) sched.needspinning.store(1);
  return pp;
}

// Go: mput. Put mp on the idle list -- and check whether that leaves nobody running.
void mput(M* mp) {
  mp->schedlink = sched.midle;
  sched.midle = mp;
  sched.nmidle++;
  checkdead();
}

// Go: mget.
M* mget() {
  M* mp = sched.midle;
  if (mp) {
    sched.midle = mp->schedlink;
    sched.nmidle--;
  }
  return mp;
}

}  // namespace rt
