// sched/chan.cpp -- channel send, receive and close (Go: chan.go).
//
// Invariants (Go's):
//   At least one of c.sendq and c.recvq is empty, except for an unbuffered channel with a
//   single goroutine blocked on it for both sending and receiving using a select statement.
//   For buffered channels, also: c.qcount > 0 implies that c.recvq is empty, and
//   c.qcount < c.dataqsiz implies that c.sendq is empty.
// Go also has lock-free fast paths for non-blocking operations on obviously full/empty
// channels; we always take the lock (simpler, and clean under ThreadSanitizer).
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "hchan.h"
#include "print.h"
#include "runtime.h"
#include "runtime2.h"

namespace rt {

namespace {
constexpr size_t kMaxElemSize = 1 << 16;  // Go: "channel element type too large (>64kB)"
constexpr size_t kMaxAlloc = size_t{1} << 30;
}  // namespace

hchan* makechan(size_t elemsize, size_t size) {
  if (elemsize >= kMaxElemSize) fatal("makechan: invalid channel element type");
  if (elemsize != 0 && size > kMaxAlloc / elemsize) gopanic("makechan: size out of range");
  hchan* c = new hchan();
  c->elemsize = static_cast<uint32_t>(elemsize);
  c->dataqsiz = static_cast<uint32_t>(size);
  if (size > 0 && elemsize > 0) c->buf = static_cast<uint8_t*>(calloc(size, elemsize));
  return c;
}

void freechan(hchan* c) {
  if (!c) return;
  // Run may have abandoned goroutines blocked on it; otherwise destroying a channel someone is
  // still blocked on is a use-after-free waiting to happen.
  if ((c->recvq.first || c->sendq.first) && !sched.shutdown.load() && m0)
    fatal("rt::Chan destroyed while goroutines are blocked on it");
  free(c->buf);
  delete c;
}

// Go: chanparkcommit. gopark's unlockf: the G is parked, now release the channel.
bool chanparkcommit(G*, void* chanLock) {
  unlock(static_cast<mutex*>(chanLock));
  return true;
}

// Go: send. A receiver sg is waiting on c (locked): copy ep straight into its variable, unlock
// c and ready it.
void chansendToWaiter(hchan* c, sudog* sg, const void* ep) {
  if (sg->elem) typedmemmove(sg->elem, ep, c->elemsize);  // Go: sendDirect
  G* gp = sg->g;
  unlock(&c->lock);
  gp->param = sg;
  sg->success = true;
  goready(gp);
}

// Go: recv. A sender sg is blocked on c (locked). Unbuffered: take its value directly. Buffered
// (and so full): take the head of the queue and put the sender's value at the tail -- the same
// slot, since the queue is full. Then unlock c and ready the sender.
void chanrecvFromWaiter(hchan* c, sudog* sg, void* ep) {
  if (c->dataqsiz == 0) {
    if (ep) typedmemmove(ep, sg->elem, c->elemsize);  // Go: recvDirect
  } else {
    uint8_t* qp = c->chanbuf(c->recvx);
    if (ep) typedmemmove(ep, qp, c->elemsize);  // copy data from queue to receiver
    typedmemmove(qp, sg->elem, c->elemsize);    // copy data from sender to queue
    c->recvx++;
    if (c->recvx == c->dataqsiz) c->recvx = 0;
    c->sendx = c->recvx;  // c->sendx = (c->sendx+1) % c->dataqsiz
  }
  sg->elem = nullptr;
  G* gp = sg->g;
  unlock(&c->lock);
  gp->param = sg;
  sg->success = true;
  goready(gp);
}

namespace {

// Go: chansend. block=false: give up instead of parking. Returns whether the value was sent.
bool chansend(hchan* c, const void* ep, bool block) {
  preemptCheck();
  if (!c) {
    if (!block) return false;
    gopark(nullptr, nullptr, waitReasonChanSendNilChan);
    fatal("unreachable");
  }
  lock(&c->lock);
  if (c->closed) {
    unlock(&c->lock);
    gopanic("send on closed channel");
  }
  if (sudog* sg = c->recvq.dequeue()) {
    // Found a waiting receiver. We pass the value we want to send directly to the receiver,
    // bypassing the channel buffer (if any).
    chansendToWaiter(c, sg, ep);
    return true;
  }
  if (c->qcount < c->dataqsiz) {
    // Space is available in the channel buffer. Enqueue the element to send.
    typedmemmove(c->chanbuf(c->sendx), ep, c->elemsize);
    c->sendx++;
    if (c->sendx == c->dataqsiz) c->sendx = 0;
    c->qcount++;
    unlock(&c->lock);
    return true;
  }
  if (!block) {
    unlock(&c->lock);
    return false;
  }
  // Block on the channel. Some receiver will complete our operation for us.
  G* gp = getg();
  sudog mysg;
  mysg.elem = const_cast<void*>(ep);
  mysg.g = gp;
  mysg.c = c;
  gp->waiting = &mysg;
  gp->param = nullptr;
  c->sendq.enqueue(&mysg);
  gopark(chanparkcommit, &c->lock, waitReasonChanSend);
  // someone woke us up.
  gp->waiting = nullptr;
  gp->param = nullptr;
  if (!mysg.success) gopanic("send on closed channel");  // woken by close
  return true;
}

// Go: chanrecv. Receives into ep (may be null: discard). Returns (selected, received): selected
// false only for block=false with nothing ready; received false when c is closed and drained
// (ep then holds the zero value).
bool chanrecv(hchan* c, void* ep, bool block, bool* received) {
  preemptCheck();
  *received = false;
  if (!c) {
    if (!block) return false;
    gopark(nullptr, nullptr, waitReasonChanReceiveNilChan);
    fatal("unreachable");
  }
  lock(&c->lock);
  if (c->closed && c->qcount == 0) {
    unlock(&c->lock);
    if (ep) memset(ep, 0, c->elemsize);
    return true;
  }
  if (sudog* sg = c->sendq.dequeue()) {
    // Found a waiting sender. If buffer is size 0, receive value directly from sender.
    // Otherwise, receive from head of queue and add sender's value to the tail of the queue
    // (both map to the same buffer slot because the queue is full).
    chanrecvFromWaiter(c, sg, ep);
    *received = true;
    return true;
  }
  if (c->qcount > 0) {
    // Receive directly from queue.
    uint8_t* qp = c->chanbuf(c->recvx);
    if (ep) typedmemmove(ep, qp, c->elemsize);
    memset(qp, 0, c->elemsize);
    c->recvx++;
    if (c->recvx == c->dataqsiz) c->recvx = 0;
    c->qcount--;
    unlock(&c->lock);
    *received = true;
    return true;
  }
  if (!block) {
    unlock(&c->lock);
    return false;
  }
  // no sender available: block on this channel.
  G* gp = getg();
  sudog mysg;
  mysg.elem = ep;
  mysg.g = gp;
  mysg.c = c;
  gp->waiting = &mysg;
  gp->param = nullptr;
  c->recvq.enqueue(&mysg);
  gopark(chanparkcommit, &c->lock, waitReasonChanReceive);
  // someone woke us up
  gp->waiting = nullptr;
  gp->param = nullptr;
  *received = mysg.success;
  return true;
}

}  // namespace

void chansend1(hchan* c, const void* elem) { chansend(c, elem, true); }

bool chanrecv2(hchan* c, void* elem) {
  bool received;
  chanrecv(c, elem, true, &received);
  return received;
}

bool selectnbsend(hchan* c, const void* elem) { return chansend(c, elem, false); }

bool selectnbrecv(void* elem, bool* received, hchan* c) {
  return chanrecv(c, elem, false, received);
}

// Go: closechan. Wakes every waiter: receivers get the zero value and ok=false, senders panic.
void closechan(hchan* c) {
  if (!c) gopanic("close of nil channel");
  lock(&c->lock);
  if (c->closed) {
    unlock(&c->lock);
    gopanic("close of closed channel");
  }
  c->closed = true;
  gList glist;
  // release all readers
  while (sudog* sg = c->recvq.dequeue()) {
    if (sg->elem) {
      memset(sg->elem, 0, c->elemsize);
      sg->elem = nullptr;
    }
    G* gp = sg->g;
    gp->param = sg;
    sg->success = false;
    glist.push(gp);
  }
  // release all writers (they will panic)
  while (sudog* sg = c->sendq.dequeue()) {
    sg->elem = nullptr;
    G* gp = sg->g;
    gp->param = sg;
    sg->success = false;
    glist.push(gp);
  }
  unlock(&c->lock);
  // Ready all Gs now that we've dropped the channel lock.
  while (G* gp = glist.pop()) goready(gp);
}

int chanlen(hchan* c) {
  if (!c) return 0;
  lock(&c->lock);
  int n = static_cast<int>(c->qcount);
  unlock(&c->lock);
  return n;
}

int chancap(hchan* c) { return c ? static_cast<int>(c->dataqsiz) : 0; }

}  // namespace rt
