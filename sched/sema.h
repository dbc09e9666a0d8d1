// sched/sema.h -- semaphores that park goroutines (Go: sema.go), under Mutex and WaitGroup.
//
// A semaphore is just a uint32 counter somewhere in the caller's object. semacquire decrements
// it, parking the G while it is 0; semrelease increments it and readies one parked G. The
// waiters are not stored in the object: they live in one of 251 shared buckets picked by the
// counter's address (Go's semtable), so a Mutex stays one word of state and one of sema.
#pragma once

#include <atomic>
#include <stdint.h>

#include "runtime2.h"

namespace rt {

// Go: semacquire1. lifo: queue at the front (a waiter that was already woken once and lost).
void semacquire1(std::atomic<uint32_t>* addr, bool lifo, waitReason reason);
inline void semacquire(std::atomic<uint32_t>* addr) {
  semacquire1(addr, false, waitReasonSemacquire);
}
// Go: semrelease1. handoff: give the count straight to the woken waiter.
void semrelease1(std::atomic<uint32_t>* addr, bool handoff);
inline void semrelease(std::atomic<uint32_t>* addr) { semrelease1(addr, false); }

}  // namespace rt
