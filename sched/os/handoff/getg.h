// sched/os/handoff/getg.h -- where the running G is found, in Handoff's newlib programs (Go:
// getg(), a load from the TLS register).
//
// Every thread of a user/lib program has a ThreadBlock at its thread pointer (FS base on x86-64,
// TPIDR_EL0 on aarch64; user/lib/thread_block.h), with a word reserved for the runtime: we keep
// the current G there. The thread pointer is read with `asm volatile` on every call: a G can
// move to another thread in the middle of a function (at mcall), so the compiler must never
// reuse a thread pointer it read before such a call.
#pragma once

#include <stddef.h>

#include "thread_block.h"  // user/lib

namespace rt {
struct G;

inline ThreadBlock* threadBlock() {
#if defined(__x86_64__)
  ThreadBlock* tb;
  __asm__ volatile("mov %%fs:0, %0" : "=r"(tb));  // the block's self pointer (variant II TLS)
  return tb;
#elif defined(__aarch64__)
  char* tp;
  __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
  return reinterpret_cast<ThreadBlock*>(tp - offsetof(ThreadBlock, tcb));
#else
#error "unsupported architecture"
#endif
}

inline G* getg() { return static_cast<G*>(threadBlock()->user); }
inline void setg(G* gp) { threadBlock()->user = gp; }

}  // namespace rt
