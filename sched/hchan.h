// sched/hchan.h -- a channel's insides (Go: hchan and waitq in chan.go), shared by chan.cpp and
// select.cpp.
//
// A channel is a lock, an optional ring buffer of elements, and two queues of waiting
// goroutines: receivers blocked on an empty channel and senders blocked on a full one. At most
// one of the queues is non-empty. A sender that finds a waiting receiver copies its value
// straight into the receiver's variable (on the receiver's stack) and readies it: no buffer is
// touched, and the receiver wakes up with the value already in place.
#pragma once

#include <stdint.h>
#include <string.h>

#include "runtime2.h"

namespace rt {

struct waitq {
  sudog* first = nullptr;
  sudog* last = nullptr;

  void enqueue(sudog* sgp) {
    sgp->next = nullptr;
    sgp->prev = last;
    if (last) last->next = sgp;
    else first = sgp;
    last = sgp;
  }

  // Go: waitq.dequeue. The first waiter that may still be woken. A G in a select sits on many
  // queues; once one case has won (g->selectDone), its sudogs elsewhere are skipped here and
  // removed by the select itself.
  sudog* dequeue() {
    for (;;) {
      sudog* sgp = first;
      if (!sgp) return nullptr;
      first = sgp->next;
      if (first) first->prev = nullptr;
      else last = nullptr;
      sgp->next = sgp->prev = nullptr;
      if (sgp->isSelect) {
        uint32_t zero = 0;
        if (!sgp->g->selectDone.compare_exchange_strong(zero, 1)) continue;
      }
      return sgp;
    }
  }

  // Go: waitq.dequeueSudoG. Remove a specific sudog (a losing select case).
  void dequeueSudoG(sudog* sgp) {
    sudog* x = sgp->prev;
    sudog* y = sgp->next;
    if (x) {
      if (y) {  // middle of queue
        x->next = y;
        y->prev = x;
        sgp->next = sgp->prev = nullptr;
        return;
      }
      last = x;  // end of queue
      x->next = nullptr;
      sgp->prev = nullptr;
      return;
    }
    if (y) {  // start of queue
      y->prev = nullptr;
      first = y;
      sgp->next = nullptr;
      return;
    }
    // x==y==nil. Either sgp is the only element in the queue, or it has already been removed.
    if (first == sgp) {
      first = last = nullptr;
    }
  }
};

struct hchan {
  uint32_t qcount = 0;     // total data in the queue
  uint32_t dataqsiz = 0;   // size of the circular queue
  uint8_t* buf = nullptr;  // points to an array of dataqsiz elements
  uint32_t elemsize = 0;
  bool closed = false;
  uint32_t sendx = 0;      // send index
  uint32_t recvx = 0;      // receive index
  waitq recvq;             // list of recv waiters
  waitq sendq;             // list of send waiters
  // lock protects all fields in hchan, as well as several fields in sudogs blocked on this
  // channel. Do not change another G's status while holding this lock (in particular, do not
  // ready a G), as this can deadlock with stack shrinking (Go) -- we release it before goready.
  mutex lock;

  uint8_t* chanbuf(uint32_t i) { return buf + static_cast<uintptr_t>(i) * elemsize; }
};

// Go: typedmemmove. Copy one element; the common small sizes as plain moves, not a call.
inline void typedmemmove(void* dst, const void* src, uint32_t size) {
  switch (size) {
    case 0: return;
    case 1: memcpy(dst, src, 1); return;
    case 2: memcpy(dst, src, 2); return;
    case 4: memcpy(dst, src, 4); return;
    case 8: memcpy(dst, src, 8); return;
    case 16: memcpy(dst, src, 16); return;
    default: memcpy(dst, src, size);
  }
}

// chan.cpp, used by select.cpp.
void chansendToWaiter(hchan* c, sudog* sg, const void* ep);  // send(); unlocks c
void chanrecvFromWaiter(hchan* c, sudog* sg, void* ep);      // recv(); unlocks c
bool chanparkcommit(G* gp, void* chanLock);

}  // namespace rt
