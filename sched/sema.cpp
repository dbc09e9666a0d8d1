// sched/sema.cpp -- semaphores that park goroutines (see sema.h; Go: sema.go).
//
// Go keeps each bucket's waiters in a treap keyed by address, with a FIFO per address. We keep
// one FIFO per bucket and scan it for the address: the same behaviour, O(waiters in the bucket)
// instead of O(log n), and far less code.
#include "sema.h"

namespace rt {
namespace {

// Go: semTabSize, a prime, so nearby addresses spread over the buckets.
constexpr uintptr_t semTabSize = 251;

struct semaRoot {
  mutex lock;
  sudog* head = nullptr;  // waiters, FIFO, linked through next/prev
  sudog* tail = nullptr;
  std::atomic<uint32_t> nwait{0};  // number of waiters; read without the lock
};

semaRoot semtable[semTabSize];

semaRoot* semroot(std::atomic<uint32_t>* addr) {
  return &semtable[(reinterpret_cast<uintptr_t>(addr) >> 3) % semTabSize];
}

bool cansemacquire(std::atomic<uint32_t>* addr) {
  for (;;) {
    uint32_t v = addr->load();
    if (v == 0) return false;
    if (addr->compare_exchange_weak(v, v - 1)) return true;
  }
}

void queue(semaRoot* root, sudog* s, bool lifo) {
  s->next = s->prev = nullptr;
  if (!root->head) {
    root->head = root->tail = s;
  } else if (lifo) {
    s->next = root->head;
    root->head->prev = s;
    root->head = s;
  } else {
    s->prev = root->tail;
    root->tail->next = s;
    root->tail = s;
  }
}

// The first waiter on addr, unlinked; nullptr if none.
sudog* dequeue(semaRoot* root, std::atomic<uint32_t>* addr) {
  for (sudog* s = root->head; s; s = s->next) {
    if (s->semaddr != addr) continue;
    if (s->prev) s->prev->next = s->next;
    else root->head = s->next;
    if (s->next) s->next->prev = s->prev;
    else root->tail = s->prev;
    s->next = s->prev = nullptr;
    return s;
  }
  return nullptr;
}

}  // namespace

void semacquire1(std::atomic<uint32_t>* addr, bool lifo, waitReason reason) {
  // Easy case.
  if (cansemacquire(addr)) return;

  // Harder case:
  //   increment waiter count
  //   try cansemacquire one more time, return if succeeded
  //   enqueue itself as a waiter
  //   sleep
  //   (waiter descriptor is dequeued by signaler)
  sudog s;  // on this G's stack, which stays put while it sleeps
  s.g = getg();
  s.semaddr = addr;
  semaRoot* root = semroot(addr);
  for (;;) {
    lock(&root->lock);
    // Add ourselves to nwait to disable "easy case" in semrelease.
    root->nwait.fetch_add(1);
    // Check cansemacquire to avoid missed wakeup.
    if (cansemacquire(addr)) {
      root->nwait.fetch_sub(1);
      unlock(&root->lock);
      return;
    }
    // Any semrelease after the cansemacquire knows we're waiting (we set nwait above), so go
    // to sleep.
    s.ticket = 0;
    queue(root, &s, lifo);
    goparkunlock(&root->lock, reason);
    if (s.ticket != 0 || cansemacquire(addr)) return;
    lifo = true;  // woken but beaten to it: queue at the front next time
  }
}

void semrelease1(std::atomic<uint32_t>* addr, bool handoff) {
  semaRoot* root = semroot(addr);
  addr->fetch_add(1);

  // Easy case: no waiters? This check must happen after the increment, to avoid a missed
  // wakeup (see loop in semacquire).
  if (root->nwait.load() == 0) return;

  // Harder case: search for a waiter and wake it.
  lock(&root->lock);
  if (root->nwait.load() == 0) {
    // The count is already consumed by another goroutine, so no need to wake up another.
    unlock(&root->lock);
    return;
  }
  sudog* s = dequeue(root, addr);
  if (s) root->nwait.fetch_sub(1);
  unlock(&root->lock);
  if (s) {
    if (handoff && cansemacquire(addr)) s->ticket = 1;
    goready(s->g);
  }
}

}  // namespace rt
