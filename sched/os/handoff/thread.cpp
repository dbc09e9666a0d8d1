// sched/os/handoff/thread.cpp -- Ms as raw clone(2) threads, for Handoff's static newlib
// programs (Go: newosproc in os_linux.go). Also runs natively on a Linux host and under
// qemu-aarch64, which is how this layer is tested before Handoff has threads.
//
// user/lib/thread.h does the clone: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM (share
// everything), CLONE_SETTLS (the new thread's ThreadBlock, so newlib's errno/stdio state and
// getg() are per thread), CLONE_PARENT_SETTID|CHILD_CLEARTID (the kernel clears the tid word
// and futex-wakes it when the thread has exited: that is thread_join, and threadExited here).
#include <stdlib.h>

#include "os.h"
#include "runtime2.h"
#include "thread.h"  // user/lib

namespace rt {
namespace {

// The g0 stack of new Ms (plus a guard page below it, from thread.cpp).
constexpr size_t kG0StackSize = 256 * 1024;
constexpr size_t kPage = 4096;

void* threadStart(void* arg) {
  mstart(static_cast<M*>(arg));
  return nullptr;  // the M has left (mexit): the thread ends
}

}  // namespace

namespace os {

bool newosproc(M* mp) {
  thread_t t = thread_create_stack(threadStart, mp, kG0StackSize);
  if (!t) return false;
  mp->thread = reinterpret_cast<uintptr_t>(t);
  return true;
}

void minit(M* mp) {
  // thread.cpp maps [guard page | stack | ThreadBlock + TLS]; the main thread's stack is the
  // kernel's, whose bounds we do not need (they matter only to the sanitizers, host-only).
  ThreadBlock* tb = threadBlock();
  if (tb->map_base) {
    mp->g0->stack.lo = reinterpret_cast<uintptr_t>(tb->map_base) + kPage;
    mp->g0->stack.hi = mp->g0->stack.lo + kG0StackSize;
  }
}

bool threadExited(M* mp) {
  if (mp->threadJoined) return true;
  auto* tb = reinterpret_cast<ThreadBlock*>(mp->thread);
  return __atomic_load_n(&tb->tid, __ATOMIC_ACQUIRE) == 0;
}

void threadJoin(M* mp) {
  if (mp->threadJoined) return;
  thread_join(reinterpret_cast<thread_t>(mp->thread));
  mp->threadJoined = true;
}

const char* getenv(const char* name) { return ::getenv(name); }

}  // namespace os
}  // namespace rt
