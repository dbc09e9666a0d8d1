// sched/time.cpp -- timers and Sleep (Go 1.14's per-P timers in time.go).
//
// Each P keeps its own min-heap of timers, ordered by when, and timer0When caches the earliest
// so that anyone can see without a lock whether a P has a timer due. Timers are run by whoever
// schedules on the P: findRunnable calls checkTimers first thing, and on its last steal round
// runs other Ps' due timers too. When an M runs out of work it sleeps in netpoll(delay) until
// the earliest timer of any P (findRunnable), so a program whose goroutines all sleep holds no
// running M at all. A timer added earlier than what that sleeper waits for wakes it
// (wakeNetPoller -> netpollBreak).
//
// Sleep(d) parks the G -- no M is held while it sleeps -- with a timer whose function readies
// it again. The timer is added only once the G is parked (resetForSleep runs as gopark's
// unlockf), so the wakeup can never come before the G has stopped.
#include "os.h"
#include "runtime.h"
#include "runtime2.h"

namespace rt {
namespace {

void siftup(std::vector<timer*>& h, int32_t i) {
  timer* t = h[i];
  while (i > 0) {
    int32_t p = (i - 1) / 2;
    if (h[p]->when <= t->when) break;
    h[i] = h[p];
    h[i]->idx = i;
    i = p;
  }
  h[i] = t;
  t->idx = i;
}

void siftdown(std::vector<timer*>& h, int32_t i) {
  const int32_t n = static_cast<int32_t>(h.size());
  timer* t = h[i];
  for (;;) {
    int32_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1]->when < h[c]->when) c++;
    if (t->when <= h[c]->when) break;
    h[i] = h[c];
    h[i]->idx = i;
    i = c;
  }
  h[i] = t;
  t->idx = i;
}

void updateTimer0When(P* pp) {
  pp->timer0When.store(pp->timers.empty() ? 0 : pp->timers[0]->when, std::memory_order_relaxed);
  pp->numTimers.store(static_cast<uint32_t>(pp->timers.size()), std::memory_order_relaxed);
}

// Go: doaddtimer. pp->timersLock held.
void doaddtimer(P* pp, timer* t) {
  t->pp.store(pp, std::memory_order_relaxed);
  pp->timers.push_back(t);
  siftup(pp->timers, static_cast<int32_t>(pp->timers.size()) - 1);
  updateTimer0When(pp);
}

// Remove timers[i]. pp->timersLock held.
void dodeltimer(P* pp, int32_t i) {
  std::vector<timer*>& h = pp->timers;
  timer* t = h[i];
  timer* last = h.back();
  h.pop_back();
  if (last != t) {
    h[i] = last;
    last->idx = i;
    siftup(h, i);
    siftdown(h, last->idx);
  }
  // Release: whoever finds pp == nullptr in deltimer may then rewrite t's fields, after
  // checkTimers has read them (it copies them before removing t).
  t->pp.store(nullptr, std::memory_order_release);
  t->idx = -1;
  updateTimer0When(pp);
}

// Go: goroutineReady, the function of a Sleep timer.
void goroutineReady(void* arg, uintptr_t) { goready(static_cast<G*>(arg)); }

// Go: resetForSleep, gopark's unlockf in Sleep: the G is parked, now arm its timer.
bool resetForSleep(G*, void* t) {
  addtimer(static_cast<timer*>(t));
  return true;
}

}  // namespace

// Go: addtimer. Adds t to the current P's heap. Must be on an M holding a P.
void addtimer(timer* t) {
  // Timers rely on the network poller: an M out of work sleeps in netpoll(delay) until the
  // next one is due. So make sure the poller has started (Go: doaddtimer).
  if (!netpollinited()) netpollGenericInit();
  if (t->when <= 0) t->when = 1;  // 0 means "no timer" in timer0When
  // Once t is in the heap it may fire -- and its owner set it again -- at any moment: `when` is
  // read before, not after (Go passes it to wakeNetPoller the same way).
  const int64_t when = t->when;
  P* pp = getg()->m.load(std::memory_order_relaxed)->p.load(std::memory_order_relaxed);
  lock(&pp->timersLock);
  doaddtimer(pp, t);
  unlock(&pp->timersLock);
  wakeNetPoller(when);
}

