// sched/os/glibc/thread.cpp -- Ms as pthreads, for the Linux host (Go: newosproc, but through
// the C library as Go does on systems where it must).
//
// glibc keeps per-thread state (its TCB at the thread pointer: errno, stdio locks, TLS, the
// stack guard, the sanitizers' bookkeeping), which only pthread_create sets up; a raw clone(2)
// thread would crash in the first libc call. The Handoff flavour (os/handoff/) uses raw clone.
#include <pthread.h>
#include <stdlib.h>

#include "os.h"
#include "runtime2.h"

namespace rt {

namespace {
thread_local G* tlsG;

// The g0 stack of new Ms: the scheduler and system calls run here. Generous because the
// sanitizers' interceptors (pthread_create inside startm, for one) use deep frames.
constexpr size_t kG0StackSize = 1024 * 1024;

void* threadStart(void* arg) {
  mstart(static_cast<M*>(arg));
  return nullptr;  // the M has left (mexit): the thread ends
}
}  // namespace

__attribute__((noinline)) G* getg() { return tlsG; }
__attribute__((noinline)) void setg(G* gp) { tlsG = gp; }

namespace os {

bool newosproc(M* mp) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kG0StackSize);
  pthread_t t;
  int r = pthread_create(&t, &attr, threadStart, mp);
  pthread_attr_destroy(&attr);
  if (r != 0) return false;
  mp->thread = static_cast<uintptr_t>(t);
  return true;
}

void minit(M* mp) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* addr = nullptr;
  size_t size = 0;
  pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  mp->g0->stack.lo = reinterpret_cast<uintptr_t>(addr);
  mp->g0->stack.hi = reinterpret_cast<uintptr_t>(addr) + size;
}

bool threadExited(M* mp) {
  if (mp->threadJoined) return true;
  if (pthread_tryjoin_np(static_cast<pthread_t>(mp->thread), nullptr) != 0) return false;
  mp->threadJoined = true;
  return true;
}

void threadJoin(M* mp) {
  if (mp->threadJoined) return;
  pthread_join(static_cast<pthread_t>(mp->thread), nullptr);
  mp->threadJoined = true;
}

const char* getenv(const char* name) { return ::getenv(name); }

}  // namespace os
}  // namespace rt
