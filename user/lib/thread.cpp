// user/lib/thread.cpp -- raw clone() threads (see thread.h).
//
// One anonymous mapping per thread:
//   [ guard page (PROT_NONE) | stack ... grows down <- | TLS + ThreadBlock ]
// The block sits above the stack top; the thread pointer points into it (thread_block.h).
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "futex_mutex.h"
#include "handoff.h"
#include "linux_abi.h"
#include "syscall.h"
#include "thread.h"

extern "C" long __handoff_clone(unsigned long flags, void* stack_top, volatile int* parent_tid,
                                volatile int* child_tid, void* tls, void (*fn)(void*), void* arg);
extern "C" void __sinit(struct _reent*);

namespace {

constexpr size_t kPage = 4096;
constexpr size_t round_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

// The new thread's first C++ frame (called from clone.S on the new stack).
void thread_entry(void* p) {
  auto* tb = static_cast<ThreadBlock*>(p);
  tb->result = tb->start(tb->arg);
  handoff_tb_fini(tb);  // free newlib's per-thread allocations (printf scratch...)
  // Only this thread ends; the kernel then clears tb->tid and wakes thread_join.
  for (;;) syscall1(SYS_exit, 0);
}

}  // namespace

extern "C" {

thread_t thread_create_stack(void* (*fn)(void*), void* arg, size_t stack_size) {
  // The std streams are global, but exit() flushes them only if _GLOBAL_REENT's stdio was
  // initialised (its __cleanup hook). Make sure that happened before a second thread can
  // touch stdio first through its own _reent.
  static int sinit_done;
  if (!__atomic_load_n(&sinit_done, __ATOMIC_ACQUIRE)) {
    __sinit(_global_impure_ptr);
    __atomic_store_n(&sinit_done, 1, __ATOMIC_RELEASE);
  }

  if (stack_size == 0) stack_size = THREAD_DEFAULT_STACK;
  const size_t stack = round_up(stack_size, kPage);
  const size_t block = round_up(handoff_tb_area_size(), kPage);
  const size_t total = kPage + stack + block;
  void* map = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (map == MAP_FAILED) return nullptr;
  mprotect(map, kPage, PROT_NONE);  // guard page; a kernel without mprotect just has none

  char* block_mem = static_cast<char*>(map) + kPage + stack;
  ThreadBlock* tb = handoff_tb_init(block_mem);
  tb->start = fn;
  tb->arg = arg;
  tb->map_base = map;
  tb->map_size = total;
  tb->tid = -1;  // nonzero until the kernel's CHILD_CLEARTID, even if PARENT_SETTID is ignored

  const unsigned long flags = LINUX_CLONE_VM | LINUX_CLONE_FS | LINUX_CLONE_FILES |
                              LINUX_CLONE_SIGHAND | LINUX_CLONE_THREAD | LINUX_CLONE_SYSVSEM |
                              LINUX_CLONE_SETTLS | LINUX_CLONE_PARENT_SETTID |
                              LINUX_CLONE_CHILD_CLEARTID;
  long r = __handoff_clone(flags, block_mem, &tb->tid, &tb->tid, handoff_tb_thread_pointer(tb),
                           thread_entry, tb);
  if (syscall_failed(r)) {
    munmap(map, total);
    handoff_syscall_ret(r);  // sets errno
    return nullptr;
  }
  return tb;
}

thread_t thread_create(void* (*fn)(void*), void* arg) { return thread_create_stack(fn, arg, 0); }

void* thread_join(thread_t t) {
  // Wait for the kernel's CLONE_CHILD_CLEARTID store + wake. That wake is a SHARED futex
  // wake (Linux's mm_release uses plain FUTEX_WAKE), and a shared wake does not match a
  // FUTEX_WAIT_PRIVATE waiter, so this wait must be the non-private one (glibc's pthread_join
  // does the same).
  for (;;) {
    int tid = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE);
    if (tid == 0) break;
    handoff::futex_wait(&t->tid, tid, LINUX_FUTEX_WAIT);
  }
  void* result = t->result;
  munmap(t->map_base, t->map_size);
  return result;
}

thread_t thread_self(void) { return handoff_tb_self(); }

int thread_tid(thread_t t) { return t->tid; }

}  // extern "C"
