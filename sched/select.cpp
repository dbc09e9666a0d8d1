// sched/select.cpp -- select (Go: selectgo in select.go).
//
// 1. Pick a random poll order (fairness: no case is favoured) and a lock order (by channel
//    address: two selects on the same channels always lock them in the same order, so they
//    cannot deadlock), then lock every channel.
// 2. Pass 1: in poll order, look for a case that can proceed now. If one can, do it, unlock,
//    done. If none can and there is a default (TrySelect), unlock and return -1.
// 3. Pass 2: enqueue a sudog on every channel, park (selparkcommit unlocks all channels once
//    we are parked).
// 4. Woken by one case (the waker set g->selectDone first, so no other case can wake us):
//    lock everything again; pass 3 dequeues our sudogs from the losing channels.
#include <alloca.h>
#include <string.h>

#include "chan.h"
#include "hchan.h"
#include "print.h"
#include "runtime.h"
#include "runtime2.h"

namespace rt {
namespace {

void sellock(const SelectCase* cases, const uint16_t* lockorder, int n) {
  hchan* c = nullptr;
  for (int i = 0; i < n; i++) {
    hchan* c0 = cases[lockorder[i]].c;
    if (c0 && c0 != c) {
      c = c0;
      lock(&c->lock);
    }
  }
}

void selunlock(const SelectCase* cases, const uint16_t* lockorder, int n) {
  // We must be very careful here to not touch the select state after we have unlocked the last
  // lock: the G may be readied and its stack (holding the cases) reused. So unlock from the
  // end, skipping duplicates (which are adjacent in lock order).
  for (int i = n - 1; i >= 0; i--) {
    hchan* c = cases[lockorder[i]].c;
    if (!c) break;  // nil channels sort first
    if (i > 0 && c == cases[lockorder[i - 1]].c) continue;  // will unlock it on the next iteration
    unlock(&c->lock);
  }
}

// Unlock every channel but c: send/recv to a waiter unlock c themselves, before readying it.
void selunlockExcept(const SelectCase* cases, const uint16_t* lockorder, int n, hchan* c) {
  for (int i = n - 1; i >= 0; i--) {
    hchan* ci = cases[lockorder[i]].c;
    if (!ci) break;
    if (i > 0 && ci == cases[lockorder[i - 1]].c) continue;
    if (ci != c) unlock(&ci->lock);
  }
}

// Go: selparkcommit. gopark's unlockf: unlock every channel of gp's sudog list (in lock order).
bool selparkcommit(G* gp, void*) {
  // As soon as we unlock a channel, fields in any sudog with that channel may change,
  // including c and waitlink. Since multiple sudogs may have the same channel, we unlock only
  // after we've passed the last instance of a channel.
  hchan* lastc = nullptr;
  for (sudog* sg = gp->waiting; sg; sg = sg->waitlink) {
    if (sg->c != lastc && lastc) unlock(&lastc->lock);
    lastc = sg->c;
  }
  if (lastc) unlock(&lastc->lock);
  return true;
}

}  // namespace

int selectgo(const SelectCase* cases, int ncases, bool block) {
  preemptCheck();
  if (ncases > 65535) fatal("select: too many cases");
  if (ncases == 0 || [&] {
        for (int i = 0; i < ncases; i++)
          if (cases[i].c) return false;
        return true;
      }()) {
    // Only nil channels (or none): nothing can ever happen.
    if (!block) return -1;
    gopark(nullptr, nullptr, waitReasonSelectNoCases);  // Go: block()
    fatal("unreachable");
  }

  uint16_t* pollorder = static_cast<uint16_t*>(alloca(sizeof(uint16_t) * ncases));
  uint16_t* lockorder = static_cast<uint16_t*>(alloca(sizeof(uint16_t) * ncases));
  sudog* sgs = static_cast<sudog*>(alloca(sizeof(sudog) * ncases));

  // generate permuted order (Fisher-Yates, inside-out)
  for (int i = 0; i < ncases; i++) {
    int j = static_cast<int>(fastrand() % static_cast<uint32_t>(i + 1));
    pollorder[i] = pollorder[j];
    pollorder[j] = static_cast<uint16_t>(i);
  }
  // sort the cases by hchan address to get the locking order (insertion sort: selects are
  // small; Go uses a heap sort for a bounded stack footprint).
  for (int i = 0; i < ncases; i++) {
    uint16_t o = pollorder[i];
    uintptr_t key = reinterpret_cast<uintptr_t>(cases[o].c);
    int j = i;
    while (j > 0 && reinterpret_cast<uintptr_t>(cases[lockorder[j - 1]].c) > key) {
      lockorder[j] = lockorder[j - 1];
      j--;
    }
    lockorder[j] = o;
  }

  // lock all the channels involved in the select
  sellock(cases, lockorder, ncases);

  for (;;) {
    // pass 1 - look for something already waiting
    for (int i = 0; i < ncases; i++) {
      const int casi = pollorder[i];
      const SelectCase& cas = cases[casi];
      hchan* c = cas.c;
      if (!c) continue;
      if (!cas.send) {
        if (sudog* sg = c->sendq.dequeue()) {
          // can receive from sleeping sender
          selunlockExcept(cases, lockorder, ncases, c);
          chanrecvFromWaiter(c, sg, cas.elem);  // unlocks c
          if (cas.recvOK) *cas.recvOK = true;
          return casi;
        }
        if (c->qcount > 0) {
          // can receive from buffer
          uint8_t* qp = c->chanbuf(c->recvx);
          if (cas.elem) typedmemmove(cas.elem, qp, c->elemsize);
          memset(qp, 0, c->elemsize);
          c->recvx++;
          if (c->recvx == c->dataqsiz) c->recvx = 0;
          c->qcount--;
          if (cas.recvOK) *cas.recvOK = true;
          selunlock(cases, lockorder, ncases);
          return casi;
        }
        if (c->closed) {
          // read at end of closed channel
          if (cas.elem) memset(cas.elem, 0, c->elemsize);
          if (cas.recvOK) *cas.recvOK = false;
          selunlock(cases, lockorder, ncases);
          return casi;
        }
      } else {
        if (c->closed) {
          // send on closed channel
          selunlock(cases, lockorder, ncases);
          gopanic("send on closed channel");
        }
        if (sudog* sg = c->recvq.dequeue()) {
          // can send to a sleeping receiver
          selunlockExcept(cases, lockorder, ncases, c);
          chansendToWaiter(c, sg, cas.elem);  // unlocks c
          return casi;
        }
        if (c->qcount < c->dataqsiz) {
          // can send to buffer
          typedmemmove(c->chanbuf(c->sendx), cas.elem, c->elemsize);
          c->sendx++;
          if (c->sendx == c->dataqsiz) c->sendx = 0;
          c->qcount++;
          selunlock(cases, lockorder, ncases);
          return casi;
        }
      }
    }

    if (!block) {
      selunlock(cases, lockorder, ncases);
      return -1;
    }

    // pass 2 - enqueue on all chans
    G* gp = getg();
    if (gp->waiting) fatal("gp.waiting != nil");
    sudog** nextp = &gp->waiting;
    for (int i = 0; i < ncases; i++) {
      const int casi = lockorder[i];
      const SelectCase& cas = cases[casi];
      sudog* sg = &sgs[casi];
      new (sg) sudog();
      if (!cas.c) continue;
      sg->g = gp;
      sg->isSelect = true;
      sg->elem = cas.elem;
      sg->c = cas.c;
      // Construct waiting list in lock order.
      *nextp = sg;
      nextp = &sg->waitlink;
      if (cas.send) cas.c->sendq.enqueue(sg);
      else cas.c->recvq.enqueue(sg);
    }

    // wait for someone to wake us up
    gp->param = nullptr;
    gp->selectDone.store(0);
    gopark(selparkcommit, nullptr, waitReasonSelect);

    sellock(cases, lockorder, ncases);
    gp->selectDone.store(0);
    sudog* won = static_cast<sudog*>(gp->param);
    gp->param = nullptr;

    // pass 3 - dequeue from unsuccessful chans, otherwise they stack up on quiet channels.
    // Record the successful case, if any. We singly-linked up the sudogs in lock order.
    int casi = -1;
    bool recvOK = false;
    for (int i = 0; i < ncases; i++) {
      const int k = lockorder[i];
      const SelectCase& cas = cases[k];
      if (!cas.c) continue;
      sudog* sg = &sgs[k];
      if (sg == won) {
        // won has already been dequeued by the G that woke us up.
        casi = k;
        recvOK = sg->success;
      } else if (cas.send) {
        cas.c->sendq.dequeueSudoG(sg);
      } else {
        cas.c->recvq.dequeueSudoG(sg);
      }
    }
    gp->waiting = nullptr;

    if (casi < 0) {
      // We can wake up with gp->param == nullptr when a channel involved in the select has
      // been closed (Go before 1.17). Loop and re-run the operation; we'll see it's closed.
      continue;
    }
    const SelectCase& cas = cases[casi];
    if (cas.send) {
      if (!recvOK) {  // woken by close
        selunlock(cases, lockorder, ncases);
        gopanic("send on closed channel");
      }
    } else if (cas.recvOK) {
      *cas.recvOK = recvOK;
    }
    selunlock(cases, lockorder, ncases);
    return casi;
  }
}

}  // namespace rt