// Go: deltimer. Removes t if it is still pending; false if it already fired (or is firing).
bool deltimer(timer* t) {
  for (;;) {
    P* pp = t->pp.load(std::memory_order_acquire);
    if (!pp) return false;
    lock(&pp->timersLock);
    if (t->pp.load(std::memory_order_relaxed) == pp) {
      dodeltimer(pp, t->idx);
      unlock(&pp->timersLock);
      return true;
    }
    unlock(&pp->timersLock);  // moved meanwhile: try again
  }
}

// Go: checkTimers. Run the timers of pp that are due. now is the current time or 0. Returns
// the time used, the time the next timer is due (0: none) and whether any timer ran. The
// functions run on the caller's M (with its P): goready puts their Gs on the caller's queue.
CheckTimersResult checkTimersSlow(P* pp, int64_t now) {
  int64_t next = pp->timer0When.load(std::memory_order_relaxed);
  if (next == 0) return {now, 0, false};  // No timers to run or adjust.
  if (now == 0) now = os::nanotime();
  if (now < next) return {now, next, false};  // Next timer is not ready to run.

  bool ran = false;
  lock(&pp->timersLock);
  while (!pp->timers.empty() && pp->timers[0]->when <= now) {
    timer* t = pp->timers[0];
    // Copy what f needs BEFORE t leaves the heap: from then on a deltimer finds it gone and
    // its owner may reset the fields for a new firing (a deadline moved: netpoll.cpp).
    void (*f)(void*, uintptr_t) = t->f;
    void* arg = t->arg;
    uintptr_t seq = t->seq;
    dodeltimer(pp, 0);
    if (t->period > 0) {  // Leave in heap but adjust next time to fire.
      t->when += t->period * (1 + (now - t->when) / t->period);
      doaddtimer(pp, t);
    }
    unlock(&pp->timersLock);  // f may take other locks (sched.lock in wakep)
    f(arg, seq);
    lock(&pp->timersLock);
    ran = true;
  }
  int64_t pollUntil = pp->timer0When.load(std::memory_order_relaxed);
  unlock(&pp->timersLock);
  return {now, pollUntil, ran};
}

// Go: timeSleepUntil. The earliest timer of any P (INT64_MAX if none).
int64_t timeSleepUntil() {
  int64_t next = INT64_MAX;
  for (int32_t i = 0; i < gomaxprocs; i++) {
    int64_t w = allp[i]->timer0When.load(std::memory_order_relaxed);
    if (w != 0 && w < next) next = w;
  }
  return next;
}

// Go: wakeNetPoller. A timer due at `when` was added: make sure some M will be awake then.
void wakeNetPoller(int64_t when) {
  if (sched.lastpoll.load() == 0) {
    // An M is blocked in netpoll: wake it if it would sleep past `when`. (In findRunnable we
    // ensure that while polling pollUntil is either zero or the time the poll runs to, so this
    // may wake it spuriously but never misses.)
    int64_t pollerPollUntil = sched.pollUntil.load();
    if (pollerPollUntil == 0 || pollerPollUntil > when) netpollBreak();
  } else {
    // There are no threads in the network poller, try to get one there so it can handle new
    // timers.
    wakep();
  }
}

// Go: time.Sleep (timeSleep).
void Sleep(int64_t ns) {
  if (ns <= 0) return;
  G* gp = getg();
  timer* t = gp->timer;
  if (!t) {
    t = new timer();
    gp->timer = t;
  }
  t->f = goroutineReady;
  t->arg = gp;
  t->period = 0;
  int64_t now = os::nanotime();
  t->when = now + ns;
  if (t->when < now) t->when = INT64_MAX;  // check for overflow
  gopark(resetForSleep, t, waitReasonSleep);
}

int64_t Nanotime() { return os::nanotime(); }

}  // namespace rt
